//! A pacticipant read: unknown names, its latest version, its links and its
//! shape as the Pact Broker's (an insta snapshot).

use super::*;

#[tokio::test]
async fn unknown_pacticipants_are_404_and_not_found_with_a_message() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    let message = "No pacticipant with name 'Nope' found";

    let (status, body) = app.get("/pacticipants/Nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], message);
    // Names are case-sensitive.
    let (status, _) = app.get("/pacticipants/foo").await;
    assert_eq!(status, 404);

    let reply = app.delete("/pacticipants/Nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["error"], message);

    assert_not_found(grpc_get(&app, "Nope").await, message);
    assert_not_found(
        app.pacticipants()
            .await
            .delete_pacticipant(pb::DeletePacticipantRequest {
                name: "Nope".into(),
            })
            .await,
        message,
    );
    assert_not_found(
        grpc_update(&app, pacticipant("Nope"), &["display_name"], false).await,
        message,
    );
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn a_pacticipant_embeds_its_latest_version_on_both_transports() {
    let app = TestApp::start().await;
    for number in ["1.0.0", "1.1.0"] {
        let (status, _) = app
            .put(&format!("/pacticipants/Foo/versions/{number}"), &json!({}))
            .await;
        assert_eq!(status, 201);
    }
    let (_, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(body["_embedded"]["latestVersion"]["number"], "1.1.0");
    assert_eq!(body["_embedded"]["latest-version"]["number"], "1.1.0");
    assert_eq!(
        body["_embedded"]["latestVersion"]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions/1.1.0")
    );
    let p = grpc_get(&app, "Foo").await.unwrap();
    assert_eq!(p.latest_version.unwrap().number, "1.1.0");

    let (_, list) = app.get("/pacticipants").await;
    assert_eq!(
        list["_embedded"]["pacticipants"][0]["_embedded"]["latestVersion"]["number"],
        "1.1.0"
    );
}

/// The links the Rust verifier's contract with a Pact Broker expects of a
/// pacticipant, with the Pact Broker's titles: named after the pacticipant,
/// the can-i-deploy badges, and curies in the pacticipant context.
#[tokio::test]
async fn pacticipant_links_carry_the_pact_broker_titles_badges_and_curies() {
    let app = TestApp::start().await;
    app.pacticipant("Pact Broker").await;
    let (status, body) = app.get("/pacticipants/Pact%20Broker").await;
    assert_eq!(status, 200, "{body}");
    let links = &body["_links"];
    let p = app.url("/pacticipants/Pact%20Broker");
    let expected = [
        (
            "pb:version-tag",
            format!("{p}/versions/{{version}}/tags/{{tag}}"),
            "Get, create or delete a tag for a version of Pact Broker",
        ),
        (
            "pb:branch-version",
            format!("{p}/branches/{{branch}}/versions/{{version}}"),
            "Get or add/create a version for a branch of Pact Broker",
        ),
        (
            "pb:label",
            format!("{p}/labels/{{label}}"),
            "Get, create or delete a label for Pact Broker",
        ),
        (
            "pb:can-i-deploy-badge",
            format!("{p}/latest-version/{{tag}}/can-i-deploy/to/{{environmentTag}}/badge"),
            "Can I Deploy Pact Broker badge",
        ),
        (
            "pb:can-i-deploy-branch-to-environment-badge",
            format!(
                "{p}/branches/{{branch}}/latest-version/can-i-deploy/to-environment/{{environment}}/badge"
            ),
            "Can I Deploy Pact Broker from branch to environment badge",
        ),
    ];
    for (relation, href, title) in expected {
        assert_eq!(
            links[relation],
            json!({"href": href, "title": title, "templated": true}),
            "{relation}"
        );
    }
    assert_eq!(links["versions"]["title"], "Deprecated - use pb:versions");
    assert_eq!(
        links["curies"],
        json!([{"name": "pb", "href": app.url("/doc/{rel}?context=pacticipant"), "templated": true}])
    );
}

#[tokio::test]
async fn pacticipant_resource_matches_the_pact_broker_shape() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..Default::default()
    })
    .await;
    let (status, _) = app
        .post(
            "/pacticipants",
            &json!({
                "name": "Foo",
                "displayName": "The Foo",
                "mainBranch": "main",
                "repositoryUrl": "https://github.com/example/foo",
                "repositoryName": "foo",
                "repositoryNamespace": "example",
            }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .put(
            "/pacticipants/Foo/versions/1.0.0",
            &json!({ "buildUrl": "https://ci.example/1", "branch": "main", "tags": [{ "name": "prod" }] }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app.put("/pacticipants/Foo/labels/team-a", &json!({})).await;
    assert_eq!(status, 201);

    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("pacticipant_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}
