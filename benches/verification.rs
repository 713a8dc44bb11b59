//! Pacts-for-verification benchmark against a real, durable PostgreSQL.
//!
//! One provider with 50 consumers, each consumer version on one of 20
//! branches (the consumer's main branch every other version) with a pact
//! for the provider, 10 environments with deployment histories and some
//! releases, and verifications by provider versions on a few provider
//! branches. The history is written in time order through the broker's own
//! write path (`pactwire::service::Broker`: publishing contracts, creating
//! versions, recording deployments, releases and verification results),
//! several calls at once, each after the calls it depends on, into one
//! database that grows through the sizes asked for
//! (`PACTWIRE_BENCH_SIZE`, default `tenth,full`): `tiny` (8 versions per
//! consumer, 800 verifications, for CI), `tenth` (200 versions per
//! consumer, 20,000 verifications) and `full` (2,000 versions per consumer,
//! 200,000 verifications).
//!
//! At each size it measures, through a real HTTP client and a real gRPC
//! client against the broker running in-process on a loopback port, the
//! for-verification query a provider's CI sends (main branch heads,
//! everything deployed or released, pending status for the provider's main
//! branch, work in progress pacts of the last ten days), one at a time and
//! eight at once; at the last size also publishing verification results
//! to the pacts' `pb:publish-verification-results` links.
//!
//! `cargo bench --bench verification` (set `BENCH_DATABASE_URL` to use an
//! existing server; otherwise a private PostgreSQL with default durability
//! is started under target/).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use pactwire::grpc::pb;
use pactwire::grpc::pb::verification_service_client::VerificationServiceClient;
use pactwire::service::environments::{EnvironmentInput, EnvironmentKey};
use pactwire::service::verifications::VerificationInput;
use pactwire::service::versions::{TagUpdate, VersionInput};
use pactwire::service::{ConflictStrategy, ContractInput, PacticipantPatch, PublishInput};
use serde_json::{Value, json};

mod support;
use support::{Broker, Plan, Postgres, retried, run};

const PROVIDER: &str = "Provider";
const CONSUMERS: usize = 50;
/// Feature branches per consumer, besides its main branch.
const FEATURE_BRANCHES: usize = 19;
/// Consecutive feature-branch versions on one branch before work moves on.
const FEATURE_BLOCK: usize = 5;
/// A consumer publishes a version every six hours: 2,000 versions span 500
/// days, and the last ten days hold 40 versions per consumer.
const MINUTES_PER_VERSION: i64 = 360;
/// Each provider build verifies this many pacts: 200,000 verifications are
/// 5,000 provider versions.
const VERIFIED_PER_PROVIDER_VERSION: usize = 40;
const IN_FLIGHT: usize = 8;

/// Environments: name, production, and the cadence of their deployments
/// (every `step`-th consumer version, from `offset`; both even, so only
/// main-branch versions are deployed).
const ENVIRONMENTS: [(&str, bool, usize, usize); 10] = [
    ("production", true, 40, 0),
    ("eu-production", true, 40, 0),
    ("us-production", true, 80, 0),
    ("staging", false, 20, 10),
    ("uat", false, 20, 10),
    ("test", false, 10, 4),
    ("qa", false, 10, 4),
    ("perf", false, 50, 30),
    ("dev", false, 6, 2),
    ("sandbox", false, 100, 50),
];
/// Consumers with `c % RELEASING == 0` are released (mobile apps) to
/// production every 100 versions; the last three releases stay supported.
const RELEASING: usize = 5;
const SUPPORTED_RELEASES: usize = 3;

/// How much history exists.
#[derive(Clone, Copy)]
struct Size {
    label: &'static str,
    /// Versions per consumer.
    versions: usize,
    verifications: usize,
    /// Versions per consumer published within the work in progress window
    /// (the last ten days at the tenth and full sizes).
    recent: usize,
    /// Requests per measurement.
    requests: usize,
    /// Verification results published per measurement, at the last size
    /// of a run.
    results: usize,
}

impl Size {
    fn provider_versions(self) -> usize {
        self.verifications / VERIFIED_PER_PROVIDER_VERSION
    }
}

const SIZES: [Size; 3] = [
    Size {
        label: "tiny",
        versions: 8,
        verifications: 800,
        recent: 4,
        requests: 5,
        results: 10,
    },
    Size {
        label: "tenth",
        versions: 200,
        verifications: 20_000,
        recent: 40,
        requests: 200,
        results: 500,
    },
    Size {
        label: "full",
        versions: 2_000,
        verifications: 200_000,
        recent: 40,
        requests: 200,
        results: 500,
    },
];

fn consumer_name(c: usize) -> String {
    format!("Consumer{c:02}")
}

fn consumer_version(k: usize) -> String {
    format!("1.{k}.0")
}

fn provider_version(p: usize) -> String {
    format!("2.{p}.0")
}

/// Every other version is on main; the others move through the feature
/// branches in blocks, as work on one feature finishes and the next starts.
fn consumer_branch(k: usize) -> String {
    if k.is_multiple_of(2) {
        "main".into()
    } else {
        format!("feat-{:02}", (k / 2 / FEATURE_BLOCK) % FEATURE_BRANCHES + 1)
    }
}

/// The content a consumer version publishes: every other main-branch
/// version republishes the previous one's (nothing changed in between).
fn content_index(k: usize) -> usize {
    if k % 4 == 2 { k - 2 } else { k }
}

fn provider_branch(p: usize) -> String {
    match p % 10 {
        0..=6 => "main".into(),
        7 | 8 => "develop".into(),
        _ => format!("feat-p{}", (p / 100) % 5),
    }
}

/// The consumer version built around the time provider version `p` was.
fn consumer_version_at(p: usize) -> usize {
    p * 2 / 5
}

/// A realistic pact: ten interactions; `revision` changes the content.
fn pact_document(consumer: &str, revision: usize) -> Vec<u8> {
    let interactions: Vec<_> = (0..10)
        .map(|i| {
            json!({
                "description": format!("a request from {consumer} for order {i}"),
                "providerState": format!("order {i} exists"),
                "request": {"method": "GET", "path": format!("/orders/{i}"),
                            "headers": {"Accept": "application/json"}},
                "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                             "body": {"id": i, "schemaRevision": revision, "status": "SHIPPED",
                                      "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-7", "qty": 1}]}},
            })
        })
        .collect();
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": PROVIDER},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"},
                     "pactRust": {"models": "1.2.5"}},
    })
    .to_string()
    .into_bytes()
}

/// The content hash publishing computes for a consumer's revision.
fn content_sha(consumer: &str, revision: usize) -> anyhow::Result<String> {
    let document = pactwire::domain::pact::parse(&pact_document(consumer, revision))
        .map_err(anyhow::Error::msg)?;
    Ok(pactwire::domain::pact::content_sha(&document))
}

// ---------------------------------------------------------------------------
// Seeding

/// A write-path call of the history.
#[derive(Clone, Copy)]
enum Step {
    /// Consumer `c` publishes version `k` on its branch, tagged with the
    /// branch (`--tag-with-git-branch`).
    Publish {
        c: usize,
        k: usize,
    },
    /// Provider build `p` creates its version on its branch.
    ProviderVersion {
        p: usize,
    },
    /// Build `p` publishes its `i`-th verification result.
    Verify {
        p: usize,
        i: usize,
    },
    Deploy {
        c: usize,
        k: usize,
        e: usize,
    },
    /// Consumer `c` was taken out of environment `e`.
    Undeploy {
        c: usize,
        e: usize,
    },
    Release {
        c: usize,
        k: usize,
    },
    EndSupport {
        c: usize,
        k: usize,
    },
}

/// The `i`-th pact provider build `p` verifies: the newest pacts of 40
/// consumers at its time; (consumer, consumer version).
fn verified_by(p: usize, i: usize) -> (usize, usize) {
    let c = (p * 13 + i) % CONSUMERS;
    (c, consumer_version_at(p).saturating_sub((p + i) % 4))
}

/// A few results fail, some verify work in progress.
fn outcome(p: usize, i: usize) -> (bool, bool) {
    let (c, k) = verified_by(p, i);
    (
        (p * 31 + i * 17 + c * 7) % 100 >= 6,
        k % 2 == 1 && (p + i).is_multiple_of(3),
    )
}

/// What the history seeded so far leaves, to check the database against.
#[derive(Default)]
struct Tally {
    consumer_versions: usize,
    provider_versions: usize,
    /// (consumer, or `None` for the provider; branch).
    branches: HashSet<(Option<usize>, String)>,
    contents: usize,
    verifications: usize,
    /// (consumer, revision, provider build) of each result.
    verified: HashSet<(usize, usize, usize)>,
    deployments: usize,
    /// (consumer, environment) with a current deployment.
    deployed: HashSet<(usize, usize)>,
    releases: usize,
    supported: usize,
}

/// The history between sizes `from` (already seeded; `None`: nothing) and
/// `to`, in time order (seconds since the first version; consumer versions
/// every six hours, provider builds in between): publications, provider
/// builds and their results, deployments (each environment deploys
/// main-branch versions at its own cadence; each deployment ends the
/// previous one; some consumers never run in some environments, some were
/// taken out of one), and releases (support of a release ends when the
/// third after it is released).
fn history(from: Option<Size>, to: Size, tally: &mut Tally) -> Vec<(i64, Step)> {
    let (k_from, p_from) = from.map_or((0, 0), |s| (s.versions, s.provider_versions()));
    let minute = 60;
    let consumer_at = |c: usize, k: usize| (k as i64 * MINUTES_PER_VERSION + c as i64) * minute;
    let mut steps = Vec::new();
    for k in k_from..to.versions {
        for c in 0..CONSUMERS {
            steps.push((consumer_at(c, k), Step::Publish { c, k }));
            tally.consumer_versions += 1;
            tally.branches.insert((Some(c), consumer_branch(k)));
            tally.contents += usize::from(content_index(k) == k);
        }
    }
    // Builds every 2.4 hours, an hour after the consumer version they
    // mostly verify; a result every 20 seconds.
    let per_build =
        MINUTES_PER_VERSION * minute * to.versions as i64 / to.provider_versions() as i64;
    for p in p_from..to.provider_versions() {
        let at = p as i64 * per_build + 60 * minute;
        steps.push((at, Step::ProviderVersion { p }));
        tally.provider_versions += 1;
        tally.branches.insert((None, provider_branch(p)));
        for i in 0..VERIFIED_PER_PROVIDER_VERSION {
            steps.push((at + 20 * i as i64, Step::Verify { p, i }));
            let (c, k) = verified_by(p, i);
            tally.verifications += 1;
            tally.verified.insert((c, content_index(k), p));
        }
    }
    for c in 0..CONSUMERS {
        for (e, (_, _, step, offset)) in ENVIRONMENTS.iter().enumerate() {
            if (c + e) % 7 == 0 {
                continue;
            }
            let after = (7 * (e as i64 + 1)) * minute;
            let ks: Vec<usize> = (k_from..to.versions)
                .filter(|k| k % step == *offset)
                .collect();
            for k in &ks {
                steps.push((consumer_at(c, *k) + after, Step::Deploy { c, k: *k, e }));
                tally.deployments += 1;
                tally.deployed.insert((c, e));
            }
            if let Some(last) = ks.last()
                && (c * 3 + e) % 11 == 0
            {
                steps.push((
                    consumer_at(c, *last) + after + 30 * minute,
                    Step::Undeploy { c, e },
                ));
                tally.deployed.remove(&(c, e));
            }
        }
        if c % RELEASING != 0 {
            continue;
        }
        for k in (k_from..to.versions).filter(|k| k % 100 == 0) {
            let at = consumer_at(c, k) + 120 * minute;
            steps.push((at, Step::Release { c, k }));
            tally.releases += 1;
            tally.supported += 1;
            if let Some(old) = k.checked_sub(100 * SUPPORTED_RELEASES) {
                steps.push((at, Step::EndSupport { c, k: old }));
                tally.supported -= 1;
            }
        }
    }
    steps.sort_by_key(|(at, _)| *at);
    steps
}

/// Each step after the ones it needs that are in `steps` (earlier ones are
/// written already): a consumer's previous version, so version ids follow
/// the version order; the version a deployment or release is of; the
/// previous deployment to the same environment, which it ends; the
/// publication of the content a result verifies and the provider version
/// that verified it, whose previous version comes first too.
fn plan(steps: &[(i64, Step)]) -> Plan<Step> {
    let mut plan = Plan::new();
    let mut published: HashMap<(usize, usize), usize> = HashMap::new();
    let mut last_publication: HashMap<usize, usize> = HashMap::new();
    let mut provider_versions: HashMap<usize, usize> = HashMap::new();
    let mut last_provider_version = None;
    let mut last_deployment: HashMap<(usize, usize), usize> = HashMap::new();
    let mut released: HashMap<(usize, usize), usize> = HashMap::new();
    for (_, step) in steps {
        match *step {
            Step::Publish { c, k } => {
                let id = plan.push(*step, last_publication.get(&c).copied());
                published.insert((c, k), id);
                last_publication.insert(c, id);
            }
            Step::ProviderVersion { p } => {
                let id = plan.push(*step, last_provider_version);
                provider_versions.insert(p, id);
                last_provider_version = Some(id);
            }
            Step::Verify { p, i } => {
                let (c, k) = verified_by(p, i);
                let content = published.get(&(c, content_index(k))).copied();
                let version = provider_versions.get(&p).copied();
                plan.push(*step, content.into_iter().chain(version));
            }
            Step::Deploy { c, k, e } => {
                let version = published.get(&(c, k)).copied();
                let previous = last_deployment.get(&(c, e)).copied();
                let id = plan.push(*step, version.into_iter().chain(previous));
                last_deployment.insert((c, e), id);
            }
            Step::Undeploy { c, e } => {
                plan.push(*step, last_deployment.get(&(c, e)).copied());
            }
            Step::Release { c, k } => {
                let id = plan.push(*step, published.get(&(c, k)).copied());
                released.insert((c, k), id);
            }
            Step::EndSupport { c, k } => {
                plan.push(*step, released.get(&(c, k)).copied());
            }
        }
    }
    plan
}

/// Makes one write-path call; `shas` holds the hash of each consumer's
/// revisions.
async fn write(
    broker: &pactwire::service::Broker,
    shas: &HashMap<(usize, usize), String>,
    step: Step,
) -> anyhow::Result<()> {
    let production = EnvironmentKey::Name(ENVIRONMENTS[0].0);
    match step {
        Step::Publish { c, k } => {
            let consumer = consumer_name(c);
            let input = PublishInput {
                pacticipant_name: consumer.clone(),
                pacticipant_version_number: consumer_version(k),
                branch: Some(consumer_branch(k)),
                tags: vec![consumer_branch(k)],
                build_url: None,
                contracts: vec![ContractInput {
                    consumer_name: consumer.clone(),
                    provider_name: PROVIDER.into(),
                    specification: "pact".into(),
                    content_type: "application/json".into(),
                    content: pact_document(&consumer, content_index(k)),
                    on_conflict: ConflictStrategy::Overwrite,
                }],
            };
            retried(|| broker.publish_contracts(input.clone()))
                .await
                .with_context(|| format!("publishing {consumer} version {k}"))?;
        }
        Step::ProviderVersion { p } => {
            let input = VersionInput {
                branch: Some(provider_branch(p)),
                ..VersionInput::default()
            };
            let number = provider_version(p);
            retried(|| broker.put_version(PROVIDER, &number, input.clone(), TagUpdate::Add))
                .await
                .with_context(|| format!("creating provider version {p}"))?;
        }
        Step::Verify { p, i } => {
            let (c, k) = verified_by(p, i);
            let (success, wip) = outcome(p, i);
            let consumer = consumer_name(c);
            let sha = &shas[&(c, content_index(k))];
            let input = VerificationInput {
                success: Some(success),
                provider_version: provider_version(p),
                build_url: Some(format!("https://ci.example.com/provider/builds/{p}")),
                test_results: Some(json!({"summary": {
                    "testCount": 10, "failureCount": usize::from(!success)}})),
                verified_by: Some(json!({"implementation": "Pact-Rust", "version": "1.2.5"})),
                metadata: Some(support::metadata(wip, wip)),
                ..VerificationInput::default()
            };
            retried(|| broker.publish_verification(&consumer, PROVIDER, sha, input.clone()))
                .await
                .with_context(|| format!("verifying {consumer} version {k} by build {p}"))?;
        }
        Step::Deploy { c, k, e } => {
            let (consumer, number) = (consumer_name(c), consumer_version(k));
            let environment = EnvironmentKey::Name(ENVIRONMENTS[e].0);
            retried(|| broker.record_deployment(&consumer, &number, environment, None))
                .await
                .with_context(|| format!("deploying {consumer} version {k}"))?;
        }
        Step::Undeploy { c, e } => {
            let consumer = consumer_name(c);
            let environment = EnvironmentKey::Name(ENVIRONMENTS[e].0);
            retried(|| broker.record_undeployment(&consumer, environment, None))
                .await
                .with_context(|| format!("undeploying {consumer}"))?;
        }
        Step::Release { c, k } => {
            let (consumer, number) = (consumer_name(c), consumer_version(k));
            retried(|| broker.record_release(&consumer, &number, production))
                .await
                .with_context(|| format!("releasing {consumer} version {k}"))?;
        }
        Step::EndSupport { c, k } => {
            let (consumer, number) = (consumer_name(c), consumer_version(k));
            retried(|| broker.record_support_ended(&consumer, &number, production))
                .await
                .with_context(|| format!("ending support of {consumer} version {k}"))?;
        }
    }
    Ok(())
}

/// The provider, the consumers (registered with their main branch, as
/// `pact-broker create-or-update-pacticipant --main-branch` does) and the
/// environments.
async fn create_pacticipants(broker: &pactwire::service::Broker) -> anyhow::Result<()> {
    broker
        .create_pacticipant(PROVIDER, PacticipantPatch::default())
        .await?;
    for c in 0..CONSUMERS {
        let main = PacticipantPatch {
            main_branch: Some(Some("main".into())),
            ..PacticipantPatch::default()
        };
        broker.create_pacticipant(&consumer_name(c), main).await?;
    }
    for (name, production, _, _) in ENVIRONMENTS {
        let input = EnvironmentInput {
            name: Some(name.into()),
            production: Some(production),
            ..EnvironmentInput::default()
        };
        broker.create_environment(None, input).await?;
    }
    Ok(())
}

/// Seeds the history between sizes `from` and `to`; returns the moment the
/// versions of the work in progress window started being published.
async fn seed(
    broker: &pactwire::service::Broker,
    from: Option<Size>,
    to: Size,
    tally: &mut Tally,
) -> anyhow::Result<DateTime<Utc>> {
    if from.is_none() {
        create_pacticipants(broker).await?;
    }
    let steps = history(from, to, tally);
    let window = (to.versions - to.recent) as i64 * MINUTES_PER_VERSION * 60;
    let split = steps.partition_point(|(at, _)| *at < window);
    let mut shas = HashMap::new();
    for c in 0..CONSUMERS {
        for k in (0..to.versions).filter(|k| content_index(*k) == *k) {
            shas.insert((c, k), content_sha(&consumer_name(c), k)?);
        }
    }
    let shas = Arc::new(shas);
    let call = |step| {
        let (broker, shas) = (broker.clone(), shas.clone());
        async move { write(&broker, &shas, step).await }
    };
    support::execute(plan(&steps[..split]), "history", &call).await?;
    // Everything before is committed, and what follows is stamped later:
    // the window's pacts are the ones published since.
    let since = Utc::now();
    support::execute(plan(&steps[split..]), "work in progress window", &call).await?;
    Ok(since)
}

/// Row counts of the seeded tables.
async fn counts(conn: &mut AsyncPgConnection) -> anyhow::Result<String> {
    let tables = [
        ("versions", "versions"),
        ("branches", "branches"),
        ("branch_versions", "branch_versions"),
        ("branch_heads", "branch_heads"),
        ("tags", "tags"),
        ("pact_versions", "pact_versions"),
        ("pact_publications", "pact_publications"),
        ("latest_pact_publications", "latest_pact_publications"),
        ("integrations", "integrations"),
        ("verifications", "verifications"),
        ("latest_verifications", "latest_verifications"),
        ("environments", "environments"),
        ("deployed_versions", "deployed_versions"),
        (
            "  currently deployed",
            "deployed_versions WHERE undeployed_at IS NULL",
        ),
        ("released_versions", "released_versions"),
        (
            "  still supported",
            "released_versions WHERE support_ended_at IS NULL",
        ),
    ];
    support::count_rows(conn, &tables).await
}

/// The database holds what the history written so far leaves: the row
/// count of every seeded table is the model's, and the tables the broker
/// derives on write agree with a recomputation from their rows.
async fn check_seed(conn: &mut AsyncPgConnection, tally: &Tally) -> anyhow::Result<()> {
    let versions = tally.consumer_versions + tally.provider_versions;
    support::check_counts(
        conn,
        &[
            ("pacticipants", "pacticipants", CONSUMERS + 1),
            ("environments", "environments", ENVIRONMENTS.len()),
            ("versions", "versions", versions),
            ("branches", "branches", tally.branches.len()),
            // Each version is on one branch.
            ("branch_versions", "branch_versions", versions),
            ("branch_heads", "branch_heads", tally.branches.len()),
            // Consumer versions are tagged with their branch.
            ("tags", "tags", tally.consumer_versions),
            ("pact_versions", "pact_versions", tally.contents),
            (
                "pact_publications",
                "pact_publications",
                tally.consumer_versions,
            ),
            (
                "latest_pact_publications",
                "latest_pact_publications",
                tally.consumer_versions,
            ),
            ("integrations", "integrations", CONSUMERS),
            ("verifications", "verifications", tally.verifications),
            (
                "latest_verifications",
                "latest_verifications",
                tally.verified.len(),
            ),
            ("deployed_versions", "deployed_versions", tally.deployments),
            (
                "currently deployed",
                "deployed_versions WHERE undeployed_at IS NULL",
                tally.deployed.len(),
            ),
            ("released_versions", "released_versions", tally.releases),
            (
                "still supported",
                "released_versions WHERE support_ended_at IS NULL",
                tally.supported,
            ),
        ],
    )
    .await?;
    support::check_derived(conn).await
}

// ---------------------------------------------------------------------------
// Measuring

fn rest_query(wip_since: DateTime<Utc>) -> Value {
    json!({
        "consumerVersionSelectors": [{"mainBranch": true}, {"deployedOrReleased": true}],
        "providerVersionBranch": "main",
        "includePendingStatus": true,
        "includeWipPactsSince": wip_since.to_rfc3339(),
    })
}

fn grpc_query(wip_since: DateTime<Utc>) -> pb::GetPactsForVerificationRequest {
    pb::GetPactsForVerificationRequest {
        provider: PROVIDER.into(),
        consumer_version_selectors: vec![
            pb::ConsumerVersionSelector {
                main_branch: true,
                ..Default::default()
            },
            pb::ConsumerVersionSelector {
                deployed_or_released: true,
                ..Default::default()
            },
        ],
        provider_version_branch: "main".into(),
        provider_version_tags: Vec::new(),
        include_pending_status: true,
        include_wip_pacts_since: Some(prost_types::Timestamp {
            seconds: wip_since.timestamp(),
            nanos: wip_since.timestamp_subsec_nanos() as i32,
        }),
    }
}

/// What a for-verification response held.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Summary {
    pacts: usize,
    consumers: usize,
    pending: usize,
    wip: usize,
}

fn summarise_rest(body: &Value) -> anyhow::Result<(Summary, Vec<String>)> {
    let pacts = body["_embedded"]["pacts"]
        .as_array()
        .context("no _embedded.pacts")?;
    let mut consumers = std::collections::HashSet::new();
    let mut hrefs = Vec::new();
    let (mut pending, mut wip) = (0, 0);
    for pact in pacts {
        let href = pact["_links"]["self"]["href"]
            .as_str()
            .context("a pact without a self link")?;
        let consumer = href
            .split("/consumer/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .context("a pact URL without a consumer")?;
        consumers.insert(consumer.to_owned());
        hrefs.push(href.to_owned());
        pending += usize::from(pact["verificationProperties"]["pending"] == true);
        wip += usize::from(pact["verificationProperties"]["wip"] == true);
    }
    Ok((
        Summary {
            pacts: pacts.len(),
            consumers: consumers.len(),
            pending,
            wip,
        },
        hrefs,
    ))
}

fn summarise_grpc(response: &pb::GetPactsForVerificationResponse) -> Summary {
    let consumers: std::collections::HashSet<&str> =
        response.pacts.iter().map(|p| p.consumer.as_str()).collect();
    Summary {
        pacts: response.pacts.len(),
        consumers: consumers.len(),
        pending: response.pacts.iter().filter(|p| p.pending).count(),
        wip: response.pacts.iter().filter(|p| p.wip).count(),
    }
}

/// A plausible answer: every consumer's main branch head, the deployed and
/// released versions (a few per consumer), some work in progress.
fn check_summary(summary: &Summary) -> anyhow::Result<()> {
    if summary.consumers != CONSUMERS
        || summary.pacts < CONSUMERS
        || summary.pacts > CONSUMERS * (1 + ENVIRONMENTS.len() + 3 + FEATURE_BRANCHES)
        || summary.wip == 0
        || summary.wip >= summary.pacts
    {
        bail!("implausible pacts for verification: {summary:?}");
    }
    Ok(())
}

async fn measure_for_verification(
    http: &reqwest::Client,
    base: &str,
    channel: &tonic::transport::Channel,
    size: Size,
    wip_since: DateTime<Utc>,
    report: &mut Vec<String>,
) -> anyhow::Result<Vec<String>> {
    let url = format!("{base}/pacts/provider/{PROVIDER}/for-verification");
    // One request to warm up and to know what the answer should be.
    let response = http.post(&url).json(&rest_query(wip_since)).send().await?;
    ensure!(
        response.status() == 200,
        "for-verification: {}",
        response.status()
    );
    let bytes = response.bytes().await?;
    let (summary, hrefs) = summarise_rest(&serde_json::from_slice(&bytes)?)?;
    check_summary(&summary)?;
    let grpc_summary = summarise_grpc(
        &VerificationServiceClient::new(channel.clone())
            .get_pacts_for_verification(grpc_query(wip_since))
            .await?
            .into_inner(),
    );
    ensure!(
        grpc_summary == summary,
        "gRPC answered {grpc_summary:?}, REST {summary:?}"
    );
    println!(
        "  answer: {} pacts of {} consumers ({} pending, {} work in progress), REST body {} KiB",
        summary.pacts,
        summary.consumers,
        summary.pending,
        summary.wip,
        bytes.len() / 1024
    );
    report.push(format!(
        "[{}] answer: {} pacts, {} pending, {} wip, REST body {} KiB",
        size.label,
        summary.pacts,
        summary.pending,
        summary.wip,
        bytes.len() / 1024
    ));

    for in_flight in [1, IN_FLIGHT] {
        let (http, url, expected) = (http.clone(), url.clone(), summary.clone());
        let mut stats = run(size.requests, in_flight, move |_| {
            let (http, url, expected) = (http.clone(), url.clone(), expected.clone());
            async move {
                let started = Instant::now();
                let response = http
                    .post(&url)
                    .json(&rest_query(wip_since))
                    .send()
                    .await
                    .expect("for-verification");
                assert_eq!(response.status(), 200);
                let body = response.bytes().await.expect("body");
                let latency = started.elapsed();
                let body: Value = serde_json::from_slice(&body).expect("JSON");
                let (summary, _) = summarise_rest(&body).expect("pacts");
                assert_eq!(summary, expected, "answers changed between requests");
                latency
            }
        })
        .await;
        let line = stats.line(&format!(
            "[{}] REST POST for-verification x{in_flight}",
            size.label
        ));
        println!("{line}");
        report.push(line);
    }
    for in_flight in [1, IN_FLIGHT] {
        let client = VerificationServiceClient::new(channel.clone());
        let expected = summary.clone();
        let mut stats = run(size.requests, in_flight, move |_| {
            let (mut client, expected) = (client.clone(), expected.clone());
            async move {
                let started = Instant::now();
                let response = client
                    .get_pacts_for_verification(grpc_query(wip_since))
                    .await
                    .expect("GetPactsForVerification")
                    .into_inner();
                let latency = started.elapsed();
                assert_eq!(summarise_grpc(&response), expected, "answers changed");
                latency
            }
        })
        .await;
        let line = stats.line(&format!(
            "[{}] gRPC GetPactsForVerification x{in_flight}",
            size.label
        ));
        println!("{line}");
        report.push(line);
    }
    Ok(hrefs)
}

/// Publishes verification results to the `pb:publish-verification-results`
/// links of the pacts a for-verification answer gave, as verifiers do.
async fn measure_results(
    http: &reqwest::Client,
    hrefs: &[String],
    size: Size,
    report: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut links = Vec::new();
    for href in hrefs {
        let response = http.get(href).send().await?;
        ensure!(
            response.status() == 200,
            "GET {href}: {}",
            response.status()
        );
        let pact: Value = response.json().await?;
        links.push(
            pact["_links"]["pb:publish-verification-results"]["href"]
                .as_str()
                .with_context(|| format!("{href} has no pb:publish-verification-results"))?
                .to_owned(),
        );
    }
    let links = Arc::new(links);
    for (build, in_flight) in [(9_000, 1), (9_100, IN_FLIGHT)] {
        let (http, links) = (http.clone(), links.clone());
        let mut stats = run(size.results, in_flight, move |n| {
            let (http, links) = (http.clone(), links.clone());
            async move {
                let link = &links[n % links.len()];
                // One provider build verifies every pact, then the next.
                let build = build + n / links.len();
                let body = json!({
                    "success": n % 10 != 0,
                    "providerApplicationVersion": provider_version(build),
                    "buildUrl": format!("https://ci.example.com/provider/builds/{build}"),
                    "verifiedBy": {"implementation": "Pact-Rust", "version": "1.2.5"},
                    "testResults": {"summary": {"testCount": 10, "failureCount": usize::from(n % 10 == 0)}},
                });
                let started = Instant::now();
                let response = http.post(link).json(&body).send().await.expect("publish result");
                let status = response.status();
                let text = response.text().await.expect("body");
                let latency = started.elapsed();
                assert_eq!(status, 201, "{link}: {text}");
                latency
            }
        })
        .await;
        let line = stats.line(&format!(
            "[{}] REST POST verification result x{in_flight}",
            size.label
        ));
        println!("{line}");
        report.push(line);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes = support::sizes(&SIZES, |s| s.label, "tenth,full")?;
    // The database grows from one size to the next; each size's work in
    // progress window must start after the sizes before it.
    for pair in sizes.windows(2) {
        ensure!(
            pair[1].versions - pair[1].recent >= pair[0].versions
                && pair[1].verifications >= pair[0].verifications,
            "PACTWIRE_BENCH_SIZE: {} cannot grow into {}",
            pair[0].label,
            pair[1].label
        );
    }
    let postgres = Postgres::start(&std::process::id().to_string()).await?;
    let database = format!("bench_{}", std::process::id());
    let url = postgres.database(&database).await?;
    println!(
        "pactwire verification benchmark: {CONSUMERS} consumers of one provider, {} branches each, \
         10 interactions per pact, durable PostgreSQL (database {database})",
        FEATURE_BRANCHES + 1
    );

    let seeder = support::seeding_broker(&url).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    let broker = Broker::start(&url).await?;
    let (http, base, channel) = (&broker.http, &broker.base, &broker.channel);
    let mut report = Vec::new();
    let mut tally = Tally::default();
    let mut previous: Option<Size> = None;
    for (n, size) in sizes.iter().copied().enumerate() {
        let started = Instant::now();
        println!(
            "seeding the {} size: {} versions per consumer, {} verifications",
            size.label, size.versions, size.verifications
        );
        let wip_since = seed(&seeder, previous, size, &mut tally).await?;
        // What autovacuum would have done by now.
        diesel_async::RunQueryDsl::execute(diesel::sql_query("VACUUM ANALYZE"), &mut conn).await?;
        let seeded = started.elapsed();
        check_seed(&mut conn, &tally).await?;
        let rows = counts(&mut conn).await?;
        println!("  seeded in {:.1} s: {rows}", seeded.as_secs_f64());
        report.push(format!(
            "[{}] seeded in {:.1} s: {rows}",
            size.label,
            seeded.as_secs_f64()
        ));
        previous = Some(size);

        let hrefs =
            measure_for_verification(http, base, channel, size, wip_since, &mut report).await?;
        // Publishing results adds history the next size would not expect.
        if n + 1 == sizes.len() {
            measure_results(http, &hrefs, size, &mut report).await?;
        }
    }

    println!("\nsummary");
    for line in &report {
        println!("{line}");
    }

    broker.stop().await?;
    drop(conn);
    postgres.stop(true).await
}
