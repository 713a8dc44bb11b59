//! The matrix and can-i-deploy over REST (`/matrix`, `/can-i-deploy`,
//! `/matrix/provider/{p}/consumer/{c}`) and gRPC (`MatrixService`), as
//! tables of scenarios, and with the real Pact CLIs.

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::contracts::{self, Places};

/// Publishes a pact from `consumer` `version` to `provider`; `content`
/// tells pacts apart. Returns its content hash.
async fn publish(
    app: &TestApp,
    consumer: &str,
    version: &str,
    provider: &str,
    content: &str,
) -> String {
    publish_on(app, consumer, version, provider, content, None).await
}

async fn publish_on(
    app: &TestApp,
    consumer: &str,
    version: &str,
    provider: &str,
    content: &str,
    branch: Option<&str>,
) -> String {
    let pact = contracts::pact(
        consumer,
        provider,
        json!([{
            "description": format!("a request for {content}"),
            "request": {"method": "GET", "path": format!("/{content}")},
            "response": {"status": 200},
        }]),
    );
    contracts::publish(app, &pact, version, branch, &[]).await
}

/// Records a verification of the pact content `sha` by `provider_version`.
async fn verify(
    app: &TestApp,
    consumer: &str,
    provider: &str,
    sha: &str,
    provider_version: &str,
    success: bool,
) {
    let (status, body) = app
        .post(
            &format!(
                "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results"
            ),
            &json!({"success": success, "providerApplicationVersion": provider_version}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

fn summary_of(body: &Value) -> (Value, i64, i64, i64) {
    let s = &body["summary"];
    (
        s["deployable"].clone(),
        s["success"].as_i64().unwrap(),
        s["failed"].as_i64().unwrap(),
        s["unknown"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn matrix_smoke_over_rest() {
    let app = TestApp::start().await;
    let places = Places::of(&app).await;
    let sha = publish(&app, "Foo", "1", "Bar", "a").await;
    verify(&app, "Foo", "Bar", &sha, "10", true).await;
    places.deploy("Bar", "10", "prod").await;

    let (status, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][version]=1&latestby=cvpv&environment=prod")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(summary_of(&body), (json!(true), 1, 0, 0), "{body}");
    assert_eq!(
        body["summary"]["reason"],
        "All required verification results are published and successful"
    );
    assert_eq!(body["matrix"][0]["provider"]["version"]["number"], "10");
    assert_eq!(
        body["matrix"][0]["provider"]["version"]["environments"][0]["name"],
        "prod"
    );
}
