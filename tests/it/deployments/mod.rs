//! Environments, deployments and releases over REST and gRPC, and with the
//! real Pact CLIs.

use pactwire::grpc::pb;
use pactwire::settings::BrokerSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::app::Reply;
use crate::support::tools::{pact_ruby, pact_rust, run};

mod cli;
mod environments;
mod grpc;
mod inferred;
mod record;

/// Creates an environment over REST; returns its body.
async fn create_environment(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post("/environments", &body).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The href of the version's link `relation` named `environment`.
async fn version_link(
    app: &TestApp,
    pacticipant: &str,
    number: &str,
    relation: &str,
    environment: &str,
) -> String {
    let (status, version) = app
        .get(&format!("/pacticipants/{pacticipant}/versions/{number}"))
        .await;
    assert_eq!(status, 200, "{version}");
    let links = version["_links"][relation]
        .as_array()
        .unwrap_or_else(|| panic!("{relation} is an array: {version}"));
    let href = links
        .iter()
        .find(|l| l["name"] == environment)
        .unwrap_or_else(|| panic!("no {relation} named {environment}: {version}"))["href"]
        .as_str()
        .expect("an href");
    path_of(href)
}

/// The path and query of an absolute href, which may be under a
/// configured base URL rather than the app's address.
fn path_of(href: &str) -> String {
    let url = url::Url::parse(href).unwrap_or_else(|err| panic!("{href}: {err}"));
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Records a deployment to the environment "test" through the version's
/// `pb:record-deployment` link, as the CLIs do.
async fn deploy(app: &TestApp, pacticipant: &str, number: &str, body: Value) -> Value {
    deploy_to(app, pacticipant, number, "test", body).await
}

async fn deploy_to(
    app: &TestApp,
    pacticipant: &str,
    number: &str,
    environment: &str,
    body: Value,
) -> Value {
    let href = version_link(
        app,
        pacticipant,
        number,
        "pb:record-deployment",
        environment,
    )
    .await;
    let reply = app
        .call(
            Method::POST,
            &href,
            Some("application/json"),
            None,
            &body.to_string(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        reply.body["_links"]["self"]["href"].as_str()
    );
    reply.body
}

fn numbers(list: &Value, kind: &str) -> Vec<String> {
    list["_embedded"][kind]
        .as_array()
        .unwrap_or_else(|| panic!("{kind}: {list}"))
        .iter()
        .map(|d| {
            d["_embedded"]["version"]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}
