//! `POST /contracts/publish` and gRPC `PublishContracts`: what a publication
//! creates and answers, and numbers kept as published.

use super::*;

#[tokio::test]
async fn publish_contracts_answers_the_pact_broker_body() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let (status, body) = app.post("/contracts/publish", &reference_request()).await;
    assert_eq!(status, 200, "{body}");

    // What the Rust CLI deserialises strictly.
    for log in body["logs"].as_array().expect("logs") {
        assert!(log["level"].is_string(), "{log}");
        assert!(log["message"].is_string(), "{log}");
        assert_eq!(log["deprecationWarning"], "Replaced by notices");
    }
    for notice in body["notices"].as_array().expect("notices") {
        assert!(
            notice["type"].is_string() && notice["text"].is_string(),
            "{notice}"
        );
    }
    let version_self = &body["_embedded"]["version"]["_links"]["self"];
    for key in ["href", "name", "title"] {
        assert!(version_self[key].is_string(), "version self {key}: {body}");
    }
    let contracts = body["_links"]["pb:contracts"]
        .as_array()
        .expect("pb:contracts");
    assert_eq!(contracts.len(), 1);
    for key in ["href", "name", "title"] {
        assert!(contracts[0][key].is_string(), "contract {key}: {body}");
        assert!(body["_links"]["pb:pacticipant"][key].is_string(), "{body}");
        assert!(
            body["_links"]["pb:pacticipant-version"][key].is_string(),
            "{body}"
        );
    }

    insta::assert_json_snapshot!(body, {
        ".**.createdAt" => "[time]",
        ".**.updatedAt" => "[time]",
    });
}

#[tokio::test]
async fn publish_creates_the_pacticipants_version_branch_and_tags() {
    let app = TestApp::start().await;
    let (status, body) = app.post("/contracts/publish", &reference_request()).await;
    assert_eq!(status, 200, "{body}");

    let (status, foo) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "{foo}");
    assert_eq!(foo["name"], "Foo");
    let (status, bar) = app.get("/pacticipants/Bar").await;
    assert_eq!(status, 200, "{bar}");
    assert_eq!(bar["name"], "Bar");

    let (status, version) = app
        .get(&format!("/pacticipants/Foo/versions/{SHA_VERSION}"))
        .await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["number"], SHA_VERSION);
    assert_eq!(version["buildUrl"], "https://ci/1");
    let branches = version["_embedded"]["branchVersions"].as_array().unwrap();
    assert_eq!(branches.len(), 1, "{version}");
    assert_eq!(branches[0]["name"], "main");
    assert_eq!(branches[0]["latest"], true);
    let tags = version["_embedded"]["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 1, "{version}");
    assert_eq!(tags[0]["name"], "main");

    let (status, branch) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200, "{branch}");
    assert_eq!(branch["latestVersion"], SHA_VERSION);
    let (status, tag) = app
        .get(&format!(
            "/pacticipants/Foo/versions/{SHA_VERSION}/tags/main"
        ))
        .await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["name"], "main");

    let (status, pact) = app
        .get(&format!(
            "/pacts/provider/Bar/consumer/Foo/version/{SHA_VERSION}"
        ))
        .await;
    assert_eq!(status, 200, "{pact}");
    assert_eq!(
        pact["interactions"][0]["description"],
        "a request for a thing"
    );

    let expected: BTreeMap<&str, i64> = [
        ("pacticipants", 2),
        ("versions", 1),
        ("branches", 1),
        ("branch_versions", 1),
        ("tags", 1),
        ("pact_versions", 1),
        ("pact_publications", 1),
        ("integrations", 1),
    ]
    .into();
    assert_eq!(counts(&app).await, expected);

    // The notices tell the person what happened.
    let texts: Vec<&str> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts[0],
        format!("Created Foo version {SHA_VERSION} with branch main and tag main")
    );
    assert_eq!(
        texts[1],
        format!("Pact successfully published for Foo version {SHA_VERSION} and provider Bar.")
    );
    assert_eq!(
        texts[2],
        format!(
            "View the published pact at {}/pacts/provider/Bar/consumer/Foo/version/{SHA_VERSION}",
            app.base
        )
    );
}

#[tokio::test]
async fn publish_response_reports_the_branch_of_the_request() {
    let app = TestApp::start().await;
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/things/1")]);
    // The same version published on b1, then b2, then b1 again: each answer
    // names the branch of its own request, not the version's newest or
    // last-sorted membership.
    for branch in ["b1", "b2", "b1"] {
        let mut request = publish_body("1", vec![contract("Foo", "Bar", &content)]);
        request["branch"] = json!(branch);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 200, "{branch}: {body}");
        assert_eq!(body["_embedded"]["version"]["branch"], branch, "{body}");
    }
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(
        version["_embedded"]["branchVersions"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{version}"
    );
    // A request without a branch names none, though the version has two.
    let (status, body) = app
        .post(
            "/contracts/publish",
            &publish_body("1", vec![contract("Foo", "Bar", &content)]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["_embedded"]["version"].get("branch").is_none(),
        "{body}"
    );
}

#[tokio::test]
async fn grpc_publish_creates_the_same_resources() {
    let app = TestApp::start().await;
    let content = pact(
        "Foo",
        "Bar",
        vec![interaction("a request for a thing", "/things/1")],
    );
    let mut request = grpc_publish_request(
        "1.0.0",
        vec![grpc_contract(
            "Bar",
            &content,
            pb::ConflictStrategy::Unspecified,
        )],
    );
    request.branch = "main".into();
    request.tags = vec!["prod".into(), "dev".into()];
    request.build_url = "https://ci/2".into();
    let response = grpc_publish(&app, request).await.expect("published");

    let version = response.version.expect("version");
    assert_eq!(version.pacticipant, "Foo");
    assert_eq!(version.number, "1.0.0");
    assert_eq!(version.build_url, "https://ci/2");
    assert_eq!(
        version
            .branches
            .iter()
            .map(|b| b.branch.as_str())
            .collect::<Vec<_>>(),
        ["main"]
    );
    assert_eq!(
        version
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["prod", "dev"]
    );
    assert_eq!(response.contracts.len(), 1);
    let published = &response.contracts[0];
    assert_eq!(published.outcome, pb::PublicationOutcome::Created as i32);
    let stored = published.pact.as_ref().expect("pact");
    assert_eq!(
        (stored.consumer.as_str(), stored.provider.as_str()),
        ("Foo", "Bar")
    );
    assert_eq!(stored.consumer_version, "1.0.0");
    assert_eq!(stored.content_sha.len(), 40);
    assert_eq!(content_of(stored)["interactions"], content["interactions"]);
    assert_eq!(stored.consumer_version_branches, ["main"]);
    assert_eq!(stored.consumer_version_tags, ["prod", "dev"]);
    let types: Vec<i32> = response.notices.iter().map(|n| n.r#type).collect();
    assert_eq!(
        types,
        [
            pb::NoticeType::Success as i32,
            pb::NoticeType::Success as i32
        ]
    );
    assert_eq!(
        response.notices[1].text,
        "Pact successfully published for Foo version 1.0.0 and provider Bar."
    );

    // The same resources as a REST publish.
    let (status, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(version["buildUrl"], "https://ci/2");
    let (status, _) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200);
    for tag in ["prod", "dev"] {
        let (status, _) = app
            .get(&format!("/pacticipants/Foo/versions/1.0.0/tags/{tag}"))
            .await;
        assert_eq!(status, 200, "tag {tag}");
    }
    let (status, pact) = app
        .get("/pacts/provider/Bar/consumer/Foo/version/1.0.0")
        .await;
    assert_eq!(status, 200, "{pact}");
    assert_eq!(pact["interactions"], content["interactions"]);
}

#[tokio::test]
async fn numbers_in_pacts_are_kept_exactly_as_published() {
    let app = TestApp::start().await;
    let pact = r#"{"consumer":{"name":"Foo"},"provider":{"name":"Bar"},"interactions":[{"description":"big","request":{"method":"GET","path":"/"},"response":{"status":200,"body":{"id":123456789012345678901234567890,"amount":0.30000000000000000001,"small":1e-7}}}],"metadata":{"pactSpecification":{"version":"2.0.0"}}}"#;
    let response = app
        .http
        .put(app.url("/pacts/provider/Bar/consumer/Foo/version/1"))
        .header("content-type", "application/json")
        .body(pact)
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 201);
    let text = app
        .http
        .get(app.url("/pacts/provider/Bar/consumer/Foo/version/1"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    for literal in [
        "123456789012345678901234567890",
        "0.30000000000000000001",
        "1e-7",
    ] {
        assert!(text.contains(literal), "{literal} changed in {text}");
    }
    let mut client = app.pacts().await;
    let fetched = client
        .get_pact(pb::GetPactRequest {
            consumer: "Foo".into(),
            provider: "Bar".into(),
            selector: Some(pb::get_pact_request::Selector::ConsumerVersion("1".into())),
        })
        .await
        .expect("GetPact")
        .into_inner()
        .pact
        .expect("pact");
    let content = String::from_utf8(fetched.content).expect("UTF-8");
    assert!(
        content.contains("123456789012345678901234567890"),
        "{content}"
    );
}
