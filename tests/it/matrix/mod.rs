//! The matrix and can-i-deploy over REST (`/matrix`, `/can-i-deploy`,
//! `/matrix/provider/{p}/consumer/{c}`) and gRPC (`MatrixService`), as
//! tables of scenarios, and with the real Pact CLIs.

use pactwire::grpc::pb;
use pactwire::grpc::pb::matrix_service_client::MatrixServiceClient;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::contracts::{self, pact_about};

mod can_i_deploy;
mod clis;
mod names;
mod pairs;
mod plans;

/// A verdict in short: deployable, success, failed, unknown, reason.
#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    deployable: Option<bool>,
    success: i64,
    failed: i64,
    unknown: i64,
    reason: String,
}

fn verdict(deployable: Option<bool>, counts: (i64, i64, i64), reason: &str) -> Verdict {
    Verdict {
        deployable,
        success: counts.0,
        failed: counts.1,
        unknown: counts.2,
        reason: reason.to_owned(),
    }
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

fn rest_verdict(body: &Value) -> Verdict {
    let (deployable, success, failed, unknown) = summary_of(body);
    Verdict {
        deployable: deployable.as_bool(),
        success,
        failed,
        unknown,
        reason: body["summary"]["reason"].as_str().unwrap().to_owned(),
    }
}

fn grpc_verdict(summary: &pb::MatrixSummary) -> Verdict {
    Verdict {
        deployable: summary.deployable,
        success: summary.success_count.into(),
        failed: summary.failed_count.into(),
        unknown: summary.unknown_count.into(),
        reason: summary.reason.clone(),
    }
}

/// Asks whether `pacticipant` `version` can be deployed to `environment`
/// in five ways: REST `/can-i-deploy`, REST `/matrix` as the Ruby CLI asks
/// (`latestby=cvp`) and as the Rust CLI asks (`latestby=cvpv`), gRPC
/// `CanIDeploy` and gRPC `QueryMatrix`. Asserts they agree and returns the
/// verdict.
async fn ask(
    app: &TestApp,
    pacticipant: &str,
    version: &str,
    environment: &str,
    ignore: &[&str],
) -> Verdict {
    let ignore_can_i_deploy: String = ignore.iter().map(|i| format!("&ignore[]={i}")).collect();
    let ignore_matrix: String = ignore
        .iter()
        .map(|i| format!("&ignore[][pacticipant]={i}"))
        .collect();
    let mut verdicts = Vec::new();
    let (status, body) = app
        .get(&format!(
            "/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}{ignore_can_i_deploy}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    verdicts.push(("can-i-deploy", rest_verdict(&body)));
    for latestby in ["cvp", "cvpv"] {
        let (status, body) = app
            .get(&format!(
                "/matrix?q[][pacticipant]={pacticipant}&q[][version]={version}&latestby={latestby}&environment={environment}{ignore_matrix}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        verdicts.push(("matrix", rest_verdict(&body)));
    }
    let ignore_selectors: Vec<pb::IgnoreSelector> = ignore
        .iter()
        .map(|i| pb::IgnoreSelector {
            pacticipant: (*i).to_owned(),
            version: String::new(),
        })
        .collect();
    verdicts.extend(
        grpc_verdicts(
            app,
            pacticipant,
            version,
            (
                pb::can_i_deploy_request::Destination::Environment(environment.into()),
                pb::query_matrix_request::Destination::Environment(environment.into()),
            ),
            ignore_selectors,
        )
        .await,
    );
    agreed(verdicts)
}

/// The verdicts of gRPC `CanIDeploy` and of `QueryMatrix` with
/// `latestby=cvp` for one version and destination (given in each
/// request's form).
async fn grpc_verdicts(
    app: &TestApp,
    pacticipant: &str,
    version: &str,
    (to, matrix_to): (
        pb::can_i_deploy_request::Destination,
        pb::query_matrix_request::Destination,
    ),
    ignore_selectors: Vec<pb::IgnoreSelector>,
) -> [(&'static str, Verdict); 2] {
    let mut client = MatrixServiceClient::new(app.channel().await);
    let can_i_deploy = client
        .can_i_deploy(pb::CanIDeployRequest {
            pacticipant: pacticipant.into(),
            version: version.into(),
            destination: Some(to),
            ignore_selectors: ignore_selectors.clone(),
            ..Default::default()
        })
        .await
        .expect("CanIDeploy")
        .into_inner();
    let matrix = client
        .query_matrix(pb::QueryMatrixRequest {
            selectors: vec![pb::MatrixSelector {
                pacticipant: pacticipant.into(),
                version_selector: Some(pb::matrix_selector::VersionSelector::Version(
                    version.into(),
                )),
            }],
            latest_by: pb::LatestBy::Cvp.into(),
            destination: Some(matrix_to),
            ignore_selectors,
            ..Default::default()
        })
        .await
        .expect("QueryMatrix")
        .into_inner();
    [
        (
            "CanIDeploy",
            grpc_verdict(can_i_deploy.summary.as_ref().unwrap()),
        ),
        (
            "QueryMatrix",
            grpc_verdict(matrix.summary.as_ref().unwrap()),
        ),
    ]
}

/// Asserts every way of asking gave the first one's verdict, and returns it.
fn agreed(verdicts: Vec<(&str, Verdict)>) -> Verdict {
    let (first_how, first) = verdicts[0].clone();
    for (how, v) in &verdicts {
        assert_eq!(v, &first, "{how} disagrees with {first_how}");
    }
    first
}
