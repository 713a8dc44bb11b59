//! Pacticipants listed by name a page at a time, over both transports.

use super::*;

#[tokio::test]
async fn rest_list_is_sorted_by_name_and_paginated_with_page_metadata_and_links() {
    let app = TestApp::start().await;
    for name in ["Echo", "Alpha", "Delta", "Charlie", "Bravo"] {
        app.pacticipant(name).await;
    }

    let (status, all) = app.get("/pacticipants").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&all["_embedded"]["pacticipants"]),
        ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    );
    assert_eq!(
        all["page"],
        json!({ "number": 1, "size": 100, "totalElements": 5, "totalPages": 1 })
    );
    assert!(all["_links"].get("next").is_none(), "{all}");
    assert!(all["_links"].get("previous").is_none(), "{all}");
    assert_eq!(all["_links"]["self"]["href"], app.url("/pacticipants"));
    assert_eq!(
        all["_links"]["pb:pacticipants"].as_array().unwrap().len(),
        5
    );
    assert_eq!(
        all["_links"]["pb:pacticipants"][0]["href"],
        app.url("/pacticipants/Alpha")
    );
    assert_eq!(all["_links"]["pb:pacticipants"][0]["name"], "Alpha");
    assert_eq!(
        all["_links"]["pb:pacticipants-with-label"]["href"],
        app.url("/pacticipants/label/{label}")
    );
    // The Pact Broker's deprecated top-level array, which the Rust CLI's
    // list-pacticipants reads.
    assert_eq!(
        names(&all["pacticipants"]),
        ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    );
    assert_eq!(
        all["pacticipants"][0]["title"],
        "DEPRECATED - Please use the embedded pacticipants collection"
    );
    assert_eq!(
        all["pacticipants"][0]["_links"]["self"]["href"],
        app.url("/pacticipants/Alpha")
    );

    let (status, first) = app.get("/pacticipants?page=1&size=2").await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&first["_embedded"]["pacticipants"]),
        ["Alpha", "Bravo"]
    );
    assert_eq!(
        first["page"],
        json!({ "number": 1, "size": 2, "totalElements": 5, "totalPages": 3 })
    );
    assert_eq!(
        first["_links"]["next"]["href"],
        app.url("/pacticipants?page=2&size=2")
    );
    assert!(first["_links"].get("previous").is_none(), "{first}");

    // Follow the next link as a client would.
    let next = first["_links"]["next"]["href"].as_str().unwrap();
    let second: Value = app
        .http
        .get(next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        names(&second["_embedded"]["pacticipants"]),
        ["Charlie", "Delta"]
    );
    assert_eq!(second["page"]["number"], 2);
    assert_eq!(
        second["_links"]["previous"]["href"],
        app.url("/pacticipants?page=1&size=2")
    );
    assert_eq!(
        second["_links"]["next"]["href"],
        app.url("/pacticipants?page=3&size=2")
    );

    let (_, last) = app.get("/pacticipants?page=3&size=2").await;
    assert_eq!(names(&last["_embedded"]["pacticipants"]), ["Echo"]);
    assert!(last["_links"].get("next").is_none(), "{last}");
    assert_eq!(
        last["_links"]["previous"]["href"],
        app.url("/pacticipants?page=2&size=2")
    );

    // The legacy parameter names.
    let (_, legacy) = app.get("/pacticipants?pageNumber=2&pageSize=3").await;
    assert_eq!(
        names(&legacy["_embedded"]["pacticipants"]),
        ["Delta", "Echo"]
    );
    assert_eq!(legacy["page"]["number"], 2);
    assert_eq!(legacy["page"]["size"], 3);

    // Past the end: empty, with a way back.
    let (status, beyond) = app.get("/pacticipants?page=9&size=2").await;
    assert_eq!(status, 200);
    assert_eq!(beyond["_embedded"]["pacticipants"], json!([]));
    assert!(beyond["_links"].get("next").is_none(), "{beyond}");
}

#[tokio::test]
async fn rest_list_rejects_bad_page_parameters() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    for (query, field) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("size=0", "size"),
        ("size=-5", "size"),
        ("size=1.5", "size"),
        ("pageSize=0", "size"),
    ] {
        let (status, body) = app.get(&format!("/pacticipants?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let messages = body["errors"][field]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: {body}"));
        assert_eq!(messages.len(), 1, "{query}: {body}");
        assert!(
            messages[0].as_str().unwrap().starts_with(field),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn grpc_list_is_paginated_with_page_tokens_and_total_size() {
    let app = TestApp::start().await;
    for name in ["Echo", "Alpha", "Delta", "Charlie", "Bravo"] {
        grpc_create(&app, pacticipant(name)).await.unwrap();
    }
    let mut client = app.pacticipants().await;

    let all = client
        .list_pacticipants(pb::ListPacticipantsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.total_size, 5);
    assert_eq!(all.next_page_token, "");
    assert_eq!(
        all.pacticipants
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    );

    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_pacticipants(pb::ListPacticipantsRequest {
                page_size: 2,
                page_token: token.clone(),
                label: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, 5);
        pages.push(
            page.pacticipants
                .into_iter()
                .map(|p| p.name)
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
        [
            vec!["Alpha", "Bravo"],
            vec!["Charlie", "Delta"],
            vec!["Echo"]
        ]
    );

    // An exact multiple of the page size ends without an empty page.
    let page = client
        .list_pacticipants(pb::ListPacticipantsRequest {
            page_size: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.pacticipants.len(), 5);
    assert_eq!(page.next_page_token, "");
}

#[tokio::test]
async fn grpc_list_rejects_negative_page_sizes_and_foreign_page_tokens() {
    let app = TestApp::start().await;
    grpc_create(&app, pacticipant("Foo")).await.unwrap();
    let mut client = app.pacticipants().await;
    for (page_size, page_token, field) in [
        (-1, "", "page_size"),
        (10, "not-a-token", "page_token"),
        (10, "b2Zmc2V0Oi0x", "page_token"), // "offset:-1"
        (10, "aGVsbG8", "page_token"),      // "hello"
    ] {
        let result = client
            .list_pacticipants(pb::ListPacticipantsRequest {
                page_size,
                page_token: page_token.into(),
                label: String::new(),
            })
            .await;
        assert_invalid(result, field);
        let result = client
            .list_labels(pb::ListLabelsRequest {
                page_size,
                page_token: page_token.into(),
            })
            .await;
        assert_invalid(result, field);
    }
}
