//! Environments, deployments and releases over REST and gRPC, and with the
//! real Pact CLIs.

use pactwire::config::BrokerSettings;
use pactwire::grpc::pb;
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::app::Reply;
use crate::support::tools::{pact_ruby, pact_rust, run};

async fn snapshot_app() -> TestApp {
    TestApp::start_with(BrokerSettings {
        base_url: Some("http://broker.example".into()),
        ..BrokerSettings::default()
    })
    .await
}

/// Creates an environment over REST; returns its body.
async fn create_environment(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post("/environments", &body).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// The href of the version's link `relation` named `environment`.
async fn version_link(
    app: &TestApp,
    pacticipant: &str,
    number: &str,
    relation: &str,
    environment: &str,
) -> String {
    let (status, version) = app
        .get(&format!("/pacticipants/{pacticipant}/versions/{number}"))
        .await;
    assert_eq!(status, 200, "{version}");
    let links = version["_links"][relation]
        .as_array()
        .unwrap_or_else(|| panic!("{relation} is an array: {version}"));
    let href = links
        .iter()
        .find(|l| l["name"] == environment)
        .unwrap_or_else(|| panic!("no {relation} named {environment}: {version}"))["href"]
        .as_str()
        .expect("an href");
    path_of(href)
}

/// The path and query of an absolute href, which may be under a
/// configured base URL rather than the app's address.
fn path_of(href: &str) -> String {
    let url = url::Url::parse(href).unwrap_or_else(|err| panic!("{href}: {err}"));
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Records a deployment to the environment "test" through the version's
/// `pb:record-deployment` link, as the CLIs do.
async fn deploy(app: &TestApp, pacticipant: &str, number: &str, body: Value) -> Value {
    deploy_to(app, pacticipant, number, "test", body).await
}

async fn deploy_to(
    app: &TestApp,
    pacticipant: &str,
    number: &str,
    environment: &str,
    body: Value,
) -> Value {
    let href = version_link(
        app,
        pacticipant,
        number,
        "pb:record-deployment",
        environment,
    )
    .await;
    let reply = app
        .call(
            Method::POST,
            &href,
            Some("application/json"),
            None,
            &body.to_string(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.location(),
        reply.body["_links"]["self"]["href"].as_str()
    );
    reply.body
}

fn numbers(list: &Value, kind: &str) -> Vec<String> {
    list["_embedded"][kind]
        .as_array()
        .unwrap_or_else(|| panic!("{kind}: {list}"))
        .iter()
        .map(|d| {
            d["_embedded"]["version"]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

// ---------------------------------------------------------------- REST: environments

#[tokio::test]
async fn environments_are_created_listed_replaced_and_deleted() {
    let app = TestApp::start().await;
    let created = create_environment(
        &app,
        json!({
            "name": "test",
            "production": false,
            "contacts": [{ "name": "Team Foo", "details": { "emailAddress": "foo@example.com" } }],
        }),
    )
    .await;
    assert_eq!(created["displayName"], "Test");
    let uuid = created["uuid"].as_str().unwrap().to_owned();
    create_environment(
        &app,
        json!({"name": "production", "displayName": "Prod", "production": true}),
    )
    .await;

    // RC reads the named links, RCLI the embedded environments.
    let (status, list) = app.get("/environments").await;
    assert_eq!(status, 200, "{list}");
    let names = |key: &str| -> Vec<Value> {
        let items = if key == "links" {
            list["_links"]["pb:environments"].as_array().unwrap()
        } else {
            list["_embedded"]["environments"].as_array().unwrap()
        };
        items.iter().map(|e| e["name"].clone()).collect()
    };
    assert_eq!(names("links"), [json!("production"), json!("test")]);
    assert_eq!(names("embedded"), [json!("production"), json!("test")]);
    let (_, one) = app.get("/environments?name=test").await;
    assert_eq!(one["_embedded"]["environments"][0]["uuid"], json!(uuid));
    let (_, none) = app.get("/environments?name=nope").await;
    assert_eq!(none["_embedded"]["environments"], json!([]));

    let (status, replaced) = app
        .put(
            &format!("/environments/{uuid}"),
            &json!({"name": "staging", "production": false}),
        )
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["name"], "staging");
    assert_eq!(replaced["displayName"], "Staging");
    assert!(replaced.get("contacts").is_none(), "{replaced}");
    let (_, fetched) = app.get(&format!("/environments/{uuid}")).await;
    assert_eq!(fetched["name"], "staging");

    let reply = app
        .call(
            Method::DELETE,
            &format!("/environments/{uuid}"),
            None,
            None,
            "",
        )
        .await;
    assert_eq!(reply.status, 204);
    let (status, _) = app.get(&format!("/environments/{uuid}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn environment_resources_match_the_pact_broker_shape() {
    let app = snapshot_app().await;
    create_environment(
        &app,
        json!({
            "name": "pre-production",
            "production": false,
            "contacts": [{ "name": "Team Foo", "details": { "emailAddress": "foo@example.com" } }],
        }),
    )
    .await;
    app.version("Foo", "1").await;
    deploy_to(
        &app,
        "Foo",
        "1",
        "pre-production",
        json!({"applicationInstance": "blue"}),
    )
    .await;
    let (_, environments) = app.get("/environments").await;
    let uuid = environments["_embedded"]["environments"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    let (_, deployed) = app
        .get(&format!(
            "/environments/{uuid}/deployed-versions/currently-deployed?pacticipant=Foo"
        ))
        .await;
    let uuid_pattern =
        regex::Regex::new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let redact = |value: &Value| -> Value {
        serde_json::from_str(&uuid_pattern.replace_all(&value.to_string(), "[uuid]")).unwrap()
    };
    insta::assert_json_snapshot!("environments_resource", redact(&environments), {
        ".**.createdAt" => "[timestamp]",
    });
    insta::assert_json_snapshot!("version_resource_with_environments", redact(&version), {
        ".**.createdAt" => "[timestamp]",
    });
    insta::assert_json_snapshot!("currently_deployed_versions", redact(&deployed), {
        ".**.createdAt" => "[timestamp]",
    });
}

#[tokio::test]
async fn bad_environments_are_refused_with_the_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    create_environment(&app, json!({"name": "test", "production": false})).await;
    for (body, field, text) in [
        (json!({"production": false}), "name", "name is missing"),
        (
            json!({"name": "", "production": false}),
            "name",
            "name cannot be blank",
        ),
        (
            json!({"name": "pre prod", "production": false}),
            "name",
            "name cannot contain spaces",
        ),
        (
            json!({"name": "test", "production": true}),
            "name",
            "name 'test' is already used by an existing environment.",
        ),
        (json!({"name": "x"}), "production", "production is missing"),
        (
            json!({"name": "x", "production": "yes"}),
            "production",
            "production must be one of: true, false",
        ),
        (
            json!({"name": "x", "production": true, "displayName": "a\nb"}),
            "displayName",
            "displayName cannot contain a new line",
        ),
        (
            json!({"name": "x", "production": true, "contacts": [{"details": {}}]}),
            "contacts[0].name",
            "contacts[0].name is missing",
        ),
        (json!([1]), "body", "body must be a JSON object"),
    ] {
        let (status, reply) = app.post("/environments", &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["errors"][field], json!([text]), "{body}: {reply}");
    }
    assert_eq!(app.count("environments").await, 1);

    let (status, _) = app
        .put(
            "/environments/no-such-uuid",
            &json!({"name": "x", "production": false}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = app.get("/environments").await;
    let uuid = list["_embedded"]["environments"][0]["uuid"]
        .as_str()
        .unwrap();
    let (status, reply) = app
        .put(&format!("/environments/{uuid}"), &json!({"name": "a b"}))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["errors"]["production"],
        json!(["production is missing"])
    );
    let (_, list) = app.get("/environments").await;
    assert_eq!(list["_embedded"]["environments"][0]["name"], "test");
}

// ---------------------------------------------------------------- REST: deployments

#[tokio::test]
async fn a_deployment_ends_the_previous_one_of_the_same_application_instance() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    for number in ["1", "2", "3", "4"] {
        app.version("Foo", number).await;
    }
    app.version("Bar", "1").await;

    // The CLIs send both names; either alone works too.
    let first = deploy(
        &app,
        "Foo",
        "1",
        json!({"applicationInstance": null, "target": null}),
    )
    .await;
    assert_eq!(first["currentlyDeployed"], true);
    assert!(first.get("applicationInstance").is_none(), "{first}");
    assert_eq!(first["_embedded"]["environment"]["name"], "test");
    assert_eq!(first["_embedded"]["pacticipant"]["name"], "Foo");
    assert_eq!(first["_embedded"]["version"]["number"], "1");
    let second = deploy(&app, "Foo", "2", json!({})).await;
    let blue = deploy(&app, "Foo", "3", json!({"target": "blue"})).await;
    assert_eq!(blue["applicationInstance"], "blue");
    assert_eq!(blue["target"], "blue");
    deploy(&app, "Bar", "1", json!({"applicationInstance": "blue"})).await;

    let first_path = path_of(first["_links"]["self"]["href"].as_str().unwrap());
    let (_, first_now) = app.get(&first_path).await;
    assert_eq!(first_now["currentlyDeployed"], false, "{first_now}");
    assert!(first_now["undeployedAt"].is_string(), "{first_now}");

    // Recording the current deployment again changes nothing.
    let again = deploy(&app, "Foo", "2", json!({})).await;
    assert_eq!(again["uuid"], second["uuid"]);

    let listing = |query: &str| {
        format!("/environments/{env_uuid}/deployed-versions/currently-deployed{query}")
    };
    for (query, expected) in [
        ("", vec!["1", "3", "2"]),
        ("?pacticipant=Foo", vec!["3", "2"]),
        ("?pacticipant=Foo&applicationInstance=blue", vec!["3"]),
        ("?pacticipant=Foo&target=blue", vec!["3"]),
        ("?pacticipant=Foo&applicationInstance=", vec!["2"]),
        ("?applicationInstance=blue", vec!["1", "3"]),
        ("?pacticipant=Nobody", vec![]),
    ] {
        let (status, list) = app.get(&listing(query)).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            numbers(&list, "deployedVersions"),
            expected,
            "{query}: {list}"
        );
    }
    let (_, list) = app.get(&listing("?pacticipant=Foo")).await;
    assert_eq!(
        list["_links"]["self"]["href"],
        json!(app.url(&listing("?pacticipant=Foo")))
    );

    // Every deployment of a version to the environment, current or not.
    let href = version_link(&app, "Foo", "1", "pb:record-deployment", "test").await;
    let (status, of_version) = app.get(&href).await;
    assert_eq!(status, 200, "{of_version}");
    assert_eq!(
        of_version["_embedded"]["deployedVersions"][0]["currentlyDeployed"],
        false
    );

    let (_, version) = app.get("/pacticipants/Foo/versions/3").await;
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["application_instance"],
        "blue"
    );
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["name"],
        "Test"
    );
    assert_eq!(
        version["_links"]["pb:deployed-environments"][0]["currently_deployed"],
        true
    );

    // Listings of versions link each to its deployments, current or not;
    // the pacticipant to the current ones.
    let (_, versions) = app.get("/pacticipants/Foo/versions").await;
    let deployed_in_listing: Vec<(Value, Value)> = versions["_embedded"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let links = &v["_links"]["pb:deployed-environments"];
            (v["number"].clone(), json!(links.as_array().unwrap().len()))
        })
        .collect();
    assert_eq!(
        deployed_in_listing,
        [
            (json!("4"), json!(0)),
            (json!("3"), json!(1)),
            (json!("2"), json!(1)),
            (json!("1"), json!(1)),
        ]
    );
    let (_, foo) = app.get("/pacticipants/Foo").await;
    let current: Vec<&Value> = foo["_links"]["pb:deployed-environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["currently_deployed"])
        .collect();
    assert_eq!(current, [&json!(true), &json!(true)], "{foo}");
}

#[tokio::test]
async fn undeploying_is_a_merge_patch_that_cannot_be_undone() {
    let app = TestApp::start().await;
    create_environment(&app, json!({"name": "test", "production": false})).await;
    app.version("Foo", "1").await;
    let deployed = deploy(&app, "Foo", "1", json!({})).await;
    let path = path_of(deployed["_links"]["self"]["href"].as_str().unwrap());

    let reply = app
        .call(
            Method::PATCH,
            &path,
            Some("application/json"),
            None,
            r#"{"currentlyDeployed": false}"#,
        )
        .await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": "no"}))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["errors"]["currentlyDeployed"].is_array(), "{reply}");
    let (_, now) = app.get(&path).await;
    assert_eq!(now["currentlyDeployed"], true);

    let Reply {
        status,
        body: undeployed,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": false}))
        .await;
    assert_eq!(status, 200, "{undeployed}");
    assert_eq!(undeployed["currentlyDeployed"], false);
    let undeployed_at = undeployed["undeployedAt"].clone();
    assert!(undeployed_at.is_string());

    // The Pact Broker answers 422 with this text.
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": true}))
        .await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(
        reply["errors"]["currentlyDeployed"],
        json!([
            "The currentlyDeployed property cannot be set back to true. Please record a new deployment."
        ])
    );
    let Reply {
        status,
        body: again,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlyDeployed": false}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["undeployedAt"], undeployed_at);

    let Reply { status, .. } = app
        .merge_patch(
            "/deployed-versions/nope",
            &json!({"currentlyDeployed": false}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn releases_add_up_and_support_can_end_and_start_again() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    for number in ["1", "2"] {
        app.version("Foo", number).await;
    }
    let release = |number: &'static str| {
        let app = &app;
        async move {
            let href = version_link(app, "Foo", number, "pb:record-release", "test").await;
            app.call(Method::POST, &href, Some("application/json"), None, "{}")
                .await
        }
    };
    let first = release("1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.location(),
        first.body["_links"]["self"]["href"].as_str()
    );
    assert_eq!(first.body["currentlySupported"], true);
    assert_eq!(first.body["_embedded"]["environment"]["name"], "test");
    assert_eq!(release("2").await.status, 201);
    let again = release("1").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["uuid"], first.body["uuid"]);

    let listing = |query: &str| {
        format!("/environments/{env_uuid}/released-versions/currently-supported{query}")
    };
    let (_, list) = app.get(&listing("")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2", "1"]);
    let (_, list) = app.get(&listing("?pacticipant=Foo&version=1")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["1"]);

    let path = path_of(first.body["_links"]["self"]["href"].as_str().unwrap());
    let Reply {
        status,
        body: ended,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlySupported": false}))
        .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["currentlySupported"], false);
    assert!(ended["supportEndedAt"].is_string());
    let Reply {
        status,
        body: reply,
        ..
    } = app
        .merge_patch(&path, &json!({"currentlySupported": true}))
        .await;
    assert_eq!(status, 422, "{reply}");
    let (_, list) = app.get(&listing("?pacticipant=Foo")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2"]);

    // Releasing again makes it supported again.
    assert_eq!(release("1").await.status, 200);
    let (_, list) = app.get(&listing("?pacticipant=Foo&version=1")).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["1"]);
    let (_, version) = app.get("/pacticipants/Foo/versions/1").await;
    assert_eq!(
        version["_links"]["pb:released-environments"][0]["currently_supported"],
        true
    );
}

#[tokio::test]
async fn unknown_versions_environments_and_uuids_are_not_found() {
    let app = TestApp::start().await;
    let env = create_environment(&app, json!({"name": "test", "production": false})).await;
    let env_uuid = env["uuid"].as_str().unwrap();
    app.version("Foo", "1").await;
    for path in [
        format!("/pacticipants/Foo/versions/2/deployed-versions/environment/{env_uuid}"),
        format!("/pacticipants/Nobody/versions/1/deployed-versions/environment/{env_uuid}"),
        "/pacticipants/Foo/versions/1/deployed-versions/environment/nope".to_owned(),
        format!("/pacticipants/Foo/versions/2/released-versions/environment/{env_uuid}"),
        "/pacticipants/Foo/versions/1/released-versions/environment/nope".to_owned(),
    ] {
        // Webmachine's 404, as the Pact Broker answers these.
        app.assert_no_document(Method::POST, &path).await;
        app.assert_no_document(Method::GET, &path).await;
    }
    for path in [
        "/deployed-versions/nope",
        "/released-versions/nope",
        "/environments/nope",
        "/environments/nope/deployed-versions/currently-deployed",
        "/environments/nope/released-versions/currently-supported",
    ] {
        app.assert_no_document(Method::GET, path).await;
    }
    for method in [Method::PUT, Method::DELETE] {
        app.assert_no_document(method, "/environments/nope").await;
    }
    // As is a path no resource has.
    app.assert_no_document(Method::GET, "/no/such/resource")
        .await;
    let (status, reply) = app
        .post(
            &format!("/pacticipants/Foo/versions/1/deployed-versions/environment/{env_uuid}"),
            &json!({"applicationInstance": 3}),
        )
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["errors"]["applicationInstance"].is_array(), "{reply}");
    assert_eq!(app.count("deployed_versions").await, 0);
    assert_eq!(app.count("released_versions").await, 0);
}

// ---------------------------------------------------------------- gRPC

fn environment(name: &str) -> pb::Environment {
    pb::Environment {
        name: name.to_owned(),
        ..Default::default()
    }
}

fn field_of(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn grpc_manages_environments() {
    let app = TestApp::start().await;
    let mut client = app.deployments().await;
    let created = client
        .create_environment(pb::CreateEnvironmentRequest {
            environment: Some(pb::Environment {
                production: true,
                contacts: vec![pb::Contact {
                    name: "Ops".into(),
                    details: [("slack".to_owned(), "#ops".to_owned())].into(),
                }],
                ..environment("production")
            }),
        })
        .await
        .expect("created")
        .into_inner()
        .environment
        .unwrap();
    assert_eq!(created.display_name, "Production");
    assert!(!created.uuid.is_empty());
    let (_, rest) = app.get(&format!("/environments/{}", created.uuid)).await;
    assert_eq!(
        rest["contacts"],
        json!([{"name": "Ops", "details": {"slack": "#ops"}}])
    );

    let duplicate = client
        .create_environment(pb::CreateEnvironmentRequest {
            environment: Some(environment("production")),
        })
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists, "{duplicate:?}");
    for (bad, field) in [
        (environment("a b"), "name"),
        (environment(""), "name"),
        (
            pb::Environment {
                uuid: "a/b".into(),
                ..environment("x")
            },
            "uuid",
        ),
    ] {
        let status = client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(bad),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert_eq!(field_of(&status), [field], "{status:?}");
    }
    assert_eq!(app.count("environments").await, 1);

    for name in ["test", "dev"] {
        client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(environment(name)),
            })
            .await
            .unwrap();
    }
    let page = client
        .list_environments(pb::ListEnvironmentsRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = page.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["dev", "production"]);
    let rest = client
        .list_environments(pb::ListEnvironmentsRequest {
            page_size: 2,
            page_token: page.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.environments[0].name, "test");
    assert!(rest.next_page_token.is_empty());

    let updated = client
        .update_environment(pb::UpdateEnvironmentRequest {
            environment: Some(pb::Environment {
                uuid: created.uuid.clone(),
                display_name: "Live".into(),
                ..environment("ignored")
            }),
            update_mask: vec!["display_name".into()],
        })
        .await
        .unwrap()
        .into_inner()
        .environment
        .unwrap();
    assert_eq!(updated.name, "production");
    assert_eq!(updated.display_name, "Live");
    assert!(updated.production);
    assert_eq!(updated.contacts.len(), 1);
    let taken = client
        .update_environment(pb::UpdateEnvironmentRequest {
            environment: Some(pb::Environment {
                uuid: created.uuid.clone(),
                ..environment("test")
            }),
            update_mask: vec!["name".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(taken.code(), Code::AlreadyExists);

    let by_name = |name: &str| pb::GetEnvironmentRequest {
        key: Some(pb::get_environment_request::Key::Name(name.into())),
    };
    assert_eq!(
        client
            .get_environment(by_name("dev"))
            .await
            .unwrap()
            .into_inner()
            .environment
            .unwrap()
            .name,
        "dev"
    );
    client
        .delete_environment(pb::DeleteEnvironmentRequest {
            key: Some(pb::delete_environment_request::Key::Name("dev".into())),
        })
        .await
        .unwrap();
    let gone = client.get_environment(by_name("dev")).await.unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
}

#[tokio::test]
async fn grpc_records_deployments_undeployments_releases_and_support_ended() {
    let app = TestApp::start().await;
    let mut client = app.deployments().await;
    for name in ["test", "production"] {
        client
            .create_environment(pb::CreateEnvironmentRequest {
                environment: Some(environment(name)),
            })
            .await
            .unwrap();
    }
    for number in ["1", "2", "3"] {
        app.version("Foo", number).await;
    }
    let deploy = |number: &str, environment: &str, instance: &str| pb::RecordDeploymentRequest {
        pacticipant: "Foo".into(),
        version: number.into(),
        environment: environment.into(),
        application_instance: instance.into(),
    };

    let first = client
        .record_deployment(deploy("1", "test", ""))
        .await
        .unwrap()
        .into_inner();
    assert!(first.undeployed_versions.is_empty());
    let second = client
        .record_deployment(deploy("2", "test", ""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        second
            .undeployed_versions
            .iter()
            .map(|d| d.version.as_str())
            .collect::<Vec<_>>(),
        ["1"]
    );
    assert!(!second.undeployed_versions[0].currently_deployed);
    assert!(second.undeployed_versions[0].undeploy_time.is_some());
    client
        .record_deployment(deploy("3", "test", "blue"))
        .await
        .unwrap();
    client
        .record_deployment(deploy("3", "production", ""))
        .await
        .unwrap();

    for (request, code, field) in [
        (deploy("9", "test", ""), Code::NotFound, None),
        (deploy("1", "nowhere", ""), Code::NotFound, None),
        (
            deploy("", "test", ""),
            Code::InvalidArgument,
            Some("version"),
        ),
        (
            deploy("1", "", ""),
            Code::InvalidArgument,
            Some("environment"),
        ),
        (
            deploy("1", "test", "a\nb"),
            Code::InvalidArgument,
            Some("applicationInstance"),
        ),
    ] {
        let status = client.record_deployment(request).await.unwrap_err();
        assert_eq!(status.code(), code, "{status:?}");
        if let Some(field) = field {
            assert_eq!(field_of(&status), [field], "{status:?}");
        }
    }
    assert_eq!(app.count("deployed_versions").await, 4);

    let list = |environment: &str, instance: Option<&str>, page_size: i32| {
        pb::ListCurrentlyDeployedVersionsRequest {
            environment: environment.into(),
            pacticipant: "Foo".into(),
            application_instance: instance.map(str::to_owned),
            page_size,
            ..Default::default()
        }
    };
    let versions = |r: pb::ListCurrentlyDeployedVersionsResponse| -> Vec<(String, String)> {
        r.deployed_versions
            .into_iter()
            .map(|d| (d.version, d.environment))
            .collect()
    };
    let all = client
        .list_currently_deployed_versions(list("", None, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        versions(all),
        [
            ("3".into(), "production".into()),
            ("3".into(), "test".into()),
            ("2".into(), "test".into())
        ]
    );
    let unnamed = client
        .list_currently_deployed_versions(list("test", Some(""), 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(unnamed), [("2".into(), "test".into())]);
    let page = client
        .list_currently_deployed_versions(list("", None, 2))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.deployed_versions.len(), 2);
    let next = client
        .list_currently_deployed_versions(pb::ListCurrentlyDeployedVersionsRequest {
            page_token: page.next_page_token,
            ..list("", None, 2)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(next), [("2".into(), "test".into())]);
    let unknown = client
        .list_currently_deployed_versions(list("nowhere", None, 0))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    let undeploy = |instance: &str| pb::RecordUndeploymentRequest {
        pacticipant: "Foo".into(),
        environment: "test".into(),
        application_instance: instance.into(),
    };
    let undeployed = client
        .record_undeployment(undeploy("blue"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undeployed.undeployed_versions[0].version, "3");
    assert_eq!(
        undeployed.undeployed_versions[0].application_instance,
        "blue"
    );
    let again = client
        .record_undeployment(undeploy("blue"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound, "{again:?}");
    let left = client
        .list_currently_deployed_versions(list("test", None, 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(versions(left), [("2".into(), "test".into())]);

    let release = |number: &str| pb::RecordReleaseRequest {
        pacticipant: "Foo".into(),
        version: number.into(),
        environment: "production".into(),
    };
    let released = client
        .record_release(release("1"))
        .await
        .unwrap()
        .into_inner();
    assert!(released.created);
    assert!(
        !client
            .record_release(release("1"))
            .await
            .unwrap()
            .into_inner()
            .created
    );
    client.record_release(release("2")).await.unwrap();
    let supported = |version: &str| pb::ListCurrentlySupportedVersionsRequest {
        environment: "production".into(),
        pacticipant: "Foo".into(),
        version: version.into(),
        ..Default::default()
    };
    let listed = client
        .list_currently_supported_versions(supported(""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.released_versions.len(), 2);
    let ended = client
        .record_support_ended(pb::RecordSupportEndedRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            environment: "production".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .released_version
        .unwrap();
    assert!(!ended.currently_supported);
    assert!(ended.support_end_time.is_some());
    let again = client
        .record_support_ended(pb::RecordSupportEndedRequest {
            pacticipant: "Foo".into(),
            version: "1".into(),
            environment: "production".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
    let listed = client
        .list_currently_supported_versions(supported(""))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed
            .released_versions
            .iter()
            .map(|r| r.version.as_str())
            .collect::<Vec<_>>(),
        ["2"]
    );
    let one = client
        .list_currently_supported_versions(supported("2"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.released_versions.len(), 1);
}

// ---------------------------------------------------------------- the real CLIs

async fn succeeds(mut command: std::process::Command, args: &[&str]) -> String {
    command.args(args);
    let description = format!("{command:?}");
    let (code, out, err) = run(command).await;
    assert_eq!(code, 0, "{description} failed:\n{out}\n{err}");
    out
}

/// Drives one CLI through every deployment command; `cli` builds a
/// command for the subcommand with the broker URL set.
async fn cli_round_trip(app: &TestApp, cli: impl Fn(&str) -> std::process::Command) {
    app.version("Foo", "1").await;
    app.version("Foo", "2").await;
    succeeds(
        cli("create-environment"),
        &[
            "--name",
            "test",
            "--display-name",
            "Test Env",
            "--contact-name",
            "Team",
            "--contact-email-address",
            "team@example.com",
        ],
    )
    .await;
    succeeds(
        cli("create-environment"),
        &["--name", "production", "--production"],
    )
    .await;
    let (_, list) = app.get("/environments").await;
    let environments = list["_embedded"]["environments"].as_array().unwrap();
    let test = environments
        .iter()
        .find(|e| e["name"] == "test")
        .expect("test");
    assert_eq!(test["displayName"], "Test Env");
    assert_eq!(test["production"], false);
    assert_eq!(test["contacts"][0]["name"], "Team");
    let production = environments
        .iter()
        .find(|e| e["name"] == "production")
        .expect("production");
    assert_eq!(production["production"], true);
    let test_uuid = test["uuid"].as_str().unwrap();
    let production_uuid = production["uuid"].as_str().unwrap();

    let deployed = |query: &str| {
        format!(
            "/environments/{test_uuid}/deployed-versions/currently-deployed?pacticipant=Foo{query}"
        )
    };
    succeeds(
        cli("record-deployment"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "test",
        ],
    )
    .await;
    succeeds(
        cli("record-deployment"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "2",
            "--environment",
            "test",
            "--application-instance",
            "blue",
        ],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), ["2", "1"]);

    succeeds(
        cli("record-undeployment"),
        &[
            "--pacticipant",
            "Foo",
            "--environment",
            "test",
            "--application-instance",
            "blue",
        ],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), ["1"]);
    succeeds(
        cli("record-undeployment"),
        &["--pacticipant", "Foo", "--environment", "test"],
    )
    .await;
    let (_, list) = app.get(&deployed("")).await;
    assert_eq!(numbers(&list, "deployedVersions"), Vec::<String>::new());

    let supported = format!(
        "/environments/{production_uuid}/released-versions/currently-supported?pacticipant=Foo"
    );
    succeeds(
        cli("record-release"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "production",
        ],
    )
    .await;
    succeeds(
        cli("record-release"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "2",
            "--environment",
            "production",
        ],
    )
    .await;
    let (_, list) = app.get(&supported).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2", "1"]);
    succeeds(
        cli("record-support-ended"),
        &[
            "--pacticipant",
            "Foo",
            "--version",
            "1",
            "--environment",
            "production",
        ],
    )
    .await;
    let (_, list) = app.get(&supported).await;
    assert_eq!(numbers(&list, "releasedVersions"), ["2"]);
}

#[tokio::test]
async fn the_rust_cli_records_environments_deployments_and_releases() {
    let app = TestApp::start().await;
    let base = app.base.clone();
    cli_round_trip(&app, |subcommand| {
        let mut command = pact_rust();
        command.args(["broker", subcommand, "--broker-base-url", &base]);
        command
    })
    .await;
}

#[tokio::test]
async fn the_ruby_cli_records_environments_deployments_and_releases() {
    let app = TestApp::start().await;
    let base = app.base.clone();
    cli_round_trip(&app, |subcommand| {
        let mut command = pact_ruby("pact-broker");
        command.args([subcommand, "--broker-base-url", &base]);
        command
    })
    .await;
}

// ---------------------------------------------------------------- tags, branches and settings

async fn currently_deployed_numbers(
    app: &TestApp,
    environment: &Value,
    pacticipant: &str,
) -> Vec<String> {
    let uuid = environment["uuid"].as_str().unwrap();
    let (status, list) = app
        .get(&format!(
            "/environments/{uuid}/deployed-versions/currently-deployed?pacticipant={pacticipant}"
        ))
        .await;
    assert_eq!(status, 200, "{list}");
    numbers(&list, "deployedVersions")
}

#[tokio::test]
async fn tagging_with_an_environments_name_records_a_deployment_unless_switched_off() {
    let app = TestApp::start().await;
    let prod = create_environment(&app, json!({"name": "prod", "production": true})).await;
    app.tag("Foo", "1", "prod").await;
    app.tag("Foo", "1", "other").await;
    assert_eq!(currently_deployed_numbers(&app, &prod, "Foo").await, ["1"]);
    // The next version tagged so replaces it, as a deployment would.
    let mut client = app.versions().await;
    client
        .add_tag(pb::AddTagRequest {
            pacticipant: "Foo".into(),
            version: "2".into(),
            tag: "prod".into(),
        })
        .await
        .expect("tagged over gRPC");
    assert_eq!(currently_deployed_numbers(&app, &prod, "Foo").await, ["2"]);

    let off = TestApp::start_with(BrokerSettings {
        create_deployed_versions_for_tags: false,
        ..BrokerSettings::default()
    })
    .await;
    let prod = create_environment(&off, json!({"name": "prod", "production": true})).await;
    off.tag("Foo", "1", "prod").await;
    assert_eq!(
        currently_deployed_numbers(&off, &prod, "Foo").await,
        Vec::<String>::new()
    );
}

async fn main_branch(app: &TestApp, pacticipant: &str) -> Value {
    let (status, body) = app.get(&format!("/pacticipants/{pacticipant}")).await;
    assert_eq!(status, 200, "{body}");
    body.get("mainBranch").cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_candidate_branch_or_tag_becomes_the_main_branch_of_a_pacticipant_without_one() {
    let app = TestApp::start().await;
    let (status, _) = app
        .put("/pacticipants/Foo/branches/feat/versions/1", &json!({}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(main_branch(&app, "Foo").await, Value::Null);
    app.put("/pacticipants/Foo/branches/main/versions/2", &json!({}))
        .await;
    assert_eq!(main_branch(&app, "Foo").await, "main");
    // Set once: a later candidate does not change it.
    app.put("/pacticipants/Foo/branches/master/versions/3", &json!({}))
        .await;
    assert_eq!(main_branch(&app, "Foo").await, "main");

    app.tag("Bar", "1", "develop").await;
    assert_eq!(main_branch(&app, "Bar").await, "develop");

    let off = TestApp::start_with(BrokerSettings {
        auto_detect_main_branch: false,
        ..BrokerSettings::default()
    })
    .await;
    off.put("/pacticipants/Foo/branches/main/versions/1", &json!({}))
        .await;
    assert_eq!(main_branch(&off, "Foo").await, Value::Null);
    let custom = TestApp::start_with(BrokerSettings {
        main_branch_candidates: vec!["trunk".into()],
        ..BrokerSettings::default()
    })
    .await;
    custom
        .put("/pacticipants/Foo/branches/main/versions/1", &json!({}))
        .await;
    custom
        .put("/pacticipants/Foo/branches/trunk/versions/2", &json!({}))
        .await;
    assert_eq!(main_branch(&custom, "Foo").await, "trunk");
}

async fn branches_of(app: &TestApp, pacticipant: &str, number: &str) -> Vec<Value> {
    let (_, version) = app
        .get(&format!("/pacticipants/{pacticipant}/versions/{number}"))
        .await;
    version["_embedded"]["branchVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].clone())
        .collect()
}

#[tokio::test]
async fn the_first_tag_of_a_new_version_without_a_branch_becomes_its_branch() {
    let app = TestApp::start().await;
    app.tag("Foo", "1", "feat-x").await;
    app.tag("Foo", "1", "other").await;
    assert_eq!(branches_of(&app, "Foo", "1").await, [json!("feat-x")]);
    let (_, branch) = app.get("/pacticipants/Foo/branches/feat-x").await;
    assert_eq!(branch["latestVersion"], "1", "{branch}");

    // A version already on a branch keeps it.
    app.put("/pacticipants/Foo/branches/main/versions/2", &json!({}))
        .await;
    app.tag("Foo", "2", "feat-y").await;
    assert_eq!(branches_of(&app, "Foo", "2").await, [json!("main")]);

    for settings in [
        BrokerSettings {
            use_first_tag_as_branch: false,
            ..BrokerSettings::default()
        },
        BrokerSettings {
            use_first_tag_as_branch_time_limit: 0,
            ..BrokerSettings::default()
        },
    ] {
        let app = TestApp::start_with(settings).await;
        app.version("Foo", "1").await;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        app.tag("Foo", "1", "feat-x").await;
        assert_eq!(branches_of(&app, "Foo", "1").await, Vec::<Value>::new());
    }
}
