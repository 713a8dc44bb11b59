//! Names with a `/` and names shaped like template variables.

use super::*;

#[tokio::test]
async fn names_with_a_slash_travel_as_one_encoded_path_segment() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/foo%2Fbar",
            &json!({ "displayName": "Foo Bar" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/foo%2Fbar").as_str())
    );
    assert_eq!(reply.body["name"], "foo/bar");
    assert_eq!(
        reply.body["_links"]["self"]["href"],
        app.url("/pacticipants/foo%2Fbar")
    );
    assert_eq!(
        reply.body["_links"]["pb:versions"]["href"],
        app.url("/pacticipants/foo%2Fbar/versions")
    );
    assert_eq!(
        reply.body["_links"]["pb:version"]["href"],
        app.url("/pacticipants/foo%2Fbar/versions/{version}")
    );

    let (status, body) = app.get("/pacticipants/foo%2Fbar").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], "Foo Bar");
    // Two segments are a different path.
    let (status, _) = app.get("/pacticipants/foo/bar").await;
    assert_eq!(status, 404);

    let reply = app
        .merge_patch(
            "/pacticipants/foo%2Fbar",
            &json!({ "name": "foo/bar", "repositoryName": "fb" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/foo%2Fbar/labels/a%2Fb",
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/foo%2Fbar/labels/a%2Fb").as_str())
    );
    let (status, _) = app.get("/pacticipants/foo%2Fbar/labels/a%2Fb").await;
    assert_eq!(status, 200);
    let (status, with_label) = app.get("/pacticipants/label/a%2Fb").await;
    assert_eq!(status, 200);
    assert_eq!(names(&with_label["_embedded"]["pacticipants"]), ["foo/bar"]);
    assert_eq!(
        with_label["_links"]["pb:pacticipants"][0]["href"],
        app.url("/pacticipants/foo%2Fbar")
    );

    let fetched = grpc_get(&app, "foo/bar").await.unwrap();
    assert_eq!(fetched.display_name, "Foo Bar");
    assert_eq!(fetched.repository_name, "fb");
    assert_eq!(fetched.labels, ["a/b"]);

    let reply = app.delete("/pacticipants/foo%2Fbar").await;
    assert_eq!(reply.status, 204);
    assert_eq!(app.count("pacticipants").await, 0);
}

#[tokio::test]
async fn names_shaped_like_template_variables_are_escaped_in_hrefs() {
    let app = TestApp::start().await;
    let path = "/pacticipants/%7Bversion%7D";
    let reply = app.json(Method::PUT, path, &json!({})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["name"], "{version}");
    let own = app.url(path);
    assert_eq!(reply.location(), Some(own.as_str()));

    let (status, body) = app.get(path).await;
    assert_eq!(status, 200, "{body}");
    let links = &body["_links"];
    assert_eq!(links["self"]["href"], own);
    assert_eq!(links["pb:versions"]["href"], format!("{own}/versions"));
    assert_eq!(links["pb:branches"]["href"], format!("{own}/branches"));
    // The templated links escape the name and keep their real variables.
    for (relation, rest) in [
        ("pb:version", "/versions/{version}"),
        ("pb:version-tag", "/versions/{version}/tags/{tag}"),
        ("pb:branch-version", "/branches/{branch}/versions/{version}"),
        ("pb:label", "/labels/{label}"),
    ] {
        assert_eq!(
            links[relation]["href"],
            format!("{own}{rest}"),
            "{relation}"
        );
        assert_eq!(links[relation]["templated"], true, "{relation}");
    }

    // A version and a label with such names, and the lists that link them.
    let reply = app
        .json(
            Method::PUT,
            &format!("{path}/versions/%7Btag%7D"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (status, version) = app.get(&format!("{path}/versions/%7Btag%7D")).await;
    assert_eq!(status, 200, "{version}");
    assert_eq!(
        version["_links"]["pb:tag"]["href"],
        format!("{own}/versions/%7Btag%7D/tags/{{tag}}")
    );
    let reply = app
        .json(
            Method::PUT,
            &format!("{path}/labels/%7Blabel%7D"),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.body["_links"]["self"]["href"],
        format!("{own}/labels/%7Blabel%7D")
    );
    let (status, listed) = app.get("/pacticipants").await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["_links"]["pb:pacticipants"][0]["href"], own);
    assert_eq!(
        listed["_links"]["pb:pacticipants-with-label"]["href"],
        app.url("/pacticipants/label/{label}")
    );
    let (status, labelled) = app.get("/pacticipants/label/%7Blabel%7D").await;
    assert_eq!(status, 200, "{labelled}");
    assert_eq!(
        labelled["_links"]["self"]["href"],
        app.url("/pacticipants/label/%7Blabel%7D")
    );
}
