//! Matrix and can-i-deploy benchmark against a real, durable PostgreSQL.
//!
//! 200 pacticipants in a web of 600 integrations: a web front end consuming
//! 30 providers, 114 services consuming 5 others each, the rest providers
//! only. Every pacticipant builds a version every 12 hours, two in three on
//! main and the others on short-lived feature branches, tagged with their
//! branch. Consumers publish a pact for each provider with every version;
//! the content changes every third version, so most publications share
//! their pact version with the previous one. Five environments: main
//! versions go to dev, every third to test, every sixth to staging, every
//! twelfth to prod (some services run two instances there, blue and
//! green, deployed alternately) and, for a third of the services, to
//! prod-eu; a few services release to prod instead and support their last
//! three releases; some left staging. Provider builds verify the pacts of
//! their consumers' main heads and of the versions deployed or released
//! (and work in progress pacts from feature branches); a new pact content
//! is verified at once by the provider's main head and deployed versions,
//! as the contract_requiring_verification_published webhook asks. Feature
//! branch pacts fail one time in five, others one time in fifty; half the
//! failures are run again.
//!
//! The history is simulated in time order and written in bulk with SQL
//! that stores exactly the rows the write path stores (ids in creation
//! order, head tables as the write path leaves them), at a tenth of the
//! size (50 versions per pacticipant: 10,000 versions, about 100,000
//! verifications) and at the full size (500 versions per pacticipant:
//! 100,000 versions, about 1,000,000 verifications), into one database
//! each. The databases are kept, keyed by size and seed version, so a rerun
//! only measures (`BENCH_RESEED=1` seeds again).
//!
//! At each size it measures, through a real HTTP client and a real gRPC
//! client against the broker running in-process on a loopback port, one
//! at a time and eight at once:
//! - can-i-deploy of the front end's newest main version to prod, as the
//!   Rust CLI asks it (`/matrix?q[][pacticipant]=..&q[][version]=..&
//!   latestby=cvpv&environment=prod`), through `/can-i-deploy`, and over
//!   gRPC `CanIDeploy`;
//! - the matrix of that version and one version of a provider
//!   (`/matrix?q[][pacticipant]=A&q[][version]=..&q[][pacticipant]=B&
//!   q[][version]=..&latestby=cvpv`, and gRPC `QueryMatrix`), and the pair
//!   resource `/matrix/provider/B/consumer/A?latestby=cvpv&limit=100`,
//!   whose verdict covers the whole history of the pair.
//!
//! `cargo bench --bench matrix` (set `BENCH_DATABASE_URL` to use an
//! existing server; otherwise a private PostgreSQL with default durability
//! is kept under target/bench-pg/matrix).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::domain::pact;
use pactwire::grpc::pb;
use pactwire::grpc::pb::matrix_service_client::MatrixServiceClient;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

mod support;
use support::{Broker, CountRow, Postgres, run};

const PACTICIPANTS: usize = 200;
/// The web front end whose deployment is checked.
const FRONT_END: usize = 0;
const FRONT_END_PROVIDERS: usize = 30;
/// Pacticipants 1..=114 consume five others each: 570 more integrations.
const SERVICES_CONSUMING: usize = 114;
const PROVIDERS_EACH: usize = 5;
/// The provider of the pair queries: it runs two instances in prod.
const PAIR_PROVIDER: usize = 51;
const MINUTES_PER_VERSION: i64 = 720;
/// A pair's pact content changes every this many consumer versions.
const CONTENT_PERIOD: usize = 3;
const ENVIRONMENTS: [(&str, bool); 5] = [
    ("dev", false),
    ("test", false),
    ("staging", false),
    ("prod", true),
    ("prod-eu", true),
];
const PROD: usize = 3;
const SUPPORTED_RELEASES: usize = 3;
/// Bump when the seeded history changes: cached databases of another seed
/// version are not used.
const SEED_VERSION: u32 = 2;
/// Marks a database whose seeding finished.
const SEEDED: &str = "pactwire matrix benchmark, seeded";
const REQUESTS: usize = 200;
const IN_FLIGHT: usize = 8;

#[derive(Clone, Copy)]
struct Size {
    label: &'static str,
    /// Versions per pacticipant.
    versions: usize,
}

const TENTH: Size = Size {
    label: "tenth",
    versions: 50,
};
const FULL: Size = Size {
    label: "full",
    versions: 500,
};

// ---------------------------------------------------------------------------
// The model: who consumes whom, and what each version is.

fn name(i: usize) -> String {
    format!("svc-{i:03}")
}

/// The providers of `c`, ascending. Pacticipants consume only ones with a
/// higher index, so a consumer's version is always built before its
/// providers' version of the same round.
fn providers_of(c: usize) -> Vec<usize> {
    if c == FRONT_END {
        (0..FRONT_END_PROVIDERS)
            .map(|j| 1 + 6 * j + j % 3)
            .collect()
    } else if c <= SERVICES_CONSUMING {
        let step = (PACTICIPANTS - 1 - c) / PROVIDERS_EACH;
        let offset = c * 7 % step;
        (0..PROVIDERS_EACH)
            .map(|m| c + 1 + offset + m * step)
            .collect()
    } else {
        Vec::new()
    }
}

/// A git commit sha, as CIs use for version numbers.
fn version_number(i: usize, k: usize) -> String {
    hex::encode(Sha1::digest(format!("{i}/{k}")))[..12].to_owned()
}

fn on_main(k: usize) -> bool {
    k % 3 != 1
}

/// Feature branches get three versions each.
fn branch(k: usize) -> String {
    if on_main(k) {
        "main".into()
    } else {
        format!("feat-{}", k / 9)
    }
}

fn revision(c: usize, p: usize, k: usize) -> usize {
    (k + (c * 7 + p * 3) % CONTENT_PERIOD) / CONTENT_PERIOD
}

/// Services that release to prod (installed software) instead of
/// deploying there; three of them are front-end providers.
fn releases(i: usize) -> bool {
    i % 25 == 19
}

fn blue_green(i: usize) -> bool {
    i % 8 == 3 && !releases(i)
}

fn in_prod_eu(i: usize) -> bool {
    i.is_multiple_of(3) && !releases(i)
}

/// Services whose last staging deployment was ended.
fn left_staging(i: usize) -> bool {
    i % 11 == 7
}

/// Where version `k` of `i` is deployed: environment, application
/// instance and minutes after the build.
fn deployments(i: usize, k: usize) -> Vec<(usize, Option<&'static str>, i64)> {
    let mut out = Vec::new();
    if !on_main(k) {
        return out;
    }
    out.push((0, None, 10));
    if k.is_multiple_of(3) {
        out.push((1, None, 40));
    }
    if k.is_multiple_of(6) {
        out.push((2, None, 120));
    }
    if !releases(i) {
        if blue_green(i) {
            match k % 24 {
                0 => out.push((PROD, Some("blue"), 240)),
                12 => out.push((PROD, Some("green"), 240)),
                _ => {}
            }
        } else if k.is_multiple_of(12) {
            out.push((PROD, None, 240));
        }
    }
    if in_prod_eu(i) && k.is_multiple_of(12) {
        out.push((4, None, 360));
    }
    out
}

/// Deterministic noise in [0, 100).
fn percent(a: usize, b: usize, c: usize) -> u64 {
    let mut x = (a as u64) << 40 ^ (b as u64) << 8 ^ c as u64;
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) % 100
}

fn pact_document(consumer: usize, provider: usize, revision: usize) -> Vec<u8> {
    let interactions: Vec<_> = (0..3)
        .map(|n| {
            json!({
                "description": format!("a request from {} for resource {n}", name(consumer)),
                "providerState": format!("resource {n} exists"),
                "request": {"method": "GET", "path": format!("/resources/{n}"),
                            "headers": {"Accept": "application/json"}},
                "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                             "body": {"id": n, "schemaRevision": revision, "state": "ACTIVE",
                                      "owner": {"team": "payments", "contact": "x@example.com"}}},
            })
        })
        .collect();
    json!({
        "consumer": {"name": name(consumer)},
        "provider": {"name": name(provider)},
        "interactions": interactions,
        "metadata": {"pactSpecification": {"version": "2.0.0"},
                     "pactRust": {"models": "1.2.5"}},
    })
    .to_string()
    .into_bytes()
}

// ---------------------------------------------------------------------------
// The simulation: every request CI systems make, in time order, and the
// rows the write path stores for each.

#[derive(Clone, Copy)]
enum Event {
    /// A build creates its version on its branch, tagged with the branch.
    Version {
        i: usize,
        k: usize,
    },
    /// The consumer publishes its pacts for the version.
    Publish {
        c: usize,
        k: usize,
    },
    Deploy {
        i: usize,
        k: usize,
        env: usize,
        instance: Option<&'static str>,
    },
    Undeploy {
        i: usize,
        env: usize,
    },
    /// A release, ending the support of the release three before.
    Release {
        i: usize,
        k: usize,
        env: usize,
    },
    /// The provider's build verifies the pacts for verification.
    Build {
        p: usize,
        k: usize,
    },
    /// One verification of a pact content by a provider version (webhook
    /// triggered, or a rerun).
    Verify {
        content: usize,
        k: usize,
        attempt: usize,
    },
}

struct Content {
    c: usize,
    p: usize,
    revision: usize,
    from_feature: bool,
    at: DateTime<Utc>,
}

struct Deployment {
    i: usize,
    k: usize,
    env: usize,
    instance: Option<&'static str>,
    at: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
}

struct Release {
    i: usize,
    k: usize,
    env: usize,
    at: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
}

struct Verification {
    content: usize,
    /// The provider version.
    k: usize,
    success: bool,
    wip: bool,
    pending: bool,
    build_url: String,
    at: DateTime<Utc>,
}

struct Branch {
    i: usize,
    name: String,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
}

#[derive(Default)]
struct History {
    /// (pacticipant, index), creation time.
    versions: Vec<(usize, usize, DateTime<Utc>)>,
    branches: Vec<Branch>,
    /// Branch, (pacticipant, index), time; also the version's tag.
    branch_versions: Vec<(usize, usize, usize, DateTime<Utc>)>,
    contents: Vec<Content>,
    /// Consumer version (c, k), provider, content, time.
    publications: Vec<(usize, usize, usize, usize, DateTime<Utc>)>,
    deployments: Vec<Deployment>,
    releases: Vec<Release>,
    verifications: Vec<Verification>,
}

struct Simulation {
    start: DateTime<Utc>,
    consumers: Vec<Vec<usize>>,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, usize)>>,
    events: Vec<Event>,
    history: History,
    branch_ids: HashMap<(usize, String), usize>,
    main_head: Vec<Option<usize>>,
    latest: Vec<Option<usize>>,
    published: Vec<Option<usize>>,
    content_ids: HashMap<(usize, usize, usize), usize>,
    current: HashMap<(usize, usize, Option<&'static str>), usize>,
    supported: HashMap<(usize, usize), Vec<usize>>,
    /// (content, provider version index) with any verification.
    verified: HashSet<(usize, usize)>,
    /// Contents successfully verified.
    passed: HashSet<usize>,
}

impl Simulation {
    fn at(&self, i: usize, k: usize) -> DateTime<Utc> {
        self.start
            + chrono::Duration::minutes(k as i64 * MINUTES_PER_VERSION)
            + chrono::Duration::seconds(i as i64 * MINUTES_PER_VERSION * 60 / PACTICIPANTS as i64)
    }

    fn schedule(&mut self, at: DateTime<Utc>, event: Event) {
        self.queue.push(Reverse((at, self.events.len())));
        self.events.push(event);
    }

    fn run(size: Size, anchor: DateTime<Utc>) -> History {
        let mut consumers = vec![Vec::new(); PACTICIPANTS];
        for c in 0..PACTICIPANTS {
            for p in providers_of(c) {
                consumers[p].push(c);
            }
        }
        let mut sim = Simulation {
            start: anchor - chrono::Duration::minutes(size.versions as i64 * MINUTES_PER_VERSION),
            consumers,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            history: History::default(),
            branch_ids: HashMap::new(),
            main_head: vec![None; PACTICIPANTS],
            latest: vec![None; PACTICIPANTS],
            published: vec![None; PACTICIPANTS],
            content_ids: HashMap::new(),
            current: HashMap::new(),
            supported: HashMap::new(),
            verified: HashSet::new(),
            passed: HashSet::new(),
        };
        let minutes = chrono::Duration::minutes;
        for k in 0..size.versions {
            for i in 0..PACTICIPANTS {
                let at = sim.at(i, k);
                sim.schedule(at, Event::Version { i, k });
                if !providers_of(i).is_empty() {
                    sim.schedule(at + minutes(1), Event::Publish { c: i, k });
                }
                if !sim.consumers[i].is_empty() {
                    sim.schedule(at + minutes(20), Event::Build { p: i, k });
                }
                for (env, instance, after) in deployments(i, k) {
                    sim.schedule(
                        at + minutes(after),
                        Event::Deploy {
                            i,
                            k,
                            env,
                            instance,
                        },
                    );
                }
                if releases(i) && k.is_multiple_of(24) {
                    sim.schedule(at + minutes(240), Event::Release { i, k, env: PROD });
                }
            }
        }
        let last_staging = (size.versions - 1) / 6 * 6;
        for i in (0..PACTICIPANTS).filter(|i| left_staging(*i)) {
            let at = sim.at(i, last_staging) + minutes(180);
            sim.schedule(at, Event::Undeploy { i, env: 2 });
        }
        while let Some(Reverse((at, n))) = sim.queue.pop() {
            sim.apply(at, sim.events[n]);
        }
        let mut history = sim.history;
        // Verifications of one build are published one after the other;
        // ids follow their times.
        history.verifications.sort_by_key(|v| v.at);
        history
    }

    fn apply(&mut self, at: DateTime<Utc>, event: Event) {
        match event {
            Event::Version { i, k } => {
                let name = branch(k);
                let b = match self.branch_ids.get(&(i, name.clone())) {
                    Some(b) => {
                        self.history.branches[*b].updated = at;
                        *b
                    }
                    None => {
                        self.history.branches.push(Branch {
                            i,
                            name: name.clone(),
                            created: at,
                            updated: at,
                        });
                        self.branch_ids
                            .insert((i, name), self.history.branches.len() - 1);
                        self.history.branches.len() - 1
                    }
                };
                self.history.versions.push((i, k, at));
                self.history.branch_versions.push((b, i, k, at));
                if on_main(k) {
                    self.main_head[i] = Some(k);
                }
                self.latest[i] = Some(k);
            }
            Event::Publish { c, k } => {
                self.published[c] = Some(k);
                let mut webhook = 0;
                for p in providers_of(c) {
                    let key = (c, p, revision(c, p, k));
                    let content = match self.content_ids.get(&key) {
                        Some(id) => *id,
                        None => {
                            self.history.contents.push(Content {
                                c,
                                p,
                                revision: key.2,
                                from_feature: !on_main(k),
                                at,
                            });
                            self.content_ids
                                .insert(key, self.history.contents.len() - 1);
                            self.history.contents.len() - 1
                        }
                    };
                    self.history.publications.push((c, k, p, content, at));
                    // contract_requiring_verification_published: the
                    // provider's main head and deployed or released
                    // versions that have not verified this content.
                    let mut targets: Vec<usize> = self.main_head[p].into_iter().collect();
                    targets.extend(self.live_versions(p));
                    let mut seen = HashSet::new();
                    for kp in targets {
                        if seen.insert(kp) && !self.verified.contains(&(content, kp)) {
                            webhook += 1;
                            let when = at
                                + chrono::Duration::minutes(5)
                                + chrono::Duration::seconds(15 * webhook);
                            self.schedule(
                                when,
                                Event::Verify {
                                    content,
                                    k: kp,
                                    attempt: 0,
                                },
                            );
                        }
                    }
                }
            }
            Event::Deploy {
                i,
                k,
                env,
                instance,
            } => {
                // The write path ends the current deployment by the clock,
                // a moment after the new one's transaction started.
                if let Some(previous) = self.current.remove(&(i, env, instance)) {
                    self.history.deployments[previous].until =
                        Some(at + chrono::Duration::milliseconds(1));
                }
                self.history.deployments.push(Deployment {
                    i,
                    k,
                    env,
                    instance,
                    at,
                    until: None,
                });
                self.current
                    .insert((i, env, instance), self.history.deployments.len() - 1);
            }
            Event::Undeploy { i, env } => {
                if let Some(previous) = self.current.remove(&(i, env, None)) {
                    self.history.deployments[previous].until = Some(at);
                }
            }
            Event::Release { i, k, env } => {
                self.history.releases.push(Release {
                    i,
                    k,
                    env,
                    at,
                    ended: None,
                });
                let supported = self.supported.entry((i, env)).or_default();
                supported.push(self.history.releases.len() - 1);
                if supported.len() > SUPPORTED_RELEASES {
                    let oldest = supported.remove(0);
                    self.history.releases[oldest].ended = Some(at + chrono::Duration::seconds(1));
                }
            }
            Event::Build { p, k } => {
                let mut n = 0;
                for c in self.consumers[p].clone() {
                    // mainBranch and deployedOrReleased, deduplicated by
                    // content; a head without a pact yet has none.
                    let mut versions: Vec<usize> = self.main_head[c].into_iter().collect();
                    versions.extend(self.live_versions(c));
                    let mut chosen: Vec<(usize, bool)> = Vec::new();
                    for kc in versions {
                        if let Some(content) = self.content_of(c, p, kc)
                            && !chosen.iter().any(|(x, _)| *x == content)
                        {
                            chosen.push((content, false));
                        }
                    }
                    // Work in progress: the newest feature branch pact, if
                    // never verified successfully.
                    if let Some(kf) = self.latest[c].filter(|kf| !on_main(*kf))
                        && let Some(content) = self.content_of(c, p, kf)
                        && !self.passed.contains(&content)
                        && !chosen.iter().any(|(x, _)| *x == content)
                    {
                        chosen.push((content, true));
                    }
                    for (content, wip) in chosen {
                        n += 1;
                        let when = at + chrono::Duration::seconds(15 * n);
                        let url = format!("https://ci.example.com/{}/builds/{k}", name(p));
                        self.verify(content, k, 0, wip, url, when);
                    }
                }
            }
            Event::Verify {
                content,
                k,
                attempt,
            } => {
                let p = self.history.contents[content].p;
                let url = format!(
                    "https://ci.example.com/{}/verify/{}-{k}-{attempt}",
                    name(p),
                    self.history.contents[content].revision
                );
                self.verify(content, k, attempt, false, url, at);
            }
        }
    }

    fn verify(
        &mut self,
        content: usize,
        k: usize,
        attempt: usize,
        wip: bool,
        build_url: String,
        at: DateTime<Utc>,
    ) {
        let failure_rate = if self.history.contents[content].from_feature {
            20
        } else {
            2
        };
        let success = percent(content, k, attempt) >= failure_rate;
        self.history.verifications.push(Verification {
            content,
            k,
            success,
            wip,
            pending: wip || !self.passed.contains(&content),
            build_url,
            at,
        });
        self.verified.insert((content, k));
        if success {
            self.passed.insert(content);
        } else if attempt == 0 && percent(k, content, 7) < 50 {
            self.schedule(
                at + chrono::Duration::minutes(30),
                Event::Verify {
                    content,
                    k,
                    attempt: 1,
                },
            );
        }
    }

    /// The content `c` version `kc` published for `p`, once published.
    fn content_of(&self, c: usize, p: usize, kc: usize) -> Option<usize> {
        if self.published[c].is_none_or(|last| last < kc) {
            return None;
        }
        self.content_ids.get(&(c, p, revision(c, p, kc))).copied()
    }

    /// Versions of `i` currently deployed or released anywhere, each once.
    fn live_versions(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for env in 0..ENVIRONMENTS.len() {
            for instance in [None, Some("blue"), Some("green")] {
                if let Some(d) = self.current.get(&(i, env, instance)) {
                    out.push(self.history.deployments[*d].k);
                }
            }
            for r in self.supported.get(&(i, env)).into_iter().flatten() {
                out.push(self.history.releases[*r].k);
            }
        }
        let mut seen = HashSet::new();
        out.retain(|k| seen.insert(*k));
        out
    }
}

// ---------------------------------------------------------------------------
// Writing the history

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// One column of `rows`, to bind as an array.
fn column<'a, T, U>(rows: &'a [T], value: impl Fn(&'a T) -> U) -> Vec<U> {
    rows.iter().map(value).collect()
}

/// The ids of a table's rows, in insertion order.
async fn ids(conn: &mut AsyncPgConnection, table: &str) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<IdRow> = sql_query(format!("SELECT id FROM {table} ORDER BY id"))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Ids of the seeded rows the queries need.
struct Ids {
    pacticipants: Vec<i64>,
    environments: Vec<i64>,
    /// By pacticipant, then version index.
    versions: Vec<Vec<i64>>,
}

async fn seed(conn: &mut AsyncPgConnection, size: Size, history: &History) -> anyhow::Result<Ids> {
    let start = history.versions[0].2;
    let names: Vec<String> = (0..PACTICIPANTS).map(name).collect();
    // Registered before their first build, with their main branch
    // (`pact-broker create-or-update-pacticipant --main-branch main`).
    sql_query(
        "INSERT INTO pacticipants (name, main_branch, created_at, updated_at) \
         SELECT name, 'main', $2, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord) \
         ORDER BY ord",
    )
    .bind::<Array<Text>, _>(&names)
    .bind::<Timestamptz, _>(start - chrono::Duration::days(1))
    .execute(conn)
    .await?;
    let pacticipants = ids(conn, "pacticipants").await?;
    let env_names = column(&ENVIRONMENTS, |e| e.0);
    let production = column(&ENVIRONMENTS, |e| e.1);
    sql_query(
        "INSERT INTO environments (uuid, name, display_name, production, created_at, updated_at) \
         SELECT gen_random_uuid()::text, name, upper(name), production, $3, $3 \
         FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS u(name, production, ord) \
         ORDER BY ord",
    )
    .bind::<Array<Text>, _>(&env_names)
    .bind::<Array<Bool>, _>(&production)
    .bind::<Timestamptz, _>(start - chrono::Duration::days(1))
    .execute(conn)
    .await?;
    let environments = ids(conn, "environments").await?;

    // Versions, with the build URL the CI passes.
    let v_pids = column(&history.versions, |v| pacticipants[v.0]);
    let v_numbers = column(&history.versions, |v| version_number(v.0, v.1));
    let v_urls = column(&history.versions, |v| {
        format!("https://ci.example.com/{}/builds/{}", name(v.0), v.1)
    });
    let v_ats = column(&history.versions, |v| v.2);
    sql_query(
        "INSERT INTO versions (pacticipant_id, number, build_url, created_at, updated_at) \
         SELECT pid, number, url, at, at \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) \
           WITH ORDINALITY AS u(pid, number, url, at, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&v_pids)
    .bind::<Array<Text>, _>(&v_numbers)
    .bind::<Array<Text>, _>(&v_urls)
    .bind::<Array<Timestamptz>, _>(&v_ats)
    .execute(conn)
    .await?;
    let mut versions = vec![vec![0; size.versions]; PACTICIPANTS];
    for (id, (i, k, _)) in ids(conn, "versions")
        .await?
        .into_iter()
        .zip(&history.versions)
    {
        versions[*i][*k] = id;
    }

    // Branches (created with their first version, updated with their
    // last), their versions and heads; each version is tagged with its
    // branch.
    let b_pids = column(&history.branches, |b| pacticipants[b.i]);
    let b_names = column(&history.branches, |b| b.name.as_str());
    let b_created = column(&history.branches, |b| b.created);
    let b_updated = column(&history.branches, |b| b.updated);
    sql_query(
        "INSERT INTO branches (pacticipant_id, name, created_at, updated_at) \
         SELECT pid, name, created, updated \
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) \
           WITH ORDINALITY AS u(pid, name, created, updated, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&b_pids)
    .bind::<Array<Text>, _>(&b_names)
    .bind::<Array<Timestamptz>, _>(&b_created)
    .bind::<Array<Timestamptz>, _>(&b_updated)
    .execute(conn)
    .await?;
    let branch_ids = ids(conn, "branches").await?;
    let bv_branches = column(&history.branch_versions, |bv| branch_ids[bv.0]);
    let bv_versions = column(&history.branch_versions, |bv| versions[bv.1][bv.2]);
    let bv_pids = column(&history.branch_versions, |bv| pacticipants[bv.1]);
    let bv_names = column(&history.branch_versions, |bv| {
        history.branches[bv.0].name.as_str()
    });
    let bv_ats = column(&history.branch_versions, |bv| bv.3);
    sql_query(
        "INSERT INTO branch_versions (branch_id, version_id, pacticipant_id, auto_created, created_at) \
         SELECT b, v, pid, false, at \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[]) \
           WITH ORDINALITY AS u(b, v, pid, at, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&bv_branches)
    .bind::<Array<BigInt>, _>(&bv_versions)
    .bind::<Array<BigInt>, _>(&bv_pids)
    .bind::<Array<Timestamptz>, _>(&bv_ats)
    .execute(conn)
    .await?;
    // The head only moves forwards, so it is the newest version.
    sql_query(
        "INSERT INTO branch_heads (branch_id, branch_version_id, version_id, pacticipant_id, branch_name) \
         SELECT DISTINCT ON (bv.branch_id) bv.branch_id, bv.id, bv.version_id, bv.pacticipant_id, b.name \
         FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id \
         ORDER BY bv.branch_id, bv.version_id DESC",
    )
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO tags (version_id, pacticipant_id, name, created_at) \
         SELECT v, pid, name, at \
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[]) \
           WITH ORDINALITY AS u(v, pid, name, at, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&bv_versions)
    .bind::<Array<BigInt>, _>(&bv_pids)
    .bind::<Array<Text>, _>(&bv_names)
    .bind::<Array<Timestamptz>, _>(&bv_ats)
    .execute(conn)
    .await?;

    // Pact contents as publishing stores them, then the publications,
    // the latest publication per consumer version and provider (each has
    // one revision), and the integrations.
    for batch in history.contents.chunks(5_000) {
        let mut consumer_ids = Vec::with_capacity(batch.len());
        let mut provider_ids = Vec::with_capacity(batch.len());
        let mut shas = Vec::with_capacity(batch.len());
        let mut texts = Vec::with_capacity(batch.len());
        let mut interactions = Vec::with_capacity(batch.len());
        let mut messages = Vec::with_capacity(batch.len());
        let mut ats = Vec::with_capacity(batch.len());
        for content in batch {
            let document = pact::parse(&pact_document(content.c, content.p, content.revision))
                .map_err(anyhow::Error::msg)?;
            consumer_ids.push(pacticipants[content.c]);
            provider_ids.push(pacticipants[content.p]);
            shas.push(pact::content_sha(&document));
            texts.push(serde_json::to_string(&document)?);
            let (i, m) = pact::counts(&document);
            interactions.push(i);
            messages.push(m);
            ats.push(content.at);
        }
        sql_query(
            "INSERT INTO pact_versions (consumer_id, provider_id, sha, content, interactions_count, \
               messages_count, created_at) \
             SELECT c, p, sha, content, i, m, at \
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::int[], \
                         $7::timestamptz[]) WITH ORDINALITY AS u(c, p, sha, content, i, m, at, ord) \
             ORDER BY ord",
        )
        .bind::<Array<BigInt>, _>(&consumer_ids)
        .bind::<Array<BigInt>, _>(&provider_ids)
        .bind::<Array<Text>, _>(&shas)
        .bind::<Array<Text>, _>(&texts)
        .bind::<Array<Integer>, _>(&interactions)
        .bind::<Array<Integer>, _>(&messages)
        .bind::<Array<Timestamptz>, _>(&ats)
        .execute(conn)
        .await?;
    }
    let content_ids = ids(conn, "pact_versions").await?;
    let pp = &history.publications;
    let pp_versions = column(pp, |x| versions[x.0][x.1]);
    let pp_consumers = column(pp, |x| pacticipants[x.0]);
    let pp_providers = column(pp, |x| pacticipants[x.2]);
    let pp_contents = column(pp, |x| content_ids[x.3]);
    let pp_ats = column(pp, |x| x.4);
    sql_query(
        "INSERT INTO pact_publications (consumer_version_id, consumer_id, provider_id, pact_version_id, \
           revision_number, created_at) \
         SELECT v, c, p, pv, 1, at \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[]) \
           WITH ORDINALITY AS u(v, c, p, pv, at, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&pp_versions)
    .bind::<Array<BigInt>, _>(&pp_consumers)
    .bind::<Array<BigInt>, _>(&pp_providers)
    .bind::<Array<BigInt>, _>(&pp_contents)
    .bind::<Array<Timestamptz>, _>(&pp_ats)
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO latest_pact_publications (consumer_version_id, provider_id, consumer_id, \
           pact_publication_id, pact_version_id, created_at) \
         SELECT DISTINCT ON (consumer_version_id, provider_id) \
           consumer_version_id, provider_id, consumer_id, id, pact_version_id, created_at \
         FROM pact_publications ORDER BY consumer_version_id, provider_id, revision_number DESC",
    )
    .execute(conn)
    .await?;
    sql_query(
        "INSERT INTO integrations (consumer_id, provider_id, created_at) \
         SELECT consumer_id, provider_id, min(created_at) FROM pact_publications \
         GROUP BY consumer_id, provider_id",
    )
    .execute(conn)
    .await?;

    // Deployments and releases.
    let d = &history.deployments;
    let d_versions = column(d, |x| versions[x.i][x.k]);
    let d_pids = column(d, |x| pacticipants[x.i]);
    let d_envs = column(d, |x| environments[x.env]);
    let d_instances = column(d, |x| x.instance);
    let d_ats = column(d, |x| x.at);
    let d_untils = column(d, |x| x.until);
    sql_query(
        "INSERT INTO deployed_versions (uuid, version_id, pacticipant_id, environment_id, \
           application_instance, auto_created, created_at, undeployed_at) \
         SELECT gen_random_uuid()::text, v, pid, env, instance, false, at, until \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::timestamptz[], \
                     $6::timestamptz[]) WITH ORDINALITY AS u(v, pid, env, instance, at, until, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&d_versions)
    .bind::<Array<BigInt>, _>(&d_pids)
    .bind::<Array<BigInt>, _>(&d_envs)
    .bind::<Array<Nullable<Text>>, _>(&d_instances)
    .bind::<Array<Timestamptz>, _>(&d_ats)
    .bind::<Array<Nullable<Timestamptz>>, _>(&d_untils)
    .execute(conn)
    .await?;
    let r = &history.releases;
    let r_versions = column(r, |x| versions[x.i][x.k]);
    let r_pids = column(r, |x| pacticipants[x.i]);
    let r_envs = column(r, |x| environments[x.env]);
    let r_ats = column(r, |x| x.at);
    let r_ended = column(r, |x| x.ended);
    sql_query(
        "INSERT INTO released_versions (uuid, version_id, pacticipant_id, environment_id, created_at, \
           support_ended_at) \
         SELECT gen_random_uuid()::text, v, pid, env, at, ended \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) \
           WITH ORDINALITY AS u(v, pid, env, at, ended, ord) \
         ORDER BY ord",
    )
    .bind::<Array<BigInt>, _>(&r_versions)
    .bind::<Array<BigInt>, _>(&r_pids)
    .bind::<Array<BigInt>, _>(&r_envs)
    .bind::<Array<Timestamptz>, _>(&r_ats)
    .bind::<Array<Nullable<Timestamptz>>, _>(&r_ended)
    .execute(conn)
    .await?;

    // Verifications, with the provider version's tags snapshotted and the
    // execution date read from the clock after the transaction started,
    // then the latest per pact content and provider version.
    for batch in history.verifications.chunks(100_000) {
        let contents = &history.contents;
        let pv = column(batch, |v| content_ids[v.content]);
        let consumers = column(batch, |v| pacticipants[contents[v.content].c]);
        let providers = column(batch, |v| pacticipants[contents[v.content].p]);
        let provider_versions = column(batch, |v| versions[contents[v.content].p][v.k]);
        let success = column(batch, |v| v.success);
        let wip = column(batch, |v| v.wip);
        let pending = column(batch, |v| v.pending);
        let tags = column(batch, |v| branch(v.k));
        let urls = column(batch, |v| v.build_url.as_str());
        let ats = column(batch, |v| v.at);
        sql_query(
            "INSERT INTO verifications (pact_version_id, consumer_id, provider_id, provider_version_id, \
               success, build_url, test_results, verified_by, provider_version_tags, wip, pact_pending, \
               execution_date, created_at) \
             SELECT pv, c, p, v, success, url, \
               jsonb_build_object('summary', jsonb_build_object('testCount', 3, \
                 'failureCount', CASE WHEN success THEN 0 ELSE 1 END)), \
               '{\"implementation\": \"Pact-Rust\", \"version\": \"1.2.5\"}'::jsonb, ARRAY[tag], \
               wip, pending, at + interval '1 millisecond', at \
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bool[], \
                         $6::text[], $7::text[], $8::bool[], $9::bool[], $10::timestamptz[]) \
               WITH ORDINALITY AS u(pv, c, p, v, success, url, tag, wip, pending, at, ord) \
             ORDER BY ord",
        )
        .bind::<Array<BigInt>, _>(&pv)
        .bind::<Array<BigInt>, _>(&consumers)
        .bind::<Array<BigInt>, _>(&providers)
        .bind::<Array<BigInt>, _>(&provider_versions)
        .bind::<Array<Bool>, _>(&success)
        .bind::<Array<Text>, _>(&urls)
        .bind::<Array<Text>, _>(&tags)
        .bind::<Array<Bool>, _>(&wip)
        .bind::<Array<Bool>, _>(&pending)
        .bind::<Array<Timestamptz>, _>(&ats)
        .execute(conn)
        .await?;
    }
    sql_query(
        "INSERT INTO latest_verifications (pact_version_id, provider_version_id, verification_id, \
           consumer_id, provider_id) \
         SELECT DISTINCT ON (pact_version_id, provider_version_id) \
           pact_version_id, provider_version_id, id, consumer_id, provider_id \
         FROM verifications ORDER BY pact_version_id, provider_version_id, id DESC",
    )
    .execute(conn)
    .await?;

    // What autovacuum would have done by now.
    sql_query("VACUUM ANALYZE").execute(conn).await?;
    Ok(Ids {
        pacticipants,
        environments,
        versions,
    })
}

/// The ids of a seeded database, read back.
async fn read_ids(conn: &mut AsyncPgConnection, size: Size) -> anyhow::Result<Ids> {
    let pacticipants = ids(conn, "pacticipants").await?;
    let environments = ids(conn, "environments").await?;
    #[derive(QueryableByName)]
    struct VersionRow {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = BigInt)]
        pacticipant_id: i64,
        #[diesel(sql_type = Text)]
        number: String,
    }
    let rows: Vec<VersionRow> = sql_query("SELECT id, pacticipant_id, number FROM versions")
        .load(conn)
        .await?;
    let by_number: HashMap<(i64, String), i64> = rows
        .into_iter()
        .map(|r| ((r.pacticipant_id, r.number), r.id))
        .collect();
    let mut versions = vec![vec![0; size.versions]; PACTICIPANTS];
    for (i, row) in versions.iter_mut().enumerate() {
        for (k, id) in row.iter_mut().enumerate() {
            *id = *by_number
                .get(&(pacticipants[i], version_number(i, k)))
                .with_context(|| format!("no version {k} of {}", name(i)))?;
        }
    }
    Ok(Ids {
        pacticipants,
        environments,
        versions,
    })
}

/// Row counts of the seeded tables.
async fn counts(conn: &mut AsyncPgConnection) -> anyhow::Result<String> {
    let tables = [
        ("versions", "versions"),
        ("branches", "branches"),
        ("tags", "tags"),
        ("pact_versions", "pact_versions"),
        ("pact_publications", "pact_publications"),
        ("integrations", "integrations"),
        ("verifications", "verifications"),
        ("  failed", "verifications WHERE NOT success"),
        ("latest_verifications", "latest_verifications"),
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

/// The seeded rows are what the write path leaves: the head tables agree
/// with a recomputation from the history, ids follow creation times, and
/// snapshots and deployments are consistent.
async fn check_seed(conn: &mut AsyncPgConnection, size: Size) -> anyhow::Result<()> {
    let symmetric_difference = |a: &str, b: &str| {
        format!("SELECT count(*) AS n FROM ((({a}) EXCEPT ({b})) UNION ALL (({b}) EXCEPT ({a}))) x")
    };
    let mut checks = vec![
        (
            "branch heads differ from the newest version of their branch",
            symmetric_difference(
                "SELECT branch_id, branch_version_id, version_id, pacticipant_id, branch_name \
                 FROM branch_heads",
                "SELECT DISTINCT ON (bv.branch_id) bv.branch_id, bv.id, bv.version_id, \
                   bv.pacticipant_id, b.name FROM branch_versions bv \
                 JOIN branches b ON b.id = bv.branch_id ORDER BY bv.branch_id, bv.version_id DESC",
            ),
        ),
        (
            "latest publications differ from the newest revisions",
            symmetric_difference(
                "SELECT consumer_version_id, provider_id, consumer_id, pact_publication_id, \
                   pact_version_id, created_at FROM latest_pact_publications",
                "SELECT DISTINCT ON (consumer_version_id, provider_id) consumer_version_id, \
                   provider_id, consumer_id, id, pact_version_id, created_at FROM pact_publications \
                 ORDER BY consumer_version_id, provider_id, revision_number DESC",
            ),
        ),
        (
            "latest verifications differ from the newest verifications",
            symmetric_difference(
                "SELECT pact_version_id, provider_version_id, verification_id, consumer_id, \
                   provider_id FROM latest_verifications",
                "SELECT pact_version_id, provider_version_id, max(id), min(consumer_id), \
                   min(provider_id) FROM verifications GROUP BY pact_version_id, provider_version_id",
            ),
        ),
        (
            "integrations differ from the pairs with pacts",
            symmetric_difference(
                "SELECT consumer_id, provider_id, created_at FROM integrations",
                "SELECT consumer_id, provider_id, min(created_at) FROM pact_publications \
                 GROUP BY consumer_id, provider_id",
            ),
        ),
        (
            "branches whose times are not those of their first and last versions",
            "SELECT count(*) AS n FROM branches b JOIN (SELECT branch_id, min(created_at) AS first, \
               max(created_at) AS last FROM branch_versions GROUP BY branch_id) x ON x.branch_id = b.id \
             WHERE b.created_at <> x.first OR b.updated_at <> x.last"
                .to_owned(),
        ),
        (
            "verifications whose tags are not their provider version's",
            "SELECT count(*) AS n FROM verifications v WHERE v.provider_version_tags <> \
               ARRAY(SELECT t.name FROM tags t WHERE t.version_id = v.provider_version_id ORDER BY t.id)"
                .to_owned(),
        ),
        (
            "verifications before their pact or provider version",
            "SELECT count(*) AS n FROM verifications v \
             JOIN pact_versions pv ON pv.id = v.pact_version_id \
             JOIN versions pr ON pr.id = v.provider_version_id \
             WHERE v.created_at < pv.created_at OR v.created_at < pr.created_at"
                .to_owned(),
        ),
        (
            "verifications whose consumer or provider is not their pact's",
            "SELECT count(*) AS n FROM verifications v \
             JOIN pact_versions pv ON pv.id = v.pact_version_id \
             JOIN versions pr ON pr.id = v.provider_version_id \
             WHERE v.consumer_id <> pv.consumer_id OR v.provider_id <> pv.provider_id \
               OR pr.pacticipant_id <> v.provider_id"
                .to_owned(),
        ),
        (
            // Recording a deployment ends the current one of the same
            // pacticipant, environment and instance.
            "deployments not ended by the next one",
            "SELECT count(*) AS n FROM (SELECT undeployed_at, lead(created_at) OVER ( \
               PARTITION BY pacticipant_id, environment_id, application_instance ORDER BY id) AS next \
               FROM deployed_versions) x \
             WHERE next IS NOT NULL \
               AND undeployed_at IS DISTINCT FROM next + interval '1 millisecond'"
                .to_owned(),
        ),
    ];
    for table in [
        "versions",
        "branch_versions",
        "tags",
        "pact_versions",
        "pact_publications",
        "verifications",
        "deployed_versions",
        "released_versions",
    ] {
        checks.push((
            "rows whose ids do not follow their creation times",
            format!(
                "SELECT count(*) AS n FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) \
                   AS bad FROM {table}) x WHERE bad"
            ),
        ));
    }
    for (what, query) in checks {
        let row: CountRow = sql_query(&query).get_result(conn).await?;
        ensure!(row.n == 0, "seeded data: {} {what}", row.n);
    }
    let expected = [
        (
            "versions",
            "SELECT count(*) AS n FROM versions",
            (PACTICIPANTS * size.versions) as i64,
        ),
        (
            "integrations",
            "SELECT count(*) AS n FROM integrations",
            600,
        ),
        (
            "providers of the front end",
            "SELECT count(*) AS n FROM integrations i JOIN pacticipants c ON c.id = i.consumer_id \
             WHERE c.name = 'svc-000'",
            FRONT_END_PROVIDERS as i64,
        ),
        (
            "pacticipants",
            "SELECT count(*) AS n FROM pacticipants",
            PACTICIPANTS as i64,
        ),
    ];
    for (what, query, want) in expected {
        let row: CountRow = sql_query(query).get_result(conn).await?;
        ensure!(row.n == want, "seeded {} {what}, expected {want}", row.n);
    }
    Ok(())
}

/// The database of `size`, seeded unless a complete seed of this version
/// is there already; how long seeding took, if it was done.
async fn database(
    postgres: &Postgres,
    size: Size,
) -> anyhow::Result<(String, Ids, Option<Duration>)> {
    let database = format!("matrix_{}_v{SEED_VERSION}", size.label);
    let mut admin = AsyncPgConnection::establish(&postgres.admin_url).await?;
    // Seeds of other versions are never read again, and take gigabytes.
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let stale: Vec<Name> =
        sql_query("SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2")
            .bind::<Text, _>(format!("matrix\\_{}\\_v%", size.label))
            .bind::<Text, _>(&database)
            .load(&mut admin)
            .await?;
    for Name { datname } in stale {
        sql_query(format!("DROP DATABASE \"{datname}\""))
            .execute(&mut admin)
            .await?;
    }
    #[derive(QueryableByName)]
    struct Description {
        #[diesel(sql_type = Nullable<Text>)]
        description: Option<String>,
    }
    let found: Vec<Description> = sql_query(
        "SELECT shobj_description(oid, 'pg_database') AS description FROM pg_database \
         WHERE datname = $1",
    )
    .bind::<Text, _>(&database)
    .load(&mut admin)
    .await?;
    let reseed = std::env::var_os("BENCH_RESEED").is_some();
    if !reseed
        && let [
            Description {
                description: Some(description),
            },
        ] = found.as_slice()
        && description == SEEDED
    {
        let url = postgres.database(&database).await?;
        let mut conn = AsyncPgConnection::establish(&url).await?;
        let ids = read_ids(&mut conn, size).await?;
        return Ok((url, ids, None));
    }
    // Identifiers cannot be bound; the name is ours.
    sql_query(format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&mut admin)
        .await?;
    let url = postgres.database(&database).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    let started = Instant::now();
    let history = Simulation::run(size, Utc::now());
    println!(
        "  simulated {} versions, {} publications, {} verifications in {:.1} s",
        history.versions.len(),
        history.publications.len(),
        history.verifications.len(),
        started.elapsed().as_secs_f64()
    );
    let ids = seed(&mut conn, size, &history).await?;
    let seeded = started.elapsed();
    check_seed(&mut conn, size).await?;
    sql_query(format!("COMMENT ON DATABASE {database} IS '{SEEDED}'"))
        .execute(&mut admin)
        .await?;
    Ok((url, ids, Some(seeded)))
}

// ---------------------------------------------------------------------------
// Measuring

/// What a matrix answer concludes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    deployable: Option<bool>,
    success: i64,
    failed: i64,
    unknown: i64,
}

impl Verdict {
    fn of_rest(body: &Value) -> anyhow::Result<(Verdict, usize)> {
        let s = &body["summary"];
        let count = |key: &str| s[key].as_i64().with_context(|| format!("no summary.{key}"));
        Ok((
            Verdict {
                deployable: s["deployable"].as_bool(),
                success: count("success")?,
                failed: count("failed")?,
                unknown: count("unknown")?,
            },
            body["matrix"].as_array().context("no matrix")?.len(),
        ))
    }

    fn of_grpc(summary: Option<pb::MatrixSummary>) -> Verdict {
        let s = summary.unwrap_or_default();
        Verdict {
            deployable: s.deployable,
            success: s.success_count.into(),
            failed: s.failed_count.into(),
            unknown: s.unknown_count.into(),
        }
    }
}

/// The verdict from counts of successful, failed and missing
/// verifications, by the rules of the Pact Broker.
fn expected_verdict(success: i64, failed: i64, unknown: i64) -> Verdict {
    Verdict {
        deployable: if unknown > 0 { None } else { Some(failed == 0) },
        success,
        failed,
        unknown,
    }
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    success: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = BigInt)]
    unknown: i64,
}

/// Recomputed from the history, not the head tables: the newest revision
/// of each pact of consumer version `$1`, checked against each version of
/// its provider in `$2` (the versions deployed or released in the
/// environment, or just the given one) by the newest verification.
const CHECK_VERSIONS: &str = "WITH pacts AS ( \
       SELECT DISTINCT ON (provider_id) provider_id, pact_version_id FROM pact_publications \
       WHERE consumer_version_id = $1 ORDER BY provider_id, revision_number DESC), \
     checked AS ( \
       SELECT (SELECT v.success FROM verifications v WHERE v.pact_version_id = p.pact_version_id \
                 AND v.provider_version_id = t.id ORDER BY v.id DESC LIMIT 1) AS success \
       FROM pacts p JOIN versions t ON t.pacticipant_id = p.provider_id AND t.id = ANY($2)) \
     SELECT count(*) FILTER (WHERE success) AS success, \
       count(*) FILTER (WHERE NOT success) AS failed, \
       count(*) FILTER (WHERE success IS NULL) AS unknown FROM checked";

/// The versions currently deployed or released in an environment.
async fn live_in(conn: &mut AsyncPgConnection, environment: i64) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<IdRow> = sql_query(
        "SELECT version_id AS id FROM deployed_versions \
           WHERE environment_id = $1 AND undeployed_at IS NULL \
         UNION SELECT version_id FROM released_versions \
           WHERE environment_id = $1 AND support_ended_at IS NULL",
    )
    .bind::<BigInt, _>(environment)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

async fn check_versions(
    conn: &mut AsyncPgConnection,
    consumer_version: i64,
    provider_versions: &[i64],
) -> anyhow::Result<Verdict> {
    let c: Counted = sql_query(CHECK_VERSIONS)
        .bind::<BigInt, _>(consumer_version)
        .bind::<Array<BigInt>, _>(provider_versions)
        .get_result(conn)
        .await?;
    Ok(expected_verdict(c.success, c.failed, c.unknown))
}

/// Every row of the pair matrix with latestby=cvpv, recomputed from the
/// history: each consumer version's newest pact revision with each
/// provider version that verified its content (by the newest
/// verification), or one unverified row.
async fn pair_verdict(
    conn: &mut AsyncPgConnection,
    consumer: i64,
    provider: i64,
) -> anyhow::Result<Verdict> {
    let c: Counted = sql_query(
        "WITH pacts AS ( \
           SELECT DISTINCT ON (consumer_version_id) consumer_version_id, pact_version_id \
           FROM pact_publications WHERE consumer_id = $1 AND provider_id = $2 \
           ORDER BY consumer_version_id, revision_number DESC), \
         newest AS ( \
           SELECT DISTINCT ON (pact_version_id, provider_version_id) pact_version_id, success \
           FROM verifications WHERE consumer_id = $1 AND provider_id = $2 \
           ORDER BY pact_version_id, provider_version_id, id DESC), \
         rows AS ( \
           SELECT n.success FROM pacts p LEFT JOIN newest n ON n.pact_version_id = p.pact_version_id) \
         SELECT count(*) FILTER (WHERE success) AS success, \
           count(*) FILTER (WHERE NOT success) AS failed, \
           count(*) FILTER (WHERE success IS NULL) AS unknown FROM rows",
    )
    .bind::<BigInt, _>(consumer)
    .bind::<BigInt, _>(provider)
    .get_result(conn)
    .await?;
    Ok(expected_verdict(c.success, c.failed, c.unknown))
}

type Answer = anyhow::Result<(Duration, Verdict, usize)>;

async fn rest(http: reqwest::Client, url: String) -> Answer {
    let started = Instant::now();
    let response = http.get(&url).send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    let latency = started.elapsed();
    ensure!(status == 200, "GET {url}: {status}");
    let (verdict, rows) = Verdict::of_rest(&serde_json::from_slice(&body)?)?;
    Ok((latency, verdict, rows))
}

fn selector(pacticipant: &str, version: &str) -> pb::MatrixSelector {
    pb::MatrixSelector {
        pacticipant: pacticipant.into(),
        version_selector: Some(pb::matrix_selector::VersionSelector::Version(
            version.into(),
        )),
    }
}

/// Warms up, checks the answer against `expected`, then measures one at a
/// time and `IN_FLIGHT` at once.
async fn measure<F, Fut>(
    label: &str,
    expected: &Verdict,
    report: &mut Vec<String>,
    request: F,
) -> anyhow::Result<()>
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Answer> + Send,
{
    let (_, verdict, rows) = request().await.with_context(|| label.to_owned())?;
    ensure!(
        &verdict == expected,
        "{label}: answered {verdict:?}, expected {expected:?}"
    );
    println!("  {label}: {verdict:?}, {rows} rows shown");
    for in_flight in [1, IN_FLIGHT] {
        let (request, expected) = (request.clone(), expected.clone());
        let what = label.to_owned();
        let mut stats = run(REQUESTS, in_flight, move |_| {
            let (request, expected, what) = (request.clone(), expected.clone(), what.clone());
            async move {
                let (latency, verdict, _) = request().await.expect(&what);
                assert_eq!(verdict, expected, "{what}: the answer changed");
                latency
            }
        })
        .await;
        let line = stats.line(&format!("{label} x{in_flight}"));
        println!("{line}");
        report.push(line);
    }
    Ok(())
}

/// The one-minute load average, where the system tells it: timings taken
/// on a busy machine are read with it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

async fn measure_size(
    postgres: &Postgres,
    size: Size,
    report: &mut Vec<String>,
) -> anyhow::Result<()> {
    println!(
        "[{}] {} versions per pacticipant",
        size.label, size.versions
    );
    let (url, ids, seeded) = database(postgres, size).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    let rows = counts(&mut conn).await?;
    let seeding = match seeded {
        Some(took) => format!("seeded in {:.1} s", took.as_secs_f64()),
        None => "seeded database reused".to_owned(),
    };
    println!("  {seeding}: {rows}");
    report.push(format!("[{}] {seeding}: {rows}", size.label));

    // The front end's newest main version, checked against prod; and the
    // newest version of the pair provider in prod.
    let k = (0..size.versions)
        .rev()
        .find(|k| on_main(*k))
        .context("no main version")?;
    let (consumer, version) = (name(FRONT_END), version_number(FRONT_END, k));
    let environment = ENVIRONMENTS[PROD].0;
    let consumer_version = ids.versions[FRONT_END][k];
    let prod = live_in(&mut conn, ids.environments[PROD]).await?;
    let deploy = check_versions(&mut conn, consumer_version, &prod).await?;
    let provider = name(PAIR_PROVIDER);
    let provider_k = (0..size.versions)
        .rev()
        .find(|k| prod.contains(&ids.versions[PAIR_PROVIDER][*k]))
        .context("the pair provider is not in prod")?;
    let provider_version = version_number(PAIR_PROVIDER, provider_k);
    let pair = check_versions(
        &mut conn,
        consumer_version,
        &[ids.versions[PAIR_PROVIDER][provider_k]],
    )
    .await?;
    let whole_pair = pair_verdict(
        &mut conn,
        ids.pacticipants[FRONT_END],
        ids.pacticipants[PAIR_PROVIDER],
    )
    .await?;
    drop(conn);

    let broker = Broker::start(&url).await?;
    let base = &broker.base;
    let load_before = load_average();
    // The API's branch and tag heads are the model's newest main version.
    for path in [
        format!("/pacticipants/{consumer}/branches/main/latest-version"),
        format!("/pacticipants/{consumer}/latest-version/main"),
    ] {
        let body: Value = broker
            .http
            .get(format!("{base}{path}"))
            .send()
            .await?
            .json()
            .await?;
        ensure!(body["number"] == version.as_str(), "{path}: {body}");
    }
    let label = |what: &str| format!("[{}] {what}", size.label);
    let get = |url: String| {
        let http = broker.http.clone();
        move || rest(http.clone(), url.clone())
    };
    measure(
        &label("REST /matrix can-i-deploy (Rust CLI)"),
        &deploy,
        report,
        get(format!(
            "{base}/matrix?q[][pacticipant]={consumer}&q[][version]={version}&latestby=cvpv&environment={environment}"
        )),
    )
    .await?;
    measure(
        &label("REST /can-i-deploy"),
        &deploy,
        report,
        get(format!(
            "{base}/can-i-deploy?pacticipant={consumer}&version={version}&environment={environment}"
        )),
    )
    .await?;
    let client = MatrixServiceClient::new(broker.channel.clone());
    let (c, v) = (consumer.clone(), version.clone());
    measure(&label("gRPC CanIDeploy"), &deploy, report, {
        let client = client.clone();
        move || {
            let mut client = client.clone();
            let request = pb::CanIDeployRequest {
                pacticipant: c.clone(),
                version: v.clone(),
                destination: Some(pb::can_i_deploy_request::Destination::Environment(
                    environment.into(),
                )),
                ..Default::default()
            };
            async move {
                let started = Instant::now();
                let response = client.can_i_deploy(request).await?.into_inner();
                let latency = started.elapsed();
                let rows = response.rows.len();
                Ok((latency, Verdict::of_grpc(response.summary), rows))
            }
        }
    })
    .await?;
    measure(
        &label("REST /matrix pair of versions"),
        &pair,
        report,
        get(format!(
            "{base}/matrix?q[][pacticipant]={consumer}&q[][version]={version}\
             &q[][pacticipant]={provider}&q[][version]={provider_version}&latestby=cvpv"
        )),
    )
    .await?;
    measure(
        &label("REST /matrix/provider/P/consumer/C"),
        &whole_pair,
        report,
        get(format!(
            "{base}/matrix/provider/{provider}/consumer/{consumer}?latestby=cvpv&limit=100"
        )),
    )
    .await?;
    let selectors = vec![
        selector(&consumer, &version),
        selector(&provider, &provider_version),
    ];
    measure(
        &label("gRPC QueryMatrix pair of versions"),
        &pair,
        report,
        {
            move || {
                let mut client = client.clone();
                let request = pb::QueryMatrixRequest {
                    selectors: selectors.clone(),
                    latest_by: pb::LatestBy::Cvpv.into(),
                    ..Default::default()
                };
                async move {
                    let started = Instant::now();
                    let response = client.query_matrix(request).await?.into_inner();
                    let latency = started.elapsed();
                    let rows = response.rows.len();
                    Ok((latency, Verdict::of_grpc(response.summary), rows))
                }
            }
        },
    )
    .await?;
    report.push(format!(
        "[{}] load average {load_before} before, {} after, on {} CPUs",
        size.label,
        load_average(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    broker.stop().await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let postgres = Postgres::start("matrix").await?;
    println!(
        "pactwire matrix benchmark: {PACTICIPANTS} pacticipants, 600 integrations, {} environments, \
         durable PostgreSQL",
        ENVIRONMENTS.len()
    );
    let mut report = Vec::new();
    for size in [TENTH, FULL] {
        measure_size(&postgres, size, &mut report).await?;
    }
    println!("\nsummary");
    for line in &report {
        println!("{line}");
    }
    postgres.stop(false).await
}
