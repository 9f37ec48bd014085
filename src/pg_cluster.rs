//! A private PostgreSQL cluster in a local directory, run with the server
//! programs installed on the machine.
//!
//! This is what lets `tandem serve` work with no database set-up: without
//! `DATABASE_URL` it initialises (once) and starts a cluster under
//! `$TANDEM_DATA_DIR/postgres`, listening only on a Unix socket inside that
//! directory. PostgreSQL refuses to run as root, so when tandem runs as root
//! the server programs run as the `postgres` system user, which is given the
//! data directory. The test harness uses the same code.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};

/// Where the server programs live and who runs them.
#[derive(Debug, Clone)]
pub struct ServerPrograms {
    bindir: PathBuf,
    run_as: Option<SystemUser>,
}

#[derive(Debug, Clone, Copy)]
struct SystemUser {
    uid: u32,
    gid: u32,
}

/// The system account that runs the server programs when tandem runs as root.
const POSTGRES_USER: &str = "postgres";

/// The name of the database tandem keeps in its private cluster.
pub const DATABASE_NAME: &str = "tandem";

/// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH: usize = 107;

impl ServerPrograms {
    /// Finds `initdb`, `pg_ctl` and `postgres`: on PATH, through
    /// `pg_config --bindir`, or under `/usr/lib/postgresql/*/bin` (newest
    /// first). Fails with a message that says what to install.
    pub fn locate() -> anyhow::Result<Self> {
        let bindir = candidate_bindirs()
            .into_iter()
            .find(|dir| has_server_programs(dir))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the PostgreSQL server programs (initdb, pg_ctl, postgres) were not found \
                     on PATH, through `pg_config --bindir`, or under /usr/lib/postgresql/*/bin.\n\
                     Install them (on Debian or Ubuntu: `apt-get install postgresql`), \
                     or set DATABASE_URL to use an existing PostgreSQL server."
                )
            })?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name(POSTGRES_USER)
                .context("looking up the postgres system user")?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "tandem runs as root, and PostgreSQL refuses to; it needs the `{POSTGRES_USER}` \
                         system user to run the server, but there is none. Installing the \
                         Debian package `postgresql` creates it (or run tandem as an ordinary user)."
                    )
                })?;
            Some(SystemUser {
                uid: user.uid.as_raw(),
                gid: user.gid.as_raw(),
            })
        } else {
            None
        };
        Ok(Self { bindir, run_as })
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        // The server programs may not be able to enter the caller's working
        // directory when they run as another user.
        command.current_dir("/");
        command.env_remove("PGDATA");
        if let Some(user) = self.run_as {
            command.uid(user.uid).gid(user.gid);
            command.env("HOME", "/");
        }
        command
    }

    fn run(&self, program: &str, args: &[&OsStr]) -> anyhow::Result<Output> {
        let output = self
            .command(program)
            .args(args)
            .output()
            .with_context(|| format!("running {}", self.bindir.join(program).display()))?;
        Ok(output)
    }
}

fn candidate_bindirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // A symlinked `initdb` on PATH (as Debian images sometimes carry)
            // resolves to the real bindir, where its siblings live.
            let initdb = dir.join("initdb");
            if let Ok(real) = std::fs::canonicalize(&initdb)
                && let Some(parent) = real.parent()
            {
                dirs.push(parent.to_path_buf());
            }
            dirs.push(dir);
        }
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if !dir.is_empty() {
            dirs.push(PathBuf::from(dir));
        }
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .collect();
        versions.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
        dirs.extend(versions.into_iter().map(|(_, dir)| dir));
    }
    dirs
}

fn has_server_programs(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|program| dir.join(program).is_file())
}

/// Whether this process started the cluster or found it already running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// This process started the server, and should stop it on shutdown.
    ByUs,
    /// The server was already running (another tandem started it).
    Reused,
}

/// A private cluster in a data directory, reached through a Unix socket in
/// that same directory.
#[derive(Debug, Clone)]
pub struct Cluster {
    programs: ServerPrograms,
    data_dir: PathBuf,
}

impl Cluster {
    /// A cluster whose data lives in `data_dir` (created on first start).
    pub fn new(programs: ServerPrograms, data_dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let data_dir =
            std::path::absolute(data_dir.into()).context("resolving the data directory")?;
        let socket = data_dir.join(".s.PGSQL.5432");
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the PostgreSQL socket path {} is longer than the {MAX_SOCKET_PATH} bytes Unix \
                 sockets allow; choose a shorter TANDEM_DATA_DIR",
                socket.display()
            );
        }
        Ok(Self { programs, data_dir })
    }

    /// The directory holding the cluster's data and its socket.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A connection URL for `database` in this cluster.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres:///{database}?host={}&user=postgres",
            self.data_dir.display()
        )
    }

    /// Initialises the cluster if needed and starts it unless it is already
    /// running. `extra_settings` are passed to the server as `-c` options.
    pub fn start(&self, extra_settings: &[(&str, &str)]) -> anyhow::Result<Started> {
        self.initialise_if_needed()?;
        if self.is_running()? {
            return Ok(Started::Reused);
        }
        let mut options = format!(
            "-k {} -c listen_addresses='' -c unix_socket_permissions=0700",
            self.data_dir.display()
        );
        for (name, value) in extra_settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        let log = self.data_dir.join("server.log");
        let output = self.programs.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.data_dir.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-o".as_ref(),
                options.as_ref(),
                "start".as_ref(),
            ],
        )?;
        if !output.status.success() {
            // Another process may have started it between our check and now.
            if self.is_running()? {
                return Ok(Started::Reused);
            }
            bail!(
                "PostgreSQL did not start (see {}):\n{}{}",
                log.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(Started::ByUs)
    }

    /// Stops the server, waiting for it to shut down cleanly.
    pub fn stop(&self) -> anyhow::Result<()> {
        let output = self.programs.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.data_dir.as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        )?;
        if !output.status.success() && self.is_running()? {
            bail!(
                "PostgreSQL did not stop: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    /// Whether a server is running on this data directory.
    pub fn is_running(&self) -> anyhow::Result<bool> {
        if !self.data_dir.join("PG_VERSION").exists() {
            return Ok(false);
        }
        let output = self.programs.run(
            "pg_ctl",
            &["-D".as_ref(), self.data_dir.as_os_str(), "status".as_ref()],
        )?;
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        Ok(output.status.success())
    }

    fn initialise_if_needed(&self) -> anyhow::Result<()> {
        if self.data_dir.join("PG_VERSION").exists() {
            return Ok(());
        }
        if let Some(parent) = self.data_dir.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        std::fs::set_permissions(&self.data_dir, std::fs::Permissions::from_mode(0o700))?;
        if let Some(user) = self.programs.run_as {
            std::os::unix::fs::chown(&self.data_dir, Some(user.uid), Some(user.gid)).with_context(
                || format!("giving {} to the postgres user", self.data_dir.display()),
            )?;
            check_reachable(&self.data_dir, user)?;
        }
        let output = self.programs.run(
            "initdb",
            &[
                "-D".as_ref(),
                self.data_dir.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C.UTF-8".as_ref(),
                "--no-instructions".as_ref(),
            ],
        )?;
        if !output.status.success() {
            bail!(
                "initdb failed for {}:\n{}",
                self.data_dir.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }
}

/// The postgres user must be able to traverse every parent of the data
/// directory; a data directory under a private folder (such as /root) is the
/// usual trap, so name it plainly.
fn check_reachable(data_dir: &Path, user: SystemUser) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    for ancestor in data_dir.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(ancestor) else {
            continue;
        };
        let mode = meta.mode();
        let traversable = if meta.uid() == user.uid {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !traversable {
            bail!(
                "the postgres system user cannot enter {} (mode {:o}), so it cannot reach the \
                 data directory {}. Choose a TANDEM_DATA_DIR outside that folder (for example \
                 /var/lib/tandem), or run tandem as an ordinary user.",
                ancestor.display(),
                mode & 0o7777,
                data_dir.display()
            );
        }
    }
    Ok(())
}
