//! The database schema itself.

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::support::TestApp;

/// Deleting a version, pact or pacticipant cascades through foreign keys;
/// one without an index behind it makes that a scan of the whole table.
#[tokio::test]
async fn every_foreign_key_leads_an_index() {
    #[derive(QueryableByName)]
    struct Unindexed {
        #[diesel(sql_type = diesel::sql_types::Text)]
        column: String,
    }
    let app = TestApp::start().await;
    let mut conn = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    let unindexed: Vec<Unindexed> = diesel::sql_query(
        "SELECT c.conrelid::regclass || '.' || a.attname AS column \
         FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'f' AND NOT EXISTS ( \
             SELECT 1 FROM pg_index i \
             WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL)",
    )
    .load(&mut conn)
    .await
    .expect("reading the catalog");
    let columns: Vec<String> = unindexed.into_iter().map(|u| u.column).collect();
    assert!(
        columns.is_empty(),
        "foreign keys without an index: {columns:?}"
    );
}
