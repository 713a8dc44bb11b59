//! Bad publications that write nothing, over both transports, and control
//! characters in lookups and publications.

use super::*;

/// One bad publish request: how to spoil the reference request, and the
/// only error field expected.
struct BadInput {
    name: &'static str,
    spoil: fn(&mut Value),
    field: &'static str,
}

const BAD_INPUTS: &[BadInput] = &[
    BadInput {
        name: "content that is not base64",
        spoil: |r| r["contracts"][0]["content"] = json!("not base64 at all!"),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not a JSON object",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode("[1]")),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not JSON",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode("{\"consumer\":")),
        field: "contracts[0].content",
    },
    BadInput {
        name: "content that is not UTF-8",
        spoil: |r| r["contracts"][0]["content"] = json!(STANDARD.encode([0xff, 0xfe, 0x7b])),
        field: "contracts[0].content",
    },
    BadInput {
        name: "a consumer name in the content that is not consumerName",
        spoil: |r| {
            r["contracts"][0]["content"] =
                json!(b64(&pact("Other", "Bar", vec![interaction("a", "/a")])))
        },
        field: "contracts[0].content",
    },
    BadInput {
        name: "a provider name in the content that is not providerName",
        spoil: |r| {
            r["contracts"][0]["content"] =
                json!(b64(&pact("Foo", "Other", vec![interaction("a", "/a")])))
        },
        field: "contracts[0].content",
    },
    BadInput {
        name: "content without a consumer name",
        spoil: |r| r["contracts"][0]["content"] = json!(b64(&json!({"provider": {"name": "Bar"}}))),
        field: "contracts[0].content",
    },
    BadInput {
        name: "a consumerName that is not pacticipantName",
        spoil: |r| {
            r["contracts"][0]["consumerName"] = json!("Other");
            r["contracts"][0]["content"] =
                json!(b64(&pact("Other", "Bar", vec![interaction("a", "/a")])));
        },
        field: "contracts[0].consumerName",
    },
    BadInput {
        name: "a blank version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!(""),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a white space version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("  "),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a multi-line version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("1.0.0\n1.0.1"),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a blank branch",
        spoil: |r| r["branch"] = json!(""),
        field: "branch",
    },
    BadInput {
        name: "a white space branch",
        spoil: |r| r["branch"] = json!("   "),
        field: "branch",
    },
    BadInput {
        name: "a multi-line branch",
        spoil: |r| r["branch"] = json!("main\nother"),
        field: "branch",
    },
    BadInput {
        name: "a blank tag",
        spoil: |r| r["tags"] = json!(["main", " "]),
        field: "tags[1]",
    },
    BadInput {
        name: "no contracts",
        spoil: |r| r["contracts"] = json!([]),
        field: "contracts",
    },
    BadInput {
        name: "a specification other than pact",
        spoil: |r| r["contracts"][0]["specification"] = json!("oas"),
        field: "contracts[0].specification",
    },
    BadInput {
        name: "a content type other than application/json",
        spoil: |r| r["contracts"][0]["contentType"] = json!("application/yaml"),
        field: "contracts[0].contentType",
    },
    BadInput {
        name: "an unknown onConflict",
        spoil: |r| r["contracts"][0]["onConflict"] = json!("replace"),
        field: "contracts[0].onConflict",
    },
    BadInput {
        name: "a build URL that is not a URL",
        spoil: |r| r["buildUrl"] = json!("not a url"),
        field: "buildUrl",
    },
    BadInput {
        name: "a NUL in the build URL",
        spoil: |r| r["buildUrl"] = json!("https://ci/\u{0}"),
        field: "buildUrl",
    },
    BadInput {
        name: "a NUL in the version number",
        spoil: |r| r["pacticipantVersionNumber"] = json!("1\u{0}"),
        field: "pacticipantVersionNumber",
    },
    BadInput {
        name: "a NUL in the branch",
        spoil: |r| r["branch"] = json!("ma\u{0}in"),
        field: "branch",
    },
    BadInput {
        name: "a tab in a tag",
        spoil: |r| r["tags"] = json!(["main", "a\tb"]),
        field: "tags[1]",
    },
    BadInput {
        name: "tags that are not strings",
        spoil: |r| r["tags"] = json!([1]),
        field: "body",
    },
];

#[tokio::test]
async fn bad_publish_requests_are_400_with_the_field_and_write_nothing() {
    let app = TestApp::start().await;
    for case in BAD_INPUTS {
        let mut request = reference_request();
        (case.spoil)(&mut request);
        let (status, body) = app.post("/contracts/publish", &request).await;
        assert_eq!(status, 400, "{}: {body}", case.name);
        let errors = body["errors"]
            .as_object()
            .unwrap_or_else(|| panic!("{}: {body}", case.name));
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [case.field],
            "{}: {body}",
            case.name
        );
        let messages = errors[case.field].as_array().expect("an array of messages");
        assert!(!messages.is_empty(), "{}: {body}", case.name);
        for message in messages {
            assert!(
                message.as_str().is_some_and(|m| m.starts_with(case.field)),
                "{}: {body}",
                case.name
            );
        }
        assert_nothing_written(&app, case.name).await;
    }
}

#[tokio::test]
async fn bad_publish_requests_report_every_problem_at_once() {
    let app = TestApp::start().await;
    let mut request = reference_request();
    request["pacticipantVersionNumber"] = json!("");
    request["branch"] = json!("");
    request["contracts"][0]["specification"] = json!("oas");
    request["contracts"][0]["contentType"] = json!("text/plain");
    let (status, body) = app.post("/contracts/publish", &request).await;
    assert_eq!(status, 400, "{body}");
    let mut fields: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "branch",
            "contracts[0].contentType",
            "contracts[0].specification",
            "pacticipantVersionNumber"
        ]
    );
    assert_nothing_written(&app, "several problems").await;
}

/// One bad gRPC publish request and the field its message names.
struct BadGrpcInput {
    name: &'static str,
    spoil: fn(&mut pb::PublishContractsRequest),
    field: &'static str,
}

const BAD_GRPC_INPUTS: &[BadGrpcInput] = &[
    BadGrpcInput {
        name: "content that is not a JSON object",
        spoil: |r| r.contracts[0].content = b"[1]".to_vec(),
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "content that is not JSON",
        spoil: |r| r.contracts[0].content = b"{\"consumer\":".to_vec(),
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a consumer name in the content that is not consumer_name",
        spoil: |r| {
            r.contracts[0].content = pact("Other", "Bar", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes()
        },
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a provider name in the content that is not provider_name",
        spoil: |r| {
            r.contracts[0].content = pact("Foo", "Other", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes()
        },
        field: "contracts[0].content",
    },
    BadGrpcInput {
        name: "a consumer_name that is not pacticipant_name",
        spoil: |r| {
            r.contracts[0].consumer_name = "Other".into();
            r.contracts[0].content = pact("Other", "Bar", vec![interaction("a", "/a")])
                .to_string()
                .into_bytes();
        },
        field: "contracts[0].consumer_name",
    },
    BadGrpcInput {
        name: "a blank version number",
        spoil: |r| r.pacticipant_version_number = String::new(),
        field: "pacticipant_version_number",
    },
    BadGrpcInput {
        name: "a multi-line version number",
        spoil: |r| r.pacticipant_version_number = "1\n2".into(),
        field: "pacticipant_version_number",
    },
    BadGrpcInput {
        name: "a white space branch",
        spoil: |r| r.branch = "  ".into(),
        field: "branch",
    },
    BadGrpcInput {
        name: "no contracts",
        spoil: |r| r.contracts.clear(),
        field: "contracts",
    },
    BadGrpcInput {
        name: "a specification other than pact",
        spoil: |r| r.contracts[0].specification = "oas".into(),
        field: "contracts[0].specification",
    },
    BadGrpcInput {
        name: "a content type other than application/json",
        spoil: |r| r.contracts[0].content_type = "application/yaml".into(),
        field: "contracts[0].content_type",
    },
    BadGrpcInput {
        name: "an unknown conflict strategy",
        spoil: |r| r.contracts[0].on_conflict = 42,
        field: "contracts[0].on_conflict",
    },
    BadGrpcInput {
        name: "a NUL in the build URL",
        spoil: |r| r.build_url = "https://ci/\0".into(),
        field: "build_url",
    },
    BadGrpcInput {
        name: "a NUL in a tag",
        spoil: |r| r.tags = vec!["a\0".into()],
        field: "tags[0]",
    },
    BadGrpcInput {
        name: "a control character in the branch",
        spoil: |r| r.branch = "ma\u{1}in".into(),
        field: "branch",
    },
];

#[tokio::test]
async fn bad_grpc_publish_requests_are_invalid_argument_and_write_nothing() {
    let app = TestApp::start().await;
    for case in BAD_GRPC_INPUTS {
        let mut request = grpc_publish_request(
            "1",
            vec![grpc_contract(
                "Bar",
                &pact("Foo", "Bar", vec![interaction("a", "/a")]),
                pb::ConflictStrategy::Overwrite,
            )],
        );
        request.branch = "main".into();
        (case.spoil)(&mut request);
        let err = grpc_publish(&app, request).await.expect_err(case.name);
        assert_eq!(err.code(), Code::InvalidArgument, "{}: {err:?}", case.name);
        assert!(err.message().contains(case.field), "{}: {err:?}", case.name);
        // The field also arrives as a google.rpc.BadRequest violation.
        use tonic_types::StatusExt;
        let violations = err
            .get_details_bad_request()
            .map(|bad| bad.field_violations)
            .unwrap_or_default();
        assert!(
            violations.iter().any(|v| v.field.contains(case.field)),
            "{}: {violations:?}",
            case.name
        );
        assert_nothing_written(&app, case.name).await;
    }
}

#[tokio::test]
async fn malformed_and_non_json_bodies_are_refused() {
    let app = TestApp::start().await;
    let json = [("content-type", "application/json")];
    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &json,
        Some(r#"{"pacticipantName": "Foo", "#),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["body"][0].is_string(), "{body}");

    let (status, _, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[("content-type", "text/plain")],
        Some(&reference_request().to_string()),
    )
    .await;
    assert_eq!(status, 415, "{body}");

    // A legacy PUT whose body is not a pact.
    let (status, _, body) = raw(
        &app,
        reqwest::Method::PUT,
        "/pacts/provider/Bar/consumer/Foo/version/1",
        &json,
        Some("[1]"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"]["pact"],
        json!(["pact must be a JSON object"]),
        "{body}"
    );
    assert_nothing_written(&app, "malformed bodies").await;
}

#[tokio::test]
async fn validation_errors_are_problem_json_when_asked_for() {
    let app = TestApp::start().await;
    let mut request = reference_request();
    request["pacticipantVersionNumber"] = json!("");
    let (status, content_type, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[
            ("content-type", "application/json"),
            ("accept", "application/problem+json, application/hal+json"),
        ],
        Some(&request.to_string()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    assert_eq!(body["title"], "Validation errors");
    assert_eq!(body["status"], 400);
    let errors = body["errors"].as_array().expect("an array of errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["title"], "Invalid body parameter");
    assert_eq!(errors[0]["pointer"], "/pacticipantVersionNumber");
    assert!(
        errors[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("pacticipantVersionNumber"),
        "{body}"
    );
    assert_nothing_written(&app, "problem json").await;

    // Without asking, the Pact Broker's errors object.
    let (status, content_type, body) = raw(
        &app,
        reqwest::Method::POST,
        "/contracts/publish",
        &[("content-type", "application/json")],
        Some(&request.to_string()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(content_type.contains("json"), "{content_type}");
    assert!(
        body["errors"]["pacticipantVersionNumber"].is_array(),
        "{body}"
    );
}

#[tokio::test]
async fn control_characters_in_pact_lookups_are_not_found_and_in_publishes_invalid() {
    use pb::get_pact_request::Selector;
    let app = TestApp::start().await;
    app.publish(pact(
        "Foo",
        "Bar",
        vec![interaction("a thing", "/things/1")],
    ))
    .version("1")
    .await;
    let before = counts(&app).await;

    for (method, path) in [
        ("GET", "/pacts/provider/Bar/consumer/Foo/version/1%00"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/version/1%09"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/latest/a%00"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/branch/a%00/latest"),
        ("GET", "/pacts/provider/Bar/consumer/Foo/pact-version/a%00"),
        (
            "GET",
            "/pacts/provider/Bar/consumer/Foo/pact-version/a%00/metadata/e30",
        ),
        ("GET", "/pacts/provider/Bar/consumer/F%00oo/latest"),
        ("GET", "/pacts/provider/B%00ar/consumer/Foo/latest"),
        ("GET", "/pacts/provider/B%00ar/latest"),
        ("GET", "/pacts/provider/Bar/consumer/F%00oo/versions"),
        ("DELETE", "/pacts/provider/Bar/consumer/Foo/version/1%00"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (status, _, body) = raw(&app, method.clone(), path, &[], None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(body["error"].is_string(), "{method} {path}: {body}");
    }
    app.assert_no_document(
        reqwest::Method::GET,
        "/pacts/provider/Bar/consumer/Foo/latest/a%00",
    )
    .await;

    for (consumer, provider, selector) in [
        ("F\0oo", "Bar", None),
        ("Foo", "B\0ar", None),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("1\0".into()))),
        ("Foo", "Bar", Some(Selector::ConsumerVersion("1\t".into()))),
        ("Foo", "Bar", Some(Selector::Tag("a\0".into()))),
        ("Foo", "Bar", Some(Selector::Branch("a\0".into()))),
        ("Foo", "Bar", Some(Selector::ContentSha("\0".repeat(40)))),
    ] {
        let label = format!("{consumer:?} {provider:?} {selector:?}");
        let err = grpc_get(&app, consumer, provider, selector)
            .await
            .expect_err(&label);
        assert_eq!(err.code(), Code::NotFound, "{label}: {err:?}");
    }
    let err = app
        .pacts()
        .await
        .delete_pact(pb::DeletePactRequest {
            consumer: "Foo".into(),
            provider: "Bar".into(),
            consumer_version: "1\0".into(),
        })
        .await
        .expect_err("a version that cannot exist");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");

    // The legacy publish refuses such names before writing anything.
    let content = pact("Foo", "Bar", vec![interaction("a thing", "/things/1")]).to_string();
    let (status, _, body) = raw(
        &app,
        reqwest::Method::PUT,
        "/pacts/provider/Bar/consumer/Foo/version/2%00",
        &[("content-type", "application/json")],
        Some(&content),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"]["consumerVersion"].is_array(), "{body}");
    assert_eq!(counts(&app).await, before);
}
