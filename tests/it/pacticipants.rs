//! Pacticipants and labels over REST/HAL and gRPC: create, get, list with
//! pagination, replace, merge-patch, update masks, delete, labels, names
//! with `/`, and bad input that changes nothing.

use pactwire::config::BrokerSettings;
use pactwire::grpc::pb;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;

fn pacticipant(name: &str) -> pb::Pacticipant {
    pb::Pacticipant {
        name: name.into(),
        ..Default::default()
    }
}

async fn grpc_create(app: &TestApp, p: pb::Pacticipant) -> Result<pb::Pacticipant, tonic::Status> {
    app.pacticipants()
        .await
        .create_pacticipant(pb::CreatePacticipantRequest {
            pacticipant: Some(p),
        })
        .await
        .map(|r| r.into_inner().pacticipant.expect("a pacticipant"))
}

async fn grpc_get(app: &TestApp, name: &str) -> Result<pb::Pacticipant, tonic::Status> {
    app.pacticipants()
        .await
        .get_pacticipant(pb::GetPacticipantRequest { name: name.into() })
        .await
        .map(|r| r.into_inner().pacticipant.expect("a pacticipant"))
}

async fn grpc_update(
    app: &TestApp,
    p: pb::Pacticipant,
    mask: &[&str],
    allow_missing: bool,
) -> Result<pb::UpdatePacticipantResponse, tonic::Status> {
    app.pacticipants()
        .await
        .update_pacticipant(pb::UpdatePacticipantRequest {
            pacticipant: Some(p),
            update_mask: mask.iter().map(|m| m.to_string()).collect(),
            allow_missing,
        })
        .await
        .map(|r| r.into_inner())
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn assert_not_found(status: Result<impl std::fmt::Debug, tonic::Status>, message: &str) {
    let status = status.expect_err("NOT_FOUND");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert_eq!(status.message(), message);
}

fn assert_invalid(status: Result<impl std::fmt::Debug, tonic::Status>, field: &str) {
    let status = status.expect_err("INVALID_ARGUMENT");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().starts_with(&format!("{field}: ")),
        "{field}: {status:?}"
    );
}

// ---------------------------------------------------------------- create

#[tokio::test]
async fn rest_post_creates_a_pacticipant_with_201_and_location() {
    let app = TestApp::start().await;
    let reply = app
        .json(
            Method::POST,
            "/pacticipants",
            &json!({
                "name": "Foo",
                "displayName": "The Foo",
                "mainBranch": "main",
                "repositoryUrl": "https://github.com/example/foo",
                "repositoryName": "foo",
                "repositoryNamespace": "example",
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        Some(app.url("/pacticipants/Foo").as_str())
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/hal+json;charset=utf-8")
    );
    let body = &reply.body;
    assert_eq!(body["name"], "Foo");
    assert_eq!(body["displayName"], "The Foo");
    assert_eq!(body["mainBranch"], "main");
    assert_eq!(body["repositoryUrl"], "https://github.com/example/foo");
    assert_eq!(body["repositoryName"], "foo");
    assert_eq!(body["repositoryNamespace"], "example");
    assert_eq!(body["_links"]["self"]["href"], app.url("/pacticipants/Foo"));
    assert_eq!(body["_embedded"]["labels"], json!([]));
    assert!(body["_embedded"].get("latestVersion").is_none(), "{body}");

    let (status, fetched) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    for field in [
        "name",
        "displayName",
        "mainBranch",
        "repositoryUrl",
        "repositoryName",
        "repositoryNamespace",
        "createdAt",
    ] {
        assert_eq!(fetched[field], body[field], "{field}");
    }
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn a_pacticipant_without_a_display_name_has_one_derived_from_its_name() {
    // The Pact Broker generates one whenever it is blank
    // (domain/pacticipant.rb#before_save), however the pacticipant came to be.
    let app = TestApp::start().await;
    app.pacticipant("pricing-service").await;
    let (status, _) = app
        .put("/pacticipants/fooBar/versions/1/tags/prod", &json!({}))
        .await;
    assert_eq!(status, 201);
    let (_, body) = app.get("/pacticipants/pricing-service").await;
    assert_eq!(body["displayName"], "Pricing Service", "{body}");
    let (_, body) = app.get("/pacticipants/fooBar").await;
    assert_eq!(body["displayName"], "Foo Bar", "{body}");
    let (_, listed) = app.get("/pacticipants").await;
    let titles: Vec<&Value> = listed["_links"]["pb:pacticipants"]
        .as_array()
        .expect("pacticipant links")
        .iter()
        .map(|link| &link["title"])
        .collect();
    assert_eq!(titles, [&json!("Foo Bar"), &json!("Pricing Service")]);
    assert_eq!(
        grpc_get(&app, "fooBar").await.unwrap().display_name,
        "Foo Bar"
    );
}

#[tokio::test]
async fn a_repository_url_is_any_text_such_as_a_git_address() {
    // The Pact Broker checks only that it is one line; the Ruby client's
    // own pact registers an scp-style git address.
    let app = TestApp::start().await;
    let git = "git@git.realestate.com.au:business-systems/pricing-service";
    let (status, body) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Pricing Service", "repositoryUrl": git }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["repositoryUrl"], git);
    let created = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Condor".into(),
            repository_url: "ssh://git.example/condor".into(),
            ..Default::default()
        },
    )
    .await
    .expect("created over gRPC");
    assert_eq!(created.repository_url, "ssh://git.example/condor");
}

#[tokio::test]
async fn rest_post_of_a_taken_name_is_409_and_changes_nothing() {
    let app = TestApp::start().await;
    let (status, _) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Foo", "displayName": "First" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Foo", "displayName": "Second" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        body["error"],
        "A pacticipant with name 'Foo' already exists"
    );
    let (_, fetched) = app.get("/pacticipants/Foo").await;
    assert_eq!(fetched["displayName"], "First");
    assert_eq!(app.count("pacticipants").await, 1);
}

#[tokio::test]
async fn grpc_create_and_get_and_a_taken_name_is_already_exists() {
    let app = TestApp::start().await;
    let created = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "The Foo".into(),
            main_branch: "main".into(),
            repository_url: "https://github.com/example/foo".into(),
            repository_name: "foo".into(),
            repository_namespace: "example".into(),
            ..Default::default()
        },
    )
    .await
    .expect("created");
    assert_eq!(created.name, "Foo");
    assert_eq!(created.display_name, "The Foo");
    assert_eq!(created.main_branch, "main");
    assert_eq!(created.repository_url, "https://github.com/example/foo");
    assert_eq!(created.repository_name, "foo");
    assert_eq!(created.repository_namespace, "example");
    assert!(created.labels.is_empty());
    assert!(created.latest_version.is_none());
    assert!(created.create_time.is_some() && created.update_time.is_some());

    let fetched = grpc_get(&app, "Foo").await.expect("found");
    assert_eq!(fetched, created);

    let err = grpc_create(
        &app,
        pb::Pacticipant {
            name: "Foo".into(),
            display_name: "Another".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("taken");
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");
    assert_eq!(
        err.message(),
        "A pacticipant with name 'Foo' already exists"
    );
    assert_eq!(grpc_get(&app, "Foo").await.unwrap().display_name, "The Foo");

    let err = app
        .pacticipants()
        .await
        .create_pacticipant(pb::CreatePacticipantRequest { pacticipant: None })
        .await
        .expect_err("no pacticipant");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(app.count("pacticipants").await, 1);

    // Both transports see the same pacticipant.
    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    assert_eq!(body["displayName"], "The Foo");
}

// ---------------------------------------------------------------- get

#[tokio::test]
async fn unknown_pacticipants_are_404_and_not_found_with_a_message() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    let message = "No pacticipant with name 'Nope' found";

    let (status, body) = app.get("/pacticipants/Nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], message);
    // Names are case-sensitive.
    let (status, _) = app.get("/pacticipants/foo").await;
    assert_eq!(status, 404);

    let reply = app.delete("/pacticipants/Nope").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["error"], message);

    assert_not_found(grpc_get(&app, "Nope").await, message);
    assert_not_found(
        app.pacticipants()
            .await
            .delete_pacticipant(pb::DeletePacticipantRequest {
                name: "Nope".into(),
            })
            .await,
        message,
    );
    assert_not_found(
        grpc_update(&app, pacticipant("Nope"), &["display_name"], false).await,
        message,
    );
    assert_eq!(app.count("pacticipants").await, 1);
}

// ---------------------------------------------------------------- list

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

// ---------------------------------------------------------------- PUT

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

// ---------------------------------------------------------------- PATCH

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
        "repositoryUrl",
    );
    assert_eq!(
        grpc_get(&app, "Foo").await.unwrap().repository_url,
        "https://github.com/example/foo"
    );
}

// ---------------------------------------------------------------- DELETE

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

// ---------------------------------------------------------------- labels

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

// ---------------------------------------------------------------- names with `/`

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

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_400_with_field_errors() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    for (method, path) in [
        (Method::GET, "/pacticipants/%FF"),
        (Method::PUT, "/pacticipants/%FF"),
        (Method::PATCH, "/pacticipants/%FF"),
        (Method::DELETE, "/pacticipants/%FF"),
        (Method::PUT, "/pacticipants/Foo/labels/a%FFb"),
        (Method::GET, "/pacticipants/label/%C3%28"),
        (Method::PUT, "/pacticipants/Foo/versions/%FF"),
        (Method::GET, "/pacts/provider/Bar/consumer/%FF/latest"),
    ] {
        let reply = app.json(method.clone(), path, &json!({})).await;
        assert_eq!(reply.status, 400, "{method} {path}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/hal+json;charset=utf-8"),
            "{method} {path}"
        );
        let messages = reply.body["errors"]["path"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path}: {}", reply.body));
        assert_eq!(messages.len(), 1, "{method} {path}: {}", reply.body);
        assert!(
            messages[0].as_str().unwrap().contains("not valid UTF-8"),
            "{method} {path}: {}",
            reply.body
        );
    }
    // Problem+json when asked for, like every other validation error.
    let reply = app
        .call(
            Method::GET,
            "/pacticipants/%FF",
            None,
            Some("application/problem+json"),
            "",
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json;charset=utf-8")
    );
    assert_eq!(reply.body["status"], 400, "{}", reply.body);
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("labels").await, 0);
    assert_eq!(app.count("versions").await, 0);
}

#[tokio::test]
async fn a_query_string_that_does_not_fit_is_400_with_field_errors() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    for path in [
        "/pacticipants?page=1&page=2",
        "/pacticipants?size=5&size=6",
        "/pacticipants/label/x?page=1&page=1",
        "/labels?pageSize=1&pageSize=2",
        "/pacticipants/Foo/versions?page=1&page=2",
        "/pacticipants/Foo/branches?size=1&size=2",
        "/pacts/latest?page=1&page=2",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let messages = body["errors"]["query"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {body}"));
        assert_eq!(messages.len(), 1, "{path}: {body}");
        assert!(
            messages[0].as_str().unwrap().contains("duplicate field"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn rest_bad_input_is_400_with_field_errors_and_writes_nothing() {
    let long = "x".repeat(256);
    let cases: Vec<(Method, &str, String, &str)> = vec![
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "" }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "  " }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "a\nb" }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "a\r" }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": long }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "displayName": "No name" }).to_string(),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "Foo", "repositoryUrl": "not\0text" }).to_string(),
            "repositoryUrl",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "Foo", "mainBranch": " main" }).to_string(),
            "mainBranch",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "Foo", "mainBranch": "a\nb" }).to_string(),
            "mainBranch",
        ),
        (
            Method::POST,
            "/pacticipants",
            r#"{"name": "Foo""#.into(),
            "body",
        ),
        (Method::POST, "/pacticipants", "not json".into(), "body"),
        (Method::POST, "/pacticipants", "[1, 2]".into(), "body"),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": 5 }).to_string(),
            "body",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "Foo", "displayName": ["x"] }).to_string(),
            "body",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "name": "Bar" }).to_string(),
            "name",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo",
            r#"{"displayName": }"#.into(),
            "body",
        ),
        (Method::PUT, "/pacticipants/a%0Ab", "{}".into(), "name"),
        (Method::PUT, "/pacticipants/%20", "{}".into(), "name"),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "repositoryUrl": "a\0b" }).to_string(),
            "repositoryUrl",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo",
            json!({ "name": "Bar" }).to_string(),
            "name",
        ),
        (
            Method::PATCH,
            "/pacticipants/a%0Ab",
            json!({ "displayName": "x" }).to_string(),
            "name",
        ),
        (
            Method::PUT,
            "/pacticipants/a%0Ab/labels/team",
            "{}".into(),
            "pacticipant",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/labels/%20",
            "{}".into(),
            "label",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/labels/a%0Ab",
            "{}".into(),
            "label",
        ),
    ];
    let app = TestApp::start().await;
    for (method, path, body, field) in cases {
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let reply = app
            .call(method.clone(), path, Some(content_type), None, &body)
            .await;
        let what = format!("{method} {path} {body}");
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        assert_eq!(
            reply.header("content-type"),
            Some("application/hal+json;charset=utf-8"),
            "{what}"
        );
        let errors = reply.body["errors"]
            .as_object()
            .unwrap_or_else(|| panic!("{what}: {}", reply.body));
        let messages = errors[field]
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
        assert_eq!(app.count("pacticipants").await, 0, "{what}");
        assert_eq!(app.count("labels").await, 0, "{what}");
    }
}

#[tokio::test]
async fn rest_reports_every_invalid_field_at_once() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            "/pacticipants",
            &json!({ "name": "Foo", "repositoryUrl": "not\0text", "mainBranch": "" }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({ "errors": {
            "mainBranch": ["mainBranch cannot be blank"],
            "repositoryUrl": ["repositoryUrl cannot contain NUL characters"],
        } })
    );
    assert_eq!(app.count("pacticipants").await, 0);
}

#[tokio::test]
async fn rest_errors_are_problem_json_when_the_client_asks_for_it() {
    let app = TestApp::start().await;
    let reply = app
        .call(
            Method::POST,
            "/pacticipants",
            Some("application/json"),
            Some("application/problem+json, application/hal+json"),
            &json!({ "name": "" }).to_string(),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json;charset=utf-8")
    );
    let body = &reply.body;
    assert_eq!(body["title"], "Validation errors");
    assert_eq!(body["status"], 400);
    assert_eq!(
        body["type"],
        format!("{}/problems/validation-error", app.base),
        "problem types are absolute under the base URL"
    );
    let errors = body["errors"].as_array().expect("an array of errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert!(
        errors[0]["type"].as_str().unwrap().starts_with(&app.base),
        "{body}"
    );
    assert_eq!(errors[0]["pointer"], "/name");
    assert_eq!(errors[0]["title"], "Invalid body parameter");
    assert_eq!(errors[0]["detail"], "name cannot be blank");
    assert_eq!(app.count("pacticipants").await, 0);

    let reply = app
        .call(
            Method::GET,
            "/pacticipants/Nope",
            None,
            Some("application/problem+json"),
            "",
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json;charset=utf-8")
    );
    assert_eq!(reply.body["status"], 404);
    assert_eq!(reply.body["title"], "Not found");
    assert_eq!(
        reply.body["detail"],
        "No pacticipant with name 'Nope' found"
    );

    app.pacticipant("Foo").await;
    let reply = app
        .call(
            Method::POST,
            "/pacticipants",
            Some("application/json"),
            Some("application/problem+json"),
            &json!({ "name": "Foo" }).to_string(),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.body["status"], 409);

    // Without the Accept header the same error is the Pact Broker's body.
    let (status, body) = app.post("/pacticipants", &json!({ "name": "" })).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "errors": { "name": ["name cannot be blank"] } })
    );
}

#[tokio::test]
async fn rest_non_json_bodies_are_415_and_write_nothing() {
    let app = TestApp::start().await;
    for (method, path, content_type) in [
        (Method::POST, "/pacticipants", "text/plain"),
        (
            Method::POST,
            "/pacticipants",
            "application/x-www-form-urlencoded",
        ),
        (Method::PUT, "/pacticipants/Foo", "text/plain"),
        (Method::PATCH, "/pacticipants/Foo", "application/xml"),
    ] {
        let reply = app
            .call(
                method.clone(),
                path,
                Some(content_type),
                None,
                r#"{"name": "Foo"}"#,
            )
            .await;
        assert_eq!(
            reply.status, 415,
            "{method} {path} {content_type}: {}",
            reply.body
        );
        assert!(
            reply.body["error"]
                .as_str()
                .is_some_and(|m| m.contains(content_type)),
            "{}",
            reply.body
        );
    }
    assert_eq!(app.count("pacticipants").await, 0);
}

#[tokio::test]
async fn grpc_bad_names_are_invalid_argument_and_write_nothing() {
    let app = TestApp::start().await;
    for name in ["", "   ", "a\nb", "a\r\nb", &"x".repeat(256)] {
        assert_invalid(grpc_create(&app, pacticipant(name)).await, "name");
        assert_invalid(
            grpc_update(&app, pacticipant(name), &[], true).await,
            "name",
        );
    }
    for (p, field) in [
        (
            pb::Pacticipant {
                name: "Foo".into(),
                main_branch: " main".into(),
                ..Default::default()
            },
            "mainBranch",
        ),
        (
            pb::Pacticipant {
                name: "Foo".into(),
                repository_url: "not\0text".into(),
                ..Default::default()
            },
            "repositoryUrl",
        ),
    ] {
        assert_invalid(grpc_create(&app, p.clone()).await, field);
        assert_invalid(grpc_update(&app, p, &[], true).await, field);
    }
    let err = app
        .pacticipants()
        .await
        .update_pacticipant(pb::UpdatePacticipantRequest {
            pacticipant: None,
            update_mask: vec![],
            allow_missing: true,
        })
        .await
        .expect_err("no pacticipant");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert_eq!(app.count("pacticipants").await, 0);
}

// ---------------------------------------------------------------- latest version

#[tokio::test]
async fn a_pacticipant_embeds_its_latest_version_on_both_transports() {
    let app = TestApp::start().await;
    for number in ["1.0.0", "1.1.0"] {
        let (status, _) = app
            .put(&format!("/pacticipants/Foo/versions/{number}"), &json!({}))
            .await;
        assert_eq!(status, 201);
    }
    let (_, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(body["_embedded"]["latestVersion"]["number"], "1.1.0");
    assert_eq!(body["_embedded"]["latest-version"]["number"], "1.1.0");
    assert_eq!(
        body["_embedded"]["latestVersion"]["_links"]["self"]["href"],
        app.url("/pacticipants/Foo/versions/1.1.0")
    );
    let p = grpc_get(&app, "Foo").await.unwrap();
    assert_eq!(p.latest_version.unwrap().number, "1.1.0");

    let (_, list) = app.get("/pacticipants").await;
    assert_eq!(
        list["_embedded"]["pacticipants"][0]["_embedded"]["latestVersion"]["number"],
        "1.1.0"
    );
}

/// The links the Rust verifier's contract with a Pact Broker expects of a
/// pacticipant, with the Pact Broker's titles: named after the pacticipant,
/// the can-i-deploy badges, and curies in the pacticipant context.
#[tokio::test]
async fn pacticipant_links_carry_the_pact_broker_titles_badges_and_curies() {
    let app = TestApp::start().await;
    app.pacticipant("Pact Broker").await;
    let (status, body) = app.get("/pacticipants/Pact%20Broker").await;
    assert_eq!(status, 200, "{body}");
    let links = &body["_links"];
    let p = app.url("/pacticipants/Pact%20Broker");
    let expected = [
        (
            "pb:version-tag",
            format!("{p}/versions/{{version}}/tags/{{tag}}"),
            "Get, create or delete a tag for a version of Pact Broker",
        ),
        (
            "pb:branch-version",
            format!("{p}/branches/{{branch}}/versions/{{version}}"),
            "Get or add/create a version for a branch of Pact Broker",
        ),
        (
            "pb:label",
            format!("{p}/labels/{{label}}"),
            "Get, create or delete a label for Pact Broker",
        ),
        (
            "pb:can-i-deploy-badge",
            format!("{p}/latest-version/{{tag}}/can-i-deploy/to/{{environmentTag}}/badge"),
            "Can I Deploy Pact Broker badge",
        ),
        (
            "pb:can-i-deploy-branch-to-environment-badge",
            format!(
                "{p}/branches/{{branch}}/latest-version/can-i-deploy/to-environment/{{environment}}/badge"
            ),
            "Can I Deploy Pact Broker from branch to environment badge",
        ),
    ];
    for (relation, href, title) in expected {
        assert_eq!(
            links[relation],
            json!({"href": href, "title": title, "templated": true}),
            "{relation}"
        );
    }
    assert_eq!(links["versions"]["title"], "Deprecated - use pb:versions");
    assert_eq!(
        links["curies"],
        json!([{"name": "pb", "href": app.url("/doc/{rel}?context=pacticipant"), "templated": true}])
    );
}

// ---------------------------------------------------------------- snapshots

#[tokio::test]
async fn pacticipant_resource_matches_the_pact_broker_shape() {
    let app = TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..Default::default()
    })
    .await;
    let (status, _) = app
        .post(
            "/pacticipants",
            &json!({
                "name": "Foo",
                "displayName": "The Foo",
                "mainBranch": "main",
                "repositoryUrl": "https://github.com/example/foo",
                "repositoryName": "foo",
                "repositoryNamespace": "example",
            }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .put(
            "/pacticipants/Foo/versions/1.0.0",
            &json!({ "buildUrl": "https://ci.example/1", "branch": "main", "tags": [{ "name": "prod" }] }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app.put("/pacticipants/Foo/labels/team-a", &json!({})).await;
    assert_eq!(status, 201);

    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("pacticipant_resource", body, {
        ".**.createdAt" => "[timestamp]",
        ".**.updatedAt" => "[timestamp]",
    });
}

// ---------------------------------------------------------------- control characters and huge pages

/// The pacticipant Foo, labelled "team", as REST shows it.
async fn seed_foo_with_label(app: &TestApp) -> Value {
    app.pacticipant("Foo").await;
    let (status, body) = app.put("/pacticipants/Foo/labels/team", &json!({})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn rest_control_characters_are_404_on_reads_and_400_on_writes_and_write_nothing() {
    let app = TestApp::start().await;
    let seeded = seed_foo_with_label(&app).await;

    // Nothing can be named with a control character: reads answer 404
    // without asking the database, which cannot even hold a NUL.
    for (method, path) in [
        (Method::GET, "/pacticipants/a%00b"),
        (Method::GET, "/pacticipants/%00"),
        (Method::GET, "/pacticipants/a%09b"),
        (Method::GET, "/pacticipants/a%1Bb"),
        (Method::DELETE, "/pacticipants/a%00b"),
        (Method::GET, "/pacticipants/Foo/labels/a%00"),
        (Method::GET, "/pacticipants/a%00/labels/team"),
        (Method::DELETE, "/pacticipants/Foo/labels/a%00"),
        (Method::DELETE, "/pacticipants/a%00/labels/team"),
    ] {
        let reply = app.call(method.clone(), path, None, None, "").await;
        let what = format!("{method} {path}");
        assert_eq!(reply.status, 404, "{what}: {}", reply.body);
        assert!(reply.body["error"].is_string(), "{what}: {}", reply.body);
    }
    // A label filter nothing can match lists nothing, like an unknown label.
    for path in ["/pacticipants/label/a%00", "/pacticipants/label/nope"] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            names(&body["_embedded"]["pacticipants"]),
            Vec::<String>::new()
        );
        assert_eq!(body["page"]["totalElements"], 0, "{path}: {body}");
    }

    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "a\u{0}b" }),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "a\tb" }),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "\u{7f}" }),
            "name",
        ),
        (
            Method::POST,
            "/pacticipants",
            json!({ "name": "Bar", "displayName": "a\u{0}b" }),
            "displayName",
        ),
        (Method::PUT, "/pacticipants/a%00b", json!({}), "name"),
        (Method::PUT, "/pacticipants/a%09b", json!({}), "name"),
        (Method::PATCH, "/pacticipants/a%00b", json!({}), "name"),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "displayName": "a\u{0}b" }),
            "displayName",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo",
            json!({ "displayName": "a\u{0}b" }),
            "displayName",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "repositoryUrl": "http://x/a\u{0}b" }),
            "repositoryUrl",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo",
            json!({ "repositoryName": "a\u{0}" }),
            "repositoryName",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "repositoryNamespace": "\u{0}" }),
            "repositoryNamespace",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo",
            json!({ "mainBranch": "ma\u{0}in" }),
            "mainBranch",
        ),
        (
            Method::PATCH,
            "/pacticipants/Foo",
            json!({ "mainBranch": "ma\tin" }),
            "mainBranch",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/labels/a%00",
            json!({}),
            "label",
        ),
        (
            Method::PUT,
            "/pacticipants/Foo/labels/a%09",
            json!({}),
            "label",
        ),
        (
            Method::PUT,
            "/pacticipants/a%00/labels/team",
            json!({}),
            "pacticipant",
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
        assert_eq!(app.count("pacticipants").await, 1, "{what}");
        assert_eq!(app.count("labels").await, 1, "{what}");
        let (_, now) = app.get("/pacticipants/Foo").await;
        assert_eq!(now, seeded, "{what}: Foo changed");
    }
}

#[tokio::test]
async fn grpc_control_characters_are_not_found_on_reads_and_invalid_on_writes_and_write_nothing() {
    let app = TestApp::start().await;
    let seeded = seed_foo_with_label(&app).await;
    let mut client = app.pacticipants().await;

    for name in ["a\0b", "\0", "a\tb", "a\u{1b}b"] {
        let result = client
            .get_pacticipant(pb::GetPacticipantRequest { name: name.into() })
            .await;
        assert_not_found(result, &format!("No pacticipant with name '{name}' found"));
        let result = client
            .delete_pacticipant(pb::DeletePacticipantRequest { name: name.into() })
            .await;
        assert_eq!(result.expect_err(name).code(), Code::NotFound, "{name:?}");
    }
    for (pacticipant, label) in [("Foo", "a\0"), ("a\0", "team"), ("Foo", "te\tam")] {
        let result = client
            .remove_label(pb::RemoveLabelRequest {
                pacticipant: pacticipant.into(),
                label: label.into(),
            })
            .await;
        let what = format!("{pacticipant:?} {label:?}");
        assert_eq!(result.expect_err(&what).code(), Code::NotFound, "{what}");
    }
    let listed = client
        .list_pacticipants(pb::ListPacticipantsRequest {
            label: "a\0".into(),
            ..Default::default()
        })
        .await
        .expect("a label nothing has lists nothing")
        .into_inner();
    assert!(listed.pacticipants.is_empty(), "{listed:?}");
    assert_eq!(listed.total_size, 0);

    let with = |f: fn(&mut pb::Pacticipant)| {
        let mut p = pacticipant("Foo");
        f(&mut p);
        p
    };
    let writes: Vec<(pb::Pacticipant, &str)> = vec![
        (pacticipant("a\0b"), "name"),
        (pacticipant("a\u{1}b"), "name"),
        (pacticipant("a\tb"), "name"),
        (with(|p| p.display_name = "a\0b".into()), "displayName"),
        (
            with(|p| p.repository_url = "http://x/a\0b".into()),
            "repositoryUrl",
        ),
        (with(|p| p.repository_name = "\0".into()), "repositoryName"),
        (
            with(|p| p.repository_namespace = "a\0".into()),
            "repositoryNamespace",
        ),
        (with(|p| p.main_branch = "ma\0in".into()), "mainBranch"),
    ];
    for (p, field) in writes {
        let mut fresh = p.clone();
        if fresh.name == "Foo" {
            fresh.name = "Bar".into();
        }
        assert_invalid(grpc_create(&app, fresh).await, field);
        assert_invalid(grpc_update(&app, p.clone(), &[], true).await, field);
        assert_invalid(grpc_update(&app, p, &[], false).await, field);
    }
    for (pacticipant, label, field) in [("Foo", "a\0", "label"), ("a\0", "team", "pacticipant")] {
        let result = client
            .add_label(pb::AddLabelRequest {
                pacticipant: pacticipant.into(),
                label: label.into(),
            })
            .await;
        assert_invalid(result, field);
    }
    assert_eq!(app.count("pacticipants").await, 1);
    assert_eq!(app.count("labels").await, 1);
    let (_, now) = app.get("/pacticipants/Foo").await;
    assert_eq!(now, seeded, "Foo changed");
}

#[tokio::test]
async fn rest_huge_page_numbers_are_400_not_an_overflow() {
    let app = TestApp::start().await;
    app.pacticipant("Foo").await;
    for query in [
        "page=9223372036854775807&size=2",
        "page=9223372036854775807",
        "pageNumber=4611686018427387904&pageSize=1000",
        "page=4611686018427387905&size=1",
    ] {
        let (status, body) = app.get(&format!("/pacticipants?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        let messages = body["errors"]["page"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: {body}"));
        assert_eq!(messages.len(), 1, "{query}: {body}");
        assert!(
            messages[0].as_str().unwrap().starts_with("page"),
            "{query}: {body}"
        );
    }
    // Far beyond the last page, but representable: an empty page.
    let (status, body) = app.get("/pacticipants?page=1000000000000&size=1000").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&body["_embedded"]["pacticipants"]),
        Vec::<String>::new()
    );
    assert_eq!(body["page"]["totalElements"], 1);
}

#[tokio::test]
async fn grpc_forged_page_tokens_with_huge_offsets_are_invalid_not_an_overflow() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = TestApp::start().await;
    grpc_create(&app, pacticipant("Foo")).await.unwrap();
    let mut client = app.pacticipants().await;
    for offset in ["9223372036854775807", "4611686018427387904"] {
        let token = URL_SAFE_NO_PAD.encode(format!("offset:{offset}"));
        let result = client
            .list_pacticipants(pb::ListPacticipantsRequest {
                page_size: 1000,
                page_token: token.clone(),
                label: String::new(),
            })
            .await;
        assert_invalid(result, "page_token");
        let result = client
            .list_labels(pb::ListLabelsRequest {
                page_size: 1000,
                page_token: token,
            })
            .await;
        assert_invalid(result, "page_token");
    }
}
