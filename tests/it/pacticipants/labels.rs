//! Labels added, read, listed, filtered and removed, over both transports.

use super::*;

#[tokio::test]
async fn rest_labels_are_added_read_listed_and_removed() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    app.pacticipant("Baz").await;

    let reply = app
        .json(Method::PUT, "/pacticipants/Foo/labels/team-a", &json!({}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo/labels/team-a").as_str())
    );
    assert_eq!(reply.body["name"], "team-a");
    assert_eq!(
        reply.body["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/labels/team-a")
    );

    let reply = app
        .json(Method::PUT, "/pacticipants/Foo/labels/team-a", &json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.location(), None);
    assert_eq!(app.count("labels").await, 1);

    // Labelling an unknown pacticipant creates it.
    let reply = app
        .json(Method::PUT, "/pacticipants/Bar/labels/team-a", &json!({}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let (status, _) = app.get("/pacticipants/Bar").await;
    assert_eq!(status, 200);
    let (status, _) = app.put("/pacticipants/Foo/labels/team-b", &json!({})).await;
    assert_eq!(status, 201);

    let (status, label) = app.get("/pacticipants/Foo/labels/team-a").await;
    assert_eq!(status, 200, "{label}");
    assert_eq!(label["name"], "team-a");
    // The Pact Broker's relation names for a label.
    assert_eq!(
        label["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/labels/team-a")
    );
    assert_eq!(
        label["_links"]["pacticipant"]["href"],
        app.url("/pacticipants/Foo")
    );
    app.assert_no_document(Method::GET, "/pacticipants/Baz/labels/team-a")
        .await;

    let (_, foo) = app.get("/pacticipants/Foo").await;
    assert_eq!(names(&foo["_embedded"]["labels"]), ["team-a", "team-b"]);
    assert_eq!(
        foo["_embedded"]["labels"][0]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/labels/team-a")
    );

    let (status, with_label) = app.get("/pacticipants/label/team-a").await;
    assert_eq!(status, 200, "{with_label}");
    assert_eq!(
        names(&with_label["_embedded"]["pacticipants"]),
        ["Bar", "Foo"]
    );
    assert_eq!(with_label["page"]["totalElements"], 2);
    assert!(with_label.get("pacticipants").is_none(), "{with_label}");
    assert_eq!(
        with_label["_links"]["self"]["href"],
        app.url("/pacticipants/label/team-a")
    );
    let (_, paged) = app.get("/pacticipants/label/team-a?size=1").await;
    assert_eq!(names(&paged["_embedded"]["pacticipants"]), ["Bar"]);
    assert_eq!(
        paged["_links"]["next"]["href"],
        app.url("/pacticipants/label/team-a?page=2&size=1")
    );
    let (status, none) = app.get("/pacticipants/label/nobody").await;
    assert_eq!(status, 200);
    assert_eq!(none["_embedded"]["pacticipants"], json!([]));

    let (status, labels) = app.get("/labels").await;
    assert_eq!(status, 200, "{labels}");
    assert_eq!(names(&labels["_embedded"]["labels"]), ["team-a", "team-b"]);
    assert_eq!(labels["page"]["totalElements"], 2);
    let (_, labels) = app.get("/labels?page=2&size=1").await;
    assert_eq!(names(&labels["_embedded"]["labels"]), ["team-b"]);
    assert_eq!(labels["page"]["totalPages"], 2);

    let reply = app.delete("/pacticipants/Foo/labels/team-a").await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let (status, _) = app.get("/pacticipants/Foo/labels/team-a").await;
    assert_eq!(status, 404);
    let reply = app.delete("/pacticipants/Foo/labels/team-a").await;
    assert_eq!(reply.status, 404);
    let reply = app.delete("/pacticipants/Nope/labels/team-a").await;
    assert_eq!(reply.status, 404);
    let (_, with_label) = app.get("/pacticipants/label/team-a").await;
    assert_eq!(names(&with_label["_embedded"]["pacticipants"]), ["Bar"]);
    assert_eq!(app.count("labels").await, 2);
}

#[tokio::test]
async fn grpc_labels_are_added_listed_filtered_and_removed() {
    let app = TestApp::start().await;
    let mut client = app.pacticipants().await;
    for (who, label) in [
        ("Foo", "team-b"),
        ("Foo", "team-a"),
        ("Foo", "team-a"),
        ("Bar", "team-a"),
        ("Baz", "team-c"),
    ] {
        let p = client
            .add_label(pb::AddLabelRequest {
                pacticipant: who.into(),
                label: label.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .pacticipant
            .unwrap();
        assert_eq!(p.name, who);
        assert!(p.labels.iter().any(|l| l == label), "{p:?}");
    }
    assert_eq!(app.count("pacticipants").await, 3);
    assert_eq!(app.count("labels").await, 4);
    assert_eq!(
        grpc_get(&app, "Foo").await.unwrap().labels,
        ["team-a", "team-b"]
    );

    let labels = client
        .list_labels(pb::ListLabelsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(labels.labels, ["team-a", "team-b", "team-c"]);
    assert_eq!(labels.next_page_token, "");
    let first = client
        .list_labels(pb::ListLabelsRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.labels, ["team-a", "team-b"]);
    let second = client
        .list_labels(pb::ListLabelsRequest {
            page_size: 2,
            page_token: first.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.labels, ["team-c"]);
    assert_eq!(second.next_page_token, "");

    let with_label = client
        .list_pacticipants(pb::ListPacticipantsRequest {
            label: "team-a".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_label.total_size, 2);
    assert_eq!(
        with_label
            .pacticipants
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Bar", "Foo"]
    );

    client
        .remove_label(pb::RemoveLabelRequest {
            pacticipant: "Foo".into(),
            label: "team-a".into(),
        })
        .await
        .unwrap();
    assert_eq!(grpc_get(&app, "Foo").await.unwrap().labels, ["team-b"]);
    assert_not_found(
        client
            .remove_label(pb::RemoveLabelRequest {
                pacticipant: "Foo".into(),
                label: "team-a".into(),
            })
            .await,
        "Pacticipant 'Foo' has no label 'team-a'",
    );
    assert_not_found(
        client
            .remove_label(pb::RemoveLabelRequest {
                pacticipant: "Nope".into(),
                label: "team-a".into(),
            })
            .await,
        "No pacticipant with name 'Nope' found",
    );
    for (who, label, field) in [
        ("Foo", "", "label"),
        ("Foo", "a\nb", "label"),
        (" ", "x", "pacticipant"),
    ] {
        assert_invalid(
            client
                .add_label(pb::AddLabelRequest {
                    pacticipant: who.into(),
                    label: label.into(),
                })
                .await,
            field,
        );
    }
    assert_eq!(app.count("pacticipants").await, 3);
    assert_eq!(app.count("labels").await, 3);
}
