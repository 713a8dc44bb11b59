//! Lists of pacts: latest pacts, a provider's pacts by consumer tag and
//! branch, and the pact versions of a pair, over both transports.

use super::*;

/// Publishes Foo versions 1..=n with Bar, and pacts of A, B and C with Bar
/// and of A with Qux.
async fn seed_collections(app: &TestApp) {
    for version in ["1", "2", "3"] {
        let content = pact(
            "Foo",
            "Bar",
            vec![interaction(&format!("thing {version}"), "/t")],
        );
        app.publish(content).version(version).await;
    }
    for (consumer, provider) in [("A", "Bar"), ("B", "Bar"), ("A", "Qux")] {
        let content = pact(consumer, provider, vec![interaction("a thing", "/t")]);
        app.publish(content).version("1").await;
    }
}

#[tokio::test]
async fn latest_pacts_lists_each_integration() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/latest").await;
    assert_eq!(status, 200, "{body}");
    let pacts = body["pacts"].as_array().expect("pacts");
    let pairs: Vec<(&str, &str, &str)> = pacts
        .iter()
        .map(|p| {
            (
                p["_embedded"]["consumer"]["name"].as_str().unwrap(),
                p["_embedded"]["provider"]["name"].as_str().unwrap(),
                p["_embedded"]["consumer"]["_embedded"]["version"]["number"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("A", "Bar", "1"),
            ("A", "Qux", "1"),
            ("B", "Bar", "1"),
            ("Foo", "Bar", "3")
        ]
    );
    assert_eq!(body["page"]["totalElements"], 4);
    assert_eq!(link(&body, "self"), format!("{BASE}/pacts/latest"));
    // Each pact by its latest URL, then by its version, as the Pact
    // Broker's (both CLIs' pacts expect the pair).
    assert_eq!(
        pacts[3]["_links"]["self"],
        json!([
            { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest") },
            { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3") },
        ])
    );
    for relation in ["pb:pacts", "pacts"] {
        let links = body["_links"][relation]
            .as_array()
            .unwrap_or_else(|| panic!("{relation}: {body}"));
        assert_eq!(links.len(), 4, "{relation}");
        assert_eq!(
            links[3]["href"],
            format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest"),
            "{relation}"
        );
        assert_eq!(
            links[3]["title"], "Latest pact between Foo and Bar",
            "{relation}"
        );
    }

    let (status, body) = app.get("/pacts/latest?size=3&page=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pacts"].as_array().unwrap().len(), 1);
    assert_eq!(body["pacts"][0]["_embedded"]["consumer"]["name"], "Foo");
}

#[tokio::test]
async fn provider_latest_pacts_has_both_link_arrays() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/provider/Bar/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["_links"]["pb:provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Provider", "name": "Bar" })
    );
    assert_eq!(
        link(&body, "self"),
        format!("{BASE}/pacts/provider/Bar/latest")
    );
    let expected = json!([
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/A/version/1"), "title": "Pact between A (1) and Bar", "name": "A" },
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/B/version/1"), "title": "Pact between B (1) and Bar", "name": "B" },
        { "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3"), "title": "Pact between Foo (3) and Bar", "name": "Foo" },
    ]);
    assert_eq!(body["_links"]["pb:pacts"], expected);
    // The deprecated relations older clients read, as the Pact Broker's.
    let mut deprecated = expected.clone();
    for link in deprecated.as_array_mut().unwrap() {
        link["title"] = json!(format!(
            "DEPRECATED - please use the pb:pacts relation. {}",
            link["title"].as_str().unwrap()
        ));
    }
    assert_eq!(body["_links"]["pacts"], deprecated);
    assert_eq!(
        body["_links"]["provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Bar", "name": "DEPRECATED - please use the pb:provider relation" })
    );

    let (status, body) = app.get("/pacts/provider/Qux/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pacts"].as_array().unwrap().len(), 1);
}

/// Consumer versions of Bar's pacts: (consumer, version, branch, tags).
const BRANCHED: &[(&str, &str, Option<&str>, &[&str])] = &[
    ("Foo", "1", Some("main"), &["prod"]),
    ("Foo", "2", Some("feat"), &[]),
    ("Foo", "3", Some("main"), &[]),
    ("Baz", "1", Some("develop"), &["prod"]),
    ("Qux", "1", None, &[]),
];

#[tokio::test]
async fn provider_pacts_by_consumer_tag_and_branch() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    for (consumer, version, branch, tags) in BRANCHED {
        let content = contracts::pact(
            consumer,
            "Bar",
            json!([interaction(&format!("{consumer} {version}"), "/t")]),
        );
        let publish = app
            .publish(content)
            .version(version)
            .tags(tags.iter().copied());
        match branch {
            Some(branch) => publish.branch(branch).await,
            None => publish.await,
        };
    }
    // Each consumer's first branch became its main branch: main and develop.
    for (path, title, pacts) in [
        (
            "/pacts/provider/Bar/latest/prod",
            "Latest pact versions for the provider Bar with consumer version tag 'prod'",
            &[("Baz", "1"), ("Foo", "1")][..],
        ),
        (
            "/pacts/provider/Bar/branch/main/latest",
            "Latest pact versions for the provider Bar with consumer version branch 'main'",
            &[("Foo", "3")],
        ),
        (
            "/pacts/provider/Bar/branch/latest",
            "Latest pact versions for the provider Bar",
            &[("Baz", "1"), ("Foo", "3")],
        ),
        (
            "/pacts/provider/Bar/branch/main",
            "All pact versions for the provider Bar with consumer version branch 'main'",
            &[("Foo", "3"), ("Foo", "1")],
        ),
        (
            "/pacts/provider/Bar/branch",
            "All pact versions for the provider Bar",
            &[("Baz", "1"), ("Foo", "3"), ("Foo", "1")],
        ),
        (
            "/pacts/provider/Bar/latest/nope",
            "Latest pact versions for the provider Bar with consumer version tag 'nope'",
            &[],
        ),
        (
            "/pacts/provider/Bar/branch/n%00pe",
            "All pact versions for the provider Bar with consumer version branch 'n\u{0}pe'",
            &[],
        ),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            body["_links"]["self"],
            json!({ "href": format!("{BASE}{path}"), "title": title }),
            "{path}"
        );
        let expected: Vec<Value> = pacts
            .iter()
            .map(|(consumer, version)| {
                json!({
                    "href": format!("{BASE}/pacts/provider/Bar/consumer/{consumer}/version/{version}"),
                    "title": format!("Pact between {consumer} ({version}) and Bar"),
                    "name": consumer,
                })
            })
            .collect();
        assert_eq!(body["_links"]["pb:pacts"], json!(expected), "{path}");
        assert_eq!(
            body["_links"]["pacts"].as_array().map(Vec::len),
            Some(pacts.len()),
            "{path}"
        );
    }
    let (status, _) = app.get("/pacts/provider/Nope/branch/main/latest").await;
    assert_eq!(status, 404);

    // The pact versions of one pair on a branch.
    for (branch, versions) in [("main", &["3", "1"][..]), ("feat", &["2"]), ("nope", &[])] {
        let path = format!("/pacts/provider/Bar/consumer/Foo/branch/{branch}");
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let listed: Vec<&str> = body["_embedded"]["pacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["_embedded"]["consumerVersion"]["number"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(listed, versions, "{path}");
        assert_eq!(link(&body, "self"), format!("{BASE}{path}"));
    }
}

#[tokio::test]
async fn pact_versions_of_a_pair_are_listed_newest_first() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    seed_collections(&app).await;

    let (status, body) = app.get("/pacts/provider/Bar/consumer/Foo/versions").await;
    assert_eq!(status, 200, "{body}");
    let versions: Vec<&str> = body["_embedded"]["pacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["_embedded"]["consumerVersion"]["number"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(versions, ["3", "2", "1"]);
    // The Pact Broker's pact versions: each pact by its version, and the
    // pair.
    assert_eq!(
        body["_embedded"]["pacts"][0]["_links"]["self"],
        json!({ "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/3"), "title": "Pact between Foo (3) and Bar" })
    );
    assert_eq!(
        body["_links"]["self"]["title"],
        "All versions of the pact between Foo and Bar"
    );
    assert_eq!(body["_links"]["consumer"]["name"], "Foo");
    assert_eq!(body["_links"]["provider"]["name"], "Bar");
    assert_eq!(
        body["_links"]["pact-versions"].as_array().map(Vec::len),
        Some(3)
    );
    let hrefs: Vec<&str> = body["_links"]["pb:pacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [3, 2, 1].map(|v| format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/{v}"))
    );
    assert_eq!(body["page"]["totalElements"], 3);

    let (status, body) = app
        .get("/pacts/provider/Bar/consumer/Foo/versions?page=2&size=2")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_embedded"]["pacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["_embedded"]["pacts"][0]["_embedded"]["consumerVersion"]["number"],
        "1"
    );
    assert!(body["_links"]["previous"]["href"].is_string(), "{body}");
    assert!(body["_links"].get("next").is_none(), "{body}");
}

#[tokio::test]
async fn grpc_lists_pact_versions_and_latest_pacts_page_by_page() {
    let app = TestApp::start().await;
    seed_collections(&app).await;
    let mut client = app.pacts().await;

    let mut versions = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_pact_versions(pb::ListPactVersionsRequest {
                consumer: "Foo".into(),
                provider: "Bar".into(),
                page_size: 2,
                page_token: token.clone(),
            })
            .await
            .expect("a page")
            .into_inner();
        pages += 1;
        for pact in &page.pacts {
            assert!(pact.content.is_empty(), "lists carry no content");
            assert_eq!(pact.content_sha.len(), 40);
        }
        versions.extend(page.pacts.into_iter().map(|p| p.consumer_version));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        assert!(pages < 5, "pagination does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(versions, ["3", "2", "1"]);

    let mut pairs = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .list_latest_pacts(pb::ListLatestPactsRequest {
                page_size: 3,
                page_token: token.clone(),
                provider: String::new(),
            })
            .await
            .expect("a page")
            .into_inner();
        pages += 1;
        pairs.extend(
            page.pacts
                .into_iter()
                .map(|p| format!("{}->{}@{}", p.consumer, p.provider, p.consumer_version)),
        );
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        assert!(pages < 5, "pagination does not end");
    }
    assert_eq!(pages, 2);
    assert_eq!(pairs, ["A->Bar@1", "A->Qux@1", "B->Bar@1", "Foo->Bar@3"]);

    let only_qux = client
        .list_latest_pacts(pb::ListLatestPactsRequest {
            provider: "Qux".into(),
            ..Default::default()
        })
        .await
        .expect("Qux's pacts")
        .into_inner();
    assert_eq!(only_qux.pacts.len(), 1);
    assert_eq!(only_qux.pacts[0].consumer, "A");
    assert_eq!(only_qux.next_page_token, "");

    let err = client
        .list_latest_pacts(pb::ListLatestPactsRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await
        .expect_err("a bad token");
    assert_eq!(err.code(), Code::InvalidArgument);
}
