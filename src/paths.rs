//! Every URL the app links or redirects to, in one place, so links never drift.

/// Home: what needs me now, then my programmes.
pub const HOME: &str = "/";
/// The login form.
pub const LOGIN: &str = "/login";
/// Sign out (POST).
pub const LOGOUT: &str = "/logout";
/// Change my password.
pub const PASSWORD: &str = "/account/password";
/// Admin: users.
pub const ADMIN_USERS: &str = "/admin/users";
/// Admin: new user.
pub const ADMIN_USER_NEW: &str = "/admin/users/new";
/// Admin: seat history.
pub const ADMIN_SEATS: &str = "/admin/seats";
/// Admin: programmes.
pub const ADMIN_PROGRAMMES: &str = "/admin/programmes";
/// Admin: new programme.
pub const ADMIN_PROGRAMME_NEW: &str = "/admin/programmes/new";
/// Admin: audit log.
pub const ADMIN_AUDIT: &str = "/admin/audit";
/// Admin: check the audit chain.
pub const ADMIN_AUDIT_VERIFY: &str = "/admin/audit/verify";

/// Where every account page lives.
pub const ACCOUNT_PREFIX: &str = "/account/";
/// Where every administration page lives.
pub const ADMIN_PREFIX: &str = "/admin/";

/// How every verification page's path ends.
pub const VERIFY_SUFFIX: &str = "/verify";

/// The icon every page names.
pub const FAVICON: &str = "/static/favicon.svg";

/// My calendar feed.
pub const CALENDAR: &str = "/account/calendar";
/// My notifications.
pub const NOTIFICATIONS: &str = "/account/notifications";
/// Marks my notifications read.
pub const NOTIFICATIONS_READ: &str = "/account/notifications/read";
/// How I hear of what: per kind, digest day and hour, time zone.
pub const NOTIFICATION_SETTINGS: &str = "/account/notifications/settings";
/// Administration → Mail: the outbox and the local mailbox.
/// Account → Passkeys.
pub const PASSKEYS: &str = "/account/passkeys";
pub const PASSKEY_REGISTER_BEGIN: &str = "/account/passkeys/register/begin";
pub const PASSKEY_REGISTER_FINISH: &str = "/account/passkeys/register/finish";
pub const PASSKEY_CONFIRM_BEGIN: &str = "/account/passkeys/confirm/begin";
pub const PASSKEY_CONFIRM_FINISH: &str = "/account/passkeys/confirm/finish";
/// Signing in with a passkey.
pub const PASSKEY_SIGN_IN_BEGIN: &str = "/login/passkey/begin";
pub const PASSKEY_SIGN_IN_FINISH: &str = "/login/passkey/finish";
/// The passkeys script.
pub const PASSKEYS_JS: &str = "/static/passkeys.js";

/// A passkey's rename form.
pub fn passkey_rename(id: impl std::fmt::Display) -> String {
    format!("/account/passkeys/{id}/rename")
}

/// A passkey's remove form.
pub fn passkey_remove(id: impl std::fmt::Display) -> String {
    format!("/account/passkeys/{id}/remove")
}

/// Administration → Single sign-on: strong sign-off.
pub const ADMIN_SIGN_OFF: &str = "/admin/sign-off";
/// Administration → Single sign-on.
pub const ADMIN_SSO: &str = "/admin/single-sign-on";
/// Where an identity provider sends the browser back (the redirect URI
/// registered at the provider).
pub const SSO_CALLBACK: &str = "/sso/callback";
/// A fresh sign-in at the provider to confirm a weighty action.
pub const SSO_CONFIRM: &str = "/sso/confirm";
pub const ADMIN_MAIL: &str = "/admin/mail";
/// Sends a test message to me (POST).
pub const ADMIN_MAIL_TEST: &str = "/admin/mail/test";

/// One outbox message as sent (Administration → Mail).
pub fn admin_mail_message(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_MAIL_MESSAGE, &[("id", &id)])
}

/// Tries a failed message again (POST).
pub fn admin_mail_retry(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_MAIL_RETRY, &[("id", &id)])
}

/// The one-click unsubscribe link of one reader and kind (RFC 8058).
pub fn unsubscribe(user: impl std::fmt::Display, kind: &str, tag: &str) -> String {
    fill(
        route::UNSUBSCRIBE,
        &[("user", &user), ("kind", &kind), ("tag", &tag)],
    )
}

/// The page an invitation's link opens.
pub fn invitation(token: &str) -> String {
    fill(route::INVITATION, &[("token", &token)])
}

/// An invitation's passkey ceremony (`step`: begin or finish).
pub fn invitation_passkey(token: &str, step: &str) -> String {
    format!("/invitations/{token}/passkey/{step}")
}

/// An invitation's way in through the organisation's provider.
pub fn invitation_sso(token: &str) -> String {
    fill(route::INVITATION_SSO, &[("token", &token)])
}

/// A user's admin page.
pub fn admin_user(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER, &[("id", &id)])
}

/// Set a user's password (POST).
pub fn admin_user_password(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER_PASSWORD, &[("id", &id)])
}

/// A user's provider identities, unlinked by an administrator (POST).
pub fn admin_user_unlink(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER_UNLINK, &[("id", &id)])
}

/// An administrator's removal of a user's passkeys (POST).
pub fn admin_user_passkeys_remove(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER_PASSKEYS_REMOVE, &[("id", &id)])
}

/// E-mail a user a new invitation (POST).
pub fn admin_user_invitation(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER_INVITATION, &[("id", &id)])
}

/// Give a user a seat (POST).
pub fn admin_user_seats(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_USER_SEATS, &[("id", &id)])
}

/// End a seat (POST).
pub fn admin_seat_end(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_SEAT_END, &[("id", &id)])
}

/// A programme's admin page.
pub fn admin_programme(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_PROGRAMME, &[("id", &id)])
}

/// The audit log from entry `before` back.
pub fn admin_audit_before(before: impl std::fmt::Display) -> String {
    format!("{ADMIN_AUDIT}?before={before}")
}

/// `pattern` with each `{name}` in it written as its value in `values`,
/// in one pass into one string (a page writes dozens of links; replacing
/// each placeholder in turn copied the path once per placeholder). A
/// placeholder without a value is left as it is.
fn fill(pattern: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(pattern.len() + 36 * values.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{')
        && let Some(length) = rest[open..].find('}')
    {
        let close = open + length;
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => {
                let _ = write!(out, "{value}");
            }
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Route patterns of a programme's pages, as the router spells them; the
/// functions below fill them in, so a link and its route cannot drift apart.
pub mod route {
    pub const ADMIN_USER_UNLINK: &str = "/admin/users/{id}/single-sign-on/unlink";
    pub const ADMIN_USER_PASSKEYS_REMOVE: &str = "/admin/users/{id}/passkeys/remove";
    pub const INVITATION_SSO: &str = "/invitations/{token}/single-sign-on";
    pub const INVITATION_PASSKEY_BEGIN: &str = "/invitations/{token}/passkey/begin";
    pub const INVITATION_PASSKEY_FINISH: &str = "/invitations/{token}/passkey/finish";
    pub const PASSKEY_RENAME: &str = "/account/passkeys/{id}/rename";
    pub const PASSKEY_REMOVE: &str = "/account/passkeys/{id}/remove";
    /// `/programmes/{id}`
    pub const PROGRAMME: &str = "/programmes/{id}";
    /// `/programmes/{id}/phase`
    pub const PHASE: &str = "/programmes/{id}/phase";
    /// `/programmes/{id}/brief`
    pub const BRIEF: &str = "/programmes/{id}/brief";
    /// `/programmes/{id}/brief/sections/{key}/edit`
    pub const BRIEF_SECTION_EDIT: &str = "/programmes/{id}/brief/sections/{key}/edit";
    /// `/programmes/{id}/brief/sections/{key}`
    pub const BRIEF_SECTION: &str = "/programmes/{id}/brief/sections/{key}";
    /// `/programmes/{id}/brief/sections/{key}/agree`
    pub const BRIEF_AGREE: &str = "/programmes/{id}/brief/sections/{key}/agree";
    /// `/programmes/{id}/brief/submit`
    pub const BRIEF_SUBMIT: &str = "/programmes/{id}/brief/submit";
    /// `/programmes/{id}/brief/versions/{number}`
    pub const BRIEF_VERSION: &str = "/programmes/{id}/brief/versions/{number}";
    /// `/programmes/{id}/brief/versions/{number}/sign`
    pub const BRIEF_SIGN: &str = "/programmes/{id}/brief/versions/{number}/sign";
    /// `/programmes/{id}/brief/versions/{number}/certificate`
    pub const BRIEF_CERTIFICATE: &str = "/programmes/{id}/brief/versions/{number}/certificate";
    /// `/programmes/{id}/brief/versions/{number}/verify`
    pub const BRIEF_VERIFY: &str = "/programmes/{id}/brief/versions/{number}/verify";
    /// `/programmes/{id}/matrix`
    pub const MATRIX: &str = "/programmes/{id}/matrix";
    /// `/programmes/{id}/matrix/edit`
    pub const MATRIX_EDIT: &str = "/programmes/{id}/matrix/edit";
    /// `/programmes/{id}/matrix/history`
    pub const MATRIX_HISTORY: &str = "/programmes/{id}/matrix/history";
    /// `/programmes/{id}/matrix/print`
    pub const MATRIX_PRINT: &str = "/programmes/{id}/matrix/print";
    /// `/programmes/{id}/matrix.csv`
    pub const MATRIX_CSV: &str = "/programmes/{id}/matrix.csv";
    /// `/programmes/{id}/matrix.xlsx`
    pub const MATRIX_XLSX: &str = "/programmes/{id}/matrix.xlsx";
    /// `/programmes/{id}/reporting-line`
    pub const REPORTING_LINE: &str = "/programmes/{id}/reporting-line";
    /// `/programmes/{id}/dashboard`
    pub const DASHBOARD: &str = "/programmes/{id}/dashboard";
    /// `/programmes/{id}/dashboard.csv`
    pub const DASHBOARD_CSV: &str = "/programmes/{id}/dashboard.csv";
    /// `/programmes/{id}/dashboard.xlsx`
    pub const DASHBOARD_XLSX: &str = "/programmes/{id}/dashboard.xlsx";
    /// `/programmes/{id}/dashboard/import`
    pub const DASHBOARD_IMPORT: &str = "/programmes/{id}/dashboard/import";
    /// `/programmes/{id}/dashboard/roi`
    pub const DASHBOARD_ROI: &str = "/programmes/{id}/dashboard/roi";
    /// `/programmes/{id}/metrics/{metric}`
    pub const METRIC: &str = "/programmes/{id}/metrics/{metric}";
    /// `/programmes/{id}/cadence`
    pub const CADENCE: &str = "/programmes/{id}/cadence";
    /// `/programmes/{id}/sessions`
    pub const SESSIONS: &str = "/programmes/{id}/sessions";
    /// `/programmes/{id}/sessions/new`
    pub const SESSION_NEW: &str = "/programmes/{id}/sessions/new";
    /// `/programmes/{id}/sessions/{number}`
    pub const SESSION: &str = "/programmes/{id}/sessions/{number}";
    /// `/programmes/{id}/sessions/{number}/check`
    pub const SESSION_CHECK: &str = "/programmes/{id}/sessions/{number}/check";
    /// `/programmes/{id}/actions/{action}`
    pub const ACTION_ITEM: &str = "/programmes/{id}/actions/{action}";
    /// `/programmes/{id}/updates`
    pub const UPDATES: &str = "/programmes/{id}/updates";
    /// `/programmes/{id}/updates/new`
    pub const UPDATE_NEW: &str = "/programmes/{id}/updates/new";
    /// `/programmes/{id}/updates/{number}`
    pub const UPDATE: &str = "/programmes/{id}/updates/{number}";
    /// `/programmes/{id}/updates/{number}/requests`
    pub const UPDATE_REQUESTS: &str = "/programmes/{id}/updates/{number}/requests";
    /// `/programmes/{id}/decisions`
    pub const DECISIONS: &str = "/programmes/{id}/decisions";
    /// `/programmes/{id}/decisions/{number}`
    pub const DECISION: &str = "/programmes/{id}/decisions/{number}";
    /// `/programmes/{id}/reviews`
    pub const REVIEWS: &str = "/programmes/{id}/reviews";
    /// `/programmes/{id}/reviews/{month}`
    pub const REVIEW: &str = "/programmes/{id}/reviews/{month}";
    /// `/programmes/{id}/reviews/{month}/hold`
    pub const REVIEW_HOLD: &str = "/programmes/{id}/reviews/{month}/hold";
    /// `/programmes/{id}/reviews/{month}/pack`
    pub const REVIEW_PACK: &str = "/programmes/{id}/reviews/{month}/pack";
    /// `/programmes/{id}/reviews/{month}/verify`
    pub const REVIEW_VERIFY: &str = "/programmes/{id}/reviews/{month}/verify";
    /// `/programmes/{id}/health`
    pub const HEALTH: &str = "/programmes/{id}/health";
    /// `/programmes/{id}/health/statement`
    pub const HEALTH_STATEMENT: &str = "/programmes/{id}/health/statement";
    /// `/programmes/{id}/health/pulse`
    pub const HEALTH_PULSE: &str = "/programmes/{id}/health/pulse";
    /// `/programmes/{id}/health/rating`
    pub const HEALTH_RATING: &str = "/programmes/{id}/health/rating";
    /// `/programmes/{id}/pipeline`
    pub const PIPELINE: &str = "/programmes/{id}/pipeline";
    /// `/programmes/{id}/pipeline/{process}/stage`
    pub const PIPELINE_STAGE: &str = "/programmes/{id}/pipeline/{process}/stage";
    /// `/programmes/{id}/pipeline/{process}/gates`
    pub const PIPELINE_GATES: &str = "/programmes/{id}/pipeline/{process}/gates";
    /// `/programmes/{id}/pipeline/{process}/gates/{gate}/remove`
    pub const PIPELINE_GATE_REMOVE: &str =
        "/programmes/{id}/pipeline/{process}/gates/{gate}/remove";
    /// `/programmes/{id}/reviews/{month}/pipeline`
    pub const REVIEW_PIPELINE: &str = "/programmes/{id}/reviews/{month}/pipeline";
    /// `/api/v1/programmes/{id}/pipeline`
    pub const API_PIPELINE: &str = "/api/v1/programmes/{id}/pipeline";
    /// `/programmes/{id}/agents`
    pub const AGENTS: &str = "/programmes/{id}/agents";
    /// `/programmes/{id}/agents/{agent}`
    pub const AGENT: &str = "/programmes/{id}/agents/{agent}";
    /// `/programmes/{id}/agents/{agent}/suspend`
    pub const AGENT_SUSPEND: &str = "/programmes/{id}/agents/{agent}/suspend";
    /// `/programmes/{id}/agents/{agent}/resume`
    pub const AGENT_RESUME: &str = "/programmes/{id}/agents/{agent}/resume";
    /// `/programmes/{id}/agents/{agent}/retire`
    pub const AGENT_RETIRE: &str = "/programmes/{id}/agents/{agent}/retire";
    /// `/programmes/{id}/overrides`
    pub const OVERRIDES: &str = "/programmes/{id}/overrides";
    /// `/programmes/{id}/overrides/threshold`
    pub const OVERRIDE_THRESHOLD: &str = "/programmes/{id}/overrides/threshold";
    /// `/programmes/{id}/incidents`
    pub const INCIDENTS: &str = "/programmes/{id}/incidents";
    /// `/programmes/{id}/incidents/{number}`
    pub const INCIDENT: &str = "/programmes/{id}/incidents/{number}";
    /// `/programmes/{id}/incidents/{number}/acknowledge`
    pub const INCIDENT_ACKNOWLEDGE: &str = "/programmes/{id}/incidents/{number}/acknowledge";
    /// `/api/v1/programmes/{id}/agents`
    pub const API_AGENTS: &str = "/api/v1/programmes/{id}/agents";
    /// `/api/v1/programmes/{id}/agents/{agent}/overrides`
    pub const API_OVERRIDES: &str = "/api/v1/programmes/{id}/agents/{agent}/overrides";
    /// `/api/v1/programmes/{id}/agents/{agent}/decisions/{decision}/{month}`
    pub const API_DECISIONS: &str =
        "/api/v1/programmes/{id}/agents/{agent}/decisions/{decision}/{month}";
    /// `/api/v1/programmes/{id}/metrics`
    pub const API_METRICS: &str = "/api/v1/programmes/{id}/metrics";
    /// `/api/v1/programmes/{id}/metrics/{metric}/values`
    pub const API_VALUES: &str = "/api/v1/programmes/{id}/metrics/{metric}/values";
    /// `/api/v1/programmes/{id}/metrics/{metric}/values/{period}`
    pub const API_VALUE: &str = "/api/v1/programmes/{id}/metrics/{metric}/values/{period}";
    /// `/api/v1/openapi.json`
    pub const API_OPENAPI: &str = "/api/v1/openapi.json";
    /// `/admin/users/{id}`
    pub const ADMIN_USER: &str = "/admin/users/{id}";
    /// One outbox message.
    pub const ADMIN_MAIL_MESSAGE: &str = "/admin/mail/{id}";
    /// Try a message again.
    pub const ADMIN_MAIL_RETRY: &str = "/admin/mail/{id}/retry";
    /// One-click unsubscribe.
    pub const UNSUBSCRIBE: &str = "/unsubscribe/{user}/{kind}/{tag}";
    /// An invitation's page: its token is the way in (GET shows, POST uses).
    pub const INVITATION: &str = "/invitations/{token}";
    /// `/admin/users/{id}/password`
    pub const ADMIN_USER_PASSWORD: &str = "/admin/users/{id}/password";
    /// `/admin/users/{id}/invitation`
    pub const ADMIN_USER_INVITATION: &str = "/admin/users/{id}/invitation";
    /// `/admin/users/{id}/seats`
    pub const ADMIN_USER_SEATS: &str = "/admin/users/{id}/seats";
    /// `/admin/seats/{id}/end`
    pub const ADMIN_SEAT_END: &str = "/admin/seats/{id}/end";
    /// `/admin/programmes/{id}`
    pub const ADMIN_PROGRAMME: &str = "/admin/programmes/{id}";
    /// `/admin/programmes/{id}/tokens`
    pub const ADMIN_TOKENS: &str = "/admin/programmes/{id}/tokens";
    /// `/admin/programmes/{id}/tokens/{token}/revoke`
    pub const ADMIN_TOKEN_REVOKE: &str = "/admin/programmes/{id}/tokens/{token}/revoke";
    /// `/calendar/{token}/tandem.ics`
    pub const FEED: &str = "/calendar/{token}/tandem.ics";
}

/// The URL of `/programmes/{id}`.
pub fn programme(id: impl std::fmt::Display) -> String {
    fill(route::PROGRAMME, &[("id", &id)])
}

/// The URL of `/programmes/{id}/phase`.
pub fn phase(id: impl std::fmt::Display) -> String {
    fill(route::PHASE, &[("id", &id)])
}

/// The URL of `/programmes/{id}/brief`.
pub fn brief(id: impl std::fmt::Display) -> String {
    fill(route::BRIEF, &[("id", &id)])
}

/// The URL of `/programmes/{id}/brief/sections/{key}/edit`.
pub fn brief_section_edit(id: impl std::fmt::Display, key: impl std::fmt::Display) -> String {
    fill(route::BRIEF_SECTION_EDIT, &[("id", &id), ("key", &key)])
}

/// The URL of `/programmes/{id}/brief/sections/{key}`.
pub fn brief_section(id: impl std::fmt::Display, key: impl std::fmt::Display) -> String {
    fill(route::BRIEF_SECTION, &[("id", &id), ("key", &key)])
}

/// The URL of `/programmes/{id}/brief/sections/{key}/agree`.
pub fn brief_agree(id: impl std::fmt::Display, key: impl std::fmt::Display) -> String {
    fill(route::BRIEF_AGREE, &[("id", &id), ("key", &key)])
}

/// The URL of `/programmes/{id}/brief/submit`.
pub fn brief_submit(id: impl std::fmt::Display) -> String {
    fill(route::BRIEF_SUBMIT, &[("id", &id)])
}

/// The URL of `/programmes/{id}/brief/versions/{number}`.
pub fn brief_version(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::BRIEF_VERSION, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/brief/versions/{number}/sign`.
pub fn brief_sign(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::BRIEF_SIGN, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/brief/versions/{number}/certificate`.
pub fn brief_certificate(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(
        route::BRIEF_CERTIFICATE,
        &[("id", &id), ("number", &number)],
    )
}

/// The URL of `/programmes/{id}/brief/versions/{number}/verify`.
pub fn brief_verify(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::BRIEF_VERIFY, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/matrix`.
pub fn matrix(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX, &[("id", &id)])
}

/// The URL of `/programmes/{id}/matrix/edit`.
pub fn matrix_edit(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX_EDIT, &[("id", &id)])
}

/// The URL of `/programmes/{id}/matrix/history`.
pub fn matrix_history(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX_HISTORY, &[("id", &id)])
}

/// The URL of `/programmes/{id}/matrix/print`.
pub fn matrix_print(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX_PRINT, &[("id", &id)])
}

/// The URL of `/programmes/{id}/matrix.xlsx`.
pub fn matrix_xlsx(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX_XLSX, &[("id", &id)])
}

/// The URL of `/programmes/{id}/dashboard.xlsx`.
pub fn dashboard_xlsx(id: impl std::fmt::Display) -> String {
    fill(route::DASHBOARD_XLSX, &[("id", &id)])
}

/// The URL of `/programmes/{id}/matrix.csv`.
pub fn matrix_csv(id: impl std::fmt::Display) -> String {
    fill(route::MATRIX_CSV, &[("id", &id)])
}

/// The URL of `/programmes/{id}/reporting-line`.
pub fn reporting_line(id: impl std::fmt::Display) -> String {
    fill(route::REPORTING_LINE, &[("id", &id)])
}

/// The URL of `/programmes/{id}/dashboard`.
pub fn dashboard(id: impl std::fmt::Display) -> String {
    fill(route::DASHBOARD, &[("id", &id)])
}

/// The URL of `/programmes/{id}/dashboard.csv`.
pub fn dashboard_csv(id: impl std::fmt::Display) -> String {
    fill(route::DASHBOARD_CSV, &[("id", &id)])
}

/// The URL of `/programmes/{id}/dashboard/import`.
pub fn dashboard_import(id: impl std::fmt::Display) -> String {
    fill(route::DASHBOARD_IMPORT, &[("id", &id)])
}

/// The URL of `/programmes/{id}/dashboard/roi`.
pub fn dashboard_roi(id: impl std::fmt::Display) -> String {
    fill(route::DASHBOARD_ROI, &[("id", &id)])
}

/// The URL of `/programmes/{id}/metrics/{metric}`.
pub fn metric(id: impl std::fmt::Display, metric: impl std::fmt::Display) -> String {
    fill(route::METRIC, &[("id", &id), ("metric", &metric)])
}

/// The URL of `/programmes/{id}/cadence`.
pub fn cadence(id: impl std::fmt::Display) -> String {
    fill(route::CADENCE, &[("id", &id)])
}

/// The URL of `/programmes/{id}/sessions`.
pub fn sessions(id: impl std::fmt::Display) -> String {
    fill(route::SESSIONS, &[("id", &id)])
}

/// The URL of `/programmes/{id}/sessions/new`.
pub fn session_new(id: impl std::fmt::Display) -> String {
    fill(route::SESSION_NEW, &[("id", &id)])
}

/// The URL of `/programmes/{id}/sessions/{number}`.
pub fn session(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::SESSION, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/sessions/{number}/check`.
pub fn session_check(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::SESSION_CHECK, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/actions/{action}`.
pub fn action_item(id: impl std::fmt::Display, action: impl std::fmt::Display) -> String {
    fill(route::ACTION_ITEM, &[("id", &id), ("action", &action)])
}

/// The URL of `/programmes/{id}/updates`.
pub fn updates(id: impl std::fmt::Display) -> String {
    fill(route::UPDATES, &[("id", &id)])
}

/// The URL of `/programmes/{id}/updates/new`.
pub fn update_new(id: impl std::fmt::Display) -> String {
    fill(route::UPDATE_NEW, &[("id", &id)])
}

/// The URL of `/programmes/{id}/updates/{number}`.
pub fn update(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::UPDATE, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/updates/{number}/requests`.
pub fn update_requests(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::UPDATE_REQUESTS, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/decisions`.
pub fn decisions(id: impl std::fmt::Display) -> String {
    fill(route::DECISIONS, &[("id", &id)])
}

/// The URL of `/programmes/{id}/decisions/{number}`.
pub fn decision(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::DECISION, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/reviews`.
pub fn reviews(id: impl std::fmt::Display) -> String {
    fill(route::REVIEWS, &[("id", &id)])
}

/// The URL of `/programmes/{id}/reviews/{month}`.
pub fn review(id: impl std::fmt::Display, month: impl std::fmt::Display) -> String {
    fill(route::REVIEW, &[("id", &id), ("month", &month)])
}

/// The URL of `/programmes/{id}/reviews/{month}/hold`.
pub fn review_hold(id: impl std::fmt::Display, month: impl std::fmt::Display) -> String {
    fill(route::REVIEW_HOLD, &[("id", &id), ("month", &month)])
}

/// The URL of `/programmes/{id}/reviews/{month}/pack`.
pub fn review_pack(id: impl std::fmt::Display, month: impl std::fmt::Display) -> String {
    fill(route::REVIEW_PACK, &[("id", &id), ("month", &month)])
}

/// The URL of `/programmes/{id}/reviews/{month}/verify`.
pub fn review_verify(id: impl std::fmt::Display, month: impl std::fmt::Display) -> String {
    fill(route::REVIEW_VERIFY, &[("id", &id), ("month", &month)])
}

/// The URL of `/calendar/{token}/tandem.ics`.
pub fn feed(token: impl std::fmt::Display) -> String {
    fill(route::FEED, &[("token", &token)])
}

/// The URL of `/programmes/{id}/health`.
pub fn health(id: impl std::fmt::Display) -> String {
    fill(route::HEALTH, &[("id", &id)])
}

/// The URL of `/programmes/{id}/health/statement`.
pub fn health_statement(id: impl std::fmt::Display) -> String {
    fill(route::HEALTH_STATEMENT, &[("id", &id)])
}

/// The URL of `/programmes/{id}/health/pulse`.
pub fn health_pulse(id: impl std::fmt::Display) -> String {
    fill(route::HEALTH_PULSE, &[("id", &id)])
}

/// The URL of `/programmes/{id}/health/rating`.
pub fn health_rating(id: impl std::fmt::Display) -> String {
    fill(route::HEALTH_RATING, &[("id", &id)])
}

/// The URL of `/programmes/{id}/pipeline`.
pub fn pipeline(id: impl std::fmt::Display) -> String {
    fill(route::PIPELINE, &[("id", &id)])
}

/// The URL of `/programmes/{id}/pipeline/{process}/stage`.
pub fn pipeline_stage(id: impl std::fmt::Display, process: impl std::fmt::Display) -> String {
    fill(route::PIPELINE_STAGE, &[("id", &id), ("process", &process)])
}

/// The URL of `/programmes/{id}/pipeline/{process}/gates`.
pub fn pipeline_gates(id: impl std::fmt::Display, process: impl std::fmt::Display) -> String {
    fill(route::PIPELINE_GATES, &[("id", &id), ("process", &process)])
}

/// The URL of `/programmes/{id}/pipeline/{process}/gates/{gate}/remove`.
pub fn pipeline_gate_remove(
    id: impl std::fmt::Display,
    process: impl std::fmt::Display,
    gate: impl std::fmt::Display,
) -> String {
    fill(
        route::PIPELINE_GATE_REMOVE,
        &[("id", &id), ("process", &process), ("gate", &gate)],
    )
}

/// The URL of `/programmes/{id}/reviews/{month}/pipeline`.
pub fn review_pipeline(id: impl std::fmt::Display, month: impl std::fmt::Display) -> String {
    fill(route::REVIEW_PIPELINE, &[("id", &id), ("month", &month)])
}

/// The URL of `/api/v1/programmes/{id}/pipeline`.
pub fn api_pipeline(id: impl std::fmt::Display) -> String {
    fill(route::API_PIPELINE, &[("id", &id)])
}

/// The URL of `/api/v1/programmes/{id}/metrics`.
pub fn api_metrics(id: impl std::fmt::Display) -> String {
    fill(route::API_METRICS, &[("id", &id)])
}

/// The URL of `/api/v1/programmes/{id}/metrics/{metric}/values`.
pub fn api_values(id: impl std::fmt::Display, metric: impl std::fmt::Display) -> String {
    fill(route::API_VALUES, &[("id", &id), ("metric", &metric)])
}

/// The URL of `/api/v1/programmes/{id}/metrics/{metric}/values/{period}`.
pub fn api_value(
    id: impl std::fmt::Display,
    metric: impl std::fmt::Display,
    period: impl std::fmt::Display,
) -> String {
    fill(
        route::API_VALUE,
        &[("id", &id), ("metric", &metric), ("period", &period)],
    )
}

/// The URL of `/admin/programmes/{id}/tokens`.
pub fn admin_tokens(id: impl std::fmt::Display) -> String {
    fill(route::ADMIN_TOKENS, &[("id", &id)])
}

/// The URL of `/admin/programmes/{id}/tokens/{token}/revoke`.
pub fn admin_token_revoke(id: impl std::fmt::Display, token: impl std::fmt::Display) -> String {
    fill(route::ADMIN_TOKEN_REVOKE, &[("id", &id), ("token", &token)])
}

/// The URL of `/programmes/{id}/agents`: the agent register.
pub fn agents(id: impl std::fmt::Display) -> String {
    fill(route::AGENTS, &[("id", &id)])
}

fn agent_route(route: &str, id: impl std::fmt::Display, agent: impl std::fmt::Display) -> String {
    fill(route, &[("id", &id), ("agent", &agent)])
}

/// The URL of `/programmes/{id}/agents/{agent}`.
pub fn agent(id: impl std::fmt::Display, agent: impl std::fmt::Display) -> String {
    agent_route(route::AGENT, id, agent)
}

/// The URL of `/programmes/{id}/agents/{agent}/suspend`.
pub fn agent_suspend(id: impl std::fmt::Display, agent: impl std::fmt::Display) -> String {
    agent_route(route::AGENT_SUSPEND, id, agent)
}

/// The URL of `/programmes/{id}/agents/{agent}/resume`.
pub fn agent_resume(id: impl std::fmt::Display, agent: impl std::fmt::Display) -> String {
    agent_route(route::AGENT_RESUME, id, agent)
}

/// The URL of `/programmes/{id}/agents/{agent}/retire`.
pub fn agent_retire(id: impl std::fmt::Display, agent: impl std::fmt::Display) -> String {
    agent_route(route::AGENT_RETIRE, id, agent)
}

/// The URL of `/programmes/{id}/overrides`.
pub fn overrides(id: impl std::fmt::Display) -> String {
    fill(route::OVERRIDES, &[("id", &id)])
}

/// The URL of `/programmes/{id}/overrides/threshold`.
pub fn override_threshold(id: impl std::fmt::Display) -> String {
    fill(route::OVERRIDE_THRESHOLD, &[("id", &id)])
}

/// The URL of `/programmes/{id}/incidents`.
pub fn incidents(id: impl std::fmt::Display) -> String {
    fill(route::INCIDENTS, &[("id", &id)])
}

/// The URL of `/programmes/{id}/incidents/{number}`.
pub fn incident(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(route::INCIDENT, &[("id", &id), ("number", &number)])
}

/// The URL of `/programmes/{id}/incidents/{number}/acknowledge`.
pub fn incident_acknowledge(id: impl std::fmt::Display, number: impl std::fmt::Display) -> String {
    fill(
        route::INCIDENT_ACKNOWLEDGE,
        &[("id", &id), ("number", &number)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_filled_as_replacing_each_placeholder_would() {
        let id = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        assert_eq!(
            brief_section_edit(id, "board_narrative"),
            route::BRIEF_SECTION_EDIT
                .replace("{id}", &id.to_string())
                .replace("{key}", "board_narrative")
        );
        assert_eq!(
            unsubscribe(7, "digest", "t{a}g"),
            "/unsubscribe/7/digest/t{a}g"
        );
        assert_eq!(fill("/a/{x}/b/{y}", &[("y", &2), ("x", &1)]), "/a/1/b/2");
        assert_eq!(fill("/a/{x}/b/{z}", &[("x", &1)]), "/a/1/b/{z}");
        assert_eq!(fill("/a/{x", &[("x", &1)]), "/a/{x");
        assert_eq!(fill("/plain", &[]), "/plain");
    }

    #[test]
    fn the_page_cache_knows_every_verification_page_by_its_ending() {
        for path in [
            route::BRIEF_VERIFY,
            route::REVIEW_VERIFY,
            ADMIN_AUDIT_VERIFY,
        ] {
            assert!(path.ends_with(VERIFY_SUFFIX), "{path}");
        }
        assert!(PASSWORD.starts_with(ACCOUNT_PREFIX) && CALENDAR.starts_with(ACCOUNT_PREFIX));
        assert!(ADMIN_USERS.starts_with(ADMIN_PREFIX) && ADMIN_AUDIT.starts_with(ADMIN_PREFIX));
    }
}
