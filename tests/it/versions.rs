//! Versions, tags and branches over REST/HAL and gRPC: create, overwrite,
//! merge, delete, newest-first listing, latest versions, tags, branch
//! membership and branch heads, names with `/`, and bad input that changes
//! nothing.

use pactwire::config::BrokerSettings;
use pactwire::grpc::pb;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;

/// The head of a branch as REST and gRPC (GetBranch and GetLatestVersion)
/// report it; the transports must agree.
async fn branch_head(app: &TestApp, pacticipant: &str, branch: &str) -> Option<String> {
    let path = format!(
        "/pacticipants/{pacticipant}/branches/{}/latest-version",
        branch.replace('/', "%2F")
    );
    let (status, body) = app.get(&path).await;
    let rest = match status {
        200 => Some(body["number"].as_str().expect("a number").to_owned()),
        404 => None,
        other => panic!("{path}: {other} {body}"),
    };
    let mut versions = app.versions().await;
    let from_branch = versions
        .get_branch(pb::GetBranchRequest {
            pacticipant: pacticipant.into(),
            branch: branch.into(),
        })
        .await
        .expect("the branch")
        .into_inner()
        .branch
        .unwrap()
        .latest_version;
    let latest = match versions
        .get_latest_version(pb::GetLatestVersionRequest {
            pacticipant: pacticipant.into(),
            branch: branch.into(),
            tag: String::new(),
        })
        .await
    {
        Ok(response) => Some(response.into_inner().version.unwrap().number),
        Err(status) if status.code() == Code::NotFound => None,
        Err(status) => panic!("{status:?}"),
    };
    assert_eq!(rest, latest, "REST and GetLatestVersion disagree");
    assert_eq!(
        rest.clone().unwrap_or_default(),
        from_branch,
        "REST and GetBranch disagree"
    );
    rest
}

fn numbers(versions: &Value) -> Vec<String> {
    versions
        .as_array()
        .unwrap_or_else(|| panic!("an array: {versions}"))
        .iter()
        .map(|v| v["number"].as_str().expect("a number").to_owned())
        .collect()
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|v| v["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn grpc_numbers(versions: &[pb::Version]) -> Vec<&str> {
    versions.iter().map(|v| v.number.as_str()).collect()
}

fn assert_code(result: Result<impl std::fmt::Debug, tonic::Status>, code: Code, message: &str) {
    let status = result.expect_err("an error");
    assert_eq!(status.code(), code, "{status:?}");
    assert!(
        status.message().contains(message),
        "{message:?} not in {status:?}"
    );
}

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

// ---------------------------------------------------------------- PUT, GET, PATCH, DELETE

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

// ---------------------------------------------------------------- listing and latest

#[tokio::test]
async fn rest_versions_are_listed_newest_first_a_page_at_a_time() {
    let app = TestApp::start().await;
    // Creation order, not the numbers, decides what is newest.
    for number in ["3", "1", "10", "2", "0.5"] {
        app.version("Foo", number).created().await;
    }
    let (status, all) = app.get("/pacticipants/Foo/versions").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        numbers(&all["_embedded"]["versions"]),
        ["0.5", "2", "10", "1", "3"]
    );
    assert_eq!(
        all["page"],
        json!({ "number": 1, "size": 100, "totalElements": 5, "totalPages": 1 })
    );
    assert_eq!(
        all["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions")
    );
    assert_eq!(
        all["_embedded"]["versions"][0]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions/0.5")
    );

    let (_, first) = app.get("/pacticipants/Foo/versions?size=2").await;
    assert_eq!(numbers(&first["_embedded"]["versions"]), ["0.5", "2"]);
    assert_eq!(
        first["page"],
        json!({ "number": 1, "size": 2, "totalElements": 5, "totalPages": 3 })
    );
    assert_eq!(
        first["_links"]["next"]["href"],
        app.url("/pacticipants/Foo/versions?page=2&size=2")
    );
    assert!(first["_links"].get("previous").is_none(), "{first}");

    let (_, second) = app.get("/pacticipants/Foo/versions?page=2&size=2").await;
    assert_eq!(numbers(&second["_embedded"]["versions"]), ["10", "1"]);
    assert_eq!(
        second["_links"]["previous"]["href"],
        app.url("/pacticipants/Foo/versions?page=1&size=2")
    );
    assert_eq!(
        second["_links"]["next"]["href"],
        app.url("/pacticipants/Foo/versions?page=3&size=2")
    );

    let (_, last) = app.get("/pacticipants/Foo/versions?page=3&size=2").await;
    assert_eq!(numbers(&last["_embedded"]["versions"]), ["3"]);
    assert!(last["_links"].get("next").is_none(), "{last}");

    let (status, body) = app.get("/pacticipants/Foo/versions?page=0").await;
    assert_eq!(status, 400);
    assert!(body["errors"]["page"].is_array(), "{body}");

    // A pacticipant without versions has an empty list.
    let (status, _) = app.post("/pacticipants", &json!({ "name": "Bar" })).await;
    assert_eq!(status, 201);
    let (status, empty) = app.get("/pacticipants/Bar/versions").await;
    assert_eq!(status, 200);
    assert_eq!(empty["_embedded"]["versions"], json!([]));
    assert_eq!(empty["page"]["totalElements"], 0);
}

#[tokio::test]
async fn latest_version_and_latest_version_with_a_tag() {
    let app = TestApp::start().await;
    let (status, _) = app.post("/pacticipants", &json!({ "name": "Foo" })).await;
    assert_eq!(status, 201);
    app.assert_no_document(Method::GET, "/pacticipants/Foo/latest-version")
        .await;

    for (number, tags) in [
        ("1", vec!["prod"]),
        ("2", vec!["dev"]),
        ("3", vec!["prod", "dev"]),
        ("4", vec!["dev"]),
        ("5", vec![]),
    ] {
        let tags: Vec<Value> = tags.iter().map(|t| json!({ "name": t })).collect();
        let reply = app
            .json(
                Method::PUT,
                &format!("/pacticipants/Foo/versions/{number}"),
                &json!({ "tags": tags }),
            )
            .await;
        assert_eq!(reply.status, 201);
    }

    let mut client = app.versions().await;
    for (tag, expected) in [
        ("", Some("5")),
        ("prod", Some("3")),
        ("dev", Some("4")),
        ("qa", None),
    ] {
        let path = if tag.is_empty() {
            "/pacticipants/Foo/latest-version".to_owned()
        } else {
            format!("/pacticipants/Foo/latest-version/{tag}")
        };
        let (status, body) = app.get(&path).await;
        let grpc = client
            .get_latest_version(pb::GetLatestVersionRequest {
                pacticipant: "Foo".into(),
                tag: tag.into(),
                branch: String::new(),
            })
            .await;
        match expected {
            Some(number) => {
                assert_eq!(status, 200, "{path}: {body}");
                assert_eq!(body["number"], number, "{path}");
                assert_eq!(
                    body["_links"]["self"]["href"],
                    app.url(&format!("/pacticipants/Foo/versions/{number}")),
                    "{path}"
                );
                assert_eq!(grpc.unwrap().into_inner().version.unwrap().number, number);
            }
            None => {
                assert_eq!(status, 404, "{path}: {body}");
                app.assert_no_document(Method::GET, &path).await;
                assert_code(grpc, Code::NotFound, "with tag 'qa'");
            }
        }
    }

    // A tag is "latest" only on the newest version that carries it.
    let (_, v1) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(v1["_embedded"]["tags"][0]["latest"], false);
    let (_, v3) = app.get("/pacticipants/Foo/versions/3").await;
    let latest: Vec<(String, bool)> = v3["_embedded"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["latest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        latest,
        [("prod".to_owned(), true), ("dev".to_owned(), false)]
    );

    // Deleting the newest moves "latest" back.
    let reply = app.delete("/pacticipants/Foo/versions/5").await;
    assert_eq!(reply.status, 204);
    let (_, body) = app.get("/pacticipants/Foo/latest-version").await;
    assert_eq!(body["number"], "4");
    let reply = app.delete("/pacticipants/Foo/versions/3").await;
    assert_eq!(reply.status, 204);
    let (_, body) = app.get("/pacticipants/Foo/latest-version/prod").await;
    assert_eq!(body["number"], "1");
}

// ---------------------------------------------------------------- tags

#[tokio::test]
async fn rest_tags_are_put_read_and_deleted_creating_what_is_missing() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0/tags/prod",
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(
            app.url("/pacticipants/Foo/versions/1.0.0/tags/prod")
                .as_str()
        )
    );
    assert_eq!(reply.body["name"], "prod");
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.count("tags").await, 1);

    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0/tags/prod",
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    assert_eq!(app.count("tags").await, 1);

    // The Pact Broker CLI sends no body at all.
    let reply = app
        .call(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0/tags/dev",
            None,
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);

    let (status, tag) = app.get("/pacticipants/Foo/versions/1.0.0/tags/prod").await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!(tag["name"], "prod");
    assert_eq!(
        tag["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions/1.0.0/tags/prod")
    );
    // The Pact Broker's relation names for a tag.
    assert_eq!(
        tag["_links"]["version"]["href"],
        app.url("/pacticipants/Foo/versions/1.0.0")
    );
    assert_eq!(
        tag["_links"]["pacticipant"]["href"],
        app.url("/pacticipants/Foo")
    );
    let (_, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(names(&version["_embedded"]["tags"]), ["prod", "dev"]);

    app.assert_no_document(Method::GET, "/pacticipants/Foo/versions/1.0.0/tags/qa")
        .await;
    let (status, _) = app.get("/pacticipants/Foo/versions/9/tags/prod").await;
    assert_eq!(status, 404);

    let reply = app
        .delete("/pacticipants/Foo/versions/1.0.0/tags/prod")
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let (status, _) = app.get("/pacticipants/Foo/versions/1.0.0/tags/prod").await;
    assert_eq!(status, 404);
    let reply = app
        .delete("/pacticipants/Foo/versions/1.0.0/tags/prod")
        .await;
    assert_eq!(reply.status, 404);
    let (_, version) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(names(&version["_embedded"]["tags"]), ["dev"]);
    assert_eq!(app.count("versions").await, 1);
}

#[tokio::test]
async fn grpc_tags_are_added_and_removed() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    let add = |tag: &str, version: &str| pb::AddTagRequest {
        pacticipant: "Foo".into(),
        version: version.into(),
        tag: tag.into(),
    };
    let response = client.add_tag(add("prod", "1")).await.unwrap().into_inner();
    assert!(response.created);
    let tag = response.tag.unwrap();
    assert_eq!(tag.name, "prod");
    assert!(tag.latest);
    assert!(tag.create_time.is_some());
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("versions").await, 1);

    let response = client.add_tag(add("prod", "1")).await.unwrap().into_inner();
    assert!(!response.created);

    let response = client.add_tag(add("prod", "2")).await.unwrap().into_inner();
    assert!(response.created);
    assert!(response.tag.unwrap().latest);
    let v1 = client
        .get_version(pb::GetVersionRequest {
            pacticipant: "Foo".into(),
            number: "1".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .version
        .unwrap();
    assert_eq!(v1.tags.len(), 1);
    assert!(!v1.tags[0].latest, "version 2 carries the latest prod tag");

    client
        .remove_tag(pb::RemoveTagRequest {
            pacticipant: "Foo".into(),
            version: "2".into(),
            tag: "prod".into(),
        })
        .await
        .unwrap();
    assert_code(
        client
            .remove_tag(pb::RemoveTagRequest {
                pacticipant: "Foo".into(),
                version: "2".into(),
                tag: "prod".into(),
            })
            .await,
        Code::NotFound,
        "Version '2' of pacticipant 'Foo' has no tag 'prod'",
    );
    let latest = client
        .get_latest_version(pb::GetLatestVersionRequest {
            pacticipant: "Foo".into(),
            tag: "prod".into(),
            branch: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .version
        .unwrap();
    assert_eq!(latest.number, "1");
    assert!(latest.tags[0].latest);
    assert_eq!(app.count("tags").await, 1);
}

// ---------------------------------------------------------------- branches

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

// ---------------------------------------------------------------- names

#[tokio::test]
async fn branch_and_tag_names_with_a_slash_travel_as_one_encoded_segment() {
    let app = TestApp::start().await;
    let reply = app.add_to_branch("Foo", "feat%2Fx", "1").await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(
            app.url("/pacticipants/Foo/branches/feat%2Fx/versions/1")
                .as_str()
        )
    );
    assert_eq!(reply.body["name"], "feat/x");
    assert_eq!(
        reply.body["_links"]["pb:branch"]["href"],
        app.url("/pacticipants/Foo/branches/feat%2Fx")
    );

    let (status, branch) = app.get("/pacticipants/Foo/branches/feat%2Fx").await;
    assert_eq!(status, 200, "{branch}");
    assert_eq!(branch["name"], "feat/x");
    assert_eq!(
        branch["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/branches/feat%2Fx")
    );
    assert_eq!(
        branch_head(&app, "Foo", "feat/x").await.as_deref(),
        Some("1")
    );
    let (status, _) = app.get("/pacticipants/Foo/branches/feat/x").await;
    assert_eq!(status, 404, "two segments are another path");

    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(version["_embedded"]["branchVersions"][0]["name"], "feat/x");
    assert_eq!(
        version["_embedded"]["branchVersions"][0]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/branches/feat%2Fx/versions/1")
    );

    // The same branch by name over gRPC, and in a version PUT body.
    app.version("Foo", "2").branch("feat/x").created().await;
    assert_eq!(
        branch_head(&app, "Foo", "feat/x").await.as_deref(),
        Some("2")
    );
    assert_eq!(app.count("branches").await, 1);

    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/2/tags/env%2Fprod",
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(
            app.url("/pacticipants/Foo/versions/2/tags/env%2Fprod")
                .as_str()
        )
    );
    assert_eq!(reply.body["name"], "env/prod");
    let (status, body) = app.get("/pacticipants/Foo/latest-version/env%2Fprod").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["number"], "2");

    let reply = app
        .delete("/pacticipants/Foo/branches/feat%2Fx/versions/2")
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        branch_head(&app, "Foo", "feat/x").await.as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn version_numbers_with_dots_plus_and_other_characters() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    for (path_segment, number) in [
        ("1.2.3", "1.2.3"),
        ("1.0.0+build.7", "1.0.0+build.7"),
        ("2.0.0-rc.1+sha.5114f85", "2.0.0-rc.1+sha.5114f85"),
        ("v1.2", "v1.2"),
        ("release%2F1.0", "release/1.0"),
        ("1.0%20beta", "1.0 beta"),
        ("5114f85c1a2b", "5114f85c1a2b"),
    ] {
        let path = format!("/pacticipants/Foo/versions/{path_segment}");
        let reply = app
            .json(Method::PUT, &path, &json!({ "tags": [{ "name": "t" }] }))
            .await;
        assert_eq!(reply.status, 201, "{number}: {}", reply.body);
        assert_eq!(reply.body["number"], number);
        assert_eq!(reply.location(), Some(app.url(&path).as_str()), "{number}");
        assert_eq!(
            reply.body["_links"]["self"]["href"],
            app.url(&path),
            "{number}"
        );
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{number}");
        assert_eq!(body["number"], number);
        let (status, tag) = app.get(&format!("{path}/tags/t")).await;
        assert_eq!(status, 200, "{number}: {tag}");
        let fetched = client
            .get_version(pb::GetVersionRequest {
                pacticipant: "Foo".into(),
                number: number.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .version
            .unwrap();
        assert_eq!(fetched.number, number);
    }
    // Nothing was normalised: "1.2.3" and "1.2.3+x" are different versions,
    // and a number is case-sensitive.
    let (status, _) = app.get("/pacticipants/Foo/versions/1.2.3+x").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/pacticipants/Foo/versions/V1.2").await;
    assert_eq!(status, 404);
    assert_eq!(app.count("versions").await, 7);
}

// ---------------------------------------------------------------- bad input

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
            "buildUrl",
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

// ---------------------------------------------------------------- snapshots

async fn snapshot_app() -> TestApp {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..Default::default()
    })
    .await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/1.0.0",
            &json!({
                "buildUrl": "https://ci.example/builds/1",
                "branch": "feat/x",
                "tags": [{ "name": "prod" }],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    app
}

#[tokio::test]
async fn version_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/versions/1.0.0").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("version_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn branch_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/branches/feat%2Fx").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("branch_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn tag_resource_matches_the_pact_broker_shape() {
    let app = snapshot_app().await;
    let (status, body) = app.get("/pacticipants/Foo/versions/1.0.0/tags/prod").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("tag_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

// ---------------------------------------------------------------- tags on PUT and PATCH

/// The names and creation times of a version's tags, as REST shows them.
fn tags_of(body: &Value) -> Vec<(String, String)> {
    body["_embedded"]["tags"]
        .as_array()
        .unwrap_or_else(|| panic!("tags in {body}"))
        .iter()
        .map(|t| {
            (
                t["name"].as_str().expect("a name").to_owned(),
                t["createdAt"].as_str().expect("a time").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn rest_put_and_patch_with_tags_replace_the_versions_tags() {
    let app = TestApp::start().await;
    let path = "/pacticipants/Foo/versions/1";
    let reply = app
        .json(Method::PUT, path, &json!({ "tags": [{ "name": "a" }] }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["a"]);

    // PUT with tags: the version's tags become exactly those.
    let reply = app
        .json(Method::PUT, path, &json!({ "tags": [{ "name": "b" }] }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["b"]);
    let (_, fetched) = app.get(path).await;
    assert_eq!(names(&fetched["_embedded"]["tags"]), ["b"]);
    let b = tags_of(&fetched);
    let (status, body) = app.get("/pacticipants/Foo/versions/1/tags/a").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app.get("/pacticipants/Foo/latest-version/a").await;
    assert_eq!(status, 404, "{body}");

    // Without `tags` (or with null) a PUT leaves them, as the Pact Broker's
    // create_or_overwrite does.
    for body in [
        json!({}),
        json!({ "tags": null }),
        json!({ "buildUrl": "https://ci/1" }),
    ] {
        let reply = app.json(Method::PUT, path, &body).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.body);
        assert_eq!(tags_of(&reply.body), b, "{body}");
    }

    // PATCH with tags replaces them too; a tag kept is the same tag.
    let reply = app
        .merge_patch(path, &json!({ "tags": [{ "name": "c" }, { "name": "b" }] }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["b", "c"]);
    assert_eq!(tags_of(&reply.body)[0], b[0], "b was kept, not re-created");
    assert_eq!(reply.body["buildUrl"], "https://ci/1");

    // PATCH without `tags` leaves them.
    for body in [json!({}), json!({ "buildUrl": "https://ci/2" })] {
        let reply = app.merge_patch(path, &body).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.body);
        assert_eq!(
            names(&reply.body["_embedded"]["tags"]),
            ["b", "c"],
            "{body}"
        );
    }

    // Duplicates count once; an empty list removes every tag.
    let reply = app
        .merge_patch(path, &json!({ "tags": [{ "name": "d" }, { "name": "d" }] }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(names(&reply.body["_embedded"]["tags"]), ["d"]);
    let reply = app.json(Method::PUT, path, &json!({ "tags": [] })).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        names(&reply.body["_embedded"]["tags"]),
        Vec::<String>::new()
    );
    assert_eq!(app.count("tags").await, 0);

    // Only this version's tags are replaced.
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo/versions/2",
            &json!({ "tags": [{ "name": "x" }] }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app
        .json(Method::PUT, path, &json!({ "tags": [{ "name": "y" }] }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (_, two) = app.get("/pacticipants/Foo/versions/2").await;
    assert_eq!(names(&two["_embedded"]["tags"]), ["x"]);
    assert_eq!(app.count("tags").await, 2);
}

#[tokio::test]
async fn rest_put_with_bad_tags_keeps_the_old_ones() {
    let app = TestApp::start().await;
    let path = "/pacticipants/Foo/versions/1";
    let reply = app
        .json(Method::PUT, path, &json!({ "tags": [{ "name": "a" }] }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = app
        .json(
            Method::PUT,
            path,
            &json!({ "tags": [{ "name": "b" }, { "name": " " }] }),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body["errors"]["tags[1]"].is_array(), "{}", reply.body);
    let (_, fetched) = app.get(path).await;
    assert_eq!(names(&fetched["_embedded"]["tags"]), ["a"]);
}

#[tokio::test]
async fn grpc_create_version_adds_tags() {
    let app = TestApp::start().await;
    let mut client = app.versions().await;
    for tags in [vec!["a"], vec!["b"], vec![]] {
        client
            .create_version(pb::CreateVersionRequest {
                pacticipant: "Foo".into(),
                number: "1".into(),
                tags: tags.into_iter().map(String::from).collect(),
                ..Default::default()
            })
            .await
            .expect("created or updated");
    }
    let version = client
        .get_version(pb::GetVersionRequest {
            pacticipant: "Foo".into(),
            number: "1".into(),
        })
        .await
        .expect("the version")
        .into_inner()
        .version
        .expect("a version");
    let tags: Vec<&str> = version.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["a", "b"]);
}

// ---------------------------------------------------------------- control characters

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
        (create(|r| r.build_url = "http://x/a\0b".into()), "buildUrl"),
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
