//! Reading a pact by version, latest, tag, branch and content hash over both
//! transports, names that need escaping, and what is not found.

use super::*;

#[tokio::test]
async fn pacts_are_fetched_by_version_latest_tag_branch_and_content_sha() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let v1 = pact("Foo", "Bar", vec![interaction("thing 1", "/things/1")]);
    let v2 = pact("Foo", "Bar", vec![interaction("thing 2", "/things/2")]);
    let v3 = pact("Foo", "Bar", vec![interaction("thing 3", "/things/3")]);
    for (version, content, branch, tag) in [
        ("1", &v1, "main", "prod"),
        ("2", &v2, "feat", "dev"),
        ("3", &v3, "main", "dev"),
    ] {
        let mut request = publish_body(version, vec![contract("Foo", "Bar", content)]);
        request["branch"] = json!(branch);
        request["tags"] = json!([tag]);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, by_version) = app.get("/pacts/provider/Bar/consumer/Foo/version/2").await;
    assert_eq!(status, 200, "{by_version}");
    assert_eq!(by_version["interactions"], v2["interactions"]);
    assert_eq!(by_version["consumer"]["name"], "Foo");
    assert_eq!(by_version["provider"]["name"], "Bar");
    assert_eq!(by_version["metadata"], v2["metadata"]);
    assert!(by_version["createdAt"].is_string(), "{by_version}");
    let links = &by_version["_links"];
    assert_eq!(
        links["self"],
        json!({
            "href": format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/2"),
            "title": "Pact",
            "name": "Pact between Foo (2) and Bar",
        })
    );
    assert_eq!(
        links["pb:consumer"],
        json!({ "href": format!("{BASE}/pacticipants/Foo"), "title": "Consumer", "name": "Foo" })
    );
    assert_eq!(
        links["pb:provider"],
        json!({ "href": format!("{BASE}/pacticipants/Bar"), "title": "Provider", "name": "Bar" })
    );
    assert_eq!(
        links["pb:consumer-version"]["href"],
        format!("{BASE}/pacticipants/Foo/versions/2")
    );
    assert_eq!(
        links["pb:pact-version"]["title"],
        "Pact content version permalink"
    );
    assert_eq!(
        links["pb:latest-pact-version"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/latest")
    );
    assert_eq!(
        links["pb:all-pact-versions"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/versions")
    );
    let sha = links["pb:pact-version"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        links["pb:pact-version"]["href"],
        format!("{BASE}/pacts/provider/Bar/consumer/Foo/pact-version/{sha}")
    );

    let cases = [
        ("/pacts/provider/Bar/consumer/Foo/latest", "3"),
        ("/pacts/provider/Bar/consumer/Foo/latest/prod", "1"),
        ("/pacts/provider/Bar/consumer/Foo/latest/dev", "3"),
        ("/pacts/provider/Bar/consumer/Foo/branch/main/latest", "3"),
        ("/pacts/provider/Bar/consumer/Foo/branch/feat/latest", "2"),
        (
            &format!("/pacts/provider/Bar/consumer/Foo/pact-version/{sha}"),
            "2",
        ),
        (
            &format!("/pacts/provider/Bar/consumer/Foo/pact-version/{sha}/metadata/c1tdW2N2XT0y"),
            "2",
        ),
    ];
    for (path, version) in cases {
        let reply = app.call(reqwest::Method::GET, path, None, None, "").await;
        let (status, body) = (reply.status, &reply.body);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            link(body, "self"),
            format!("{BASE}/pacts/provider/Bar/consumer/Foo/version/{version}"),
            "{path}"
        );
        // A latest pact says which consumer version it is from, as the
        // Pact Broker's latest pact resource does; a permalink does not.
        let latest = path.contains("/latest");
        assert_eq!(
            reply.header("x-pact-consumer-version"),
            latest.then_some(version),
            "{path}"
        );
        assert_eq!(
            body["interactions"][0]["description"],
            format!("thing {version}"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn grpc_get_pact_by_every_selector() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    let mut shas = Vec::new();
    for (version, branch, tag) in [
        ("1", "main", "prod"),
        ("2", "feat", "dev"),
        ("3", "main", "dev"),
    ] {
        let content = pact(
            "Foo",
            "Bar",
            vec![interaction(&format!("thing {version}"), "/t")],
        );
        let mut request = grpc_publish_request(
            version,
            vec![grpc_contract(
                "Bar",
                &content,
                pb::ConflictStrategy::Unspecified,
            )],
        );
        request.branch = branch.into();
        request.tags = vec![tag.into()];
        let response = grpc_publish(&app, request).await.expect("published");
        shas.push(
            response.contracts[0]
                .pact
                .as_ref()
                .unwrap()
                .content_sha
                .clone(),
        );
    }
    let cases = [
        (None, "3"),
        (Some(Selector::Latest(true)), "3"),
        (Some(Selector::ConsumerVersion("2".into())), "2"),
        (Some(Selector::Tag("prod".into())), "1"),
        (Some(Selector::Tag("dev".into())), "3"),
        (Some(Selector::Branch("main".into())), "3"),
        (Some(Selector::Branch("feat".into())), "2"),
        (Some(Selector::ContentSha(shas[0].clone())), "1"),
    ];
    for (selector, version) in cases {
        let label = format!("{selector:?}");
        let found = grpc_get(&app, "Foo", "Bar", selector).await.expect(&label);
        assert_eq!(found.consumer_version, version, "{label}");
        assert_eq!(found.consumer, "Foo");
        assert_eq!(found.provider, "Bar");
        assert_eq!(found.content_type, "application/json");
        assert!(found.create_time.is_some());
        assert_eq!(
            content_of(&found)["interactions"][0]["description"],
            format!("thing {version}"),
            "{label}"
        );
        let index: usize = version.parse::<usize>().unwrap() - 1;
        assert_eq!(found.content_sha, shas[index], "{label}");
    }
}

#[tokio::test]
async fn names_with_slashes_are_escaped_in_hrefs_and_accepted_as_one_segment() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let content = pact(
        "team/foo",
        "team/bar",
        vec![interaction("a thing", "/things/1")],
    );
    let request = json!({
        "pacticipantName": "team/foo",
        "pacticipantVersionNumber": "1.0/rc1",
        "branch": "feat/x",
        "tags": ["release/1"],
        "contracts": [contract("team/foo", "team/bar", &content)],
    });
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 200, "{body}");
    let expected =
        format!("{BASE}/pacts/provider/team%2Fbar/consumer/team%2Ffoo/version/1.0%2Frc1");
    assert_eq!(body["_links"]["pb:contracts"][0]["href"], expected);
    assert_eq!(
        body["_links"]["pb:pacticipant-version-tags"][0]["href"],
        format!("{BASE}/pacticipants/team%2Ffoo/versions/1.0%2Frc1/tags/release%2F1")
    );

    let pair = "/pacts/provider/team%2Fbar/consumer/team%2Ffoo";
    for path in [
        format!("{pair}/version/1.0%2Frc1"),
        format!("{pair}/latest"),
        format!("{pair}/latest/release%2F1"),
        format!("{pair}/branch/feat%2Fx/latest"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(link(&body, "self"), expected, "{path}");
        assert_eq!(
            link(&body, "pb:consumer"),
            format!("{BASE}/pacticipants/team%2Ffoo")
        );
    }
    let (status, body) = app.get(&format!("{pair}/versions")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pb:pacts"][0]["href"], expected);

    let found = grpc_get(
        &app,
        "team/foo",
        "team/bar",
        Some(pb::get_pact_request::Selector::Branch("feat/x".into())),
    )
    .await
    .expect("found over gRPC");
    assert_eq!(found.consumer_version, "1.0/rc1");
}

#[tokio::test]
async fn names_shaped_like_template_variables_are_escaped_in_pact_hrefs() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some(BASE.into()),
        ..BrokerSettings::default()
    })
    .await;
    let content = pact(
        "{tag}",
        "{provider}",
        vec![interaction("a thing", "/things/1")],
    );
    let request = json!({
        "pacticipantName": "{tag}",
        "pacticipantVersionNumber": "{version}",
        "contracts": [contract("{tag}", "{provider}", &content)],
    });
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 200, "{body}");
    let pair = "/pacts/provider/%7Bprovider%7D/consumer/%7Btag%7D";
    let expected = format!("{BASE}{pair}/version/%7Bversion%7D");
    assert_eq!(body["_links"]["pb:contracts"][0]["href"], expected);

    let (status, body) = app.get(&format!("{pair}/latest")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(link(&body, "self"), expected);
    assert_eq!(
        link(&body, "pb:latest-pact-version"),
        format!("{BASE}{pair}/latest")
    );
    assert_eq!(
        link(&body, "pb:latest-tagged-pact-version"),
        format!("{BASE}{pair}/latest/{{tag}}")
    );
    assert_eq!(
        body["_links"]["pb:latest-tagged-pact-version"]["templated"],
        true
    );
    let (status, body) = app.get("/pacts/provider/%7Bprovider%7D/latest").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_links"]["pb:pacts"][0]["href"], expected);
}

#[tokio::test]
async fn missing_pacts_and_pacticipants_are_not_found() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    app.publish(pact(
        "Foo",
        "Bar",
        vec![interaction("a thing", "/things/1")],
    ))
    .version("1")
    .await;
    let (status, body) = app.put("/pacticipants/Lonely", &json!({})).await;
    assert_eq!(status, 201, "{body}");

    for path in [
        "/pacts/provider/Bar/consumer/Nope/latest",
        "/pacts/provider/Nope/consumer/Foo/latest",
        "/pacts/provider/Bar/consumer/Foo/version/2",
        "/pacts/provider/Bar/consumer/Foo/latest/no-such-tag",
        "/pacts/provider/Bar/consumer/Foo/branch/no-such-branch/latest",
        "/pacts/provider/Bar/consumer/Foo/pact-version/0000000000000000000000000000000000000000",
        "/pacts/provider/Bar/consumer/Foo/pact-version/0000000000000000000000000000000000000000/metadata/e30",
        "/pacts/provider/Lonely/consumer/Foo/latest",
        "/pacts/provider/Nope/latest",
        "/pacts/provider/Bar/consumer/Nope/versions",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
    // A pact that does not exist, whatever is missing, is Webmachine's
    // 404, as in the Pact Broker; collections of a pacticipant name it.
    for path in [
        "/pacts/provider/Bar/consumer/Nope/latest",
        "/pacts/provider/Bar/consumer/Foo/version/2",
    ] {
        app.assert_no_document(reqwest::Method::GET, path).await;
    }
    let (_, body) = app.get("/pacts/provider/Bar/consumer/Nope/versions").await;
    assert_eq!(body["error"], "No pacticipant with name 'Nope' found");

    let cases = [
        ("Nope", "Bar", None),
        ("Foo", "Nope", None),
        ("Foo", "Lonely", None),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("2".into()))),
        ("Foo", "Bar", Some(Selector::Tag("no-such-tag".into()))),
        (
            "Foo",
            "Bar",
            Some(Selector::Branch("no-such-branch".into())),
        ),
        ("Foo", "Bar", Some(Selector::ContentSha("0".repeat(40)))),
    ];
    for (consumer, provider, selector) in cases {
        let label = format!("{consumer} {provider} {selector:?}");
        let err = grpc_get(&app, consumer, provider, selector)
            .await
            .expect_err(&label);
        assert_eq!(err.code(), Code::NotFound, "{label}: {err:?}");
    }
    let err = app
        .pacts()
        .await
        .list_pact_versions(pb::ListPactVersionsRequest {
            consumer: "Nope".into(),
            provider: "Bar".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown consumer");
    assert_eq!(err.code(), Code::NotFound);
}
