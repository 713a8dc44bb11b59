//! Pacts-for-verification benchmark against a real, durable PostgreSQL.
//!
//! One provider with 50 consumers, each consumer version on one of 20
//! branches (the consumer's main branch every other version) with a pact
//! for the provider, 10 environments with deployment histories and some
//! releases, and verifications by provider versions on a few provider
//! branches. The history is seeded in bulk with SQL that writes exactly the
//! rows the write path maintains (versions, branches, branch versions and
//! heads, tags, pact contents and publications, the latest publications,
//! integrations, verifications and the latest verifications, environments,
//! deployed and released versions), first at a tenth of the size (200
//! versions per consumer, 20,000 verifications), then grown to the full
//! size (2,000 versions per consumer, 200,000 verifications).
//!
//! At each size it measures, through a real HTTP client and a real gRPC
//! client against the broker running in-process on a loopback port, the
//! for-verification query a provider's CI sends (main branch heads,
//! everything deployed or released, pending status for the provider's main
//! branch, work in progress pacts of the last ten days), one at a time and
//! eight at once; at the full size also publishing verification results to
//! the pacts' `pb:publish-verification-results` links.
//!
//! `cargo bench --bench verification` (set `BENCH_DATABASE_URL` to use an
//! existing server; otherwise a private PostgreSQL with default durability
//! is started under target/).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::domain::pact;
use pactwire::grpc::pb;
use pactwire::grpc::pb::verification_service_client::VerificationServiceClient;
use serde_json::{Value, json};

mod support;
use support::{Broker, CountRow, Postgres, run};

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
const REQUESTS: usize = 200;
const RESULTS: usize = 500;
const IN_FLIGHT: usize = 8;
const WIP_DAYS: i64 = 10;

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
const SUPPORTED_RELEASES: i64 = 3;

/// How much history exists.
#[derive(Clone, Copy)]
struct Size {
    label: &'static str,
    /// Versions per consumer.
    versions: usize,
    verifications: usize,
}

impl Size {
    fn provider_versions(self) -> usize {
        self.verifications / VERIFIED_PER_PROVIDER_VERSION
    }
}

const SMALL: Size = Size {
    label: "small",
    versions: 200,
    verifications: 20_000,
};
const FULL: Size = Size {
    label: "full",
    versions: 2_000,
    verifications: 200_000,
};

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

/// Stored content, hash and interaction count, as publishing computes them.
fn content(consumer: &str, revision: usize) -> (String, String, i32) {
    let document = pact::parse(&pact_document(consumer, revision)).expect("a valid pact");
    let sha = pact::content_sha(&document);
    let (interactions, _) = pact::counts(&document);
    let text = serde_json::to_string(&document).expect("JSON");
    (text, sha, interactions)
}

// ---------------------------------------------------------------------------
// Seeding

struct Ids {
    provider: i64,
    /// By consumer index.
    consumers: Vec<i64>,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

/// Times relative to `anchor`, the moment the newest history was written.
struct Timeline {
    anchor: DateTime<Utc>,
    size: Size,
}

impl Timeline {
    fn consumer_version(&self, c: usize, k: usize) -> DateTime<Utc> {
        self.anchor - minutes((self.size.versions - k) as i64 * MINUTES_PER_VERSION)
            + minutes(c as i64)
    }

    /// Provider builds come every 2.4 hours, an hour after the consumer
    /// version they mostly verify.
    fn provider_version(&self, p: usize) -> DateTime<Utc> {
        let per =
            MINUTES_PER_VERSION * self.size.versions as i64 / self.size.provider_versions() as i64;
        self.anchor - minutes((self.size.provider_versions() - p) as i64 * per) + minutes(60)
    }
}

async fn create_pacticipants(
    conn: &mut AsyncPgConnection,
    anchor: DateTime<Utc>,
) -> anyhow::Result<Ids> {
    let created = anchor - chrono::Duration::days(600);
    let provider: IdRow = sql_query(
        "INSERT INTO pacticipants (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
    )
    .bind::<Text, _>(PROVIDER)
    .bind::<Timestamptz, _>(created)
    .get_result(conn)
    .await?;
    let names: Vec<String> = (0..CONSUMERS).map(consumer_name).collect();
    let consumers: Vec<IdRow> = sql_query(
        "INSERT INTO pacticipants (name, main_branch, created_at, updated_at) \
         SELECT name, 'main', $2, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord) \
         ORDER BY ord RETURNING id",
    )
    .bind::<Array<Text>, _>(&names)
    .bind::<Timestamptz, _>(created)
    .load(conn)
    .await?;
    let mut consumers: Vec<i64> = consumers.into_iter().map(|r| r.id).collect();
    consumers.sort_unstable();
    let envs: Vec<&str> = ENVIRONMENTS.iter().map(|e| e.0).collect();
    let production: Vec<bool> = ENVIRONMENTS.iter().map(|e| e.1).collect();
    sql_query(
        "INSERT INTO environments (uuid, name, display_name, production, created_at, updated_at) \
         SELECT gen_random_uuid()::text, name, initcap(replace(name, '-', ' ')), production, $3, $3 \
         FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS u(name, production, ord) ORDER BY ord",
    )
    .bind::<Array<Text>, _>(&envs)
    .bind::<Array<Bool>, _>(&production)
    .bind::<Timestamptz, _>(created)
    .execute(conn)
    .await?;
    Ok(Ids {
        provider: provider.id,
        consumers,
    })
}

/// A version to create: its pacticipant, number, branch, time and, for a
/// consumer version, the hash of its pact.
struct VersionFact {
    pacticipant: i64,
    number: String,
    branch: String,
    at: DateTime<Utc>,
    sha: Option<String>,
}

struct ContentFact {
    consumer: usize,
    revision: usize,
    at: DateTime<Utc>,
}

struct VerificationFact {
    consumer: i64,
    sha: String,
    provider_version: String,
    success: bool,
    wip: bool,
    build: usize,
    at: DateTime<Utc>,
}

struct DeploymentFact {
    consumer: i64,
    number: String,
    environment: &'static str,
    at: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
}

/// Moves all history back by `by`: the state the broker was in before the
/// newer history was written. Every time column of every seeded table.
async fn shift_history(conn: &mut AsyncPgConnection, by: chrono::Duration) -> anyhow::Result<()> {
    let statements = [
        "UPDATE versions SET created_at = created_at - $1, updated_at = updated_at - $1",
        "UPDATE branches SET created_at = created_at - $1, updated_at = updated_at - $1",
        "UPDATE branch_versions SET created_at = created_at - $1",
        "UPDATE tags SET created_at = created_at - $1",
        "UPDATE pact_versions SET created_at = created_at - $1",
        "UPDATE pact_publications SET created_at = created_at - $1",
        "UPDATE latest_pact_publications SET created_at = created_at - $1",
        "UPDATE integrations SET created_at = created_at - $1",
        "UPDATE verifications SET created_at = created_at - $1, execution_date = execution_date - $1",
        "UPDATE deployed_versions SET created_at = created_at - $1, undeployed_at = undeployed_at - $1",
        "UPDATE released_versions SET created_at = created_at - $1, \
           support_ended_at = support_ended_at - $1",
    ];
    let seconds = by.num_seconds();
    for statement in statements {
        sql_query(statement.replace("$1", "($1 * interval '1 second')"))
            .bind::<BigInt, _>(seconds)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Seeds the history between sizes `from` (already seeded; `None`: empty)
/// and `to`, with `to`'s newest history written just now.
async fn seed(
    conn: &mut AsyncPgConnection,
    ids: &Ids,
    from: Option<Size>,
    to: Size,
    anchor: DateTime<Utc>,
    previous_anchor: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let (k_from, p_from) = from.map_or((0, 0), |s| (s.versions, s.provider_versions()));
    if let (Some(from), Some(previous)) = (from, previous_anchor) {
        let grown = (to.versions - from.versions) as i64 * MINUTES_PER_VERSION;
        shift_history(conn, (anchor - previous) + minutes(grown)).await?;
    }
    let time = Timeline { anchor, size: to };

    // Versions of the consumers and of the provider, in creation order.
    let mut versions: Vec<VersionFact> = Vec::new();
    let mut contents: Vec<ContentFact> = Vec::new();
    let mut shas: HashMap<(usize, usize), String> = HashMap::new();
    for k in k_from..to.versions {
        for c in 0..CONSUMERS {
            if content_index(k) == k {
                contents.push(ContentFact {
                    consumer: c,
                    revision: k,
                    at: time.consumer_version(c, k),
                });
            }
        }
    }
    // Contents first: the hashes are needed for the publications.
    let started = Instant::now();
    for batch in contents.chunks(2_500) {
        let mut consumer_ids = Vec::with_capacity(batch.len());
        let mut batch_shas = Vec::with_capacity(batch.len());
        let mut texts = Vec::with_capacity(batch.len());
        let mut counts = Vec::with_capacity(batch.len());
        let mut ats = Vec::with_capacity(batch.len());
        for fact in batch {
            let (text, sha, interactions) = content(&consumer_name(fact.consumer), fact.revision);
            shas.insert((fact.consumer, fact.revision), sha.clone());
            consumer_ids.push(ids.consumers[fact.consumer]);
            batch_shas.push(sha);
            texts.push(text);
            counts.push(interactions);
            ats.push(fact.at);
        }
        sql_query(
            "INSERT INTO pact_versions (consumer_id, provider_id, sha, content, interactions_count, \
               messages_count, created_at) \
             SELECT u.consumer_id, $1, u.sha, u.content, u.interactions, 0, u.at \
             FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[]) \
               WITH ORDINALITY AS u(consumer_id, sha, content, interactions, at, ord) \
             ORDER BY u.ord",
        )
        .bind::<BigInt, _>(ids.provider)
        .bind::<Array<BigInt>, _>(&consumer_ids)
        .bind::<Array<Text>, _>(&batch_shas)
        .bind::<Array<Text>, _>(&texts)
        .bind::<Array<Integer>, _>(&counts)
        .bind::<Array<Timestamptz>, _>(&ats)
        .execute(conn)
        .await?;
    }
    println!(
        "  {} pact contents in {:.1} s",
        contents.len(),
        started.elapsed().as_secs_f64()
    );
    for k in k_from..to.versions {
        for c in 0..CONSUMERS {
            let sha = shas
                .get(&(c, content_index(k)))
                .cloned()
                .with_context(|| format!("content {c}/{k}"))?;
            versions.push(VersionFact {
                pacticipant: ids.consumers[c],
                number: consumer_version(k),
                branch: consumer_branch(k),
                at: time.consumer_version(c, k),
                sha: Some(sha),
            });
        }
    }
    for p in p_from..to.provider_versions() {
        versions.push(VersionFact {
            pacticipant: ids.provider,
            number: provider_version(p),
            branch: provider_branch(p),
            at: time.provider_version(p),
            sha: None,
        });
    }
    versions.sort_by_key(|v| (v.at, v.pacticipant));
    let pacticipants: Vec<i64> = versions.iter().map(|v| v.pacticipant).collect();
    let numbers: Vec<&str> = versions.iter().map(|v| v.number.as_str()).collect();
    let branch_names: Vec<&str> = versions.iter().map(|v| v.branch.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = versions.iter().map(|v| v.at).collect();

    // versions: ids in creation order, as the write path assigns them.
    sql_query(
        "INSERT INTO versions (pacticipant_id, number, created_at, updated_at) \
         SELECT u.pid, u.number, u.at, u.at \
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS u(pid, number, at, ord) \
         ORDER BY u.ord",
    )
    .bind::<Array<BigInt>, _>(&pacticipants)
    .bind::<Array<Text>, _>(&numbers)
    .bind::<Array<Timestamptz>, _>(&ats)
    .execute(conn)
    .await?;
    // branches: created with their first version, updated with their last.
    sql_query(
        "INSERT INTO branches (pacticipant_id, name, created_at, updated_at) \
         SELECT u.pid, u.branch, min(u.at), max(u.at) \
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u(pid, branch, at) \
         GROUP BY u.pid, u.branch ORDER BY min(u.at) \
         ON CONFLICT (pacticipant_id, name) DO UPDATE SET updated_at = EXCLUDED.updated_at",
    )
    .bind::<Array<BigInt>, _>(&pacticipants)
    .bind::<Array<Text>, _>(&branch_names)
    .bind::<Array<Timestamptz>, _>(&ats)
    .execute(conn)
    .await?;
    // branch_versions, in the order the versions joined their branches.
    sql_query(
        "INSERT INTO branch_versions (branch_id, version_id, pacticipant_id, auto_created, created_at) \
         SELECT b.id, v.id, v.pacticipant_id, false, v.created_at \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(pid, number, branch) \
         JOIN versions v ON v.pacticipant_id = u.pid AND v.number = u.number \
         JOIN branches b ON b.pacticipant_id = u.pid AND b.name = u.branch \
         ORDER BY v.id",
    )
    .bind::<Array<BigInt>, _>(&pacticipants)
    .bind::<Array<Text>, _>(&numbers)
    .bind::<Array<Text>, _>(&branch_names)
    .execute(conn)
    .await?;
    // branch_heads: the newest version of each branch, moved only forwards.
    sql_query(
        "INSERT INTO branch_heads (branch_id, branch_version_id, version_id, pacticipant_id, branch_name) \
         SELECT DISTINCT ON (bv.branch_id) bv.branch_id, bv.id, bv.version_id, bv.pacticipant_id, b.name \
         FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id \
         ORDER BY bv.branch_id, bv.version_id DESC \
         ON CONFLICT (branch_id) DO UPDATE \
         SET branch_version_id = EXCLUDED.branch_version_id, version_id = EXCLUDED.version_id \
         WHERE branch_heads.version_id < EXCLUDED.version_id",
    )
    .execute(conn)
    .await?;

    // Consumer versions: tagged with their branch (`--tag-with-git-branch`)
    // and published with their pact.
    let consumer_facts: Vec<&VersionFact> = versions.iter().filter(|v| v.sha.is_some()).collect();
    let c_pids: Vec<i64> = consumer_facts.iter().map(|v| v.pacticipant).collect();
    let c_numbers: Vec<&str> = consumer_facts.iter().map(|v| v.number.as_str()).collect();
    let c_tags: Vec<&str> = consumer_facts.iter().map(|v| v.branch.as_str()).collect();
    let c_shas: Vec<&str> = consumer_facts
        .iter()
        .map(|v| v.sha.as_deref().unwrap_or_default())
        .collect();
    sql_query(
        "INSERT INTO tags (version_id, pacticipant_id, name, created_at) \
         SELECT v.id, v.pacticipant_id, u.tag, v.created_at \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(pid, number, tag) \
         JOIN versions v ON v.pacticipant_id = u.pid AND v.number = u.number \
         ORDER BY v.id",
    )
    .bind::<Array<BigInt>, _>(&c_pids)
    .bind::<Array<Text>, _>(&c_numbers)
    .bind::<Array<Text>, _>(&c_tags)
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO pact_publications (consumer_version_id, consumer_id, provider_id, pact_version_id, \
           revision_number, created_at) \
         SELECT v.id, v.pacticipant_id, $1, pv.id, 1, v.created_at \
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(pid, number, sha) \
         JOIN versions v ON v.pacticipant_id = u.pid AND v.number = u.number \
         JOIN pact_versions pv ON pv.consumer_id = u.pid AND pv.provider_id = $1 AND pv.sha = u.sha \
         ORDER BY v.id",
    )
    .bind::<BigInt, _>(ids.provider)
    .bind::<Array<BigInt>, _>(&c_pids)
    .bind::<Array<Text>, _>(&c_numbers)
    .bind::<Array<Text>, _>(&c_shas)
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO latest_pact_publications (consumer_version_id, provider_id, consumer_id, \
           pact_publication_id, pact_version_id, created_at) \
         SELECT DISTINCT ON (pp.consumer_version_id, pp.provider_id) \
           pp.consumer_version_id, pp.provider_id, pp.consumer_id, pp.id, pp.pact_version_id, pp.created_at \
         FROM pact_publications pp \
         ORDER BY pp.consumer_version_id, pp.provider_id, pp.revision_number DESC \
         ON CONFLICT (consumer_version_id, provider_id) DO UPDATE \
         SET pact_publication_id = EXCLUDED.pact_publication_id, \
             pact_version_id = EXCLUDED.pact_version_id, created_at = EXCLUDED.created_at \
         WHERE latest_pact_publications.pact_publication_id < EXCLUDED.pact_publication_id",
    )
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO integrations (consumer_id, provider_id, created_at) \
         SELECT consumer_id, provider_id, min(created_at) FROM pact_publications \
         GROUP BY consumer_id, provider_id ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await?;

    // Verifications: each provider build verifies the newest pacts of 40
    // consumers at its time; a few fail, some verify work in progress.
    // (provider build, index in the build, consumer, consumer version, time)
    let mut chosen = Vec::new();
    for p in p_from..to.provider_versions() {
        let at = time.provider_version(p);
        for i in 0..VERIFIED_PER_PROVIDER_VERSION {
            let c = (p * 13 + i) % CONSUMERS;
            let k = consumer_version_at(p).saturating_sub((p + i) % 4);
            chosen.push((p, i, c, k, at + chrono::Duration::seconds(20 * i as i64)));
        }
    }
    // The newest builds may verify contents of the previous size.
    #[derive(QueryableByName)]
    struct Sha {
        #[diesel(sql_type = Text)]
        sha: String,
    }
    for &(_, _, c, k, _) in &chosen {
        let j = content_index(k);
        if shas.contains_key(&(c, j)) {
            continue;
        }
        let row: Sha = sql_query(
            "SELECT pv.sha FROM versions v \
             JOIN latest_pact_publications lpp ON lpp.consumer_version_id = v.id \
             JOIN pact_versions pv ON pv.id = lpp.pact_version_id \
             WHERE v.pacticipant_id = $1 AND v.number = $2",
        )
        .bind::<BigInt, _>(ids.consumers[c])
        .bind::<Text, _>(consumer_version(j))
        .get_result(conn)
        .await?;
        shas.insert((c, j), row.sha);
    }
    let verifications: Vec<VerificationFact> = chosen
        .into_iter()
        .map(|(p, i, c, k, at)| VerificationFact {
            consumer: ids.consumers[c],
            sha: shas[&(c, content_index(k))].clone(),
            provider_version: provider_version(p),
            success: (p * 31 + i * 17 + c * 7) % 100 >= 6,
            wip: k % 2 == 1 && (p + i) % 3 == 0,
            build: p,
            at,
        })
        .collect();
    let v_consumers: Vec<i64> = verifications.iter().map(|v| v.consumer).collect();
    let v_shas: Vec<&str> = verifications.iter().map(|v| v.sha.as_str()).collect();
    let v_numbers: Vec<&str> = verifications
        .iter()
        .map(|v| v.provider_version.as_str())
        .collect();
    let v_success: Vec<bool> = verifications.iter().map(|v| v.success).collect();
    let v_wip: Vec<bool> = verifications.iter().map(|v| v.wip).collect();
    let v_builds: Vec<String> = verifications
        .iter()
        .map(|v| format!("https://ci.example.com/provider/builds/{}", v.build))
        .collect();
    let v_ats: Vec<DateTime<Utc>> = verifications.iter().map(|v| v.at).collect();
    let before: IdRow = sql_query("SELECT coalesce(max(id), 0) AS id FROM verifications")
        .get_result(conn)
        .await?;
    // The provider versions have no tags: the snapshot is empty.
    sql_query(
        "INSERT INTO verifications (pact_version_id, consumer_id, provider_id, provider_version_id, \
           success, build_url, test_results, verified_by, provider_version_tags, wip, pact_pending, \
           execution_date, created_at) \
         SELECT pv.id, u.consumer_id, $1, v.id, u.success, u.build_url, \
           jsonb_build_object('summary', jsonb_build_object('testCount', 10, \
             'failureCount', CASE WHEN u.success THEN 0 ELSE 1 END)), \
           '{\"implementation\": \"Pact-Rust\", \"version\": \"1.2.5\"}'::jsonb, '{}', \
           u.wip, u.wip, u.at, u.at \
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bool[], $6::bool[], $7::text[], \
                     $8::timestamptz[]) \
           WITH ORDINALITY AS u(consumer_id, sha, number, success, wip, build_url, at, ord) \
         JOIN pact_versions pv ON pv.consumer_id = u.consumer_id AND pv.provider_id = $1 AND pv.sha = u.sha \
         JOIN versions v ON v.pacticipant_id = $1 AND v.number = u.number \
         ORDER BY u.ord",
    )
    .bind::<BigInt, _>(ids.provider)
    .bind::<Array<BigInt>, _>(&v_consumers)
    .bind::<Array<Text>, _>(&v_shas)
    .bind::<Array<Text>, _>(&v_numbers)
    .bind::<Array<Bool>, _>(&v_success)
    .bind::<Array<Bool>, _>(&v_wip)
    .bind::<Array<Text>, _>(&v_builds)
    .bind::<Array<Timestamptz>, _>(&v_ats)
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO latest_verifications (pact_version_id, provider_version_id, verification_id, \
           consumer_id, provider_id) \
         SELECT DISTINCT ON (pact_version_id, provider_version_id) \
           pact_version_id, provider_version_id, id, consumer_id, provider_id \
         FROM verifications WHERE id > $1 \
         ORDER BY pact_version_id, provider_version_id, id DESC \
         ON CONFLICT (pact_version_id, provider_version_id) DO UPDATE \
         SET verification_id = EXCLUDED.verification_id \
         WHERE latest_verifications.verification_id < EXCLUDED.verification_id",
    )
    .bind::<BigInt, _>(before.id)
    .execute(conn)
    .await?;

    // Deployments: each environment deploys main-branch versions at its own
    // cadence; each deployment ends the previous one. Some consumers never
    // run in some environments, some were taken out of one.
    let mut deployments: Vec<DeploymentFact> = Vec::new();
    for (c, consumer) in ids.consumers.iter().enumerate() {
        for (e, (environment, _, step, offset)) in ENVIRONMENTS.iter().enumerate() {
            if (c + e) % 7 == 0 {
                continue;
            }
            let ks: Vec<usize> = (k_from..to.versions)
                .filter(|k| k % step == *offset)
                .collect();
            for (n, k) in ks.iter().enumerate() {
                let at = time.consumer_version(c, *k) + minutes(7 * (e as i64 + 1));
                let until = match ks.get(n + 1) {
                    Some(next) => {
                        Some(time.consumer_version(c, *next) + minutes(7 * (e as i64 + 1)))
                    }
                    None if (c * 3 + e) % 11 == 0 => Some(at + minutes(30)),
                    None => None,
                };
                deployments.push(DeploymentFact {
                    consumer: *consumer,
                    number: consumer_version(*k),
                    environment,
                    at,
                    until,
                });
            }
        }
    }
    deployments.sort_by_key(|d| d.at);
    let d_consumers: Vec<i64> = deployments.iter().map(|d| d.consumer).collect();
    let d_numbers: Vec<&str> = deployments.iter().map(|d| d.number.as_str()).collect();
    let d_envs: Vec<&str> = deployments.iter().map(|d| d.environment).collect();
    let d_ats: Vec<DateTime<Utc>> = deployments.iter().map(|d| d.at).collect();
    let d_untils: Vec<Option<DateTime<Utc>>> = deployments.iter().map(|d| d.until).collect();
    // The first new deployment ends the one current until then.
    sql_query(
        "UPDATE deployed_versions d SET undeployed_at = f.first_at \
         FROM (SELECT u.pid, e.id AS environment_id, min(u.at) AS first_at \
               FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u(pid, env, at) \
               JOIN environments e ON e.name = u.env GROUP BY u.pid, e.id) f \
         WHERE d.pacticipant_id = f.pid AND d.environment_id = f.environment_id \
           AND d.undeployed_at IS NULL",
    )
    .bind::<Array<BigInt>, _>(&d_consumers)
    .bind::<Array<Text>, _>(&d_envs)
    .bind::<Array<Timestamptz>, _>(&d_ats)
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO deployed_versions (uuid, version_id, pacticipant_id, environment_id, \
           application_instance, auto_created, created_at, undeployed_at) \
         SELECT gen_random_uuid()::text, v.id, v.pacticipant_id, e.id, NULL, false, u.at, u.until \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) \
           WITH ORDINALITY AS u(pid, number, env, at, until, ord) \
         JOIN versions v ON v.pacticipant_id = u.pid AND v.number = u.number \
         JOIN environments e ON e.name = u.env \
         ORDER BY u.ord",
    )
    .bind::<Array<BigInt>, _>(&d_consumers)
    .bind::<Array<Text>, _>(&d_numbers)
    .bind::<Array<Text>, _>(&d_envs)
    .bind::<Array<Timestamptz>, _>(&d_ats)
    .bind::<Array<Nullable<Timestamptz>>, _>(&d_untils)
    .execute(conn)
    .await?;

    // Releases: some consumers release to production every 100 versions;
    // support of a release ends when the third after it is released.
    let mut releases: Vec<(i64, String, DateTime<Utc>)> = Vec::new();
    for (c, consumer) in ids.consumers.iter().enumerate() {
        if c % RELEASING != 0 {
            continue;
        }
        for k in (k_from..to.versions).filter(|k| k % 100 == 0) {
            releases.push((
                *consumer,
                consumer_version(k),
                time.consumer_version(c, k) + minutes(120),
            ));
        }
    }
    releases.sort_by_key(|r| r.2);
    let r_consumers: Vec<i64> = releases.iter().map(|r| r.0).collect();
    let r_numbers: Vec<&str> = releases.iter().map(|r| r.1.as_str()).collect();
    let r_ats: Vec<DateTime<Utc>> = releases.iter().map(|r| r.2).collect();
    sql_query(
        "INSERT INTO released_versions (uuid, version_id, pacticipant_id, environment_id, created_at) \
         SELECT gen_random_uuid()::text, v.id, v.pacticipant_id, e.id, u.at \
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS u(pid, number, at, ord) \
         JOIN versions v ON v.pacticipant_id = u.pid AND v.number = u.number \
         JOIN environments e ON e.name = 'production' \
         ORDER BY u.ord",
    )
    .bind::<Array<BigInt>, _>(&r_consumers)
    .bind::<Array<Text>, _>(&r_numbers)
    .bind::<Array<Timestamptz>, _>(&r_ats)
    .execute(conn)
    .await?;
    sql_query(
        "UPDATE released_versions r SET support_ended_at = x.ended \
         FROM (SELECT id, lead(created_at, $1::int) OVER ( \
                 PARTITION BY pacticipant_id, environment_id ORDER BY version_id) AS ended \
               FROM released_versions) x \
         WHERE r.id = x.id AND x.ended IS NOT NULL AND r.support_ended_at IS NULL",
    )
    .bind::<Integer, _>(SUPPORTED_RELEASES as i32)
    .execute(conn)
    .await?;

    // What autovacuum would have done by now.
    sql_query("VACUUM ANALYZE").execute(conn).await?;
    Ok(())
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

/// The seeded data is what the write path would have left: checks a few
/// invariants that the queries rely on.
async fn check_seed(conn: &mut AsyncPgConnection, ids: &Ids, size: Size) -> anyhow::Result<()> {
    let checks = [
        // Version ids follow each pacticipant's creation order.
        (
            "versions out of order",
            "SELECT count(*) AS n FROM (SELECT created_at < lag(created_at) OVER \
               (PARTITION BY pacticipant_id ORDER BY id) AS bad FROM versions) x WHERE bad",
        ),
        (
            "branch heads not at the newest version",
            "SELECT count(*) AS n FROM branch_heads bh WHERE bh.version_id <> \
               (SELECT max(version_id) FROM branch_versions bv WHERE bv.branch_id = bh.branch_id)",
        ),
        (
            "branches without a head",
            "SELECT count(*) AS n FROM branches b \
             WHERE NOT EXISTS (SELECT 1 FROM branch_heads bh WHERE bh.branch_id = b.id)",
        ),
        (
            "publications without a latest row",
            "SELECT count(*) AS n FROM pact_publications pp WHERE NOT EXISTS \
               (SELECT 1 FROM latest_pact_publications l WHERE l.pact_publication_id = pp.id)",
        ),
        (
            "verifications not latest",
            "SELECT count(*) AS n FROM verifications v WHERE NOT EXISTS \
               (SELECT 1 FROM latest_verifications l WHERE l.verification_id = v.id)",
        ),
        (
            "verifications before their pact",
            "SELECT count(*) AS n FROM verifications v JOIN pact_versions pv ON pv.id = v.pact_version_id \
             WHERE v.created_at < pv.created_at",
        ),
    ];
    for (what, query) in checks {
        let row: CountRow = sql_query(query).get_result(conn).await?;
        ensure!(row.n == 0, "seeded data: {} {what}", row.n);
    }
    let expected = [
        (
            "consumer versions",
            "SELECT count(*) AS n FROM versions WHERE pacticipant_id <> $1",
            (CONSUMERS * size.versions) as i64,
        ),
        (
            "verifications",
            "SELECT count(*) AS n FROM verifications WHERE provider_id = $1",
            size.verifications as i64,
        ),
        (
            "consumer branches",
            "SELECT count(*) AS n FROM branches WHERE pacticipant_id <> $1",
            (CONSUMERS * (FEATURE_BRANCHES + 1)) as i64,
        ),
    ];
    for (what, query, want) in expected {
        let row: CountRow = sql_query(query)
            .bind::<BigInt, _>(ids.provider)
            .get_result(conn)
            .await?;
        ensure!(row.n == want, "seeded {} {what}, expected {want}", row.n);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Measuring

fn wip_since() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(WIP_DAYS)
}

fn rest_query() -> Value {
    json!({
        "consumerVersionSelectors": [{"mainBranch": true}, {"deployedOrReleased": true}],
        "providerVersionBranch": "main",
        "includePendingStatus": true,
        "includeWipPactsSince": wip_since().format("%Y-%m-%d").to_string(),
    })
}

fn grpc_query() -> pb::GetPactsForVerificationRequest {
    let since = wip_since()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
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
            seconds: since.timestamp(),
            nanos: 0,
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
    report: &mut Vec<String>,
) -> anyhow::Result<Vec<String>> {
    let url = format!("{base}/pacts/provider/{PROVIDER}/for-verification");
    // One request to warm up and to know what the answer should be.
    let response = http.post(&url).json(&rest_query()).send().await?;
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
            .get_pacts_for_verification(grpc_query())
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
        let mut stats = run(REQUESTS, in_flight, move |_| {
            let (http, url, expected) = (http.clone(), url.clone(), expected.clone());
            async move {
                let started = Instant::now();
                let response = http
                    .post(&url)
                    .json(&rest_query())
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
        let mut stats = run(REQUESTS, in_flight, move |_| {
            let (mut client, expected) = (client.clone(), expected.clone());
            async move {
                let started = Instant::now();
                let response = client
                    .get_pacts_for_verification(grpc_query())
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
        let mut stats = run(RESULTS, in_flight, move |n| {
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
    let postgres = Postgres::start(&std::process::id().to_string()).await?;
    let database = format!("bench_{}", std::process::id());
    let url = postgres.database(&database).await?;
    println!(
        "pactwire verification benchmark: {CONSUMERS} consumers of one provider, {} branches each, \
         10 interactions per pact, durable PostgreSQL (database {database})",
        FEATURE_BRANCHES + 1
    );

    let mut seeder = AsyncPgConnection::establish(&url).await?;
    let broker = Broker::start(&url).await?;
    let (http, base, channel) = (&broker.http, &broker.base, &broker.channel);
    let mut report = Vec::new();
    let mut ids = None;
    let mut previous: Option<(Size, DateTime<Utc>)> = None;
    for size in [SMALL, FULL] {
        let anchor = Utc::now();
        let started = Instant::now();
        println!(
            "seeding the {} size: {} versions per consumer, {} verifications",
            size.label, size.versions, size.verifications
        );
        if ids.is_none() {
            ids = Some(create_pacticipants(&mut seeder, anchor).await?);
        }
        let ids = ids.as_ref().expect("pacticipants");
        seed(
            &mut seeder,
            ids,
            previous.map(|p| p.0),
            size,
            anchor,
            previous.map(|p| p.1),
        )
        .await?;
        let seeded = started.elapsed();
        check_seed(&mut seeder, ids, size).await?;
        let rows = counts(&mut seeder).await?;
        println!("  seeded in {:.1} s: {rows}", seeded.as_secs_f64());
        report.push(format!(
            "[{}] seeded in {:.1} s: {rows}",
            size.label,
            seeded.as_secs_f64()
        ));
        previous = Some((size, anchor));

        let hrefs = measure_for_verification(http, base, channel, size, &mut report).await?;
        if size.label == FULL.label {
            measure_results(http, &hrefs, size, &mut report).await?;
        }
    }

    println!("\nsummary");
    for line in &report {
        println!("{line}");
    }

    broker.stop().await?;
    drop(seeder);
    postgres.stop(true).await
}
