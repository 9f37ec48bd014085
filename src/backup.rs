//! `tandem backup FILE` and `tandem restore FILE` (SPEC §11): PostgreSQL's
//! own `pg_dump` and `pg_restore`, from the client programs of the server's
//! major version, on the database tandem uses (its private cluster or
//! `DATABASE_URL`).
//!
//! A backup is one `pg_dump` in the custom format: a consistent snapshot of
//! a running database, compressed, readable only by its owner (it holds
//! password hashes and the single sign-on client secret). A restore loads
//! it into an empty database in one transaction (or, told so, replaces what
//! is there), then grants the serving role as a start does. Tables are
//! created and filled before their triggers, so the audit log's entries
//! come back exactly as written and every hash chain verifies.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};

use crate::db::Database;

/// The major version of the server behind `database`.
async fn server_major(database: &Database) -> anyhow::Result<u32> {
    let number: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(&database.pools.owner)
        .await
        .context("asking the database server its version")?;
    Ok(number
        .trim()
        .parse::<u32>()
        .context("reading the server version")?
        / 10_000)
}

/// The client program `name` able to read a server of version `major`:
/// Debian's `/usr/lib/postgresql/MAJOR/bin` (or a newer one), else PATH.
fn client_program(name: &str, major: u32) -> PathBuf {
    let mut versions: Vec<u32> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|version| *version >= major)
        .collect();
    versions.sort_unstable();
    versions
        .into_iter()
        .map(|version| PathBuf::from(format!("/usr/lib/postgresql/{version}/bin/{name}")))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Writes a backup of the database to `file` (replaced only once the dump
/// is complete). Returns its size in bytes.
pub async fn backup(database: &Database, file: &Path) -> anyhow::Result<u64> {
    let pg_dump = client_program("pg_dump", server_major(database).await?);
    let partial = file.with_extension("partial");
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let status = tokio::process::Command::new(&pg_dump)
        .args(["--format=custom", "--no-password"])
        .arg(format!("--dbname={}", database.owner_url()))
        .stdout(Stdio::from(out))
        .status()
        .await
        .with_context(|| format!("running {}", pg_dump.display()))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        bail!(
            "{} failed ({status}); no backup was written",
            pg_dump.display()
        );
    }
    std::fs::rename(&partial, file).with_context(|| format!("writing {}", file.display()))?;
    Ok(std::fs::metadata(file)?.len())
}

/// Whether the database holds anything of tandem's (or anything at all in
/// its schema).
async fn is_empty(database: &Database) -> anyhow::Result<bool> {
    let relations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public'",
    )
    .fetch_one(&database.pools.owner)
    .await?;
    Ok(relations == 0)
}

/// Loads the backup in `file` into the database, in one transaction.
/// Refuses a database that holds anything unless `replace`.
pub async fn restore(database: &Database, file: &Path, replace: bool) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    if !replace && !is_empty(database).await? {
        bail!(
            "the database is not empty: restore into a fresh data directory (TANDEM_DATA_DIR) \
             or an empty database, or pass --replace to drop what is there first"
        );
    }
    let pg_restore = client_program("pg_restore", server_major(database).await?);
    let mut command = tokio::process::Command::new(&pg_restore);
    command
        .args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
        ])
        .arg(format!("--dbname={}", database.owner_url()));
    if replace {
        command.args(["--clean", "--if-exists"]);
    }
    let output = command
        .arg(file)
        .output()
        .await
        .with_context(|| format!("running {}", pg_restore.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed ({}); nothing was restored:\n{}",
            pg_restore.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    // The serving role's privileges, as at every start (and any migration
    // newer than the backup).
    database.pools.prepare(true).await
}
