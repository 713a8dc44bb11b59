//! Versions, tags and branches over REST/HAL and gRPC: create, overwrite,
//! merge, delete, newest-first listing, latest versions, tags, branch
//! membership and branch heads, names with `/`, and bad input that changes
//! nothing.

use pactwire::grpc::pb;
use pactwire::settings::BrokerSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;

mod bad_input;
mod branches;
mod crud;
mod list;
mod names;
mod shapes;
mod tags;

/// The head of a branch as REST and gRPC (GetBranch and GetLatestVersion)
/// report it; the transports must agree.
async fn branch_head(app: &TestApp, pacticipant: &str, branch: &str) -> Option<String> {
    let path = format!(
        "/pacticipants/{pacticipant}/branches/{}/latest-version",
        branch.replace('/', "%2F")
    );
    let (status, body) = app.get(&path).await;
    let rest = match status {
        200 => Some(body["number"].as_str().expect("a number").to_owned()),
        404 => None,
        other => panic!("{path}: {other} {body}"),
    };
    let mut versions = app.versions().await;
    let from_branch = versions
        .get_branch(pb::GetBranchRequest {
            pacticipant: pacticipant.into(),
            branch: branch.into(),
        })
        .await
        .expect("the branch")
        .into_inner()
        .branch
        .unwrap()
        .latest_version;
    let latest = match versions
        .get_latest_version(pb::GetLatestVersionRequest {
            pacticipant: pacticipant.into(),
            branch: branch.into(),
            tag: String::new(),
        })
        .await
    {
        Ok(response) => Some(response.into_inner().version.unwrap().number),
        Err(status) if status.code() == Code::NotFound => None,
        Err(status) => panic!("{status:?}"),
    };
    assert_eq!(rest, latest, "REST and GetLatestVersion disagree");
    assert_eq!(
        rest.clone().unwrap_or_default(),
        from_branch,
        "REST and GetBranch disagree"
    );
    rest
}

fn numbers(versions: &Value) -> Vec<String> {
    versions
        .as_array()
        .unwrap_or_else(|| panic!("an array: {versions}"))
        .iter()
        .map(|v| v["number"].as_str().expect("a number").to_owned())
        .collect()
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|v| v["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn assert_code(result: Result<impl std::fmt::Debug, tonic::Status>, code: Code, message: &str) {
    let status = result.expect_err("an error");
    assert_eq!(status.code(), code, "{status:?}");
    assert!(
        status.message().contains(message),
        "{message:?} not in {status:?}"
    );
}
