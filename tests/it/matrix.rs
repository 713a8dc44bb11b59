//! The matrix and can-i-deploy over REST (`/matrix`, `/can-i-deploy`,
//! `/matrix/provider/{p}/consumer/{c}`) and gRPC (`MatrixService`), as
//! tables of scenarios, and with the real Pact CLIs.

use pactwire::grpc::pb;
use pactwire::grpc::pb::matrix_service_client::MatrixServiceClient;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::contracts::{self, pact_about};

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
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.deploy("Bar", "10").to("prod").await;

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

const NOT_DEPLOYED: &str =
    "(no version is currently recorded as deployed/released in this environment)";

#[tokio::test]
async fn consumer_side_scenarios_agree_over_both_transports() {
    let app = TestApp::start().await;
    // Each scenario has its own consumer and provider.
    // 1. Verified by the provider version in prod.
    let sha = app
        .publish(pact_about("C1", "P1", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C1", "P1", &sha).by("10").await;
    app.deploy("P1", "10").to("prod").await;
    // 2. Failed by the provider version in prod.
    let sha = app
        .publish(pact_about("C2", "P2", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C2", "P2", &sha).by("10").success(false).await;
    app.deploy("P2", "10").to("prod").await;
    // 3. Verified, but not by the provider version in prod.
    let sha = app
        .publish(pact_about("C3", "P3", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C3", "P3", &sha).by("11").await;
    app.publish(pact_about("C3", "P3", "old"))
        .version("0")
        .await;
    let old = app
        .publish(pact_about("C3", "P3", "old"))
        .version("0")
        .await
        .sha;
    app.verify("C3", "P3", &old).by("10").await;
    app.deploy("P3", "10").to("prod").await;
    // 4. The provider is not in prod at all.
    let sha = app
        .publish(pact_about("C4", "P4", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C4", "P4", &sha).by("10").await;
    // 5. Two instances in prod: one verified, one failed.
    let sha = app
        .publish(pact_about("C5", "P5", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C5", "P5", &sha).by("9").success(false).await;
    app.verify("C5", "P5", &sha).by("10").await;
    app.deploy("P5", "9").to("prod").instance("blue").await;
    app.deploy("P5", "10").to("prod").instance("green").await;
    // 6. Releases: the failing one's support ended.
    let sha = app
        .publish(pact_about("C6", "P6", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C6", "P6", &sha).by("9").success(false).await;
    app.verify("C6", "P6", &sha).by("10").await;
    let old = app.release("P6", "9").to("prod").await;
    app.release("P6", "10").to("prod").await;
    app.end_support(&old).await;
    // 7. Undeployed: the failing version was replaced.
    let sha = app
        .publish(pact_about("C7", "P7", "a"))
        .version("1")
        .await
        .sha;
    app.verify("C7", "P7", &sha).by("9").success(false).await;
    app.verify("C7", "P7", &sha).by("10").await;
    let old = app.deploy("P7", "9").to("prod").await;
    app.undeploy(&old).await;
    app.deploy("P7", "10").to("prod").await;
    // 8. Two instances in prod; only the newer one verified the pact.
    let sha = app
        .publish(pact_about("C8", "P8", "a"))
        .version("1")
        .await
        .sha;
    let (status, _) = app.put("/pacticipants/P8/versions/9", &json!({})).await;
    assert!(status == 200 || status == 201);
    app.verify("C8", "P8", &sha).by("10").await;
    app.deploy("P8", "9").to("prod").instance("blue").await;
    app.deploy("P8", "10").to("prod").instance("green").await;
    // 9. Two instances in prod; neither verified the pact (a version
    // outside prod did).
    let sha = app
        .publish(pact_about("C9", "P9", "a"))
        .version("1")
        .await
        .sha;
    for number in ["9", "10"] {
        let (status, _) = app
            .put(&format!("/pacticipants/P9/versions/{number}"), &json!({}))
            .await;
        assert!(status == 200 || status == 201);
    }
    app.verify("C9", "P9", &sha).by("11").await;
    app.deploy("P9", "9").to("prod").instance("blue").await;
    app.deploy("P9", "10").to("prod").instance("green").await;

    let all_good = "All required verification results are published and successful";
    let table = [
        ("C1", verdict(Some(true), (1, 0, 0), all_good)),
        (
            "C2",
            verdict(
                Some(false),
                (0, 1, 0),
                "The verification for the pact between version 1 of C2 and the version of P2 currently in prod (10) failed",
            ),
        ),
        (
            "C3",
            verdict(
                None,
                (0, 0, 1),
                "There is no verified pact between version 1 of C3 and the version of P3 currently in prod (10)",
            ),
        ),
        (
            "C4",
            verdict(
                None,
                (0, 0, 1),
                &format!(
                    "There is no verified pact between version 1 of C4 and a version of P4 currently in prod {NOT_DEPLOYED}"
                ),
            ),
        ),
        (
            "C5",
            verdict(
                Some(false),
                (1, 1, 0),
                "The verification for the pact between version 1 of C5 and one of the versions of P5 currently in prod (9) failed",
            ),
        ),
        ("C6", verdict(Some(true), (1, 0, 0), all_good)),
        ("C7", verdict(Some(true), (1, 0, 0), all_good)),
        (
            "C8",
            verdict(
                None,
                (1, 0, 1),
                "There is no verified pact between version 1 of C8 and one of the versions of P8 currently in prod (9)",
            ),
        ),
        (
            "C9",
            verdict(
                None,
                (0, 0, 2),
                "There is no verified pact between version 1 of C9 and one of the versions of P9 currently in prod (10)\n\
                 There is no verified pact between version 1 of C9 and one of the versions of P9 currently in prod (9)",
            ),
        ),
    ];
    for (consumer, expected) in table {
        assert_eq!(
            ask(&app, consumer, "1", "prod", &[]).await,
            expected,
            "{consumer}"
        );
    }
    // Every version of P8 in prod has its row; Bar 9's has no result.
    let (_, body) = app
        .get("/can-i-deploy?pacticipant=C8&version=1&environment=prod")
        .await;
    let rows: Vec<(Value, Value)> = body["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["provider"]["version"]["number"].clone(),
                r["verificationResult"]["success"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [(json!("10"), json!(true)), (json!("9"), Value::Null)],
        "{body}"
    );
}

#[tokio::test]
async fn provider_side_scenarios_agree_over_both_transports() {
    let app = TestApp::start().await;
    // Foo 1 is in prod and its pact was verified by Bar 11 and failed by
    // Bar 12; Bar 13 never verified it. Qux 5 is in test only.
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("11").await;
    app.verify("Foo", "Bar", &sha).by("12").success(false).await;
    let (status, _) = app.put("/pacticipants/Bar/versions/13", &json!({})).await;
    assert!(status == 200 || status == 201);
    app.deploy("Foo", "1").to("prod").await;
    let qux = app
        .publish(pact_about("Qux", "Bar", "q"))
        .version("5")
        .await
        .sha;
    app.verify("Qux", "Bar", &qux).by("11").success(false).await;
    app.deploy("Qux", "5").to("test").await;

    assert_eq!(
        ask(&app, "Bar", "11", "prod", &[]).await,
        verdict(
            Some(true),
            (1, 0, 0),
            "All required verification results are published and successful"
        )
    );
    assert_eq!(
        ask(&app, "Bar", "12", "prod", &[]).await,
        verdict(
            Some(false),
            (0, 1, 0),
            "The verification for the pact between the version of Foo currently in prod (1) and version 12 of Bar failed"
        )
    );
    assert_eq!(
        ask(&app, "Bar", "13", "prod", &[]).await,
        verdict(
            None,
            (0, 0, 1),
            "There is no verified pact between the version of Foo currently in prod (1) and version 13 of Bar"
        )
    );
    // In test, only Qux counts, and its pact failed with Bar 11.
    assert_eq!(
        ask(&app, "Bar", "11", "test", &[]).await.deployable,
        Some(false)
    );
    // Nothing of Bar's consumers is in an empty environment.
    app.environment("staging").await;
    assert_eq!(
        ask(&app, "Bar", "13", "staging", &[]).await,
        verdict(Some(true), (0, 0, 0), "There are no missing dependencies")
    );
}

#[tokio::test]
async fn ignored_pacticipants_do_not_block_deployment() {
    let app = TestApp::start().await;
    let bar = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.publish(pact_about("Foo", "Baz", "b"))
        .version("1")
        .await;
    app.verify("Foo", "Bar", &bar).by("10").await;
    app.deploy("Bar", "10").to("prod").await;
    // Baz has no version in prod: unknown unless ignored.
    let v = ask(&app, "Foo", "1", "prod", &[]).await;
    assert_eq!(v.deployable, None);
    let v = ask(&app, "Foo", "1", "prod", &["Baz"]).await;
    assert_eq!(
        v,
        verdict(
            Some(true),
            (1, 0, 0),
            "All required verification results are published and successful"
        )
    );
    let (_, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=1&environment=prod&ignore[]=Baz&ignore[]=Nope")
        .await;
    assert_eq!(body["summary"]["ignored"], 1, "{body}");
    assert_eq!(
        body["notices"][0],
        json!({"type": "warning", "text": "WARN: Cannot ignore any version of Nope (no such pacticipant exists)"})
    );
    // A failed verification of an ignored provider version is ignored too.
    let baz = app
        .publish(pact_about("Foo", "Baz", "b2"))
        .version("2")
        .await
        .sha;
    let bar2 = app
        .publish(pact_about("Foo", "Bar", "a2"))
        .version("2")
        .await
        .sha;
    app.verify("Foo", "Baz", &baz).by("7").success(false).await;
    app.verify("Foo", "Bar", &bar2).by("10").await;
    app.deploy("Baz", "7").to("prod").await;
    let (_, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=2&environment=prod&ignore[][pacticipant]=Baz&ignore[][version]=7")
        .await;
    assert_eq!(summary_of(&body), (json!(true), 1, 0, 0), "{body}");
    assert_eq!(body["summary"]["ignored"], 1);
    let ignored: Vec<&Value> = body["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ignored"] == true)
        .collect();
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0]["provider"]["name"], "Baz");
}

#[tokio::test]
async fn several_environments_are_independent() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("9").success(false).await;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.deploy("Bar", "9").to("prod").await;
    app.deploy("Bar", "10").to("test").await;
    assert_eq!(
        ask(&app, "Foo", "1", "test", &[]).await.deployable,
        Some(true)
    );
    assert_eq!(
        ask(&app, "Foo", "1", "prod", &[]).await.deployable,
        Some(false)
    );
}

#[tokio::test]
async fn unknown_names_get_precise_answers() {
    let app = TestApp::start().await;
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await;
    app.environment("prod").await;

    // An unknown version cannot be deployed.
    let (status, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=9&environment=prod")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["summary"]["deployable"], false);
    assert_eq!(
        body["summary"]["reason"],
        "No pacts or verifications have been published for version 9 of Foo"
    );
    // Unknown pacticipants and environments are bad requests.
    for (path, text) in [
        (
            "/can-i-deploy?pacticipant=Nope&version=1&environment=prod",
            "Pacticipant Nope not found",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&environment=moon",
            "Environment with name 'moon' does not exist",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1",
            "Must specify either an environment or a 'to' tag.",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&to=prod&environment=prod",
            "Cannot specify both a 'to' tag and an environment.",
        ),
        (
            "/matrix?q[][pacticipant]=Nope&q[][version]=1",
            "Pacticipant Nope not found",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&latest=true&environment=prod",
            "Cannot specify both latest=true and an environment.",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&tag=prod&environment=prod",
            "Cannot specify more than one of tag, environment and mainBranch.",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=1&limit=0",
            "The limit must be 1 or greater.",
        ),
        ("/matrix", "Please provide 1 or more version selectors."),
        (
            "/matrix?q[][pacticipant]=Foo&latestby=x",
            "latestby must be one of cvpv, cvp or cp",
        ),
        (
            "/matrix/provider/Bar/consumer/Foo?latestby=x",
            "latestby must be one of cvpv, cvp or cp",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        if path.starts_with("/matrix") {
            // The matrix lists its messages, as the Pact Broker's (the
            // CLIs' pacts expect a list).
            assert_eq!(body["errors"], json!([text]), "{path}: {body}");
        } else {
            assert!(body.to_string().contains(text), "{path}: {body}");
        }
    }
    let mut client = MatrixServiceClient::new(app.channel().await);
    let err = client
        .can_i_deploy(pb::CanIDeployRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            destination: Some(pb::can_i_deploy_request::Destination::Environment(
                "moon".into(),
            )),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert!(
        err.message()
            .contains("Environment with name 'moon' does not exist")
    );
    // The pair matrix of unknown pacticipants is not found.
    let (status, _) = app.get("/matrix/provider/Bar/consumer/Nope").await;
    assert_eq!(status, 404);
}

/// A NUL (or another control character) can be in no stored name, so a
/// selector with one matches nothing, reported on its own field or as not
/// found like any name that does not exist, without asking the database.
#[tokio::test]
async fn names_that_cannot_exist_are_not_found() {
    let app = TestApp::start().await;
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await;
    app.environment("prod").await;
    for (path, reason) in [
        (
            "/matrix?q[][pacticipant]=Foo&q[][version]=%00",
            "No pacts or verifications have been published for version \u{0} of Foo",
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=%00&environment=prod",
            "No pacts or verifications have been published for version \u{0} of Foo",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][tag]=%00&q[][latest]=true",
            "No version with tag \u{0} exists for Foo",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][branch]=a%01b",
            "No version of Foo from branch a\u{1}b exists",
        ),
        (
            "/matrix?q[][pacticipant]=Foo&q[][environment]=%00",
            "No version of Foo is currently recorded as deployed or released in environment \u{0}",
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["summary"]["deployable"], false, "{path}: {body}");
        // After any warning that no environment or version was given.
        assert!(
            body["summary"]["reason"]
                .as_str()
                .unwrap()
                .ends_with(reason),
            "{path}: {body}"
        );
    }
    // Inferred selectors: no version of Bar has the tag.
    let (status, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=1&to=pr%00od")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["summary"]["reason"],
        "There is no verified pact between version 1 of Foo and the latest version of Bar with tag pr\u{0}od (no such version exists)"
    );
    // Ignore selectors: nothing to ignore.
    let (status, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][version]=1&ignore[][pacticipant]=Foo&ignore[][version]=%00&ignore[][pacticipant]=B%00")
        .await;
    assert_eq!(status, 200, "{body}");
    let texts: Vec<&str> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"WARN: Cannot ignore version \u{0} of Foo (no such version exists)"),
        "{body}"
    );
    assert!(
        texts.contains(&"WARN: Cannot ignore any version of B\u{0} (no such pacticipant exists)"),
        "{body}"
    );
    // Pacticipants and environments: not found, listed by the matrix and
    // on its field by can-i-deploy.
    for (path, errors) in [
        (
            "/matrix?q[][pacticipant]=Foo&q[][pacticipant]=B%00&q[][version]=1",
            json!(["Pacticipant B\u{0} not found"]),
        ),
        (
            "/can-i-deploy?pacticipant=Foo&version=1&environment=pr%00od",
            json!({"environment": ["environment Environment with name 'pr\u{0}od' does not exist"]}),
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"], errors, "{path}: {body}");
    }
    let (status, body) = app.get("/matrix/provider/B%00/consumer/Foo").await;
    assert_eq!(status, 404, "{body}");
    // gRPC the same way.
    let mut client = MatrixServiceClient::new(app.channel().await);
    let reply = client
        .can_i_deploy(pb::CanIDeployRequest {
            pacticipant: "Foo".into(),
            version: "\0".into(),
            destination: Some(pb::can_i_deploy_request::Destination::Environment(
                "prod".into(),
            )),
            ..Default::default()
        })
        .await
        .expect("CanIDeploy")
        .into_inner();
    assert_eq!(reply.summary.unwrap().deployable, Some(false));
}

#[tokio::test]
async fn the_verdict_never_depends_on_a_row_limit() {
    let app = TestApp::start().await;
    // Foo 1 has pacts with 110 providers, all in prod; one failed.
    let providers: Vec<String> = (0..110).map(|i| format!("P{i:03}")).collect();
    let contracts: Vec<Value> = providers
        .iter()
        .map(|p| {
            let pact = contracts::pact("Foo", p, json!([{
                "description": "a request", "request": {"method": "GET", "path": "/"},
                "response": {"status": 200},
            }]));
            json!({
                "consumerName": "Foo", "providerName": p, "specification": "pact",
                "contentType": "application/json",
                "content": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pact.to_string()),
            })
        })
        .collect();
    let (status, reply) = app
        .post(
            "/contracts/publish",
            &json!({"pacticipantName": "Foo", "pacticipantVersionNumber": "1", "contracts": contracts}),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    for (i, p) in providers.iter().enumerate() {
        let sha = app.sha_of("Foo", "1", p).await;
        app.verify("Foo", p, &sha).by("1").success(i != 42).await;
        app.deploy(p, "1").to("prod").await;
    }
    let failed = "The verification for the pact between version 1 of Foo and the version of P042 currently in prod (1) failed";
    assert_eq!(
        ask(&app, "Foo", "1", "prod", &[]).await,
        verdict(Some(false), (109, 1, 0), failed)
    );

    let query = "/matrix?q[][pacticipant]=Foo&q[][version]=1&latestby=cvpv&environment=prod";
    let (_, body) = app.get(query).await;
    assert_eq!(summary_of(&body), (json!(false), 109, 1, 0));
    assert_eq!(
        body["matrix"].as_array().unwrap().len(),
        100,
        "the default limit shows 100 rows"
    );
    let (_, body) = app.get(&format!("{query}&limit=5")).await;
    assert_eq!(summary_of(&body), (json!(false), 109, 1, 0));
    assert_eq!(body["matrix"].as_array().unwrap().len(), 5);
    let (_, body) = app
        .get("/can-i-deploy?pacticipant=Foo&version=1&environment=prod")
        .await;
    assert_eq!(body["matrix"].as_array().unwrap().len(), 110);

    // gRPC pages: every page carries the same verdict.
    let mut client = MatrixServiceClient::new(app.channel().await);
    let mut token = String::new();
    let mut rows = Vec::new();
    loop {
        let reply = client
            .can_i_deploy(pb::CanIDeployRequest {
                pacticipant: "Foo".into(),
                version: "1".into(),
                destination: Some(pb::can_i_deploy_request::Destination::Environment(
                    "prod".into(),
                )),
                page_size: 40,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .expect("CanIDeploy")
            .into_inner();
        assert_eq!(
            grpc_verdict(reply.summary.as_ref().unwrap()),
            verdict(Some(false), (109, 1, 0), failed)
        );
        assert!(reply.rows.len() <= 40);
        rows.extend(reply.rows);
        if reply.next_page_token.is_empty() {
            break;
        }
        token = reply.next_page_token;
    }
    assert_eq!(rows.len(), 110);
    let failed_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.verification.as_ref().is_some_and(|v| !v.success))
        .collect();
    assert_eq!(failed_rows.len(), 1);
    assert_eq!(failed_rows[0].provider, "P042");

    // The text rendering ends with the verdict.
    let reply = app
        .call(
            reqwest::Method::GET,
            &format!("{query}&limit=3"),
            None,
            Some("text/plain"),
            "",
        )
        .await;
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain;charset=utf-8")
    );
    let text = reply.body.as_str().unwrap();
    assert!(
        text.starts_with(
            "CONSUMER | C_VERSION | REVISION | PROVIDER | P_VERSION | NUMBER | SUCCESS"
        ),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("\n\nDeployable: false\nReason: {failed}\n")),
        "{text}"
    );
}

#[tokio::test]
async fn the_pair_matrix_and_latestby() {
    let app = TestApp::start().await;
    let sha1 = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .branch("main")
        .await
        .sha;
    let sha2 = app
        .publish(pact_about("Foo", "Bar", "b"))
        .version("2")
        .branch("main")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha1).by("10").await;
    app.verify("Foo", "Bar", &sha1)
        .by("11")
        .success(false)
        .await;
    app.verify("Foo", "Bar", &sha2).by("11").await;

    let rows = |body: &Value| -> Vec<(String, String, Value)> {
        body["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["consumer"]["version"]["number"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["provider"]["version"]["number"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    r["verificationResult"]["success"].clone(),
                )
            })
            .collect()
    };
    let (status, body) = app.get("/matrix/provider/Bar/consumer/Foo").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        rows(&body),
        [
            ("2".into(), "11".into(), json!(true)),
            ("1".into(), "11".into(), json!(false)),
            ("1".into(), "10".into(), json!(true)),
        ]
    );
    assert_eq!(body["matrix"][0]["consumer"]["version"]["branch"], "main");
    assert_eq!(
        body["matrix"][0]["consumer"]["version"]["branchVersions"][0]["latest"],
        true
    );
    assert_eq!(
        body["matrix"][1]["consumer"]["version"]["branchVersions"][0]["latest"],
        false
    );

    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvp")
        .await;
    assert_eq!(
        rows(&body),
        [
            ("2".into(), "11".into(), json!(true)),
            ("1".into(), "11".into(), json!(false))
        ]
    );
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cp")
        .await;
    // One row for the pair: the newest provider version's, and of its
    // rows the newest consumer version's.
    assert_eq!(rows(&body), [("2".into(), "11".into(), json!(true))]);
    // success[] filters the rows shown.
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][pacticipant]=Bar&latestby=cvpv&success[]=false")
        .await;
    assert_eq!(rows(&body), [("1".into(), "11".into(), json!(false))]);
    // One selector with the latest of the others, as the Ruby CLI asks
    // when no environment is given.
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][version]=2&latestby=cvp&latest=true")
        .await;
    assert_eq!(body["summary"]["deployable"], true, "{body}");
    assert!(
        body["summary"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("WARN: It is recommended to specify the environment")
    );
    // To the head of Bar's main branch, Bar 11, which verified Foo 2.
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            "/pacticipants/Bar",
            &json!({"mainBranch": "main"}),
        )
        .await;
    assert_eq!(status, 200);
    for number in ["10", "11"] {
        let (status, body) = app
            .put(
                &format!("/pacticipants/Bar/branches/main/versions/{number}"),
                &json!({}),
            )
            .await;
        assert!(status == 200 || status == 201, "{body}");
    }
    let (_, body) = app
        .get("/matrix?q[][pacticipant]=Foo&q[][branch]=main&q[][latest]=true&latestby=cvp&mainBranch=true&latest=true")
        .await;
    assert_eq!(body["summary"]["deployable"], true, "{body}");
    assert_eq!(rows(&body), [("2".into(), "11".into(), json!(true))]);
    assert_eq!(
        body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "WARN: It is recommended to specify the version number (rather than the tag or branch) of the pacticipant you wish to deploy to avoid race conditions. Without a version number, this result will not be reliable.",
            "All required verification results are published and successful",
        ],
        "{body}"
    );
}

/// Where can-i-deploy checks a version against, other than an environment.
#[derive(Clone, Copy)]
enum Target<'a> {
    Tag(&'a str),
    MainBranch,
}

/// Asks whether `pacticipant` `version` can be deployed to `target` in
/// every way the transports allow: REST `/can-i-deploy?to=` (tags only),
/// REST `/matrix` as the Ruby CLI asks (`latestby=cvp&latest=true&tag=`
/// or `mainBranch=true&latest=true`), gRPC `CanIDeploy` (`to_tag`,
/// `main_branch`) and gRPC `QueryMatrix` (`tag`, `main_branch`). Asserts
/// they agree and returns the verdict.
async fn ask_to(app: &TestApp, pacticipant: &str, version: &str, target: Target<'_>) -> Verdict {
    let mut verdicts = Vec::new();
    let destination = match target {
        Target::Tag(tag) => {
            let (status, body) = app
                .get(&format!(
                    "/can-i-deploy?pacticipant={pacticipant}&version={version}&to={tag}"
                ))
                .await;
            assert_eq!(status, 200, "{body}");
            verdicts.push(("can-i-deploy", rest_verdict(&body)));
            format!("latest=true&tag={tag}")
        }
        Target::MainBranch => "mainBranch=true&latest=true".to_owned(),
    };
    let (status, body) = app
        .get(&format!(
            "/matrix?q[][pacticipant]={pacticipant}&q[][version]={version}&latestby=cvp&{destination}"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    verdicts.push(("matrix", rest_verdict(&body)));
    let destinations = match target {
        Target::Tag(tag) => (
            pb::can_i_deploy_request::Destination::ToTag(tag.into()),
            pb::query_matrix_request::Destination::Tag(tag.into()),
        ),
        Target::MainBranch => (
            pb::can_i_deploy_request::Destination::MainBranch(true),
            pb::query_matrix_request::Destination::MainBranch(true),
        ),
    };
    verdicts.extend(grpc_verdicts(app, pacticipant, version, destinations, Vec::new()).await);
    agreed(verdicts)
}

#[tokio::test]
async fn can_i_deploy_to_a_tag_or_the_main_branch() {
    let app = TestApp::start().await;
    // Foo 1's pact: verified by Bar 10 (tagged prod), failed by Bar 11
    // (tagged test, head of main), verified by Bar 12 (main, later).
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("11").success(false).await;
    for (number, tag) in [("10", "prod"), ("11", "test")] {
        let (status, body) = app
            .put(
                &format!("/pacticipants/Bar/versions/{number}/tags/{tag}"),
                &json!({}),
            )
            .await;
        assert!(status == 200 || status == 201, "{body}");
    }
    let on_main = |number: &'static str| {
        let app = &app;
        async move {
            let (status, body) = app
                .put(
                    &format!("/pacticipants/Bar/branches/main/versions/{number}"),
                    &json!({}),
                )
                .await;
            assert!(status == 200 || status == 201, "{body}");
        }
    };
    let (status, _) = app
        .send(
            reqwest::Method::PATCH,
            "/pacticipants/Bar",
            &json!({"mainBranch": "main"}),
        )
        .await;
    assert_eq!(status, 200);
    on_main("11").await;

    let all_good = "All required verification results are published and successful";
    assert_eq!(
        ask_to(&app, "Foo", "1", Target::Tag("prod")).await,
        verdict(Some(true), (1, 0, 0), all_good)
    );
    assert_eq!(
        ask_to(&app, "Foo", "1", Target::Tag("test")).await,
        verdict(
            Some(false),
            (0, 1, 0),
            "The verification for the pact between version 1 of Foo and the latest version of Bar with tag test (11) failed"
        )
    );
    assert_eq!(
        ask_to(&app, "Foo", "1", Target::Tag("nope")).await,
        verdict(
            None,
            (0, 0, 1),
            "There is no verified pact between version 1 of Foo and the latest version of Bar with tag nope (no such version exists)"
        )
    );
    assert_eq!(
        ask_to(&app, "Foo", "1", Target::MainBranch).await,
        verdict(
            Some(false),
            (0, 1, 0),
            "The verification for the pact between version 1 of Foo and the latest version of Bar from branch main (11) failed"
        )
    );
    // Bar 12 verifies Foo 1 and becomes the head of main.
    app.verify("Foo", "Bar", &sha).by("12").await;
    on_main("12").await;
    assert_eq!(
        ask_to(&app, "Foo", "1", Target::MainBranch).await,
        verdict(Some(true), (1, 0, 0), all_good)
    );
    // The provider side: no version of Foo is tagged prod, so Bar 11 has
    // no consumer there to satisfy.
    let (_, body) = app
        .get("/can-i-deploy?pacticipant=Bar&version=11&to=prod")
        .await;
    assert_eq!(
        rest_verdict(&body),
        verdict(Some(true), (0, 0, 0), "There are no missing dependencies")
    );
}

/// Like the Pact Broker, the pair matrix keeps every row unless a
/// latestby is given: each verification, even several by one provider
/// version.
#[tokio::test]
async fn the_pair_matrix_shows_every_verification() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").success(false).await;
    app.verify("Foo", "Bar", &sha).by("10").await;
    let results = |body: &Value| -> Vec<(Value, Value)> {
        body["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["provider"]["version"]["number"].clone(),
                    r["verificationResult"]["success"].clone(),
                )
            })
            .collect()
    };
    let (status, body) = app.get("/matrix/provider/Bar/consumer/Foo").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        results(&body),
        [(json!("10"), json!(true)), (json!("10"), json!(false))],
        "{body}"
    );
    let (_, body) = app
        .get("/matrix/provider/Bar/consumer/Foo?latestby=cvpv")
        .await;
    assert_eq!(results(&body), [(json!("10"), json!(true))], "{body}");
}

#[tokio::test]
async fn can_i_deploy_with_the_rust_and_ruby_clis() {
    use crate::support::tools::{pact_ruby, pact_rust, run};
    let app = TestApp::start().await;
    let good = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    let bad = app
        .publish(pact_about("Foo", "Bar", "b"))
        .version("2")
        .await
        .sha;
    let both = app
        .publish(pact_about("Foo", "Bar", "c"))
        .version("3")
        .await
        .sha;
    app.verify("Foo", "Bar", &good).by("10").await;
    app.verify("Foo", "Bar", &good).by("9").await;
    app.verify("Foo", "Bar", &bad).by("10").success(false).await;
    app.verify("Foo", "Bar", &bad).by("9").success(false).await;
    // Foo 3 works with Bar 10 but not Bar 9; both run in prod, so the
    // Ruby CLI's latestby=cvp must not hide Bar 9.
    app.verify("Foo", "Bar", &both).by("9").success(false).await;
    app.verify("Foo", "Bar", &both).by("10").await;
    app.deploy("Bar", "9").to("prod").instance("blue").await;
    app.deploy("Bar", "10").to("prod").instance("green").await;

    for (version, expected) in [("1", 0), ("2", 1), ("3", 1), ("404", 1)] {
        let args = [
            "can-i-deploy",
            "--pacticipant",
            "Foo",
            "--version",
            version,
            "--to-environment",
            "prod",
            "--broker-base-url",
            &app.base,
        ];
        let mut rust = pact_rust();
        rust.arg("broker").args(args);
        let (code, out, err) = run(rust).await;
        assert_eq!(code, expected, "Rust CLI, Foo {version}:\n{out}\n{err}");
        let mut ruby = pact_ruby("pact-broker");
        ruby.args(args);
        let (code, out, err) = run(ruby).await;
        assert_eq!(code, expected, "Ruby CLI, Foo {version}:\n{out}\n{err}");
        if version == "1" {
            assert!(out.contains("Computer says yes"), "{out}");
        }
    }
}

#[tokio::test]
async fn the_success_filter_and_the_verdict() {
    let app = TestApp::start().await;
    // Foo 1 is verified by Bar 10 and failed by Bar 11; both run in prod.
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("11").success(false).await;
    app.deploy("Bar", "10").to("prod").instance("blue").await;
    app.deploy("Bar", "11").to("prod").instance("green").await;
    let failed = "The verification for the pact between version 1 of Foo and one of the versions of Bar currently in prod (11) failed";

    // gRPC: the filter chooses the rows; the summary still counts every row.
    let mut client = MatrixServiceClient::new(app.channel().await);
    for (success, shown) in [
        (None, vec!["11", "10"]),
        (Some(true), vec!["10"]),
        (Some(false), vec!["11"]),
    ] {
        let reply = client
            .query_matrix(pb::QueryMatrixRequest {
                selectors: vec![pb::MatrixSelector {
                    pacticipant: "Foo".into(),
                    version_selector: Some(pb::matrix_selector::VersionSelector::Version(
                        "1".into(),
                    )),
                }],
                latest_by: pb::LatestBy::Cvpv.into(),
                destination: Some(pb::query_matrix_request::Destination::Environment(
                    "prod".into(),
                )),
                success,
                ..Default::default()
            })
            .await
            .expect("QueryMatrix")
            .into_inner();
        assert_eq!(
            grpc_verdict(reply.summary.as_ref().unwrap()),
            verdict(Some(false), (1, 1, 0), failed),
            "success = {success:?}"
        );
        let versions: Vec<&str> = reply
            .rows
            .iter()
            .map(|r| r.provider_version.as_str())
            .collect();
        assert_eq!(versions, shown, "success = {success:?}");
    }

    // REST keeps the Pact Broker's behaviour: success[] filters the rows
    // before the summary is drawn, so it changes the verdict.
    let query = "/matrix?q[][pacticipant]=Foo&q[][version]=1&latestby=cvpv&environment=prod";
    let (_, body) = app.get(query).await;
    assert_eq!(rest_verdict(&body), verdict(Some(false), (1, 1, 0), failed));
    let (_, body) = app.get(&format!("{query}&success[]=true")).await;
    assert_eq!(
        rest_verdict(&body),
        verdict(
            Some(true),
            (1, 0, 0),
            "All required verification results are published and successful"
        )
    );
    assert_eq!(body["matrix"].as_array().unwrap().len(), 1);
    assert_eq!(body["matrix"][0]["provider"]["version"]["number"], "10");
}

/// Versions of each pacticipant in [`History`]. On a history of a few
/// thousand pacts PostgreSQL rightly reads small tables whole; from about
/// this size on it goes through the indexes, as on a broker in use.
const HISTORY_VERSIONS: u32 = 100;

/// A database with some history, written through the broker's own write
/// path, and a way to read the plan of a matrix row query over it.
struct History {
    conn: diesel_async::AsyncPgConnection,
}

/// The history: about 14,000 calls of the service layer, so written once
/// and shared by the tests that read its plans, which only read it.
static HISTORY: tokio::sync::OnceCell<crate::support::pg::TestDatabase> =
    tokio::sync::OnceCell::const_new();

impl History {
    async fn open() -> History {
        use diesel_async::AsyncConnection;
        let db = HISTORY.get_or_init(seed_history).await;
        let conn = diesel_async::AsyncPgConnection::establish(&db.url)
            .await
            .expect("connecting");
        History { conn }
    }

    async fn id(&mut self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        diesel::sql_query(sql)
            .get_result::<Id>(&mut self.conn)
            .await
            .expect(sql)
            .id
    }

    async fn pacticipant(&mut self, name: &str) -> i64 {
        self.id(&format!(
            "SELECT id FROM pacticipants WHERE name = '{name}'"
        ))
        .await
    }

    async fn version(&mut self, name: &str, number: &str) -> i64 {
        self.id(&format!(
            "SELECT v.id FROM versions v JOIN pacticipants p ON p.id = v.pacticipant_id \
             WHERE p.name = '{name}' AND v.number = '{number}'"
        ))
        .await
    }

    /// The plan of `sql`, as run, with `$1`, `$2`... bound to these id
    /// arrays (the custom plan PostgreSQL makes for the bound values): the
    /// root node of EXPLAIN's JSON.
    async fn plan(&mut self, sql: &str, arrays: &[&[i64]]) -> Value {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Explained {
            #[diesel(sql_type = diesel::sql_types::Json, column_name = "QUERY PLAN")]
            plan: Value,
        }
        let mut sql = sql.to_owned();
        for (i, ids) in arrays.iter().enumerate().rev() {
            let literal = format!(
                "'{{{}}}'::bigint[]",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            );
            sql = sql.replace(&format!("${}", i + 1), &literal);
        }
        let explained: Explained =
            diesel::sql_query(format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))
                .get_result(&mut self.conn)
                .await
                .expect("explaining");
        explained.plan[0]["Plan"].clone()
    }
}

/// Seeds, through the service layer, 20 consumers and 5 providers with
/// [`HISTORY_VERSIONS`] versions each: every consumer version publishes
/// pacts with three providers (C<i> with P<i % 5>, P<(i + 1) % 5> and
/// P<(i + 2) % 5>), each verified by the provider versions with the same
/// number and the next, every seventh failing; then ANALYZE, as
/// autovacuum would in time.
async fn seed_history() -> crate::support::pg::TestDatabase {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    use futures_util::StreamExt;
    use pactwire::service::verifications::VerificationInput;
    use pactwire::service::{ContractInput, PublishInput};
    // Calls in flight at once, to keep PostgreSQL and this process busy.
    const CONCURRENCY: usize = 4;
    let db = crate::support::pg::database().await;
    let store = pactwire::store::Store::connect(&db.url, CONCURRENCY as u32)
        .await
        .expect("connecting to the history database");
    let broker = pactwire::service::Broker::new(store, Default::default());
    let publish = |consumer: u32, number: u32| {
        let name = format!("C{consumer}");
        let contracts = (0..3)
            .map(|offset| {
                let provider = format!("P{}", (consumer + offset) % 5);
                let pact = contracts::pact_about(&name, &provider, &number.to_string());
                ContractInput {
                    consumer_name: name.clone(),
                    provider_name: provider,
                    specification: "pact".into(),
                    content_type: "application/json".into(),
                    content: pact.to_string().into_bytes(),
                    on_conflict: Default::default(),
                }
            })
            .collect();
        let input = PublishInput {
            pacticipant_name: name,
            pacticipant_version_number: number.to_string(),
            contracts,
            ..PublishInput::default()
        };
        let broker = broker.clone();
        async move {
            let result = retried(|| broker.publish_contracts(input.clone())).await;
            result
                .contracts
                .into_iter()
                .map(|(pact, _)| (pact.consumer, pact.provider, pact.sha, number))
                .collect::<Vec<_>>()
        }
    };
    let publications =
        (1..=HISTORY_VERSIONS).flat_map(|number| (0..20).map(move |consumer| (consumer, number)));
    let published: Vec<Vec<(String, String, String, u32)>> =
        futures_util::stream::iter(publications)
            .map(|(consumer, number)| publish(consumer, number))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let verifications = published.into_iter().flatten().flat_map(|pact| {
        [pact.3, pact.3 + 1]
            .into_iter()
            .filter(|number| *number <= HISTORY_VERSIONS)
            .map(move |number| (pact.clone(), number))
    });
    futures_util::stream::iter(verifications)
        .map(|((consumer, provider, sha, _), number)| {
            let broker = broker.clone();
            async move {
                let input = VerificationInput {
                    success: Some(number % 7 != 0),
                    provider_version: number.to_string(),
                    ..VerificationInput::default()
                };
                retried(|| broker.publish_verification(&consumer, &provider, &sha, input.clone()))
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&db.url)
        .await
        .expect("connecting");
    conn.batch_execute("ANALYZE").await.expect("analyzing");
    db
}

/// `call`'s answer, called again when a concurrent call aborted it, as
/// the broker asks its clients to.
async fn retried<T, F>(mut call: impl FnMut() -> F) -> T
where
    F: std::future::Future<Output = pactwire::error::Result<T>>,
{
    for _ in 0..10 {
        match call().await {
            Err(pactwire::error::Error::Aborted(_)) => continue,
            answer => return answer.expect("writing the history"),
        }
    }
    panic!("writing the history: aborted ten times")
}

/// The tables that grow with history.
const HISTORY_TABLES: [&str; 4] = [
    "latest_pact_publications",
    "latest_verifications",
    "pact_publications",
    "verifications",
];

/// Every node of a plan, depth first.
fn plan_nodes(node: &Value) -> Vec<&Value> {
    let mut nodes = vec![node];
    if let Some(children) = node["Plans"].as_array() {
        nodes.extend(children.iter().flat_map(plan_nodes));
    }
    nodes
}

/// A number of a plan node, 0 when it has none.
fn plan_number(node: &Value, key: &str) -> f64 {
    node[key].as_f64().unwrap_or(0.0)
}

/// One line per node, indented by depth, for failure messages.
fn plan_outline(node: &Value, depth: usize, out: &mut String) {
    let name = |key: &str| node[key].as_str().map(|name| format!(" {key}={name}"));
    out.push_str(&format!(
        "{:indent$}{}{}{} estimated={} rows={} loops={} removed={}\n",
        "",
        node["Node Type"].as_str().unwrap_or("?"),
        name("Relation Name").unwrap_or_default(),
        name("Index Name").unwrap_or_default(),
        plan_number(node, "Plan Rows"),
        plan_number(node, "Actual Rows"),
        plan_number(node, "Actual Loops"),
        plan_number(node, "Rows Removed by Filter")
            + plan_number(node, "Rows Removed by Index Recheck"),
        indent = depth * 2
    ));
    for child in node["Plans"].as_array().into_iter().flatten() {
        plan_outline(child, depth + 1, out);
    }
}

/// The nodes of a plan that read a history table from end to end, or not
/// through an index, or that materialise a subquery (a CTE Scan).
fn reads_a_whole_table(plan: &Value) -> Vec<String> {
    const THROUGH_AN_INDEX: [&str; 3] = ["Index Scan", "Index Only Scan", "Bitmap Heap Scan"];
    plan_nodes(plan)
        .into_iter()
        .filter_map(|node| {
            let kind = node["Node Type"].as_str().unwrap_or_default();
            let table = node["Relation Name"].as_str().unwrap_or_default();
            let unindexed = HISTORY_TABLES.contains(&table) && !THROUGH_AN_INDEX.contains(&kind);
            let cte = node["CTE Name"].as_str();
            (unindexed || cte.is_some()).then(|| format!("{kind} {}", cte.unwrap_or(table)))
        })
        .collect()
}

/// The history tables and, for each of them, how many rows a plan run
/// with EXPLAIN ANALYZE read from it (kept or filtered out, over every
/// loop) when that is more than the query returned: lookups that read
/// history the answer does not show. Each row returned shows at most one
/// pact publication and one verification, found once and read again for
/// its details, so a query that reads only what it shows reads at most
/// two rows of a table per row returned (10% and 10 rows are allowed for
/// EXPLAIN's rounding of per-loop averages). Bitmap Index Scans name no
/// table: their rows are counted by the Bitmap Heap Scan above them.
fn over_reads(plan: &Value) -> Vec<String> {
    let returned = plan_number(plan, "Actual Rows");
    let mut read: std::collections::BTreeMap<&str, f64> = Default::default();
    for node in plan_nodes(plan) {
        let Some(table) = node["Relation Name"]
            .as_str()
            .filter(|table| HISTORY_TABLES.contains(table))
        else {
            continue;
        };
        let rows = plan_number(node, "Actual Rows")
            + plan_number(node, "Rows Removed by Filter")
            + plan_number(node, "Rows Removed by Index Recheck");
        *read.entry(table).or_default() += rows * plan_number(node, "Actual Loops");
    }
    read.into_iter()
        .filter(|(_, rows)| *rows > 2.0 * returned * 1.1 + 10.0)
        .map(|(table, rows)| format!("{rows} rows of {table} read for {returned} returned"))
        .collect()
}

/// Fails unless `plan` reads every history table through an index, and no
/// more rows than it needs; `what` says which query it is.
fn assert_reads_only_its_rows(plan: &Value, what: &str) {
    let mut outline = String::new();
    plan_outline(plan, 0, &mut outline);
    assert_eq!(
        reads_a_whole_table(plan),
        Vec::<String>::new(),
        "{what}:\n{outline}"
    );
    assert_eq!(over_reads(plan), Vec::<String>::new(), "{what}:\n{outline}");
}

#[tokio::test]
async fn the_rows_of_one_selector_are_found_through_indexes() {
    use pactwire::store::matrix::rows_for_one_sql;
    let mut history = History::open().await;
    let consumer_version = history.version("C3", "50").await;
    let provider_version = history.version("P3", "50").await;
    for every_row in [false, true] {
        for latest_only in [false, true] {
            let sql = rows_for_one_sql(every_row, latest_only);
            for (what, arrays) in [
                ("a consumer version", [&[consumer_version][..], &[]]),
                ("a provider version", [&[provider_version][..], &[]]),
            ] {
                let plan = history.plan(&sql, &arrays).await;
                assert_reads_only_its_rows(
                    &plan,
                    &format!("{what}, every_row {every_row}, latest_only {latest_only}"),
                );
            }
        }
    }
}

#[tokio::test]
async fn the_rows_between_selectors_are_read_through_fitting_indexes() {
    use pactwire::store::matrix::rows_between_sql;
    let mut history = History::open().await;
    // P3 has twelve consumers and C3 three providers; the pair matrix of C3
    // and P3 must read only their rows, not every verification of P3 or
    // every pact of C3.
    let consumer = history.pacticipant("C3").await;
    let provider = history.pacticipant("P3").await;
    let pair = [consumer, provider];
    // Deploying C3 50 to where P3 50 and P3 60 run: P3 51 also verified
    // C3 50's pact and must not be read.
    let versions = [
        history.version("C3", "50").await,
        history.version("P3", "50").await,
        history.version("P3", "60").await,
    ];
    let of_versions = [consumer, provider, provider];
    for every_row in [false, true] {
        let sql = rows_between_sql(every_row);
        for (what, arrays) in [
            ("the pair matrix", [&[][..], &pair, &pair, &pair, &[]]),
            (
                "deploying a version",
                [&versions[..], &[], &pair, &[consumer], &of_versions],
            ),
        ] {
            let plan = history.plan(&sql, &arrays).await;
            assert_reads_only_its_rows(&plan, &format!("{what}, every_row {every_row}"));
        }
    }
}

/// Each CLI asks for the matrix once and then once per retry while the
/// verdict is unknown (counted on the wire, by a proxy in front of the
/// broker), waiting `--retry-interval` between; still unknown after the
/// last retry, it exits with 1, and a verdict arriving while it retries
/// ends the wait with a yes and 0.
#[tokio::test]
async fn the_clis_retry_while_the_verdict_is_unknown() {
    use crate::support::proxy::CountingProxy;
    use crate::support::tools::{pact_ruby, pact_rust, run};
    use std::process::Command;
    use std::time::{Duration, Instant};
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    let (status, body) = app.put("/pacticipants/Bar/versions/10", &json!({})).await;
    assert_eq!(status, 201, "{body}");
    app.deploy("Bar", "10").to("prod").await;
    let broker = app.base.trim_start_matches("http://").to_owned();
    let can_i_deploy = |mut command: Command, base: &str, times: &str| {
        command.args([
            "can-i-deploy",
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--to-environment",
            "prod",
            "--retry-while-unknown",
            times,
            "--retry-interval",
            "1",
            "--broker-base-url",
            base,
        ]);
        command
    };
    let cli = |name: &str| {
        if name == "Rust" {
            let mut command = pact_rust();
            command.arg("broker");
            command
        } else {
            pact_ruby("pact-broker")
        }
    };

    // Bar 10 has not verified Foo 1: each CLI asks, retries as many times
    // as told, then gives up with 1.
    for name in ["Rust", "Ruby"] {
        for retries in [0, 2] {
            let proxy = CountingProxy::start(&broker, "/matrix").await;
            let (code, out, err) =
                run(can_i_deploy(cli(name), &proxy.base, &retries.to_string())).await;
            assert_eq!(code, 1, "{name} CLI, {retries} retries:\n{out}\n{err}");
            assert_eq!(
                proxy.count(),
                1 + retries,
                "{name} CLI's /matrix requests with {retries} retries:\n{out}\n{err}"
            );
            if name == "Ruby" && retries > 0 {
                assert!(err.contains("Waiting for 1 verification result"), "{err}");
            }
        }
    }

    // A result arriving while they retry ends the wait with a yes.
    let mut waiting = Vec::new();
    for name in ["Rust", "Ruby"] {
        let proxy = CountingProxy::start(&broker, "/matrix").await;
        let task = tokio::spawn(run(can_i_deploy(cli(name), &proxy.base, "60")));
        waiting.push((name, proxy, task));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for (name, proxy, task) in &waiting {
        while proxy.count() < 2 {
            assert!(!task.is_finished(), "the {name} CLI stopped waiting");
            assert!(Instant::now() < deadline, "the {name} CLI did not retry");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut asked_before = Vec::new();
    for (name, proxy, task) in &waiting {
        assert!(!task.is_finished(), "the {name} CLI stopped waiting");
        asked_before.push(proxy.count());
    }
    app.verify("Foo", "Bar", &sha).by("10").await;
    for ((name, proxy, task), before) in waiting.into_iter().zip(asked_before) {
        let (code, out, err) = task.await.unwrap();
        assert_eq!(code, 0, "{name} CLI:\n{out}\n{err}");
        assert!(out.contains("Computer says yes"), "{name} CLI:\n{out}");
        assert!(
            proxy.count() > before,
            "the {name} CLI did not ask again after the result:\n{out}\n{err}"
        );
    }
}
