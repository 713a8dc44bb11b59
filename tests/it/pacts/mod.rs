//! Publishing and fetching pacts over both transports: `POST
//! /contracts/publish`, the legacy PUT/PATCH, every way of reading a pact,
//! the publication rules (republish, conflict, merge, dangerous overwrite),
//! content addressing, validation that writes nothing, and the index.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::grpc::pb;
use pactwire::settings::BrokerSettings;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::contracts;

mod bad_input;
mod collections;
mod fetch;
mod index;
mod large;
mod legacy;
mod publish;
mod rules;

const SHA_VERSION: &str = "dc5eb529230038a4673b8c971395bd2922d8b240";
const BASE: &str = "http://broker.example";

/// Every table a publish writes to.
const TABLES: [&str; 8] = [
    "pacticipants",
    "versions",
    "branches",
    "branch_versions",
    "tags",
    "pact_versions",
    "pact_publications",
    "integrations",
];

async fn counts(app: &TestApp) -> BTreeMap<&'static str, i64> {
    let mut counts = BTreeMap::new();
    for table in TABLES {
        counts.insert(table, app.count(table).await);
    }
    counts
}

fn interaction(description: &str, path: &str) -> Value {
    json!({
        "description": description,
        "providerState": "a thing exists",
        "request": { "method": "GET", "path": path },
        "response": {
            "status": 200,
            "headers": { "Content-Type": "application/json" },
            "body": { "id": 1 }
        }
    })
}

fn pact(consumer: &str, provider: &str, interactions: Vec<Value>) -> Value {
    json!({
        "consumer": { "name": consumer },
        "provider": { "name": provider },
        "interactions": interactions,
        "metadata": { "pactSpecification": { "version": "2.0.0" } }
    })
}

fn b64(content: &Value) -> String {
    STANDARD.encode(content.to_string())
}

fn contract(consumer: &str, provider: &str, content: &Value) -> Value {
    json!({
        "consumerName": consumer,
        "providerName": provider,
        "specification": "pact",
        "contentType": "application/json",
        "content": b64(content),
        "onConflict": "overwrite"
    })
}

/// A publish request of consumer Foo's `version` with no branch or tags.
fn publish_body(version: &str, contracts: Vec<Value>) -> Value {
    json!({
        "pacticipantName": "Foo",
        "pacticipantVersionNumber": version,
        "contracts": contracts
    })
}

/// The request of reference §1.4.1, as the CLIs send it.
fn reference_request() -> Value {
    json!({
        "pacticipantName": "Foo",
        "pacticipantVersionNumber": SHA_VERSION,
        "branch": "main",
        "tags": ["main"],
        "buildUrl": "https://ci/1",
        "contracts": [{
            "consumerName": "Foo",
            "providerName": "Bar",
            "specification": "pact",
            "contentType": "application/json",
            "content": b64(&pact("Foo", "Bar", vec![interaction("a request for a thing", "/things/1")])),
            "onConflict": "overwrite"
        }]
    })
}

fn grpc_contract(
    provider: &str,
    content: &Value,
    strategy: pb::ConflictStrategy,
) -> pb::ContractToPublish {
    pb::ContractToPublish {
        consumer_name: "Foo".into(),
        provider_name: provider.into(),
        specification: "pact".into(),
        content_type: "application/json".into(),
        content: content.to_string().into_bytes(),
        on_conflict: strategy as i32,
    }
}

fn grpc_publish_request(
    version: &str,
    contracts: Vec<pb::ContractToPublish>,
) -> pb::PublishContractsRequest {
    pb::PublishContractsRequest {
        pacticipant_name: "Foo".into(),
        pacticipant_version_number: version.into(),
        contracts,
        ..Default::default()
    }
}

async fn grpc_publish(
    app: &TestApp,
    request: pb::PublishContractsRequest,
) -> Result<pb::PublishContractsResponse, tonic::Status> {
    app.pacts()
        .await
        .publish_contracts(request)
        .await
        .map(tonic::Response::into_inner)
}

async fn grpc_get(
    app: &TestApp,
    consumer: &str,
    provider: &str,
    selector: Option<pb::get_pact_request::Selector>,
) -> Result<pb::Pact, tonic::Status> {
    app.pacts()
        .await
        .get_pact(pb::GetPactRequest {
            consumer: consumer.into(),
            provider: provider.into(),
            selector,
        })
        .await
        .map(|r| r.into_inner().pact.expect("a pact"))
}

fn content_of(pact: &pb::Pact) -> Value {
    serde_json::from_slice(&pact.content).expect("pact content is JSON")
}

fn descriptions(doc: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = doc["interactions"]
        .as_array()
        .expect("interactions")
        .iter()
        .map(|i| i["description"].as_str().expect("description"))
        .collect();
    names.sort_unstable();
    names
}

/// A raw REST request with headers, returning status, content type and the
/// body as JSON.
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, Value) {
    let mut request = app.http.request(method, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, json)
}

fn link<'a>(body: &'a Value, relation: &str) -> &'a str {
    body["_links"][relation]["href"]
        .as_str()
        .unwrap_or_else(|| panic!("no {relation} link in {body}"))
}

async fn assert_nothing_written(app: &TestApp, label: &str) {
    let written: Vec<_> = counts(app)
        .await
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect();
    assert!(
        written.is_empty(),
        "{label}: rows were written: {written:?}"
    );
}
