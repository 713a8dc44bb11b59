//! The real verifiers end to end: the Rust `pact verifier` (pact-python-cli
//! 1!0.10.9) and the Ruby `pact-provider-verifier` (pact-python-cli
//! 2.5.7.0) ask pactwire for the pacts to verify with consumer version
//! selectors, pending and WIP pacts, verify them against a provider the
//! test runs, and publish their results with the provider branch and tags.
//! What each verifier fetched is proved by the results it published: every
//! pact chosen gets a result from that provider version, no other does.

use std::process::Command;

use chrono::{SecondsFormat, Utc};
use pactwire::grpc::pb;
use pactwire::grpc::pb::verification_service_client::VerificationServiceClient;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::builders::Published;
use crate::support::contracts;
use crate::support::{TestApp, tools};

const PROVIDER: &str = "Orders";

/// A provider answering `GET /items/{name}` with `{"name": name}`, except
/// `/items/broken`, which fails with 500.
async fn start_provider() -> u16 {
    use axum::extract::Path;
    use axum::http::StatusCode;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding");
    let port = listener.local_addr().expect("address").port();
    let app = axum::Router::new().route(
        "/items/{name}",
        axum::routing::get(|Path(name): Path<String>| async move {
            if name == "broken" {
                Err(StatusCode::INTERNAL_SERVER_ERROR)
            } else {
                Ok(axum::Json(json!({ "name": name })))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// A pact of `consumer` with one interaction, `GET /items/{item}`.
fn pact(consumer: &str, item: &str) -> Value {
    let interactions = json!([{
        "description": format!("a request for {item}"),
        "request": {"method": "GET", "path": format!("/items/{item}")},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"name": item},
        },
    }]);
    contracts::pact(consumer, PROVIDER, interactions)
}

/// The latest verification result for the content of `pact`, if any.
async fn latest_result(app: &TestApp, pact: &Published) -> Option<pb::VerificationResult> {
    let reply = VerificationServiceClient::new(app.channel().await)
        .get_verification_result(pb::GetVerificationResultRequest {
            consumer: pact.consumer.clone(),
            provider: PROVIDER.into(),
            content_sha: pact.sha.clone(),
            number: 0,
        })
        .await;
    match reply {
        Ok(reply) => Some(reply.into_inner().verification_result.expect("a result")),
        Err(status) if status.code() == Code::NotFound => None,
        Err(status) => panic!("reading the result of {pact:?}: {status:?}"),
    }
}

/// Of `pacts`, those whose latest result is from `provider_version`, as
/// (consumer version, success, pending, wip). The flags come from the
/// metadata segment of the URL the verifier published to; a WIP pact's
/// segment carries only `w` (as in the Pact Broker), and a WIP pact is
/// always pending, so its result is recorded as both.
async fn verified_by(
    app: &TestApp,
    pacts: &[&Published],
    provider_version: &str,
) -> Vec<(String, bool, bool, bool)> {
    let mut verified = Vec::new();
    for pact in pacts {
        if let Some(result) = latest_result(app, pact).await
            && result.provider_version == provider_version
        {
            assert_eq!(
                result.provider_version_tags,
                ["dev"],
                "tagged before publishing: {result:?}"
            );
            verified.push((
                format!("{} {}", pact.consumer, pact.version),
                result.success,
                result.pending,
                result.wip,
            ));
        }
    }
    verified
}

/// The provider version's branches and tags as its resource shows them.
async fn branches_and_tags(app: &TestApp, version: &str) -> (Vec<String>, Vec<String>) {
    let (status, body) = app
        .get(&format!("/pacticipants/{PROVIDER}/versions/{version}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let names = |key: &str| -> Vec<String> {
        body["_embedded"][key]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|b| b["name"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    (names("branchVersions"), names("tags"))
}

/// Now, to the second, as the verifiers take `--include-wip-pacts-since`;
/// waits out the current second first, so that everything published
/// before the call is older than the returned time and everything after is
/// newer.
async fn wip_since_now() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `pact verifier` against the broker and the provider on `port`,
/// publishing as `provider_version` on branch `main` with tag `dev`.
fn rust_verifier(app: &TestApp, port: u16, provider_version: &str) -> Command {
    let mut command = tools::pact_rust();
    command
        .args(["verifier", "--broker-url", &app.base])
        .args(["--provider-name", PROVIDER])
        .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
        .args(["--provider-version", provider_version])
        .args(["--provider-branch", "main", "--provider-tags", "dev"])
        .args(["--no-colour"])
        .env("PACT_DO_NOT_TRACK", "true");
    command
}

fn selectors(command: &mut Command, selectors: &[Value]) {
    for selector in selectors {
        command.args(["--consumer-version-selectors", &selector.to_string()]);
    }
}

/// The consumers of the pacts a verifier says it verifies, in order: both
/// print `Verifying a pact between C and P` (the Ruby one adds
/// ` [PENDING]`).
fn verified_consumers(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|line| line.trim().strip_prefix("Verifying a pact between "))
        .map(|rest| rest.split(" and ").next().unwrap_or_default().to_owned())
        .collect()
}

/// The Rust verifier verifies exactly the pacts its selectors choose — the
/// main branch head, the deployed version, the head of a named branch —
/// plus the one WIP pact published since the date it gives; it publishes
/// the results with the provider branch and tag, and the pending and WIP
/// flags of each pact. Verified outside WIP, the WIP pact is no longer WIP.
#[tokio::test]
async fn the_rust_verifier_verifies_selected_pending_and_wip_pacts() {
    let app = TestApp::start().await;
    for name in ["Admin", "Mobile", "Web"] {
        app.pacticipant(name).main_branch("main").await;
    }
    let deployed = app
        .publish(pact("Web", "web-1"))
        .version("1")
        .branch("main")
        .tags(["prod"])
        .await;
    app.deploy("Web", "1").to("production").await;
    let main_head = app
        .publish(pact("Web", "web-2"))
        .version("2")
        .branch("main")
        .await;
    let old_feature = app
        .publish(pact("Mobile", "mobile-old"))
        .version("m0")
        .branch("old-x")
        .await;
    let since = wip_since_now().await;
    // Also the head of tag `beta`, so a WIP candidate too: chosen by a
    // selector, it must be verified once, not again as WIP.
    let feature = app
        .publish(pact("Mobile", "mobile-feat"))
        .version("m1")
        .branch("feat-x")
        .tags(["beta"])
        .await;
    let wip = app
        .publish(pact("Admin", "admin-wip"))
        .version("a1")
        .branch("feat-wip")
        .await;
    let all = [&deployed, &main_head, &old_feature, &feature, &wip];

    // The provider's main branch verified the deployed pact before.
    let (status, body) = app
        .put(
            &format!("/pacticipants/{PROVIDER}/branches/main/versions/0.9.0"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post(
            &format!(
                "/pacts/provider/{PROVIDER}/consumer/Web/pact-version/{}/verification-results",
                deployed.sha
            ),
            &json!({"success": true, "providerApplicationVersion": "0.9.0"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let port = start_provider().await;
    let first_run = |version: &str| {
        let mut command = rust_verifier(&app, port, version);
        selectors(
            &mut command,
            &[
                json!({"mainBranch": true}),
                json!({"deployedOrReleased": true}),
                json!({"branch": "feat-x"}),
            ],
        );
        command
            .args(["--enable-pending", "--include-wip-pacts-since", &since])
            .arg("--publish");
        command
    };
    let (code, out, err) = tools::run(first_run("1.0.0")).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        verified_consumers(&out),
        ["Mobile", "Web", "Web", "Admin"],
        "by consumer, then version; WIP pacts last:\n{out}"
    );
    for notice in [
        "latest version from the main branch 'main' (2)",
        "version(s) currently deployed to production (1)",
        "latest version from branch 'feat-x' (m1)",
        "'work in progress' pact",
        "This pact has previously been successfully verified by a version of Orders from branch 'main'",
        "This pact is in pending state for this version of Orders because it was included as a 'work in progress' pact",
    ] {
        assert!(out.contains(notice), "notice {notice:?} missing:\n{out}");
    }
    assert!(!out.contains(&old_feature.sha), "{out}");
    assert_eq!(
        verified_by(&app, &all, "1.0.0").await,
        [
            // (pact, success, pending, wip)
            ("Web 1".to_owned(), true, false, false),
            ("Web 2".to_owned(), true, true, false),
            ("Mobile m1".to_owned(), true, true, false),
            ("Admin a1".to_owned(), true, true, true),
        ],
        "the old feature branch pact predates the WIP date; only the deployed pact had been verified on main"
    );
    assert!(latest_result(&app, &old_feature).await.is_none());
    assert_eq!(
        branches_and_tags(&app, "1.0.0").await,
        (vec!["main".to_owned()], vec!["dev".to_owned()])
    );

    // Verified as a WIP pact it stays WIP; verified because a selector
    // chose it, it does not.
    let mut command = rust_verifier(&app, port, "1.0.1");
    selectors(&mut command, &[json!({"branch": "feat-wip"})]);
    command.args(["--enable-pending", "--publish"]);
    let (code, out, err) = tools::run(command).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(verified_consumers(&out), ["Admin"], "{out}");
    assert_eq!(
        verified_by(&app, &all, "1.0.1").await,
        [("Admin a1".to_owned(), true, false, false)],
        "a WIP verification on main already made it not pending"
    );

    let (code, out, err) = tools::run(first_run("1.0.2")).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        verified_consumers(&out),
        ["Mobile", "Web", "Web"],
        "no WIP pact left:\n{out}"
    );
    assert!(!out.contains("work in progress"), "{out}");
    assert_eq!(
        verified_by(&app, &all, "1.0.2").await,
        [
            ("Web 1".to_owned(), true, false, false),
            ("Web 2".to_owned(), true, false, false),
            ("Mobile m1".to_owned(), true, false, false),
        ],
        "main has verified them all"
    );
}

/// A failing pending pact does not fail the Rust verifier's run, and its
/// failure is published as pending; without pending pacts enabled, the
/// same failure fails the run.
#[tokio::test]
async fn a_failing_pending_pact_does_not_fail_the_rust_verifier() {
    let app = TestApp::start().await;
    for name in ["Mobile", "Web"] {
        app.pacticipant(name).main_branch("main").await;
    }
    let web = app
        .publish(pact("Web", "web-1"))
        .version("1")
        .branch("main")
        .await;
    let broken = app
        .publish(pact("Mobile", "broken"))
        .version("m1")
        .branch("feat-x")
        .await;
    let port = start_provider().await;
    let verify = |version: &str, pending: bool| {
        let mut command = rust_verifier(&app, port, version);
        selectors(
            &mut command,
            &[json!({"mainBranch": true}), json!({"branch": "feat-x"})],
        );
        if pending {
            command.arg("--enable-pending");
        }
        command.arg("--publish");
        command
    };

    let (code, out, err) = tools::run(verify("2.0.0", true)).await;
    assert_eq!(code, 0, "the failure is pending:\n{out}\n{err}");
    assert_eq!(verified_consumers(&out), ["Mobile", "Web"], "{out}");
    assert!(out.contains("Pending Failures"), "{out}");
    assert_eq!(
        verified_by(&app, &[&web, &broken], "2.0.0").await,
        [
            ("Web 1".to_owned(), true, true, false),
            ("Mobile m1".to_owned(), false, true, false),
        ]
    );

    let (code, out, err) = tools::run(verify("2.0.1", false)).await;
    assert_ne!(code, 0, "not pending, the failure fails:\n{out}\n{err}");
    assert_eq!(verified_consumers(&out), ["Mobile", "Web"], "{out}");
    assert_eq!(
        verified_by(&app, &[&web, &broken], "2.0.1").await,
        [
            ("Web 1".to_owned(), true, false, false),
            ("Mobile m1".to_owned(), false, false, false),
        ],
        "without pending status, results are recorded as not pending"
    );
}

/// The Ruby verifier POSTs the selectors, pending and WIP query, verifies
/// the main branch head, the deployed version and the WIP pact, and
/// publishes the results after setting the provider version's branch and
/// tag.
#[tokio::test]
async fn the_ruby_verifier_verifies_selected_and_wip_pacts() {
    let app = TestApp::start().await;
    for name in ["Admin", "Web"] {
        app.pacticipant(name).main_branch("main").await;
    }
    let deployed = app
        .publish(pact("Web", "web-1"))
        .version("1")
        .branch("main")
        .tags(["prod"])
        .await;
    app.deploy("Web", "1").to("production").await;
    let main_head = app
        .publish(pact("Web", "web-2"))
        .version("2")
        .branch("main")
        .await;
    let old_feature = app
        .publish(pact("Admin", "admin-old"))
        .version("a0")
        .branch("old-x")
        .await;
    let since = wip_since_now().await;
    let wip = app
        .publish(pact("Admin", "admin-wip"))
        .version("a1")
        .branch("feat-wip")
        .await;
    let port = start_provider().await;

    let mut command = tools::pact_ruby("pact-provider-verifier");
    // It writes log/pact.log under its working directory.
    let logs = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ruby-verifier");
    std::fs::create_dir_all(&logs).expect("a directory for the verifier's log");
    command
        .current_dir(&logs)
        .args(["--provider-base-url", &format!("http://127.0.0.1:{port}")])
        .args(["--pact-broker-base-url", &app.base])
        .args(["--provider", PROVIDER])
        .args(["--consumer-version-selector", r#"{"mainBranch":true}"#])
        .args([
            "--consumer-version-selector",
            r#"{"deployedOrReleased":true}"#,
        ])
        .args(["--enable-pending", "--include-wip-pacts-since", &since])
        .args(["--provider-app-version", "3.0.0"])
        .args(["--provider-version-branch", "main"])
        .args(["--provider-version-tag", "dev"])
        .arg("--publish-verification-results")
        .env("PACT_DO_NOT_TRACK", "true");
    let (code, out, err) = tools::run(command).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("with the selection criteria: latest from main branch, currently deployed or released, work in progress pacts created after {since}")),
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("Verifying a pact between ") && l.ends_with(" [PENDING]"))
            .count(),
        3,
        "all three are pending:\n{out}"
    );
    assert_eq!(verified_consumers(&out), ["Web", "Web", "Admin"], "{out}");
    for line in [
        "* consumer version(s) currently deployed to production (1)",
        "* latest version from the main branch 'main' (2)",
        "it is a 'work in progress' pact",
        "INFO: Creating Orders version 3.0.0 with branch \"main\"",
        "INFO: Tagging version 3.0.0 of Orders as \"dev\"",
    ] {
        assert!(out.contains(line), "{line:?} missing:\n{out}");
    }
    assert!(!out.contains(&old_feature.sha), "{out}");
    assert_eq!(
        verified_by(&app, &[&deployed, &main_head, &old_feature, &wip], "3.0.0").await,
        [
            ("Web 1".to_owned(), true, true, false),
            ("Web 2".to_owned(), true, true, false),
            ("Admin a1".to_owned(), true, true, true),
        ]
    );
    assert!(latest_result(&app, &old_feature).await.is_none());
    assert_eq!(
        branches_and_tags(&app, "3.0.0").await,
        (vec!["main".to_owned()], vec!["dev".to_owned()])
    );
}
