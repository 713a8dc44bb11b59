//! A pacticipant replaced with PUT, merge-patched, and updated over gRPC
//! with an update mask.

use super::*;

#[tokio::test]
async fn rest_put_creates_then_replaces_clearing_absent_fields() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo",
            &json!({
                "name": "Foo",
                "displayName": "The Foo",
                "repositoryUrl": "https://github.com/example/foo",
                "repositoryName": "foo",
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo").as_str())
    );
    assert_eq!(reply.body["displayName"], "The Foo");

    let reply = app
        .json(
            Method::PUT,
            "/pacticipants/Foo",
            &json!({ "mainBranch": "main", "repositoryNamespace": "example" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    // A cleared display name is derived from the name again.
    let expected = json!({
        "name": "Foo",
        "displayName": "Foo",
        "mainBranch": "main",
        "repositoryUrl": null,
        "repositoryName": null,
        "repositoryNamespace": "example",
    });
    let (_, fetched) = app.get("/pacticipants/Foo").await;
    for body in [&reply.body, &fetched] {
        for (field, value) in expected.as_object().unwrap() {
            assert_eq!(&body[field], value, "{field}: {body}");
        }
    }

    // An empty body clears everything.
    let reply = app
        .call(
            Method::PUT,
            "/pacticipants/Foo",
            Some("application/json"),
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["mainBranch"], Value::Null);
    assert_eq!(reply.body["repositoryNamespace"], Value::Null);
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn rest_merge_patch_changes_only_the_given_keys_and_null_clears() {
    let app = TestApp::start().await;
    let (status, _) = app
        .post(
            "/pacticipants",
            &json!({
                "name": "Foo",
                "displayName": "The Foo",
                "mainBranch": "main",
                "repositoryUrl": "https://github.com/example/foo",
            }),
        )
        .await;
    assert_eq!(status, 201);

    let reply = app
        .merge_patch("/pacticipants/Foo", &json!({ "displayName": "New" }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    assert_eq!(reply.body["displayName"], "New");
    assert_eq!(reply.body["mainBranch"], "main");
    assert_eq!(
        reply.body["repositoryUrl"],
        "https://github.com/example/foo"
    );

    let reply = app
        .merge_patch(
            "/pacticipants/Foo",
            &json!({ "repositoryUrl": null, "repositoryName": "foo" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (_, fetched) = app.get("/pacticipants/Foo").await;
    for body in [&reply.body, &fetched] {
        assert_eq!(body["displayName"], "New", "{body}");
        assert_eq!(body["mainBranch"], "main", "{body}");
        assert_eq!(body["repositoryUrl"], Value::Null, "{body}");
        assert_eq!(body["repositoryName"], "foo", "{body}");
    }

    // A name equal to the path is allowed; an empty patch changes nothing.
    let reply = app
        .merge_patch("/pacticipants/Foo", &json!({ "name": "Foo" }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["displayName"], "New");

    // The Pact Broker also takes PATCH with application/json.
    let reply = app
        .json(
            Method::PATCH,
            "/pacticipants/Foo",
            &json!({ "mainBranch": "develop" }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["mainBranch"], "develop");
    assert_eq!(reply.body["displayName"], "New");
    assert_eq!(reply.body["repositoryName"], "foo");

    // PATCH of an unknown pacticipant creates it, as the Pact Broker does.
    let reply = app
        .merge_patch("/pacticipants/Bar", &json!({ "displayName": "Bar!" }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Bar").as_str())
    );
    assert_eq!(reply.body["displayName"], "Bar!");
    assert_eq!(app.count("pacticipants").await, 2);
}

#[tokio::test]
async fn grpc_update_changes_the_masked_fields_and_creates_only_when_allowed() {
    let app = TestApp::start().await;
    grpc_create(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "The Foo".into(),
            main_branch: "main".into(),
            repository_name: "foo".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Only the masked field changes, even though others are empty.
    let response = grpc_update(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "New".into(),
            main_branch: "ignored".into(),
            ..Default::default()
        },
        &["display_name"],
        false,
    )
    .await
    .unwrap();
    assert!(!response.created);
    let updated = response.pacticipant.unwrap();
    assert_eq!(updated.display_name, "New");
    assert_eq!(updated.main_branch, "main");
    assert_eq!(updated.repository_name, "foo");

    // A masked field left empty is cleared.
    let updated = grpc_update(&app, pacticipant("Foo"), &["main_branch"], false)
        .await
        .unwrap()
        .pacticipant
        .unwrap();
    assert_eq!(updated.main_branch, "");
    assert_eq!(updated.display_name, "New");
    assert_eq!(updated.repository_name, "foo");

    // No mask replaces every field.
    let updated = grpc_update(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            repository_url: "https://github.com/example/foo".into(),
            ..Default::default()
        },
        &[],
        false,
    )
    .await
    .unwrap()
    .pacticipant
    .unwrap();
    assert_eq!(updated.display_name, "Foo");
    assert_eq!(updated.repository_name, "");
    assert_eq!(updated.repository_url, "https://github.com/example/foo");
    assert_eq!(grpc_get(&app, "Foo").await.unwrap(), updated);

    // Fields that are not updatable are refused.
    for mask in ["name", "labels", "displayName", "create_time"] {
        let err = grpc_update(&app, pacticipant("Foo"), &[mask], false)
            .await
            .expect_err(mask);
        assert_eq!(err.code(), Code::InvalidArgument, "{mask}: {err:?}");
        assert!(err.message().contains(mask), "{err:?}");
        // Nor does a bad mask create anything.
        let err = grpc_update(&app, pacticipant("Zed"), &["display_name", mask], true)
            .await
            .expect_err(mask);
        assert_eq!(err.code(), Code::InvalidArgument, "{mask}: {err:?}");
    }
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(
        grpc_get(&app, "Foo").await.unwrap().repository_url,
        "https://github.com/example/foo"
    );

    // Unknown: NOT_FOUND unless allow_missing.
    assert_not_found(
        grpc_update(&app, pacticipant("Bar"), &[], false).await,
        "No pacticipant with name 'Bar' found",
    );
    assert_eq!(app.count("pacticipants").await, 1);
    let response = grpc_update(
        &app,
        pb::Pacticipant {
            name: "Bar".into(),
            display_name: "The Bar".into(),
            ..Default::default()
        },
        &["display_name"],
        true,
    )
    .await
    .unwrap();
    assert!(response.created);
    assert_eq!(response.pacticipant.unwrap().display_name, "The Bar");
    let response = grpc_update(&app, pacticipant("Bar"), &["repository_name"], true)
        .await
        .unwrap();
    assert!(!response.created);
    assert_eq!(response.pacticipant.unwrap().display_name, "The Bar");
    assert_eq!(app.count("pacticipants").await, 2);

    // Validation applies to updates too.
    assert_invalid(
        grpc_update(
            &app,
            pb::Pacticipant {
                name: "Foo".into(),
                repository_url: "not\0text".into(),
                ..Default::default()
            },
            &["repository_url"],
            false,
        )
        .await,
        "pacticipant.repository_url",
    );
    assert_eq!(
        grpc_get(&app, "Foo").await.unwrap().repository_url,
        "https://github.com/example/foo"
    );
}
