//! The binary's database handling: `pactwire migrate`, and `pactwire serve`
//! with no database URL running its own PostgreSQL in a data directory,
//! keeping the data across restarts and stopping it on shutdown.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use crate::support::process::{serve_command, start, stop};

/// `pactwire serve` with its private PostgreSQL in `data_dir`, logging to
/// `log` there: its base URL once it says where it listens, checked to
/// answer.
async fn serve(data_dir: &Path, log: &str, client: &reqwest::Client) -> (Child, String) {
    std::fs::create_dir_all(data_dir).expect("creating the data directory");
    let mut command = serve_command();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PACT_BROKER_DATABASE_URL")
        .env_remove("DATABASE_URL");
    let (child, address) = start(command, &data_dir.join(log)).await;
    let base = format!("http://{address}");
    let response = client.get(&base).send().await.expect("GET /");
    assert_eq!(response.status(), 200);
    (child, base)
}

/// A data directory no test has used.
fn fresh_data_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("serve")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

/// The pid of the PostgreSQL running in `data_dir`, from its lock file.
fn postmaster(data_dir: &Path) -> i32 {
    std::fs::read_to_string(data_dir.join("pgdata").join("postmaster.pid"))
        .expect("the lock file of the running PostgreSQL")
        .lines()
        .next()
        .and_then(|pid| pid.trim().parse().ok())
        .expect("a pid")
}

/// Creates the pacticipant Foo, which the tests then look for.
async fn create_foo(client: &reqwest::Client, base: &str) {
    let created = client
        .put(format!("{base}/pacticipants/Foo"))
        .json(&serde_json::json!({"displayName": "Foo Service"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn serve_runs_a_private_postgres_that_keeps_data_and_stops_with_it() {
    let data_dir = fresh_data_dir();
    let client = reqwest::Client::new();

    let (child, base) = serve(&data_dir, "first.log", &client).await;
    create_foo(&client, &base).await;
    stop(child).await;
    assert!(
        !data_dir.join("pgdata").join("postmaster.pid").exists(),
        "PostgreSQL is still running after pactwire stopped"
    );
    assert!(data_dir.join("pgdata").join("PG_VERSION").exists());

    let (child, base) = serve(&data_dir, "second.log", &client).await;
    let body: serde_json::Value = client
        .get(format!("{base}/pacticipants/Foo"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        body["displayName"], "Foo Service",
        "data survives a restart"
    );
    stop(child).await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A broker killed with -9 and started again at once comes up on the same
/// data directory: it waits for the PostgreSQL of the killed one to finish
/// shutting down instead of failing on its lock file. Nothing acknowledged
/// is lost.
#[tokio::test]
async fn a_restart_right_after_kill_9_comes_up_on_the_same_data() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let data_dir = fresh_data_dir();
    let client = reqwest::Client::new();
    let (mut child, base) = serve(&data_dir, "first.log", &client).await;
    create_foo(&client, &base).await;
    for round in 0..3 {
        kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("killing pactwire");
        child.wait().expect("reaping pactwire");
        let (next, base) = serve(&data_dir, &format!("restart-{round}.log"), &client).await;
        child = next;
        let body: serde_json::Value = client
            .get(format!("{base}/pacticipants/Foo"))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        assert_eq!(body["displayName"], "Foo Service", "round {round}");
    }
    stop(child).await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The broker owns its private PostgreSQL: killed with -9, it is started
/// again, and the broker serves the same data without being restarted.
#[tokio::test]
async fn a_killed_private_postgres_is_started_again() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let data_dir = fresh_data_dir();
    let client = reqwest::Client::new();
    let (child, base) = serve(&data_dir, "serve.log", &client).await;
    create_foo(&client, &base).await;
    let killed = postmaster(&data_dir);
    kill(Pid::from_raw(killed), Signal::SIGKILL).expect("killing PostgreSQL");

    // Requests may still reach the killed server's last backends for a
    // moment, so the broker's word that it started a new one comes first.
    // Bounded: a broker that never starts it again fails here, not hangs.
    let log = data_dir.join("serve.log");
    tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("the private PostgreSQL is running again")
        {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the broker starts its PostgreSQL again");
    assert_ne!(postmaster(&data_dir), killed, "a new PostgreSQL runs");
    let back = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        loop {
            if let Ok(reply) = client.get(format!("{base}/pacticipants/Foo")).send().await
                && reply.status() == 200
            {
                return reply.json::<serde_json::Value>().await.expect("JSON");
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the broker serves again once its PostgreSQL is back");
    assert_eq!(back["displayName"], "Foo Service");
    stop(child).await;
    assert!(
        !data_dir.join("pgdata").join("postmaster.pid").exists(),
        "the restarted PostgreSQL is stopped with the broker"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A private PostgreSQL that cannot be started again makes the broker exit
/// non-zero after its tries, so whatever supervises it takes over.
#[tokio::test]
async fn a_private_postgres_that_cannot_start_again_stops_the_broker() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let data_dir = fresh_data_dir();
    let client = reqwest::Client::new();
    let (mut child, _) = serve(&data_dir, "serve.log", &client).await;
    let pgdata = data_dir.join("pgdata");
    let pid = postmaster(&data_dir);
    // A configuration PostgreSQL refuses to start with.
    std::fs::write(pgdata.join("postgresql.conf"), "this is = not valid\n")
        .expect("spoiling the configuration");
    kill(Pid::from_raw(pid), Signal::SIGKILL).expect("killing PostgreSQL");
    let status = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("the broker gives up within its tries")
    .expect("waiting")
    .expect("the exit status");
    assert!(!status.success(), "{status}");
    let log = std::fs::read_to_string(data_dir.join("serve.log")).expect("the log");
    assert!(log.contains("could not be started again"), "{log}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn migrate_applies_the_migrations_once() {
    let db = crate::support::pg::empty_database().await;
    let all = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("the migrations directory")
        .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    for expected in [
        format!("applied {all} migration(s)"),
        "applied 0 migration(s)".to_owned(),
    ] {
        let url = db.url.clone();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_pactwire"))
                .args(["migrate", "--database-url", &url])
                .output()
                .expect("running pactwire migrate")
        })
        .await
        .expect("waiting");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout.trim(), expected);
    }
}
