//! What the benchmarks share: a durable PostgreSQL to seed, the sizes
//! asked for, seeding through the broker's own write path, checks that a
//! seeded database is what the broker's writes leave, the broker serving it
//! on a loopback port, and latency statistics of requests run one at a
//! time or several at once.

/// The broker's own allocator, so the in-process server is measured as it
/// ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use diesel_async::AsyncPgConnection;
use futures_util::{StreamExt, TryStreamExt};
use pactwire::app::RunningServer;
use pactwire::error::Error;
use pactwire::settings::BrokerSettings;
use pactwire::store::Store;
use pactwire::store::local_pg::{Durability, LocalPostgres};
use tokio::sync::Semaphore;

/// The server benchmark databases live on: the one `BENCH_DATABASE_URL`
/// points to, or a private one with default durability under
/// target/bench-pg/`dir`.
pub struct Postgres {
    pub admin_url: String,
    local: Option<(LocalPostgres, PathBuf)>,
}

impl Postgres {
    pub async fn start(dir: &str) -> anyhow::Result<Postgres> {
        if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
            return Ok(Postgres {
                admin_url: url,
                local: None,
            });
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("bench-pg")
            .join(dir);
        let local = LocalPostgres::start(&dir, Durability::Durable).await?;
        Ok(Postgres {
            admin_url: local.url_for("postgres"),
            local: Some((local, dir)),
        })
    }

    /// The URL of `database`, created if missing and migrated.
    pub async fn database(&self, database: &str) -> anyhow::Result<String> {
        pactwire::app::ensure_database(&self.admin_url, database).await?;
        let mut url = url::Url::parse(&self.admin_url)?;
        url.set_path(database);
        let url = url.to_string();
        pactwire::store::migrate(&url).await?;
        Ok(url)
    }

    /// Stops a private server; `remove` deletes its data directory too.
    pub async fn stop(self, remove: bool) -> anyhow::Result<()> {
        if let Some((local, dir)) = self.local {
            local.stop().await?;
            if remove {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        Ok(())
    }
}

/// The sizes `PACTWIRE_BENCH_SIZE` names (comma-separated labels, such as
/// `tiny` in CI), or when it is unset those `default` names, in that order.
pub fn sizes<T: Copy>(
    all: &[T],
    label: impl Fn(&T) -> &'static str,
    default: &str,
) -> anyhow::Result<Vec<T>> {
    let asked = std::env::var("PACTWIRE_BENCH_SIZE").unwrap_or_else(|_| default.to_owned());
    asked
        .split(',')
        .map(|name| {
            all.iter()
                .find(|size| label(size) == name.trim())
                .copied()
                .with_context(|| {
                    let known: Vec<&str> = all.iter().map(&label).collect();
                    format!(
                        "PACTWIRE_BENCH_SIZE: no size '{name}' (known: {})",
                        known.join(", ")
                    )
                })
        })
        .collect()
}

/// Write-path calls in flight while seeding: on two cores, enough to keep
/// PostgreSQL and the broker's code busy while each call waits on the other.
pub const SEED_CONCURRENCY: usize = 8;

/// The broker's use cases over a database, for seeding it through the
/// same write path that requests take.
pub async fn seeding_broker(url: &str) -> anyhow::Result<pactwire::service::Broker> {
    let store = Store::connect(url, SEED_CONCURRENCY as u32).await?;
    Ok(pactwire::service::Broker::new(
        store,
        BrokerSettings::default(),
    ))
}

/// Runs a write-path call again while it is aborted by a concurrent one,
/// as a client told "try again" does.
pub async fn retried<T, F, Fut>(mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut attempts = 0;
    loop {
        match call().await {
            Err(Error::Aborted(_)) if attempts < 10 => attempts += 1,
            done => return done,
        }
    }
}

/// The metadata segment the broker writes into the pact URLs it hands a
/// verifier (`domain::verifiable`), so a result recorded through it says
/// whether the pact was pending or work in progress.
pub fn metadata(pending: bool, wip: bool) -> String {
    if wip {
        pactwire::domain::metadata::encode(&[("w", "true".into())], &[])
    } else {
        pactwire::domain::metadata::encode(&[("p", pending.to_string())], &[])
    }
}

/// Seeding steps in the order they happened, each with the earlier steps
/// it needs done first (the version a pact is published for, the pact a
/// result verifies, the deployment a later one ends).
pub struct Plan<S> {
    steps: Vec<(S, Vec<usize>)>,
}

impl<S> Plan<S> {
    pub fn new() -> Self {
        Plan { steps: Vec::new() }
    }

    /// Adds a step to run after the steps `after` (ids of earlier steps of
    /// this plan); returns its id.
    pub fn push(&mut self, step: S, after: impl IntoIterator<Item = usize>) -> usize {
        let id = self.steps.len();
        let after: Vec<usize> = after.into_iter().collect();
        assert!(
            after.iter().all(|dep| *dep < id),
            "step {id} depends on a later step"
        );
        self.steps.push((step, after));
        id
    }
}

/// Runs a plan's steps, `SEED_CONCURRENCY` at a time, each once the steps it
/// depends on are done, reporting progress at every tenth. Steps are started
/// in plan order, so the earliest unfinished one always has its
/// dependencies met and the plan cannot stall.
pub async fn execute<S, F, Fut>(plan: Plan<S>, what: &str, run: F) -> anyhow::Result<()>
where
    F: Fn(S) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let total = plan.steps.len();
    let done = RefCell::new(vec![false; total]);
    let (finished, watch) = tokio::sync::watch::channel(0usize);
    let started = Instant::now();
    let (run, done, finished) = (&run, &done, &finished);
    futures_util::stream::iter(plan.steps.into_iter().enumerate())
        .map(|(id, (step, after))| {
            let mut watch = watch.clone();
            async move {
                loop {
                    watch.borrow_and_update();
                    if after.iter().all(|dep| done.borrow()[*dep]) {
                        break;
                    }
                    watch.changed().await?;
                }
                // Spawned, so the broker's work runs on every core.
                tokio::spawn(run(step)).await??;
                done.borrow_mut()[id] = true;
                finished.send_modify(|n| *n += 1);
                let n = *finished.borrow();
                if n == total || n % total.div_ceil(10) == 0 {
                    println!(
                        "    {what}: {n} of {total} steps in {:.1} s",
                        started.elapsed().as_secs_f64()
                    );
                }
                anyhow::Ok(())
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// A `count(*) AS n` row.
#[derive(diesel::QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

async fn count(conn: &mut AsyncPgConnection, query: &str) -> anyhow::Result<i64> {
    use diesel_async::RunQueryDsl;
    let row: CountRow = diesel::sql_query(query)
        .get_result(conn)
        .await
        .with_context(|| query.to_owned())?;
    Ok(row.n)
}

/// `label=count` for each (label, FROM clause), for the seeding report.
pub async fn count_rows(
    conn: &mut AsyncPgConnection,
    tables: &[(&str, &str)],
) -> anyhow::Result<String> {
    let mut out = Vec::new();
    for (label, from) in tables {
        let n = count(conn, &format!("SELECT count(*) AS n FROM {from}")).await?;
        out.push(format!("{label}={n}"));
    }
    Ok(out.join(", "))
}

/// Each (label, FROM clause) holds the number of rows the model says.
pub async fn check_counts(
    conn: &mut AsyncPgConnection,
    expected: &[(&str, &str, usize)],
) -> anyhow::Result<()> {
    let mut wrong = Vec::new();
    for (label, from, want) in expected {
        let n = count(conn, &format!("SELECT count(*) AS n FROM {from}")).await?;
        if n != *want as i64 {
            wrong.push(format!("{label}: {n} rows, expected {want}"));
        }
    }
    if !wrong.is_empty() {
        bail!(
            "the seeded database is not the model's: {}",
            wrong.join("; ")
        );
    }
    Ok(())
}

/// Every table the broker maintains on write agrees with a recomputation
/// from the rows it is derived from: each branch head is its branch's
/// newest version, each latest publication a consumer version's newest
/// revision, each latest verification the newest of its content and
/// provider version, and the integrations are the pairs with pacts. And
/// each pacticipant's versions were created one after the other, so their
/// ids follow the version order as the broker's "latest" lookups assume.
pub async fn check_derived(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let differ = |a: &str, b: &str| {
        format!("SELECT count(*) AS n FROM ((({a}) EXCEPT ({b})) UNION ALL (({b}) EXCEPT ({a}))) x")
    };
    let checks = [
        (
            "versions created before an older version of their pacticipant",
            "SELECT count(*) AS n FROM (SELECT created_at < lag(created_at) OVER \
               (PARTITION BY pacticipant_id ORDER BY id) AS bad FROM versions) x WHERE bad"
                .to_owned(),
        ),
        (
            "branch heads differ from the newest version of their branch",
            differ(
                "SELECT branch_id, branch_version_id, version_id, pacticipant_id, branch_name \
                 FROM branch_heads",
                "SELECT DISTINCT ON (bv.branch_id) bv.branch_id, bv.id, bv.version_id, \
                   bv.pacticipant_id, b.name FROM branch_versions bv \
                 JOIN branches b ON b.id = bv.branch_id ORDER BY bv.branch_id, bv.version_id DESC",
            ),
        ),
        (
            "latest publications differ from the newest revisions",
            differ(
                "SELECT consumer_version_id, provider_id, consumer_id, pact_publication_id, \
                   pact_version_id, created_at FROM latest_pact_publications",
                "SELECT DISTINCT ON (consumer_version_id, provider_id) consumer_version_id, \
                   provider_id, consumer_id, id, pact_version_id, created_at FROM pact_publications \
                 ORDER BY consumer_version_id, provider_id, revision_number DESC",
            ),
        ),
        (
            "latest verifications differ from the newest verifications",
            differ(
                "SELECT pact_version_id, provider_version_id, verification_id, consumer_id, \
                   provider_id FROM latest_verifications",
                "SELECT DISTINCT ON (pact_version_id, provider_version_id) pact_version_id, \
                   provider_version_id, id, consumer_id, provider_id FROM verifications \
                 ORDER BY pact_version_id, provider_version_id, id DESC",
            ),
        ),
        (
            "integrations differ from the pairs with pacts",
            differ(
                "SELECT consumer_id, provider_id FROM integrations",
                "SELECT DISTINCT consumer_id, provider_id FROM pact_publications",
            ),
        ),
    ];
    for (what, query) in checks {
        let n = count(conn, &query).await?;
        ensure!(n == 0, "seeded data: {n} {what}");
    }
    Ok(())
}

/// The broker serving a database on a loopback port, and clients for both
/// transports.
pub struct Broker {
    pub base: String,
    pub http: reqwest::Client,
    pub channel: tonic::transport::Channel,
    server: RunningServer,
}

impl Broker {
    pub async fn start(url: &str) -> anyhow::Result<Broker> {
        let store = Store::connect(url, 20).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let server = pactwire::app::start(listener, store, BrokerSettings::default()).await?;
        let base = format!("http://{}", server.local_addr);
        let channel = tonic::transport::Channel::from_shared(base.clone())?
            .connect()
            .await?;
        Ok(Broker {
            base,
            http: reqwest::Client::new(),
            channel,
            server,
        })
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.server.stop().await
    }
}

pub struct Stats {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Stats {
    /// One line of the report: count, p50, p99 and throughput.
    pub fn line(&mut self, label: &str) -> String {
        self.latencies.sort();
        let pct = |p: f64| {
            let index = ((self.latencies.len() as f64 * p).ceil() as usize)
                .clamp(1, self.latencies.len())
                - 1;
            self.latencies[index].as_secs_f64() * 1000.0
        };
        format!(
            "{label:<52} n={:<5} p50={:>8.2} ms  p99={:>8.2} ms  throughput={:>7.1}/s",
            self.latencies.len(),
            pct(0.50),
            pct(0.99),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64()
        )
    }
}

/// Runs `count` requests, `in_flight` at a time; each returns its own
/// latency (so checking the response afterwards is not measured).
pub async fn run<F, Fut>(count: usize, in_flight: usize, request: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Duration> + Send,
{
    let request = Arc::new(request);
    let permits = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let latency = request(n).await;
            drop(permit);
            latency
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for task in tasks {
        latencies.push(task.await.expect("request task"));
    }
    Stats {
        latencies,
        elapsed: started.elapsed(),
    }
}
