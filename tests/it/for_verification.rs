//! Pacts for verification over REST and gRPC: every selector of the
//! reference, de-duplication, defaults, pending by branch, tags or
//! neither, work in progress pacts, notices, links, and bad input.

use pactwire::grpc::pb;
use pactwire::grpc::pb::verification_service_client::VerificationServiceClient;
use pactwire::settings::BrokerSettings;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::contracts;

const PROVIDER: &str = "Bar";

/// A pact of `consumer` whose content is named by `content` (same name,
/// same content hash).
fn pact(consumer: &str, content: &str) -> Value {
    let interactions = json!([{
        "description": format!("request {content}"),
        "request": {"method": "GET", "path": format!("/{content}")},
        "response": {"status": 200},
    }]);
    contracts::pact(consumer, PROVIDER, interactions)
}

async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    app.post(
        &format!("/pacts/provider/{PROVIDER}/for-verification"),
        &body,
    )
    .await
}

/// (consumer, consumer version, short description) of each pact.
fn summary(body: &Value) -> Vec<(String, String, String)> {
    body["_embedded"]["pacts"]
        .as_array()
        .unwrap_or_else(|| panic!("no pacts in {body}"))
        .iter()
        .map(|p| {
            let name = p["_links"]["self"]["name"].as_str().unwrap();
            // "Pact between C (v) and P"
            let rest = name.strip_prefix("Pact between ").unwrap();
            let (consumer, rest) = rest.split_once(" (").unwrap();
            let (version, _) = rest.split_once(") and ").unwrap();
            (
                consumer.to_owned(),
                version.to_owned(),
                p["shortDescription"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// (consumer, consumer version, short description)
type Row<'a> = (&'a str, &'a str, &'a str);

fn expected(rows: &[Row]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(c, v, d)| (c.to_string(), v.to_string(), d.to_string()))
        .collect()
}

/// The gRPC form of a JSON selector.
fn grpc_selector(s: &Value) -> pb::ConsumerVersionSelector {
    let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
    let flag = |k: &str| s[k].as_bool().unwrap_or(false);
    pb::ConsumerVersionSelector {
        main_branch: flag("mainBranch"),
        branch: text("branch"),
        all_branches: s["branch"] == json!(true),
        matching_branch: flag("matchingBranch"),
        fallback_branch: text("fallbackBranch"),
        latest: s["latest"].as_bool(),
        tag: text("tag"),
        fallback_tag: text("fallbackTag"),
        consumer: text("consumer"),
        deployed: flag("deployed"),
        released: flag("released"),
        deployed_or_released: flag("deployedOrReleased"),
        environment: text("environment"),
    }
}

async fn grpc_summary(
    app: &TestApp,
    selectors: &[Value],
    branch: &str,
) -> Vec<(String, String, String)> {
    let mut client = VerificationServiceClient::new(app.channel().await);
    let reply = client
        .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
            provider: PROVIDER.into(),
            consumer_version_selectors: selectors.iter().map(grpc_selector).collect(),
            provider_version_branch: branch.into(),
            ..Default::default()
        })
        .await
        .expect("GetPactsForVerification")
        .into_inner();
    reply
        .pacts
        .into_iter()
        .map(|p| (p.consumer, p.consumer_version, p.short_description))
        .collect()
}

/// Foo (main branch `main`): 1 main [prod tag], 2 main [prod tag], 3
/// feat-x, 4 on branch `empty` without a pact. Baz: 1 develop.
/// Deployed: Foo 1 to prod, Baz 1 to test. Released: Foo 2 to prod
/// (support ended), Foo 3 to test.
async fn scenario(app: &TestApp) {
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .tags(["prod"])
        .await;
    app.publish(pact("Foo", "b"))
        .version("2")
        .branch("main")
        .tags(["prod"])
        .await;
    app.publish(pact("Foo", "c"))
        .version("3")
        .branch("feat-x")
        .await;
    let (status, body) = app
        .put("/pacticipants/Foo/branches/empty/versions/4", &json!({}))
        .await;
    assert_eq!(status, 201, "{body}");
    app.publish(pact("Baz", "d"))
        .version("1")
        .branch("develop")
        .await;
    app.set_main_branch("Foo", "main").await;
    app.deploy("Foo", "1").to("prod").await;
    app.deploy("Baz", "1").to("test").await;
    let ended = app.release("Foo", "2").to("prod").await;
    app.end_support(&ended).await;
    app.release("Foo", "3").to("test").await;
}

#[tokio::test]
async fn each_selector_chooses_the_pacts_of_the_reference() {
    // Baz stays without a main branch: `develop` would become it.
    let app = TestApp::start_with(BrokerSettings {
        auto_detect_main_branch: false,
        ..BrokerSettings::default()
    })
    .await;
    scenario(&app).await;
    let cases: Vec<(Value, Vec<Row>)> = vec![
        (
            json!({"mainBranch": true}),
            vec![("Foo", "2", "latest from main branch")],
        ),
        (
            json!({"branch": "feat-x"}),
            vec![("Foo", "3", "latest from branch feat-x")],
        ),
        // The head of `empty` has no pact: nothing, no older version.
        (json!({"branch": "empty"}), vec![]),
        (
            json!({"branch": "nope", "fallbackBranch": "main"}),
            vec![("Foo", "2", "latest from branch main")],
        ),
        (
            json!({"branch": "feat-x", "fallbackBranch": "main"}),
            vec![("Foo", "3", "latest from branch feat-x")],
        ),
        (
            json!({"branch": true}),
            vec![
                ("Baz", "1", "latest from branch develop"),
                ("Foo", "2", "latest from branch main"),
                ("Foo", "3", "latest from branch feat-x"),
            ],
        ),
        (
            json!({"matchingBranch": true}),
            vec![("Foo", "3", "latest from branch feat-x")],
        ),
        (
            json!({"latest": true}),
            vec![("Baz", "1", "latest"), ("Foo", "3", "latest")],
        ),
        (
            json!({"latest": true, "consumer": "Baz"}),
            vec![("Baz", "1", "latest")],
        ),
        (
            json!({"tag": "prod", "latest": true}),
            vec![("Foo", "2", "latest with tag prod")],
        ),
        (
            json!({"tag": "nope", "latest": true, "fallbackTag": "prod"}),
            vec![("Foo", "2", "latest with tag prod")],
        ),
        (
            json!({"tag": "prod"}),
            vec![("Foo", "1", "one of prod"), ("Foo", "2", "one of prod")],
        ),
        (
            json!({"tag": "prod", "consumer": "Foo"}),
            vec![
                ("Foo", "1", "one of Foo prod"),
                ("Foo", "2", "one of Foo prod"),
            ],
        ),
        (
            json!({"deployed": true}),
            vec![
                ("Baz", "1", "deployed to test"),
                ("Foo", "1", "deployed to prod"),
            ],
        ),
        (
            json!({"deployed": true, "environment": "prod"}),
            vec![("Foo", "1", "deployed to prod")],
        ),
        (
            json!({"released": true}),
            vec![("Foo", "3", "released in test")],
        ),
        (
            json!({"environment": "test"}),
            vec![
                ("Baz", "1", "deployed to test"),
                ("Foo", "3", "released in test"),
            ],
        ),
        (
            json!({"deployedOrReleased": true}),
            vec![
                ("Baz", "1", "deployed to test"),
                ("Foo", "1", "deployed to prod"),
                ("Foo", "3", "released in test"),
            ],
        ),
        (json!({"consumer": "Nobody", "latest": true}), vec![]),
    ];
    for (selector, want) in cases {
        let (status, body) = post(
            &app,
            json!({"consumerVersionSelectors": [selector], "providerVersionBranch": "feat-x"}),
        )
        .await;
        assert_eq!(status, 200, "{selector}: {body}");
        assert_eq!(summary(&body), expected(&want), "REST {selector}");
        assert_eq!(
            grpc_summary(&app, std::slice::from_ref(&selector), "feat-x").await,
            expected(&want),
            "gRPC {selector}"
        );
    }
}

#[tokio::test]
async fn selectors_of_one_kind_are_answered_together_and_each_gets_its_own_pacts() {
    let app = TestApp::start().await;
    scenario(&app).await;
    let selectors = [
        json!({"branch": "feat-x"}),
        json!({"branch": "develop"}),
        json!({"branch": "nope", "fallbackBranch": "develop"}),
        json!({"tag": "nope", "latest": true, "fallbackTag": "prod"}),
        json!({"consumer": "Baz", "latest": true}),
    ];
    let want = expected(&[
        (
            "Baz",
            "1",
            "latest, latest from branch develop, latest from branch develop",
        ),
        ("Foo", "2", "latest with tag prod"),
        ("Foo", "3", "latest from branch feat-x"),
    ]);
    let (status, body) = post(&app, json!({"consumerVersionSelectors": selectors})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(summary(&body), want);
    assert_eq!(grpc_summary(&app, &selectors, "").await, want);
}

#[tokio::test]
async fn deployments_replace_each_other_and_releases_can_be_supported_again() {
    let app = TestApp::start().await;
    for version in ["1", "2", "3"] {
        app.publish(pact("Foo", version)).version(version).await;
    }
    let deployed = || async {
        let (status, body) = post(
            &app,
            json!({"consumerVersionSelectors": [{"deployed": true}]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        summary(&body)
    };
    app.deploy("Foo", "1").to("prod").await;
    // A blank application instance is no instance: it replaces version 1.
    let current = app.deploy("Foo", "2").to("prod").instance("").await;
    assert_eq!(
        deployed().await,
        expected(&[("Foo", "2", "deployed to prod")])
    );
    app.deploy("Foo", "3").to("prod").instance("blue").await;
    assert_eq!(
        deployed().await,
        expected(&[
            ("Foo", "2", "deployed to prod"),
            ("Foo", "3", "deployed to prod")
        ])
    );
    app.undeploy(&current).await;
    assert_eq!(
        deployed().await,
        expected(&[("Foo", "3", "deployed to prod")])
    );
    // Concurrent deployments to one place: one of them is current.
    app.environment("test").await;
    let (a, b) = tokio::join!(
        app.deploy("Foo", "1").to("test"),
        app.deploy("Foo", "2").to("test")
    );
    assert_ne!(a, b);
    assert_eq!(
        app.count("deployed_versions d JOIN environments e ON e.id = d.environment_id WHERE e.name = 'test' AND d.undeployed_at IS NULL").await,
        1
    );
    // Support ends, and comes back when the version is released again.
    let released = app.release("Foo", "1").to("prod").await;
    app.end_support(&released).await;
    let supported = || async {
        let (status, body) = post(
            &app,
            json!({"consumerVersionSelectors": [{"released": true}]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        summary(&body)
    };
    assert_eq!(supported().await, expected(&[]));
    assert_eq!(app.release("Foo", "1").to("prod").await, released);
    assert_eq!(
        supported().await,
        expected(&[("Foo", "1", "released in prod")])
    );
}

#[tokio::test]
async fn identical_content_is_verified_once_for_every_selector_that_chose_it() {
    let app = TestApp::start().await;
    app.publish(pact("Foo", "same"))
        .version("1")
        .branch("main")
        .await;
    app.publish(pact("Foo", "same"))
        .version("2")
        .branch("main")
        .await;
    app.set_main_branch("Foo", "main").await;
    app.deploy("Foo", "1").to("prod").await;
    let (status, body) = post(
        &app,
        json!({"consumerVersionSelectors": [{"mainBranch": true}, {"deployed": true}], "includePendingStatus": false}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        summary(&body),
        expected(&[("Foo", "2", "latest from main branch, deployed to prod")])
    );
    let pact = &body["_embedded"]["pacts"][0];
    assert!(
        pact["verificationProperties"].get("pending").is_none(),
        "{pact}"
    );
    let notices = pact["verificationProperties"]["notices"]
        .as_array()
        .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let text = notices[0]["text"].as_str().unwrap();
    assert!(
        text.ends_with("matching the following criteria:\n    * latest version from the main branch 'main' (2)\n    * consumer version(s) currently deployed to prod (1)"),
        "{text}"
    );
    // The link is a content permalink with the selectors in its metadata,
    // and the pact it leads to publishes results through the same segment.
    let href = pact["_links"]["self"]["href"].as_str().unwrap();
    let path = href.strip_prefix(&app.base).unwrap();
    assert!(
        path.starts_with("/pacts/provider/Bar/consumer/Foo/pact-version/"),
        "{path}"
    );
    assert!(path.contains("/metadata/"), "{path}");
    let (status, fetched) = app.get(path).await;
    assert_eq!(status, 200, "{fetched}");
    let publish_href = fetched["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .unwrap();
    assert_eq!(publish_href, format!("{href}/verification-results"));
}

#[tokio::test]
async fn without_selectors_the_defaults_apply() {
    // Baz's `master` stays a tag rather than becoming a branch.
    let app = TestApp::start_with(BrokerSettings {
        use_first_tag_as_branch: false,
        ..BrokerSettings::default()
    })
    .await;
    // Foo: main branch with a head.
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .await;
    app.publish(pact("Foo", "b"))
        .version("2")
        .branch("feat")
        .await;
    app.set_main_branch("Foo", "main").await;
    // Baz: main branch `master` known only as a tag.
    app.publish(pact("Baz", "c"))
        .version("1")
        .tags(["master"])
        .await;
    app.publish(pact("Baz", "d")).version("2").await;
    app.set_main_branch("Baz", "master").await;
    // Qux: no main branch: its latest; and an older version deployed.
    app.publish(pact("Qux", "e")).version("1").await;
    app.publish(pact("Qux", "f")).version("2").await;
    app.deploy("Qux", "1").to("prod").await;
    for body in [json!({}), json!({"consumerVersionSelectors": []})] {
        let (status, reply) = post(&app, body).await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            summary(&reply),
            expected(&[
                ("Baz", "1", "latest with tag master"),
                ("Foo", "1", "latest from main branch"),
                ("Qux", "1", "deployed to prod"),
                ("Qux", "2", "latest"),
            ])
        );
        // The Pact Broker reports pending status unless told not to.
        assert_eq!(
            reply["_embedded"]["pacts"][0]["verificationProperties"]["pending"],
            json!(true)
        );
    }
}

/// Publishes a successful result by `provider_version` through the link of
/// a pact handed out for verification.
async fn verify_through_link(app: &TestApp, pact: &Value, provider_version: &str) {
    let href = pact["_links"]["self"]["href"].as_str().unwrap();
    let path = href.strip_prefix(&app.base).unwrap();
    let (status, result) = app
        .post(
            &format!("{path}/verification-results"),
            &json!({"success": true, "providerApplicationVersion": provider_version}),
        )
        .await;
    assert_eq!(status, 201, "{result}");
}

async fn pending(app: &TestApp, query: Value) -> Vec<bool> {
    let mut body = query;
    body["consumerVersionSelectors"] = json!([{"latest": true}]);
    body["includePendingStatus"] = json!(true);
    let (status, reply) = post(app, body).await;
    assert_eq!(status, 200, "{reply}");
    reply["_embedded"]["pacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["verificationProperties"]["pending"].as_bool().unwrap())
        .collect()
}

#[tokio::test]
async fn pending_follows_successful_verifications_by_branch_tags_or_any() {
    let app = TestApp::start().await;
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .await;
    let main = json!({"providerVersionBranch": "main"});
    assert_eq!(pending(&app, main.clone()).await, [true]);
    assert_eq!(pending(&app, json!({})).await, [true]);
    // A failure never clears pending.
    app.verify_version("Foo", "1", PROVIDER)
        .by("p1")
        .success(false)
        .branch("main")
        .tags(["dev"])
        .await;
    assert_eq!(pending(&app, main.clone()).await, [true]);
    assert_eq!(pending(&app, json!({})).await, [true]);
    app.verify_version("Foo", "1", PROVIDER)
        .by("p2")
        .branch("main")
        .tags(["dev"])
        .await;
    assert_eq!(pending(&app, main.clone()).await, [false]);
    assert_eq!(pending(&app, json!({})).await, [false]);
    // A branch created after the verification inherits it; so does one
    // that does not exist yet.
    let (status, _) = app
        .put("/pacticipants/Bar/branches/feat/versions/p3", &json!({}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        pending(&app, json!({"providerVersionBranch": "feat"})).await,
        [false]
    );
    assert_eq!(
        pending(&app, json!({"providerVersionBranch": "new"})).await,
        [false]
    );
    // New content verified only on feat, after main existed: pending for
    // main, not for feat.
    app.publish(pact("Foo", "b"))
        .version("2")
        .branch("main")
        .await;
    app.verify_version("Foo", "2", PROVIDER)
        .by("p4")
        .branch("feat")
        .await;
    assert_eq!(pending(&app, main.clone()).await, [true]);
    assert_eq!(
        pending(&app, json!({"providerVersionBranch": "feat"})).await,
        [false]
    );
    assert_eq!(pending(&app, json!({})).await, [false]);
    // Tags: `dev` verified content a only; p4 has no tag.
    app.publish(pact("Foo", "a"))
        .version("3")
        .branch("main")
        .await;
    assert_eq!(
        pending(&app, json!({"providerVersionTags": ["dev"]})).await,
        [false]
    );
    app.publish(pact("Foo", "b"))
        .version("4")
        .branch("main")
        .await;
    let (status, reply) = post(
        &app,
        json!({"consumerVersionSelectors": [{"latest": true}], "providerVersionTags": ["dev", "prod"]}),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    let properties = &reply["_embedded"]["pacts"][0]["verificationProperties"];
    assert_eq!(properties["pending"], json!(true), "{reply}");
    let texts: Vec<&str> = properties["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        texts[1].contains("a successful verification result for a versions of Bar with tag 'dev' and 'prod' has not yet been published"),
        "{texts:?}"
    );
    // The pending flag rides in the pact URL into the published result.
    verify_through_link(&app, &reply["_embedded"]["pacts"][0], "p5").await;
    assert_eq!(
        app.count("verifications WHERE pact_pending AND NOT wip")
            .await,
        1
    );
}

async fn wip(app: &TestApp, body: Value) -> Vec<(String, String, bool)> {
    let (status, reply) = post(app, body).await;
    assert_eq!(status, 200, "{reply}");
    reply["_embedded"]["pacts"]
        .as_array()
        .unwrap()
        .iter()
        .zip(summary(&reply))
        .map(|(p, (_, version, description))| {
            let properties = &p["verificationProperties"];
            let is_wip = properties["wip"] == json!(true);
            if is_wip {
                assert_eq!(properties["pending"], json!(true), "{p}");
            }
            (version, description, is_wip)
        })
        .collect()
}

#[tokio::test]
async fn work_in_progress_pacts_are_branch_and_tag_heads_not_yet_verified() {
    // Foo 3's `beta` stays a tag rather than becoming a branch.
    let app = TestApp::start_with(BrokerSettings {
        use_first_tag_as_branch: false,
        ..BrokerSettings::default()
    })
    .await;
    let since = "2020-01-01";
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .await;
    app.set_main_branch("Foo", "main").await;
    app.publish(pact("Foo", "b"))
        .version("2")
        .branch("feat-y")
        .await;
    app.publish(pact("Foo", "c"))
        .version("3")
        .tags(["beta"])
        .await;
    let query = json!({
        "consumerVersionSelectors": [{"mainBranch": true}],
        "providerVersionBranch": "main",
        "includePendingStatus": true,
        "includeWipPactsSince": since,
    });
    let row = |v: &str, d: &str, w: bool| (v.to_owned(), d.to_owned(), w);
    assert_eq!(
        wip(&app, query.clone()).await,
        [
            row("1", "latest from main branch", false),
            row("2", "latest from branch feat-y", true),
            row("3", "latest with tag beta", true),
        ]
    );
    // WIP needs a provider branch or tags, and a date before publication.
    let mut no_branch = query.clone();
    no_branch
        .as_object_mut()
        .unwrap()
        .remove("providerVersionBranch");
    assert_eq!(wip(&app, no_branch).await.len(), 1);
    let mut later = query.clone();
    later["includeWipPactsSince"] = json!("2999-01-01");
    assert_eq!(wip(&app, later).await.len(), 1);
    // A WIP verification keeps the pact WIP: fetch it through its WIP link.
    let (_, reply) = post(&app, query.clone()).await;
    verify_through_link(&app, &reply["_embedded"]["pacts"][1], "p1").await;
    assert_eq!(
        app.count("verifications WHERE wip AND pact_pending").await,
        1
    );
    let (status, _) = app
        .put("/pacticipants/Bar/branches/main/versions/p1", &json!({}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(wip(&app, query.clone()).await.len(), 3);
    // So does one outside WIP executed before the look-back window.
    let (_, pact) = app.get("/pacts/provider/Bar/consumer/Foo/version/2").await;
    let href = pact["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .unwrap();
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(31)).to_rfc3339();
    let (status, body) = app
        .post(
            href.strip_prefix(&app.base).unwrap(),
            &json!({"success": true, "providerApplicationVersion": "p1", "verificationDate": long_ago}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(wip(&app, query.clone()).await.len(), 3);
    // A recent verification outside WIP by the provider branch removes it.
    app.verify_version("Foo", "2", PROVIDER)
        .by("p2")
        .branch("main")
        .await;
    assert_eq!(
        wip(&app, query.clone()).await,
        [
            row("1", "latest from main branch", false),
            row("3", "latest with tag beta", true),
        ]
    );
    // Chosen by a selector: not WIP.
    let mut chosen = query.clone();
    chosen["consumerVersionSelectors"] =
        json!([{"mainBranch": true}, {"tag": "beta", "latest": true}]);
    assert_eq!(
        wip(&app, chosen).await,
        [
            row("1", "latest from main branch", false),
            row("3", "latest with tag beta", false),
        ]
    );
    // Tag mode: WIP for the tags that have not verified it.
    let tags = json!({
        "consumerVersionSelectors": [{"mainBranch": true}],
        "providerVersionTags": ["main"],
        "includeWipPactsSince": since,
    });
    assert_eq!(
        wip(&app, tags.clone()).await,
        [
            row("1", "latest from main branch", false),
            row("2", "latest from branch feat-y", true),
            row("3", "latest with tag beta", true),
        ]
    );
    // A result from a version tagged `main` when it was published takes
    // the pact out; a tag added after publishing does not.
    app.verify_version("Foo", "3", PROVIDER)
        .by("p9")
        .tags(["main"])
        .await;
    app.verify_version("Foo", "2", PROVIDER).by("p10").await;
    let (status, _) = app
        .put("/pacticipants/Bar/versions/p10/tags/main", &json!({}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        wip(&app, tags).await,
        [
            row("1", "latest from main branch", false),
            row("2", "latest from branch feat-y", true),
        ]
    );
}

#[tokio::test]
async fn the_get_form_takes_a_nested_query_and_warns_it_is_deprecated() {
    let app = TestApp::start().await;
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .tags(["prod"])
        .await;
    let (status, body) = app
        .get("/pacts/provider/Bar/for-verification?consumer_version_selectors[][tag]=prod&consumer_version_selectors[][latest]=true&include_pending_status=false")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        summary(&body),
        expected(&[("Foo", "1", "latest with tag prod")])
    );
    assert_eq!(
        body["_links"]["self"],
        json!({"href": app.url("/pacts/provider/Bar/for-verification"), "title": "Pacts to be verified"})
    );
    let first = &body["_embedded"]["pacts"][0]["verificationProperties"]["notices"][0]["text"];
    assert!(
        first
            .as_str()
            .unwrap()
            .starts_with("WARNING - this version of the Pact library uses a beta version"),
        "{first}"
    );
    // The index leads verifiers here under both relations.
    let (_, index) = app.get("/").await;
    for relation in [
        "pb:provider-pacts-for-verification",
        "beta:provider-pacts-for-verification",
    ] {
        assert_eq!(
            index["_links"][relation]["href"],
            json!(app.url("/pacts/provider/{provider}/for-verification")),
            "{relation}"
        );
    }
}

#[tokio::test]
async fn bad_queries_get_precise_errors() {
    let app = TestApp::start().await;
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .await;
    let cases = [
        (
            json!({"consumerVersionSelectors": [{}]}),
            "consumerVersionSelectors",
            "must specify a value for environment or tag or branch",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}, {"tag": "a", "branch": "b"}]}),
            "consumerVersionSelectors",
            "cannot specify both a tag and a branch (at index 1)",
        ),
        (
            json!({"consumerVersionSelectors": [{"matchingBranch": true}]}),
            "consumerVersionSelectors",
            "the providerVersionBranch must be specified",
        ),
        (
            json!({"consumerVersionSelectors": [{"environment": "nowhere"}]}),
            "consumerVersionSelectors",
            "Environment with name 'nowhere' does not exist (at index 0)",
        ),
        (
            json!({"consumerVersionSelectors": [{"mainBranch": "yes"}]}),
            "consumerVersionSelectors",
            "mainBranch must be true (at index 0)",
        ),
        (
            json!({"consumerVersionSelectors": {"mainBranch": true}}),
            "consumerVersionSelectors",
            "must be an array",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}], "includeWipPactsSince": "soon"}),
            "includeWipPactsSince",
            "must be a date",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}], "includePendingStatus": "maybe"}),
            "includePendingStatus",
            "must be true or false",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}], "providerVersionBranch": "", "includePendingStatus": true}),
            "providerVersionBranch",
            "must not be an empty string",
        ),
        (
            json!({"consumerVersionSelectors": [{"tag": "a\u{0}"}]}),
            "consumerVersionSelectors",
            "tag cannot contain control characters (at index 0)",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}], "providerVersionBranch": " main"}),
            "providerVersionBranch",
            "white space",
        ),
        (
            json!({"consumerVersionSelectors": [{"latest": true}], "providerVersionTags": [1]}),
            "providerVersionTags[0]",
            "must be a string",
        ),
        (json!([]), "body", "must be a JSON object"),
    ];
    for (body, field, message) in cases {
        let (status, reply) = post(&app, body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        let messages = reply["errors"][field].to_string();
        assert!(messages.contains(message), "{body}: {reply}");
    }
    // A blank branch is only an error when pending status is asked for.
    let (status, reply) = post(
        &app,
        json!({"consumerVersionSelectors": [{"latest": true}], "providerVersionBranch": ""}),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    // Unknown provider: 404 (after the query itself is valid).
    let (status, reply) = app
        .post(
            "/pacts/provider/Nobody/for-verification",
            &json!({"consumerVersionSelectors": [{"latest": true}]}),
        )
        .await;
    assert_eq!(status, 404, "{reply}");
    // Malformed JSON and other media types.
    let response = app
        .http
        .post(app.url("/pacts/provider/Bar/for-verification"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = app
        .http
        .post(app.url("/pacts/provider/Bar/for-verification"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    // The same over gRPC.
    let mut client = VerificationServiceClient::new(app.channel().await);
    let status = client
        .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
            provider: PROVIDER.into(),
            consumer_version_selectors: vec![pb::ConsumerVersionSelector {
                deployed: true,
                released: true,
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .contains("cannot specify both deployed=true and released=true"),
        "{status:?}"
    );
    // A leap-second nanos (from 1e9 to 2e9) or a year past 9999 is not a
    // timestamp either.
    for (seconds, nanos) in [(0, -1), (59, 1_500_000_000), (1 << 62, 0)] {
        let status = client
            .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
                provider: PROVIDER.into(),
                provider_version_branch: "main".into(),
                include_wip_pacts_since: Some(prost_types::Timestamp { seconds, nanos }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().starts_with("include_wip_pacts_since: "),
            "{status:?}"
        );
    }
    let status = client
        .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
            provider: "Nobody".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn grpc_pacts_carry_urls_tokens_and_notices() {
    let app = TestApp::start().await;
    app.publish(pact("Foo", "a"))
        .version("1")
        .branch("main")
        .await;
    app.set_main_branch("Foo", "main").await;
    let mut client = VerificationServiceClient::new(app.channel().await);
    let reply = client
        .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
            provider: PROVIDER.into(),
            provider_version_branch: "main".into(),
            include_pending_status: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let pact = &reply.pacts[0];
    assert_eq!(
        (pact.consumer.as_str(), pact.consumer_version.as_str()),
        ("Foo", "1")
    );
    assert!(pact.pending);
    assert!(!pact.wip);
    assert_eq!(
        pact.pact_url,
        app.url(&format!(
            "/pacts/provider/Bar/consumer/Foo/pact-version/{}/metadata/{}",
            pact.content_sha, pact.verification_token
        ))
    );
    let whens: Vec<&str> = pact.notices.iter().map(|n| n.when.as_str()).collect();
    assert_eq!(whens[..2], ["before_verification", "before_verification"]);
    assert!(whens.contains(&"after_verification:success_true_published_true"));
    // The token records the pending status on the published result.
    let published = client
        .publish_verification_result(pb::PublishVerificationResultRequest {
            provider: PROVIDER.into(),
            consumer: "Foo".into(),
            content_sha: pact.content_sha.clone(),
            verification_token: pact.verification_token.clone(),
            success: true,
            provider_version: "p1".into(),
            provider_version_branch: "main".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(published.verification_result.unwrap().pending);
}
