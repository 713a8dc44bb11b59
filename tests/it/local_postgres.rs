//! The binary's database handling: `pactwire migrate`, and `pactwire serve`
//! with no database URL running its own PostgreSQL in a data directory,
//! keeping the data across restarts and stopping it on shutdown.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::process::{free_port, stop};

fn start(data_dir: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pactwire"))
        .args([
            "serve",
            "--bind-address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("PACT_BROKER_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting pactwire serve")
}

async fn wait_until_up(client: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(response) = client.get(base).send().await
            && response.status() == 200
        {
            return;
        }
        if let Some(status) = child.try_wait().expect("polling pactwire") {
            panic!("pactwire serve exited early with {status}");
        }
        assert!(Instant::now() < deadline, "pactwire did not come up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn serve_runs_a_private_postgres_that_keeps_data_and_stops_with_it() {
    let data_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("serve")
        .join(uuid::Uuid::new_v4().simple().to_string());
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let mut child = start(&data_dir, port);
    wait_until_up(&client, &base, &mut child).await;
    let response = client
        .put(format!("{base}/pacticipants/Foo"))
        .json(&serde_json::json!({"displayName": "Foo Service"}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 201);
    stop(child).await;
    assert!(
        !data_dir.join("pgdata").join("postmaster.pid").exists(),
        "PostgreSQL is still running after pactwire stopped"
    );
    assert!(data_dir.join("pgdata").join("PG_VERSION").exists());

    let mut child = start(&data_dir, port);
    wait_until_up(&client, &base, &mut child).await;
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
