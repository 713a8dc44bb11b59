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

use anyhow::Context;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::Result;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Serialises migrations across replicas that start at the same time.
const MIGRATION_LOCK_KEY: i64 = 0x7061_6374_7769_7265; // "pactwire"

pub type Conn = AsyncPgConnection;

/// A pool of connections to the broker's database.
#[derive(Clone)]
pub struct Store {
    pool: Pool<AsyncPgConnection>,
}

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Store> {
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
        let pool = Pool::builder()
            .max_size(max_connections)
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .await
            .context("creating the database pool")?;
        Ok(Store { pool })
    }

    pub async fn conn(&self) -> Result<PooledConnection<'_, AsyncPgConnection>> {
        Ok(self.pool.get().await?)
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
            let mut conn = self.pool.get().await.ok()?;
            diesel::sql_query("SELECT 1 AS one FROM __diesel_schema_migrations WHERE version = $1")
                .bind::<diesel::sql_types::Text, _>(latest)
                .load::<Applied>(&mut *conn)
                .await
                .ok()
                .map(|rows| !rows.is_empty())
        };
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), check).await,
            Ok(Some(true))
        )
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
