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

/// Large publications are stored one per core at a time, so their parsed
/// documents (tens of times the content's size) cannot add up without
/// bound; each waits its turn. Each backend of a publication that got its
/// turn waits on a lock the test holds, and no more of them ever do.
#[tokio::test]
async fn large_publications_take_turns() {
    use diesel_async::SimpleAsyncConnection;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let publications = cores + 1;
    let app = TestApp::start_pooled(
        crate::support::pg::database().await,
        Default::default(),
        publications as u32 + 1,
    )
    .await;
    let mut blocker = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    blocker
        .batch_execute("BEGIN; LOCK TABLE pacticipants IN EXCLUSIVE MODE")
        .await
        .expect("locking");
    let large = |consumer: &str| {
        let interactions = (0..6_000)
            .map(|i| {
                interaction(
                    &format!("request number {i} of a large pact"),
                    &format!("/orders/{i}"),
                )
            })
            .collect();
        let body = pact(consumer, "Bar", interactions).to_string();
        assert!(
            body.len() > 1024 * 1024,
            "a large pact: {} bytes",
            body.len()
        );
        body
    };
    let puts: Vec<_> = (0..publications)
        .map(|i| {
            let request = app
                .http
                .put(app.url(&format!("/pacts/provider/Bar/consumer/C{i}/version/1")))
                .header(CONTENT_TYPE, "application/json")
                .body(large(&format!("C{i}")));
            tokio::spawn(request.send())
        })
        .collect();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut watcher = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    let mut locked = async || {
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result::<Count>(&mut watcher)
        .await
        .expect("counting")
        .n
    };
    while locked().await < cores as i64 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Time enough for one more to parse its pact and reach the lock.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(locked().await, cores as i64, "publications stored at once");
    blocker.batch_execute("COMMIT").await.expect("unlocking");
    for put in puts {
        let response = put.await.expect("the request task").expect("publishing");
        assert_eq!(response.status(), 201);
    }
}
