//! The PostgreSQL store: the connection pool, embedded migrations, the
//! managed local server, and the queries of each domain noun. Nothing here
//! knows about gRPC or HTTP.

pub mod deployments;
pub mod environments;
pub mod for_verification;
pub mod local_pg;
pub mod matrix;
pub mod models;
pub mod pacticipants;
pub mod pacts;
pub mod schema;
pub mod tokens;
pub mod verifications;
pub mod versions;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{Error, Result};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Serialises migrations across replicas that start at the same time.
const MIGRATION_LOCK_KEY: i64 = 0x7061_6374_7769_7265; // "pactwire"

pub type Conn = AsyncPgConnection;

/// A raw SQL query whose prepared statement each connection keeps, like
/// those of diesel's DSL. diesel prepares every `sql_query` afresh, which
/// costs a round trip and a plan per call; our raw queries are written out
/// in this crate (a few fixed variants each, never text from a request),
/// so keeping them costs a bounded number of statements per connection.
pub struct Prepared<Q>(Q);

/// `.prepared()` at the end of a `sql_query(..).bind(..)` chain.
pub trait KeepPrepared: Sized {
    /// Only for SQL text fixed by this crate: each distinct text is kept
    /// for the life of the connection.
    fn prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>> KeepPrepared for Q {}

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Prepared<Q>
{
    fn walk_ast<'b>(
        &'b self,
        pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

/// Keyed by SQL text and bind types, as diesel keys its dynamic queries.
impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

/// How long a request waits for a connection by default.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for a connection while the database is known
/// to be down: long enough for one to be made as soon as it is back, short
/// enough that nobody waits on a database that is not there.
const DOWN_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(250);

/// How long a direct connection attempt may take before the database is
/// taken for down: a live server answers in milliseconds even when busy.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A pool of connections to the broker's database.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
    url: Arc<str>,
    /// Whether the database answered the last time we asked it directly.
    reachable: Arc<AtomicBool>,
}

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        Store::connect_waiting(url, max_connections, ACQUIRE_TIMEOUT).await
    }

    /// A pool whose requests wait up to `acquire_timeout` for a connection
    /// while the database is reachable.
    pub async fn connect_waiting(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> anyhow::Result<Store> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let pool = Pool::builder()
            .max_size(max_connections)
            .connection_timeout(acquire_timeout)
            // No `SELECT 1` before each use, a round trip on every request:
            // a connection whose server went away is closed and discarded
            // at checkout all the same, and a query on one that breaks in
            // use fails like any other.
            .test_on_check_out(false)
            .build(manager)
            .await
            .context("creating the database pool")?;
        Ok(Store {
            pool,
            url: url.into(),
            reachable: Arc::new(AtomicBool::new(true)),
        })
    }

    /// A connection; UNAVAILABLE at once while the database is known to be
    /// down rather than after the whole acquire timeout.
    pub async fn conn(&self) -> Result<PooledConnection<'_, AsyncPgConnection>> {
        if self.is_reachable() {
            let got = self.pool.get().await;
            if got.is_err() {
                self.probe().await;
            }
            return Ok(got?);
        }
        match tokio::time::timeout(DOWN_ACQUIRE_TIMEOUT, self.pool.get()).await {
            Ok(Ok(conn)) => {
                self.reachable.store(true, Ordering::Relaxed);
                Ok(conn)
            }
            Ok(Err(err)) => Err(err.into()),
            Err(_) => Err(Error::Unavailable(
                "the database is unreachable; try again shortly".into(),
            )),
        }
    }

    /// Whether the database answered the last time we asked it directly.
    pub fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }

    /// Decides reachability with a connection of its own. A pool that gives
    /// no connection in time says only that it is busy or that the server is
    /// gone (bb8 retries a refused connection until its timeout); a direct
    /// attempt tells the two apart, so load never marks a live database down.
    async fn probe(&self) -> bool {
        use diesel_async::AsyncConnection;
        let attempt = AsyncPgConnection::establish(&self.url);
        let up = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, attempt).await,
            Ok(Ok(_))
        );
        self.reachable.store(up, Ordering::Relaxed);
        up
    }

    /// Whether a connection can be had within two seconds and the newest
    /// embedded migration has been applied.
    pub async fn is_ready(&self) -> bool {
        use diesel::QueryableByName;
        use diesel_async::RunQueryDsl;
        #[derive(QueryableByName)]
        struct Applied {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            #[allow(dead_code)]
            one: i32,
        }
        let Some(latest) = latest_migration() else {
            return false;
        };
        let check = async {
            let mut conn = self.conn().await.ok()?;
            diesel::sql_query("SELECT 1 AS one FROM __diesel_schema_migrations WHERE version = $1")
                .bind::<diesel::sql_types::Text, _>(latest)
                .load::<Applied>(&mut *conn)
                .await
                .ok()
                .map(|rows| !rows.is_empty())
        };
        match tokio::time::timeout(Duration::from_secs(2), check).await {
            Ok(answer) => answer == Some(true),
            // A busy pool or a server that stopped answering: ask directly.
            Err(_) => {
                self.probe().await;
                false
            }
        }
    }
}

/// The version of the newest embedded migration.
fn latest_migration() -> Option<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .ok()?
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
}

/// Applies pending migrations under an advisory lock and returns how many
/// ran. diesel's migration API is synchronous, so it runs on a blocking
/// thread.
pub async fn migrate(url: &str) -> anyhow::Result<usize> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .context("connecting to the database to migrate it")?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)
            .context("taking the migration lock")?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.len())
            .map_err(|err| anyhow::anyhow!("running migrations: {err}"));
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
            .execute(&mut conn)
            .context("releasing the migration lock")?;
        applied
    })
    .await
    .context("the migration task failed")?
}

/// `url` with any password replaced, for logs: the user-info password and
/// libpq's `password` and `sslpassword` parameters.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(unparseable database URL)".into();
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("********"));
    }
    let secret = |key: &str| matches!(key, "password" | "sslpassword");
    if parsed.query_pairs().any(|(key, _)| secret(&key)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if secret(&key) {
                    "********".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted_wherever_they_are() {
        let cases = [
            ("postgres://u:secret@h/db", "postgres://u:********@h/db"),
            (
                "postgres://u@h/db?password=secret&sslmode=require",
                "postgres://u@h/db?password=********&sslmode=require",
            ),
            (
                "postgres://u@h/db?sslpassword=secret",
                "postgres://u@h/db?sslpassword=********",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact_url(url), expected);
            assert!(!redact_url(url).contains("secret"));
        }
    }
}
