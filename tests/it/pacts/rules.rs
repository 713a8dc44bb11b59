//! The publication rules: republishing, equivalent content, conflicts that
//! write nothing, merging, and the dangerous overwrite.

use super::*;

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
