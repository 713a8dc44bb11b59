//! A large pact is parsed, merged and hashed off the broker's async
//! workers, so other requests are answered while it is.

use diesel::QueryableByName;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::header::CONTENT_TYPE;

use super::{interaction, pact};
use crate::support::TestApp;

/// The transaction of a publish that has read the stored pact and not yet
/// written anything: its backend's pid and when it went idle.
#[derive(QueryableByName, Debug, PartialEq)]
struct Waiting {
    #[diesel(sql_type = Integer)]
    pid: i32,
    #[diesel(sql_type = Text)]
    since: String,
}

async fn waiting(conn: &mut AsyncPgConnection) -> Option<Waiting> {
    // The last statement before the publication rules run is the read of
    // the stored content; the next one writes. Idle in transaction after
    // it, the publish is deciding (merging, hashing) off the database.
    diesel::sql_query(
        "SELECT pid, state_change::text AS since FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
           AND state = 'idle in transaction' \
           AND query LIKE '%\"latest_pact_publications\"%' \
           AND query LIKE '%\"pact_versions\".\"content\"%'",
    )
    .get_result(conn)
    .await
    .ok()
}

#[tokio::test(flavor = "current_thread")]
async fn a_large_merge_does_not_stall_other_requests() {
    // One thread runs the broker and this test: work on it would hold both.
    let app = TestApp::start().await;
    let http = reqwest::Client::new();
    let url = app.url("/pacts/provider/Bar/consumer/Foo/version/1");
    let many = |prefix: &str| {
        let interactions = (0..5_000)
            .map(|i| interaction(&format!("{prefix} {i}"), &format!("/{prefix}/{i}")))
            .collect();
        pact("Foo", "Bar", interactions).to_string()
    };
    let stored = http
        .put(&url)
        .header(CONTENT_TYPE, "application/json")
        .body(many("stored"))
        .send()
        .await
        .expect("publishing");
    assert_eq!(stored.status(), 201);

    let merge = tokio::spawn(
        http.patch(&url)
            .header(CONTENT_TYPE, "application/json")
            .body(many("merged"))
            .send(),
    );
    let mut conn = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    let deciding = loop {
        if let Some(found) = waiting(&mut conn).await {
            break found;
        }
        assert!(!merge.is_finished(), "the merge was never seen deciding");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    // Heartbeats while the merge decides: on the one thread, a merge that
    // decided there would let one through at most, before it started.
    let mut answered = 0;
    loop {
        let (status, _) = app.get("/diagnostic/status/heartbeat").await;
        assert_eq!(status, 200);
        if waiting(&mut conn).await.as_ref() != Some(&deciding) {
            break;
        }
        answered += 1;
    }
    assert!(
        answered >= 5,
        "only {answered} heartbeats were answered while the merge decided"
    );

    let merged = merge.await.expect("the merge task").expect("merging");
    assert_eq!(merged.status(), 200);
    let (_, pact) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    assert_eq!(pact["interactions"].as_array().map(Vec::len), Some(10_000));
}
