//! Databases for tests. `TEST_DATABASE_URL` points at a server to use;
//! otherwise one throwaway cluster per test process is started from the
//! local PostgreSQL binaries (the same code the broker uses). A template
//! database is migrated once and each test gets its own copy.

use std::path::PathBuf;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::store::local_pg::{Durability, LocalPostgres};
use tokio::sync::OnceCell;

/// Builds the URL of a database on the test server from its name.
type UrlFor = Box<dyn Fn(&str) -> String + Send + Sync>;

struct Server {
    url_for: UrlFor,
    template: String,
    /// Kept so the cluster lives as long as the process.
    _local: Option<LocalPostgres>,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

async fn server() -> &'static Server {
    SERVER.get_or_init(start).await
}

async fn start() -> Server {
    let template = format!("pactwire_template_{}", std::process::id());
    let (url_for, local): (UrlFor, _) = match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(url) => {
            let parsed = url::Url::parse(&url).expect("TEST_DATABASE_URL is a URL");
            (
                Box::new(move |name: &str| {
                    let mut u = parsed.clone();
                    u.set_path(name);
                    u.to_string()
                }),
                None,
            )
        }
        None => {
            let dir = cluster_dir();
            let local = LocalPostgres::start(&dir, Durability::Throwaway)
                    .await
                    .expect("starting the test PostgreSQL; install the server binaries or set TEST_DATABASE_URL");
            let base = local.url_for("{db}");
            (
                Box::new(move |name: &str| base.replace("{db}", name)),
                Some(local),
            )
        }
    };
    let mut admin = AsyncPgConnection::establish(&url_for("postgres"))
        .await
        .expect("connecting to the test PostgreSQL");
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {template}"))
        .execute(&mut admin)
        .await
        .expect("dropping an old template");
    diesel::sql_query(format!("CREATE DATABASE {template}"))
        .execute(&mut admin)
        .await
        .expect("creating the template database");
    pactwire::store::migrate(&url_for(&template))
        .await
        .expect("migrating the template database");
    Server {
        url_for,
        template,
        _local: local,
    }
}

/// A fresh directory for this process's cluster under target/, after
/// removing those of test processes that are gone.
fn cluster_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pg");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let alive = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
                .is_some_and(|pid| PathBuf::from(format!("/proc/{pid}")).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A new database copied from the migrated template; returns its URL and
/// a guard that drops it.
pub async fn database() -> TestDatabase {
    let server = server().await;
    create(server, &format!("TEMPLATE {}", server.template)).await
}

/// A new database with no schema at all, for migration tests.
pub async fn empty_database() -> TestDatabase {
    create(server().await, "").await
}

async fn create(server: &Server, options: &str) -> TestDatabase {
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&(server.url_for)("postgres"))
        .await
        .expect("connecting to the test PostgreSQL");
    diesel::sql_query(format!("CREATE DATABASE {name} {options}"))
        .execute(&mut admin)
        .await
        .expect("creating a test database");
    TestDatabase {
        url: (server.url_for)(&name),
        admin_url: (server.url_for)("postgres"),
        name,
    }
}

pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async code; a short-lived runtime does the work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}
