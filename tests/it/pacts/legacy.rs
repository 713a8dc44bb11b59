//! The legacy `PUT`/`PATCH /pacts/provider/{p}/consumer/{c}/version/{v}`.

use super::*;

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
