//! A pacticipant deleted with what belongs to it, over both transports.

use super::*;

#[tokio::test]
async fn rest_delete_removes_the_pacticipant_with_its_versions_branches_tags_and_labels() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    app.pacticipant("Other").await;
    for (who, number) in [("Foo", "1"), ("Foo", "2"), ("Other", "1")] {
        let (status, body) = app
            .put(
                &format!("/pacticipants/{who}/versions/{number}"),
                &json!({ "branch": "main", "tags": [{ "name": "prod" }] }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, _) = app.put("/pacticipants/Foo/labels/team", &json!({})).await;
    assert_eq!(status, 201);

    let reply = app.delete("/pacticipants/Foo").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(reply.body, Value::Null);
    let (status, _) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(status, 404);
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("versions").await, 1);
    assert_eq!(app.count("branches").await, 1);
    assert_eq!(app.count("branch_versions").await, 1);
    assert_eq!(app.count("branch_heads").await, 1);
    assert_eq!(app.count("tags").await, 1);
    assert_eq!(app.count("labels").await, 0);

    let (status, other) = app.get("/pacticipants/Other/versions/1").await;
    assert_eq!(status, 200, "{other}");
}

#[tokio::test]
async fn grpc_delete_removes_the_pacticipant_with_its_versions() {
    let app = TestApp::start().await;
    grpc_create(&app, pacticipant("Foo")).await.unwrap();
    app.versions()
        .await
        .create_version(pb::CreateVersionRequest {
            pacticipant: "Foo".into(),
            number: "1".into(),
            branch: "main".into(),
            tags: vec!["prod".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    app.pacticipants()
        .await
        .add_label(pb::AddLabelRequest {
            pacticipant: "Foo".into(),
            label: "team".into(),
        })
        .await
        .unwrap();
    app.pacticipants()
        .await
        .delete_pacticipant(pb::DeletePacticipantRequest { name: "Foo".into() })
        .await
        .unwrap();
    assert_not_found(
        grpc_get(&app, "Foo").await,
        "No pacticipant with name 'Foo' found",
    );
    for table in [
        "pacticipants",
        "versions",
        "branches",
        "branch_versions",
        "branch_heads",
        "tags",
        "labels",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}
