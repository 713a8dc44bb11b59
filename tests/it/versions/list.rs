//! Versions listed newest first a page at a time, and the latest version,
//! with a tag or without.

use super::*;

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
