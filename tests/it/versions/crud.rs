//! A version put, read, merge-patched and deleted over REST, and created,
//! read, listed and deleted over gRPC.

use super::*;

fn grpc_numbers(versions: &[pb::Version]) -> Vec<&str> {
    versions.iter().map(|v| v.number.as_str()).collect()
}

#[tokio::test]
async fn rest_put_creates_a_version_and_its_pacticipant_then_answers_200() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0",
            &json!({
                "buildUrl": "https://ci.example/builds/1",
                "branch": "main",
                "tags": [{ "name": "dev" }, { "name": "prod" }],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo/versions/1.0.0").as_str())
    );
    let body = &reply.body;
    assert_eq!(body["number"], "1.0.0");
    assert_eq!(body["buildUrl"], "https://ci.example/builds/1");
    assert_eq!(names(&body["_embedded"]["branchVersions"]), ["main"]);
    assert_eq!(body["_embedded"]["branchVersions"][0]["latest"], true);
    assert_eq!(names(&body["_embedded"]["tags"]), ["dev", "prod"]);
    assert_eq!(
        body["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions/1.0.0")
    );
    assert_eq!(
        body["_links"]["pb:pacticipant"]["href"],
        app.url("/pacticipants/Foo")
    );
    let (status, _) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "the pacticipant was created on the way");

    let (status, fetched) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200);
    assert_eq!(&fetched, body);

    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0",
            &json!({ "buildUrl": "https://ci.example/builds/2" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    assert_eq!(reply.body["buildUrl"], "https://ci.example/builds/2");
    assert_eq!(reply.body["createdAt"], body["createdAt"]);
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["dev", "prod"]);
    assert_eq!(names(&reply.body["_embedded"]["branchVersions"]), ["main"]);

    // PUT overwrites: a build URL left out is cleared.
    let reply = app
        .json(Method::PUT, "/pacticipants/Foo/versions/1.0.0", &json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["buildUrl"], Value::Null);
    let (_, fetched) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(fetched["buildUrl"], Value::Null);

    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.count("tags").await, 2);
    assert_eq!(app.count("branch_versions").await, 1);
}

#[tokio::test]
async fn rest_merge_patch_changes_only_what_is_given() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            &json!({ "buildUrl": "https://ci.example/1", "tags": [{ "name": "dev" }] }),
        )
        .await;
    assert_eq!(reply.status, 201);

    let reply = app
        .merge_patch("/pacticipants/Foo/versions/1", &json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["buildUrl"], "https://ci.example/1");
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["dev"]);

    let reply = app
        .merge_patch(
            "/pacticipants/Foo/versions/1",
            &json!({ "buildUrl": "https://ci.example/1b", "branch": "main" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    let (_, fetched) = app.get("/pacticipants/Foo/versions/1").await;
    for body in [&reply.body, &fetched] {
        assert_eq!(body["buildUrl"], "https://ci.example/1b", "{body}");
        assert_eq!(names(&body["_embedded"]["tags"]), ["dev"], "{body}");
        assert_eq!(
            names(&body["_embedded"]["branchVersions"]),
            ["main"],
            "{body}"
        );
    }

    // PATCH of a new version creates it, as the Pact Broker does.
    let reply = app
        .merge_patch(
            "/pacticipants/Foo/versions/2",
            &json!({ "buildUrl": "https://ci.example/2" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo/versions/2").as_str())
    );
    assert_eq!(app.count("versions").await, 2);
}

#[tokio::test]
async fn rest_delete_removes_a_version_with_its_tags_and_memberships() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            &json!({ "branch": "main", "tags": [{ "name": "prod" }] }),
        )
        .await;
    assert_eq!(reply.status, 201);
    app.version("Foo", "2").created().await;

    let reply = app.delete("/pacticipants/Foo/versions/1").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(reply.body, Value::Null);
    app.assert_no_document(Method::GET, "/pacticipants/Foo/versions/1")
        .await;
    let reply = app.delete("/pacticipants/Foo/versions/1").await;
    assert_eq!(reply.status, 404);

    let (status, _) = app.get("/pacticipants/Foo/versions/2").await;
    assert_eq!(status, 200);
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.count("tags").await, 0);
    assert_eq!(app.count("branch_versions").await, 0);
    assert_eq!(app.count("branch_heads").await, 0);
    // The branch itself stays, without a head.
    assert_eq!(app.count("branches").await, 1);
}

#[tokio::test]
async fn grpc_versions_are_created_read_listed_and_deleted() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    let response = client
        .create_version(pb::CreateVersionRequest {
            pacticipant: "Foo".into(),
            number: "1.0.0".into(),
            build_url: "https://ci.example/1".into(),
            branch: "main".into(),
            tags: vec!["dev".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(response.created);
    let version = response.version.unwrap();
    assert_eq!(version.pacticipant, "Foo");
    assert_eq!(version.number, "1.0.0");
    assert_eq!(version.build_url, "https://ci.example/1");
    assert_eq!(version.branches.len(), 1);
    assert_eq!(version.branches[0].branch, "main");
    assert!(version.branches[0].latest);
    assert!(!version.branches[0].auto_created);
    assert_eq!(version.tags.len(), 1);
    assert_eq!(version.tags[0].name, "dev");
    assert!(version.tags[0].latest);
    assert!(version.create_time.is_some());

    // Again: not created; an empty build URL keeps the stored one, tags add.
    let response = client
        .create_version(pb::CreateVersionRequest {
            pacticipant: "Foo".into(),
            number: "1.0.0".into(),
            tags: vec!["prod".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!response.created);
    let version = response.version.unwrap();
    assert_eq!(version.build_url, "https://ci.example/1");
    assert_eq!(
        version
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["dev", "prod"]
    );

    let fetched = client
        .get_version(pb::GetVersionRequest {
            pacticipant: "Foo".into(),
            number: "1.0.0".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .version
        .unwrap();
    assert_eq!(fetched, version);

    // The same version over REST.
    let (status, body) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200);
    assert_eq!(body["buildUrl"], "https://ci.example/1");

    for number in ["1.1.0", "1.2.0", "2.0.0"] {
        let created = client
            .create_version(pb::CreateVersionRequest {
                pacticipant: "Foo".into(),
                number: number.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .created;
        assert!(created, "{number}");
    }

    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_versions(pb::ListVersionsRequest {
                pacticipant: "Foo".into(),
                page_size: 3,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, 4);
        pages.push(
            grpc_numbers(&page.versions)
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(
        pages,
        [vec!["2.0.0", "1.2.0", "1.1.0"], vec!["1.0.0"]],
        "newest first"
    );

    // Filters.
    let on_main = client
        .list_versions(pb::ListVersionsRequest {
            pacticipant: "Foo".into(),
            branch: "main".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grpc_numbers(&on_main.versions), ["1.0.0"]);
    assert_eq!(on_main.total_size, 1);
    let prod = client
        .list_versions(pb::ListVersionsRequest {
            pacticipant: "Foo".into(),
            tag: "prod".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grpc_numbers(&prod.versions), ["1.0.0"]);

    for (page_size, page_token, field) in [(-1, "", "page_size"), (1, "bogus", "page_token")] {
        assert_code(
            client
                .list_versions(pb::ListVersionsRequest {
                    pacticipant: "Foo".into(),
                    page_size,
                    page_token: page_token.into(),
                    ..Default::default()
                })
                .await,
            Code::InvalidArgument,
            field,
        );
    }

    client
        .delete_version(pb::DeleteVersionRequest {
            pacticipant: "Foo".into(),
            number: "1.0.0".into(),
        })
        .await
        .unwrap();
    assert_code(
        client
            .get_version(pb::GetVersionRequest {
                pacticipant: "Foo".into(),
                number: "1.0.0".into(),
            })
            .await,
        Code::NotFound,
        "No version '1.0.0' of pacticipant 'Foo' found",
    );
    assert_code(
        client
            .delete_version(pb::DeleteVersionRequest {
                pacticipant: "Foo".into(),
                number: "1.0.0".into(),
            })
            .await,
        Code::NotFound,
        "No version '1.0.0' of pacticipant 'Foo' found",
    );
    assert_eq!(app.count("versions").await, 3);
    assert_eq!(app.count("tags").await, 0);
}
