//! Deployments and releases recorded over REST through a version's links:
//! instances, undeploying and ending support as merge patches, and what is
//! not found.

use super::*;

#[tokio::test]
async fn a_deployment_ends_the_previous_one_of_the_same_application_instance() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    for number in ["1", "2", "3", "4"] {
        app.version("Foo", number).await;
    }
    app.version("Bar", "1").await;

    // The CLIs send both names; either alone works too.
    let first = deploy(
        &app,
        "Foo",
        "1",
        json!({"applicationInstance": null, "target": null}),
    )
    .await;
    assert_eq!(first["currentlyDeployed"], true);
    assert!(first.get("applicationInstance").is_none(), "{first}");
    assert_eq!(first["_embedded"]["environment"]["name"], "test");
    assert_eq!(first["_embedded"]["pacticipant"]["name"], "Foo");
    assert_eq!(first["_embedded"]["version"]["number"], "1");
    let second = deploy(&app, "Foo", "2", json!({})).await;
    let blue = deploy(&app, "Foo", "3", json!({"target": "blue"})).await;
    assert_eq!(blue["applicationInstance"], "blue");
    assert_eq!(blue["target"], "blue");
    deploy(&app, "Bar", "1", json!({"applicationInstance": "blue"})).await;

    let first_path = path_of(first["_links"]["self"]["href"].as_str().unwrap());
    let (_, first_now) = app.get(&first_path).await;
    assert_eq!(first_now["currentlyDeployed"], false, "{first_now}");
    assert!(first_now["undeployedAt"].is_string(), "{first_now}");

    // Recording the current deployment again changes nothing.
    let again = deploy(&app, "Foo", "2", json!({})).await;
    assert_eq!(again["uuid"], second["uuid"]);

    let listing = |query: &str| {
        format!("/environments/{env_uuid}/deployed-versions/currently-deployed{query}")
    };
    for (query, expected) in [
        ("", vec!["1", "3", "2"]),
        ("?pacticipant=Foo", vec!["3", "2"]),
        ("?pacticipant=Foo&applicationInstance=blue", vec!["3"]),
        ("?pacticipant=Foo&target=blue", vec!["3"]),
        ("?pacticipant=Foo&applicationInstance=", vec!["2"]),
        ("?applicationInstance=blue", vec!["1", "3"]),
        ("?pacticipant=Nobody", vec![]),
    ] {
        let (status, list) = app.get(&listing(query)).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            numbers(&list, "deployedVersions"),
            expected,
            "{query}: {list}"
        );
    }
    let (_, list) = app.get(&listing("?pacticipant=Foo")).await;
    assert_eq!(
        list["_links"]["self"]["href"],
        json!(app.url(&listing("?pacticipant=Foo")))
    );

    // Every deployment of a version to the environment, current or not.
    let href = version_link(&app, "Foo", "1", "pb:record-deployment", "test").await;
    let (status, of_version) = app.get(&href).await;
    assert_eq!(status, 200, "{of_version}");
    assert_eq!(
        of_version["_embedded"]["deployedVersions"][0]["currentlyDeployed"],
        false
    );

    let (_, version) = app.get("/pacticipants/Foo/versions/3").await;
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["application_instance"],
        "blue"
    );
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["name"],
        "Test"
    );
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["currently_deployed"],
        true
    );

    // Listings of versions link each to its deployments, current or not;
    // the pacticipant to the current ones.
    let (_, versions) = app.get("/pacticipants/Foo/versions").await;
    let deployed_in_listing: Vec<(Value, Value)> = versions["_embedded"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let links = &v["_links"]["pb:deployed-environments"];
            (v["number"].clone(), json!(links.as_array().unwrap().len()))
        })
        .collect();
    assert_eq!(
        deployed_in_listing,
        [
            (json!("4"), json!(0)),
            (json!("3"), json!(1)),
            (json!("2"), json!(1)),
            (json!("1"), json!(1)),
        ]
    );
    let (_, foo) = app.get("/pacticipants/Foo").await;
    let current: Vec<&Value> = foo["_links"]["pb:deployed-environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["currently_deployed"])
        .collect();
    assert_eq!(current, [&json!(true), &json!(true)], "{foo}");
}

#[tokio::test]
async fn undeploying_is_a_merge_patch_that_cannot_be_undone() {
    let app = TestApp::start().await;
    create_environment(&app, json!({"name": "test", "production": false})).await;
    app.version("Foo", "1").await;
    let deployed = deploy(&app, "Foo", "1", json!({})).await;
    let path = path_of(deployed["_links"]["self"]["href"].as_str().unwrap());

    let reply = app
        .call(
            Method::PATCH,
            &path,
            Some("application/json"),
            None,
            r#"{"currentlyDeployed": false}"#,
        )
        .await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": "no"}))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["errors"]["currentlyDeployed"].is_array(), "{reply}");
    let (_, now) = app.get(&path).await;
    assert_eq!(now["currentlyDeployed"], true);

    let Reply {
        status,
        body: undeployed,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": false}))
        .await;
    assert_eq!(status, 200, "{undeployed}");
    assert_eq!(undeployed["currentlyDeployed"], false);
    let undeployed_at = undeployed["undeployedAt"].clone();
    assert!(undeployed_at.is_string());

    // The Pact Broker answers 422 with this text.
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": true}))
        .await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(
        reply["errors"]["currentlyDeployed"],
        json!([
            "The currentlyDeployed property cannot be set back to true. Please record a new deployment."
        ])
    );
    let Reply {
        status,
        body: again,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": false}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["undeployedAt"], undeployed_at);

    let Reply { status, .. } = app
        .merge_patch(
            "/deployed-versions/nope",
            &json!({"currentlyDeployed": false}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn releases_add_up_and_support_can_end_and_start_again() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    for number in ["1", "2"] {
        app.version("Foo", number).await;
    }
    let release = |number: &'static str| {
        let app = &app;
        async move {
            let href = version_link(app, "Foo", number, "pb:record-release", "test").await;
            app.call(Method::POST, &href, Some("application/json"), None, "{}")
                .await
        }
    };
    let first = release("1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.location(),
        first.body["_links"]["self"]["href"].as_str()
    );
    assert_eq!(first.body["currentlySupported"], true);
    assert_eq!(first.body["_embedded"]["environment"]["name"], "test");
    assert_eq!(release("2").await.status, 201);
    let again = release("1").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["uuid"], first.body["uuid"]);

    let listing = |query: &str| {
        format!("/environments/{env_uuid}/released-versions/currently-supported{query}")
    };
    let (_, list) = app.get(&listing("")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2", "1"]);
    let (_, list) = app.get(&listing("?pacticipant=Foo&version=1")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["1"]);

    let path = path_of(first.body["_links"]["self"]["href"].as_str().unwrap());
    let Reply {
        status,
        body: ended,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlySupported": false}))
        .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["currentlySupported"], false);
    assert!(ended["supportEndedAt"].is_string());
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlySupported": true}))
        .await;
    assert_eq!(status, 422, "{reply}");
    let (_, list) = app.get(&listing("?pacticipant=Foo")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2"]);

    // Releasing again makes it supported again.
    assert_eq!(release("1").await.status, 200);
    let (_, list) = app.get(&listing("?pacticipant=Foo&version=1")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["1"]);
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(
        version["_links"]["pb:released-environments"][0]["currently_supported"],
        true
    );
}

#[tokio::test]
async fn unknown_versions_environments_and_uuids_are_not_found() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    app.version("Foo", "1").await;
    for path in [
        format!("/pacticipants/Foo/versions/2/deployed-versions/environment/{env_uuid}"),
        format!("/pacticipants/Nobody/versions/1/deployed-versions/environment/{env_uuid}"),
        "/pacticipants/Foo/versions/1/deployed-versions/environment/nope".to_owned(),
        format!("/pacticipants/Foo/versions/2/released-versions/environment/{env_uuid}"),
        "/pacticipants/Foo/versions/1/released-versions/environment/nope".to_owned(),
    ] {
        // Webmachine's 404, as the Pact Broker answers these.
        app.assert_no_document(Method::POST, &path).await;
        app.assert_no_document(Method::GET, &path).await;
    }
    for path in [
        "/deployed-versions/nope",
        "/released-versions/nope",
        "/environments/nope",
        "/environments/nope/deployed-versions/currently-deployed",
        "/environments/nope/released-versions/currently-supported",
    ] {
        app.assert_no_document(Method::GET, path).await;
    }
    for method in [Method::PUT, Method::DELETE] {
        app.assert_no_document(method, "/environments/nope").await;
    }
    // As is a path no resource has.
    app.assert_no_document(Method::GET, "/no/such/resource")
        .await;
    let (status, reply) = app
        .post(
            &format!("/pacticipants/Foo/versions/1/deployed-versions/environment/{env_uuid}"),
            &json!({"applicationInstance": 3}),
        )
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["errors"]["applicationInstance"].is_array(), "{reply}");
    assert_eq!(app.count("deployed_versions").await, 0);
    assert_eq!(app.count("released_versions").await, 0);
}
