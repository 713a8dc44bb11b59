//! The managed local PostgreSQL: with no database URL, pactwire runs a
//! private server from the PostgreSQL binaries on the machine, in a data
//! directory it owns, reachable only through a Unix socket in that
//! directory. The test harness and the benchmark use the same code with
//! durability switched off.
//!
//! PostgreSQL refuses to run as root, so under root the cluster is created
//! and run as the unprivileged `postgres` user.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User};

/// Whether the cluster must survive a crash of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The broker's own data: PostgreSQL defaults.
    Durable,
    /// Throwaway clusters for tests and benchmarks: no fsync.
    Throwaway,
}

const SOCKET_PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH: usize = 100;

/// A running private PostgreSQL; stopped by [`LocalPostgres::stop`] or when
/// this process exits.
pub struct LocalPostgres {
    pid: Pid,
    supervisor: Option<JoinHandle<std::io::Result<ExitStatus>>>,
    url: String,
}

impl LocalPostgres {
    /// Creates the cluster in `data_dir` on first use, starts the server and
    /// waits until it accepts connections.
    pub async fn start(data_dir: &Path, durability: Durability) -> anyhow::Result<LocalPostgres> {
        let bin_dir = find_bin_dir().ok_or_else(|| {
            anyhow::anyhow!(
                "no database URL is set and no PostgreSQL server binaries (initdb, postgres) were found \
                 in PG_BIN_DIR, PATH, `pg_config --bindir`, /usr/lib/postgresql/*/bin or Homebrew. \
                 Install them (Debian/Ubuntu: `apt-get install postgresql`, macOS: `brew install postgresql`) \
                 or set PACT_BROKER_DATABASE_URL to an existing PostgreSQL"
            )
        })?;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("resolving data directory {}", data_dir.display()))?;
        let cluster_dir = data_dir.join("pgdata");
        let socket_dir = data_dir.join("run");
        let socket_path = socket_dir.join(format!(".s.PGSQL.{SOCKET_PORT}"));
        if socket_path.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the data directory path {} is too long for a PostgreSQL socket; choose a shorter --data-dir",
                data_dir.display()
            );
        }
        let owner = RunAs::for_current_user()?;
        for dir in [&cluster_dir, &socket_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            owner.take_ownership(dir)?;
        }

        if !cluster_dir.join("PG_VERSION").exists() {
            tracing::info!(data_dir = %cluster_dir.display(), "creating the local PostgreSQL cluster");
            let mut initdb = owner.command(bin_dir.join("initdb"), &data_dir);
            initdb.arg("-D").arg(&cluster_dir).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
            ]);
            if durability == Durability::Throwaway {
                initdb.arg("--no-sync");
            }
            let output = initdb.output().context("running initdb")?;
            if !output.status.success() {
                bail!(
                    "initdb failed for {}: {}{}",
                    cluster_dir.display(),
                    String::from_utf8_lossy(&output.stderr).trim(),
                    owner.hint()
                );
            }
        }

        wait_for_earlier_server(&cluster_dir).await?;
        let mut postgres = owner.command(bin_dir.join("postgres"), &data_dir);
        postgres
            .arg("-D")
            .arg(&cluster_dir)
            .arg("-k")
            .arg(&socket_dir)
            .args(["-p", &SOCKET_PORT.to_string()])
            .args(["-c", "listen_addresses="])
            .args(["-c", "unix_socket_permissions=0700"])
            .args(["-c", "max_connections=200"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(data_dir.join("postgres.log"))
                    .context("opening postgres.log")?,
            ));
        if durability == Durability::Throwaway {
            for setting in [
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
            ] {
                postgres.args(["-c", setting]);
            }
        }
        // Its own process group: a Ctrl-C in the terminal reaches pactwire,
        // which drains requests before stopping the server, not the server
        // directly.
        postgres.process_group(0);
        die_with_parent(&mut postgres);

        // The server is spawned and waited for by a thread of its own that
        // lives as long as the server: the parent-death signal is tied to the
        // spawning thread, so no short-lived runtime thread may spawn it.
        let (pid_tx, pid_rx) = mpsc::channel();
        let supervisor = std::thread::Builder::new()
            .name("local-postgres".into())
            .spawn(move || {
                let mut child = match postgres.spawn() {
                    Ok(child) => child,
                    Err(err) => {
                        let _ = pid_tx.send(Err(err));
                        return Ok(ExitStatus::default());
                    }
                };
                let _ = pid_tx.send(Ok(child.id()));
                child.wait()
            })
            .context("starting the PostgreSQL supervisor thread")?;
        let pid = pid_rx
            .recv()
            .context("the PostgreSQL supervisor thread stopped")?
            .context("starting postgres")?;
        let pid = Pid::from_raw(i32::try_from(pid).context("postgres pid")?);

        // The socket directory is a query value: escape everything but the
        // characters paths are usually made of.
        const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'/')
            .remove(b'-')
            .remove(b'_')
            .remove(b'.');
        let host = percent_encoding::utf8_percent_encode(
            socket_dir
                .to_str()
                .context("the data directory path is not UTF-8")?,
            QUERY_VALUE,
        );
        let url = format!("postgres://postgres@localhost/postgres?host={host}&port={SOCKET_PORT}");
        let mut server = LocalPostgres {
            pid,
            supervisor: Some(supervisor),
            url,
        };
        server.wait_until_ready(&data_dir).await?;
        tracing::info!(socket_dir = %socket_dir.display(), "local PostgreSQL is running");
        Ok(server)
    }

    /// Returns once the server has exited, for whatever reason.
    pub async fn exited(&self) {
        while !self.supervisor.as_ref().is_none_or(|s| s.is_finished()) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A URL for `database` on this server.
    pub fn url_for(&self, database: &str) -> String {
        self.url.replacen("/postgres?", &format!("/{database}?"), 1)
    }

    async fn wait_until_ready(&mut self, data_dir: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.supervisor.as_ref().is_some_and(|s| s.is_finished()) {
                let log =
                    std::fs::read_to_string(data_dir.join("postgres.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                bail!(
                    "PostgreSQL exited during start-up; the end of {}:\n{}",
                    data_dir.join("postgres.log").display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            match AsyncPgConnection::establish(&self.url).await {
                Ok(_) => return Ok(()),
                Err(err) if Instant::now() > deadline => {
                    bail!("PostgreSQL did not accept connections within 60 s: {err}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Stops the server with a fast shutdown and waits for it to exit.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = kill(self.pid, Signal::SIGINT);
        if let Some(supervisor) = self.supervisor.take() {
            tokio::task::spawn_blocking(move || supervisor.join())
                .await
                .context("waiting for PostgreSQL")?
                .map_err(|_| anyhow::anyhow!("the PostgreSQL supervisor thread panicked"))?
                .context("waiting for PostgreSQL")?;
        }
        tracing::info!("local PostgreSQL stopped");
        Ok(())
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        if self.supervisor.is_some() {
            let _ = kill(self.pid, Signal::SIGINT);
        }
    }
}

/// Waits, up to a minute, for a server still running on `cluster_dir` to
/// exit. One whose pactwire was killed gets SIGINT then and shuts down, and
/// until it has, its lock file would stop a new server from starting. A
/// lock file whose process is gone is stale: PostgreSQL removes it itself.
async fn wait_for_earlier_server(cluster_dir: &Path) -> anyhow::Result<()> {
    let lock = cluster_dir.join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut reported = false;
    loop {
        let earlier = std::fs::read_to_string(&lock)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<i32>().ok())
            .map(Pid::from_raw)
            .filter(|pid| kill(*pid, None).is_ok());
        let Some(pid) = earlier else {
            return Ok(());
        };
        if Instant::now() > deadline {
            bail!(
                "PostgreSQL (pid {pid}) from an earlier run still holds {} after a minute; \
                 stop it, or point --data-dir elsewhere",
                lock.display()
            );
        }
        if !reported {
            tracing::info!(%pid, "waiting for the PostgreSQL of an earlier run to exit");
            reported = true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks the kernel to stop the server when the thread that spawned it dies,
/// so a killed broker leaves no PostgreSQL behind.
#[allow(unsafe_code)]
fn die_with_parent(command: &mut Command) {
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from)
        });
    }
}

/// The identity PostgreSQL runs under: ourselves, or `postgres` under root.
struct RunAs {
    user: Option<(Uid, Gid, String)>,
}

impl RunAs {
    fn for_current_user() -> anyhow::Result<RunAs> {
        if !Uid::effective().is_root() {
            return Ok(RunAs { user: None });
        }
        let user = User::from_name("postgres")
            .context("looking up the postgres user")?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "PostgreSQL cannot run as root and there is no unprivileged `postgres` user; \
                     create one (`useradd --system postgres`), run pactwire as another user, \
                     or set PACT_BROKER_DATABASE_URL"
                )
            })?;
        Ok(RunAs {
            user: Some((user.uid, user.gid, user.name)),
        })
    }

    fn take_ownership(&self, dir: &Path) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        if let Some((uid, gid, _)) = &self.user {
            nix::unistd::chown(dir, Some(*uid), Some(*gid))
                .with_context(|| format!("giving {} to the postgres user", dir.display()))?;
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {}", dir.display()))
    }

    fn command(&self, program: PathBuf, working_dir: &Path) -> Command {
        let mut command = Command::new(program);
        command.current_dir(working_dir).env("LC_ALL", "C");
        if let Some((uid, gid, _)) = &self.user {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
    }

    fn hint(&self) -> String {
        match &self.user {
            Some((_, _, name)) => format!(
                " (running as `{name}` because PostgreSQL refuses root: every parent directory of the data directory must be readable by it)"
            ),
            None => String::new(),
        }
    }
}

/// Where `initdb` and `postgres` are: `PG_BIN_DIR`, `PATH`,
/// `pg_config --bindir`, then the usual package locations, newest first.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("PG_BIN_DIR") {
        candidates.push(dir.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        candidates.push(String::from_utf8_lossy(&output.stdout).trim().into());
    }
    for pattern_root in [
        "/usr/lib/postgresql",
        "/usr/local/opt",
        "/opt/homebrew/opt",
        "/usr/local/pgsql",
    ] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(pattern_root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| {
                pattern_root == "/usr/lib/postgresql"
                    || p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("postgresql"))
            })
            .map(|p| p.join("bin"))
            .collect();
        found.sort_by_key(|p| std::cmp::Reverse(version_of(p)));
        candidates.extend(found);
        candidates.push(PathBuf::from(pattern_root).join("bin"));
    }
    candidates.into_iter().find(|dir| has_server(dir))
}

/// The major version in a path such as /usr/lib/postgresql/15/bin.
fn version_of(bin_dir: &Path) -> u32 {
    bin_dir
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}
