//! The version, branch and tag resources as the Pact Broker shapes them
//! (insta snapshots).

use super::*;

async fn snapshot_app() -> TestApp {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..Default::default()
    })
    .await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0",
            &json!({
                "buildUrl": "https://ci.example/builds/1",
                "branch": "feat/x",
                "tags": [{ "name": "prod" }],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    app
}

#[tokio::test]
async fn version_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("version_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn branch_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/branches/feat%2Fx").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("branch_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn tag_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/versions/1.0.0/tags/prod").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("tag_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}
