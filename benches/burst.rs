//! can-i-deploy right after a burst of writes, before PostgreSQL's
//! statistics catch up (issue 11's reproduction).
//!
//! One consumer and one provider. Each consumer version is published on
//! branch main with a pact of its own, and verified by a provider version
//! of the same number on main; the newest provider version is deployed to
//! production. First `BEFORE` versions, then ANALYZE, as autovacuum would
//! have done by then; can-i-deploy of the newest consumer version to
//! production is measured. Then a burst of `BURST` more versions the same
//! way, with autovacuum kept off the tables, so the plans are made on the
//! statistics of the small history: measured again at once. Then ANALYZE
//! and a last measurement. Within each phase the answer must be the same
//! (deployable), and the phases should take about as long as each other.
//!
//! Everything is written through the broker's own write path
//! (`pactwire::service::Broker`) and read through a real HTTP client
//! against the broker on a loopback port, as the Rust CLI asks:
//! `/matrix?q[][pacticipant]=..&q[][version]=..&latestby=cvpv&
//! environment=production`, and `/can-i-deploy?pacticipant=..&version=..
//! &environment=production`.
//!
//! `cargo bench --bench burst` (set `BENCH_DATABASE_URL` to use an
//! existing server; otherwise a private PostgreSQL with default durability
//! under target/bench-pg/burst). `PACTWIRE_BENCH_SIZE=tiny` (CI) writes 20
//! and 100 versions instead of 200 and 3,000.

// Shared with the seeding benchmarks, of which this one needs only a part.
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use anyhow::ensure;
use diesel::sql_query;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use pactwire::service::environments::{EnvironmentInput, EnvironmentKey};
use pactwire::service::verifications::VerificationInput;
use pactwire::service::{Broker, ContractInput, PublishInput};
use serde_json::{Value, json};
use support::{Postgres, retried, run, seeding_broker};

const CONSUMER: &str = "Web";
const PROVIDER: &str = "Orders";
const IN_FLIGHT: usize = 8;

struct Size {
    before: u32,
    burst: u32,
    requests: usize,
}

fn size() -> Size {
    match std::env::var("PACTWIRE_BENCH_SIZE").as_deref() {
        Ok("tiny") => Size {
            before: 20,
            burst: 100,
            requests: 20,
        },
        _ => Size {
            before: 200,
            burst: 3_000,
            requests: 500,
        },
    }
}

/// A pact of its own for consumer version `n`: three interactions.
fn pact(n: u32) -> Vec<u8> {
    let interactions: Vec<Value> = (0..3)
        .map(|i| {
            json!({
                "description": format!("order {i} as of build {n}"),
                "providerState": format!("order {i} exists"),
                "request": {"method": "GET", "path": format!("/orders/{i}")},
                "response": {"status": 200, "body": {"id": i, "build": n}},
            })
        })
        .collect();
    json!({
        "consumer": {"name": CONSUMER},
        "provider": {"name": PROVIDER},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
    .to_string()
    .into_bytes()
}

/// Versions `from..=to` of both sides, as each build would write them, and
/// the newest provider version deployed to production.
async fn build(broker: &Broker, from: u32, to: u32) -> anyhow::Result<()> {
    for n in from..=to {
        let published = retried(|| {
            broker.publish_contracts(PublishInput {
                pacticipant_name: CONSUMER.into(),
                pacticipant_version_number: n.to_string(),
                branch: Some("main".into()),
                contracts: vec![ContractInput {
                    consumer_name: CONSUMER.into(),
                    provider_name: PROVIDER.into(),
                    specification: "pact".into(),
                    content_type: "application/json".into(),
                    content: pact(n),
                    on_conflict: Default::default(),
                }],
                ..PublishInput::default()
            })
        })
        .await?;
        let sha = &published.contracts[0].pact.sha;
        retried(|| {
            broker.publish_verification(
                CONSUMER,
                PROVIDER,
                sha,
                VerificationInput {
                    success: Some(true),
                    provider_version: n.to_string(),
                    provider_version_branch: Some("main".into()),
                    ..VerificationInput::default()
                },
            )
        })
        .await?;
    }
    let newest = to.to_string();
    retried(|| {
        broker.record_deployment(PROVIDER, &newest, EnvironmentKey::Name("production"), None)
    })
    .await?;
    Ok(())
}

/// One request's latency, after checking it says "deployable".
async fn ask(http: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let response = http.get(url).send().await.expect("asking");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON answer");
    let latency = started.elapsed();
    assert_eq!(status, 200, "{url}: {body}");
    assert_eq!(body["summary"]["deployable"], true, "{url}: {body}");
    latency
}

/// p50, p99 and throughput of both questions, one at a time and
/// `IN_FLIGHT` at once.
async fn measure(
    broker: &support::Broker,
    size: &Size,
    version: u32,
    phase: &str,
    report: &mut Vec<String>,
) {
    let base = &broker.base;
    let questions = [
        (
            "matrix (CLI)",
            format!(
                "{base}/matrix?q[][pacticipant]={CONSUMER}&q[][version]={version}\
                 &latestby=cvpv&environment=production"
            ),
        ),
        (
            "/can-i-deploy",
            format!(
                "{base}/can-i-deploy?pacticipant={CONSUMER}&version={version}\
                 &environment=production"
            ),
        ),
    ];
    for (what, url) in questions {
        for in_flight in [1, IN_FLIGHT] {
            let (http, url) = (broker.http.clone(), url.clone());
            let mut stats = run(size.requests, in_flight, move |_| {
                let (http, url) = (http.clone(), url.clone());
                async move { ask(&http, &url).await }
            })
            .await;
            let line = stats.line(&format!("{phase}: {what} x{in_flight}"));
            println!("{line}");
            report.push(line);
        }
    }
}

/// Turns autovacuum (and so autoanalyze) off for every table, so the burst
/// is planned on the statistics of the history before it.
async fn keep_autovacuum_away(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    #[derive(diesel::QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let tables: Vec<Table> =
        sql_query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
            .load(conn)
            .await?;
    for Table { name } in tables {
        conn.batch_execute(&format!(
            "ALTER TABLE \"{name}\" SET (autovacuum_enabled = false, \
             toast.autovacuum_enabled = false)"
        ))
        .await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let size = size();
    let postgres = Postgres::start("burst").await?;
    let database = "pactwire_burst";
    let mut admin = AsyncPgConnection::establish(&postgres.admin_url).await?;
    // Every run starts from an empty history.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .await?;
    drop(admin);
    let url = postgres.database(database).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    keep_autovacuum_away(&mut conn).await?;
    let writer = seeding_broker(&url).await?;
    writer
        .create_environment(
            None,
            EnvironmentInput {
                name: Some("production".into()),
                production: Some(true),
                ..EnvironmentInput::default()
            },
        )
        .await?;
    let server = support::Broker::start(&url).await?;
    let mut report = vec![format!(
        "on {} cores, PostgreSQL at {}, load average {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        if std::env::var("BENCH_DATABASE_URL").is_ok() {
            "BENCH_DATABASE_URL"
        } else {
            "target/bench-pg/burst (private, durable)"
        },
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".into()),
    )];

    let started = Instant::now();
    build(&writer, 1, size.before).await?;
    conn.batch_execute("ANALYZE").await?;
    println!(
        "{} versions of each side written in {:.1} s",
        size.before,
        started.elapsed().as_secs_f64()
    );
    let phase = format!("{} versions, analyzed", size.before);
    measure(&server, &size, size.before, &phase, &mut report).await;

    let newest = size.before + size.burst;
    let started = Instant::now();
    build(&writer, size.before + 1, newest).await?;
    let took = started.elapsed();
    println!(
        "{} more written in {:.1} s ({:.0} versions/s)",
        size.burst,
        took.as_secs_f64(),
        f64::from(size.burst) / took.as_secs_f64()
    );
    let phase = format!("{newest} versions, stale statistics");
    measure(&server, &size, newest, &phase, &mut report).await;

    conn.batch_execute("ANALYZE").await?;
    let phase = format!("{newest} versions, analyzed");
    measure(&server, &size, newest, &phase, &mut report).await;

    let versions: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        sql_query("SELECT count(*) AS n FROM versions")
            .get_result::<Count>(&mut conn)
            .await?
            .n
    };
    ensure!(
        versions == 2 * i64::from(newest),
        "{versions} versions written, expected {}",
        2 * newest
    );
    server.stop().await?;
    postgres.stop(false).await?;
    println!("\nburst benchmark");
    for line in report {
        println!("{line}");
    }
    Ok(())
}
