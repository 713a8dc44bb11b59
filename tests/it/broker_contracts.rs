//! The Pact tools' own contracts with a Pact Broker, verified against
//! pactwire by the real Rust verifier.
//!
//! The Rust verifier (crate pact_verifier 1.5.0) and the pact-reference
//! compatibility suite each hold a pact in which the tool is the consumer
//! and the Pact Broker the provider (copies in tests/fixtures/consumer-pacts).
//! Each test replays one of them with `pact verifier` against a real
//! pactwire on a loopback port, with a provider-state endpoint that seeds
//! each named state into that broker, as the Pact Broker verifies the Ruby
//! client's pacts in its own suite.
//!
//! Every interaction of a pact has a row in its table: `Verified`, or
//! `NotApplicable` with the reason no Pact Broker gives the response the
//! consumer's mock gave (the Pact Broker 2.120.0 source decides). Only the
//! verified ones go to the verifier, and an interaction without a row (or a
//! row without an interaction) fails the test, so nothing is skipped
//! silently.
//!
//! Where the consumer expects absolute hrefs, the broker runs with that
//! origin as its public base URL (`PACT_BROKER_BASE_URL`), as it would
//! behind the address the consumer's test assumed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::config::BrokerSettings;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::support::{TestApp, tools};

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Served by pactwire; the verifier must pass it.
    Verified,
    /// No Pact Broker gives the response the consumer's mock gave: why.
    NotApplicable(&'static str),
}
use Expect::{NotApplicable, Verified};

/// An interaction, by description and provider state, and its expectation.
type Row = (&'static str, Option<&'static str>, Expect);

const PACT_IS_HAL: &str = "expects Content-Type application/json, but for Accept \
    'application/hal+json, application/json' the Pact Broker serves a pact as \
    application/hal+json, the first type it offers that the client accepts (its own suite \
    verifies the Ruby client fetching a pact with that Accept as application/hal+json)";

const BRANCH_VERSION_IS_CREATED: &str = "expects 200 with Content-Type application/json \
    for adding a version to a branch; the Pact Broker answers 201 Created (200 only when \
    the version was already on the branch), always as application/hal+json";

/// pact_verifier 1.5.0 (RustPactVerifier) with PactBroker.
const RUST_VERIFIER: &[Row] = &[
    (
        "a request for a Pact from a webhook",
        None,
        NotApplicable(
            "a response recorded from PactFlow: its pb:publish-verification-results href \
             carries the metadata segment Y3Y9NTY4 (cv=568, a PactFlow database id), but \
             the Pact Broker repeats only a metadata segment of the request path, and \
             /version/4.3.9 has none",
        ),
    ),
    ("a request for a Pact provider", None, Verified),
    (
        "a request for a pact by version",
        Some("There is a pact with version 12345678"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request for a providers pacts",
        Some("There are no pacts in the pact broker"),
        Verified,
    ),
    (
        "a request for a providers pacts",
        Some("There are two pacts in the pact broker"),
        Verified,
    ),
    (
        "a request for the first provider pact",
        Some("There are two pacts in the pact broker"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request for the second provider pact",
        Some("There are two pacts in the pact broker"),
        NotApplicable(PACT_IS_HAL),
    ),
    (
        "a request to a non-existant path",
        Some("the pact broker has a valid pact"),
        Verified,
    ),
    (
        "a request to fetch pacts to be verified",
        None,
        NotApplicable(
            "expects a 400 on providerVersionBranch for a body that has no such key; the \
             Pact Broker refuses only a providerVersionBranch that is present and blank \
             (pacts_for_verification_json_query_schema.rb), and its validation errors are \
             application/hal+json, not application/json",
        ),
    ),
    (
        "a request to fetch pacts to be verified",
        Some("There are pacts to be verified"),
        NotApplicable(
            "expects verificationProperties.pending for a request that sends \
             includePendingStatus: false; the Pact Broker includes pending only when it is \
             asked for (verifiable_pact_decorator.rb, reference §1.4.2)",
        ),
    ),
    (
        "a request to publish provider branch",
        None,
        NotApplicable(BRANCH_VERSION_IS_CREATED),
    ),
    (
        "a request to publish the provider branch",
        None,
        NotApplicable(BRANCH_VERSION_IS_CREATED),
    ),
    (
        "a request to publish verification results",
        None,
        NotApplicable(
            "expects 200 with Content-Type application/json; the Pact Broker answers a new \
             verification result with 201 Created and application/hal+json (reference §1.4.3)",
        ),
    ),
    ("a request to the pact broker pacticipant", None, Verified),
    ("a request to the pact broker root", None, Verified),
    (
        "a request to the pacts for verification endpoint",
        None,
        Verified,
    ),
    (
        "publish results",
        None,
        NotApplicable(
            "POST /path/to/pact/verification is a URL the consumer test made up for its \
             mock; no Pact Broker has that resource",
        ),
    ),
];

const COMPAT_PACTS_FOR_VERIFICATION: &str = "expects each pact linked at \
    .../pacts/provider/p/consumer/c_N and named 'Pact between c_N and p', the list's self \
    href to be the unexpanded template .../pacts/provider/{provider}/for-verification, and \
    Content-Type application/json; the Pact Broker links a pact by its content permalink \
    .../pact-version/{sha}/metadata/{m} named with the consumer version, links self to the \
    URL requested, and answers application/hal+json";

const COMPAT_ROOT: &str = "its regex quotes with \\Q...\\E, which the verifier's regex \
    engine (Oniguruma, Ruby syntax) reads as the letters Q and E, so no href of a real \
    broker matches; it also expects Content-Type application/json where the Pact Broker's \
    index is application/hal+json";

const COMPAT_PUBLISH: &str = "POST /pacts/provider/p/consumer/c_N/verification-results \
    exists only in the compatibility suite's mock broker; the Pact Broker takes results at \
    .../pact-version/{sha}[/metadata/{m}]/verification-results, the link of the pact fetched";

/// The pact-reference compatibility suite's mock broker, consumer c_1.
const COMPAT_C1: &[Row] = &[
    (
        "a request for the provider pacts",
        None,
        NotApplicable(COMPAT_PACTS_FOR_VERIFICATION),
    ),
    (
        "a request for the provider pacts link",
        None,
        NotApplicable(
            "its regex .(*\\/pacts\\/provider\\/p\\/for-verification)$ is not a valid regular \
             expression (Oniguruma: invalid callout name), so no response matches; it also \
             expects Content-Type application/json where the Pact Broker answers \
             application/hal+json",
        ),
    ),
    ("a request to the root", None, NotApplicable(COMPAT_ROOT)),
    (
        "publish verification results for c_1",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
];

/// The pact-reference compatibility suite's mock broker, consumer c_2.
const COMPAT_C2: &[Row] = &[
    (
        "a request for the provider pacts",
        None,
        NotApplicable(COMPAT_PACTS_FOR_VERIFICATION),
    ),
    (
        "a request for the provider pacts link",
        None,
        NotApplicable(
            "expects Content-Type application/json; the Pact Broker answers pacts for \
             verification as application/hal+json",
        ),
    ),
    ("a request to the root", None, NotApplicable(COMPAT_ROOT)),
    (
        "publish verification results for c_2",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
    (
        "publish failed verification results for c_2",
        None,
        NotApplicable(COMPAT_PUBLISH),
    ),
];

#[tokio::test]
async fn the_rust_verifiers_pact_with_a_pact_broker_is_verified() {
    verify(
        "RustPactVerifier-PactBroker",
        include_str!(
            "../fixtures/consumer-pacts/pact_verifier-1.5.0-generated__RustPactVerifier-PactBroker.json"
        ),
        RUST_VERIFIER,
    )
    .await;
}

// The compatibility suite's mock broker answers nothing the way the Pact
// Broker does (see the tables), so these only keep the tables complete: the
// verifier runs once one of their rows is `Verified`.

#[tokio::test]
async fn the_compatibility_suites_broker_pact_for_c1_is_covered() {
    verify(
        "pact-broker_c1",
        include_str!(
            "../fixtures/consumer-pacts/pact-reference__compat-suite__pact-broker_c1.json"
        ),
        COMPAT_C1,
    )
    .await;
}

#[tokio::test]
async fn the_compatibility_suites_broker_pact_for_c2_is_covered() {
    verify(
        "pact-broker_c2",
        include_str!(
            "../fixtures/consumer-pacts/pact-reference__compat-suite__pact-broker_c2.json"
        ),
        COMPAT_C2,
    )
    .await;
}

/// Checks that `table` names every interaction of the pact exactly once,
/// then has the verifier verify the `Verified` ones: one broker per public
/// base URL they expect.
async fn verify(name: &str, pact: &str, table: &[Row]) {
    let pact: Value = serde_json::from_str(pact).expect("a pact file");
    let mut used = vec![false; table.len()];
    let mut by_origin: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
    for interaction in pact["interactions"].as_array().expect("interactions") {
        let (description, state) = key(interaction);
        let rows: Vec<usize> = (0..table.len())
            .filter(|&i| table[i].0 == description && table[i].1 == state.as_deref())
            .collect();
        let [row] = rows[..] else {
            panic!(
                "{name}: '{description}' given {state:?} must have exactly one row in the table, \
                 has {}",
                rows.len()
            );
        };
        assert!(
            !used[row],
            "{name}: two interactions are '{description}' given {state:?}"
        );
        used[row] = true;
        match table[row].2 {
            Verified => by_origin
                .entry(public_origin(interaction))
                .or_default()
                .push(interaction.clone()),
            NotApplicable(reason) => {
                assert!(
                    !reason.trim().is_empty(),
                    "{name}: say why '{description}' is not applicable"
                );
            }
        }
    }
    let stale: Vec<_> = table
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(row, _)| (row.0, row.1))
        .collect();
    assert!(
        stale.is_empty(),
        "{name}: rows for interactions the pact does not have: {stale:?}"
    );

    // Interactions that expect no absolute href run with any of the others.
    if by_origin.len() > 1
        && let Some(anywhere) = by_origin.remove(&None)
    {
        by_origin
            .values_mut()
            .next()
            .expect("another group")
            .extend(anywhere);
    }
    let mut failures = Vec::new();
    for (base_url, interactions) in by_origin {
        if let Err(failure) = run_verifier(&pact, base_url, interactions).await {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

/// An interaction's description and provider state.
fn key(interaction: &Value) -> (String, Option<String>) {
    let description = interaction["description"]
        .as_str()
        .expect("a description")
        .to_owned();
    let states: Vec<String> = match &interaction["providerStates"] {
        Value::Array(states) => states
            .iter()
            .map(|s| s["name"].as_str().expect("a state name").to_owned())
            .collect(),
        _ => interaction["providerState"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect(),
    };
    assert!(
        states.len() <= 1,
        "'{description}': the table names one provider state at most, not {states:?}"
    );
    (description, states.into_iter().next())
}

/// The origin of the absolute hrefs in the expected response body, which is
/// the broker address the consumer's test assumed.
fn public_origin(interaction: &Value) -> Option<String> {
    let body = &interaction["response"]["body"];
    // V4 pacts wrap a body as {content, contentType, encoded}.
    let body = match body.get("contentType") {
        Some(_) => &body["content"],
        None => body,
    };
    let mut origins = BTreeSet::new();
    collect_origins(body, &mut origins);
    assert!(
        origins.len() <= 1,
        "'{}' expects hrefs on several origins: {origins:?}",
        interaction["description"]
    );
    origins.into_iter().next()
}

fn collect_origins(value: &Value, origins: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "href"
                    && let Some(url) = value.as_str().and_then(|h| url::Url::parse(h).ok())
                    && url.has_host()
                {
                    origins.insert(url.origin().ascii_serialization());
                } else {
                    collect_origins(value, origins);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_origins(item, origins)),
        _ => {}
    }
}

/// Runs `pact verifier` over a copy of the pact with only `interactions`,
/// against a fresh pactwire whose public base URL is `base_url`; fails
/// unless each of them passed.
async fn run_verifier(
    pact: &Value,
    base_url: Option<String>,
    interactions: Vec<Value>,
) -> Result<(), String> {
    let app = TestApp::start_with(BrokerSettings {
        base_url: base_url.clone(),
        ..Default::default()
    })
    .await;
    let state_change_url = start_state_endpoint(&app).await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("broker-contracts")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("creating a directory for the pact");
    let mut copy = pact.clone();
    copy["interactions"] = Value::Array(interactions.clone());
    let file = dir.join("pact.json");
    std::fs::write(&file, copy.to_string()).expect("writing the pact");
    let report = dir.join("report.json");
    let port = url::Url::parse(&app.base)
        .ok()
        .and_then(|u| u.port())
        .expect("the broker's port");

    let mut command = tools::pact_rust();
    command
        .arg("verifier")
        .arg("--file")
        .arg(&file)
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
        .args(["--state-change-url", &state_change_url])
        .arg("--json")
        .arg(&report)
        .arg("--no-colour")
        .env("PACT_DO_NOT_TRACK", "true");
    let (code, out, err) = tools::run(command).await;
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&report).expect("the verifier's JSON report"),
    )
    .expect("a JSON report");
    let _ = std::fs::remove_dir_all(&dir);
    let results = report["interactionResults"]
        .as_array()
        .expect("interaction results");
    let passed = results.iter().filter(|r| r["result"] == "OK").count();
    if code == 0 && passed == interactions.len() && results.len() == passed {
        Ok(())
    } else {
        Err(format!(
            "with base URL {base_url:?}, {passed} of {} interactions passed (exit code {code}):\n{out}\n{err}",
            interactions.len()
        ))
    }
}

// ---------------------------------------------------------------- provider states

/// Seeds provider states into one broker: through its REST API, and with
/// SQL on its database where the API cannot make the data.
#[derive(Clone)]
struct Seeder {
    broker: String,
    db_url: String,
    http: reqwest::Client,
}

/// What the verifier posts to the state change URL.
#[derive(Deserialize)]
struct StateChange {
    state: String,
    #[serde(default)]
    action: String,
}

/// A state change endpoint on a loopback port for `app`; returns its URL.
async fn start_state_endpoint(app: &TestApp) -> String {
    let seeder = Seeder {
        broker: app.base.clone(),
        db_url: app.db.url.clone(),
        http: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    let router = axum::Router::new()
        .route("/", axum::routing::post(change_state))
        .with_state(seeder);
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn change_state(State(seeder): State<Seeder>, Json(change): Json<StateChange>) -> StatusCode {
    if change.action != "teardown" {
        seeder.set_up(&change.state).await;
    }
    StatusCode::OK
}

impl Seeder {
    /// Empties the broker, then makes `state` true. An unknown state panics,
    /// which fails the interaction.
    async fn set_up(&self, state: &str) {
        // Every contract table references a pacticipant or an environment.
        self.sql("TRUNCATE pacticipants, environments RESTART IDENTITY CASCADE")
            .await;
        match state {
            // The verifier posts an empty state for an interaction without
            // one: the data those interactions rely on.
            "" => {
                self.post(
                    "/pacticipants",
                    json!({"name": "Pact Broker", "displayName": "Pact Broker"}),
                )
                .await;
                // Created when the consumer's test recorded it, and updated
                // within the same second: the Pact Broker leaves updatedAt out
                // only when it equals createdAt exactly.
                self.sql(
                    "UPDATE pacticipants SET created_at = '2019-05-04 06:20:15+00', \
                     updated_at = '2019-05-04 06:20:15.5+00' WHERE name = 'Pact Broker'",
                )
                .await;
                // The Pact Broker answers 404 for pacts of a provider it does not know.
                self.post("/pacticipants", json!({"name": "sad_provider"}))
                    .await;
            }
            "There are no pacts in the pact broker" => {}
            "the pact broker has a valid pact" => {
                self.publish("Consumer", "1.0.0", &[], happy_pact("Consumer", json!([])))
                    .await;
            }
            "There are two pacts in the pact broker" => {
                self.publish("Consumer", "1.0.0", &[], happy_pact("Consumer", json!([])))
                    .await;
                let friends = json!([{
                    "description": "a request friends",
                    "request": {"method": "GET", "path": "/"},
                    "response": {"status": 200},
                }]);
                self.publish("Consumer2", "1.0.0", &[], happy_pact("Consumer2", friends))
                    .await;
            }
            // For rows that are not applicable today, so that only the
            // table changes if they become so.
            "There is a pact with version 12345678" => {
                self.publish("Consumer", "1.0.0", &[], happy_pact("Consumer", json!([])))
                    .await;
                // A content hash the broker would never compute.
                self.sql("UPDATE pact_versions SET sha = '12345678'").await;
            }
            "There are pacts to be verified" => {
                self.publish(
                    "Consumer",
                    "239aa5048a7de54fe5f231116c6d603eab0c6fde",
                    &["prod"],
                    happy_pact("Consumer", json!([])),
                )
                .await;
            }
            other => panic!("no provider state '{other}'"),
        }
    }

    async fn sql(&self, statement: &str) {
        let mut conn = AsyncPgConnection::establish(&self.db_url)
            .await
            .expect("connecting to the test database");
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|err| panic!("{statement}: {err}"));
    }

    async fn post(&self, path: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.broker))
            .json(&body)
            .send()
            .await
            .expect("calling the broker");
        let status = response.status();
        let reply: Value = response.json().await.expect("a JSON reply");
        assert!(status.is_success(), "POST {path} {body}: {status} {reply}");
    }

    /// Publishes `content` for `version` of `consumer` with `tags`.
    async fn publish(&self, consumer: &str, version: &str, tags: &[&str], content: Value) {
        self.post(
            "/contracts/publish",
            json!({
                "pacticipantName": consumer,
                "pacticipantVersionNumber": version,
                "tags": tags,
                "contracts": [{
                    "consumerName": consumer,
                    "providerName": content["provider"]["name"],
                    "specification": "pact",
                    "contentType": "application/json",
                    "content": STANDARD.encode(content.to_string()),
                }],
            }),
        )
        .await;
    }
}

/// A pact from `consumer` to happy_provider, as the Rust consumer DSL
/// writes one.
fn happy_pact(consumer: &str, interactions: Value) -> Value {
    json!({
        "consumer": {"name": consumer},
        "provider": {"name": "happy_provider"},
        "interactions": interactions,
        "metadata": {
            "pactRust": {"models": "1.3.17"},
            "pactSpecification": {"version": "3.0.0"},
        },
    })
}
