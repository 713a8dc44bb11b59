//! What the broker infers: a deployment from a tag named as an environment,
//! a main branch from a candidate branch or tag, a branch from a first tag.

use super::*;

async fn currently_deployed_numbers(
    app: &TestApp,
    environment: &Value,
    pacticipant: &str,
) -> Vec<String> {
    let uuid = environment["uuid"].as_str().unwrap();
    let (status, list) = app
        .get(&format!(
            "/environments/{uuid}/deployed-versions/currently-deployed?pacticipant={pacticipant}"
        ))
        .await;
    assert_eq!(status, 200, "{list}");
    numbers(&list, "deployedVersions")
}

#[tokio::test]
async fn tagging_with_an_environments_name_records_a_deployment_unless_switched_off() {
    let app = TestApp::start().await;
    let prod = create_environment(&app, json!({"name": "prod", "production": true})).await;
    app.tag("Foo", "1", "prod").await;
    app.tag("Foo", "1", "other").await;
    assert_eq!(currently_deployed_numbers(&app, &prod, "Foo").await, ["1"]);
    // The next version tagged so replaces it, as a deployment would.
    let mut client = app.versions().await;
    client
        .add_tag(pb::AddTagRequest {
            pacticipant: "Foo".into(),
            version: "2".into(),
            tag: "prod".into(),
        })
        .await
        .expect("tagged over gRPC");
    assert_eq!(currently_deployed_numbers(&app, &prod, "Foo").await, ["2"]);

    let off = TestApp::start_with(BrokerSettings {
        create_deployed_versions_for_tags: false,
        ..BrokerSettings::default()
    })
    .await;
    let prod = create_environment(&off, json!({"name": "prod", "production": true})).await;
    off.tag("Foo", "1", "prod").await;
    assert_eq!(
        currently_deployed_numbers(&off, &prod, "Foo").await,
        Vec::<String>::new()
    );
}

async fn main_branch(app: &TestApp, pacticipant: &str) -> Value {
    let (status, body) = app.get(&format!("/pacticipants/{pacticipant}")).await;
    assert_eq!(status, 200, "{body}");
    body.get("mainBranch").cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_candidate_branch_or_tag_becomes_the_main_branch_of_a_pacticipant_without_one() {
    let app = TestApp::start().await;
    let (status, _) = app
        .put("/pacticipants/Foo/branches/feat/versions/1", &json!({}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(main_branch(&app, "Foo").await, Value::Null);
    app.put("/pacticipants/Foo/branches/main/versions/2", &json!({}))
        .await;
    assert_eq!(main_branch(&app, "Foo").await, "main");
    // Set once: a later candidate does not change it.
    app.put("/pacticipants/Foo/branches/master/versions/3", &json!({}))
        .await;
    assert_eq!(main_branch(&app, "Foo").await, "main");

    app.tag("Bar", "1", "develop").await;
    assert_eq!(main_branch(&app, "Bar").await, "develop");

    let off = TestApp::start_with(BrokerSettings {
        auto_detect_main_branch: false,
        ..BrokerSettings::default()
    })
    .await;
    off.put("/pacticipants/Foo/branches/main/versions/1", &json!({}))
        .await;
    assert_eq!(main_branch(&off, "Foo").await, Value::Null);
    let custom = TestApp::start_with(BrokerSettings {
        main_branch_candidates: vec!["trunk".into()],
        ..BrokerSettings::default()
    })
    .await;
    custom
        .put("/pacticipants/Foo/branches/main/versions/1", &json!({}))
        .await;
    custom
        .put("/pacticipants/Foo/branches/trunk/versions/2", &json!({}))
        .await;
    assert_eq!(main_branch(&custom, "Foo").await, "trunk");
}

async fn branches_of(app: &TestApp, pacticipant: &str, number: &str) -> Vec<Value> {
    let (_, version) = app
        .get(&format!("/pacticipants/{pacticipant}/versions/{number}"))
        .await;
    version["_embedded"]["branchVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].clone())
        .collect()
}

#[tokio::test]
async fn the_first_tag_of_a_new_version_without_a_branch_becomes_its_branch() {
    let app = TestApp::start().await;
    app.tag("Foo", "1", "feat-x").await;
    app.tag("Foo", "1", "other").await;
    assert_eq!(branches_of(&app, "Foo", "1").await, [json!("feat-x")]);
    let (_, branch) = app.get("/pacticipants/Foo/branches/feat-x").await;
    assert_eq!(branch["latestVersion"], "1", "{branch}");

    // A version already on a branch keeps it.
    app.put("/pacticipants/Foo/branches/main/versions/2", &json!({}))
        .await;
    app.tag("Foo", "2", "feat-y").await;
    assert_eq!(branches_of(&app, "Foo", "2").await, [json!("main")]);

    for settings in [
        BrokerSettings {
            use_first_tag_as_branch: false,
            ..BrokerSettings::default()
        },
        BrokerSettings {
            use_first_tag_as_branch_time_limit: 0,
            ..BrokerSettings::default()
        },
    ] {
        let app = TestApp::start_with(settings).await;
        app.version("Foo", "1").await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        app.tag("Foo", "1", "feat-x").await;
        assert_eq!(branches_of(&app, "Foo", "1").await, Vec::<Value>::new());
    }
}
