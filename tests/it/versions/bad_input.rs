//! Bad version input that writes nothing, unknown pacticipants, and
//! control characters, over both transports.

use super::*;

async fn assert_nothing_written(app: &TestApp, what: &str) {
    for table in [
        "pacticipants",
        "versions",
        "tags",
        "branches",
        "branch_versions",
        "branch_heads",
    ] {
        assert_eq!(app.count(table).await, 0, "{what}: {table}");
    }
}

#[tokio::test]
async fn rest_bad_version_input_is_400_and_writes_nothing() {
    let long = "1".repeat(256);
    let long_path = format!("/pacticipants/Foo/versions/{long}");
    let cases: Vec<(Method, &str, String, &str)> = vec![
        (
            Method::PUT,
            "/pacticipants/Foo/versions/%20",
            "{}".into(),
            "number",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/a%0Ab",
            "{}".into(),
            "number",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/a%0D",
            "{}".into(),
            "number",
        ),
        (Method::PUT, &long_path, "{}".into(), "number"),
        (
            Method::PUT,
            "/pacticipants/%20/versions/1",
            "{}".into(),
            "pacticipant",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": "not a url" }).to_string(),
            "buildUrl",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": "ftp://ci.example/1" }).to_string(),
            "buildUrl",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": "/builds/1" }).to_string(),
            "buildUrl",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "branch": "" }).to_string(),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "branch": "main " }).to_string(),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "branch": "a\nb" }).to_string(),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "tags": [{ "name": "ok" }, { "name": " " }] }).to_string(),
            "tags[1]",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "tags": ["prod"] }).to_string(),
            "body",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": 7 }).to_string(),
            "body",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            r#"{"buildUrl": "#.into(),
            "body",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": "nope" }).to_string(),
            "buildUrl",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo/versions/a%0Ab",
            "{}".into(),
            "number",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1/tags/%20",
            "{}".into(),
            "tag",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1/tags/a%0Ab",
            "{}".into(),
            "tag",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/%20/tags/prod",
            "{}".into(),
            "version",
        ),
        (
            Method::PUT,
            "/pacticipants/a%0Ab/versions/1/tags/prod",
            "{}".into(),
            "pacticipant",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/%20/versions/1",
            "{}".into(),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/%20main/versions/1",
            "{}".into(),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/main/versions/a%0Ab",
            "{}".into(),
            "version",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/main/versions/%20",
            "{}".into(),
            "version",
        ),
    ];
    let app = TestApp::start().await;
    for (method, path, body, field) in cases {
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let what = format!("{method} {path} {body}");
        let reply = app
            .call(method, path, Some(content_type), None, &body)
            .await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        let messages = reply.body["errors"][field]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no {field} in {}", reply.body));
        assert!(!messages.is_empty(), "{what}");
        assert!(
            messages
                .iter()
                .all(|m| m.as_str().is_some_and(|m| m.starts_with(field))),
            "{what}: {}",
            reply.body
        );
        assert_nothing_written(&app, &what).await;
    }
}

#[tokio::test]
async fn rest_bad_input_for_an_existing_version_changes_nothing() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            &json!({ "buildUrl": "https://ci.example/1", "tags": [{ "name": "dev" }] }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let reply = app.json(Method::PUT,
        "/pacticipants/Foo/versions/1",
        &json!({ "buildUrl": "https://ci.example/2", "branch": "main", "tags": [{ "name": "prod" }, { "name": "" }] }),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({ "errors": { "tags[1]": ["tags[1] cannot be blank"] } })
    );
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(version["buildUrl"], "https://ci.example/1");
    assert_eq!(names(&version["_embedded"]["tags"]), ["dev"]);
    assert_eq!(version["_embedded"]["branchVersions"], json!([]));
    assert_eq!(app.count("branches").await, 0);
    assert_eq!(app.count("tags").await, 1);
}

#[tokio::test]
async fn rest_non_json_version_bodies_are_415() {
    let app = TestApp::start().await;
    for (method, content_type) in [
        (Method::PUT, "text/plain"),
        (Method::PATCH, "application/xml"),
    ] {
        let reply = app
            .call(
                method.clone(),
                "/pacticipants/Foo/versions/1",
                Some(content_type),
                None,
                "{}",
            )
            .await;
        assert_eq!(reply.status, 415, "{method} {content_type}: {}", reply.body);
    }
    assert_nothing_written(&app, "415").await;
}

#[tokio::test]
async fn grpc_bad_version_input_is_invalid_argument_and_writes_nothing() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    let version = |number: &str| pb::CreateVersionRequest {
        pacticipant: "Foo".into(),
        number: number.into(),
        ..Default::default()
    };
    let cases = [
        (version(""), "number"),
        (version("  "), "number"),
        (version("a\nb"), "number"),
        (version(&"1".repeat(256)), "number"),
        (
            pb::CreateVersionRequest {
                pacticipant: "".into(),
                ..version("1")
            },
            "pacticipant",
        ),
        (
            pb::CreateVersionRequest {
                build_url: "not a url".into(),
                ..version("1")
            },
            "build_url",
        ),
        (
            pb::CreateVersionRequest {
                branch: " main".into(),
                ..version("1")
            },
            "branch",
        ),
        (
            pb::CreateVersionRequest {
                tags: vec!["ok".into(), "".into()],
                ..version("1")
            },
            "tags[1]",
        ),
    ];
    for (request, field) in cases {
        let what = format!("{request:?}");
        assert_code(
            client.create_version(request).await,
            Code::InvalidArgument,
            &format!("{field}: "),
        );
        assert_nothing_written(&app, &what).await;
    }
    for (branch, version, field) in [("", "1", "branch"), ("main", "a\nb", "version")] {
        assert_code(
            client
                .add_branch_version(pb::AddBranchVersionRequest {
                    pacticipant: "Foo".into(),
                    branch: branch.into(),
                    version: version.into(),
                })
                .await,
            Code::InvalidArgument,
            &format!("{field}: "),
        );
    }
    for (version, tag, field) in [("1", "\n", "tag"), ("", "prod", "version")] {
        assert_code(
            client
                .add_tag(pb::AddTagRequest {
                    pacticipant: "Foo".into(),
                    version: version.into(),
                    tag: tag.into(),
                })
                .await,
            Code::InvalidArgument,
            &format!("{field}: "),
        );
    }
    assert_nothing_written(&app, "branch versions and tags").await;
}

#[tokio::test]
async fn unknown_pacticipants_are_404_and_not_found() {
    let app = TestApp::start().await;
    // The collections of a pacticipant name it, as the Pact Broker's do;
    // the resources under it are Webmachine's 404, as the Pact Broker's.
    let message = "No pacticipant with name 'Nope' found";
    for path in ["/pacticipants/Nope/versions", "/pacticipants/Nope/branches"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 404, "GET {path}: {body}");
        assert_eq!(body["error"], message, "GET {path}");
    }
    for path in [
        "/pacticipants/Nope/versions/1",
        "/pacticipants/Nope/latest-version",
        "/pacticipants/Nope/latest-version/prod",
        "/pacticipants/Nope/versions/1/tags/prod",
        "/pacticipants/Nope/branches/main",
        "/pacticipants/Nope/branches/main/versions",
        "/pacticipants/Nope/branches/main/latest-version",
        "/pacticipants/Nope/branches/main/versions/1",
    ] {
        app.assert_no_document(Method::GET, path).await;
    }
    for path in [
        "/pacticipants/Nope/versions/1",
        "/pacticipants/Nope/versions/1/tags/prod",
        "/pacticipants/Nope/branches/main",
        "/pacticipants/Nope/branches/main/versions/1",
    ] {
        app.assert_no_document(Method::DELETE, path).await;
    }

    let mut client = app.versions().await;
    let p = || "Nope".to_owned();
    assert_code(
        client
            .get_version(pb::GetVersionRequest {
                pacticipant: p(),
                number: "1".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .get_latest_version(pb::GetLatestVersionRequest {
                pacticipant: p(),
                ..Default::default()
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .list_versions(pb::ListVersionsRequest {
                pacticipant: p(),
                ..Default::default()
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .delete_version(pb::DeleteVersionRequest {
                pacticipant: p(),
                number: "1".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .get_branch(pb::GetBranchRequest {
                pacticipant: p(),
                branch: "main".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .list_branches(pb::ListBranchesRequest {
                pacticipant: p(),
                ..Default::default()
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .delete_branch(pb::DeleteBranchRequest {
                pacticipant: p(),
                branch: "main".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .remove_branch_version(pb::RemoveBranchVersionRequest {
                pacticipant: p(),
                branch: "main".into(),
                version: "1".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_code(
        client
            .remove_tag(pb::RemoveTagRequest {
                pacticipant: p(),
                version: "1".into(),
                tag: "prod".into(),
            })
            .await,
        Code::NotFound,
        message,
    );
    assert_eq!(app.count("pacticipants").await, 0);
}

/// Rows of every table a version write touches.
async fn version_table_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in [
        "pacticipants",
        "versions",
        "tags",
        "branches",
        "branch_versions",
        "branch_heads",
    ] {
        counts.push((table, app.count(table).await));
    }
    counts
}

/// Foo version 1 on branch main with tag prod, as REST shows it.
async fn seed_tagged_version(app: &TestApp) -> Value {
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            &json!({
                "buildUrl": "https://ci/1",
                "branch": "main",
                "tags": [{ "name": "prod" }],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (status, body) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn rest_control_characters_in_versions_are_404_on_reads_and_400_on_writes() {
    let app = TestApp::start().await;
    let one = seed_tagged_version(&app).await;
    let before = version_table_counts(&app).await;

    for (method, path) in [
        (Method::GET, "/pacticipants/a%00/versions"),
        (Method::GET, "/pacticipants/a%00/branches"),
        (Method::GET, "/pacticipants/Foo/versions/1%00"),
        (Method::GET, "/pacticipants/Foo/versions/1%09"),
        (Method::GET, "/pacticipants/Foo/latest-version/a%00"),
        (Method::GET, "/pacticipants/Foo/versions/1/tags/a%00"),
        (Method::GET, "/pacticipants/Foo/versions/1/tags/pr%09od"),
        (Method::GET, "/pacticipants/Foo/branches/a%00"),
        (Method::GET, "/pacticipants/Foo/branches/a%00/versions"),
        (
            Method::GET,
            "/pacticipants/Foo/branches/a%00/latest-version",
        ),
        (Method::GET, "/pacticipants/Foo/branches/main/versions/1%00"),
        (Method::GET, "/pacticipants/Foo/branches/a%00/versions/1"),
        (Method::DELETE, "/pacticipants/Foo/versions/1%00"),
        (Method::DELETE, "/pacticipants/Foo/versions/1/tags/a%00"),
        (Method::DELETE, "/pacticipants/Foo/branches/a%00"),
        (
            Method::DELETE,
            "/pacticipants/Foo/branches/main/versions/1%00",
        ),
        (Method::DELETE, "/pacticipants/Foo/branches/a%00/versions/1"),
    ] {
        let reply = app.call(method.clone(), path, None, None, "").await;
        let what = format!("{method} {path}");
        assert_eq!(reply.status, 404, "{what}: {}", reply.body);
        assert!(reply.body["error"].is_string(), "{what}: {}", reply.body);
    }

    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::PUT,
            "/pacticipants/a%00/versions/2",
            json!({}),
            "pacticipant",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/2%00",
            json!({}),
            "number",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/2%1B",
            json!({}),
            "number",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/2",
            json!({ "buildUrl": "http://x/a\u{0}b" }),
            "buildUrl",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo/versions/1",
            json!({ "buildUrl": "https://ci/\u{0}" }),
            "buildUrl",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "branch": "ma\u{0}in" }),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1",
            json!({ "tags": [{ "name": "a\u{0}" }] }),
            "tags[0]",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo/versions/1",
            json!({ "tags": [{ "name": "prod" }, { "name": "a\tb" }] }),
            "tags[1]",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1/tags/a%00",
            json!({}),
            "tag",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1/tags/a%09",
            json!({}),
            "tag",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/versions/1%00/tags/t",
            json!({}),
            "version",
        ),
        (
            Method::PUT,
            "/pacticipants/a%00/versions/1/tags/t",
            json!({}),
            "pacticipant",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/a%00/versions/1",
            json!({}),
            "branch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/branches/main/versions/1%00",
            json!({}),
            "version",
        ),
    ];
    for (method, path, body, field) in cases {
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let what = format!("{method} {path} {body}");
        let reply = app
            .call(method, path, Some(content_type), None, &body.to_string())
            .await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        let messages = reply.body["errors"][field]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no {field} in {}", reply.body));
        assert!(
            messages.iter().all(|m| m
                .as_str()
                .is_some_and(|m| m.starts_with(field) && m.contains("cannot contain"))),
            "{what}: {}",
            reply.body
        );
        assert_eq!(version_table_counts(&app).await, before, "{what}");
        let (_, now) = app.get("/pacticipants/Foo/versions/1").await;
        assert_eq!(now, one, "{what}: version 1 changed");
    }
}

#[tokio::test]
async fn grpc_control_characters_in_versions_are_not_found_on_reads_and_invalid_on_writes() {
    let app = TestApp::start().await;
    let one = seed_tagged_version(&app).await;
    let before = version_table_counts(&app).await;
    let mut client = app.versions().await;
    let s = |v: &str| v.to_owned();

    assert_code(
        client
            .get_version(pb::GetVersionRequest {
                pacticipant: s("Foo"),
                number: s("1\0"),
            })
            .await,
        Code::NotFound,
        "No version '1\0' of pacticipant 'Foo' found",
    );
    assert_code(
        client
            .get_version(pb::GetVersionRequest {
                pacticipant: s("a\0"),
                number: s("1"),
            })
            .await,
        Code::NotFound,
        "No pacticipant with name 'a\0' found",
    );
    for (tag, branch) in [("a\0", ""), ("", "a\0"), ("pr\tod", "")] {
        let result = client
            .get_latest_version(pb::GetLatestVersionRequest {
                pacticipant: s("Foo"),
                tag: s(tag),
                branch: s(branch),
            })
            .await;
        assert_code(result, Code::NotFound, "No version of pacticipant 'Foo'");
    }
    let results = [
        client
            .delete_version(pb::DeleteVersionRequest {
                pacticipant: s("Foo"),
                number: s("1\0"),
            })
            .await
            .map(drop),
        client
            .list_versions(pb::ListVersionsRequest {
                pacticipant: s("a\0"),
                ..Default::default()
            })
            .await
            .map(drop),
        client
            .list_branches(pb::ListBranchesRequest {
                pacticipant: s("a\0"),
                ..Default::default()
            })
            .await
            .map(drop),
        client
            .get_branch(pb::GetBranchRequest {
                pacticipant: s("Foo"),
                branch: s("a\0"),
            })
            .await
            .map(drop),
        client
            .delete_branch(pb::DeleteBranchRequest {
                pacticipant: s("Foo"),
                branch: s("a\0"),
            })
            .await
            .map(drop),
        client
            .remove_branch_version(pb::RemoveBranchVersionRequest {
                pacticipant: s("Foo"),
                branch: s("a\0"),
                version: s("1"),
            })
            .await
            .map(drop),
        client
            .remove_branch_version(pb::RemoveBranchVersionRequest {
                pacticipant: s("Foo"),
                branch: s("main"),
                version: s("1\0"),
            })
            .await
            .map(drop),
        client
            .remove_tag(pb::RemoveTagRequest {
                pacticipant: s("Foo"),
                version: s("1"),
                tag: s("a\0"),
            })
            .await
            .map(drop),
    ];
    for (i, result) in results.into_iter().enumerate() {
        let status = result.expect_err(&format!("read {i}"));
        assert_eq!(status.code(), Code::NotFound, "read {i}: {status:?}");
    }
    // Filters nothing can match list nothing, like unknown names.
    for (branch, tag) in [("a\0", ""), ("", "a\0"), ("nope", "")] {
        let listed = client
            .list_versions(pb::ListVersionsRequest {
                pacticipant: s("Foo"),
                branch: s(branch),
                tag: s(tag),
                ..Default::default()
            })
            .await
            .expect("an empty list")
            .into_inner();
        assert!(listed.versions.is_empty(), "{branch:?} {tag:?}");
        assert_eq!(listed.total_size, 0);
    }

    let create = |f: fn(&mut pb::CreateVersionRequest)| {
        let mut request = pb::CreateVersionRequest {
            pacticipant: s("Foo"),
            number: s("1"),
            ..Default::default()
        };
        f(&mut request);
        request
    };
    for (request, field) in [
        (create(|r| r.pacticipant = "a\0".into()), "pacticipant"),
        (create(|r| r.number = "2\0".into()), "number"),
        (create(|r| r.number = "2\t".into()), "number"),
        (
            create(|r| r.build_url = "http://x/a\0b".into()),
            "build_url",
        ),
        (create(|r| r.branch = "ma\0in".into()), "branch"),
        (
            create(|r| r.tags = vec!["ok".into(), "a\0".into()]),
            "tags[1]",
        ),
    ] {
        let what = format!("{request:?}");
        let status = client.create_version(request).await.expect_err(&what);
        assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
        assert!(
            status.message().starts_with(&format!("{field}: ")),
            "{what}: {status:?}"
        );
    }
    for (branch, version, field) in [("a\0", "1", "branch"), ("main", "1\0", "version")] {
        let status = client
            .add_branch_version(pb::AddBranchVersionRequest {
                pacticipant: s("Foo"),
                branch: s(branch),
                version: s(version),
            })
            .await
            .expect_err(field);
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().starts_with(field), "{status:?}");
    }
    for (version, tag, field) in [("1", "a\0", "tag"), ("1\0", "t", "version")] {
        let status = client
            .add_tag(pb::AddTagRequest {
                pacticipant: s("Foo"),
                version: s(version),
                tag: s(tag),
            })
            .await
            .expect_err(field);
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().starts_with(field), "{status:?}");
    }
    assert_eq!(version_table_counts(&app).await, before);
    let (_, now) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(now, one, "version 1 changed");
}
