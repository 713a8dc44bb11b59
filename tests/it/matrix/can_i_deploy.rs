//! Can-i-deploy verdicts as tables of scenarios, on both transports: the
//! consumer's and the provider's side, ignored pacticipants, environments,
//! tags and the main branch as targets, the success filter, and a verdict
//! that no row limit changes.

use super::*;

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
