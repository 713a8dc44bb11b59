//! Publishing benchmark: 1,000 distinct pacts through each transport
//! against a real, durable PostgreSQL: one consumer publishing one at a
//! time (latency), then 8 consumers publishing at once (throughput);
//! then the "latest" lookups for a consumer with 10 versions and one with
//! 1,001, to show their cost does not grow with history.
//!
//! `cargo bench --bench publish` (set `BENCH_DATABASE_URL` to use an
//! existing server; otherwise a private PostgreSQL with default durability
//! is started under target/). `PACTWIRE_BENCH_SIZE=tiny` (CI) publishes 20
//! pacts per run instead, only to see every request still works.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::grpc::pb;
use pactwire::grpc::pb::pact_service_client::PactServiceClient;
use pactwire::settings::BrokerSettings;
use pactwire::store::Store;
use pactwire::store::local_pg::{Durability, LocalPostgres};
use serde_json::json;
use tokio::sync::Semaphore;

/// The broker's own allocator, so the in-process server is measured as it
/// ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Pacts per run.
fn pacts() -> usize {
    match std::env::var("PACTWIRE_BENCH_SIZE").as_deref() {
        Ok("tiny") => 20,
        _ => 1_000,
    }
}

/// Clients publishing at once, each for its own consumer (issue 11's goal
/// is stated for eight).
const IN_FLIGHT: usize = 8;

/// A realistic pact: ten interactions, distinct per `n`.
fn pact(consumer: &str, n: usize) -> Vec<u8> {
    let interactions: Vec<_> = (0..10)
        .map(|i| {
            json!({
                "description": format!("request {i} of run {n}"),
                "providerState": format!("order {i} exists"),
                "request": {"method": "GET", "path": format!("/orders/{i}"), "headers": {"Accept": "application/json"}},
                "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                             "body": {"id": i, "run": n, "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]}},
            })
        })
        .collect();
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": "Provider"},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
    .to_string()
    .into_bytes()
}

struct Stats {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Stats {
    fn report(&mut self, label: &str) {
        self.latencies.sort();
        let pct = |p: f64| {
            let index = ((self.latencies.len() as f64 * p).ceil() as usize)
                .clamp(1, self.latencies.len())
                - 1;
            self.latencies[index].as_secs_f64() * 1000.0
        };
        println!(
            "{label:<40} n={:<5} p50={:>7.2} ms  p99={:>7.2} ms  throughput={:>8.1}/s",
            self.latencies.len(),
            pct(0.50),
            pct(0.99),
            self.latencies.len() as f64 / self.elapsed.as_secs_f64()
        );
    }
}

async fn publish_one(
    http: &reqwest::Client,
    base: &str,
    consumer: &str,
    version: &str,
    branch: &str,
    tag: &str,
    n: usize,
) {
    let body = json!({
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "branch": branch,
        "tags": [tag],
        "contracts": [{
            "consumerName": consumer, "providerName": "Provider", "specification": "pact",
            "contentType": "application/json", "content": STANDARD.encode(pact(consumer, n)),
        }],
    });
    let response = http
        .post(format!("{base}/contracts/publish"))
        .json(&body)
        .send()
        .await
        .expect("publish");
    assert_eq!(response.status(), 200);
}

async fn run<F, Fut>(pacts: usize, in_flight: usize, publish: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let publish = Arc::new(publish);
    let permits = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(pacts);
    for n in 0..pacts {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let publish = publish.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            publish(n).await;
            drop(permit);
            t.elapsed()
        }));
    }
    let mut latencies = Vec::with_capacity(pacts);
    for task in tasks {
        latencies.push(task.await.expect("publish task"));
    }
    Stats {
        latencies,
        elapsed: started.elapsed(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (admin_url, local) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("bench-pg")
                .join(std::process::id().to_string());
            let local = LocalPostgres::start(&dir, Durability::Durable).await?;
            (local.url_for("postgres"), Some((local, dir)))
        }
    };
    let database = format!("bench_{}", std::process::id());
    pactwire::app::ensure_database(&admin_url, &database).await?;
    let mut url = url::Url::parse(&admin_url)?;
    url.set_path(&database);
    let url = url.to_string();
    pactwire::store::migrate(&url).await?;
    let store = Store::connect(&url, 20).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server = pactwire::app::start(listener, store, BrokerSettings::default()).await?;
    let base = format!("http://{}", server.local_addr);
    let pacts = pacts();
    println!(
        "pactwire publish benchmark: {pacts} distinct pacts per run, 10 interactions each, durable \
         PostgreSQL, {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".into()),
    );

    let http = reqwest::Client::new();
    // Versions at the start of the history, looked up again at the end.
    publish_one(
        &http,
        &base,
        "Rest1Consumer0",
        "0.0.0",
        "release",
        "prod",
        pacts,
    )
    .await;
    for n in 0..10 {
        publish_one(
            &http,
            &base,
            "SmallConsumer",
            &format!("0.0.{n}"),
            "release",
            "prod",
            n,
        )
        .await;
    }
    for (label, in_flight) in [
        ("REST POST /contracts/publish x1", 1),
        ("REST POST /contracts/publish x8", IN_FLIGHT),
    ] {
        let (http, base) = (http.clone(), base.clone());
        let prefix = format!("Rest{in_flight}Consumer");
        let mut stats = run(pacts, in_flight, move |n| {
            let (http, base) = (http.clone(), base.clone());
            let consumer = format!("{prefix}{}", n % in_flight);
            async move {
                let body = json!({
                    "pacticipantName": consumer,
                    "pacticipantVersionNumber": format!("1.0.{n}"),
                    "branch": "main",
                    "tags": ["dev"],
                    "contracts": [{
                        "consumerName": consumer, "providerName": "Provider", "specification": "pact",
                        "contentType": "application/json", "content": STANDARD.encode(pact(&consumer, n)),
                    }],
                });
                let response = http.post(format!("{base}/contracts/publish")).json(&body).send().await.expect("publish");
                assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
            }
        })
        .await;
        stats.report(label);
    }

    let channel = tonic::transport::Channel::from_shared(base.clone())?
        .connect()
        .await?;
    for (label, in_flight) in [
        ("gRPC PublishContracts x1", 1),
        ("gRPC PublishContracts x8", IN_FLIGHT),
    ] {
        let client = PactServiceClient::new(channel.clone());
        let prefix = format!("Grpc{in_flight}Consumer");
        let mut stats = run(pacts, in_flight, move |n| {
            let mut client = client.clone();
            let consumer = format!("{prefix}{}", n % in_flight);
            async move {
                client
                    .publish_contracts(pb::PublishContractsRequest {
                        pacticipant_name: consumer.clone(),
                        pacticipant_version_number: format!("1.0.{n}"),
                        branch: "main".into(),
                        tags: vec!["dev".into()],
                        build_url: String::new(),
                        contracts: vec![pb::ContractToPublish {
                            consumer_name: consumer.clone(),
                            provider_name: "Provider".into(),
                            specification: "pact".into(),
                            content_type: "application/json".into(),
                            content: pact(&consumer, n),
                            on_conflict: 0,
                        }],
                    })
                    .await
                    .expect("publish");
            }
        })
        .await;
        stats.report(label);
    }

    // Every "latest" lookup walks one index from its newest end: a consumer
    // with a thousand versions answers as fast as one with ten.
    for (consumer, history) in [("SmallConsumer", 10), ("Rest1Consumer0", pacts + 1)] {
        for (lookup, path) in [
            ("latest", "latest".to_owned()),
            (
                "latest on branch release",
                "branch/release/latest".to_owned(),
            ),
            ("latest tagged prod", "latest/prod".to_owned()),
            ("by consumer version", "version/0.0.0".to_owned()),
        ] {
            let url = format!("{base}/pacts/provider/Provider/consumer/{consumer}/{path}");
            let (http, url) = (http.clone(), url.clone());
            let mut stats = run(pacts, 1, move |_| {
                let (http, url) = (http.clone(), url.clone());
                async move {
                    let response = http.get(&url).send().await.expect("fetch");
                    assert_eq!(response.status(), 200, "{url}");
                    response.bytes().await.expect("body");
                }
            })
            .await;
            stats.report(&format!("GET {lookup}, {history} versions"));
        }
    }

    server.stop().await?;
    if let Some((local, dir)) = local {
        local.stop().await?;
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}
