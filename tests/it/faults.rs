//! Faults the broker rides out by itself, tried with the real binary on a
//! PostgreSQL the test stops and starts.

use std::time::Duration;

use pactwire::store::local_pg::{Durability, LocalPostgres};
use serde_json::Value;

use crate::support::process::{serve_command, start, stop};

/// Polls the heartbeat until it answers `status`; the test's own timeout
/// ends a wait that would never end.
async fn heartbeat_until(client: &reqwest::Client, base: &str, status: u16) -> Value {
    loop {
        let reply = client
            .get(format!("{base}/diagnostic/status/heartbeat"))
            .send()
            .await
            .expect("the heartbeat answers");
        if reply.status() == status {
            return reply.json().await.expect("a JSON heartbeat");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// While its database is down, the broker says so on the heartbeat and
/// answers 503 at once instead of holding each request for the acquire
/// timeout; when the database is back, it serves again by itself.
#[tokio::test]
async fn a_dead_database_is_reported_refused_at_once_and_used_again_when_back() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    // Short: the PostgreSQL socket path is limited to about 100 bytes.
    let dir = std::env::temp_dir().join(format!("pwf-{}", &id[..12]));
    let pg = LocalPostgres::start(&dir, Durability::Throwaway)
        .await
        .expect("starting PostgreSQL");
    let url = pg.url_for("postgres");
    let log =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("faults-{id}.log"));
    let mut command = serve_command();
    // An acquire timeout far longer than this test may take: a request
    // that waited for it would never be answered in time.
    command.args(["--database-url", &url, "--database-acquire-timeout", "3600"]);
    let (child, address) = start(command, &log).await;
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    let pacticipants = format!("{base}/pacticipants");
    let listed = client.get(&pacticipants).send().await.expect("listing");
    assert_eq!(listed.status(), 200);
    let up = heartbeat_until(&client, &base, 200).await;
    assert_eq!(up["ok"], true, "{up}");
    assert!(up.get("database").is_none(), "{up}");

    pg.stop().await.expect("stopping PostgreSQL");
    let down = tokio::time::timeout(
        Duration::from_secs(120),
        heartbeat_until(&client, &base, 503),
    )
    .await
    .expect("the heartbeat says the database is down");
    assert_eq!(down["ok"], false, "{down}");
    assert_eq!(down["database"], "unreachable", "{down}");
    let refused = tokio::time::timeout(Duration::from_secs(120), client.get(&pacticipants).send())
        .await
        .expect("answered, not held for the acquire timeout")
        .expect("a response");
    assert_eq!(refused.status(), 503);

    let pg = LocalPostgres::start(&dir, Durability::Throwaway)
        .await
        .expect("starting PostgreSQL again");
    let up = tokio::time::timeout(
        Duration::from_secs(120),
        heartbeat_until(&client, &base, 200),
    )
    .await
    .expect("the heartbeat says the database is back");
    assert_eq!(up["ok"], true, "{up}");
    let listed = client.get(&pacticipants).send().await.expect("listing");
    assert_eq!(listed.status(), 200);

    stop(child).await;
    pg.stop().await.expect("stopping PostgreSQL");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pool with no connection to spare is busy, not down: the database
/// stays reachable, so later requests still wait their whole acquire
/// timeout instead of being refused after a moment.
#[tokio::test]
async fn a_busy_pool_does_not_mark_a_live_database_down() {
    let db = crate::support::pg::database().await;
    // Long enough to make the first connection on a loaded machine.
    let store = pactwire::store::Store::connect_waiting(&db.url, 1, Duration::from_secs(3))
        .await
        .expect("connecting");
    let held = store.conn().await.expect("the pool's one connection");
    let refused = store.conn().await.err().expect("no second connection");
    assert!(
        matches!(refused, pactwire::error::Error::Unavailable(_)),
        "{refused:?}"
    );
    assert!(store.is_reachable(), "a busy pool is not a dead database");
    assert!(!store.is_ready().await, "no connection for the check");
    assert!(store.is_reachable(), "a check that found the pool busy");
    drop(held);
    store.conn().await.expect("the connection, given back");
    assert!(store.is_ready().await);
}
