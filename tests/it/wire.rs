//! The wire, pinned: the status, media type, Location and body of every
//! REST resource, for every method it answers, and the gRPC status and
//! `google.rpc.BadRequest` details of bad inputs, as insta snapshots under
//! `snapshots/` (`it__wire__*.snap`). Times, uuids, token secrets and the
//! server's port are redacted; everything else is as sent. A snapshot that
//! changes is a change of behaviour and needs its own reason.
//!
//! The calls run in order over one history seeded through the API: writes
//! that seed it, every read, writes that change it, deletes, then errors.
//! Every registered route must be called at least once.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::grpc::pb;
use regex::Regex;
use reqwest::Method;
use serde_json::{Map, Value, json};
use tonic_types::StatusExt;

use crate::support::contracts::pact_about;
use crate::support::{TestApp, route_matches, route_shape};

const JSON: &str = "application/json";

const MERGE_PATCH: &str = "application/merge-patch+json";

/// The broker and what the snapshots need to be stable.
struct Wire {
    app: TestApp,
    /// Values that vary from run to run, by the name they are shown as.
    known: Vec<(String, String)>,
    /// Every registered route, by its shape.
    routes: BTreeSet<String>,
    /// Every route called, by its shape.
    covered: BTreeSet<String>,
    /// How often each snapshot name was used, to number repeats.
    names: BTreeMap<String, usize>,
    redactions: Vec<(Regex, &'static str)>,
}

impl Wire {
    async fn start() -> Wire {
        let app = TestApp::start().await;
        Wire {
            known: vec![(app.base.clone(), "http://broker".into())],
            app,
            routes: pactwire::rest::route_rules()
                .iter()
                .map(|(route, _)| route_shape(route))
                .collect(),
            covered: BTreeSet::new(),
            names: BTreeMap::new(),
            redactions: vec![
                (
                    Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
                        .expect("a regex"),
                    "[time]",
                ),
                (
                    Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                        .expect("a regex"),
                    "[uuid]",
                ),
                (
                    Regex::new(r"pw_[A-Za-z0-9_-]{43}").expect("a regex"),
                    "[secret]",
                ),
                // The day a pact was published, in its title (`Version 1 -
                // 01/12/2026`), as the Pact Broker writes it.
                (
                    Regex::new(r"\b\d\d/\d\d/\d{4}\b").expect("a regex"),
                    "[date]",
                ),
                (
                    Regex::new(r"reference [0-9a-f-]{36}").expect("a regex"),
                    "reference [reference]",
                ),
            ],
        }
    }

    /// Shows `value` as `name` in every snapshot from now on.
    fn name(&mut self, value: &str, name: &str) {
        self.known.push((value.to_owned(), format!("[{name}]")));
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (value, name) in &self.known {
            text = text.replace(value, name);
        }
        for (pattern, replacement) in &self.redactions {
            text = pattern.replace_all(&text, *replacement).into_owned();
        }
        text
    }

    fn redact_value(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.redact(text)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (self.redact(k), self.redact_value(v)))
                    .collect::<Map<_, _>>(),
            ),
            other => other.clone(),
        }
    }

    /// A unique snapshot name for a call of `route`.
    fn snapshot_name(&mut self, method: &Method, route: &str) -> String {
        let mut name = method.as_str().to_lowercase();
        for c in route.chars() {
            match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => name.push(c),
                '{' | '}' => {}
                _ => {
                    if !name.ends_with('_') {
                        name.push('_');
                    }
                }
            }
        }
        let name = name.trim_end_matches('_').to_owned();
        let uses = self.names.entry(name.clone()).or_default();
        *uses += 1;
        match *uses {
            1 => name,
            n => format!("{name}-{n}"),
        }
    }

    /// Sends `method path` as a call of `route`, snapshots the reply and
    /// returns its body as JSON (or a string).
    async fn call(
        &mut self,
        route: &'static str,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Value {
        assert!(
            self.routes.contains(&route_shape(route)),
            "{route} is not a registered route"
        );
        assert!(
            route_matches(route, path),
            "{path} is not a path of {route}"
        );
        self.covered.insert(route_shape(route));
        let reply = self
            .app
            .call(method.clone(), path, content_type, None, body)
            .await;
        let name = self.snapshot_name(&method, route);
        let snapshot = json!({
            "request": self.redact(&format!("{method} {path}")),
            "status": reply.status,
            "content-type": reply.header("content-type"),
            "location": reply.location().map(|l| self.redact(l)),
            "body": self.redact_value(&reply.body),
        });
        pin(&name, &snapshot);
        reply.body
    }

    async fn get(&mut self, route: &'static str, path: &str) -> Value {
        self.call(route, Method::GET, path, None, "").await
    }

    async fn send(
        &mut self,
        route: &'static str,
        method: Method,
        path: &str,
        body: Value,
    ) -> Value {
        let content_type = if method == Method::PATCH {
            MERGE_PATCH
        } else {
            JSON
        };
        self.call(route, method, path, Some(content_type), &body.to_string())
            .await
    }

    async fn delete(&mut self, route: &'static str, path: &str) -> Value {
        self.call(route, Method::DELETE, path, None, "").await
    }
}

/// Snapshots `value` as pretty JSON text: insta's own JSON form cannot
/// show the broker's arbitrary precision numbers.
fn pin(name: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("JSON");
    insta::assert_snapshot!(name, text);
}

fn publication(
    consumer: &str,
    version: &str,
    branch: &str,
    tags: &[&str],
    pacts: &[Value],
) -> Value {
    json!({
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "branch": branch,
        "tags": tags,
        "buildUrl": format!("https://ci.example.com/{consumer}/{version}"),
        "contracts": pacts.iter().map(|pact| json!({
            "consumerName": consumer,
            "providerName": pact["provider"]["name"],
            "specification": "pact",
            "contentType": JSON,
            "content": STANDARD.encode(pact.to_string()),
        })).collect::<Vec<_>>(),
    })
}

fn uuid_of(body: &Value) -> String {
    body["uuid"]
        .as_str()
        .unwrap_or_else(|| panic!("a uuid in {body}"))
        .to_owned()
}

#[tokio::test]
async fn every_rest_resource_answers_as_pinned() {
    let mut w = Wire::start().await;

    // Seeding, through the API.
    let test = w
        .send(
            "/environments",
            Method::POST,
            "/environments",
            json!({"name": "test", "displayName": "Test", "production": false}),
        )
        .await;
    let test = uuid_of(&test);
    w.name(&test, "test-uuid");
    let production = w
        .send(
            "/environments",
            Method::POST,
            "/environments",
            json!({
                "name": "production", "displayName": "Production", "production": true,
                "contacts": [{"name": "Team", "details": {"emailAddress": "team@example.com"}}],
            }),
        )
        .await;
    let production = uuid_of(&production);
    w.name(&production, "production-uuid");
    w.send(
        "/pacticipants",
        Method::POST,
        "/pacticipants",
        json!({
            "name": "Web", "displayName": "Web App", "mainBranch": "main",
            "repositoryUrl": "https://git.example.com/web",
        }),
    )
    .await;
    let users = pact_about("Web", "Api", "users");
    let sha_users = w
        .send(
            "/contracts/publish",
            Method::POST,
            "/contracts/publish",
            publication(
                "Web",
                "1.0.0",
                "main",
                &["prod"],
                &[users.clone(), pact_about("Web", "Billing", "invoices")],
            ),
        )
        .await;
    assert!(sha_users["_embedded"].is_object(), "{sha_users}");
    w.send(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        publication(
            "Web",
            "2.0.0",
            "feat/x",
            &["dev"],
            &[pact_about("Web", "Api", "orders")],
        ),
    )
    .await;
    w.send(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        publication(
            "Mobile",
            "3.0.0",
            "main",
            &[],
            &[pact_about("Mobile", "Api", "accounts")],
        ),
    )
    .await;
    let web_pact = w
        .get(
            "/pacts/provider/{provider}/consumer/{consumer}/version/{version}",
            "/pacts/provider/Api/consumer/Web/version/1.0.0",
        )
        .await;
    let sha = web_pact["_links"]["pb:pact-version"]["name"]
        .as_str()
        .expect("a content hash")
        .to_owned();
    let mobile_pact = w
        .get(
            "/pacts/provider/{provider}/consumer/{consumer}/latest",
            "/pacts/provider/Api/consumer/Mobile/latest",
        )
        .await;
    let mobile_sha = mobile_pact["_links"]["pb:pact-version"]["name"]
        .as_str()
        .expect("a content hash")
        .to_owned();
    w.send(
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        Method::PUT,
        "/pacticipants/Api/branches/main/versions/a1",
        json!({}),
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
        Method::PUT,
        "/pacticipants/Api/versions/a1/tags/prod",
        json!({}),
    )
    .await;
    w.send(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results",
        Method::POST,
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/verification-results"),
        json!({
            "success": true, "providerApplicationVersion": "a1",
            "buildUrl": "https://ci.example.com/Api/a1",
            "testResults": {"tests": [{"name": "users", "status": "passed"}]},
            "verifiedBy": {"implementation": "Pact-Rust", "version": "1.5.0"},
        }),
    )
    .await;
    // URL-safe base64 of `p=true`: the pact was pending for the provider.
    w.send(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results",
        Method::POST,
        &format!(
            "/pacts/provider/Api/consumer/Mobile/pact-version/{mobile_sha}/metadata/cD10cnVl/verification-results"
        ),
        json!({"success": false, "providerApplicationVersion": "a1"}),
    )
    .await;
    let deployed_web = w
        .send(
            "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}",
            Method::POST,
            &format!("/pacticipants/Web/versions/1.0.0/deployed-versions/environment/{production}"),
            json!({"applicationInstance": "blue"}),
        )
        .await;
    let deployed_web = uuid_of(&deployed_web);
    w.name(&deployed_web, "deployed-web-uuid");
    let deployed_api = w
        .send(
            "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}",
            Method::POST,
            &format!("/pacticipants/Api/versions/a1/deployed-versions/environment/{production}"),
            json!({}),
        )
        .await;
    w.name(&uuid_of(&deployed_api), "deployed-api-uuid");
    let released_mobile = w
        .send(
            "/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{uuid}",
            Method::POST,
            &format!(
                "/pacticipants/Mobile/versions/3.0.0/released-versions/environment/{production}"
            ),
            json!({}),
        )
        .await;
    let released_mobile = uuid_of(&released_mobile);
    w.name(&released_mobile, "released-mobile-uuid");
    w.send(
        "/pacticipants/{pacticipant}/labels/{label}",
        Method::PUT,
        "/pacticipants/Web/labels/ui",
        json!({}),
    )
    .await;
    let token = w
        .send(
            "/tokens",
            Method::POST,
            "/tokens",
            json!({"name": "ci", "role": "write"}),
        )
        .await;
    let token = uuid_of(&token);
    w.name(&token, "token-uuid");

    // Every read.
    w.get("/", "/").await;
    w.get(
        "/diagnostic/status/heartbeat",
        "/diagnostic/status/heartbeat",
    )
    .await;
    w.get("/pacticipants", "/pacticipants").await;
    w.get("/pacticipants", "/pacticipants?page=2&size=1").await;
    w.get("/pacticipants/{pacticipant}", "/pacticipants/Web")
        .await;
    w.get("/pacticipants/{pacticipant}", "/pacticipants/Api")
        .await;
    w.get("/pacticipants/label/{label}", "/pacticipants/label/ui")
        .await;
    w.get(
        "/pacticipants/{pacticipant}/labels/{label}",
        "/pacticipants/Web/labels/ui",
    )
    .await;
    w.get("/labels", "/labels").await;
    w.get(
        "/pacticipants/{pacticipant}/versions",
        "/pacticipants/Web/versions",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}",
        "/pacticipants/Web/versions/1.0.0",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}",
        "/pacticipants/Api/versions/a1",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/latest-version",
        "/pacticipants/Web/latest-version",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/latest-version/{tag}",
        "/pacticipants/Web/latest-version/prod",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
        "/pacticipants/Web/versions/1.0.0/tags/prod",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches",
        "/pacticipants/Web/branches",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches/{branch}",
        "/pacticipants/Web/branches/feat%2Fx",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches/{branch}/versions",
        "/pacticipants/Web/branches/main/versions",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version",
        "/pacticipants/Web/branches/main/latest-version",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "/pacticipants/Web/branches/main/versions/1.0.0",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}",
        "/pacts/provider/Api/consumer/Web/latest/dev",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}/latest",
        "/pacts/provider/Api/consumer/Web/branch/feat%2Fx/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}",
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}"),
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}",
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/metadata/cD10cnVl"),
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/versions",
        "/pacts/provider/Api/consumer/Web/versions",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}",
        "/pacts/provider/Api/consumer/Web/branch/main",
    )
    .await;
    w.get("/pacts/latest", "/pacts/latest").await;
    w.get(
        "/pacts/provider/{provider}/latest",
        "/pacts/provider/Api/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/latest/{tag}",
        "/pacts/provider/Api/latest/prod",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/branch/latest",
        "/pacts/provider/Api/branch/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/branch/{branch}/latest",
        "/pacts/provider/Api/branch/feat%2Fx/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/branch",
        "/pacts/provider/Api/branch",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/branch/{branch}",
        "/pacts/provider/Api/branch/main",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/latest",
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/verification-results/latest"),
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/{number}",
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/verification-results/1"),
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results/{number}",
        &format!(
            "/pacts/provider/Api/consumer/Mobile/pact-version/{mobile_sha}/metadata/cD10cnVl/verification-results/2"
        ),
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/version/{version}/verification-results/latest",
        "/pacts/provider/Api/consumer/Web/version/1.0.0/verification-results/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/latest/verification-results/latest",
        "/pacts/provider/Api/consumer/Mobile/latest/verification-results/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/verification-results/latest",
        "/pacts/provider/Api/consumer/Web/latest/prod/verification-results/latest",
    )
    .await;
    w.get(
        "/verification-results/consumer/{consumer}/version/{version}/latest",
        "/verification-results/consumer/Web/version/1.0.0/latest",
    )
    .await;
    w.get(
        "/pacts/provider/{provider}/for-verification",
        "/pacts/provider/Api/for-verification?consumer_version_selectors[][branch]=main\
         &consumer_version_selectors[][branch]=feat%2Fx&provider_version_branch=main\
         &include_pending_status=true",
    )
    .await;
    w.send(
        "/pacts/provider/{provider}/for-verification",
        Method::POST,
        "/pacts/provider/Api/for-verification",
        json!({
            "consumerVersionSelectors": [{"mainBranch": true}, {"deployedOrReleased": true}],
            "providerVersionBranch": "main",
            "includePendingStatus": true,
            "includeWipPactsSince": "2020-01-01",
        }),
    )
    .await;
    w.get("/environments", "/environments").await;
    w.get("/environments", "/environments?name=test").await;
    w.get(
        "/environments/{uuid}",
        &format!("/environments/{production}"),
    )
    .await;
    w.get(
        "/environments/{uuid}/deployed-versions/currently-deployed",
        &format!("/environments/{production}/deployed-versions/currently-deployed"),
    )
    .await;
    w.get(
        "/environments/{uuid}/deployed-versions/currently-deployed",
        &format!(
            "/environments/{production}/deployed-versions/currently-deployed?pacticipant=Web&applicationInstance=blue"
        ),
    )
    .await;
    w.get(
        "/environments/{uuid}/released-versions/currently-supported",
        &format!("/environments/{production}/released-versions/currently-supported"),
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}",
        &format!("/pacticipants/Web/versions/1.0.0/deployed-versions/environment/{production}"),
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{uuid}",
        &format!("/pacticipants/Mobile/versions/3.0.0/released-versions/environment/{production}"),
    )
    .await;
    w.get(
        "/deployed-versions/{uuid}",
        &format!("/deployed-versions/{deployed_web}"),
    )
    .await;
    w.get(
        "/released-versions/{uuid}",
        &format!("/released-versions/{released_mobile}"),
    )
    .await;
    w.get(
        "/matrix",
        "/matrix?q[][pacticipant]=Web&q[][version]=1.0.0&q[][pacticipant]=Api&q[][version]=a1&latestby=cvpv",
    )
    .await;
    w.get(
        "/matrix",
        "/matrix?q[][pacticipant]=Web&q[][version]=1.0.0&latestby=cvp&environment=production",
    )
    .await;
    w.get(
        "/matrix",
        "/matrix?q[][pacticipant]=Mobile&q[][latest]=true&latestby=cvp&latest=true&tag=prod",
    )
    .await;
    w.get(
        "/can-i-deploy",
        "/can-i-deploy?pacticipant=Web&version=1.0.0&environment=production",
    )
    .await;
    w.get(
        "/can-i-deploy",
        "/can-i-deploy?pacticipant=Mobile&version=3.0.0&to=prod",
    )
    .await;
    w.get(
        "/matrix/provider/{provider}/consumer/{consumer}",
        "/matrix/provider/Api/consumer/Web",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}",
        "/pacticipants/Web/latest-version/prod/can-i-deploy/to/prod",
    )
    .await;
    w.get(
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}",
        "/pacticipants/Web/branches/main/latest-version/can-i-deploy/to-environment/production",
    )
    .await;
    for suffix in ["", ".svg"] {
        badges(&mut w, suffix).await;
    }
    w.get("/tokens", "/tokens").await;
    w.get("/tokens/{uuid}", &format!("/tokens/{token}")).await;

    // Writes that change what is there.
    w.send(
        "/pacticipants/{pacticipant}",
        Method::PUT,
        "/pacticipants/Web",
        json!({"name": "Web", "displayName": "Web", "mainBranch": "main"}),
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}",
        Method::PATCH,
        "/pacticipants/Web",
        json!({"repositoryName": "web", "repositoryNamespace": "example"}),
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}",
        Method::PUT,
        "/pacticipants/Gateway",
        json!({}),
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}/versions/{version}",
        Method::PUT,
        "/pacticipants/Web/versions/4.0.0",
        json!({"buildUrl": "https://ci.example.com/4", "branch": "main", "tags": [{"name": "rc"}]}),
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}/versions/{version}",
        Method::PATCH,
        "/pacticipants/Web/versions/4.0.0",
        json!({"buildUrl": "https://ci.example.com/4b"}),
    )
    .await;
    w.send(
        PACT_VERSION,
        Method::PUT,
        "/pacts/provider/Api/consumer/Web/version/4.0.0",
        pact_about("Web", "Api", "carts"),
    )
    .await;
    w.send(
        PACT_VERSION,
        Method::PATCH,
        "/pacts/provider/Api/consumer/Web/version/4.0.0",
        pact_about("Web", "Api", "wishlists"),
    )
    .await;
    w.send(
        "/environments/{uuid}",
        Method::PUT,
        &format!("/environments/{test}"),
        json!({"name": "staging", "displayName": "Staging", "production": false}),
    )
    .await;
    w.send(
        "/deployed-versions/{uuid}",
        Method::PATCH,
        &format!("/deployed-versions/{deployed_web}"),
        json!({"currentlyDeployed": false}),
    )
    .await;
    w.send(
        "/released-versions/{uuid}",
        Method::PATCH,
        &format!("/released-versions/{released_mobile}"),
        json!({"currentlySupported": false}),
    )
    .await;

    // Deletes.
    w.delete(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/{number}",
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/verification-results/1"),
    )
    .await;
    w.delete(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results/{number}",
        &format!(
            "/pacts/provider/Api/consumer/Mobile/pact-version/{mobile_sha}/metadata/cD10cnVl/verification-results/2"
        ),
    )
    .await;
    w.delete(
        "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
        "/pacticipants/Web/versions/1.0.0/tags/prod",
    )
    .await;
    w.delete(
        "/pacticipants/{pacticipant}/labels/{label}",
        "/pacticipants/Web/labels/ui",
    )
    .await;
    w.delete(
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "/pacticipants/Api/branches/main/versions/a1",
    )
    .await;
    w.delete(
        "/pacticipants/{pacticipant}/branches/{branch}",
        "/pacticipants/Web/branches/feat%2Fx",
    )
    .await;
    w.delete(
        PACT_VERSION,
        "/pacts/provider/Api/consumer/Web/version/4.0.0",
    )
    .await;
    w.delete(
        "/pacticipants/{pacticipant}/versions/{version}",
        "/pacticipants/Web/versions/4.0.0",
    )
    .await;
    w.delete("/environments/{uuid}", &format!("/environments/{test}"))
        .await;
    w.delete("/tokens/{uuid}", &format!("/tokens/{token}"))
        .await;
    w.delete("/pacticipants/{pacticipant}", "/pacticipants/Gateway")
        .await;

    errors(&mut w, &sha).await;

    let missing: Vec<&String> = w.routes.difference(&w.covered).collect();
    assert!(missing.is_empty(), "routes never called: {missing:#?}");
}

const PACT_VERSION: &str = "/pacts/provider/{provider}/consumer/{consumer}/version/{version}";

/// Every badge, with the `.svg` suffix or without.
async fn badges(w: &mut Wire, suffix: &str) {
    let routes: [(&'static str, &'static str, String); 7] = [
        (
            "/pacts/provider/{provider}/consumer/{consumer}/latest/badge",
            "/pacts/provider/{provider}/consumer/{consumer}/latest/badge.svg",
            "/pacts/provider/Api/consumer/Web/latest/badge".into(),
        ),
        (
            "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge",
            "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge.svg",
            "/pacts/provider/Api/consumer/Web/latest/prod/badge".into(),
        ),
        (
            "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge",
            "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge.svg",
            "/pacts/provider/Api/consumer/Mobile/latest-untagged/badge".into(),
        ),
        (
            "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge",
            "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge.svg",
            "/matrix/provider/Api/latest/prod/consumer/Web/latest/prod/badge".into(),
        ),
        (
            "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge",
            "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge.svg",
            "/pacticipants/Web/latest-version/prod/can-i-deploy/to/prod/badge".into(),
        ),
        (
            "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge",
            "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge.svg",
            "/pacticipants/Web/branches/main/latest-version/can-i-deploy/to-environment/production/badge".into(),
        ),
        (
            "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge",
            "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge.svg",
            "/pacticipants/Mobile/main-branch/can-i-merge/badge".into(),
        ),
    ];
    for (route, svg_route, path) in routes {
        let route = if suffix.is_empty() { route } else { svg_route };
        w.get(route, &format!("{path}{suffix}")).await;
    }
    w.get(
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge",
        "/pacts/provider/Api/consumer/Web/latest/badge?label=consumer&initials=true",
    )
    .await;
}

/// Bad input and missing resources: each answer's status and body.
async fn errors(w: &mut Wire, sha: &str) {
    w.send(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        json!({"pacticipantName": "", "contracts": [{"specification": "swagger"}]}),
    )
    .await;
    // Different content for a published consumer version.
    w.send(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        publication(
            "Web",
            "1.0.0",
            "main",
            &[],
            &[pact_about("Web", "Api", "something else")],
        ),
    )
    .await;
    w.call(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        Some("text/plain"),
        "hello",
    )
    .await;
    w.call(
        "/contracts/publish",
        Method::POST,
        "/contracts/publish",
        Some(JSON),
        "{not json",
    )
    .await;
    w.send(
        "/pacticipants/{pacticipant}",
        Method::PUT,
        "/pacticipants/Web",
        json!({"name": "Other"}),
    )
    .await;
    w.get("/pacticipants/{pacticipant}", "/pacticipants/Nobody")
        .await;
    w.get(
        "/pacticipants/{pacticipant}/versions/{version}",
        "/pacticipants/Web/versions/9.9.9",
    )
    .await;
    w.get("/pacticipants", "/pacticipants?page=0&size=x").await;
    w.get(
        PACT_VERSION,
        "/pacts/provider/Api/consumer/Web/version/9.9.9",
    )
    .await;
    w.send(
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results",
        Method::POST,
        &format!("/pacts/provider/Api/consumer/Web/pact-version/{sha}/verification-results"),
        json!({"success": "yes"}),
    )
    .await;
    w.send(
        "/pacts/provider/{provider}/for-verification",
        Method::POST,
        "/pacts/provider/Api/for-verification",
        json!({"consumerVersionSelectors": [{"tag": "prod", "branch": "main"}, {"environment": "nowhere"}]}),
    )
    .await;
    w.get("/matrix", "/matrix?q[][pacticipant]=Web&latestby=nonsense")
        .await;
    w.get("/can-i-deploy", "/can-i-deploy?pacticipant=Web")
        .await;
    w.send(
        "/environments",
        Method::POST,
        "/environments",
        json!({"name": "production", "production": "yes"}),
    )
    .await;
    w.send(
        "/tokens",
        Method::POST,
        "/tokens",
        json!({"name": "", "role": "root"}),
    )
    .await;
    // The same error as problem+json, when the client asks for it.
    let reply = w
        .app
        .call(
            Method::PUT,
            "/pacticipants/Web",
            Some(JSON),
            Some("application/problem+json"),
            &json!({"name": "Other"}).to_string(),
        )
        .await;
    pin(
        "problem_json",
        &json!({
            "status": reply.status,
            "content-type": reply.header("content-type"),
            "body": w.redact_value(&reply.body),
        }),
    );
    let reply = w
        .app
        .call(Method::GET, "/no/such/path", None, None, "")
        .await;
    pin(
        "unknown_path",
        &json!({
            "status": reply.status,
            "content-type": reply.header("content-type"),
            "body": reply.body,
        }),
    );
}

/// A gRPC error as a snapshot: its code, message and field violations.
fn status_snapshot(status: &tonic::Status) -> Value {
    let violations = status
        .get_details_bad_request()
        .map(|bad| bad.field_violations)
        .unwrap_or_default();
    json!({
        "code": format!("{:?}", status.code()),
        "message": status.message(),
        "fieldViolations": violations
            .iter()
            .map(|v| json!({"field": v.field, "description": v.description}))
            .collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn grpc_errors_answer_as_pinned() {
    let app = TestApp::start().await;
    let channel = app.channel().await;

    let err = pb::pacticipant_service_client::PacticipantServiceClient::new(channel.clone())
        .create_pacticipant(pb::CreatePacticipantRequest {
            pacticipant: Some(pb::Pacticipant {
                name: " ".into(),
                ..Default::default()
            }),
        })
        .await
        .expect_err("a blank name is refused");
    pin("grpc_create_pacticipant_blank_name", &status_snapshot(&err));

    let err = pb::pact_service_client::PactServiceClient::new(channel.clone())
        .publish_contracts(pb::PublishContractsRequest {
            pacticipant_name: "Web".into(),
            pacticipant_version_number: "".into(),
            contracts: vec![pb::ContractToPublish {
                consumer_name: "Mobile".into(),
                provider_name: "Api".into(),
                specification: "swagger".into(),
                content_type: "text/plain".into(),
                content: b"not json".to_vec(),
                on_conflict: 0,
            }],
            ..Default::default()
        })
        .await
        .expect_err("a bad publication is refused");
    pin(
        "grpc_publish_contracts_bad_contract",
        &status_snapshot(&err),
    );

    let err = pb::verification_service_client::VerificationServiceClient::new(channel.clone())
        .get_pacts_for_verification(pb::GetPactsForVerificationRequest {
            provider: "Api".into(),
            consumer_version_selectors: vec![pb::ConsumerVersionSelector {
                tag: "prod".into(),
                branch: "main".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .expect_err("a selector with a tag and a branch is refused");
    pin(
        "grpc_pacts_for_verification_bad_selector",
        &status_snapshot(&err),
    );

    let err = pb::matrix_service_client::MatrixServiceClient::new(channel.clone())
        .query_matrix(pb::QueryMatrixRequest::default())
        .await
        .expect_err("a matrix query without selectors is refused");
    pin("grpc_query_matrix_no_selectors", &status_snapshot(&err));

    let err = pb::deployment_service_client::DeploymentServiceClient::new(channel.clone())
        .record_deployment(pb::RecordDeploymentRequest {
            pacticipant: "Web".into(),
            version: "1".into(),
            environment: "nowhere".into(),
            application_instance: String::new(),
        })
        .await
        .expect_err("an unknown pacticipant is not found");
    pin("grpc_record_deployment_unknown", &status_snapshot(&err));

    let err = pb::token_service_client::TokenServiceClient::new(channel)
        .create_token(pb::CreateTokenRequest {
            name: String::new(),
            role: pb::Role::Unspecified as i32,
        })
        .await
        .expect_err("a token without a name or role is refused");
    pin("grpc_create_token_invalid", &status_snapshot(&err));
}
