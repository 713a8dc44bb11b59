//! Environments created, listed, replaced and deleted over REST, their
//! resources as the Pact Broker shapes them (insta snapshots), and bad ones.

use super::*;

async fn snapshot_app() -> TestApp {
    TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..BrokerSettings::default()
    })
    .await
}

#[tokio::test]
async fn environments_are_created_listed_replaced_and_deleted() {
    let app = TestApp::start().await;
    let created = create_environment(
        &app,
        json!({
            "name": "test",
            "production": false,
            "contacts": [{ "name": "Team Foo", "details": { "emailAddress": "foo@example.com" } }],
        }),
    )
    .await;
    assert_eq!(created["displayName"], "Test");
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    create_environment(
        &app,
        json!({"name": "production", "displayName": "Prod", "production": true}),
    )
    .await;

    // RC reads the named links, RCLI the embedded environments.
    let (status, list) = app.get("/environments").await;
    assert_eq!(status, 200, "{list}");
    let names = |key: &str| -> Vec<Value> {
        let items = if key == "links" {
            list["_links"]["pb:environments"].as_array().unwrap()
        } else {
            list["_embedded"]["environments"].as_array().unwrap()
        };
        items.iter().map(|e| e["name"].clone()).collect()
    };
    assert_eq!(names("links"), [json!("production"), json!("test")]);
    assert_eq!(names("embedded"), [json!("production"), json!("test")]);
    let (_, one) = app.get("/environments?name=test").await;
    assert_eq!(one["_embedded"]["environments"][0]["uuid"], json!(uuid));
    let (_, none) = app.get("/environments?name=nope").await;
    assert_eq!(none["_embedded"]["environments"], json!([]));

    let (status, replaced) = app
        .put(
            &format!("/environments/{uuid}"),
            &json!({"name": "staging", "production": false}),
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["name"], "staging");
    assert_eq!(replaced["displayName"], "Staging");
    assert!(replaced.get("contacts").is_none(), "{replaced}");
    let (_, fetched) = app.get(&format!("/environments/{uuid}")).await;
    assert_eq!(fetched["name"], "staging");

    let reply = app
        .call(
            Method::DELETE,
            &format!("/environments/{uuid}"),
            None,
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 204);
    let (status, _) = app.get(&format!("/environments/{uuid}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn environment_resources_match_the_pact_broker_shape() {
    let app = snapshot_app().await;
    create_environment(
        &app,
        json!({
            "name": "pre-production",
            "production": false,
            "contacts": [{ "name": "Team Foo", "details": { "emailAddress": "foo@example.com" } }],
        }),
    )
    .await;
    app.version("Foo", "1").await;
    deploy_to(
        &app,
        "Foo",
        "1",
        "pre-production",
        json!({"applicationInstance": "blue"}),
    )
    .await;
    let (_, environments) = app.get("/environments").await;
    let uuid = environments["_embedded"]["environments"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    let (_, deployed) = app
        .get(&format!(
            "/environments/{uuid}/deployed-versions/currently-deployed?pacticipant=Foo"
        ))
        .await;
    let uuid_pattern =
        regex::Regex::new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let redact = |value: &Value| -> Value {
        serde_json::from_str(&uuid_pattern.replace_all(&value.to_string(), "[uuid]")).unwrap()
    };
    insta::assert_json_snapshot!("environments_resource", redact(&environments), {
        ".**.createdAt" => "[timestamp]",
    });
    insta::assert_json_snapshot!("version_resource_with_environments", redact(&version), {
        ".**.createdAt" => "[timestamp]",
    });
    insta::assert_json_snapshot!("currently_deployed_versions", redact(&deployed), {
        ".**.createdAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn bad_environments_are_refused_with_the_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    create_environment(&app, json!({"name": "test", "production": false})).await;
    for (body, field, text) in [
        (json!({"production": false}), "name", "name is missing"),
        (
            json!({"name": "", "production": false}),
            "name",
            "name cannot be blank",
        ),
        (
            json!({"name": "pre prod", "production": false}),
            "name",
            "name cannot contain spaces",
        ),
        (
            json!({"name": "test", "production": true}),
            "name",
            "name 'test' is already used by an existing environment.",
        ),
        (json!({"name": "x"}), "production", "production is missing"),
        (
            json!({"name": "x", "production": "yes"}),
            "production",
            "production must be one of: true, false",
        ),
        (
            json!({"name": "x", "production": true, "displayName": "a\nb"}),
            "displayName",
            "displayName cannot contain a new line",
        ),
        (
            json!({"name": "x", "production": true, "contacts": [{"details": {}}]}),
            "contacts[0].name",
            "contacts[0].name is missing",
        ),
        (json!([1]), "body", "body must be a JSON object"),
        // What PostgreSQL's jsonb cannot store.
        (
            serde_json::from_str(
                r#"{"name": "x", "production": true, "contacts": [{"name": "Ops", "details": {"pager": 1e999999}}]}"#,
            )
            .unwrap(),
            "contacts[0].details",
            "contacts[0].details cannot hold the number 1e+999999: it is out of range",
        ),
        (
            json!({"name": "x", "production": true, "contacts": [{"name": "Ops", "details": {"a": "b\u{0}"}}]}),
            "contacts[0].details",
            "contacts[0].details cannot contain NUL characters",
        ),
    ] {
        let (status, reply) = app.post("/environments", &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["errors"][field], json!([text]), "{body}: {reply}");
    }
    assert_eq!(app.count("environments").await, 1);

    let (status, _) = app
        .put(
            "/environments/no-such-uuid",
            &json!({"name": "x", "production": false}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = app.get("/environments").await;
    let uuid = list["_embedded"]["environments"][0]["uuid"]
        .as_str()
        .unwrap();
    let (status, reply) = app
        .put(&format!("/environments/{uuid}"), &json!({"name": "a b"}))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["errors"]["production"],
        json!(["production is missing"])
    );
    let (_, list) = app.get("/environments").await;
    assert_eq!(list["_embedded"]["environments"][0]["name"], "test");
}
