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
//! The history is simulated in time order, then written through the
//! broker's own write path (`pactwire::service::Broker`: publishing
//! contracts, creating versions, recording deployments, releases and
//! verification results), several calls at once, each after the calls it
//! depends on. Sizes (`PACTWIRE_BENCH_SIZE`, default `tenth,full`): `tiny`
//! (2 versions per pacticipant, for CI), `tenth` (15 versions per
//! pacticipant: 3,000 versions, about 26,000 verifications) and `full`
//! (150 versions per pacticipant: 30,000 versions, about 300,000
//! verifications) and `goal` (500 versions per pacticipant: 100,000
//! versions, about a million verifications), one database each. The databases are kept, and reused
//! only when their seed description, the row count of every seeded table
//! and the tables the broker derives on write agree with the model
//! (`BENCH_RESEED=1` seeds again).
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
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::domain::pact;
use pactwire::grpc::pb;
use pactwire::grpc::pb::matrix_service_client::MatrixServiceClient;
use pactwire::service::environments::{EnvironmentInput, EnvironmentKey};
use pactwire::service::verifications::VerificationInput;
use pactwire::service::versions::{TagUpdate, VersionInput};
use pactwire::service::{ConflictStrategy, ContractInput, PacticipantPatch, PublishInput};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

mod support;
use support::{Broker, CountRow, Plan, Postgres, retried, run};

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
/// version are dropped.
const SEED_VERSION: u32 = 3;
/// Begins the description of a database whose seeding finished.
const SEEDED: &str = "pactwire matrix benchmark, seeded";
const IN_FLIGHT: usize = 8;

#[derive(Clone, Copy)]
struct Size {
    label: &'static str,
    /// Versions per pacticipant.
    versions: usize,
    /// Requests per measurement.
    requests: usize,
}

const SIZES: [Size; 4] = [
    Size {
        label: "tiny",
        versions: 2,
        requests: 5,
    },
    // The write path seeds about 1,000 calls a second on two cores, and a
    // version of every pacticipant is about 2,500 calls: 150 versions each
    // take about 6 minutes, 500 (a million verifications) about 21.
    Size {
        label: "tenth",
        versions: 15,
        requests: 200,
    },
    Size {
        label: "full",
        versions: 150,
        requests: 200,
    },
    // Issue 11's goal: 100,000 versions and a million verifications.
    Size {
        label: "goal",
        versions: 500,
        requests: 200,
    },
];
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
// The simulation: every request CI systems make, in time order, as the
// write-path call each makes.

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

/// A write-path call, in the order the history makes them.
#[derive(Clone, Copy)]
enum Op {
    /// A pacticipant that publishes no pacts creates its build's version,
    /// on its branch and tagged with it.
    Version {
        i: usize,
        k: usize,
    },
    /// A consumer's build publishes its pacts for every provider, creating
    /// its version on its branch and tagged with it, as `pact-broker
    /// publish` does.
    Publish {
        c: usize,
        k: usize,
    },
    Deploy(usize),
    /// Ends the current deployment of a pacticipant in an environment.
    Undeploy {
        i: usize,
        env: usize,
    },
    Release(usize),
    EndSupport(usize),
    Verify(usize),
}

struct Content {
    c: usize,
    p: usize,
    revision: usize,
    from_feature: bool,
    /// The hash publishing computes.
    sha: String,
}

struct Deployment {
    i: usize,
    k: usize,
    env: usize,
    instance: Option<&'static str>,
    ended: bool,
}

struct Release {
    i: usize,
    k: usize,
    env: usize,
    ended: bool,
}

struct Verification {
    content: usize,
    /// The provider version.
    k: usize,
    success: bool,
    wip: bool,
    pending: bool,
    build_url: String,
}

#[derive(Default)]
struct History {
    /// Versions created, and the branches they are on.
    versions: usize,
    branches: HashSet<(usize, String)>,
    contents: Vec<Content>,
    /// By (consumer, provider, revision).
    content_ids: HashMap<(usize, usize, usize), usize>,
    publications: usize,
    deployments: Vec<Deployment>,
    releases: Vec<Release>,
    verifications: Vec<Verification>,
    ops: Vec<Op>,
}

struct Simulation {
    start: DateTime<Utc>,
    consumers: Vec<Vec<usize>>,
    queue: BinaryHeap<Reverse<(DateTime<Utc>, usize)>>,
    events: Vec<Event>,
    history: History,
    main_head: Vec<Option<usize>>,
    latest: Vec<Option<usize>>,
    published: Vec<Option<usize>>,
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

    fn run(size: Size) -> anyhow::Result<History> {
        let mut consumers = vec![Vec::new(); PACTICIPANTS];
        for c in 0..PACTICIPANTS {
            for p in providers_of(c) {
                consumers[p].push(c);
            }
        }
        // Event times only order the history: the write path stamps each
        // row with the moment it is written.
        let mut sim = Simulation {
            start: DateTime::UNIX_EPOCH,
            consumers,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            history: History::default(),
            main_head: vec![None; PACTICIPANTS],
            latest: vec![None; PACTICIPANTS],
            published: vec![None; PACTICIPANTS],
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
        for content in &mut history.contents {
            let document = pact::parse(&pact_document(content.c, content.p, content.revision))
                .map_err(anyhow::Error::msg)?;
            content.sha = pact::content_sha(&document);
        }
        Ok(history)
    }

    fn apply(&mut self, at: DateTime<Utc>, event: Event) {
        match event {
            Event::Version { i, k } => {
                self.history.branches.insert((i, branch(k)));
                self.history.versions += 1;
                if providers_of(i).is_empty() {
                    self.history.ops.push(Op::Version { i, k });
                }
                if on_main(k) {
                    self.main_head[i] = Some(k);
                }
                self.latest[i] = Some(k);
            }
            Event::Publish { c, k } => {
                self.published[c] = Some(k);
                self.history.ops.push(Op::Publish { c, k });
                let mut webhook = 0;
                for p in providers_of(c) {
                    let key = (c, p, revision(c, p, k));
                    let content = match self.history.content_ids.get(&key) {
                        Some(id) => *id,
                        None => {
                            self.history.contents.push(Content {
                                c,
                                p,
                                revision: key.2,
                                from_feature: !on_main(k),
                                sha: String::new(),
                            });
                            self.history
                                .content_ids
                                .insert(key, self.history.contents.len() - 1);
                            self.history.contents.len() - 1
                        }
                    };
                    self.history.publications += 1;
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
                // Recording a deployment ends the current one there.
                if let Some(previous) = self.current.remove(&(i, env, instance)) {
                    self.history.deployments[previous].ended = true;
                }
                self.history.deployments.push(Deployment {
                    i,
                    k,
                    env,
                    instance,
                    ended: false,
                });
                let d = self.history.deployments.len() - 1;
                self.current.insert((i, env, instance), d);
                self.history.ops.push(Op::Deploy(d));
            }
            Event::Undeploy { i, env } => {
                if let Some(previous) = self.current.remove(&(i, env, None)) {
                    self.history.deployments[previous].ended = true;
                    self.history.ops.push(Op::Undeploy { i, env });
                }
            }
            Event::Release { i, k, env } => {
                self.history.releases.push(Release {
                    i,
                    k,
                    env,
                    ended: false,
                });
                let r = self.history.releases.len() - 1;
                self.history.ops.push(Op::Release(r));
                let supported = self.supported.entry((i, env)).or_default();
                supported.push(r);
                if supported.len() > SUPPORTED_RELEASES {
                    let oldest = supported.remove(0);
                    self.history.releases[oldest].ended = true;
                    self.history.ops.push(Op::EndSupport(oldest));
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
        });
        self.history
            .ops
            .push(Op::Verify(self.history.verifications.len() - 1));
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
        self.history
            .content_ids
            .get(&(c, p, revision(c, p, kc)))
            .copied()
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
// Writing the history through the write path

/// Each op after the ones it needs: the version it publishes for, deploys
/// or releases (and, for a version, the pacticipant's previous one, so ids
/// follow the version order); the publication that created the content a
/// result verifies and the provider version that verified it; the previous
/// verification of the same content by that version (so the latest is the
/// newest); the previous deployment of the same instance (which it ends).
fn plan(history: &History) -> anyhow::Result<Plan<Op>> {
    let mut plan = Plan::new();
    let mut version_step: HashMap<(usize, usize), usize> = HashMap::new();
    let mut last_version: Vec<Option<usize>> = vec![None; PACTICIPANTS];
    let mut content_step: Vec<Option<usize>> = vec![None; history.contents.len()];
    let mut last_verification: HashMap<(usize, usize), usize> = HashMap::new();
    let mut last_deployment: HashMap<(usize, usize, Option<&str>), usize> = HashMap::new();
    let mut release_step: Vec<Option<usize>> = vec![None; history.releases.len()];
    let version_of = |steps: &HashMap<(usize, usize), usize>, i: usize, k: usize| {
        steps
            .get(&(i, k))
            .copied()
            .with_context(|| format!("version {k} of {} is used before it exists", name(i)))
    };
    for op in &history.ops {
        match *op {
            Op::Version { i, k } | Op::Publish { c: i, k } => {
                let id = plan.push(*op, last_version[i]);
                version_step.insert((i, k), id);
                last_version[i] = Some(id);
                if let Op::Publish { c, k } = *op {
                    for p in providers_of(c) {
                        let content = history.content_ids[&(c, p, revision(c, p, k))];
                        content_step[content].get_or_insert(id);
                    }
                }
            }
            Op::Verify(v) => {
                let verification = &history.verifications[v];
                let content = &history.contents[verification.content];
                let published = content_step[verification.content]
                    .context("a pact is verified before it is published")?;
                let provider_version = version_of(&version_step, content.p, verification.k)?;
                let key = (verification.content, verification.k);
                let previous = last_verification.get(&key).copied();
                let id = plan.push(
                    *op,
                    [published, provider_version].into_iter().chain(previous),
                );
                last_verification.insert(key, id);
            }
            Op::Deploy(d) => {
                let deployment = &history.deployments[d];
                let version = version_of(&version_step, deployment.i, deployment.k)?;
                let key = (deployment.i, deployment.env, deployment.instance);
                let previous = last_deployment.get(&key).copied();
                let id = plan.push(*op, [version].into_iter().chain(previous));
                last_deployment.insert(key, id);
            }
            Op::Undeploy { i, env } => {
                let key = (i, env, None);
                let previous = last_deployment.get(&key).copied();
                let id = plan.push(*op, previous);
                last_deployment.insert(key, id);
            }
            Op::Release(r) => {
                let release = &history.releases[r];
                let version = version_of(&version_step, release.i, release.k)?;
                release_step[r] = Some(plan.push(*op, [version]));
            }
            Op::EndSupport(r) => {
                let released = release_step[r].context("support ends before the release")?;
                plan.push(*op, [released]);
            }
        }
    }
    Ok(plan)
}

fn version_input(i: usize, k: usize) -> VersionInput {
    VersionInput {
        build_url: Some(format!("https://ci.example.com/{}/builds/{k}", name(i))),
        branch: Some(branch(k)),
        tags: vec![branch(k)],
        overwrite: false,
    }
}

/// Makes one write-path call.
async fn write(
    broker: &pactwire::service::Broker,
    history: &History,
    op: Op,
) -> anyhow::Result<()> {
    let environment = |env: usize| EnvironmentKey::Name(ENVIRONMENTS[env].0);
    match op {
        Op::Version { i, k } => {
            let (pacticipant, number) = (name(i), version_number(i, k));
            retried(|| {
                broker.put_version(&pacticipant, &number, version_input(i, k), TagUpdate::Add)
            })
            .await
            .with_context(|| format!("creating version {k} of {pacticipant}"))?;
        }
        Op::Publish { c, k } => {
            let VersionInput {
                build_url,
                branch,
                tags,
                ..
            } = version_input(c, k);
            let input = PublishInput {
                pacticipant_name: name(c),
                pacticipant_version_number: version_number(c, k),
                branch,
                tags,
                build_url,
                contracts: providers_of(c)
                    .into_iter()
                    .map(|p| ContractInput {
                        consumer_name: name(c),
                        provider_name: name(p),
                        specification: "pact".into(),
                        content_type: "application/json".into(),
                        content: pact_document(c, p, revision(c, p, k)),
                        on_conflict: ConflictStrategy::Overwrite,
                    })
                    .collect(),
            };
            retried(|| broker.publish_contracts(input.clone()))
                .await
                .with_context(|| format!("publishing the pacts of {} version {k}", name(c)))?;
        }
        Op::Deploy(d) => {
            let d = &history.deployments[d];
            let (pacticipant, number) = (name(d.i), version_number(d.i, d.k));
            retried(|| {
                broker.record_deployment(&pacticipant, &number, environment(d.env), d.instance)
            })
            .await
            .with_context(|| format!("deploying {pacticipant} version {}", d.k))?;
        }
        Op::Undeploy { i, env } => {
            let pacticipant = name(i);
            retried(|| broker.record_undeployment(&pacticipant, environment(env), None))
                .await
                .with_context(|| format!("undeploying {pacticipant}"))?;
        }
        Op::Release(r) => {
            let r = &history.releases[r];
            let (pacticipant, number) = (name(r.i), version_number(r.i, r.k));
            retried(|| broker.record_release(&pacticipant, &number, environment(r.env)))
                .await
                .with_context(|| format!("releasing {pacticipant} version {}", r.k))?;
        }
        Op::EndSupport(r) => {
            let r = &history.releases[r];
            let (pacticipant, number) = (name(r.i), version_number(r.i, r.k));
            retried(|| broker.record_support_ended(&pacticipant, &number, environment(r.env)))
                .await
                .with_context(|| format!("ending support of {pacticipant} version {}", r.k))?;
        }
        Op::Verify(v) => {
            let v = &history.verifications[v];
            let content = &history.contents[v.content];
            let (consumer, provider) = (name(content.c), name(content.p));
            let input = VerificationInput {
                success: Some(v.success),
                provider_version: version_number(content.p, v.k),
                build_url: Some(v.build_url.clone()),
                test_results: Some(json!({"summary": {
                    "testCount": 3, "failureCount": usize::from(!v.success)}})),
                verified_by: Some(json!({"implementation": "Pact-Rust", "version": "1.2.5"})),
                metadata: Some(support::metadata(v.pending, v.wip)),
                ..VerificationInput::default()
            };
            retried(|| {
                broker.publish_verification(&consumer, &provider, &content.sha, input.clone())
            })
            .await
            .with_context(|| format!("verifying {consumer} by {provider} version {}", v.k))?;
        }
    }
    Ok(())
}

/// Writes the history: the pacticipants (registered with their main
/// branch, as `pact-broker create-or-update-pacticipant --main-branch`
/// does) and environments, then every op of the history.
async fn seed(url: &str, history: Arc<History>) -> anyhow::Result<()> {
    let broker = support::seeding_broker(url).await?;
    for i in 0..PACTICIPANTS {
        let main = PacticipantPatch {
            main_branch: Some(Some("main".into())),
            ..PacticipantPatch::default()
        };
        broker.create_pacticipant(&name(i), main).await?;
    }
    for (environment, production) in ENVIRONMENTS {
        let input = EnvironmentInput {
            name: Some(environment.into()),
            production: Some(production),
            ..EnvironmentInput::default()
        };
        broker.create_environment(None, input).await?;
    }
    let plan = plan(&history)?;
    support::execute(plan, "seeding", |op| {
        let (broker, history) = (broker.clone(), history.clone());
        async move { write(&broker, &history, op).await }
    })
    .await?;
    // What autovacuum would have done by now.
    sql_query("VACUUM ANALYZE")
        .execute(&mut AsyncPgConnection::establish(url).await?)
        .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
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

/// What seeding `size` leaves, in one line: stored with a seeded database,
/// so one seeded by another model, size or schema is not reused.
fn description(size: Size, history: &History) -> anyhow::Result<String> {
    use diesel::migration::MigrationSource;
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&pactwire::store::MIGRATIONS)
        .map_err(|err| anyhow::anyhow!("reading the migrations: {err}"))?;
    let schema = migrations
        .iter()
        .map(|m| m.name().to_string())
        .max()
        .context("no migrations")?;
    Ok(format!(
        "{SEEDED} (seed version {SEED_VERSION}, {} size, schema {schema}): {} versions, {} \
         publications, {} verifications, {} deployments, {} releases",
        size.label,
        history.versions,
        history.publications,
        history.verifications.len(),
        history.deployments.len(),
        history.releases.len(),
    ))
}

/// The database holds what writing `history` through the write path
/// leaves: the row count of every seeded table is the model's, the tables
/// the broker derives on write agree with a recomputation from the rows
/// they come from, and snapshots and times are those of calls made in the
/// history's order.
async fn check_seed(conn: &mut AsyncPgConnection, history: &History) -> anyhow::Result<()> {
    let verified: HashSet<(usize, usize)> = history
        .verifications
        .iter()
        .map(|v| (v.content, v.k))
        .collect();
    support::check_counts(
        conn,
        &[
            ("pacticipants", "pacticipants", PACTICIPANTS),
            ("environments", "environments", ENVIRONMENTS.len()),
            ("versions", "versions", history.versions),
            ("branches", "branches", history.branches.len()),
            // Each version is on one branch.
            ("branch_versions", "branch_versions", history.versions),
            ("branch_heads", "branch_heads", history.branches.len()),
            // Each version is tagged with its branch.
            ("tags", "tags", history.versions),
            ("pact_versions", "pact_versions", history.contents.len()),
            (
                "pact_publications",
                "pact_publications",
                history.publications,
            ),
            (
                "latest_pact_publications",
                "latest_pact_publications",
                history.publications,
            ),
            ("integrations", "integrations", 600),
            (
                "providers of the front end",
                "integrations i JOIN pacticipants c ON c.id = i.consumer_id \
                 WHERE c.name = 'svc-000'",
                FRONT_END_PROVIDERS,
            ),
            (
                "verifications",
                "verifications",
                history.verifications.len(),
            ),
            (
                "failed verifications",
                "verifications WHERE NOT success",
                history.verifications.iter().filter(|v| !v.success).count(),
            ),
            (
                "latest_verifications",
                "latest_verifications",
                verified.len(),
            ),
            (
                "deployed_versions",
                "deployed_versions",
                history.deployments.len(),
            ),
            (
                "currently deployed",
                "deployed_versions WHERE undeployed_at IS NULL",
                history.deployments.iter().filter(|d| !d.ended).count(),
            ),
            (
                "released_versions",
                "released_versions",
                history.releases.len(),
            ),
            (
                "still supported",
                "released_versions WHERE support_ended_at IS NULL",
                history.releases.iter().filter(|r| !r.ended).count(),
            ),
        ],
    )
    .await?;
    support::check_derived(conn).await?;
    let checks = [
        (
            "verifications whose tags are not their provider version's",
            "SELECT count(*) AS n FROM verifications v WHERE v.provider_version_tags <> \
               ARRAY(SELECT t.name FROM tags t WHERE t.version_id = v.provider_version_id ORDER BY t.id)",
        ),
        (
            "verifications before their pact or provider version",
            "SELECT count(*) AS n FROM verifications v \
             JOIN pact_versions pv ON pv.id = v.pact_version_id \
             JOIN versions pr ON pr.id = v.provider_version_id \
             WHERE v.created_at < pv.created_at OR v.created_at < pr.created_at",
        ),
        (
            "verifications whose consumer or provider is not their pact's",
            "SELECT count(*) AS n FROM verifications v \
             JOIN pact_versions pv ON pv.id = v.pact_version_id \
             JOIN versions pr ON pr.id = v.provider_version_id \
             WHERE v.consumer_id <> pv.consumer_id OR v.provider_id <> pv.provider_id \
               OR pr.pacticipant_id <> v.provider_id",
        ),
    ];
    for (what, query) in checks {
        let row: CountRow = sql_query(query).get_result(conn).await?;
        ensure!(row.n == 0, "seeded data: {} {what}", row.n);
    }
    Ok(())
}

/// The database of `size`, seeded unless a database that passes the
/// checks for this history is there already; how long seeding took, if it
/// was done.
async fn database(
    postgres: &Postgres,
    size: Size,
    history: History,
) -> anyhow::Result<(String, Option<Duration>)> {
    let database = format!("matrix_{}_v{SEED_VERSION}", size.label);
    let description = description(size, &history)?;
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
    match found.as_slice() {
        _ if reseed => println!("  BENCH_RESEED: seeding again"),
        [] => {}
        [
            Description {
                description: Some(stored),
            },
        ] if *stored == description => {
            let url = postgres.database(&database).await?;
            let mut conn = AsyncPgConnection::establish(&url).await?;
            let started = Instant::now();
            match check_seed(&mut conn, &history).await {
                Ok(()) => {
                    println!(
                        "  the kept database passed the seed checks in {:.1} s",
                        started.elapsed().as_secs_f64()
                    );
                    return Ok((url, None));
                }
                Err(err) => {
                    println!("  the kept database is not this seed ({err:#}): seeding again")
                }
            }
        }
        [
            Description {
                description: Some(stored),
            },
        ] => println!("  the kept database is another seed ({stored}): seeding again"),
        [Description { description: None }] => {
            println!("  the kept database was not completely seeded: seeding again")
        }
        _ => unreachable!("database names are unique"),
    }
    // Identifiers cannot be bound; the name is ours.
    sql_query(format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&mut admin)
        .await?;
    let url = postgres.database(&database).await?;
    let started = Instant::now();
    let history = Arc::new(history);
    seed(&url, history.clone()).await?;
    let seeded = started.elapsed();
    check_seed(&mut AsyncPgConnection::establish(&url).await?, &history).await?;
    // The description is the benchmark's record, not the broker's, so it
    // has no write path: a comment on the database, written once every
    // check passed. Identifiers and comments cannot be bound; both are
    // ours, without quotes.
    sql_query(format!("COMMENT ON DATABASE {database} IS '{description}'"))
        .execute(&mut admin)
        .await?;
    Ok((url, Some(seeded)))
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

/// Warms up, checks the answer against `expected`, then measures
/// `requests` one at a time and `IN_FLIGHT` at once.
async fn measure<F, Fut>(
    requests: usize,
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
        let mut stats = run(requests, in_flight, move |_| {
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
    let started = Instant::now();
    let history = Simulation::run(size)?;
    println!(
        "  simulated {} versions, {} publications, {} verifications ({} write-path calls) in {:.1} s",
        history.versions,
        history.publications,
        history.verifications.len(),
        history.ops.len(),
        started.elapsed().as_secs_f64()
    );
    let (url, seeded) = database(postgres, size, history).await?;
    let mut conn = AsyncPgConnection::establish(&url).await?;
    let ids = read_ids(&mut conn, size).await?;
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
        size.requests,
        &label("REST /matrix can-i-deploy (Rust CLI)"),
        &deploy,
        report,
        get(format!(
            "{base}/matrix?q[][pacticipant]={consumer}&q[][version]={version}&latestby=cvpv&environment={environment}"
        )),
    )
    .await?;
    measure(
        size.requests,
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
    measure(size.requests, &label("gRPC CanIDeploy"), &deploy, report, {
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
        size.requests,
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
        size.requests,
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
        size.requests,
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
    for size in support::sizes(&SIZES, |s| s.label, "tenth,full")? {
        measure_size(&postgres, size, &mut report).await?;
    }
    println!("\nsummary");
    for line in &report {
        println!("{line}");
    }
    postgres.stop(false).await
}
