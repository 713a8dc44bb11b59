//! The Pact tools' own contracts with a Pact Broker, verified against
//! pactwire by the real Rust verifier.
//!
//! The Pact tools hold pacts in which the tool is the consumer and the Pact
//! Broker the provider (copies in tests/fixtures/consumer-pacts): the Rust
//! verifier (crate pact_verifier 1.5.0), the Rust `pact broker` CLI
//! (pact-broker-cli 0.9.0), the Ruby `pact-broker` CLI (pact_broker-client)
//! and the pact-reference compatibility suite's mock broker. Each test
//! replays one of them with `pact verifier` against a real pactwire on a
//! loopback port, with a provider-state endpoint that seeds each named state
//! into that broker (`states.rs`), as the Pact Broker verifies the clients'
//! pacts in its own suite.
//!
//! Every interaction of a pact has a row in its table: `Verified`, `Later`
//! naming the capability pactwire has not built yet, or `NotApplicable` with
//! the reason no Pact Broker gives the response the consumer's mock gave
//! (the Pact Broker 2.120.0 source decides). Only the verified ones go to
//! the verifier, and an interaction without a row (or a row without an
//! interaction) fails the test, so nothing is skipped silently.
//!
//! Where the consumer expects absolute hrefs that no matching rule frees,
//! the broker runs with that origin as its public base URL
//! (`PACT_BROKER_BASE_URL`), as it would behind the address the consumer's
//! test assumed. The verifier reaches the broker through a proxy that puts
//! `/matrix` queries back in the order the CLIs send them (see
//! [`MATRIX_QUERIES`]).

mod cli;
mod ruby_client;
mod states;
mod verifier;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::Response;
use pactwire::settings::BrokerSettings;
use serde_json::Value;

use crate::support::{TestApp, tools};

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Served by pactwire; the verifier must pass it.
    Verified,
    /// Needs a capability pactwire has not built yet: which.
    Later(&'static str),
    /// No Pact Broker gives the response the consumer's mock gave: why.
    NotApplicable(&'static str),
}

/// An interaction, by description and provider state, and its expectation.
type Row = (&'static str, Option<&'static str>, Expect);

/// The capability the webhook rows wait for.
const WEBHOOKS: &str = "webhooks (not built yet)";

/// The index rows that expect the webhook relations.
const WEBHOOK_RELATIONS: &str = "webhooks (not built yet): the index links pb:webhooks and \
    pb:webhook once they are";

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
            Expect::Verified => by_origin
                .entry(public_origin(interaction))
                .or_default()
                .push(interaction.clone()),
            Expect::Later(why) | Expect::NotApplicable(why) => {
                assert!(
                    !why.trim().is_empty(),
                    "{name}: say why '{description}' is not verified"
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

/// The origin of the absolute hrefs in the expected response body that must
/// match exactly, which is the broker address the consumer's test assumed.
/// An href under a matching rule (a regex, or a type match on it or on an
/// enclosing value) takes any origin.
fn public_origin(interaction: &Value) -> Option<String> {
    let response = &interaction["response"];
    let body = &response["body"];
    // V4 pacts wrap a body as {content, contentType, encoded}.
    let body = match body.get("contentType") {
        Some(_) => &body["content"],
        None => body,
    };
    let matched = matched_paths(&response["matchingRules"]);
    let mut origins = BTreeSet::new();
    collect_origins(body, &mut Vec::new(), &matched, &mut origins);
    assert!(
        origins.len() <= 1,
        "'{}' expects hrefs on several origins: {origins:?}",
        interaction["description"]
    );
    origins.into_iter().next()
}

/// One step into a JSON body, as a matching rule's path names it.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    /// `*` or `[*]`: any key or index.
    Any,
}

/// The body paths a response's matching rules cover: V2 keys such as
/// `$.body._links['pb:x'][0].href`, or V3/V4 `body` keys such as `$.a.b`.
fn matched_paths(rules: &Value) -> Vec<Vec<Step>> {
    let (Value::Object(rules), prefix) = (match rules.get("body") {
        Some(body) => (body, "$"),
        None => (rules, "$.body"),
    }) else {
        return Vec::new();
    };
    rules
        .keys()
        .filter_map(|path| path.strip_prefix(prefix))
        .map(steps)
        .collect()
}

/// Parses the rest of a matching rule's path, after `$` or `$.body`.
fn steps(mut path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    while !path.is_empty() {
        let (step, rest) = if let Some(rest) = path.strip_prefix("['") {
            let (key, rest) = rest.split_once("']").expect("a closed ['key']");
            (Step::Key(key.to_owned()), rest)
        } else if let Some(rest) = path.strip_prefix('[') {
            let (index, rest) = rest.split_once(']').expect("a closed [index]");
            let step = match index {
                "*" => Step::Any,
                n => Step::Index(n.parse().expect("an index")),
            };
            (step, rest)
        } else {
            let rest = path.strip_prefix('.').expect("a path step");
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let step = match &rest[..end] {
                "*" => Step::Any,
                key => Step::Key(key.to_owned()),
            };
            (step, &rest[end..])
        };
        steps.push(step);
        path = rest;
    }
    steps
}

/// Whether a rule on `rule` covers the value at `path`: the rule's path is
/// `path` or one of its ancestors, since a type match applies to what is
/// inside.
fn covers(rule: &[Step], path: &[Step]) -> bool {
    rule.len() <= path.len()
        && rule
            .iter()
            .zip(path)
            .all(|(r, p)| *r == Step::Any || r == p)
}

fn collect_origins(
    value: &Value,
    path: &mut Vec<Step>,
    matched: &[Vec<Step>],
    origins: &mut BTreeSet<String>,
) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                path.push(Step::Key(key.clone()));
                if key == "href"
                    && !matched.iter().any(|rule| covers(rule, path))
                    && let Some(url) = value.as_str().and_then(|h| url::Url::parse(h).ok())
                    && url.has_host()
                {
                    origins.insert(url.origin().ascii_serialization());
                } else {
                    collect_origins(value, path, matched, origins);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(Step::Index(index));
                collect_origins(item, path, matched, origins);
                path.pop();
            }
        }
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
    let app = Arc::new(
        TestApp::start_with(BrokerSettings {
            base_url: base_url.clone(),
            ..Default::default()
        })
        .await,
    );
    let (state_change_url, state_endpoint) = states::start_endpoint(app.clone()).await;
    let (port, proxy) = start_proxy(&app.base).await;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("broker-contracts")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("creating a directory for the pact");
    let mut copy = pact.clone();
    copy["interactions"] = Value::Array(interactions.clone());
    let file = dir.join("pact.json");
    std::fs::write(&file, copy.to_string()).expect("writing the pact");
    let report = dir.join("report.json");

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
    state_endpoint.abort();
    proxy.abort();
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

// ---------------------------------------------------------------- matrix queries

/// `/matrix` queries with several selectors, in the order the Pact CLIs
/// send them: each selector's keys together.
///
/// A V2 pact keeps a query as a map from key to values, so the verifier
/// replays `q[][pacticipant]=Foo&q[][pacticipant]=Bar&q[][version]=1.2.3`
/// grouped by key, which a Rack query parser reads as a Foo without a
/// version. The proxy in front of the broker puts back the order the CLI
/// sent, as the Pact Broker's own verification of these pacts does
/// (spec/service_consumers/hal_relation_proxy_app.rb).
const MATRIX_QUERIES: &[&str] = &[
    "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv",
    "q[][pacticipant]=Foo+Thing&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv",
    "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][version]=9.9.9&latestby=cvpv",
    "q[][pacticipant]=Wiffle&q[][version]=1.2.3&q[][pacticipant]=Meep&q[][version]=9.9.9&latestby=cvpv",
    "q[][pacticipant]=Foo&q[][version]=1.2.3&q[][pacticipant]=Bar&q[][latest]=true&q[][tag]=prod&latestby=cvpv",
    "q[][pacticipant]=Foo&q[][version]=1.2.4&q[][pacticipant]=Bar&q[][latest]=true&latestby=cvpv",
    "q[][pacticipant]=Foo&q[][version]=1.2.4&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv\
     &ignore[][pacticipant]=Baz",
    "q[][pacticipant]=Foo&q[][version]=1.2.4&q[][pacticipant]=Bar&q[][version]=4.5.6&latestby=cvpv\
     &ignore[][pacticipant]=Baz&ignore[][version]=9.9.9",
    "q[][pacticipant]=Bar&q[][version]=4.5.6&q[][pacticipant]=Foo&q[][tag]=prod&latestby=cvpv\
     &ignore[][pacticipant]=Foo&ignore[][version]=3.4.5",
];

/// A query's values by key, in order within each key: what a V2 pact keeps.
fn grouped(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        groups
            .entry(key.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    groups
}

/// The query the CLI sent for one the verifier replays.
fn as_sent(query: &str) -> &str {
    let replayed = grouped(query);
    MATRIX_QUERIES
        .iter()
        .find(|sent| grouped(sent) == replayed)
        .copied()
        .unwrap_or(query)
}

#[derive(Clone)]
struct Proxy {
    broker: String,
    http: reqwest::Client,
}

/// A proxy on a loopback port in front of the broker at `broker`; returns
/// its port and the task serving it.
async fn start_proxy(broker: &str) -> (u16, tokio::task::JoinHandle<()>) {
    let proxy = Proxy {
        broker: broker.to_owned(),
        http: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding");
    let port = listener.local_addr().expect("address").port();
    let router = axum::Router::new().fallback(forward).with_state(proxy);
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serving");
    });
    (port, task)
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut url = format!("{}{}", proxy.broker, parts.uri.path());
    if let Some(query) = parts.uri.query() {
        url.push('?');
        url.push_str(if parts.uri.path() == "/matrix" {
            as_sent(query)
        } else {
            query
        });
    }
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the request body");
    let mut headers = parts.headers;
    headers.remove(header::HOST);
    let reply = proxy
        .http
        .request(parts.method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("calling the broker");
    let mut response = Response::builder().status(reply.status());
    for (name, value) in reply.headers() {
        // The body is passed on whole, so its framing is the proxy's own.
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            response = response.header(name, value);
        }
    }
    let body = reply.bytes().await.expect("the broker's reply");
    response.body(Body::from(body)).expect("a response")
}
