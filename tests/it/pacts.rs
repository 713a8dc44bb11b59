//! Publishing and fetching pacts over both transports: `POST
//! /contracts/publish`, the legacy PUT/PATCH, every way of reading a pact,
//! the publication rules (republish, conflict, merge, dangerous overwrite),
//! content addressing, validation that writes nothing, and the index.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::config::BrokerSettings;
use pactwire::grpc::pb;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::contracts;

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

/// Publishes `content` for Foo `version` with provider Bar over REST and
/// expects success.
async fn publish_ok(app: &TestApp, version: &str, content: &Value) -> Value {
    let (status, body) = app
        .post(
            "/contracts/publish",
            &publish_body(version, vec![contract("Foo", "Bar", content)]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
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

// ---------------------------------------------------------------------------
// POST /contracts/publish

#[tokio::test]
async fn publish_contracts_answers_the_pact_broker_body() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let (status, body) = app.post("/contracts/publish", &reference_request()).await;
    assert_eq!(status, 200, "{body}");

    // What the Rust CLI deserialises strictly.
    for log in body["logs"].as_array().expect("logs") {
        assert!(log["level"].is_string(), "{log}");
        assert!(log["message"].is_string(), "{log}");
        assert_eq!(log["deprecationWarning"], "Replaced by notices");
    }
    for notice in body["notices"].as_array().expect("notices") {
        assert!(
            notice["type"].is_string() && notice["text"].is_string(),
            "{notice}"
        );
    }
    let version_self = &body["_embedded"]["version"]["_links"]["self"];
    for key in ["href", "name", "title"] {
        assert!(version_self[key].is_string(), "version self {key}: {body}");
    }
    let contracts = body["_links"]["pb:contracts"]
        .as_array()
        .expect("pb:contracts");
    assert_eq!(contracts.len(), 1);
    for key in ["href", "name", "title"] {
        assert!(contracts[0][key].is_string(), "contract {key}: {body}");
        assert!(body["_links"]["pb:pacticipant"][key].is_string(), "{body}");
        assert!(
            body["_links"]["pb:pacticipant-version"][key].is_string(),
            "{body}"
        );
    }

    insta::assert_json_snapshot!(body, {
        ".**.createdAt" => "[time]",
        ".**.updatedAt" => "[time]",
    });
}

#[tokio::test]
async fn publish_creates_the_pacticipants_version_branch_and_tags() {
    let app = TestApp::start().await;
    let (status, body) = app.post("/contracts/publish", &reference_request()).await;
    assert_eq!(status, 200, "{body}");

    let (status, foo) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "{foo}");
    assert_eq!(foo["name"], "Foo");
    let (status, bar) = app.get("/pacticipants/Bar").await;
    assert_eq!(status, 200, "{bar}");
    assert_eq!(bar["name"], "Bar");

    let (status, version) = app
        .get(&format!("/pacticipants/Foo/versions/{SHA_VERSION}"))
        .await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["number"], SHA_VERSION);
    assert_eq!(version["buildUrl"], "https://ci/1");
    let branches = version["_embedded"]["branchVersions"].as_array().unwrap();
    assert_eq!(branches.len(), 1, "{version}");
    assert_eq!(branches[0]["name"], "main");
    assert_eq!(branches[0]["latest"], true);
    let tags = version["_embedded"]["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 1, "{version}");
    assert_eq!(tags[0]["name"], "main");

    let (status, branch) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200, "{branch}");
    assert_eq!(branch["latestVersion"], SHA_VERSION);
    let (status, tag) = app
        .get(&format!(
            "/pacticipants/Foo/versions/{SHA_VERSION}/tags/main"
        ))
        .await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["name"], "main");

    let (status, pact) = app
        .get(&format!(
            "/pacts/provider/Bar/consumer/Foo/version/{SHA_VERSION}"
        ))
        .await;
    assert_eq!(status, 200, "{pact}");
    assert_eq!(
        pact["interactions"][0]["description"],
        "a request for a thing"
    );

    let expected: BTreeMap<&str, i64> = [
        ("pacticipants", 2),
        ("versions", 1),
        ("branches", 1),
        ("branch_versions", 1),
        ("tags", 1),
        ("pact_versions", 1),
        ("pact_publications", 1),
        ("integrations", 1),
    ]
    .into();
    assert_eq!(counts(&app).await, expected);

    // The notices tell the person what happened.
    let texts: Vec<&str> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts[0],
        format!("Created Foo version {SHA_VERSION} with branch main and tag main")
    );
    assert_eq!(
        texts[1],
        format!("Pact successfully published for Foo version {SHA_VERSION} and provider Bar.")
    );
    assert_eq!(
        texts[2],
        format!(
            "View the published pact at {}/pacts/provider/Bar/consumer/Foo/version/{SHA_VERSION}",
            app.base
        )
    );
}

#[tokio::test]
async fn publish_response_reports_the_branch_of_the_request() {
    let app = TestApp::start().await;
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/things/1")]);
    // The same version published on b1, then b2, then b1 again: each answer
    // names the branch of its own request, not the version's newest or
    // last-sorted membership.
    for branch in ["b1", "b2", "b1"] {
        let mut request = publish_body("1", vec![contract("Foo", "Bar", &content)]);
        request["branch"] = json!(branch);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 200, "{branch}: {body}");
        assert_eq!(body["_embedded"]["version"]["branch"], branch, "{body}");
    }
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(
        version["_embedded"]["branchVersions"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{version}"
    );
    // A request without a branch names none, though the version has two.
    let (status, body) = app
        .post(
            "/contracts/publish",
            &publish_body("1", vec![contract("Foo", "Bar", &content)]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["_embedded"]["version"].get("branch").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn grpc_publish_creates_the_same_resources() {
    let app = TestApp::start().await;
    let content = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    let mut request = grpc_publish_request(
        "1.0.0",
        vec![grpc_contract(
            "Bar",
            &content,
            pb::ConflictStrategy::Unspecified,
        )],
    );
    request.branch = "main".into();
    request.tags = vec!["prod".into(), "dev".into()];
    request.build_url = "https://ci/2".into();
    let response = grpc_publish(&app, request).await.expect("published");

    let version = response.version.expect("version");
    assert_eq!(version.pacticipant, "Foo");
    assert_eq!(version.number, "1.0.0");
    assert_eq!(version.build_url, "https://ci/2");
    assert_eq!(
        version
            .branches
            .iter()
            .map(|b| b.branch.as_str())
            .collect::<Vec<_>>(),
        ["main"]
    );
    assert_eq!(
        version
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["prod", "dev"]
    );
    assert_eq!(response.contracts.len(), 1);
    let published = &response.contracts[0];
    assert_eq!(published.outcome, pb::PublicationOutcome::Created as i32);
    let stored = published.pact.as_ref().expect("pact");
    assert_eq!(
        (stored.consumer.as_str(), stored.provider.as_str()),
        ("Foo", "Bar")
    );
    assert_eq!(stored.consumer_version, "1.0.0");
    assert_eq!(stored.content_sha.len(), 40);
    assert_eq!(content_of(stored)["interactions"], content["interactions"]);
    assert_eq!(stored.consumer_version_branches, ["main"]);
    assert_eq!(stored.consumer_version_tags, ["prod", "dev"]);
    let types: Vec<i32> = response.notices.iter().map(|n| n.r#type).collect();
    assert_eq!(
        types,
        [
            pb::NoticeType::Success as i32,
            pb::NoticeType::Success as i32
        ]
    );
    assert_eq!(
        response.notices[1].text,
        "Pact successfully published for Foo version 1.0.0 and provider Bar."
    );

    // The same resources as a REST publish.
    let (status, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["buildUrl"], "https://ci/2");
    let (status, _) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200);
    for tag in ["prod", "dev"] {
        let (status, _) = app
            .get(&format!("/pacticipants/Foo/versions/1.0.0/tags/{tag}"))
            .await;
        assert_eq!(status, 200, "tag {tag}");
    }
    let (status, pact) = app
        .get("/pacts/provider/Bar/consumer/Foo/version/1.0.0")
        .await;
    assert_eq!(status, 200, "{pact}");
    assert_eq!(pact["interactions"], content["interactions"]);
}

// ---------------------------------------------------------------------------
// Publication rules

#[tokio::test]
async fn republishing_identical_content_succeeds_and_writes_nothing() {
    let app = TestApp::start().await;
    let content = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    publish_ok(&app, "1", &content).await;
    let before = counts(&app).await;
    let (_, first) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;

    let body = publish_ok(&app, "1", &content).await;
    let notices = body["notices"].as_array().unwrap();
    assert_eq!(notices[0]["text"], "Updated Foo version 1");
    assert_eq!(notices[1]["type"], "success");
    assert_eq!(
        notices[1]["text"],
        "Pact successfully republished for Foo version 1 and provider Bar with no content changes."
    );
    assert_eq!(counts(&app).await, before);
    assert_eq!(before["pact_publications"], 1);
    assert_eq!(before["pact_versions"], 1);
    let (_, second) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    assert_eq!(first["createdAt"], second["createdAt"]);

    // And over gRPC.
    let response = grpc_publish(
        &app,
        grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &content,
                pb::ConflictStrategy::Overwrite,
            )],
        ),
    )
    .await
    .expect("republished");
    assert_eq!(
        response.contracts[0].outcome,
        pb::PublicationOutcome::Unchanged as i32
    );
    assert!(
        response.notices[1].text.contains("republished"),
        "{:?}",
        response.notices
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn equivalent_content_under_a_new_version_reuses_the_content_sha() {
    let app = TestApp::start().await;
    let original = pact(
        "Foo",
        "Bar",
        vec![
            interaction("a request for thing 1", "/things/1"),
            interaction("a request for thing 2", "/things/2"),
        ],
    );
    publish_ok(&app, "1", &original).await;

    // Other key order, other interaction order, other metadata, white space.
    let equivalent: Value = serde_json::from_str(
        r#"{
          "metadata": { "pactSpecification": { "version": "2.0.0" }, "pact-js": { "version": "12.1.0" } },
          "interactions": [
            { "response": { "body": { "id": 1 }, "headers": { "Content-Type": "application/json" }, "status": 200 },
              "request": { "path": "/things/2", "method": "GET" },
              "providerState": "a thing exists",
              "description": "a request for thing 2" },
            { "request": { "path": "/things/1", "method": "GET" },
              "description": "a request for thing 1",
              "response": { "status": 200, "body": { "id": 1 }, "headers": { "Content-Type": "application/json" } },
              "providerState": "a thing exists" }
          ],
          "provider": { "name": "Bar" },
          "consumer": { "name": "Foo" }
        }"#,
    )
    .unwrap();
    let body = publish_ok(&app, "2", &equivalent).await;
    assert_eq!(
        body["notices"][1]["text"],
        "Pact successfully published for Foo version 2 and provider Bar."
    );
    assert_eq!(app.count("pact_versions").await, 1);
    assert_eq!(app.count("pact_publications").await, 2);

    let (_, v1) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    let (_, v2) = app.get("/pacts/provider/Bar/consumer/Foo/version/2").await;
    assert_eq!(link(&v1, "pb:pact-version"), link(&v2, "pb:pact-version"));
    assert_ne!(link(&v1, "self"), link(&v2, "self"));

    // A gRPC publish of the same content under a third version, too.
    let response = grpc_publish(
        &app,
        grpc_publish_request(
            "3",
            vec![grpc_contract(
                "Bar",
                &equivalent,
                pb::ConflictStrategy::Unspecified,
            )],
        ),
    )
    .await
    .expect("published");
    let sha3 = response.contracts[0]
        .pact
        .as_ref()
        .unwrap()
        .content_sha
        .clone();
    let sha1 = grpc_get(
        &app,
        "Foo",
        "Bar",
        Some(pb::get_pact_request::Selector::ConsumerVersion("1".into())),
    )
    .await
    .expect("v1")
    .content_sha;
    let sha2 = grpc_get(
        &app,
        "Foo",
        "Bar",
        Some(pb::get_pact_request::Selector::ConsumerVersion("2".into())),
    )
    .await
    .expect("v2")
    .content_sha;
    assert_eq!(sha1, sha2);
    assert_eq!(sha1, sha3);
    assert!(link(&v1, "pb:pact-version").ends_with(&format!("/pact-version/{sha1}")));
    assert_eq!(app.count("pact_versions").await, 1);
    assert_eq!(app.count("pact_publications").await, 3);
}

#[tokio::test]
async fn different_content_for_a_published_version_is_a_conflict_that_writes_nothing() {
    let app = TestApp::start().await;
    let original = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    publish_ok(&app, "1", &original).await;
    let before = counts(&app).await;

    let changed = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/2")],
    );
    let mut request = publish_body("1", vec![contract("Foo", "Bar", &changed)]);
    request["branch"] = json!("feature");
    request["tags"] = json!(["new-tag"]);
    let (status, content_type, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[("content-type", "application/json")],
        Some(&request.to_string()),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(content_type, "application/json;charset=utf-8");

    let notices = body["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 2, "{body}");
    assert_eq!(notices[0]["type"], "error");
    let error = notices[0]["text"].as_str().unwrap();
    assert!(
        error.starts_with(
            "Cannot change the content of the pact for Foo version 1 and provider Bar"
        ),
        "{error}"
    );
    assert_eq!(notices[1]["type"], "info");
    assert_eq!(
        notices[1]["text"],
        "~ changed interaction 'a request for a thing' given \"a thing exists\""
    );
    let errors = body["errors"]["contracts"]
        .as_array()
        .expect("errors.contracts");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0], error);

    assert_eq!(counts(&app).await, before);
    let (status, _) = app.get("/pacticipants/Foo/branches/feature").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/pacticipants/Foo/versions/1/tags/new-tag").await;
    assert_eq!(status, 404);
    let (_, stored) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    assert_eq!(stored["interactions"][0]["request"]["path"], "/things/1");
}

#[tokio::test]
async fn a_conflict_in_the_second_contract_writes_nothing_of_the_request() {
    let app = TestApp::start().await;
    let baz = pact(
        "Foo",
        "Baz",
        vec![interaction("a request for a baz", "/baz/1")],
    );
    let mut first = publish_body("1", vec![contract("Foo", "Baz", &baz)]);
    first["branch"] = json!("main");
    first["tags"] = json!(["t1"]);
    let (status, body) = app.post("/contracts/publish", &first).await;
    assert_eq!(status, 200, "{body}");
    let before = counts(&app).await;

    let bar = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a bar", "/bar/1")],
    );
    let baz_changed = pact(
        "Foo",
        "Baz",
        vec![interaction("a request for a baz", "/baz/2")],
    );
    let mut second = publish_body(
        "1",
        vec![
            contract("Foo", "Bar", &bar),
            contract("Foo", "Baz", &baz_changed),
        ],
    );
    second["branch"] = json!("feature");
    second["tags"] = json!(["t2"]);
    second["buildUrl"] = json!("https://ci/99");
    let (status, body) = app.post("/contracts/publish", &second).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["errors"]["contracts"][0]
            .as_str()
            .unwrap()
            .contains("provider Baz"),
        "{body}"
    );

    assert_eq!(counts(&app).await, before);
    let (status, _) = app.get("/pacticipants/Bar").await;
    assert_eq!(status, 404, "the first contract's provider was not created");
    let (status, _) = app.get("/pacticipants/Foo/branches/feature").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/pacticipants/Foo/versions/1/tags/t2").await;
    assert_eq!(status, 404);
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(version["buildUrl"], Value::Null, "{version}");

    // gRPC, the same request: ALREADY_EXISTS and nothing written.
    let mut request = grpc_publish_request(
        "1",
        vec![
            grpc_contract("Bar", &bar, pb::ConflictStrategy::Overwrite),
            grpc_contract("Baz", &baz_changed, pb::ConflictStrategy::Overwrite),
        ],
    );
    request.branch = "feature".into();
    request.tags = vec!["t2".into()];
    let err = grpc_publish(&app, request).await.expect_err("a conflict");
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn grpc_conflict_is_already_exists_with_the_difference() {
    let app = TestApp::start().await;
    let original = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    let response = grpc_publish(
        &app,
        grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &original,
                pb::ConflictStrategy::Unspecified,
            )],
        ),
    )
    .await
    .expect("published");
    let sha = response.contracts[0]
        .pact
        .as_ref()
        .unwrap()
        .content_sha
        .clone();
    let before = counts(&app).await;

    let changed = pact(
        "Foo",
        "Bar",
        vec![
            interaction("a request for a thing", "/things/1"),
            interaction("a request for another thing", "/things/2"),
        ],
    );
    let err = grpc_publish(
        &app,
        grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &changed,
                pb::ConflictStrategy::Overwrite,
            )],
        ),
    )
    .await
    .expect_err("a conflict");
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert!(
        err.message().starts_with(
            "Cannot change the content of the pact for Foo version 1 and provider Bar"
        ),
        "{err:?}"
    );
    assert!(
        err.message()
            .contains("+ added interaction 'a request for another thing'"),
        "{err:?}"
    );
    assert_eq!(counts(&app).await, before);
    let stored = grpc_get(&app, "Foo", "Bar", None).await.expect("latest");
    assert_eq!(stored.content_sha, sha);
}

#[tokio::test]
async fn dangerous_contract_modification_allows_an_overwrite() {
    let app = TestApp::start_with(BrokerSettings {
        allow_dangerous_contract_modification: true,
        ..BrokerSettings::default()
    })
    .await;
    let original = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    publish_ok(&app, "1", &original).await;
    let (_, before) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;

    let changed = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/2")],
    );
    let body = publish_ok(&app, "1", &changed).await;
    assert_eq!(body["notices"][1]["type"], "danger", "{body}");
    assert!(
        body["notices"][1]["text"]
            .as_str()
            .unwrap()
            .starts_with("Pact published for Foo version 1 and provider Bar with content changes."),
        "{body}"
    );
    let (status, after) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    assert_eq!(status, 200);
    assert_eq!(after["interactions"][0]["request"]["path"], "/things/2");
    assert_ne!(
        link(&before, "pb:pact-version"),
        link(&after, "pb:pact-version")
    );
    assert_eq!(app.count("pact_versions").await, 2);
    assert_eq!(app.count("pact_publications").await, 2);

    // gRPC too, and the latest revision is what is read back.
    let third = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/3")],
    );
    let response = grpc_publish(
        &app,
        grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &third,
                pb::ConflictStrategy::Overwrite,
            )],
        ),
    )
    .await
    .expect("overwritten");
    assert_eq!(
        response.contracts[0].outcome,
        pb::PublicationOutcome::Overwritten as i32
    );
    let stored = grpc_get(
        &app,
        "Foo",
        "Bar",
        Some(pb::get_pact_request::Selector::ConsumerVersion("1".into())),
    )
    .await
    .expect("pact");
    assert_eq!(
        content_of(&stored)["interactions"][0]["request"]["path"],
        "/things/3"
    );
    assert_eq!(app.count("pact_publications").await, 3);
    assert_eq!(app.count("latest_pact_publications").await, 1);
}

#[tokio::test]
async fn on_conflict_merge_merges_interactions() {
    let app = TestApp::start().await;
    let first = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 1", "/things/1")],
    );
    publish_ok(&app, "1", &first).await;

    let second = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 2", "/things/2")],
    );
    let mut merge = contract("Foo", "Bar", &second);
    merge["onConflict"] = json!("merge");
    let (status, body) = app
        .post(
            "/contracts/publish",
            &publish_body("1", vec![merge.clone()]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["notices"][1]["text"],
        "Pact successfully merged for Foo version 1 and provider Bar."
    );
    let (_, merged) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    assert_eq!(
        descriptions(&merged),
        ["a request for thing 1", "a request for thing 2"]
    );
    assert_eq!(app.count("pact_publications").await, 2);
    assert_eq!(app.count("pact_versions").await, 2);

    // Merging the same interactions again changes nothing.
    let (status, body) = app
        .post("/contracts/publish", &publish_body("1", vec![merge]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["notices"][1]["text"]
            .as_str()
            .unwrap()
            .contains("republished"),
        "{body}"
    );
    assert_eq!(app.count("pact_publications").await, 2);
}

#[tokio::test]
async fn grpc_merge_strategy_merges_interactions() {
    let app = TestApp::start().await;
    let first = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 1", "/things/1")],
    );
    let second = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 2", "/things/2")],
    );
    for (content, outcome) in [
        (&first, pb::PublicationOutcome::Created),
        (&second, pb::PublicationOutcome::Merged),
    ] {
        let response = grpc_publish(
            &app,
            grpc_publish_request(
                "1",
                vec![grpc_contract("Bar", content, pb::ConflictStrategy::Merge)],
            ),
        )
        .await
        .expect("published");
        assert_eq!(response.contracts[0].outcome, outcome as i32);
    }
    let stored = grpc_get(&app, "Foo", "Bar", None).await.expect("latest");
    assert_eq!(
        descriptions(&content_of(&stored)),
        ["a request for thing 1", "a request for thing 2"]
    );
    let (_, rest) = app.get("/pacts/provider/Bar/consumer/Foo/latest").await;
    assert_eq!(
        descriptions(&rest),
        ["a request for thing 1", "a request for thing 2"]
    );
}

// ---------------------------------------------------------------------------
// Legacy PUT/PATCH /pacts/provider/{p}/consumer/{c}/version/{v}

#[tokio::test]
async fn legacy_put_creates_then_accepts_the_same_then_refuses_a_change() {
    let app = TestApp::start().await;
    let path = "/pacts/provider/Bar/consumer/Foo/version/1.0.0";
    let content = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );

    let response = app
        .http
        .put(app.url(path))
        .json(&content)
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{}{path}", app.base)
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["interactions"], content["interactions"]);
    assert_eq!(link(&body, "self"), format!("{}{path}", app.base));
    let (status, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200, "{version}");
    let before = counts(&app).await;
    assert_eq!(before["pact_publications"], 1);

    let (status, body) = app.put(path, &content).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(counts(&app).await, before);

    let changed = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/2")],
    );
    let (status, body) = app.put(path, &changed).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["notices"][0]["type"], "error");
    assert!(body["errors"]["contracts"][0].is_string(), "{body}");
    assert_eq!(counts(&app).await, before);

    // A pact whose names are not the path's is refused.
    let (status, body) = app
        .put("/pacts/provider/Bar/consumer/Other/version/1", &content)
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["pact"].is_array(), "{body}");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn legacy_put_and_patch_over_the_body_limit_are_413_and_write_nothing() {
    let app = TestApp::start_with(BrokerSettings {
        max_request_body_size: 4096,
        ..BrokerSettings::default()
    })
    .await;
    let big = pact(
        "Foo",
        "Bar",
        vec![interaction(
            &"a request for a thing ".repeat(500),
            "/things/1",
        )],
    )
    .to_string();
    assert!(big.len() > 4096);
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH] {
        let (status, content_type, body) = raw(
            &app,
            method.clone(),
            "/pacts/provider/Bar/consumer/Foo/version/1",
            &[("content-type", "application/json")],
            Some(&big),
        )
        .await;
        assert_eq!(status, 413, "{method}: {body}");
        assert_eq!(
            content_type, "application/hal+json;charset=utf-8",
            "{method}"
        );
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|m| m.contains("larger than the configured limit")),
            "{method}: {body}"
        );
    }
    assert_nothing_written(&app, "oversized legacy pacts").await;
    // Within the limit, the same resource accepts a pact.
    let small = pact("Foo", "Bar", vec![interaction("a thing", "/things/1")]);
    let (status, body) = app
        .put("/pacts/provider/Bar/consumer/Foo/version/1", &small)
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn legacy_patch_merges_interactions() {
    let app = TestApp::start().await;
    let path = "/pacts/provider/Bar/consumer/Foo/version/1";
    let first = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 1", "/things/1")],
    );
    let second = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 2", "/things/2")],
    );

    let (status, _) = app.send(reqwest::Method::PATCH, path, &first).await;
    assert_eq!(status, 201, "PATCH of a new pact creates it");
    let (status, body) = app.send(reqwest::Method::PATCH, path, &second).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        descriptions(&body),
        ["a request for thing 1", "a request for thing 2"]
    );
    let (_, stored) = app.get(path).await;
    assert_eq!(
        descriptions(&stored),
        ["a request for thing 1", "a request for thing 2"]
    );
    assert_eq!(app.count("pact_publications").await, 2);

    // The same interaction with another response replaces it.
    let mut new_response = interaction("a request for thing 1", "/things/1");
    new_response["response"]["status"] = json!(404);
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            path,
            &pact("Foo", "Bar", vec![new_response]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, stored) = app.get(path).await;
    assert_eq!(
        descriptions(&stored),
        ["a request for thing 1", "a request for thing 2"]
    );
    let replaced = stored["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["description"] == "a request for thing 1")
        .unwrap();
    assert_eq!(replaced["response"]["status"], 404);
    assert_eq!(app.count("pact_publications").await, 3);
}

#[tokio::test]
async fn legacy_patch_refuses_to_change_the_request_of_an_interaction() {
    let app = TestApp::start().await;
    let path = "/pacts/provider/Bar/consumer/Foo/version/1";
    let first = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for thing 1", "/things/1")],
    );
    let (status, _) = app.put(path, &first).await;
    assert_eq!(status, 201);
    let before = counts(&app).await;

    // Same description and provider state, another request path.
    let changed = pact(
        "Foo",
        "Bar",
        vec![
            interaction("a request for thing 1", "/things/other"),
            interaction("a request for thing 2", "/things/2"),
        ],
    );
    let (status, body) = app.send(reqwest::Method::PATCH, path, &changed).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["notices"][0]["type"], "error");
    let message = body["errors"]["interactions"][0]
        .as_str()
        .expect("a message");
    assert!(
        message.contains("interaction 'a request for thing 1' given \"a thing exists\""),
        "{message}"
    );
    assert_eq!(counts(&app).await, before);
    let (_, stored) = app.get(path).await;
    assert_eq!(descriptions(&stored), ["a request for thing 1"]);
}

// ---------------------------------------------------------------------------
// Fetching

#[tokio::test]
async fn pacts_are_fetched_by_version_latest_tag_branch_and_content_sha() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let v1 = pact("Foo", "Bar", vec![interaction("thing 1", "/things/1")]);
    let v2 = pact("Foo", "Bar", vec![interaction("thing 2", "/things/2")]);
    let v3 = pact("Foo", "Bar", vec![interaction("thing 3", "/things/3")]);
    for (version, content, branch, tag) in [
        ("1", &v1, "main", "prod"),
        ("2", &v2, "feat", "dev"),
        ("3", &v3, "main", "dev"),
    ] {
        let mut request = publish_body(version, vec![contract("Foo", "Bar", content)]);
        request["branch"] = json!(branch);
        request["tags"] = json!([tag]);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, by_version) = app.get("/pacts/provider/Bar/consumer/Foo/version/2").await;
    assert_eq!(status, 200, "{by_version}");
    assert_eq!(by_version["interactions"], v2["interactions"]);
    assert_eq!(by_version["consumer"]["name"], "Foo");
    assert_eq!(by_version["provider"]["name"], "Bar");
    assert_eq!(by_version["metadata"], v2["metadata"]);
    assert!(by_version["createdAt"].is_string(), "{by_version}");
    let links = &by_version["_links"];
    assert_eq!(
        links["self"],
        json!({
            "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/2"),
            "title": "Pact",
            "name": "Pact between Foo (2) and Bar",
        })
    );
    assert_eq!(
        links["pb:consumer"],
        json!({ "href": format!("{BASE}/pacticipants/Foo"), "title": "Consumer", "name": "Foo" })
    );
    assert_eq!(
        links["pb:provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Provider", "name": "Bar" })
    );
    assert_eq!(
        links["pb:consumer-version"]["href"],
        format!("{BASE}/pacticipants/Foo/versions/2")
    );
    assert_eq!(
        links["pb:pact-version"]["title"],
        "Pact content version permalink"
    );
    assert_eq!(
        links["pb:latest-pact-version"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest")
    );
    assert_eq!(
        links["pb:all-pact-versions"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/versions")
    );
    let sha = links["pb:pact-version"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        links["pb:pact-version"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/pact-version/{sha}")
    );

    let cases = [
        ("/pacts/provider/Bar/consumer/Foo/latest", "3"),
        ("/pacts/provider/Bar/consumer/Foo/latest/prod", "1"),
        ("/pacts/provider/Bar/consumer/Foo/latest/dev", "3"),
        ("/pacts/provider/Bar/consumer/Foo/branch/main/latest", "3"),
        ("/pacts/provider/Bar/consumer/Foo/branch/feat/latest", "2"),
        (
            &format!("/pacts/provider/Bar/consumer/Foo/pact-version/{sha}"),
            "2",
        ),
        (
            &format!("/pacts/provider/Bar/consumer/Foo/pact-version/{sha}/metadata/c1tdW2N2XT0y"),
            "2",
        ),
    ];
    for (path, version) in cases {
        let reply = app.call(reqwest::Method::GET, path, None, None, "").await;
        let (status, body) = (reply.status, &reply.body);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            link(body, "self"),
            format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/{version}"),
            "{path}"
        );
        // A latest pact says which consumer version it is from, as the
        // Pact Broker's latest pact resource does; a permalink does not.
        let latest = path.contains("/latest");
        assert_eq!(
            reply.header("x-pact-consumer-version"),
            latest.then_some(version),
            "{path}"
        );
        assert_eq!(
            body["interactions"][0]["description"],
            format!("thing {version}"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn grpc_get_pact_by_every_selector() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    let mut shas = Vec::new();
    for (version, branch, tag) in [
        ("1", "main", "prod"),
        ("2", "feat", "dev"),
        ("3", "main", "dev"),
    ] {
        let content = pact(
            "Foo",
            "Bar",
            vec![interaction(&format!("thing {version}"), "/t")],
        );
        let mut request = grpc_publish_request(
            version,
            vec![grpc_contract(
                "Bar",
                &content,
                pb::ConflictStrategy::Unspecified,
            )],
        );
        request.branch = branch.into();
        request.tags = vec![tag.into()];
        let response = grpc_publish(&app, request).await.expect("published");
        shas.push(
            response.contracts[0]
                .pact
                .as_ref()
                .unwrap()
                .content_sha
                .clone(),
        );
    }
    let cases = [
        (None, "3"),
        (Some(Selector::Latest(true)), "3"),
        (Some(Selector::ConsumerVersion("2".into())), "2"),
        (Some(Selector::Tag("prod".into())), "1"),
        (Some(Selector::Tag("dev".into())), "3"),
        (Some(Selector::Branch("main".into())), "3"),
        (Some(Selector::Branch("feat".into())), "2"),
        (Some(Selector::ContentSha(shas[0].clone())), "1"),
    ];
    for (selector, version) in cases {
        let label = format!("{selector:?}");
        let found = grpc_get(&app, "Foo", "Bar", selector).await.expect(&label);
        assert_eq!(found.consumer_version, version, "{label}");
        assert_eq!(found.consumer, "Foo");
        assert_eq!(found.provider, "Bar");
        assert_eq!(found.content_type, "application/json");
        assert!(found.create_time.is_some());
        assert_eq!(
            content_of(&found)["interactions"][0]["description"],
            format!("thing {version}"),
            "{label}"
        );
        let index: usize = version.parse::<usize>().unwrap() - 1;
        assert_eq!(found.content_sha, shas[index], "{label}");
    }
}

#[tokio::test]
async fn names_with_slashes_are_escaped_in_hrefs_and_accepted_as_one_segment() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let content = pact(
        "team/foo",
        "team/bar",
        vec![interaction("a thing", "/things/1")],
    );
    let request = json!({
        "pacticipantName": "team/foo",
        "pacticipantVersionNumber": "1.0/rc1",
        "branch": "feat/x",
        "tags": ["release/1"],
        "contracts": [contract("team/foo", "team/bar", &content)],
    });
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 200, "{body}");
    let expected =
        format!("{BASE}/pacts/provider/team%2Fbar/consumer/team%2Ffoo/version/1.0%2Frc1");
    assert_eq!(body["_links"]["pb:contracts"][0]["href"], expected);
    assert_eq!(
        body["_links"]["pb:pacticipant-version-tags"][0]["href"],
        format!("{BASE}/pacticipants/team%2Ffoo/versions/1.0%2Frc1/tags/release%2F1")
    );

    let pair = "/pacts/provider/team%2Fbar/consumer/team%2Ffoo";
    for path in [
        format!("{pair}/version/1.0%2Frc1"),
        format!("{pair}/latest"),
        format!("{pair}/latest/release%2F1"),
        format!("{pair}/branch/feat%2Fx/latest"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(link(&body, "self"), expected, "{path}");
        assert_eq!(
            link(&body, "pb:consumer"),
            format!("{BASE}/pacticipants/team%2Ffoo")
        );
    }
    let (status, body) = app.get(&format!("{pair}/versions")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pb:pacts"][0]["href"], expected);

    let found = grpc_get(
        &app,
        "team/foo",
        "team/bar",
        Some(pb::get_pact_request::Selector::Branch("feat/x".into())),
    )
    .await
    .expect("found over gRPC");
    assert_eq!(found.consumer_version, "1.0/rc1");
}

#[tokio::test]
async fn names_shaped_like_template_variables_are_escaped_in_pact_hrefs() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let content = pact(
        "{tag}",
        "{provider}",
        vec![interaction("a thing", "/things/1")],
    );
    let request = json!({
        "pacticipantName": "{tag}",
        "pacticipantVersionNumber": "{version}",
        "contracts": [contract("{tag}", "{provider}", &content)],
    });
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 200, "{body}");
    let pair = "/pacts/provider/%7Bprovider%7D/consumer/%7Btag%7D";
    let expected = format!("{BASE}{pair}/version/%7Bversion%7D");
    assert_eq!(body["_links"]["pb:contracts"][0]["href"], expected);

    let (status, body) = app.get(&format!("{pair}/latest")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(link(&body, "self"), expected);
    assert_eq!(
        link(&body, "pb:latest-pact-version"),
        format!("{BASE}{pair}/latest")
    );
    assert_eq!(
        link(&body, "pb:latest-tagged-pact-version"),
        format!("{BASE}{pair}/latest/{{tag}}")
    );
    assert_eq!(
        body["_links"]["pb:latest-tagged-pact-version"]["templated"],
        true
    );
    let (status, body) = app.get("/pacts/provider/%7Bprovider%7D/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pb:pacts"][0]["href"], expected);
}

#[tokio::test]
async fn missing_pacts_and_pacticipants_are_not_found() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    app.publish(pact(
        "Foo",
        "Bar",
        vec![interaction("a thing", "/things/1")],
    ))
    .version("1")
    .await;
    let (status, body) = app.put("/pacticipants/Lonely", &json!({})).await;
    assert_eq!(status, 201, "{body}");

    for path in [
        "/pacts/provider/Bar/consumer/Nope/latest",
        "/pacts/provider/Nope/consumer/Foo/latest",
        "/pacts/provider/Bar/consumer/Foo/version/2",
        "/pacts/provider/Bar/consumer/Foo/latest/no-such-tag",
        "/pacts/provider/Bar/consumer/Foo/branch/no-such-branch/latest",
        "/pacts/provider/Bar/consumer/Foo/pact-version/0000000000000000000000000000000000000000",
        "/pacts/provider/Bar/consumer/Foo/pact-version/0000000000000000000000000000000000000000/metadata/e30",
        "/pacts/provider/Lonely/consumer/Foo/latest",
        "/pacts/provider/Nope/latest",
        "/pacts/provider/Bar/consumer/Nope/versions",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // A pact that does not exist, whatever is missing, is Webmachine's
    // 404, as in the Pact Broker; collections of a pacticipant name it.
    for path in [
        "/pacts/provider/Bar/consumer/Nope/latest",
        "/pacts/provider/Bar/consumer/Foo/version/2",
    ] {
        app.assert_no_document(reqwest::Method::GET, path).await;
    }
    let (_, body) = app.get("/pacts/provider/Bar/consumer/Nope/versions").await;
    assert_eq!(body["error"], "No pacticipant with name 'Nope' found");

    let cases = [
        ("Nope", "Bar", None),
        ("Foo", "Nope", None),
        ("Foo", "Lonely", None),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("2".into()))),
        ("Foo", "Bar", Some(Selector::Tag("no-such-tag".into()))),
        (
            "Foo",
            "Bar",
            Some(Selector::Branch("no-such-branch".into())),
        ),
        ("Foo", "Bar", Some(Selector::ContentSha("0".repeat(40)))),
    ];
    for (consumer, provider, selector) in cases {
        let label = format!("{consumer} {provider} {selector:?}");
        let err = grpc_get(&app, consumer, provider, selector)
            .await
            .expect_err(&label);
        assert_eq!(err.code(), Code::NotFound, "{label}: {err:?}");
    }
    let err = app
        .pacts()
        .await
        .list_pact_versions(pb::ListPactVersionsRequest {
            consumer: "Nope".into(),
            provider: "Bar".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown consumer");
    assert_eq!(err.code(), Code::NotFound);
}

// ---------------------------------------------------------------------------
// Collections

/// Publishes Foo versions 1..=n with Bar, and pacts of A, B and C with Bar
/// and of A with Qux.
async fn seed_collections(app: &TestApp) {
    for version in ["1", "2", "3"] {
        let content = pact(
            "Foo",
            "Bar",
            vec![interaction(&format!("thing {version}"), "/t")],
        );
        app.publish(content).version(version).await;
    }
    for (consumer, provider) in [("A", "Bar"), ("B", "Bar"), ("A", "Qux")] {
        let content = pact(consumer, provider, vec![interaction("a thing", "/t")]);
        app.publish(content).version("1").await;
    }
}

#[tokio::test]
async fn latest_pacts_lists_each_integration() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/latest").await;
    assert_eq!(status, 200, "{body}");
    let pacts = body["pacts"].as_array().expect("pacts");
    let pairs: Vec<(&str, &str, &str)> = pacts
        .iter()
        .map(|p| {
            (
                p["_embedded"]["consumer"]["name"].as_str().unwrap(),
                p["_embedded"]["provider"]["name"].as_str().unwrap(),
                p["_embedded"]["consumer"]["_embedded"]["version"]["number"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("A", "Bar", "1"),
            ("A", "Qux", "1"),
            ("B", "Bar", "1"),
            ("Foo", "Bar", "3")
        ]
    );
    assert_eq!(body["page"]["totalElements"], 4);
    assert_eq!(link(&body, "self"), format!("{BASE}/pacts/latest"));
    // Each pact by its latest URL, then by its version, as the Pact
    // Broker's (both CLIs' pacts expect the pair).
    assert_eq!(
        pacts[3]["_links"]["self"],
        json!([
            { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest") },
            { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3") },
        ])
    );
    for relation in ["pb:pacts", "pacts"] {
        let links = body["_links"][relation]
            .as_array()
            .unwrap_or_else(|| panic!("{relation}: {body}"));
        assert_eq!(links.len(), 4, "{relation}");
        assert_eq!(
            links[3]["href"],
            format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest"),
            "{relation}"
        );
        assert_eq!(
            links[3]["title"], "Latest pact between Foo and Bar",
            "{relation}"
        );
    }

    let (status, body) = app.get("/pacts/latest?size=3&page=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pacts"].as_array().unwrap().len(), 1);
    assert_eq!(body["pacts"][0]["_embedded"]["consumer"]["name"], "Foo");
}

#[tokio::test]
async fn provider_latest_pacts_has_both_link_arrays() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/provider/Bar/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["_links"]["pb:provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Provider", "name": "Bar" })
    );
    assert_eq!(
        link(&body, "self"),
        format!("{BASE}/pacts/provider/Bar/latest")
    );
    let expected = json!([
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/A/version/1"), "title": "Pact between A (1) and Bar", "name": "A" },
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/B/version/1"), "title": "Pact between B (1) and Bar", "name": "B" },
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3"), "title": "Pact between Foo (3) and Bar", "name": "Foo" },
    ]);
    assert_eq!(body["_links"]["pb:pacts"], expected);
    // The deprecated relations older clients read, as the Pact Broker's.
    let mut deprecated = expected.clone();
    for link in deprecated.as_array_mut().unwrap() {
        link["title"] = json!(format!(
            "DEPRECATED - please use the pb:pacts relation. {}",
            link["title"].as_str().unwrap()
        ));
    }
    assert_eq!(body["_links"]["pacts"], deprecated);
    assert_eq!(
        body["_links"]["provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Bar", "name": "DEPRECATED - please use the pb:provider relation" })
    );

    let (status, body) = app.get("/pacts/provider/Qux/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pacts"].as_array().unwrap().len(), 1);
}

/// Consumer versions of Bar's pacts: (consumer, version, branch, tags).
const BRANCHED: &[(&str, &str, Option<&str>, &[&str])] = &[
    ("Foo", "1", Some("main"), &["prod"]),
    ("Foo", "2", Some("feat"), &[]),
    ("Foo", "3", Some("main"), &[]),
    ("Baz", "1", Some("develop"), &["prod"]),
    ("Qux", "1", None, &[]),
];

#[tokio::test]
async fn provider_pacts_by_consumer_tag_and_branch() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    for (consumer, version, branch, tags) in BRANCHED {
        let content = contracts::pact(
            consumer,
            "Bar",
            json!([interaction(&format!("{consumer} {version}"), "/t")]),
        );
        let publish = app
            .publish(content)
            .version(version)
            .tags(tags.iter().copied());
        match branch {
            Some(branch) => publish.branch(branch).await,
            None => publish.await,
        };
    }
    // Each consumer's first branch became its main branch: main and develop.
    for (path, title, pacts) in [
        (
            "/pacts/provider/Bar/latest/prod",
            "Latest pact versions for the provider Bar with consumer version tag 'prod'",
            &[("Baz", "1"), ("Foo", "1")][..],
        ),
        (
            "/pacts/provider/Bar/branch/main/latest",
            "Latest pact versions for the provider Bar with consumer version branch 'main'",
            &[("Foo", "3")],
        ),
        (
            "/pacts/provider/Bar/branch/latest",
            "Latest pact versions for the provider Bar",
            &[("Baz", "1"), ("Foo", "3")],
        ),
        (
            "/pacts/provider/Bar/branch/main",
            "All pact versions for the provider Bar with consumer version branch 'main'",
            &[("Foo", "3"), ("Foo", "1")],
        ),
        (
            "/pacts/provider/Bar/branch",
            "All pact versions for the provider Bar",
            &[("Baz", "1"), ("Foo", "3"), ("Foo", "1")],
        ),
        (
            "/pacts/provider/Bar/latest/nope",
            "Latest pact versions for the provider Bar with consumer version tag 'nope'",
            &[],
        ),
        (
            "/pacts/provider/Bar/branch/n%00pe",
            "All pact versions for the provider Bar with consumer version branch 'n\u{0}pe'",
            &[],
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            body["_links"]["self"],
            json!({ "href": format!("{BASE}{path}"), "title": title }),
            "{path}"
        );
        let expected: Vec<Value> = pacts
            .iter()
            .map(|(consumer, version)| {
                json!({
                    "href": format!("{BASE}/pacts/provider/Bar/consumer/{consumer}/version/{version}"),
                    "title": format!("Pact between {consumer} ({version}) and Bar"),
                    "name": consumer,
                })
            })
            .collect();
        assert_eq!(body["_links"]["pb:pacts"], json!(expected), "{path}");
        assert_eq!(
            body["_links"]["pacts"].as_array().map(Vec::len),
            Some(pacts.len()),
            "{path}"
        );
    }
    let (status, _) = app.get("/pacts/provider/Nope/branch/main/latest").await;
    assert_eq!(status, 404);

    // The pact versions of one pair on a branch.
    for (branch, versions) in [("main", &["3", "1"][..]), ("feat", &["2"]), ("nope", &[])] {
        let path = format!("/pacts/provider/Bar/consumer/Foo/branch/{branch}");
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let listed: Vec<&str> = body["_embedded"]["pacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["_embedded"]["consumerVersion"]["number"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(listed, versions, "{path}");
        assert_eq!(link(&body, "self"), format!("{BASE}{path}"));
    }
}

#[tokio::test]
async fn pact_versions_of_a_pair_are_listed_newest_first() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/provider/Bar/consumer/Foo/versions").await;
    assert_eq!(status, 200, "{body}");
    let versions: Vec<&str> = body["_embedded"]["pacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["_embedded"]["consumerVersion"]["number"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(versions, ["3", "2", "1"]);
    // The Pact Broker's pact versions: each pact by its version, and the
    // pair.
    assert_eq!(
        body["_embedded"]["pacts"][0]["_links"]["self"],
        json!({ "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3"), "title": "Pact between Foo (3) and Bar" })
    );
    assert_eq!(
        body["_links"]["self"]["title"],
        "All versions of the pact between Foo and Bar"
    );
    assert_eq!(body["_links"]["consumer"]["name"], "Foo");
    assert_eq!(body["_links"]["provider"]["name"], "Bar");
    assert_eq!(
        body["_links"]["pact-versions"].as_array().map(Vec::len),
        Some(3)
    );
    let hrefs: Vec<&str> = body["_links"]["pb:pacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [3, 2, 1].map(|v| format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/{v}"))
    );
    assert_eq!(body["page"]["totalElements"], 3);

    let (status, body) = app
        .get("/pacts/provider/Bar/consumer/Foo/versions?page=2&size=2")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_embedded"]["pacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["_embedded"]["pacts"][0]["_embedded"]["consumerVersion"]["number"],
        "1"
    );
    assert!(body["_links"]["previous"]["href"].is_string(), "{body}");
    assert!(body["_links"].get("next").is_none(), "{body}");
}

#[tokio::test]
async fn grpc_lists_pact_versions_and_latest_pacts_page_by_page() {
    let app = TestApp::start().await;
    seed_collections(&app).await;
    let mut client = app.pacts().await;

    let mut versions = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_pact_versions(pb::ListPactVersionsRequest {
                consumer: "Foo".into(),
                provider: "Bar".into(),
                page_size: 2,
                page_token: token.clone(),
            })
            .await
            .expect("a page")
            .into_inner();
        pages += 1;
        for pact in &page.pacts {
            assert!(pact.content.is_empty(), "lists carry no content");
            assert_eq!(pact.content_sha.len(), 40);
        }
        versions.extend(page.pacts.into_iter().map(|p| p.consumer_version));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        assert!(pages < 5, "pagination does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(versions, ["3", "2", "1"]);

    let mut pairs = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_latest_pacts(pb::ListLatestPactsRequest {
                page_size: 3,
                page_token: token.clone(),
                provider: String::new(),
            })
            .await
            .expect("a page")
            .into_inner();
        pages += 1;
        pairs.extend(
            page.pacts
                .into_iter()
                .map(|p| format!("{}->{}@{}", p.consumer, p.provider, p.consumer_version)),
        );
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        assert!(pages < 5, "pagination does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(pairs, ["A->Bar@1", "A->Qux@1", "B->Bar@1", "Foo->Bar@3"]);

    let only_qux = client
        .list_latest_pacts(pb::ListLatestPactsRequest {
            provider: "Qux".into(),
            ..Default::default()
        })
        .await
        .expect("Qux's pacts")
        .into_inner();
    assert_eq!(only_qux.pacts.len(), 1);
    assert_eq!(only_qux.pacts[0].consumer, "A");
    assert_eq!(only_qux.next_page_token, "");

    let err = client
        .list_latest_pacts(pb::ListLatestPactsRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await
        .expect_err("a bad token");
    assert_eq!(err.code(), Code::InvalidArgument);
}

// ---------------------------------------------------------------------------
// Bad input

/// One bad publish request: how to spoil the reference request, and the
/// only error field expected.
struct BadInput {
    name: &'static str,
    spoil: fn(&mut Value),
    field: &'static str,
}

const BAD_INPUTS: &[BadInput] = &[
    BadInput {
        name: "content that is not base64",
        spoil: |r| r["contracts"][0]["content"] = json!("not base64 at all!"),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not a JSON object",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode("[1]")),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not JSON",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode("{\"consumer\":")),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not UTF-8",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode([0xff, 0xfe, 0x7b])),
        field: "contracts[0].content",
    },
    BadInput {
        name: "a consumer name in the content that is not consumerName",
        spoil: |r| {
            r["contracts"][0]["content"] =
                json!(b64(&pact("Other", "Bar", vec![interaction("a", "/a")])))
        },
        field: "contracts[0].content",
    },
    BadInput {
        name: "a provider name in the content that is not providerName",
        spoil: |r| {
            r["contracts"][0]["content"] =
                json!(b64(&pact("Foo", "Other", vec![interaction("a", "/a")])))
        },
        field: "contracts[0].content",
    },
    BadInput {
        name: "content without a consumer name",
        spoil: |r| r["contracts"][0]["content"] = json!(b64(&json!({"provider": {"name": "Bar"}}))),
        field: "contracts[0].content",
    },
    BadInput {
        name: "a consumerName that is not pacticipantName",
        spoil: |r| {
            r["contracts"][0]["consumerName"] = json!("Other");
            r["contracts"][0]["content"] =
                json!(b64(&pact("Other", "Bar", vec![interaction("a", "/a")])));
        },
        field: "contracts[0].consumerName",
    },
    BadInput {
        name: "a blank version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!(""),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a white space version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("  "),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a multi-line version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("1.0.0\n1.0.1"),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a blank branch",
        spoil: |r| r["branch"] = json!(""),
        field: "branch",
    },
    BadInput {
        name: "a white space branch",
        spoil: |r| r["branch"] = json!("   "),
        field: "branch",
    },
    BadInput {
        name: "a multi-line branch",
        spoil: |r| r["branch"] = json!("main\nother"),
        field: "branch",
    },
    BadInput {
        name: "a blank tag",
        spoil: |r| r["tags"] = json!(["main", " "]),
        field: "tags[1]",
    },
    BadInput {
        name: "no contracts",
        spoil: |r| r["contracts"] = json!([]),
        field: "contracts",
    },
    BadInput {
        name: "a specification other than pact",
        spoil: |r| r["contracts"][0]["specification"] = json!("oas"),
        field: "contracts[0].specification",
    },
    BadInput {
        name: "a content type other than application/json",
        spoil: |r| r["contracts"][0]["contentType"] = json!("application/yaml"),
        field: "contracts[0].contentType",
    },
    BadInput {
        name: "an unknown onConflict",
        spoil: |r| r["contracts"][0]["onConflict"] = json!("replace"),
        field: "contracts[0].onConflict",
    },
    BadInput {
        name: "a build URL that is not a URL",
        spoil: |r| r["buildUrl"] = json!("not a url"),
        field: "buildUrl",
    },
    BadInput {
        name: "a NUL in the build URL",
        spoil: |r| r["buildUrl"] = json!("https://ci/\u{0}"),
        field: "buildUrl",
    },
    BadInput {
        name: "a NUL in the version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("1\u{0}"),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a NUL in the branch",
        spoil: |r| r["branch"] = json!("ma\u{0}in"),
        field: "branch",
    },
    BadInput {
        name: "a tab in a tag",
        spoil: |r| r["tags"] = json!(["main", "a\tb"]),
        field: "tags[1]",
    },
    BadInput {
        name: "tags that are not strings",
        spoil: |r| r["tags"] = json!([1]),
        field: "body",
    },
];

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

#[tokio::test]
async fn bad_publish_requests_are_400_with_the_field_and_write_nothing() {
    let app = TestApp::start().await;
    for case in BAD_INPUTS {
        let mut request = reference_request();
        (case.spoil)(&mut request);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 400, "{}: {body}", case.name);
        let errors = body["errors"]
            .as_object()
            .unwrap_or_else(|| panic!("{}: {body}", case.name));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [case.field],
            "{}: {body}",
            case.name
        );
        let messages = errors[case.field].as_array().expect("an array of messages");
        assert!(!messages.is_empty(), "{}: {body}", case.name);
        for message in messages {
            assert!(
                message.as_str().is_some_and(|m| m.starts_with(case.field)),
                "{}: {body}",
                case.name
            );
        }
        assert_nothing_written(&app, case.name).await;
    }
}

#[tokio::test]
async fn bad_publish_requests_report_every_problem_at_once() {
    let app = TestApp::start().await;
    let mut request = reference_request();
    request["pacticipantVersionNumber"] = json!("");
    request["branch"] = json!("");
    request["contracts"][0]["specification"] = json!("oas");
    request["contracts"][0]["contentType"] = json!("text/plain");
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 400, "{body}");
    let mut fields: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "branch",
            "contracts[0].contentType",
            "contracts[0].specification",
            "pacticipantVersionNumber"
        ]
    );
    assert_nothing_written(&app, "several problems").await;
}

/// One bad gRPC publish request and the field its message names.
struct BadGrpcInput {
    name: &'static str,
    spoil: fn(&mut pb::PublishContractsRequest),
    field: &'static str,
}

const BAD_GRPC_INPUTS: &[BadGrpcInput] = &[
    BadGrpcInput {
        name: "content that is not a JSON object",
        spoil: |r| r.contracts[0].content = b"[1]".to_vec(),
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "content that is not JSON",
        spoil: |r| r.contracts[0].content = b"{\"consumer\":".to_vec(),
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a consumer name in the content that is not consumer_name",
        spoil: |r| {
            r.contracts[0].content = pact("Other", "Bar", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes()
        },
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a provider name in the content that is not provider_name",
        spoil: |r| {
            r.contracts[0].content = pact("Foo", "Other", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes()
        },
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a consumer_name that is not pacticipant_name",
        spoil: |r| {
            r.contracts[0].consumer_name = "Other".into();
            r.contracts[0].content = pact("Other", "Bar", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes();
        },
        field: "contracts[0].consumerName",
    },
    BadGrpcInput {
        name: "a blank version number",
        spoil: |r| r.pacticipant_version_number = String::new(),
        field: "pacticipantVersionNumber",
    },
    BadGrpcInput {
        name: "a multi-line version number",
        spoil: |r| r.pacticipant_version_number = "1\n2".into(),
        field: "pacticipantVersionNumber",
    },
    BadGrpcInput {
        name: "a white space branch",
        spoil: |r| r.branch = "  ".into(),
        field: "branch",
    },
    BadGrpcInput {
        name: "no contracts",
        spoil: |r| r.contracts.clear(),
        field: "contracts",
    },
    BadGrpcInput {
        name: "a specification other than pact",
        spoil: |r| r.contracts[0].specification = "oas".into(),
        field: "contracts[0].specification",
    },
    BadGrpcInput {
        name: "a content type other than application/json",
        spoil: |r| r.contracts[0].content_type = "application/yaml".into(),
        field: "contracts[0].contentType",
    },
    BadGrpcInput {
        name: "an unknown conflict strategy",
        spoil: |r| r.contracts[0].on_conflict = 42,
        field: "contracts[0].onConflict",
    },
    BadGrpcInput {
        name: "a NUL in the build URL",
        spoil: |r| r.build_url = "https://ci/\0".into(),
        field: "buildUrl",
    },
    BadGrpcInput {
        name: "a NUL in a tag",
        spoil: |r| r.tags = vec!["a\0".into()],
        field: "tags[0]",
    },
    BadGrpcInput {
        name: "a control character in the branch",
        spoil: |r| r.branch = "ma\u{1}in".into(),
        field: "branch",
    },
];

#[tokio::test]
async fn bad_grpc_publish_requests_are_invalid_argument_and_write_nothing() {
    let app = TestApp::start().await;
    for case in BAD_GRPC_INPUTS {
        let mut request = grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &pact("Foo", "Bar", vec![interaction("a", "/a")]),
                pb::ConflictStrategy::Overwrite,
            )],
        );
        request.branch = "main".into();
        (case.spoil)(&mut request);
        let err = grpc_publish(&app, request).await.expect_err(case.name);
        assert_eq!(err.code(), Code::InvalidArgument, "{}: {err:?}", case.name);
        assert!(err.message().contains(case.field), "{}: {err:?}", case.name);
        // The field also arrives as a google.rpc.BadRequest violation.
        use tonic_types::StatusExt;
        let violations = err
            .get_details_bad_request()
            .map(|bad| bad.field_violations)
            .unwrap_or_default();
        assert!(
            violations.iter().any(|v| v.field.contains(case.field)),
            "{}: {violations:?}",
            case.name
        );
        assert_nothing_written(&app, case.name).await;
    }
}

#[tokio::test]
async fn malformed_and_non_json_bodies_are_refused() {
    let app = TestApp::start().await;
    let json = [("content-type", "application/json")];
    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &json,
        Some(r#"{"pacticipantName": "Foo", "#),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["body"][0].is_string(), "{body}");

    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[("content-type", "text/plain")],
        Some(&reference_request().to_string()),
    )
    .await;
    assert_eq!(status, 415, "{body}");

    // A legacy PUT whose body is not a pact.
    let (status, _, body) = raw(
        &app,
        reqwest::Method::PUT,
        "/pacts/provider/Bar/consumer/Foo/version/1",
        &json,
        Some("[1]"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["pact"],
        json!(["pact must be a JSON object"]),
        "{body}"
    );
    assert_nothing_written(&app, "malformed bodies").await;
}

#[tokio::test]
async fn validation_errors_are_problem_json_when_asked_for() {
    let app = TestApp::start().await;
    let mut request = reference_request();
    request["pacticipantVersionNumber"] = json!("");
    let (status, content_type, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[
            ("content-type", "application/json"),
            ("accept", "application/problem+json, application/hal+json"),
        ],
        Some(&request.to_string()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    assert_eq!(body["title"], "Validation errors");
    assert_eq!(body["status"], 400);
    let errors = body["errors"].as_array().expect("an array of errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["title"], "Invalid body parameter");
    assert_eq!(errors[0]["pointer"], "/pacticipantVersionNumber");
    assert!(
        errors[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("pacticipantVersionNumber"),
        "{body}"
    );
    assert_nothing_written(&app, "problem json").await;

    // Without asking, the Pact Broker's errors object.
    let (status, content_type, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[("content-type", "application/json")],
        Some(&request.to_string()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(content_type.contains("json"), "{content_type}");
    assert!(
        body["errors"]["pacticipantVersionNumber"].is_array(),
        "{body}"
    );
}

// ---------------------------------------------------------------------------
// GET /

#[tokio::test]
async fn index_lists_the_relations_with_the_base_url() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let (status, body) = app.get("/").await;
    assert_eq!(status, 200, "{body}");
    insta::assert_json_snapshot!(body);
}

#[tokio::test]
async fn index_hrefs_use_the_request_host_without_a_base_url() {
    let app = TestApp::start().await;
    let (status, body) = app.get("/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        link(&body, "pb:publish-contracts"),
        format!("{}/contracts/publish", app.base)
    );
    assert_eq!(link(&body, "self"), format!("{}/", app.base));

    let (status, _, body) = raw(
        &app,
        reqwest::Method::GET,
        "/",
        &[("host", "broker.internal:8080")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        link(&body, "pb:publish-contracts"),
        "http://broker.internal:8080/contracts/publish"
    );
    for (relation, l) in body["_links"].as_object().unwrap() {
        let hrefs: Vec<&str> = match l {
            Value::Array(items) => items.iter().map(|i| i["href"].as_str().unwrap()).collect(),
            _ => vec![l["href"].as_str().unwrap()],
        };
        for href in hrefs {
            assert!(
                href.starts_with("http://broker.internal:8080/"),
                "{relation}: {href}"
            );
        }
    }

    // Hrefs in other resources follow the Host header too.
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/t")]);
    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[
            ("host", "broker.internal:8080"),
            ("content-type", "application/json"),
        ],
        Some(&publish_body("1", vec![contract("Foo", "Bar", &content)]).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["_links"]["pb:contracts"][0]["href"],
        "http://broker.internal:8080/pacts/provider/Bar/consumer/Foo/version/1"
    );
}

// ---------------------------------------------------------------------------
// Control characters

#[tokio::test]
async fn control_characters_in_pact_lookups_are_not_found_and_in_publishes_invalid() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    app.publish(pact(
        "Foo",
        "Bar",
        vec![interaction("a thing", "/things/1")],
    ))
    .version("1")
    .await;
    let before = counts(&app).await;

    for (method, path) in [
        ("GET", "/pacts/provider/Bar/consumer/Foo/version/1%00"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/version/1%09"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/latest/a%00"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/branch/a%00/latest"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/pact-version/a%00"),
        (
            "GET",
            "/pacts/provider/Bar/consumer/Foo/pact-version/a%00/metadata/e30",
        ),
        ("GET", "/pacts/provider/Bar/consumer/F%00oo/latest"),
        ("GET", "/pacts/provider/B%00ar/consumer/Foo/latest"),
        ("GET", "/pacts/provider/B%00ar/latest"),
        ("GET", "/pacts/provider/Bar/consumer/F%00oo/versions"),
        ("DELETE", "/pacts/provider/Bar/consumer/Foo/version/1%00"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, _, body) = raw(&app, method.clone(), path, &[], None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(body["error"].is_string(), "{method} {path}: {body}");
    }
    app.assert_no_document(
        reqwest::Method::GET,
        "/pacts/provider/Bar/consumer/Foo/latest/a%00",
    )
    .await;

    for (consumer, provider, selector) in [
        ("F\0oo", "Bar", None),
        ("Foo", "B\0ar", None),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("1\0".into()))),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("1\t".into()))),
        ("Foo", "Bar", Some(Selector::Tag("a\0".into()))),
        ("Foo", "Bar", Some(Selector::Branch("a\0".into()))),
        ("Foo", "Bar", Some(Selector::ContentSha("\0".repeat(40)))),
    ] {
        let label = format!("{consumer:?} {provider:?} {selector:?}");
        let err = grpc_get(&app, consumer, provider, selector)
            .await
            .expect_err(&label);
        assert_eq!(err.code(), Code::NotFound, "{label}: {err:?}");
    }
    let err = app
        .pacts()
        .await
        .delete_pact(pb::DeletePactRequest {
            consumer: "Foo".into(),
            provider: "Bar".into(),
            consumer_version: "1\0".into(),
        })
        .await
        .expect_err("a version that cannot exist");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");

    // The legacy publish refuses such names before writing anything.
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/things/1")]).to_string();
    let (status, _, body) = raw(
        &app,
        reqwest::Method::PUT,
        "/pacts/provider/Bar/consumer/Foo/version/2%00",
        &[("content-type", "application/json")],
        Some(&content),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["consumerVersion"].is_array(), "{body}");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn numbers_in_pacts_are_kept_exactly_as_published() {
    let app = TestApp::start().await;
    let pact = r#"{"consumer":{"name":"Foo"},"provider":{"name":"Bar"},"interactions":[{"description":"big","request":{"method":"GET","path":"/"},"response":{"status":200,"body":{"id":123456789012345678901234567890,"amount":0.30000000000000000001,"small":1e-7}}}],"metadata":{"pactSpecification":{"version":"2.0.0"}}}"#;
    let response = app
        .http
        .put(app.url("/pacts/provider/Bar/consumer/Foo/version/1"))
        .header("content-type", "application/json")
        .body(pact)
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 201);
    let text = app
        .http
        .get(app.url("/pacts/provider/Bar/consumer/Foo/version/1"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    for literal in [
        "123456789012345678901234567890",
        "0.30000000000000000001",
        "1e-7",
    ] {
        assert!(text.contains(literal), "{literal} changed in {text}");
    }
    let mut client = app.pacts().await;
    let fetched = client
        .get_pact(pb::GetPactRequest {
            consumer: "Foo".into(),
            provider: "Bar".into(),
            selector: Some(pb::get_pact_request::Selector::ConsumerVersion("1".into())),
        })
        .await
        .expect("GetPact")
        .into_inner()
        .pact
        .expect("pact");
    let content = String::from_utf8(fetched.content).expect("UTF-8");
    assert!(
        content.contains("123456789012345678901234567890"),
        "{content}"
    );
}
