//! Alignment sessions: the form (GET …/sessions/new, POST …/sessions), the
//! session's page (GET …/sessions/{number}) and each executive's own part of
//! its relationship check (POST …/sessions/{number}/check).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::{ACTION_ROWS, ActionInput, ActionView, action_views, load, parse_actions, see};
use crate::auth::extract::{CurrentUser, Viewer};
use crate::auth::session::ClientInfo;
use crate::db;
use crate::db::cadence::Reads;
use crate::db::cadence::{CheckParts, CheckRow, NewSession, Saved, SessionRow};
use crate::db::programmes::Programme;
use crate::domain::dates::Day;
use crate::domain::permission::Action;
use crate::domain::values::text;
use crate::error::{AppError, Result};
use crate::paths;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Readable};
use crate::web::forms::FieldErrors;
use crate::web::forms::field;
use crate::web::once::Once;
use crate::web::pages::{ConflictField, ConflictPage, Page, done, render};

/// The four standing topics: form name and label.
pub(super) const TOPICS: [(&str, &str); 4] = [
    ("scope_notes", "Scope"),
    ("investment_notes", "Investment"),
    ("governance_notes", "Governance framework"),
    ("narrative_notes", "Board narrative"),
];

crate::typed_form! {
    /// A new session as typed: the day, who attended, a note per standing
    /// topic, the decisions and up to three action items.
    pub(super) struct SessionInput {
        held_on,
        attendees,
        scope_notes,
        investment_notes,
        governance_notes,
        narrative_notes,
        decisions,
        action_title_1,
        action_owner_1,
        action_due_1,
        action_title_2,
        action_owner_2,
        action_due_2,
        action_title_3,
        action_owner_3,
        action_due_3,
        once,
    }
}

crate::typed_form! {
    /// One executive's part of the relationship check, as typed.
    pub(super) struct CheckInput {
        working,
        not_working,
        needs,
        version,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/session_new.html")]
pub(super) struct SessionForm {
    page: Page,
    programme: Programme,
    form: SessionInput,
    actions: Vec<ActionInput>,
    carried: Vec<ActionView>,
    errors: FieldErrors,
    topics: [(&'static str, &'static str); 4],
}

impl SessionForm {
    fn value(&self, name: &str) -> &str {
        field(&self.form, name)
    }
}

pub(super) async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<SessionForm> {
    let (programme, source) = load(&state, &user, id, Reads::ALL).await?;
    user.require(Action::RecordAlignment)?;
    let today = state.now().date_naive();
    let form = SessionInput {
        held_on: today.to_string(),
        attendees: "CEO, COO".to_owned(),
        ..SessionInput::default()
    };
    Ok(SessionForm {
        carried: action_views(&source, today)
            .into_iter()
            .filter(|a| a.row.done_at.is_none())
            .collect(),
        page: Page::of(&state, &user),
        programme,
        form,
        actions: vec![ActionInput::default(); ACTION_ROWS],
        errors: FieldErrors::new(),
        topics: TOPICS,
    })
}

pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Form(form): Form<SessionInput>,
) -> Result<Response> {
    let (programme, source) = load(&state, &user, id, Reads::ALL).await?;
    user.require(Action::RecordAlignment)?;
    let mut errors = FieldErrors::new();
    let today = state.now().date_naive();
    let held_on = errors.check(
        "held_on",
        Day::parse(field(&form, "held_on"))
            .map(Day::date)
            .map_err(str::to_owned)
            .and_then(|d| {
                if d > today {
                    Err(
                        "A session is recorded once it was held: the date cannot be in the future."
                            .to_owned(),
                    )
                } else {
                    Ok(d)
                }
            }),
    );
    let attendees = errors.check("attendees", text(field(&form, "attendees"), 500));
    let notes: Vec<Option<String>> = TOPICS
        .iter()
        .map(|(name, _)| errors.check(*name, text(field(&form, name), 5000)))
        .collect();
    let decisions = errors.check("decisions", text(field(&form, "decisions"), 5000));
    let (typed, actions) = parse_actions(&form, &mut errors);
    let (Some(held_on), Some(attendees), Some(decisions), true) =
        (held_on, attendees, decisions, errors.is_empty())
    else {
        let page = SessionForm {
            carried: action_views(&source, today)
                .into_iter()
                .filter(|a| a.row.done_at.is_none())
                .collect(),
            page: Page::of(&state, &user),
            programme,
            form,
            actions: typed,
            errors,
            topics: TOPICS,
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let notes: Vec<String> = notes.into_iter().map(Option::unwrap_or_default).collect();
    let once = Once::parse(&form.once);
    let mut tx = state.pool.begin().await?;
    if let Some(already) = once.claim(&mut tx, &state, &user).await? {
        return Ok(already);
    }
    db::programmes::lock(&mut tx, id).await?;
    let number = db::cadence::record_session(
        &mut tx,
        &user.actor(&client, state.now()),
        &NewSession {
            organisation_id: user.organisation_id,
            programme_id: id,
            held_on,
            attendees: &attendees,
            notes: [&notes[0], &notes[1], &notes[2], &notes[3]],
            decisions: &decisions,
            actions: &actions,
        },
    )
    .await?;
    once.recorded(&mut tx, user.id, &paths::session(id, number))
        .await?;
    done(tx, &user, &paths::session(id, number), &format!("Recorded session {number}. Each of you can now write your part of the relationship check.")).await
}

/// A relationship-check part as a form shows it.
#[derive(Debug, Clone, Default)]
pub(super) struct CheckForm {
    working: String,
    not_working: String,
    needs: String,
    version: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "cadence/session.html")]
pub(super) struct SessionPage {
    page: Page,
    programme: Programme,
    session: SessionRow,
    topics: Vec<(&'static str, String)>,
    /// (seat label, seat, the part written).
    checks: Vec<(&'static str, &'static str, Option<CheckRow>)>,
    /// The seat whose part the user writes, if any.
    my_seat: Option<&'static str>,
    my_form: CheckForm,
    errors: FieldErrors,
    set_here: Vec<ActionView>,
    carried_in: Vec<ActionView>,
    can_record_session: bool,
}

impl SessionPage {
    /// The three parts of my check: name, label, value.
    fn check_fields(&self) -> [(&'static str, &'static str, &str); 3] {
        [
            ("working", "What is working", &self.my_form.working),
            ("not_working", "What is not", &self.my_form.not_working),
            ("needs", "What I need from you", &self.my_form.needs),
        ]
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, number)): Path<(Uuid, i32)>,
) -> Result<SessionPage> {
    session_page(&state, viewer, id, number, None, FieldErrors::new()).await
}

async fn session_page(
    state: &AppState,
    viewer: Viewer,
    id: Uuid,
    number: i32,
    typed: Option<CheckForm>,
    errors: FieldErrors,
) -> Result<SessionPage> {
    let (user, programme, source) = see(state, viewer, id, Reads::ALL).await?;
    let user = &user;
    let session = source
        .sessions
        .iter()
        .find(|s| s.number == number)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let part = |seat: &str| {
        source
            .checks
            .iter()
            .find(|c| c.session_id == session.id && c.seat == seat)
            .cloned()
    };
    let my_seat = user
        .executive_seat()
        .filter(|_| user.can(Action::RecordAlignment));
    let my_form = typed.unwrap_or_else(|| {
        my_seat
            .and_then(part)
            .map_or_else(CheckForm::default, |c| CheckForm {
                working: c.working,
                not_working: c.not_working,
                needs: c.needs,
                version: c.version,
            })
    });
    let views = action_views(&source, state.now().date_naive());
    let held = session.held_on;
    let previous = source
        .sessions
        .iter()
        .filter(|s| s.held_on < held)
        .map(|s| s.held_on)
        .max();
    Ok(SessionPage {
        topics: vec![
            ("Scope", session.scope_notes.clone()),
            ("Investment", session.investment_notes.clone()),
            ("Governance framework", session.governance_notes.clone()),
            ("Board narrative", session.narrative_notes.clone()),
        ],
        checks: vec![("CEO", "ceo", part("ceo")), ("COO", "coo", part("coo"))],
        set_here: views
            .iter()
            .filter(|a| a.row.session_number == Some(number))
            .cloned()
            .collect(),
        // Items set before this session and still open on its day.
        carried_in: views
            .into_iter()
            .filter(|a| {
                previous.is_some()
                    && a.row.origin_on < held
                    && a.row.done_at.is_none_or(|d| d.date_naive() >= held)
            })
            .collect(),
        can_record_session: user.can(Action::RecordAlignment),
        page: Page::of(state, user),
        my_seat,
        my_form,
        errors,
        programme,
        session,
    })
}

pub(super) async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    _: Readable,
    client: ClientInfo,
    Path((id, number)): Path<(Uuid, i32)>,
    Form(form): Form<CheckInput>,
) -> Result<Response> {
    user.require(Action::RecordAlignment)?;
    let seat = user.executive_seat().ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let working = errors.check("working", text(field(&form, "working"), 2000));
    let not_working = errors.check("not_working", text(field(&form, "not_working"), 2000));
    let needs = errors.check("needs", text(field(&form, "needs"), 2000));
    // A form without the version it was loaded at is as stale as an old one.
    let version = form.version.trim().parse().unwrap_or(-1);
    let (Some(working), Some(not_working), Some(needs)) = (working, not_working, needs) else {
        let typed = CheckForm {
            working: field(&form, "working").to_owned(),
            not_working: field(&form, "not_working").to_owned(),
            needs: field(&form, "needs").to_owned(),
            version,
        };
        let page = session_page(
            &state,
            Viewer::Known(user.clone()),
            id,
            number,
            Some(typed),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if working.is_empty() && not_working.is_empty() && needs.is_empty() {
        let typed = CheckForm {
            version,
            ..CheckForm::default()
        };
        errors.add("working", "Write at least one of the three parts.");
        let page = session_page(
            &state,
            Viewer::Known(user.clone()),
            id,
            number,
            Some(typed),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let back = paths::session(id, number);
    let mut tx = state.pool.begin().await?;
    let saved = db::cadence::write_check(
        &mut tx,
        &user.actor(&client, state.now()),
        id,
        number,
        seat,
        &CheckParts {
            working: &working,
            not_working: &not_working,
            needs: &needs,
        },
        version,
    )
    .await?;
    match saved {
        Saved::Saved => {
            done(
                tx,
                &user,
                &format!("{back}#check-title"),
                "Your part of the relationship check is saved.",
            )
            .await
        }
        Saved::Unchanged => {
            drop(tx);
            crate::web::pages::nothing_changed(&state, &user, &back).await
        }
        Saved::Missing => Err(AppError::NotFound),
        Saved::Stale(current) => Err(ConflictPage {
            page: Page::of(&state, &user),
            what: "your part of the relationship check".to_owned(),
            reload_url: back,
            fields: vec![
                ConflictField {
                    label: "What is working".into(),
                    yours: working,
                    theirs: current.working,
                },
                ConflictField {
                    label: "What is not".into(),
                    yours: not_working,
                    theirs: current.not_working,
                },
                ConflictField {
                    label: "What I need from you".into(),
                    yours: needs,
                    theirs: current.needs,
                },
            ],
        }
        .into()),
    }
}
