//! The status badges over REST: pact badges, the matrix badge, the
//! can-i-deploy badges and resources and the can-i-merge badge, as tables
//! of scenarios. Each badge is parsed as XML, and its texts and colour
//! are read back.

use pactwire::settings::BrokerSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::contracts::pact_about;

const GREEN: &str = "#4c1";
const RED: &str = "#e05d44";
const ORANGE: &str = "#fe7d37";
const GREY: &str = "#9f9f9f";

/// What a badge says, read back from its SVG.
#[derive(Debug, PartialEq)]
struct Badge {
    label: String,
    message: String,
    colour: String,
}

fn badge(label: &str, message: &str, colour: &str) -> Badge {
    Badge {
        label: label.to_owned(),
        message: message.to_owned(),
        colour: colour.to_owned(),
    }
}

/// Fetches a badge with an Accept header (or none), checks the response
/// is an SVG with `cache_control`, and reads the badge back.
async fn fetch_as(app: &TestApp, path: &str, accept: Option<&str>, cache_control: &str) -> Badge {
    let reply = app.call(Method::GET, path, None, accept, "").await;
    let Value::String(svg) = &reply.body else {
        panic!("{path}: not an SVG: {}", reply.body);
    };
    assert_eq!(reply.status, 200, "{path}: {svg}");
    assert_eq!(
        reply.header("content-type"),
        Some("image/svg+xml"),
        "{path}"
    );
    assert_eq!(reply.header("cache-control"), Some(cache_control), "{path}");
    read_badge(svg)
}

async fn fetch(app: &TestApp, path: &str) -> Badge {
    fetch_as(app, path, Some("image/svg+xml"), "no-cache").await
}

/// The label, message and message colour of a badge SVG, after checking
/// it is well-formed XML and consistent: each text drawn twice (shadow and
/// text), the title saying the same.
fn read_badge(svg: &str) -> Badge {
    let document =
        roxmltree::Document::parse(svg).unwrap_or_else(|err| panic!("not XML ({err}): {svg}"));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{svg}");
    let text_of = |node: roxmltree::Node| -> String {
        node.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    };
    let elements = || root.descendants().filter(|n| n.is_element());
    let texts: Vec<String> = elements()
        .filter(|n| n.tag_name().name() == "text")
        .map(text_of)
        .collect();
    let [label_shadow, label, message_shadow, message] = &texts[..] else {
        panic!("four texts expected: {svg}");
    };
    assert_eq!((label_shadow, message_shadow), (label, message), "{svg}");
    let title = elements()
        .find(|n| n.tag_name().name() == "title")
        .expect("a title");
    assert_eq!(text_of(title), format!("{label}: {message}"));
    // The message's part is the rect that starts where the label's ends.
    let colour = elements()
        .find(|n| n.tag_name().name() == "rect" && n.attribute("x").is_some())
        .and_then(|n| n.attribute("fill"))
        .unwrap_or_else(|| panic!("no message part: {svg}"));
    badge(label, message, colour)
}

#[tokio::test]
async fn pact_badges_show_the_latest_verification_of_the_latest_pact() {
    let app = TestApp::start().await;
    // Foo: 1 verified by Bar. Fails: failed. Changed: 1 verified, 2 new
    // content unverified. Pending: failed while pending. Unverified: never
    // verified.
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    let sha = app
        .publish(pact_about("Fails", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Fails", "Bar", &sha)
        .by("10")
        .success(false)
        .await;
    let sha = app
        .publish(pact_about("Changed", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Changed", "Bar", &sha).by("10").await;
    app.publish(pact_about("Changed", "Bar", "b"))
        .version("2")
        .await;
    let sha = app
        .publish(pact_about("Pending", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Pending", "Bar", &sha)
        .by("10")
        .success(false)
        .pending(true)
        .await;
    app.publish(pact_about("Unverified", "Bar", "a"))
        .version("1")
        .await;
    // Tagged: 1 (prod) verified, 2 (dev) failed, 3 untagged verified.
    let sha = app
        .publish(pact_about("Tagged", "Bar", "a"))
        .version("1")
        .tags(["prod"])
        .await
        .sha;
    app.verify("Tagged", "Bar", &sha).by("10").await;
    let sha = app
        .publish(pact_about("Tagged", "Bar", "b"))
        .version("2")
        .tags(["dev"])
        .await
        .sha;
    app.verify("Tagged", "Bar", &sha)
        .by("10")
        .success(false)
        .await;
    let sha = app
        .publish(pact_about("Tagged", "Bar", "c"))
        .version("3")
        .await
        .sha;
    app.verify("Tagged", "Bar", &sha).by("11").await;
    // Untagged: only tagged versions; its untagged pact does not exist.
    app.publish(pact_about("Untagged", "Bar", "a"))
        .version("1")
        .tags(["prod"])
        .await;

    let pact =
        |consumer: &str, rest: &str| format!("/pacts/provider/Bar/consumer/{consumer}/{rest}");
    let cases = [
        (
            pact("Foo", "latest/badge"),
            badge("foo/bar pact", "verified", GREEN),
        ),
        (
            pact("Fails", "latest/badge"),
            badge("fails/bar pact", "failed", RED),
        ),
        (
            pact("Changed", "latest/badge"),
            badge("changed/bar pact", "changed", ORANGE),
        ),
        (
            pact("Pending", "latest/badge"),
            badge("pending/bar pact", "failed (pending)", RED),
        ),
        (
            pact("Unverified", "latest/badge"),
            badge("unverified/bar pact", "unknown", GREY),
        ),
        (
            pact("Tagged", "latest/badge"),
            badge("tagged/bar pact", "verified", GREEN),
        ),
        (
            pact("Tagged", "latest/prod/badge"),
            badge("tagged/bar pact", "verified", GREEN),
        ),
        (
            pact("Tagged", "latest/dev/badge"),
            badge("tagged/bar pact", "failed", RED),
        ),
        (
            pact("Tagged", "latest/nope/badge"),
            badge("pact not found", "unknown", GREY),
        ),
        (
            pact("Tagged", "latest-untagged/badge"),
            badge("tagged/bar pact", "verified", GREEN),
        ),
        (
            pact("Untagged", "latest-untagged/badge"),
            badge("pact not found", "unknown", GREY),
        ),
        (
            pact("Untagged", "latest/prod/badge"),
            badge("untagged/bar pact", "unknown", GREY),
        ),
        // Names are matched as they are: no pacticipant "foo".
        (
            pact("foo", "latest/badge"),
            badge("pact not found", "unknown", GREY),
        ),
        (
            pact("Nobody", "latest/badge"),
            badge("pact not found", "unknown", GREY),
        ),
        // Both exist, but no pact between them.
        (
            "/pacts/provider/Foo/consumer/Bar/latest/badge".to_owned(),
            badge("pact not found", "unknown", GREY),
        ),
        // The `.svg` suffix of the Pact Broker's badge URLs.
        (
            pact("Foo", "latest/badge.svg"),
            badge("foo/bar pact", "verified", GREEN),
        ),
        (
            pact("Tagged", "latest/dev/badge.svg"),
            badge("tagged/bar pact", "failed", RED),
        ),
        (
            pact("Tagged", "latest-untagged/badge.svg"),
            badge("tagged/bar pact", "verified", GREEN),
        ),
    ];
    for (path, expected) in cases {
        assert_eq!(fetch(&app, &path).await, expected, "{path}");
    }
}

#[tokio::test]
async fn pact_badges_label_pacticipants_by_name_or_initials() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("FooApp", "thing_blah-service", "a"))
        .version("1")
        .tags(["prod"])
        .await
        .sha;
    app.verify("FooApp", "thing_blah-service", &sha)
        .by("10")
        .await;
    let path = "/pacts/provider/thing_blah-service/consumer/FooApp/latest/badge";
    let cases = [
        ("", "fooapp/thing_blah-service pact"),
        ("?label=consumer", "fooapp pact"),
        ("?label=provider", "thing_blah-service pact"),
        ("?label=PROVIDER", "thing_blah-service pact"),
        ("?label=other", "fooapp/thing_blah-service pact"),
        ("?label=", "fooapp/thing_blah-service pact"),
        ("?initials=true", "fa/tbs pact"),
        ("?initials=false", "fooapp/thing_blah-service pact"),
        ("?initials=yes", "fooapp/thing_blah-service pact"),
        ("?label=consumer&initials=true", "fa pact"),
        ("?label=provider&initials=true", "tbs pact"),
    ];
    for (query, label) in cases {
        let path = format!("{path}{query}");
        assert_eq!(
            fetch(&app, &path).await,
            badge(label, "verified", GREEN),
            "{path}"
        );
    }
    // The tagged badge takes the same options; only the matrix badge shows
    // tags.
    assert_eq!(
        fetch(
            &app,
            "/pacts/provider/thing_blah-service/consumer/FooApp/latest/prod/badge?initials=true"
        )
        .await,
        badge("fa/tbs pact", "verified", GREEN)
    );
}

#[tokio::test]
async fn every_accept_header_gets_the_svg() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    let path = "/pacts/provider/Bar/consumer/Foo/latest/badge";
    for accept in [
        None,
        Some("image/svg+xml"),
        Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        Some("application/hal+json"),
        Some("application/json"),
        Some("text/plain"),
        Some("*/*"),
    ] {
        assert_eq!(
            fetch_as(&app, path, accept, "no-cache").await,
            badge("foo/bar pact", "verified", GREEN),
            "{accept:?}"
        );
    }
}

#[tokio::test]
async fn names_are_escaped_in_the_svg() {
    let app = TestApp::start().await;
    let consumer = r#"Tom & "Jerry" <Ltd>'s"#;
    let encoded = "Tom%20%26%20%22Jerry%22%20%3CLtd%3E%27s";
    let sha = app
        .publish(pact_about(consumer, "Bar", "a"))
        .version("1")
        .branch("main")
        .tags(["prod"])
        .await
        .sha;
    app.verify(consumer, "Bar", &sha).by("10").await;
    app.tag("Bar", "10", "<b>").await;

    let reply = app
        .call(
            Method::GET,
            &format!("/pacts/provider/Bar/consumer/{encoded}/latest/badge"),
            None,
            None,
            "",
        )
        .await;
    let Value::String(svg) = &reply.body else {
        panic!("{}", reply.body)
    };
    assert!(!svg.contains("<Ltd>"), "{svg}");
    assert!(svg.contains("&lt;ltd&gt;"), "{svg}");
    let cases = [
        (
            format!("/pacts/provider/Bar/consumer/{encoded}/latest/badge"),
            badge(r#"tom & "jerry" <ltd>'s/bar pact"#, "verified", GREEN),
        ),
        (
            format!("/matrix/provider/Bar/latest/%3Cb%3E/consumer/{encoded}/latest/prod/badge"),
            badge(
                r#"tom & "jerry" <ltd>'s (prod)/bar (<b>) pact"#,
                "verified",
                GREEN,
            ),
        ),
        (
            format!(
                "/pacticipants/{encoded}/latest-version/prod/can-i-deploy/to/%3Cb%3E/badge?label=%3Cscript%3E%26"
            ),
            badge("<script>&", "prod to <b>", GREEN),
        ),
        (
            format!(
                "/pacticipants/{encoded}/branches/main/latest-version/can-i-deploy/to-environment/%22prod%22/badge"
            ),
            badge("environment", "not found", GREY),
        ),
    ];
    for (path, expected) in cases {
        assert_eq!(fetch(&app, &path).await, expected, "{path}");
    }
}

#[tokio::test]
async fn the_matrix_badge_shows_the_latest_result_between_two_tags() {
    let app = TestApp::start().await;
    // Foo 1 (prod): verified by Bar 10 (master), failed by Bar 11 (dev).
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .tags(["prod"])
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("11").success(false).await;
    app.tag("Bar", "10", "master").await;
    app.tag("Bar", "11", "dev").await;
    // Foo 2 (test): verified by Bar 10 (master), then Bar 12 (master too)
    // failed it: the newest provider version decides.
    let sha = app
        .publish(pact_about("Foo", "Bar", "b"))
        .version("2")
        .tags(["test"])
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("12").success(false).await;
    app.tag("Bar", "12", "master").await;

    let matrix = |ptag: &str, consumer: &str, ctag: &str| {
        format!("/matrix/provider/Bar/latest/{ptag}/consumer/{consumer}/latest/{ctag}/badge")
    };
    let cases = [
        (
            matrix("master", "Foo", "prod"),
            badge("foo (prod)/bar (master) pact", "verified", GREEN),
        ),
        (
            matrix("dev", "Foo", "prod"),
            badge("foo (prod)/bar (dev) pact", "failed", RED),
        ),
        (
            matrix("master", "Foo", "test"),
            badge("foo (test)/bar (master) pact", "failed", RED),
        ),
        (
            matrix("feat", "Foo", "prod"),
            badge("foo (prod)/bar (feat) pact", "unknown", GREY),
        ),
        (
            matrix("master", "Foo", "nope"),
            badge("pact not found", "unknown", GREY),
        ),
        (
            matrix("master", "Nobody", "prod"),
            badge("pact not found", "unknown", GREY),
        ),
        (
            format!(
                "{}?label=consumer&initials=true",
                matrix("master", "Foo", "prod")
            ),
            badge("foo (prod) pact", "verified", GREEN),
        ),
        (
            format!("{}.svg", matrix("master", "Foo", "prod")),
            badge("foo (prod)/bar (master) pact", "verified", GREEN),
        ),
    ];
    for (path, expected) in &cases {
        assert_eq!(&fetch(&app, path).await, expected, "{path}");
    }
    // Foo 3 (prod) brings new content, not yet verified: the latest result
    // between the tags is for earlier content.
    app.publish(pact_about("Foo", "Bar", "c"))
        .version("3")
        .tags(["prod"])
        .await;
    assert_eq!(
        fetch(&app, &matrix("master", "Foo", "prod")).await,
        badge("foo (prod)/bar (master) pact", "changed", ORANGE)
    );
}

#[tokio::test]
async fn can_i_deploy_the_latest_tagged_version_to_a_tag() {
    let app = TestApp::start().await;
    // Foo 1 (main): verified by Bar 10 (prod), failed by Bar 11 (test);
    // no Bar version is tagged staging.
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .tags(["main"])
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("11").success(false).await;
    app.tag("Bar", "10", "prod").await;
    app.tag("Bar", "11", "test").await;

    let badge_path = |p: &str, tag: &str, to: &str| {
        format!("/pacticipants/{p}/latest-version/{tag}/can-i-deploy/to/{to}/badge")
    };
    let cases = [
        (
            badge_path("Foo", "main", "prod"),
            badge("can-i-deploy", "main to prod", GREEN),
        ),
        (
            badge_path("Foo", "main", "test"),
            badge("can-i-deploy", "main to test", RED),
        ),
        // Unknown is red too, as in the Pact Broker.
        (
            badge_path("Foo", "main", "staging"),
            badge("can-i-deploy", "main to staging", RED),
        ),
        (
            format!("{}?label=foo%20service", badge_path("Foo", "main", "prod")),
            badge("foo service", "main to prod", GREEN),
        ),
        (
            format!("{}.svg", badge_path("Foo", "main", "prod")),
            badge("can-i-deploy", "main to prod", GREEN),
        ),
        (
            badge_path("Foo", "nope", "prod"),
            badge("version", "not found", GREY),
        ),
        (
            badge_path("Nobody", "main", "prod"),
            badge("pacticipant", "not found", GREY),
        ),
    ];
    for (path, expected) in &cases {
        assert_eq!(&fetch(&app, path).await, expected, "{path}");
    }

    // The resource itself: the body of /matrix for the same query.
    for to in ["prod", "test", "staging"] {
        let (status, body) = app
            .get(&format!(
                "/pacticipants/Foo/latest-version/main/can-i-deploy/to/{to}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, matrix) = app
            .get(&format!(
                "/matrix?q[][pacticipant]=Foo&q[][latest]=true&q[][tag]=main&latestby=cvp&latest=true&tag={to}"
            ))
            .await;
        assert_eq!(body, matrix, "{to}");
    }
    let (_, body) = app
        .get("/pacticipants/Foo/latest-version/main/can-i-deploy/to/prod")
        .await;
    assert_eq!(body["summary"]["deployable"], true, "{body}");
    assert_eq!(body["matrix"][0]["provider"]["version"]["number"], "10");
    let reply = app
        .call(
            Method::GET,
            "/pacticipants/Foo/latest-version/main/can-i-deploy/to/test",
            None,
            Some("text/plain"),
            "",
        )
        .await;
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain;charset=utf-8")
    );
    let table = reply.body.as_str().expect("a text table");
    assert!(
        table.contains("SUCCESS") && table.contains("false"),
        "{table}"
    );
    for path in [
        "/pacticipants/Foo/latest-version/nope/can-i-deploy/to/prod",
        "/pacticipants/Nobody/latest-version/main/can-i-deploy/to/prod",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

#[tokio::test]
async fn can_i_deploy_a_branch_head_to_an_environment() {
    let app = TestApp::start().await;
    // Foo 1 then 2 on main; 2's pact is verified by Bar 10 (in prod) and
    // failed by Bar 11 (in test); nothing of Bar is in staging.
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .branch("main")
        .await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "b"))
        .version("2")
        .branch("main")
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.verify("Foo", "Bar", &sha).by("11").success(false).await;
    app.deploy("Bar", "10").to("prod").await;
    app.deploy("Bar", "11").to("test").await;
    app.environment("staging").await;
    // A branch whose only version was taken off it: no head.
    app.add_to_branch("Foo", "lonely", "1").await;
    let (status, body) = app
        .send(
            Method::DELETE,
            "/pacticipants/Foo/branches/lonely/versions/1",
            &json!({}),
        )
        .await;
    assert!(status == 200 || status == 204, "{body}");

    let badge_path = |p: &str, branch: &str, env: &str| {
        format!(
            "/pacticipants/{p}/branches/{branch}/latest-version/can-i-deploy/to-environment/{env}/badge"
        )
    };
    let cases = [
        (
            badge_path("Foo", "main", "prod"),
            badge("can-i-deploy", "main to prod", GREEN),
        ),
        (
            badge_path("Foo", "main", "test"),
            badge("can-i-deploy", "main to test", RED),
        ),
        (
            badge_path("Foo", "main", "staging"),
            badge("can-i-deploy", "main to staging", RED),
        ),
        (
            format!("{}?label=deploy", badge_path("Foo", "main", "prod")),
            badge("deploy", "main to prod", GREEN),
        ),
        (
            format!("{}.svg", badge_path("Foo", "main", "prod")),
            badge("can-i-deploy", "main to prod", GREEN),
        ),
        (
            badge_path("Foo", "main", "nowhere"),
            badge("environment", "not found", GREY),
        ),
        (
            badge_path("Foo", "nope", "prod"),
            badge("branch", "not found", GREY),
        ),
        (
            badge_path("Foo", "lonely", "prod"),
            badge("version", "not found", GREY),
        ),
        // The Pact Broker's order: the pacticipant first.
        (
            badge_path("Nobody", "nope", "nowhere"),
            badge("pacticipant", "not found", GREY),
        ),
    ];
    for (path, expected) in &cases {
        assert_eq!(&fetch(&app, path).await, expected, "{path}");
    }

    for env in ["prod", "test", "staging"] {
        let (status, body) = app
            .get(&format!(
                "/pacticipants/Foo/branches/main/latest-version/can-i-deploy/to-environment/{env}"
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, matrix) = app
            .get(&format!(
                "/matrix?q[][pacticipant]=Foo&q[][branch]=main&q[][latest]=true&latestby=cvpv&environment={env}"
            ))
            .await;
        assert_eq!(body, matrix, "{env}");
    }
    let (_, body) = app
        .get("/pacticipants/Foo/branches/main/latest-version/can-i-deploy/to-environment/staging")
        .await;
    assert_eq!(body["summary"]["deployable"], Value::Null, "{body}");
    assert_eq!(body["summary"]["unknown"], 1, "{body}");
    for path in [
        "/pacticipants/Foo/branches/main/latest-version/can-i-deploy/to-environment/nowhere",
        "/pacticipants/Foo/branches/nope/latest-version/can-i-deploy/to-environment/prod",
        "/pacticipants/Foo/branches/lonely/latest-version/can-i-deploy/to-environment/prod",
        "/pacticipants/Nobody/branches/main/latest-version/can-i-deploy/to-environment/prod",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

#[tokio::test]
async fn can_i_merge_checks_the_main_branch_head_against_the_others() {
    let app = TestApp::start_with(BrokerSettings {
        badge_default_cache_setting: "public, max-age=60".into(),
        ..BrokerSettings::default()
    })
    .await;
    // Each consumer's main branch head against Bar's main branch head
    // (Bar 11): Good verified by it, Bad failed by it, Unverified not
    // verified by it (only by Bar 10, off main).
    let sha = app
        .publish(pact_about("Good", "Bar", "a"))
        .version("1")
        .branch("main")
        .await
        .sha;
    app.verify("Good", "Bar", &sha).by("11").await;
    let sha = app
        .publish(pact_about("Bad", "Bar", "b"))
        .version("1")
        .branch("main")
        .await
        .sha;
    app.verify("Bad", "Bar", &sha).by("11").success(false).await;
    let sha = app
        .publish(pact_about("Unverified", "Bar", "c"))
        .version("1")
        .branch("main")
        .await
        .sha;
    app.verify("Unverified", "Bar", &sha).by("10").await;
    app.add_to_branch("Bar", "main", "11").await;
    // No main branch: only ever published from a feature branch.
    app.publish(pact_about("Feature", "Bar", "d"))
        .version("1")
        .branch("feat-x")
        .await;

    let merge = |p: &str| format!("/pacticipants/{p}/main-branch/can-i-merge/badge");
    let verdicts = [
        ("Good", badge("can-i-merge", "success", GREEN)),
        ("Bad", badge("can-i-merge", "failed", RED)),
        ("Unverified", badge("can-i-merge", "unknown", GREY)),
    ];
    for (pacticipant, expected) in verdicts {
        let path = merge(pacticipant);
        // The label cannot be changed.
        for path in [
            path.clone(),
            format!("{path}?label=other"),
            format!("{path}.svg"),
        ] {
            assert_eq!(
                fetch_as(&app, &path, None, "public, max-age=60").await,
                expected,
                "{path}"
            );
        }
    }
    // What is not found is not cached.
    let missing = [
        ("Feature", badge("main branch version", "not found", GREY)),
        ("Nobody", badge("pacticipant", "not found", GREY)),
    ];
    for (pacticipant, expected) in missing {
        let path = merge(pacticipant);
        assert_eq!(
            fetch_as(&app, &path, None, "no-cache").await,
            expected,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_verdict_of_can_i_merge_is_cached_for_30_seconds_by_default() {
    let app = TestApp::start().await;
    app.publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .branch("main")
        .await;
    assert_eq!(
        fetch_as(
            &app,
            "/pacticipants/Foo/main-branch/can-i-merge/badge",
            None,
            "max-age=30"
        )
        .await,
        badge("can-i-merge", "unknown", GREY)
    );
}

#[tokio::test]
async fn the_pacticipant_badge_links_lead_to_badges() {
    let app = TestApp::start().await;
    let sha = app
        .publish(pact_about("Foo", "Bar", "a"))
        .version("1")
        .branch("main")
        .tags(["main"])
        .await
        .sha;
    app.verify("Foo", "Bar", &sha).by("10").await;
    app.tag("Bar", "10", "prod").await;
    app.deploy("Bar", "10").to("production").await;

    let (status, foo) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "{foo}");
    let link = |relation: &str| {
        let href = foo["_links"][relation]["href"]
            .as_str()
            .unwrap_or_else(|| panic!("no {relation}: {foo}"));
        href.strip_prefix(&app.base)
            .unwrap_or_else(|| panic!("{href} is not under {}", app.base))
            .to_owned()
    };
    let to_tag = link("pb:can-i-deploy-badge")
        .replace("{tag}", "main")
        .replace("{environmentTag}", "prod");
    let to_environment = link("pb:can-i-deploy-branch-to-environment-badge")
        .replace("{branch}", "main")
        .replace("{environment}", "production");
    assert_eq!(
        fetch(&app, &to_tag).await,
        badge("can-i-deploy", "main to prod", GREEN)
    );
    assert_eq!(
        fetch(&app, &to_environment).await,
        badge("can-i-deploy", "main to production", GREEN)
    );
}

#[tokio::test]
async fn bad_input_gets_a_400_naming_the_field() {
    let app = TestApp::start().await;
    let cases = [
        ("/pacts/provider/%FF/consumer/Foo/latest/badge", "path"),
        (
            "/pacts/provider/Bar/consumer/Foo/latest/badge?initials=true&initials=false",
            "query",
        ),
    ];
    for (path, field) in cases {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["errors"][field].is_array(), "{path}: {body}");
    }
}
