//! What the benchmarks share: a durable PostgreSQL to seed, the broker
//! serving it on a loopback port, and latency statistics of requests run
//! one at a time or several at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pactwire::app::RunningServer;
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

/// A `count(*) AS n` row.
#[derive(diesel::QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// `label=count` for each (label, FROM clause), for the seeding report.
pub async fn count_rows(
    conn: &mut diesel_async::AsyncPgConnection,
    tables: &[(&str, &str)],
) -> anyhow::Result<String> {
    use diesel_async::RunQueryDsl;
    let mut out = Vec::new();
    for (label, from) in tables {
        let row: CountRow = diesel::sql_query(format!("SELECT count(*) AS n FROM {from}"))
            .get_result(conn)
            .await?;
        out.push(format!("{label}={}", row.n));
    }
    Ok(out.join(", "))
}
