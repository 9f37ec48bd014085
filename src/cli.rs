//! The command line: `serve`, `migrate`, `demo`, `user …`, `audit verify`,
//! `backup` and `restore`.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::auth::password;
use crate::clock::{Clock, SystemClock};
use crate::config::{DatabaseConfig, LogFormat, ServerConfig};
use crate::db::audit::{Actor, Change};
use crate::db::{self, Database};
use crate::domain::seat::SeatKind;
use crate::domain::values::{Email, Line, NewPassword};
use crate::{demo, startup};

/// tandem — the CEO and the COO govern an AI programme together.
///
/// Configuration comes from the environment (or the equivalent flags).
/// Without DATABASE_URL, tandem keeps its data in a private PostgreSQL
/// cluster under TANDEM_DATA_DIR, started with the server programs installed
/// on this machine.
#[derive(Debug, Parser)]
#[command(name = "tandem", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    database: DatabaseConfig,

    /// Log format: human-readable text or one JSON object per line.
    /// RUST_LOG sets the level (for example RUST_LOG=debug).
    #[arg(
        long,
        env = "TANDEM_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (migrations are applied at start).
    Serve(ServerConfig),
    /// Apply the database migrations and exit.
    Migrate,
    /// Load the demo organisation (idempotent) and print its accounts.
    Demo {
        /// The password every demo account gets.
        #[arg(long, env = "TANDEM_DEMO_PASSWORD")]
        password: String,
        /// Also generate this many years of history for the live programme
        /// (weekly and monthly values, monthly actuals): for benchmarks.
        #[arg(long, default_value_t = 0)]
        history_years: i32,
        /// With --history-years: this many generated audit entries.
        #[arg(long, default_value_t = 0)]
        history_audit_rows: i64,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent backup of the database to FILE (pg_dump's custom
    /// format; readable only by its owner: it holds password hashes).
    Backup {
        /// Where to write it.
        file: std::path::PathBuf,
    },
    /// Load a backup made by `tandem backup` into an empty database (a fresh
    /// TANDEM_DATA_DIR or an empty DATABASE_URL), then check every audit chain.
    Restore {
        /// The backup to load.
        file: std::path::PathBuf,
        /// Drop what the database holds first, instead of refusing.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute every organisation's hash chain and name the first entry
    /// that does not hold. Exits with status 1 if any chain is broken.
    Verify,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user with a seat in an organisation (created if new). This is
    /// how the first administrator is made.
    Add {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// Email address (unique, case-insensitive).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Seat: ceo, coo, approver, exco or admin.
        #[arg(long)]
        seat: SeatArg,
        /// An approver's title (CFO, CTO, Board chair…); required for approvers.
        #[arg(long)]
        title: Option<String>,
        /// The password. When omitted it is read from the first line of
        /// standard input (so it stays out of the shell history).
        #[arg(long, env = "TANDEM_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Make the user choose a new password at first login.
        #[arg(long)]
        must_change_password: bool,
    },
    /// Set a user's password (also re-enables nothing and ends their sessions).
    SetPassword {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// The new password; read from standard input when omitted.
        #[arg(long, env = "TANDEM_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Make the user choose a new password at next login.
        #[arg(long)]
        must_change_password: bool,
    },
}

#[derive(Debug, Clone)]
struct SeatArg(SeatKind);

impl std::str::FromStr for SeatArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(SeatArg).map_err(|e| e.to_string())
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(server) => startup::serve(&cli.database, &server).await,
        Command::Backup { file } => {
            let database = Database::open(&cli.database).await?;
            let started = std::time::Instant::now();
            let result = crate::backup::backup(&database, &file).await;
            database.shutdown().await?;
            let bytes = result?;
            println!(
                "Backup written to {} ({} KiB in {:.1} s).",
                file.display(),
                bytes.div_ceil(1024),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file, replace } => {
            let database = Database::open(&cli.database).await?;
            let result = async {
                crate::backup::restore(&database, &file, replace).await?;
                println!("Restored {}.", file.display());
                audit_verify(&database).await
            }
            .await;
            database.shutdown().await?;
            result
        }
        command => {
            let database = Database::open(&cli.database).await?;
            let result = async {
                // The command line is the operator's: no refusal of a privileged role.
                database.pools.prepare(true).await?;
                match command {
                    Command::Serve(_) | Command::Backup { .. } | Command::Restore { .. } => {
                        unreachable!("handled above")
                    }
                    Command::Migrate => {
                        println!("Migrations applied.");
                        Ok(())
                    }
                    Command::Demo {
                        password,
                        history_years,
                        history_audit_rows,
                    } => {
                        demo_command(&database, &password).await?;
                        if history_years > 0 || history_audit_rows > 0 {
                            demo::history::generate(
                                &database.pools.serving,
                                history_years,
                                history_audit_rows,
                                SystemClock.now(),
                            )
                            .await?;
                            println!(
                                "Generated {history_years} years of history and {history_audit_rows} audit entries."
                            );
                        }
                        Ok(())
                    }
                    Command::User(user) => user_command(&database, user).await,
                    Command::Audit(AuditCommand::Verify) => audit_verify(&database).await,
                }
            }
            .await;
            database.shutdown().await?;
            result
        }
    }
}

async fn audit_verify(database: &Database) -> anyhow::Result<()> {
    let mut broken = 0;
    for (organisation_id, name) in db::audit::chains(&database.pools.serving).await? {
        let verifier = db::audit::verify_chain(&database.pools.serving, organisation_id).await?;
        let head = verifier
            .head
            .as_ref()
            .map(|(id, hash)| format!("head #{id} {hash}"))
            .unwrap_or_else(|| "empty".into());
        match &verifier.first_break {
            None => println!("ok      {name}: {} entries, {head}", verifier.checked),
            Some(fault) => {
                broken += 1;
                println!("BROKEN  {name}: {}", fault.explain());
            }
        }
    }
    if broken > 0 {
        anyhow::bail!("{broken} audit chain(s) broken");
    }
    println!("Every audit chain holds.");
    Ok(())
}

async fn demo_command(database: &Database, password: &str) -> anyhow::Result<()> {
    let password =
        NewPassword::parse(password).map_err(|message| anyhow::anyhow!("--password: {message}"))?;
    let summary = demo::load(&database.pools.serving, &password, SystemClock.now()).await?;
    println!("{summary}");
    Ok(())
}

async fn user_command(database: &Database, command: UserCommand) -> anyhow::Result<()> {
    let now = SystemClock.now();
    match command {
        UserCommand::Add {
            org,
            email,
            name,
            seat: SeatArg(kind),
            title,
            password,
            must_change_password,
        } => {
            let org = Line::parse(&org, "an organisation name", 120).map_err(anyhow::Error::msg)?;
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let name = Line::parse(&name, "a name", 120).map_err(anyhow::Error::msg)?;
            let title = match (kind, title) {
                (SeatKind::Approver, Some(title)) => {
                    Some(Line::parse(&title, "a title", 60).map_err(anyhow::Error::msg)?)
                }
                (SeatKind::Approver, None) => bail!("approvers need a --title (for example CFO)"),
                (_, _) => None,
            };
            let password = read_password(password)?;
            let hash = password::hash(password.expose()).await?;

            let mut tx = database.pools.serving.begin().await?;
            let (organisation, created_org) =
                match db::organisations::find_by_name(&mut *tx, org.as_str()).await? {
                    Some(found) => (found, false),
                    None => (
                        db::organisations::insert(&mut *tx, org.as_str(), now).await?,
                        true,
                    ),
                };
            let actor = Actor {
                organisation_id: Some(organisation.id),
                user_id: None,
                ip: None,
                at: now,
            };
            let user = db::users::create(
                &mut tx,
                &actor,
                db::users::NewUser {
                    organisation_id: organisation.id,
                    email: email.as_str(),
                    display_name: name.as_str(),
                    password_hash: Some(&hash),
                    must_change_password,
                    at: now,
                },
            )
            .await
            .map_err(|error| {
                if db::is_constraint(&error, db::users::EMAIL_TAKEN) {
                    anyhow::anyhow!("a user with the email {email} already exists")
                } else {
                    error.into()
                }
            })?;
            db::seats::assign(
                &mut tx,
                &actor,
                organisation.id,
                user.id,
                kind,
                title.as_ref().map(Line::as_str),
            )
            .await?;
            tx.commit().await?;
            if created_org {
                println!("Created the organisation {}.", organisation.name);
            }
            println!(
                "Created {} <{}> as {} of {}.",
                user.display_name,
                user.email,
                kind.label(),
                organisation.name
            );
            Ok(())
        }
        UserCommand::SetPassword {
            email,
            password,
            must_change_password,
        } => {
            let password = read_password(password)?;
            let hash = password::hash(password.expose()).await?;
            let mut tx = database.pools.serving.begin().await?;
            let user = db::users::find_by_email(&mut *tx, &email)
                .await?
                .with_context(|| format!("no user has the email {email}"))?;
            db::users::set_password(&mut *tx, user.id, &hash, must_change_password).await?;
            db::sessions::delete_for_user(&mut *tx, user.id, None).await?;
            db::audit::record(
                &mut tx,
                &Actor {
                    organisation_id: Some(user.organisation_id),
                    user_id: None,
                    ip: None,
                    at: now,
                },
                Change {
                    action: crate::db::audit::actions::USER_PASSWORD_RESET,
                    object_type: "user",
                    object_id: Some(user.id),
                    before: None,
                    after: Some(serde_json::json!({ "must_change_password": must_change_password, "via": "command line" })),
                },
            )
            .await?;
            tx.commit().await?;
            println!("Password set for {}.", user.email);
            Ok(())
        }
    }
}

fn read_password(given: Option<String>) -> anyhow::Result<NewPassword> {
    let raw = match given {
        Some(password) => password,
        None => {
            eprintln!("Password (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    NewPassword::parse(&raw).map_err(|message| anyhow::anyhow!("password: {message}"))
}
