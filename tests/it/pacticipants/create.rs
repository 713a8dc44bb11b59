//! Pacticipants created with `POST /pacticipants` and `CreatePacticipant`:
//! display names, repository URLs and taken names.

use super::*;

#[tokio::test]
async fn rest_post_creates_a_pacticipant_with_201_and_location() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::POST,
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
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo").as_str())
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/hal+json;charset=utf-8")
    );
    let body = &reply.body;
    assert_eq!(body["name"], "Foo");
    assert_eq!(body["displayName"], "The Foo");
    assert_eq!(body["mainBranch"], "main");
    assert_eq!(body["repositoryUrl"], "https://github.com/example/foo");
    assert_eq!(body["repositoryName"], "foo");
    assert_eq!(body["repositoryNamespace"], "example");
    assert_eq!(body["_links"]["self"]["href"], app.url("/pacticipants/Foo"));
    assert_eq!(body["_embedded"]["labels"], json!([]));
    assert!(body["_embedded"].get("latestVersion").is_none(), "{body}");

    let (status, fetched) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    for field in [
        "name",
        "displayName",
        "mainBranch",
        "repositoryUrl",
        "repositoryName",
        "repositoryNamespace",
        "createdAt",
    ] {
        assert_eq!(fetched[field], body[field], "{field}");
    }
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn a_pacticipant_without_a_display_name_has_one_derived_from_its_name() {
    // The Pact Broker generates one whenever it is blank
    // (domain/pacticipant.rb#before_save), however the pacticipant came to be.
    let app = TestApp::start().await;
    app.pacticipant("pricing-service").await;
    let (status, _) = app
        .put("/pacticipants/fooBar/versions/1/tags/prod", &json!({}))
        .await;
    assert_eq!(status, 201);
    let (_, body) = app.get("/pacticipants/pricing-service").await;
    assert_eq!(body["displayName"], "Pricing Service", "{body}");
    let (_, body) = app.get("/pacticipants/fooBar").await;
    assert_eq!(body["displayName"], "Foo Bar", "{body}");
    let (_, listed) = app.get("/pacticipants").await;
    let titles: Vec<&Value> = listed["_links"]["pb:pacticipants"]
        .as_array()
        .expect("pacticipant links")
        .iter()
        .map(|link| &link["title"])
        .collect();
    assert_eq!(titles, [&json!("Foo Bar"), &json!("Pricing Service")]);
    assert_eq!(
        grpc_get(&app, "fooBar").await.unwrap().display_name,
        "Foo Bar"
    );
}

#[tokio::test]
async fn a_repository_url_is_any_text_such_as_a_git_address() {
    // The Pact Broker checks only that it is one line; the Ruby client's
    // own pact registers an scp-style git address.
    let app = TestApp::start().await;
    let git = "git@git.realestate.com.au:business-systems/pricing-service";
    let (status, body) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Pricing Service", "repositoryUrl": git }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["repositoryUrl"], git);
    let created = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Condor".into(),
            repository_url: "ssh://git.example/condor".into(),
            ..Default::default()
        },
    )
    .await
    .expect("created over gRPC");
    assert_eq!(created.repository_url, "ssh://git.example/condor");
}

#[tokio::test]
async fn rest_post_of_a_taken_name_is_409_and_changes_nothing() {
    let app = TestApp::start().await;
    let (status, _) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Foo", "displayName": "First" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Foo", "displayName": "Second" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"],
        "A pacticipant with name 'Foo' already exists"
    );
    let (_, fetched) = app.get("/pacticipants/Foo").await;
    assert_eq!(fetched["displayName"], "First");
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn grpc_create_and_get_and_a_taken_name_is_already_exists() {
    let app = TestApp::start().await;
    let created = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "The Foo".into(),
            main_branch: "main".into(),
            repository_url: "https://github.com/example/foo".into(),
            repository_name: "foo".into(),
            repository_namespace: "example".into(),
            ..Default::default()
        },
    )
    .await
    .expect("created");
    assert_eq!(created.name, "Foo");
    assert_eq!(created.display_name, "The Foo");
    assert_eq!(created.main_branch, "main");
    assert_eq!(created.repository_url, "https://github.com/example/foo");
    assert_eq!(created.repository_name, "foo");
    assert_eq!(created.repository_namespace, "example");
    assert!(created.labels.is_empty());
    assert!(created.latest_version.is_none());
    assert!(created.create_time.is_some() && created.update_time.is_some());

    let fetched = grpc_get(&app, "Foo").await.expect("found");
    assert_eq!(fetched, created);

    let err = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "Another".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("taken");
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert_eq!(
        err.message(),
        "A pacticipant with name 'Foo' already exists"
    );
    assert_eq!(grpc_get(&app, "Foo").await.unwrap().display_name, "The Foo");

    let err = app
        .pacticipants()
        .await
        .create_pacticipant(pb::CreatePacticipantRequest { pacticipant: None })
        .await
        .expect_err("no pacticipant");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(app.count("pacticipants").await, 1);

    // Both transports see the same pacticipant.
    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    assert_eq!(body["displayName"], "The Foo");
}
