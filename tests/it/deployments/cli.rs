//! Environments, deployments and releases recorded with the real Rust and
//! Ruby Pact CLIs.

use super::*;

async fn succeeds(mut command: std::process::Command, args: &[&str]) -> String {
    command.args(args);
    let description = format!("{command:?}");
    let (code, out, err) = run(command).await;
    assert_eq!(code, 0, "{description} failed:\n{out}\n{err}");
    out
}

/// Drives one CLI through every deployment command; `cli` builds a
/// command for the subcommand with the broker URL set.
async fn cli_round_trip(app: &TestApp, cli: impl Fn(&str) -> std::process::Command) {
    app.version("Foo", "1").await;
    app.version("Foo", "2").await;
    succeeds(
        cli("create-environment"),
        &[
            "--name",
            "test",
            "--display-name",
            "Test Env",
            "--contact-name",
            "Team",
            "--contact-email-address",
            "team@example.com",
        ],
    )
    .await;
    succeeds(
        cli("create-environment"),
        &["--name", "production", "--production"],
    )
    .await;
    let (_, list) = app.get("/environments").await;
    let environments = list["_embedded"]["environments"].as_array().unwrap();
    let test = environments
        .iter()
        .find(|e| e["name"] == "test")
        .expect("test");
    assert_eq!(test["displayName"], "Test Env");
    assert_eq!(test["production"], false);
    assert_eq!(test["contacts"][0]["name"], "Team");
    let production = environments
        .iter()
        .find(|e| e["name"] == "production")
        .expect("production");
    assert_eq!(production["production"], true);
    let test_uuid = test["uuid"].as_str().unwrap();
    let production_uuid = production["uuid"].as_str().unwrap();

    let deployed = |query: &str| {
        format!(
            "/environments/{test_uuid}/deployed-versions/currently-deployed?pacticipant=Foo{query}"
        )
    };
    succeeds(
        cli("record-deployment"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "test",
        ],
    )
    .await;
    succeeds(
        cli("record-deployment"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "2",
            "--environment",
            "test",
            "--application-instance",
            "blue",
        ],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), ["2", "1"]);

    succeeds(
        cli("record-undeployment"),
        &[
            "--pacticipant",
            "Foo",
            "--environment",
            "test",
            "--application-instance",
            "blue",
        ],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), ["1"]);
    succeeds(
        cli("record-undeployment"),
        &["--pacticipant", "Foo", "--environment", "test"],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), Vec::<String>::new());

    let supported = format!(
        "/environments/{production_uuid}/released-versions/currently-supported?pacticipant=Foo"
    );
    succeeds(
        cli("record-release"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "production",
        ],
    )
    .await;
    succeeds(
        cli("record-release"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "2",
            "--environment",
            "production",
        ],
    )
    .await;
    let (_, list) = app.get(&supported).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2", "1"]);
    succeeds(
        cli("record-support-ended"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "production",
        ],
    )
    .await;
    let (_, list) = app.get(&supported).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2"]);
}

#[tokio::test]
async fn the_rust_cli_records_environments_deployments_and_releases() {
    let app = TestApp::start().await;
    let base = app.base.clone();
    cli_round_trip(&app, |subcommand| {
        let mut command = pact_rust();
        command.args(["broker", subcommand, "--broker-base-url", &base]);
        command
    })
    .await;
}

#[tokio::test]
async fn the_ruby_cli_records_environments_deployments_and_releases() {
    let app = TestApp::start().await;
    let base = app.base.clone();
    cli_round_trip(&app, |subcommand| {
        let mut command = pact_ruby("pact-broker");
        command.args([subcommand, "--broker-base-url", &base]);
        command
    })
    .await;
}
