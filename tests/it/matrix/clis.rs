//! Can-i-deploy with the real Rust and Ruby Pact CLIs, which retry while
//! the verdict is unknown.

use super::*;

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
