//! Tags put, read and deleted over REST and added and removed over gRPC,
//! and a version's tags given with its PUT, PATCH or CreateVersion.

use super::*;

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

/// One HTTP/1.1 request sent as written: an HTTP client library would
/// resolve the dot segments of `path` first. The status and the body.
async fn raw(app: &TestApp, method: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connecting");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.expect("writing");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reading");
    let status = response[9..12].parse().expect("a status");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Names `.` and `..` are escaped in every link, so a client that resolves
/// dot segments (RFC 3986) fetches or deletes that tag, not the version.
#[tokio::test]
async fn dot_names_are_escaped_in_links() {
    let app = TestApp::start().await;
    let (status, body) = raw(&app, "PUT", "/pacticipants/Foo/versions/1/tags/%2E%2E").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = raw(&app, "PUT", "/pacticipants/Foo/versions/1/tags/%2E").await;
    assert_eq!(status, 201, "{body}");
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    let mut hrefs: Vec<&str> = version["_embedded"]["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["_links"]["self"]["href"].as_str().expect("an href"))
        .collect();
    hrefs.sort_unstable();
    assert_eq!(
        hrefs,
        [
            app.url("/pacticipants/Foo/versions/1/tags/%2E"),
            app.url("/pacticipants/Foo/versions/1/tags/%2E%2E"),
        ]
    );
    let (status, body) = raw(&app, "DELETE", "/pacticipants/Foo/versions/1/tags/%2E%2E").await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(app.count("tags").await, 1);
    assert_eq!(app.count("versions").await, 1);
}
