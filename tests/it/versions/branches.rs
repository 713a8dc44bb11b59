//! Branch membership, branch heads that move forward and back, and
//! branches listed most recently updated first, over both transports.

use super::*;

#[tokio::test]
async fn rest_branch_version_put_creates_what_is_missing() {
    let app = TestApp::start().await;
    let reply = app.add_to_branch("Foo", "main", "1").await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(
            app.url("/pacticipants/Foo/branches/main/versions/1")
                .as_str()
        )
    );
    assert_eq!(
        reply.body["_links"]["pb:branch"]["href"],
        app.url("/pacticipants/Foo/branches/main")
    );
    assert_eq!(
        reply.body["_links"]["pb:version"]["href"],
        app.url("/pacticipants/Foo/versions/1")
    );
    for table in [
        "pacticipants",
        "versions",
        "branches",
        "branch_versions",
        "branch_heads",
    ] {
        assert_eq!(app.count(table).await, 1, "{table}");
    }

    let reply = app.add_to_branch("Foo", "main", "1").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    assert_eq!(app.count("branch_versions").await, 1);

    // No body at all, as the Pact Broker CLI sends it.
    let reply = app
        .call(
            Method::PUT,
            "/pacticipants/Foo/branches/main/versions/2",
            None,
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);

    let (status, body) = app.get("/pacticipants/Foo/branches/main/versions/1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "main");
    assert_eq!(body["latest"], false);
    let (_, body) = app.get("/pacticipants/Foo/branches/main/versions/2").await;
    assert_eq!(body["latest"], true);

    let (status, branch) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200, "{branch}");
    assert_eq!(branch["name"], "main");
    assert_eq!(branch["latestVersion"], "2");
    assert_eq!(
        branch["_links"]["pb:latest-version"]["href"],
        app.url("/pacticipants/Foo/branches/main/latest-version")
    );

    let (status, on_branch) = app.get("/pacticipants/Foo/branches/main/versions").await;
    assert_eq!(status, 200, "{on_branch}");
    assert_eq!(numbers(&on_branch["_embedded"]["versions"]), ["2", "1"]);

    app.version("Foo", "3").created().await;
    app.assert_no_document(Method::GET, "/pacticipants/Foo/branches/main/versions/3")
        .await;
    app.assert_no_document(Method::GET, "/pacticipants/Foo/branches/nope")
        .await;
    let (status, _) = app.get("/pacticipants/Foo/branches/nope/versions").await;
    assert_eq!(status, 404);
    let reply = app
        .delete("/pacticipants/Foo/branches/main/versions/3")
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn branch_heads_move_forward_on_add_and_back_on_removal_or_deletion() {
    let app = TestApp::start().await;
    // "0" is created first but joins the branch last.
    app.version("Foo", "0").created().await;
    for number in ["1", "2", "3"] {
        app.version("Foo", number).branch("main").created().await;
        assert_eq!(
            branch_head(&app, "Foo", "main").await.as_deref(),
            Some(number)
        );
    }
    // A version older than the head does not displace it.
    let reply = app.add_to_branch("Foo", "main", "0").await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["latest"], false);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("3"));
    // A new version through the branch-version resource moves it forward.
    let reply = app.add_to_branch("Foo", "main", "4").await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["latest"], true);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("4"));

    // Removing the head from the branch moves the head back; the version stays.
    let reply = app
        .delete("/pacticipants/Foo/branches/main/versions/4")
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("3"));
    let (status, v4) = app.get("/pacticipants/Foo/versions/4").await;
    assert_eq!(status, 200);
    assert_eq!(v4["_embedded"]["branchVersions"], json!([]));

    // Removing a version that is not the head leaves the head alone.
    let reply = app
        .delete("/pacticipants/Foo/branches/main/versions/1")
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("3"));

    // Deleting the head version moves the head back, by REST and by gRPC.
    let reply = app.delete("/pacticipants/Foo/versions/3").await;
    assert_eq!(reply.status, 204);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("2"));
    let (_, v2) = app.get("/pacticipants/Foo/versions/2").await;
    assert_eq!(v2["_embedded"]["branchVersions"][0]["latest"], true);
    let mut client = app.versions().await;
    client
        .delete_version(pb::DeleteVersionRequest {
            pacticipant: "Foo".into(),
            number: "2".into(),
        })
        .await
        .unwrap();
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("0"));

    // gRPC removal of the last member leaves a branch without a head.
    client
        .remove_branch_version(pb::RemoveBranchVersionRequest {
            pacticipant: "Foo".into(),
            branch: "main".into(),
            version: "0".into(),
        })
        .await
        .unwrap();
    assert_eq!(branch_head(&app, "Foo", "main").await, None);
    app.assert_no_document(
        Method::GET,
        "/pacticipants/Foo/branches/main/latest-version",
    )
    .await;
    let (status, branch) = app.get("/pacticipants/Foo/branches/main").await;
    assert_eq!(status, 200);
    assert_eq!(branch["latestVersion"], Value::Null);
    assert_eq!(app.count("branch_heads").await, 0);

    // And the branch comes back to life with a new member.
    let reply = app.add_to_branch("Foo", "main", "0").await;
    assert_eq!(reply.status, 201);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("0"));
}

#[tokio::test]
async fn heads_are_per_branch_and_per_pacticipant() {
    let app = TestApp::start().await;
    app.version("Foo", "1").branch("main").created().await;
    app.version("Bar", "1").branch("main").created().await;
    app.version("Foo", "2").branch("feat").created().await;
    let reply = app.add_to_branch("Bar", "main", "2").await;
    assert_eq!(reply.status, 201);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("1"));
    assert_eq!(branch_head(&app, "Foo", "feat").await.as_deref(), Some("2"));
    assert_eq!(branch_head(&app, "Bar", "main").await.as_deref(), Some("2"));

    // A version on two branches heads both; deleting it moves both back.
    let reply = app.add_to_branch("Foo", "main", "3").await;
    assert_eq!(reply.status, 201);
    let reply = app.add_to_branch("Foo", "feat", "3").await;
    assert_eq!(reply.status, 201);
    let (_, v3) = app.get("/pacticipants/Foo/versions/3").await;
    assert_eq!(names(&v3["_embedded"]["branchVersions"]), ["main", "feat"]);
    let reply = app.delete("/pacticipants/Foo/versions/3").await;
    assert_eq!(reply.status, 204);
    assert_eq!(branch_head(&app, "Foo", "main").await.as_deref(), Some("1"));
    assert_eq!(branch_head(&app, "Foo", "feat").await.as_deref(), Some("2"));
    assert_eq!(branch_head(&app, "Bar", "main").await.as_deref(), Some("2"));
}

#[tokio::test]
async fn grpc_branch_versions_are_added_removed_and_branches_deleted() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    let add = |version: &str| pb::AddBranchVersionRequest {
        pacticipant: "Foo".into(),
        branch: "main".into(),
        version: version.into(),
    };
    let response = client
        .add_branch_version(add("1"))
        .await
        .unwrap()
        .into_inner();
    assert!(response.created);
    let version = response.version.unwrap();
    assert_eq!(version.number, "1");
    assert_eq!(version.branches[0].branch, "main");
    assert!(version.branches[0].latest);
    assert!(
        !client
            .add_branch_version(add("1"))
            .await
            .unwrap()
            .into_inner()
            .created
    );
    assert!(
        client
            .add_branch_version(add("2"))
            .await
            .unwrap()
            .into_inner()
            .created
    );

    let branch = client
        .get_branch(pb::GetBranchRequest {
            pacticipant: "Foo".into(),
            branch: "main".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .branch
        .unwrap();
    assert_eq!(branch.pacticipant, "Foo");
    assert_eq!(branch.name, "main");
    assert_eq!(branch.latest_version, "2");
    assert!(branch.create_time.is_some() && branch.update_time.is_some());

    assert_code(
        client
            .remove_branch_version(pb::RemoveBranchVersionRequest {
                pacticipant: "Foo".into(),
                branch: "main".into(),
                version: "9".into(),
            })
            .await,
        Code::NotFound,
        "No version '9' of pacticipant 'Foo' found",
    );
    client
        .create_version(pb::CreateVersionRequest {
            pacticipant: "Foo".into(),
            number: "3".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_code(
        client
            .remove_branch_version(pb::RemoveBranchVersionRequest {
                pacticipant: "Foo".into(),
                branch: "main".into(),
                version: "3".into(),
            })
            .await,
        Code::NotFound,
        "Version '3' of pacticipant 'Foo' is not on branch 'main'",
    );
    assert_code(
        client
            .get_branch(pb::GetBranchRequest {
                pacticipant: "Foo".into(),
                branch: "nope".into(),
            })
            .await,
        Code::NotFound,
        "No branch 'nope' of pacticipant 'Foo' found",
    );

    client
        .delete_branch(pb::DeleteBranchRequest {
            pacticipant: "Foo".into(),
            branch: "main".into(),
        })
        .await
        .unwrap();
    assert_code(
        client
            .get_branch(pb::GetBranchRequest {
                pacticipant: "Foo".into(),
                branch: "main".into(),
            })
            .await,
        Code::NotFound,
        "No branch 'main' of pacticipant 'Foo' found",
    );
    assert_code(
        client
            .delete_branch(pb::DeleteBranchRequest {
                pacticipant: "Foo".into(),
                branch: "main".into(),
            })
            .await,
        Code::NotFound,
        "No branch 'main'",
    );
    // The versions stay.
    assert_eq!(app.count("versions").await, 3);
    assert_eq!(app.count("branches").await, 0);
    assert_eq!(app.count("branch_versions").await, 0);
    assert_eq!(app.count("branch_heads").await, 0);
    let (_, v2) = app.get("/pacticipants/Foo/versions/2").await;
    assert_eq!(v2["_embedded"]["branchVersions"], json!([]));

    // REST delete of a branch.
    let reply = app.add_to_branch("Foo", "feat", "1").await;
    assert_eq!(reply.status, 201);
    let reply = app.delete("/pacticipants/Foo/branches/feat").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let (status, _) = app.get("/pacticipants/Foo/branches/feat").await;
    assert_eq!(status, 404);
    assert_eq!(app.count("versions").await, 3);
}

#[tokio::test]
async fn branches_are_listed_most_recently_updated_first() {
    let app = TestApp::start().await;
    app.version("Foo", "1").branch("a").created().await;
    app.version("Foo", "2").branch("b").created().await;
    app.version("Foo", "3").branch("c").created().await;
    app.version("Foo", "4").branch("a").created().await;

    let (status, all) = app.get("/pacticipants/Foo/branches").await;
    assert_eq!(status, 200, "{all}");
    let branches = &all["_embedded"]["branches"];
    assert_eq!(names(branches), ["a", "c", "b"]);
    assert_eq!(branches[0]["latestVersion"], "4");
    assert_eq!(
        branches[0]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/branches/a")
    );
    assert_eq!(all["page"]["totalElements"], 3);
    assert_eq!(
        all["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/branches")
    );

    let (_, first) = app.get("/pacticipants/Foo/branches?size=2").await;
    assert_eq!(names(&first["_embedded"]["branches"]), ["a", "c"]);
    assert_eq!(
        first["page"],
        json!({ "number": 1, "size": 2, "totalElements": 3, "totalPages": 2 })
    );
    assert_eq!(
        first["_links"]["next"]["href"],
        app.url("/pacticipants/Foo/branches?page=2&size=2")
    );
    let (_, second) = app.get("/pacticipants/Foo/branches?page=2&size=2").await;
    assert_eq!(names(&second["_embedded"]["branches"]), ["b"]);

    let mut client = app.versions().await;
    let page = client
        .list_branches(pb::ListBranchesRequest {
            pacticipant: "Foo".into(),
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_size, 3);
    assert_eq!(
        page.branches
            .iter()
            .map(|b| (b.name.as_str(), b.latest_version.as_str()))
            .collect::<Vec<_>>(),
        [("a", "4"), ("c", "3")]
    );
    let page = client
        .list_branches(pb::ListBranchesRequest {
            pacticipant: "Foo".into(),
            page_size: 2,
            page_token: page.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        page.branches
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    assert_eq!(page.next_page_token, "");

    // Adding an existing member again is not an update.
    let reply = app.add_to_branch("Foo", "b", "2").await;
    assert_eq!(reply.status, 200);
    let (_, all) = app.get("/pacticipants/Foo/branches").await;
    assert_eq!(names(&all["_embedded"]["branches"]), ["a", "c", "b"]);
    // Adding a new member is.
    let reply = app.add_to_branch("Foo", "b", "3").await;
    assert_eq!(reply.status, 201);
    let (_, all) = app.get("/pacticipants/Foo/branches").await;
    assert_eq!(names(&all["_embedded"]["branches"]), ["b", "a", "c"]);
}
