//! Bad input that writes nothing: paths, queries, fields, bodies, control
//! characters and huge pages, over both transports.

use super::*;

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
        assert_invalid(
            grpc_create(&app, pacticipant(name)).await,
            "pacticipant.name",
        );
        assert_invalid(
            grpc_update(&app, pacticipant(name), &[], true).await,
            "pacticipant.name",
        );
    }
    for (p, field) in [
        (
            pb::Pacticipant {
                name: "Foo".into(),
                main_branch: " main".into(),
                ..Default::default()
            },
            "pacticipant.main_branch",
        ),
        (
            pb::Pacticipant {
                name: "Foo".into(),
                repository_url: "not\0text".into(),
                ..Default::default()
            },
            "pacticipant.repository_url",
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
        (pacticipant("a\0b"), "pacticipant.name"),
        (pacticipant("a\u{1}b"), "pacticipant.name"),
        (pacticipant("a\tb"), "pacticipant.name"),
        (
            with(|p| p.display_name = "a\0b".into()),
            "pacticipant.display_name",
        ),
        (
            with(|p| p.repository_url = "http://x/a\0b".into()),
            "pacticipant.repository_url",
        ),
        (
            with(|p| p.repository_name = "\0".into()),
            "pacticipant.repository_name",
        ),
        (
            with(|p| p.repository_namespace = "a\0".into()),
            "pacticipant.repository_namespace",
        ),
        (
            with(|p| p.main_branch = "ma\0in".into()),
            "pacticipant.main_branch",
        ),
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
