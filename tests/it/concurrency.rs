//! Concurrent requests on the same data: publications of one consumer
//! version take turns, and branch heads stay right under parallel adds and
//! removals. No request may fail with a server error.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::support::TestApp;

fn pact_with(descriptions: &[&str]) -> Value {
    json!({
        "consumer": {"name": "Foo"},
        "provider": {"name": "Bar"},
        "interactions": descriptions.iter().map(|d| json!({
            "description": d,
            "request": {"method": "GET", "path": format!("/{d}")},
            "response": {"status": 200},
        })).collect::<Vec<_>>(),
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
}

fn publish_body(version: &str, pact: &Value, on_conflict: &str) -> Value {
    json!({
        "pacticipantName": "Foo",
        "pacticipantVersionNumber": version,
        "branch": "main",
        "contracts": [{
            "consumerName": "Foo", "providerName": "Bar", "specification": "pact",
            "contentType": "application/json", "onConflict": on_conflict,
            "content": STANDARD.encode(pact.to_string()),
        }],
    })
}

#[tokio::test]
async fn identical_concurrent_publishes_all_succeed_and_store_one_pact() {
    let app = TestApp::start().await;
    let pact = pact_with(&["a"]);
    for version in ["new-version", "existing-version"] {
        if version == "existing-version" {
            let (status, _) = app
                .put("/pacticipants/Foo/versions/existing-version", &json!({}))
                .await;
            assert_eq!(status, 201);
        }
        let body = publish_body(version, &pact, "overwrite");
        let results = join_all((0..8).map(|_| app.post("/contracts/publish", &body))).await;
        for (status, body) in &results {
            assert_eq!(*status, 200, "{body}");
        }
        let (_, listed) = app.get("/pacts/provider/Bar/consumer/Foo/versions").await;
        assert!(
            listed["_embedded"]["pacts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["_embedded"]["consumerVersion"]["number"] == version),
            "{listed}"
        );
    }
    assert_eq!(
        app.count("pact_publications").await,
        2,
        "one publication per version"
    );
    assert_eq!(app.count("pact_versions").await, 1, "one content");
}

#[tokio::test]
async fn concurrent_merges_into_one_version_keep_every_interaction() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            "/contracts/publish",
            &publish_body("1", &pact_with(&["base"]), "merge"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<String> = (0..8).map(|i| format!("extra-{i}")).collect();
    let bodies: Vec<Value> = names
        .iter()
        .map(|n| publish_body("1", &pact_with(&[n.as_str()]), "merge"))
        .collect();
    let results = join_all(bodies.iter().map(|b| app.post("/contracts/publish", b))).await;
    for (status, body) in &results {
        assert_eq!(*status, 200, "{body}");
    }
    let (_, pact) = app.get("/pacts/provider/Bar/consumer/Foo/version/1").await;
    let mut descriptions: Vec<&str> = pact["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["description"].as_str().unwrap())
        .collect();
    descriptions.sort();
    let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
    expected.push("base");
    expected.sort();
    assert_eq!(descriptions, expected);
}

async fn head(app: &TestApp, branch: &str) -> Option<String> {
    let (status, body) = app
        .get(&format!(
            "/pacticipants/Foo/branches/{branch}/latest-version"
        ))
        .await;
    (status == 200).then(|| body["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn branch_heads_stay_right_under_parallel_adds_and_removals() {
    let app = TestApp::start().await;
    // Versions created in order v00..v19; the even ones start on the branch.
    for i in 0..20 {
        let (status, _) = app
            .put(&format!("/pacticipants/Foo/versions/v{i:02}"), &json!({}))
            .await;
        assert_eq!(status, 201);
    }
    for i in (0..20).step_by(2) {
        let (status, _) = app
            .put(
                &format!("/pacticipants/Foo/branches/main/versions/v{i:02}"),
                &json!({}),
            )
            .await;
        assert_eq!(status, 201);
    }
    assert_eq!(head(&app, "main").await.as_deref(), Some("v18"));

    // In parallel: remove every even version but v04, add odd versions up to v15.
    let removals = (0..20)
        .step_by(2)
        .filter(|i| *i != 4)
        .map(|i| format!("/pacticipants/Foo/branches/main/versions/v{i:02}"));
    let additions = (1..16)
        .step_by(2)
        .map(|i| format!("/pacticipants/Foo/branches/main/versions/v{i:02}"));
    let removing = join_all(removals.map(|path| {
        let app = &app;
        async move { app.send(reqwest::Method::DELETE, &path, &json!({})).await }
    }));
    let adding = join_all(additions.map(|path| {
        let app = &app;
        async move { app.put(&path, &json!({})).await }
    }));
    let (removed, added) = tokio::join!(removing, adding);
    for (status, body) in removed {
        assert_eq!(status, 204, "{body}");
    }
    for (status, body) in added {
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(head(&app, "main").await.as_deref(), Some("v15"));

    // Removing the rest in parallel leaves v04, then nothing.
    let rest = (1..16)
        .step_by(2)
        .map(|i| format!("/pacticipants/Foo/branches/main/versions/v{i:02}"));
    for (status, body) in join_all(rest.map(|path| {
        let app = &app;
        async move { app.send(reqwest::Method::DELETE, &path, &json!({})).await }
    }))
    .await
    {
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(head(&app, "main").await.as_deref(), Some("v04"));
}
