//! The real Pact CLIs against a live pactwire: the Rust `pact broker`
//! (pact-python-cli 1!0.10.9) and the Ruby `pact-broker` (pact-python-cli
//! 2.5.7.0, pact_broker-client 1.77).

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::tools::{pact_ruby, pact_rust, run};

/// Writes a pact between Foo and Bar whose response status is `status`.
fn pact_file(status: u16) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("pacts")
        .join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).expect("creating the pact directory");
    let path = dir.join("Foo-Bar.json");
    let pact = json!({
        "consumer": {"name": "Foo"},
        "provider": {"name": "Bar"},
        "interactions": [{
            "description": "a request for an order",
            "providerState": "an order exists",
            "request": {"method": "GET", "path": "/orders/1"},
            "response": {"status": status, "body": {"id": 1}},
        }],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    });
    std::fs::write(&path, pact.to_string()).expect("writing the pact");
    path
}

fn rust_broker(app: &TestApp, args: &[&str]) -> Command {
    let mut command = pact_rust();
    command
        .arg("broker")
        .args(args)
        .args(["--broker-base-url", &app.base]);
    command
}

fn ruby_broker(app: &TestApp, args: &[&str]) -> Command {
    let mut command = pact_ruby("pact-broker");
    command.args(args).args(["--broker-base-url", &app.base]);
    command
}

/// Runs a CLI that must succeed and not complain about the response shape.
async fn succeeds(command: Command) -> String {
    let description = format!("{command:?}");
    let (code, out, err) = run(command).await;
    assert_eq!(code, 0, "{description} failed:\n{out}\n{err}");
    for output in [&out, &err] {
        assert!(
            !output.contains("missing field"),
            "{description} printed a missing field warning:\n{output}"
        );
        assert!(
            !output.to_lowercase().contains("warning: failed"),
            "{description}:\n{output}"
        );
    }
    out
}

async fn latest_pact_status(app: &TestApp) -> Value {
    let (status, body) = app.get("/pacts/provider/Bar/consumer/Foo/latest").await;
    assert_eq!(status, 200, "{body}");
    body["interactions"][0]["response"]["status"].clone()
}

#[tokio::test]
async fn rust_cli_publishes_and_reads_back() {
    let app = TestApp::start().await;
    let file = pact_file(200);
    let file = file.to_str().unwrap();
    let out = succeeds(rust_broker(
        &app,
        &[
            "publish",
            file,
            "--consumer-app-version",
            "1.0.0",
            "--branch",
            "main",
            "--tag",
            "dev",
            "--build-url",
            "https://ci.example/1",
        ],
    ))
    .await;
    assert!(
        out.contains("Pact successfully published for Foo version 1.0.0 and provider Bar"),
        "{out}"
    );
    assert!(
        out.contains("/pacts/provider/Bar/consumer/Foo/version/1.0.0"),
        "{out}"
    );
    assert_eq!(latest_pact_status(&app).await, 200);

    let (_, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(version["buildUrl"], "https://ci.example/1");
    assert_eq!(version["_embedded"]["branchVersions"][0]["name"], "main");
    assert_eq!(version["_embedded"]["tags"][0]["name"], "dev");

    let listed = succeeds(rust_broker(
        &app,
        &["list-latest-pact-versions", "--output", "json"],
    ))
    .await;
    let listed: Value = serde_json::from_str(listed.trim()).expect("JSON output");
    assert_eq!(
        listed["pacts"][0]["_embedded"]["consumer"]["name"], "Foo",
        "{listed}"
    );
    let described = succeeds(rust_broker(
        &app,
        &["describe-version", "--pacticipant", "Foo"],
    ))
    .await;
    assert!(
        described.contains("1.0.0") && described.contains("dev"),
        "{described}"
    );

    // Identical content again is a success that changes nothing.
    let out = succeeds(rust_broker(
        &app,
        &["publish", file, "--consumer-app-version", "1.0.0"],
    ))
    .await;
    assert!(out.contains("republished"), "{out}");
    assert_eq!(app.count("pact_publications").await, 1);

    // Changed content for the same version is refused, and nothing changes.
    let changed = pact_file(201);
    let mut command = rust_broker(
        &app,
        &[
            "publish",
            changed.to_str().unwrap(),
            "--consumer-app-version",
            "1.0.0",
        ],
    );
    command.env("NO_COLOR", "1");
    let (code, out, err) = run(command).await;
    assert_ne!(code, 0, "a content change must fail:\n{out}\n{err}");
    assert!(
        format!("{out}{err}").contains("Cannot change the content of the pact"),
        "{out}\n{err}"
    );
    assert_eq!(latest_pact_status(&app).await, 200);
}

#[tokio::test]
async fn ruby_cli_publishes_and_reads_back() {
    let app = TestApp::start().await;
    let file = pact_file(200);
    let file = file.to_str().unwrap();
    let out = succeeds(ruby_broker(
        &app,
        &[
            "publish",
            file,
            "--consumer-app-version",
            "2.0.0",
            "--branch",
            "feat/orders",
            "--tag",
            "dev",
            "--tag",
            "qa",
        ],
    ))
    .await;
    assert!(
        out.contains("Pact successfully published for Foo version 2.0.0 and provider Bar"),
        "{out}"
    );
    assert_eq!(latest_pact_status(&app).await, 200);
    let (status, _) = app
        .get("/pacticipants/Foo/branches/feat%2Forders/versions/2.0.0")
        .await;
    assert_eq!(status, 200);

    let listed = succeeds(ruby_broker(&app, &["list-latest-pact-versions"])).await;
    assert!(
        listed.contains("Foo") && listed.contains("2.0.0") && listed.contains("Bar"),
        "{listed}"
    );
    let described = succeeds(ruby_broker(
        &app,
        &[
            "describe-version",
            "--pacticipant",
            "Foo",
            "--version",
            "2.0.0",
        ],
    ))
    .await;
    assert!(
        described.contains("dev") && described.contains("qa"),
        "{described}"
    );

    let out = succeeds(ruby_broker(
        &app,
        &["publish", file, "--consumer-app-version", "2.0.0"],
    ))
    .await;
    assert!(out.contains("republished"), "{out}");

    let changed = pact_file(201);
    let (code, out, err) = run(ruby_broker(
        &app,
        &[
            "publish",
            changed.to_str().unwrap(),
            "--consumer-app-version",
            "2.0.0",
        ],
    ))
    .await;
    assert_ne!(code, 0, "a content change must fail:\n{out}\n{err}");
    assert!(
        format!("{out}{err}").contains("Cannot change the content of the pact"),
        "{out}\n{err}"
    );
    assert_eq!(latest_pact_status(&app).await, 200);
}

#[tokio::test]
async fn ruby_cli_publishes_through_the_legacy_api() {
    let app = TestApp::start().await;
    let file = pact_file(200);
    let mut command = ruby_broker(
        &app,
        &[
            "publish",
            file.to_str().unwrap(),
            "--consumer-app-version",
            "3.0.0",
            "--tag",
            "prod",
        ],
    );
    // Makes pact_broker-client tag with PUT and publish with the legacy
    // `PUT /pacts/provider/P/consumer/C/version/V` (that path cannot carry
    // a branch).
    command.env("PACT_BROKER_FEATURES", "publish_pacts_using_old_api");
    let out = succeeds(command).await;
    assert!(
        out.contains("Tagged version 3.0.0 of Foo as \"prod\""),
        "{out}"
    );
    assert!(
        out.contains("/pacts/provider/Bar/consumer/Foo/latest"),
        "{out}"
    );
    let (status, pact) = app
        .get("/pacts/provider/Bar/consumer/Foo/latest/prod")
        .await;
    assert_eq!(status, 200, "{pact}");
    assert_eq!(pact["interactions"][0]["response"]["status"], 200);
}

#[tokio::test]
async fn both_clis_manage_pacticipants_versions_and_tags() {
    let app = TestApp::start().await;
    succeeds(rust_broker(
        &app,
        &[
            "create-or-update-pacticipant",
            "--name",
            "Baz",
            "--main-branch",
            "main",
            "--repository-url",
            "https://git.example/baz",
        ],
    ))
    .await;
    let (_, baz) = app.get("/pacticipants/Baz").await;
    assert_eq!(baz["mainBranch"], "main");
    assert_eq!(baz["repositoryUrl"], "https://git.example/baz");

    succeeds(ruby_broker(
        &app,
        &[
            "create-or-update-pacticipant",
            "--name",
            "Baz",
            "--display-name",
            "The Baz",
        ],
    ))
    .await;
    let (_, baz) = app.get("/pacticipants/Baz").await;
    assert_eq!(baz["displayName"], "The Baz");
    assert_eq!(
        baz["mainBranch"], "main",
        "an update keeps the fields it does not name"
    );

    succeeds(ruby_broker(
        &app,
        &[
            "create-or-update-version",
            "--pacticipant",
            "Baz",
            "--version",
            "1.2.3",
            "--branch",
            "feat/x",
            "--tag",
            "t1",
        ],
    ))
    .await;
    succeeds(rust_broker(
        &app,
        &[
            "create-version-tag",
            "--pacticipant",
            "Baz",
            "--version",
            "1.2.3",
            "--tag",
            "t2",
        ],
    ))
    .await;
    succeeds(ruby_broker(
        &app,
        &[
            "create-version-tag",
            "--pacticipant",
            "Baz",
            "--version",
            "1.2.3",
            "--tag",
            "t3",
        ],
    ))
    .await;
    let (_, version) = app.get("/pacticipants/Baz/versions/1.2.3").await;
    let tags: Vec<&str> = version["_embedded"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["t1", "t2", "t3"]);
    assert_eq!(version["_embedded"]["branchVersions"][0]["name"], "feat/x");

    let described = succeeds(rust_broker(
        &app,
        &["describe-pacticipant", "--name", "Baz"],
    ))
    .await;
    assert!(described.contains("The Baz"), "{described}");
    let described = succeeds(ruby_broker(
        &app,
        &["describe-pacticipant", "--name", "Baz"],
    ))
    .await;
    assert!(described.contains("https://git.example/baz"), "{described}");
    let listed = succeeds(rust_broker(&app, &["list-pacticipants"])).await;
    assert!(listed.contains("Baz"), "{listed}");
}
