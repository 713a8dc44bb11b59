//! Branch and tag names with a `/`, and version numbers with dots, plus
//! signs and other characters.

use super::*;

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
