//! Authentication and roles on both transports: every REST route and every
//! RPC of the access table, called with no credentials and as each
//! identity (Basic users and bearer tokens of each role), gets the outcome
//! its rule says.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pactwire::access;
use pactwire::domain::access::Role;
use pactwire::grpc::pb;
use pactwire::service::tokens::TokenInput;
use pactwire::settings::{AuthSettings, BasicUser, BrokerSettings};
use prost::Message;
use reqwest::Method;
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;

use crate::support::process::{serve_command, start, stop};
use crate::support::{TestApp, route_shape};

/// Who calls: a name for messages and the authorization header, if any.
struct Identity {
    name: String,
    role: Option<Role>,
    authorization: Option<String>,
}

fn basic(name: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{name}:{password}")))
}

fn settings(auth: AuthSettings) -> BrokerSettings {
    BrokerSettings {
        auth,
        ..BrokerSettings::default()
    }
}

fn users() -> Vec<BasicUser> {
    vec![
        BasicUser::new("writer", "write-pw", Role::Write),
        BasicUser::new("reader", "read-pw", Role::Read),
    ]
}

fn protected() -> AuthSettings {
    AuthSettings {
        enabled: true,
        users: users(),
        ..AuthSettings::default()
    }
}

/// No credentials, both Basic users, and a token of each role.
async fn identities(app: &TestApp) -> Vec<Identity> {
    let mut all = vec![
        Identity {
            name: "nobody".into(),
            role: None,
            authorization: None,
        },
        Identity {
            name: "Basic reader".into(),
            role: Some(Role::Read),
            authorization: Some(basic("reader", "read-pw")),
        },
        Identity {
            name: "Basic writer".into(),
            role: Some(Role::Write),
            authorization: Some(basic("writer", "write-pw")),
        },
    ];
    for role in Role::ALL {
        all.push(Identity {
            name: format!("{role} token"),
            role: Some(role),
            authorization: Some(format!("Bearer {}", app.token(role).await)),
        });
    }
    all
}

/// What a call should get: let through, 401 or 403.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Outcome {
    Through,
    Unauthenticated,
    Forbidden,
    /// A 5xx or INTERNAL: never expected.
    Failed,
}

fn expected(required: Option<Role>, identity: &Identity) -> Outcome {
    match (required, identity.role) {
        (None, _) => Outcome::Through,
        (Some(_), None) => Outcome::Unauthenticated,
        (Some(required), Some(role)) if role.allows(required) => Outcome::Through,
        (Some(_), Some(_)) => Outcome::Forbidden,
    }
}

/// A concrete path for a route template: each parameter gets a plausible
/// value (what exists does not matter: access is decided first).
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            s if s.starts_with('{') && s.contains("uuid") => {
                "16926ef3-590f-4e3f-838e-719717aa88c9".to_owned()
            }
            s if s.starts_with("{sha") => "0".repeat(40),
            s if s.starts_with("{number") => "1".to_owned(),
            s if s.starts_with('{') => "Foo".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::OPTIONS,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

async fn rest_outcome(app: &TestApp, method: Method, path: &str, identity: &Identity) -> Outcome {
    let mut request = app
        .http
        .request(method.clone(), app.url(path))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(authorization) = &identity.authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.expect("request");
    match response.status().as_u16() {
        401 => {
            let challenges: Vec<_> = response
                .headers()
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                challenges,
                [r#"Basic realm="pactwire""#, r#"Bearer realm="pactwire""#],
                "{method} {path}"
            );
            Outcome::Unauthenticated
        }
        403 => Outcome::Forbidden,
        500.. => Outcome::Failed,
        _ => Outcome::Through,
    }
}

/// Calls an RPC by its path with an empty message, reading only whether
/// access let it through.
async fn grpc_outcome(app: &TestApp, path: &str, identity: &Identity) -> Outcome {
    let mut grpc = tonic::client::Grpc::new(app.channel().await);
    grpc.ready().await.expect("ready");
    let mut request = tonic::Request::new(());
    if let Some(authorization) = &identity.authorization {
        request
            .metadata_mut()
            .insert("authorization", authorization.parse().unwrap());
    }
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    let path = PathAndQuery::try_from(path.to_owned()).unwrap();
    // Server streaming suits every kind of method for one request message.
    match grpc.server_streaming(request, path, codec).await {
        Err(status) if status.code() == Code::Unauthenticated => Outcome::Unauthenticated,
        Err(status) if status.code() == Code::PermissionDenied => Outcome::Forbidden,
        Err(status) if status.code() == Code::Internal => Outcome::Failed,
        _ => Outcome::Through,
    }
}

/// The rule every RPC was registered with, by its path, in order.
async fn rpc_rules(app: &TestApp) -> Vec<(String, access::Rule)> {
    let grpc = pactwire::grpc::router(app.broker().await, 1024).expect("the gRPC router");
    let mut rules: Vec<_> = grpc.rules.iter().map(|(p, r)| (p.clone(), *r)).collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    rules
}

/// Walks both tables as every identity, under `auth`; returns the calls
/// whose outcome was not the expected one.
async fn walk(auth: AuthSettings) -> Vec<String> {
    let app = TestApp::start_with(settings(auth.clone())).await;
    let identities = identities(&app).await;
    let mut wrong = Vec::new();
    for (template, rule) in pactwire::rest::route_rules() {
        let path = concrete(&template);
        for method in METHODS {
            let required = rule.required(access::reads(&method), &auth);
            for identity in &identities {
                let want = expected(required, identity);
                let got = rest_outcome(&app, method.clone(), &path, identity).await;
                if got != want {
                    wrong.push(format!(
                        "{method} {template} as {}: {got:?}, expected {want:?}",
                        identity.name
                    ));
                }
            }
        }
    }
    for (path, rule) in rpc_rules(&app).await {
        let required = rule.required(true, &auth);
        for identity in &identities {
            let want = expected(required, identity);
            let got = grpc_outcome(&app, &path, identity).await;
            if got != want {
                wrong.push(format!(
                    "{path} as {}: {got:?}, expected {want:?}",
                    identity.name
                ));
            }
        }
    }
    wrong
}

#[tokio::test]
async fn every_route_and_rpc_admits_exactly_the_roles_its_rule_names() {
    let wrong = walk(protected()).await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn public_reading_heartbeat_and_badges_need_no_credentials() {
    for auth in [
        AuthSettings {
            allow_public_read: true,
            ..protected()
        },
        AuthSettings {
            public_heartbeat: true,
            public_badges: true,
            ..protected()
        },
    ] {
        let wrong = walk(auth).await;
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}

#[tokio::test]
async fn the_tables_name_every_route_and_every_rpc() {
    // A REST route is declared with its rule; each path is declared once.
    let routes = pactwire::rest::route_rules();
    let paths: BTreeSet<&str> = routes.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths.len(), routes.len(), "a REST path is declared twice");

    let mut rpcs = BTreeSet::new();
    for set in [
        pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ] {
        let set = prost_types::FileDescriptorSet::decode(set).unwrap();
        for file in set.file {
            for service in &file.service {
                for method in &service.method {
                    rpcs.insert(format!(
                        "/{}.{}/{}",
                        file.package(),
                        service.name(),
                        method.name()
                    ));
                }
            }
        }
    }
    let app = TestApp::start().await;
    let ruled: BTreeSet<String> = rpc_rules(&app)
        .await
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(rpcs, ruled, "RPCs and their rules differ");
}

#[tokio::test]
async fn without_settings_everything_is_open() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post("/pacticipants", &serde_json::json!({"name": "Foo"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let reply = app
        .call(Method::GET, "/pacticipants/Foo", None, None, "")
        .await;
    assert_eq!(reply.status, 200);
    // A wrong credential is not looked at when authentication is off.
    let response = app
        .http
        .delete(app.url("/pacticipants/Foo"))
        .header("authorization", basic("who", "ever"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// The credential arguments of a Pact CLI: a token or a Basic user.
fn credential_args(authorization: &Credential) -> Vec<String> {
    match authorization {
        Credential::Token(token) => vec!["--broker-token".into(), token.clone()],
        Credential::User(name, password) => vec![
            "--broker-username".into(),
            name.clone(),
            "--broker-password".into(),
            password.clone(),
        ],
    }
}

enum Credential {
    Token(String),
    User(String, String),
}

#[tokio::test]
async fn the_pact_clis_authenticate_with_a_token_or_a_user() {
    use crate::support::tools::{pact_ruby, pact_rust, run};
    let app = TestApp::start_with(settings(protected())).await;
    let write_token = app.token(Role::Write).await;
    let read_token = app.token(Role::Read).await;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("auth-pacts")
        .join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Foo-Bar.json");
    let pact = crate::support::contracts::pact_about("Foo", "Bar", "orders");
    std::fs::write(&file, pact.to_string()).unwrap();
    let file = file.to_str().unwrap().to_owned();

    let cli = |ruby: bool, args: &[&str], credential: &Credential| {
        let mut command = if ruby {
            pact_ruby("pact-broker")
        } else {
            let mut command = pact_rust();
            command.arg("broker");
            command
        };
        command
            .args(args)
            .args(credential_args(credential))
            .args(["--broker-base-url", &app.base]);
        command
    };
    let writers = [
        Credential::Token(write_token),
        Credential::User("writer".into(), "write-pw".into()),
    ];
    let wrong = [
        Credential::Token("pw_not-a-token".into()),
        Credential::User("writer".into(), "wrong".into()),
    ];
    let create = ["create-environment", "--name", "production", "--production"];
    let (code, out, err) = run(cli(false, &create, &writers[1])).await;
    assert_eq!(code, 0, "create-environment:\n{out}\n{err}");
    // Bar 10 in production verified the pact, so every Foo version with
    // it may go there.
    let publish = ["publish", &file, "--consumer-app-version", "0"];
    let (code, out, err) = run(cli(false, &publish, &writers[1])).await;
    assert_eq!(code, 0, "publish:\n{out}\n{err}");
    let writer = basic("writer", "write-pw");
    let pact: serde_json::Value = app
        .http
        .get(app.url("/pacts/provider/Bar/consumer/Foo/latest"))
        .header("authorization", &writer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let results = pact["_links"]["pb:publish-verification-results"]["href"]
        .as_str()
        .expect("a link to publish results");
    let response = app
        .http
        .post(results)
        .header("authorization", &writer)
        .json(&serde_json::json!({"success": true, "providerApplicationVersion": "10"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let deploy = [
        "record-deployment",
        "--pacticipant",
        "Bar",
        "--version",
        "10",
        "--environment",
        "production",
    ];
    let (code, out, err) = run(cli(false, &deploy, &writers[0])).await;
    assert_eq!(code, 0, "record-deployment:\n{out}\n{err}");
    let mut version = 0;
    for ruby in [false, true] {
        let name = if ruby { "Ruby" } else { "Rust" };
        for credential in &writers {
            version += 1;
            let version = version.to_string();
            let publish = ["publish", &file, "--consumer-app-version", &version];
            let (code, out, err) = run(cli(ruby, &publish, credential)).await;
            assert_eq!(code, 0, "{name} publish:\n{out}\n{err}");
            let can_i_deploy = [
                "can-i-deploy",
                "--pacticipant",
                "Foo",
                "--version",
                &version,
                "--to-environment",
                "production",
            ];
            let (code, out, err) = run(cli(ruby, &can_i_deploy, credential)).await;
            assert_eq!(code, 0, "{name} can-i-deploy:\n{out}\n{err}");
            assert!(out.contains("Computer says yes"), "{name}:\n{out}");
        }
        // A read token may ask can-i-deploy but not publish.
        let reader = Credential::Token(read_token.clone());
        let (code, out, err) = run(cli(
            ruby,
            &[
                "can-i-deploy",
                "--pacticipant",
                "Foo",
                "--version",
                "1",
                "--to-environment",
                "production",
            ],
            &reader,
        ))
        .await;
        assert_eq!(code, 0, "{name} can-i-deploy as a reader:\n{out}\n{err}");
        let (code, out, err) = run(cli(
            ruby,
            &["publish", &file, "--consumer-app-version", "99"],
            &reader,
        ))
        .await;
        assert_ne!(code, 0, "{name} published as a reader:\n{out}\n{err}");
        for credential in &wrong {
            let (code, out, err) = run(cli(
                ruby,
                &["publish", &file, "--consumer-app-version", "100"],
                credential,
            ))
            .await;
            assert_ne!(
                code, 0,
                "{name} published with a wrong credential:\n{out}\n{err}"
            );
            let said = format!("{out}{err}");
            assert!(
                said.contains("401")
                    || said.contains("Authentication")
                    || said.contains("authentic"),
                "{name} did not say why:\n{said}"
            );
        }
    }
}

/// The policy itself, stated independently of the table: the Pact Broker's
/// rules for its two users, and admin for tokens.
#[tokio::test]
async fn the_roles_mean_what_the_pact_broker_and_the_issue_say() {
    use Outcome::{Forbidden, Through, Unauthenticated};
    let app = TestApp::start_with(settings(protected())).await;
    let identities = identities(&app).await;
    let outcomes = |expected: [Outcome; 6]| expected;
    // nobody, Basic reader, Basic writer, read, write and admin tokens.
    let cases: [(Method, &str, [Outcome; 6]); 8] = [
        (
            Method::GET,
            "/pacticipants",
            outcomes([Unauthenticated, Through, Through, Through, Through, Through]),
        ),
        (
            Method::POST,
            "/pacticipants",
            outcomes([
                Unauthenticated,
                Forbidden,
                Through,
                Forbidden,
                Through,
                Through,
            ]),
        ),
        (
            Method::POST,
            "/pacts/provider/Bar/for-verification",
            outcomes([Unauthenticated, Through, Through, Through, Through, Through]),
        ),
        (
            Method::POST,
            "/contracts/publish",
            outcomes([
                Unauthenticated,
                Forbidden,
                Through,
                Forbidden,
                Through,
                Through,
            ]),
        ),
        (
            Method::GET,
            "/tokens",
            outcomes([
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Through,
            ]),
        ),
        (
            Method::GET,
            "/diagnostic/status/heartbeat",
            outcomes([Unauthenticated, Through, Through, Through, Through, Through]),
        ),
        (
            Method::GET,
            "/no/such/path",
            outcomes([Unauthenticated, Through, Through, Through, Through, Through]),
        ),
        (
            Method::DELETE,
            "/no/such/path",
            outcomes([
                Unauthenticated,
                Forbidden,
                Through,
                Forbidden,
                Through,
                Through,
            ]),
        ),
    ];
    for (method, path, expected) in cases {
        for (identity, want) in identities.iter().zip(expected) {
            let got = rest_outcome(&app, method.clone(), path, identity).await;
            assert_eq!(got, want, "{method} {path} as {}", identity.name);
        }
    }
    let rpcs: [(&str, [Outcome; 6]); 4] = [
        (
            "/pactwire.v1.MatrixService/CanIDeploy",
            outcomes([Unauthenticated, Through, Through, Through, Through, Through]),
        ),
        (
            "/pactwire.v1.PactService/PublishContracts",
            outcomes([
                Unauthenticated,
                Forbidden,
                Through,
                Forbidden,
                Through,
                Through,
            ]),
        ),
        (
            "/pactwire.v1.TokenService/CreateToken",
            outcomes([
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Through,
            ]),
        ),
        (
            "/pactwire.v1.NoSuchService/Call",
            outcomes([
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Through,
            ]),
        ),
    ];
    for (path, expected) in rpcs {
        for (identity, want) in identities.iter().zip(expected) {
            let got = grpc_outcome(&app, path, identity).await;
            assert_eq!(got, want, "{path} as {}", identity.name);
        }
    }
}

/// The REST routes whose rule is not the Pact Broker's by-method one,
/// written out by hand rather than read from the table.
#[derive(Clone, Copy, Debug)]
enum Special {
    /// Admin for every method.
    Tokens,
    /// Reading for every method, POST included.
    ForVerification,
    /// Reading for GET, HEAD and OPTIONS, public with badges; else write.
    Badge,
    /// Reading for GET, HEAD and OPTIONS, public with the heartbeat; else
    /// write.
    Heartbeat,
}

const SPECIAL_ROUTES: [(&str, Special); 18] = [
    ("/tokens", Special::Tokens),
    ("/tokens/{uuid}", Special::Tokens),
    (
        "/pacts/provider/{provider}/for-verification",
        Special::ForVerification,
    ),
    ("/diagnostic/status/heartbeat", Special::Heartbeat),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge.svg",
        Special::Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge",
        Special::Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge.svg",
        Special::Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge",
        Special::Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge.svg",
        Special::Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge",
        Special::Badge,
    ),
    (
        "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge.svg",
        Special::Badge,
    ),
    (
        "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge.svg",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge.svg",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge.svg",
        Special::Badge,
    ),
    (
        "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge",
        Special::Badge,
    ),
];

/// Which public setting is on, if any.
#[derive(Clone, Copy, Debug)]
enum Public {
    Nothing,
    Reading,
    Heartbeat,
    Badges,
}

/// What a special route admits, by hand, for nobody, the Basic reader and
/// writer, and the read, write and admin tokens.
fn by_hand(special: Special, public: Public, method: &Method) -> [Outcome; 6] {
    use Outcome::{Forbidden, Through, Unauthenticated};
    const OPEN: [Outcome; 6] = [Through; 6];
    const READ: [Outcome; 6] = [Unauthenticated, Through, Through, Through, Through, Through];
    const WRITE: [Outcome; 6] = [
        Unauthenticated,
        Forbidden,
        Through,
        Forbidden,
        Through,
        Through,
    ];
    const ADMIN: [Outcome; 6] = [
        Unauthenticated,
        Forbidden,
        Forbidden,
        Forbidden,
        Forbidden,
        Through,
    ];
    let reading = [Method::GET, Method::HEAD, Method::OPTIONS].contains(method);
    match (special, public, reading) {
        (Special::Tokens, _, _) => ADMIN,
        (Special::ForVerification, Public::Reading, _) => OPEN,
        (Special::ForVerification, _, _) => READ,
        (Special::Badge | Special::Heartbeat, _, false) => WRITE,
        (_, Public::Reading, true)
        | (Special::Badge, Public::Badges, true)
        | (Special::Heartbeat, Public::Heartbeat, true) => OPEN,
        (Special::Badge | Special::Heartbeat, _, true) => READ,
    }
}

/// Every route that is not by-method admits, for every method, identity
/// and public setting, what is written here by hand, not what the table
/// says; and the table has no other such route, so a new one must be
/// written here too.
#[tokio::test]
async fn the_routes_that_are_not_by_method_admit_what_is_written_by_hand() {
    let in_table: BTreeSet<String> = pactwire::rest::route_rules()
        .iter()
        .filter(|(_, rule)| *rule != access::Rule::ByMethod)
        .map(|(path, _)| route_shape(path))
        .collect();
    let by_hand_routes: BTreeSet<String> = SPECIAL_ROUTES
        .iter()
        .map(|(path, _)| route_shape(path))
        .collect();
    let unlisted: Vec<_> = in_table.difference(&by_hand_routes).collect();
    let stale: Vec<_> = by_hand_routes.difference(&in_table).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "not by-method in the table, yet not written here: {unlisted:?}; \
         written here, yet by-method or missing in the table: {stale:?}"
    );
    for public in [
        Public::Nothing,
        Public::Reading,
        Public::Heartbeat,
        Public::Badges,
    ] {
        let auth = AuthSettings {
            allow_public_read: matches!(public, Public::Reading),
            public_heartbeat: matches!(public, Public::Heartbeat),
            public_badges: matches!(public, Public::Badges),
            ..protected()
        };
        let app = TestApp::start_with(settings(auth)).await;
        let identities = identities(&app).await;
        let mut wrong = Vec::new();
        for (template, special) in SPECIAL_ROUTES {
            let path = concrete(template);
            for method in METHODS {
                let expected = by_hand(special, public, &method);
                for (identity, want) in identities.iter().zip(expected) {
                    let got = rest_outcome(&app, method.clone(), &path, identity).await;
                    if got != want {
                        wrong.push(format!(
                            "{public:?} public: {method} {template} as {}: {got:?}, expected {want:?}",
                            identity.name
                        ));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}

#[tokio::test]
async fn credentials_that_identify_no_one_are_refused_on_both_transports() {
    let app = TestApp::start_with(settings(protected())).await;
    let revoked = {
        let broker = app.broker().await;
        let created = broker
            .create_token(TokenInput {
                name: Some("revoked".into()),
                role: Some("admin".into()),
            })
            .await
            .unwrap();
        broker.revoke_token(&created.token.uuid).await.unwrap();
        created.secret
    };
    let bad = [
        basic("writer", "wrong"),
        basic("nobody", "write-pw"),
        basic("writer", ""),
        "Basic not-base64!".to_owned(),
        format!("Basic {}", STANDARD.encode("no-colon")),
        format!("Bearer {revoked}"),
        "Bearer pw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        "Bearer".to_owned(),
        "Digest username=writer".to_owned(),
    ];
    for authorization in bad {
        let identity = Identity {
            name: authorization.clone(),
            role: None,
            authorization: Some(authorization.clone()),
        };
        assert_eq!(
            rest_outcome(&app, Method::GET, "/pacticipants", &identity).await,
            Outcome::Unauthenticated,
            "{authorization}"
        );
        assert_eq!(
            grpc_outcome(&app, "/pactwire.v1.MatrixService/CanIDeploy", &identity).await,
            Outcome::Unauthenticated,
            "{authorization}"
        );
    }
    // Scheme names are case-insensitive (RFC 9110).
    let reader = app.token(Role::Read).await;
    for authorization in [
        basic("reader", "read-pw").replace("Basic", "basic"),
        format!("bearer {reader}"),
    ] {
        let identity = Identity {
            name: authorization.clone(),
            role: Some(Role::Read),
            authorization: Some(authorization.clone()),
        };
        assert_eq!(
            rest_outcome(&app, Method::GET, "/pacticipants", &identity).await,
            Outcome::Through,
            "{authorization}"
        );
        assert_eq!(
            grpc_outcome(&app, "/pactwire.v1.MatrixService/CanIDeploy", &identity).await,
            Outcome::Through,
            "{authorization}"
        );
    }
}

/// Two `authorization` headers are bad input, whichever of them is valid:
/// the broker reading the first and a proxy the last must not disagree on
/// who calls. Nothing is written.
#[tokio::test]
async fn two_authorization_headers_are_refused_on_both_transports() {
    let app = TestApp::start_with(settings(protected())).await;
    let writer = basic("writer", "write-pw");
    for pair in [
        [writer.clone(), writer.clone()],
        [writer.clone(), basic("reader", "read-pw")],
        [basic("writer", "wrong"), writer.clone()],
    ] {
        let response = app
            .http
            .post(app.url("/pacticipants"))
            .header("content-type", "application/json")
            .header("authorization", &pair[0])
            .header("authorization", &pair[1])
            .body(r#"{"name": "Foo"}"#)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400, "{pair:?}");
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        assert_eq!(
            body,
            serde_json::json!({"errors": {"authorization": ["authorization must be sent at most once"]}}),
            "{pair:?}"
        );

        let mut request = tonic::Request::new(pb::CreatePacticipantRequest {
            pacticipant: Some(pb::Pacticipant {
                name: "Foo".into(),
                ..Default::default()
            }),
        });
        for authorization in &pair {
            request
                .metadata_mut()
                .append("authorization", authorization.parse().unwrap());
        }
        let status = app
            .pacticipants()
            .await
            .create_pacticipant(request)
            .await
            .expect_err("two authorization headers");
        assert_eq!(status.code(), Code::InvalidArgument, "{pair:?}: {status:?}");
        assert_eq!(status.message(), "authorization: must be sent at most once");
    }
    assert_eq!(app.count("pacticipants").await, 0);
    // One of them is enough.
    let identity = Identity {
        name: "writer".into(),
        role: Some(Role::Write),
        authorization: Some(writer),
    };
    assert_eq!(
        rest_outcome(&app, Method::POST, "/pacticipants", &identity).await,
        Outcome::Through
    );
}

#[tokio::test]
async fn a_password_may_contain_a_colon() {
    let auth = AuthSettings {
        enabled: true,
        users: vec![BasicUser::new("writer", "a:b:c", Role::Write)],
        ..AuthSettings::default()
    };
    let app = TestApp::start_with(settings(auth)).await;
    for (password, want) in [("a:b:c", Outcome::Through), ("a", Outcome::Unauthenticated)] {
        let identity = Identity {
            name: password.into(),
            role: None,
            authorization: Some(basic("writer", password)),
        };
        assert_eq!(
            rest_outcome(&app, Method::POST, "/pacticipants", &identity).await,
            want,
            "{password}"
        );
    }
}

/// What the public settings open, stated independently of the table:
/// only reading, the heartbeat and health, or badges, never a write.
#[tokio::test]
async fn public_settings_open_only_what_they_name() {
    use Outcome::{Through, Unauthenticated};
    let nobody = Identity {
        name: "nobody".into(),
        role: None,
        authorization: None,
    };
    let badge = "/pacts/provider/Bar/consumer/Foo/latest/badge";
    let heartbeat = "/diagnostic/status/heartbeat";
    type Cases<'a> = Vec<(Method, &'a str, Outcome)>;
    let public_read: Cases = vec![
        (Method::GET, "/pacticipants", Through),
        (Method::HEAD, "/pacticipants", Through),
        (
            Method::POST,
            "/pacts/provider/Bar/for-verification",
            Through,
        ),
        (Method::GET, heartbeat, Through),
        (Method::GET, badge, Through),
        (Method::POST, "/pacticipants", Unauthenticated),
        (Method::DELETE, "/pacticipants/Foo", Unauthenticated),
        (Method::GET, "/tokens", Unauthenticated),
        (Method::POST, badge, Unauthenticated),
    ];
    let public_heartbeat_and_badges: Cases = vec![
        (Method::GET, heartbeat, Through),
        (Method::GET, badge, Through),
        (Method::GET, "/pacticipants", Unauthenticated),
        (Method::POST, heartbeat, Unauthenticated),
        (Method::POST, badge, Unauthenticated),
    ];
    let rpcs_public_read = [
        ("/pactwire.v1.MatrixService/CanIDeploy", Through),
        ("/grpc.health.v1.Health/Check", Through),
        ("/pactwire.v1.PactService/PublishContracts", Unauthenticated),
        ("/pactwire.v1.TokenService/ListTokens", Unauthenticated),
    ];
    let rpcs_public_heartbeat = [
        ("/grpc.health.v1.Health/Check", Through),
        ("/pactwire.v1.MatrixService/CanIDeploy", Unauthenticated),
    ];
    let modes = [
        (
            AuthSettings {
                allow_public_read: true,
                ..protected()
            },
            public_read,
            &rpcs_public_read[..],
        ),
        (
            AuthSettings {
                public_heartbeat: true,
                public_badges: true,
                ..protected()
            },
            public_heartbeat_and_badges,
            &rpcs_public_heartbeat[..],
        ),
    ];
    for (auth, cases, rpcs) in modes {
        let app = TestApp::start_with(settings(auth)).await;
        for (method, path, want) in cases {
            let got = rest_outcome(&app, method.clone(), path, &nobody).await;
            assert_eq!(got, want, "{method} {path}");
        }
        for (path, want) in rpcs {
            assert_eq!(grpc_outcome(&app, path, &nobody).await, *want, "{path}");
        }
    }
}

/// Each RPC's rule agrees with its name: reading methods read, token and
/// secret methods admin, every other method writes.
#[tokio::test]
async fn rpc_rules_follow_their_names() {
    let app = TestApp::start().await;
    for (path, rule) in rpc_rules(&app).await {
        let (service, method) = path.trim_start_matches('/').split_once('/').unwrap();
        let want = if service.starts_with("grpc.health") {
            access::Rule::Heartbeat
        } else if service == "pactwire.v1.TokenService" || method.contains("Secret") {
            access::Rule::Admin
        } else if [
            "Get",
            "List",
            "Watch",
            "Query",
            "CanIDeploy",
            "ServerReflection",
        ]
        .iter()
        .any(|prefix| method.starts_with(prefix))
        {
            access::Rule::Read
        } else {
            access::Rule::Write
        };
        assert_eq!(rule, want, "{path}");
    }
}

/// Runs `pactwire serve` on the test database with `env`, calls it with
/// `authorizations` over REST and gRPC, stops it, and returns its log.
async fn served_log(env: &[(&str, &str)], authorizations: &[String]) -> String {
    let db = crate::support::pg::database().await;
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-{}.log", uuid::Uuid::new_v4()));
    let mut command = serve_command();
    command
        .args(["--database-url", &db.url, "--log-level", "debug"])
        .envs(env.iter().copied());
    let (child, address) = start(command, &log).await;
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    let channel = tonic::transport::Channel::from_shared(base.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    for authorization in authorizations {
        client
            .get(format!("{base}/pacticipants"))
            .header("authorization", authorization)
            .send()
            .await
            .unwrap();
        let mut matrix = pb::matrix_service_client::MatrixServiceClient::new(channel.clone());
        let mut request = tonic::Request::new(pb::CanIDeployRequest::default());
        request
            .metadata_mut()
            .insert("authorization", authorization.parse().unwrap());
        let _ = matrix.can_i_deploy(request).await;
    }
    stop(child).await;
    std::fs::read_to_string(&log).unwrap()
}

#[tokio::test]
async fn the_log_says_whether_authentication_is_on_and_holds_no_credential() {
    let log = served_log(&[], &[]).await;
    assert!(log.contains("authentication is off"), "{log}");

    let password = "s3cret-Write-pw";
    let authorizations = [
        basic("writer", password),
        basic("writer", "wrong-password-xyz"),
        "Bearer pw_secret-looking-bearer-token-value-xyz".to_owned(),
    ];
    let log = served_log(
        &[
            ("PACT_BROKER_BASIC_AUTH_USERNAME", "writer"),
            ("PACT_BROKER_BASIC_AUTH_PASSWORD", password),
        ],
        &authorizations,
    )
    .await;
    assert!(log.contains("authentication is on"), "{log}");
    assert!(log.contains("writer (write)"), "{log}");
    // Each request's log line names its caller.
    assert!(log.contains("user writer"), "{log}");
    for secret in [
        password,
        "wrong-password-xyz",
        "secret-looking-bearer-token-value-xyz",
    ] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
    for authorization in &authorizations {
        let credentials = authorization.split_once(' ').unwrap().1;
        assert!(
            !log.contains(credentials),
            "{credentials} is in the log:\n{log}"
        );
    }
    // The calls were made and logged, without their credentials.
    assert!(log.contains("/pacticipants"), "{log}");
}
