//! The latest verification result of each consumer version's pact, over
//! gRPC (`ListLatestVerificationResults`: order, pages, branch and tag
//! filters) and REST (the `.../verification-results/latest` resources, the
//! consumer version summary, the links that lead there, and deleting
//! results), with identical content republished under a new consumer
//! version, several providers, unknown names and bad page sizes.

use pactwire::grpc::pb;
use pactwire::grpc::pb::verification_service_client::VerificationServiceClient;
use pactwire::settings::BrokerSettings;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;

/// A pact of Foo with `provider` whose content differs by `path`.
fn pact(provider: &str, path: &str) -> Value {
    json!({
        "consumer": {"name": "Foo"},
        "provider": {"name": provider},
        "interactions": [{"description": "a request", "request": {"method": "GET", "path": path}, "response": {"status": 200}}],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    })
}

/// The path of an href on this broker, whatever its base URL.
fn path_of(href: &str) -> String {
    let url = url::Url::parse(href).expect("an absolute href");
    url.path().to_owned()
}

/// The pact resource of Foo `version` with `provider`.
async fn pact_resource(app: &TestApp, provider: &str, version: &str) -> Value {
    let (status, pact) = app
        .get(&format!(
            "/pacts/provider/{provider}/consumer/Foo/version/{version}"
        ))
        .await;
    assert_eq!(status, 200, "{pact}");
    pact
}

/// The number of a verification resource, the last segment of its href.
fn number_of(verification: &Value) -> i64 {
    let href = verification["_links"]["self"]["href"].as_str().unwrap();
    href.rsplit('/').next().unwrap().parse().unwrap()
}

fn request(provider: &str, page_size: i32) -> pb::ListLatestVerificationResultsRequest {
    pb::ListLatestVerificationResultsRequest {
        consumer: "Foo".into(),
        provider: provider.into(),
        page_size,
        ..Default::default()
    }
}

async fn list(
    app: &TestApp,
    request: pb::ListLatestVerificationResultsRequest,
) -> Result<pb::ListLatestVerificationResultsResponse, tonic::Status> {
    VerificationServiceClient::new(app.channel().await)
        .list_latest_verification_results(request)
        .await
        .map(|r| r.into_inner())
}

/// (consumer version, provider version) of each listed result.
fn pairs(response: &pb::ListLatestVerificationResultsResponse) -> Vec<(String, String)> {
    response
        .latest_verification_results
        .iter()
        .map(|latest| {
            let result = latest.verification_result.as_ref().expect("a result");
            (
                latest.consumer_version.clone(),
                result.provider_version.clone(),
            )
        })
        .collect()
}

fn expected(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect()
}

/// Every page of a listing, following the tokens.
async fn all_pages(
    app: &TestApp,
    mut request: pb::ListLatestVerificationResultsRequest,
) -> Vec<Vec<(String, String)>> {
    let mut pages = Vec::new();
    loop {
        let page = list(app, request.clone()).await.expect("a page");
        pages.push(pairs(&page));
        if page.next_page_token.is_empty() {
            return pages;
        }
        request.page_token = page.next_page_token;
    }
}

/// Versions 1 to 6 of Foo with Bar: 1 verified twice, 2 never, 3 and 4
/// once, 5 the same content as 4, 6 never.
async fn history(app: &TestApp) {
    for (version, path) in [
        ("1", "/1"),
        ("2", "/2"),
        ("3", "/3"),
        ("4", "/4"),
        ("5", "/4"),
        ("6", "/6"),
    ] {
        app.publish(pact("Bar", path)).version(version).await;
    }
    app.verify_version("Foo", "1", "Bar")
        .by("p1")
        .success(false)
        .await;
    app.verify_version("Foo", "1", "Bar").by("p2").await;
    app.verify_version("Foo", "3", "Bar")
        .by("p3")
        .success(false)
        .await;
    app.verify_version("Foo", "4", "Bar").by("p4").await;
}

#[tokio::test]
async fn grpc_lists_the_latest_result_per_consumer_version_newest_first() {
    let app = TestApp::start().await;
    history(&app).await;

    let all = list(&app, request("Bar", 0)).await.expect("listed");
    assert_eq!(
        pairs(&all),
        expected(&[("5", "p4"), ("4", "p4"), ("3", "p3"), ("1", "p2")]),
        "unverified 2 and 6 are left out; 5 has the result of its identical content"
    );
    assert_eq!(all.next_page_token, "");
    let first = &all.latest_verification_results[0];
    let result = first.verification_result.as_ref().unwrap();
    assert_eq!(
        (result.consumer.as_str(), result.provider.as_str()),
        ("Foo", "Bar")
    );
    assert_eq!(result.content_sha, app.sha_of("Foo", "5", "Bar").await);
    assert!(result.success);

    assert_eq!(
        all_pages(&app, request("Bar", 3)).await,
        [
            expected(&[("5", "p4"), ("4", "p4"), ("3", "p3")]),
            expected(&[("1", "p2")]),
        ]
    );
    assert_eq!(
        all_pages(&app, request("Bar", 2)).await,
        [
            expected(&[("5", "p4"), ("4", "p4")]),
            expected(&[("3", "p3"), ("1", "p2")]),
        ],
        "a full last page has no next token"
    );
    let huge = list(&app, request("Bar", 5000)).await.expect("clamped");
    assert_eq!(huge.latest_verification_results.len(), 4);

    // Only the latest revision's content counts: merging an interaction
    // into 3 makes content nobody has verified.
    let merged = json!({
        "consumer": {"name": "Foo"},
        "provider": {"name": "Bar"},
        "interactions": [{"description": "another request", "request": {"method": "GET", "path": "/other"}, "response": {"status": 200}}],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    });
    let (status, body) = app
        .send(
            Method::PATCH,
            "/pacts/provider/Bar/consumer/Foo/version/3",
            &merged,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = list(&app, request("Bar", 0)).await.expect("listed");
    assert_eq!(
        pairs(&after),
        expected(&[("5", "p4"), ("4", "p4"), ("1", "p2")])
    );
}

#[tokio::test]
async fn rest_serves_the_latest_result_of_a_pact_by_content_version_latest_and_tag() {
    let app = TestApp::start().await;
    history(&app).await;
    let (status, _) = app
        .put("/pacticipants/Foo/versions/5/tags/release%2F1", &json!({}))
        .await;
    assert_eq!(status, 201);
    let pair = "/pacts/provider/Bar/consumer/Foo";
    let sha = app.sha_of("Foo", "1", "Bar").await;

    let cases = [
        format!("{pair}/pact-version/{sha}/verification-results/latest"),
        format!("{pair}/version/1/verification-results/latest"),
        format!("{pair}/version/5/verification-results/latest"),
        format!("{pair}/latest/release%2F1/verification-results/latest"),
    ];
    for (path, provider_version) in cases.iter().zip(["p2", "p2", "p4", "p4"]) {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            body["providerApplicationVersion"], provider_version,
            "{path}"
        );
        // The same resource as the result's own URL.
        let (status, own) = app
            .get(&path_of(body["_links"]["self"]["href"].as_str().unwrap()))
            .await;
        assert_eq!(status, 200);
        assert_eq!(own, body, "{path}");
    }

    // The latest pact (6) has no result yet.
    let (status, body) = app
        .get(&format!("{pair}/latest/verification-results/latest"))
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].is_string(), "{body}");
    app.verify_version("Foo", "6", "Bar").by("p6").await;
    let (status, body) = app
        .get(&format!("{pair}/latest/verification-results/latest"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["providerApplicationVersion"], "p6");
}

#[tokio::test]
async fn the_pact_and_version_resources_link_to_their_latest_results() {
    let app = TestApp::start().await;
    app.publish(pact("Bar", "/1"))
        .and(pact("Baz", "/1"))
        .version("1")
        .await;
    app.verify_version("Foo", "1", "Bar").by("p1").await;

    let pact = pact_resource(&app, "Bar", "1").await;
    let href = pact["_links"]["pb:latest-verification-results"]["href"]
        .as_str()
        .expect("pb:latest-verification-results");
    let (status, latest) = app.get(&path_of(href)).await;
    assert_eq!(status, 200, "{latest}");
    assert_eq!(latest["providerApplicationVersion"], "p1");

    let (status, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(status, 200);
    let link = &version["_links"]["pb:latest-verification-results-where-pacticipant-is-consumer"];
    assert_eq!(
        link["title"],
        "Latest verification results for consumer version"
    );
    let (status, summary) = app.get(&path_of(link["href"].as_str().unwrap())).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["providerSummary"]["successful"], json!(["Bar"]));
    assert_eq!(summary["providerSummary"]["unknown"], json!(["Baz"]));
}

#[tokio::test]
async fn filters_choose_consumer_versions_by_branch_and_tag() {
    let app = TestApp::start().await;
    for (version, branch, tags) in [
        ("1", "main", &["prod"][..]),
        ("2", "feat/x", &[][..]),
        ("3", "main", &[][..]),
        ("4", "main", &["prod"][..]),
        ("5", "main", &["prod"][..]),
    ] {
        let path = format!("/{version}");
        app.publish(pact("Bar", &path))
            .version(version)
            .branch(branch)
            .tags(tags.iter().copied())
            .await;
        if version != "4" {
            app.verify_version("Foo", version, "Bar")
                .by(&format!("p{version}"))
                .await;
        }
    }
    let filtered =
        |branch: &str, tag: &str, page_size: i32| pb::ListLatestVerificationResultsRequest {
            consumer_version_branch: branch.into(),
            consumer_version_tag: tag.into(),
            ..request("Bar", page_size)
        };
    let cases: [(&str, &str, &[&str]); 9] = [
        ("", "", &["5", "3", "2", "1"]),
        ("main", "", &["5", "3", "1"]),
        ("feat/x", "", &["2"]),
        ("", "prod", &["5", "1"]),
        ("main", "prod", &["5", "1"]),
        ("feat/x", "prod", &[]),
        ("nope", "", &[]),
        ("", "nope", &[]),
        ("main\n", "", &[]),
    ];
    for (branch, tag, versions) in cases {
        let listed = list(&app, filtered(branch, tag, 0)).await.expect("listed");
        let got: Vec<String> = pairs(&listed).into_iter().map(|(c, _)| c).collect();
        assert_eq!(got, versions, "branch {branch:?}, tag {tag:?}");
    }
    let pages = all_pages(&app, filtered("main", "", 2)).await;
    assert_eq!(
        pages,
        [
            expected(&[("5", "p5"), ("3", "p3")]),
            expected(&[("1", "p1")])
        ]
    );
    let pages = all_pages(&app, filtered("main", "prod", 1)).await;
    assert_eq!(pages, [expected(&[("5", "p5")]), expected(&[("1", "p1")])]);
}

#[tokio::test]
async fn each_provider_has_its_own_results_and_the_summary_counts_them() {
    let app = TestApp::start().await;
    app.publish(pact("Bar", "/a"))
        .and(pact("baz", "/a"))
        .and(pact("Qux", "/a"))
        .version("1")
        .await;
    app.verify_version("Foo", "1", "Bar").by("b1").await;
    app.verify_version("Foo", "1", "baz")
        .by("z1")
        .success(false)
        .await;

    let bar = list(&app, request("Bar", 0)).await.expect("listed");
    assert_eq!(pairs(&bar), expected(&[("1", "b1")]));
    let baz = list(&app, request("baz", 0)).await.expect("listed");
    assert_eq!(pairs(&baz), expected(&[("1", "z1")]));
    let qux = list(&app, request("Qux", 0)).await.expect("listed");
    assert!(qux.latest_verification_results.is_empty());

    let (status, summary) = app
        .get("/verification-results/consumer/Foo/version/1/latest")
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["success"], false);
    assert_eq!(
        summary["providerSummary"],
        json!({"successful": ["Bar"], "failed": ["baz"], "unknown": ["Qux"]})
    );
    let providers: Vec<&str> = summary["_embedded"]["verificationResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["providerName"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["Bar", "baz"], "by name, case ignored");

    app.verify_version("Foo", "1", "baz").by("z2").await;
    app.verify_version("Foo", "1", "Qux").by("q1").await;
    let (_, summary) = app
        .get("/verification-results/consumer/Foo/version/1/latest")
        .await;
    assert_eq!(summary["success"], true, "{summary}");
    assert_eq!(
        summary["providerSummary"]["successful"],
        json!(["Bar", "baz", "Qux"])
    );

    // A version without pacts has nothing to fail.
    let (status, _) = app.put("/pacticipants/Foo/versions/2", &json!({})).await;
    assert_eq!(status, 201);
    let (status, empty) = app
        .get("/verification-results/consumer/Foo/version/2/latest")
        .await;
    assert_eq!(status, 200);
    assert_eq!(empty["success"], true);
    assert_eq!(empty["_embedded"]["verificationResults"], json!([]));
}

#[tokio::test]
async fn summary_matches_the_pact_broker_shape() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..Default::default()
    })
    .await;
    app.publish(pact("Bar", "/a"))
        .and(pact("Baz", "/a"))
        .version("1.0.0")
        .await;
    app.verify_version("Foo", "1.0.0", "Bar").by("2.0.0").await;
    let (status, body) = app
        .get("/verification-results/consumer/Foo/version/1.0.0/latest")
        .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("verification_summary", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.verificationDate" => "[timestamp]",
    });
}

/// The number of the result `latest_verifications` names for the content
/// and provider version, if any.
async fn latest_row(app: &TestApp, sha: &str, provider_version: &str) -> Option<i64> {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        number: i64,
    }
    let mut conn = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT v.number FROM latest_verifications lv \
         JOIN verifications v ON v.id = lv.verification_id \
         JOIN pact_versions pv ON pv.id = lv.pact_version_id \
         JOIN versions p ON p.id = lv.provider_version_id \
         WHERE pv.sha = $1 AND p.number = $2",
    )
    .bind::<Text, _>(sha)
    .bind::<Text, _>(provider_version)
    .load(&mut conn)
    .await
    .expect("reading latest_verifications");
    assert!(rows.len() <= 1);
    rows.into_iter().next().map(|r| r.number)
}

#[tokio::test]
async fn deleting_results_moves_the_latest_back_or_forgets_the_version() {
    let app = TestApp::start().await;
    app.publish(pact("Bar", "/1")).version("1").await;
    app.publish(pact("Bar", "/1")).version("2").await;
    let sha = app.sha_of("Foo", "1", "Bar").await;
    let first = number_of(
        &app.verify_version("Foo", "1", "Bar")
            .by("p1")
            .success(false)
            .await,
    );
    let second = number_of(&app.verify_version("Foo", "1", "Bar").by("p1").await);
    let other = number_of(&app.verify_version("Foo", "1", "Bar").by("p2").await);
    let newest = number_of(
        &app.verify_version("Foo", "1", "Bar")
            .by("p2")
            .success(false)
            .await,
    );
    assert_eq!(latest_row(&app, &sha, "p1").await, Some(second));
    let content = format!("/pacts/provider/Bar/consumer/Foo/pact-version/{sha}");
    let delete = |path: String| {
        let app = &app;
        async move { app.call(Method::DELETE, &path, None, None, "").await }
    };

    // Deleting an older result leaves the latest alone.
    let reply = delete(format!("{content}/verification-results/{other}")).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(latest_row(&app, &sha, "p2").await, Some(newest));

    // Deleting the latest makes the previous one of that provider version
    // the latest again, everywhere it is read.
    let reply = delete(format!("{content}/verification-results/{newest}")).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(
        latest_row(&app, &sha, "p2").await,
        None,
        "p2 has no result left"
    );
    assert_eq!(latest_row(&app, &sha, "p1").await, Some(second));
    let listed = list(&app, request("Bar", 0)).await.expect("listed");
    assert_eq!(pairs(&listed), expected(&[("2", "p1"), ("1", "p1")]));
    let (status, body) = app
        .get(&format!("{content}/verification-results/{newest}"))
        .await;
    assert_eq!(status, 404, "{body}");

    let reply = delete(format!("{content}/verification-results/{second}")).await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(latest_row(&app, &sha, "p1").await, Some(first));
    let (_, latest) = app
        .get(&format!("{content}/verification-results/latest"))
        .await;
    assert_eq!(number_of(&latest), first);

    // Through the metadata permalink too; then nothing is left.
    let reply = delete(format!(
        "{content}/metadata/c29tZQ/verification-results/{first}"
    ))
    .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(app.count("verifications").await, 0);
    assert_eq!(app.count("latest_verifications").await, 0);
    let listed = list(&app, request("Bar", 0)).await.expect("listed");
    assert!(listed.latest_verification_results.is_empty());
    let (status, _) = app
        .get("/pacts/provider/Bar/consumer/Foo/version/2/verification-results/latest")
        .await;
    assert_eq!(status, 404);

    for path in [
        format!("{content}/verification-results/{first}"),
        format!(
            "/pacts/provider/Bar/consumer/Foo/pact-version/{}/verification-results/{first}",
            "0".repeat(40)
        ),
        format!("/pacts/provider/Bar/consumer/Nobody/pact-version/{sha}/verification-results/1"),
    ] {
        let reply = delete(path.clone()).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
    }
    assert_eq!(app.count("pact_versions").await, 1, "the pact stays");
}

#[tokio::test]
async fn unknown_names_are_not_found() {
    let app = TestApp::start().await;
    app.publish(pact("Bar", "/1"))
        .version("1")
        .tags(["prod"])
        .await;

    for (consumer, provider) in [("Nobody", "Bar"), ("Foo", "Nobody"), ("Foo\n", "Bar")] {
        let err = list(
            &app,
            pb::ListLatestVerificationResultsRequest {
                consumer: consumer.into(),
                ..request(provider, 0)
            },
        )
        .await
        .expect_err("unknown pacticipant");
        assert_eq!(err.code(), Code::NotFound, "{consumer} {provider}: {err:?}");
    }

    let pair = "/pacts/provider/Bar/consumer/Foo";
    let sha = app.sha_of("Foo", "1", "Bar").await;
    for path in [
        // No result yet.
        format!("{pair}/pact-version/{sha}/verification-results/latest"),
        format!("{pair}/version/1/verification-results/latest"),
        format!("{pair}/latest/verification-results/latest"),
        format!("{pair}/latest/prod/verification-results/latest"),
        // No such pact.
        format!("{pair}/version/2/verification-results/latest"),
        format!("{pair}/latest/nope/verification-results/latest"),
        format!(
            "{pair}/pact-version/{}/verification-results/latest",
            "0".repeat(40)
        ),
        "/pacts/provider/Nobody/consumer/Foo/latest/verification-results/latest".into(),
        "/pacts/provider/Bar/consumer/Nobody/version/1/verification-results/latest".into(),
        // No such consumer or version.
        "/verification-results/consumer/Nobody/version/1/latest".into(),
        "/verification-results/consumer/Foo/version/9/latest".into(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn bad_page_sizes_and_tokens_are_invalid_arguments() {
    let app = TestApp::start().await;
    history(&app).await;
    for (page_size, page_token, field) in [
        (-1, "", "page_size"),
        (10, "not-a-token", "page_token"),
        (10, "b2Zmc2V0Oi0x", "page_token"), // "offset:-1"
    ] {
        let err = list(
            &app,
            pb::ListLatestVerificationResultsRequest {
                page_token: page_token.into(),
                ..request("Bar", page_size)
            },
        )
        .await
        .expect_err("invalid");
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        assert!(err.message().starts_with(&format!("{field}: ")), "{err:?}");
        use tonic_types::StatusExt;
        let violations = err
            .get_details_bad_request()
            .map(|bad| bad.field_violations)
            .unwrap_or_default();
        assert!(
            violations.iter().any(|v| v.field == field),
            "{violations:?}"
        );
    }
    // Unknown pacticipants do not matter to a bad page size.
    let err = list(&app, request("Nobody", -5))
        .await
        .expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
}
