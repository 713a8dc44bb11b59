//! Bearer tokens over REST, gRPC and `pactwire token`, and how the broker
//! identifies a request's token.

use std::process::Command;

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use pactwire::domain::access::Role;
use pactwire::grpc::pb;
use pactwire::service::tokens::{TokenIdentity, TokenInput};
use reqwest::Method;
use serde_json::{Value, json};
use tonic::Code;

use crate::support::TestApp;
use crate::support::tools::run;

/// The service layer over the app's database, as the auth layer calls it.
fn identity(name: &str, role: Role) -> Option<TokenIdentity> {
    Some(TokenIdentity {
        name: name.to_owned(),
        role,
    })
}

async fn sql(app: &TestApp, statement: &str) {
    let mut conn = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    diesel::sql_query(statement)
        .execute(&mut conn)
        .await
        .expect("running SQL");
}

/// Creates a token over REST; returns the reply body.
async fn create(app: &TestApp, name: &str, role: &str) -> Value {
    let (status, body) = app
        .post("/tokens", &json!({"name": name, "role": role}))
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn str_of<'a>(body: &'a Value, field: &str) -> &'a str {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {body}"))
}

fn assert_no_secret(body: &Value, secret: &str) {
    let text = body.to_string();
    assert!(!text.contains(secret), "the secret leaked: {text}");
    assert!(!text.contains("\"secret\""), "a secret field: {text}");
    assert!(!text.contains("sha256"), "a digest field: {text}");
}

// ---------------------------------------------------------------- REST

#[tokio::test]
async fn rest_creates_lists_shows_and_revokes_tokens() {
    let app = TestApp::start().await;
    let broker = app.broker().await;

    let reply = app
        .call(
            Method::POST,
            "/tokens",
            Some("application/json"),
            None,
            &json!({"name": "ci", "role": "write"}).to_string(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let created = reply.body.clone();
    let uuid = str_of(&created, "uuid").to_owned();
    let secret = str_of(&created, "secret").to_owned();
    let url = app.url(&format!("/tokens/{uuid}"));
    assert_eq!(reply.location(), Some(url.as_str()));
    assert_eq!(created["_links"]["self"]["href"], json!(url));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(secret.starts_with("pw_") && secret.len() == 46, "{secret}");
    assert_eq!(created["name"], "ci");
    assert_eq!(created["role"], "write");
    assert!(created["createdAt"].is_string(), "{created}");
    assert!(created.get("lastUsedAt").is_none(), "{created}");
    assert!(created.get("revokedAt").is_none(), "{created}");

    let (status, list) = app.get("/tokens").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["_links"]["self"]["href"], json!(app.url("/tokens")));
    assert_eq!(list["page"]["totalElements"], 1, "{list}");
    let listed = &list["_embedded"]["tokens"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(listed[0]["uuid"], json!(uuid));
    assert_eq!(listed[0]["role"], "write");
    assert_no_secret(&list, &secret);

    let (status, shown) = app.get(&format!("/tokens/{uuid}")).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["name"], "ci");
    assert_no_secret(&shown, &secret);

    // The secret identifies the token, and the use is recorded.
    assert_eq!(
        broker.identify_token(&secret).await.unwrap(),
        identity("ci", Role::Write)
    );
    let (_, shown) = app.get(&format!("/tokens/{uuid}")).await;
    assert!(shown["lastUsedAt"].is_string(), "{shown}");

    let reply = app
        .call(Method::DELETE, &format!("/tokens/{uuid}"), None, None, "")
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(broker.identify_token(&secret).await.unwrap(), None);
    let (status, revoked) = app.get(&format!("/tokens/{uuid}")).await;
    assert_eq!(status, 200, "{revoked}");
    let revoked_at = revoked["revokedAt"].clone();
    assert!(revoked_at.is_string(), "{revoked}");

    // Revoking again succeeds and keeps the first revocation time.
    let reply = app
        .call(Method::DELETE, &format!("/tokens/{uuid}"), None, None, "")
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    let (_, revoked) = app.get(&format!("/tokens/{uuid}")).await;
    assert_eq!(revoked["revokedAt"], revoked_at);

    let (_, live) = app.get("/tokens").await;
    assert_eq!(live["_embedded"]["tokens"], json!([]), "{live}");
    let (_, all) = app.get("/tokens?includeRevoked=true").await;
    assert_eq!(all["_embedded"]["tokens"][0]["uuid"], json!(uuid), "{all}");

    // The name of a revoked token can be used again, with a new secret.
    let again = create(&app, "ci", "read").await;
    assert_ne!(again["uuid"], json!(uuid));
    assert_ne!(again["secret"], json!(secret));
    assert_eq!(
        broker
            .identify_token(str_of(&again, "secret"))
            .await
            .unwrap(),
        identity("ci", Role::Read)
    );
}

#[tokio::test]
async fn a_name_is_taken_while_its_token_is_live() {
    let app = TestApp::start().await;
    create(&app, "ci", "read").await;
    let (status, body) = app
        .post("/tokens", &json!({"name": "ci", "role": "admin"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap_or_default().contains("'ci'"),
        "{body}"
    );
    assert_eq!(app.count("tokens").await, 1);
}

#[tokio::test]
async fn rest_pages_through_tokens() {
    let app = TestApp::start().await;
    for name in ["a", "b", "c"] {
        create(&app, name, "read").await;
    }
    let (_, tokens) = app.get("/tokens").await;
    let b = str_of(&tokens["_embedded"]["tokens"][1], "uuid").to_owned();
    let reply = app
        .call(Method::DELETE, &format!("/tokens/{b}"), None, None, "")
        .await;
    assert_eq!(reply.status, 204);

    let (_, first) = app.get("/tokens?size=1").await;
    assert_eq!(first["_embedded"]["tokens"][0]["name"], "a", "{first}");
    assert_eq!(first["page"]["totalElements"], 2, "{first}");
    let (_, second) = app.get("/tokens?page=2&size=1").await;
    assert_eq!(second["_embedded"]["tokens"][0]["name"], "c", "{second}");

    let (_, first) = app.get("/tokens?size=1&includeRevoked=true").await;
    assert_eq!(first["page"]["totalElements"], 3, "{first}");
    let next = str_of(&first["_links"]["next"], "href");
    let next = next.strip_prefix(&app.base).expect("a link to the app");
    let (_, second) = app.get(next).await;
    assert_eq!(second["_embedded"]["tokens"][0]["name"], "b", "{second}");
    assert!(second["_embedded"]["tokens"][0]["revokedAt"].is_string());
}

#[tokio::test]
async fn bad_tokens_are_refused_with_the_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    let cases = [
        (json!({"name": "ci", "role": "root"}), "role"),
        (json!({"name": "ci", "role": "Admin"}), "role"),
        (json!({"name": "ci", "role": ""}), "role"),
        (json!({"name": "ci"}), "role"),
        (json!({"name": "ci", "role": 3}), "role"),
        (json!({"name": "", "role": "read"}), "name"),
        (json!({"name": "  ", "role": "read"}), "name"),
        (json!({"name": "a\nb", "role": "read"}), "name"),
        (json!({"name": "a\u{0}b", "role": "read"}), "name"),
        (json!({"role": "read"}), "name"),
        (json!({"name": ["ci"], "role": "read"}), "name"),
    ];
    for (body, field) in cases {
        let (status, reply) = app.post("/tokens", &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        let errors = reply["errors"].as_object().expect("errors");
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            [field],
            "{body}: {reply}"
        );
    }
    // Every problem at once.
    let (status, reply) = app
        .post("/tokens", &json!({"name": "a\nb", "role": "root"}))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(
        reply["errors"],
        json!({
            "name": ["name cannot contain a new line"],
            "role": ["role 'root' is not a role: expected read, write or admin"],
        })
    );
    let (status, reply) = app.get("/tokens?includeRevoked=yes").await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["errors"]["includeRevoked"].is_array(), "{reply}");
    assert_eq!(app.count("tokens").await, 0);
}

#[tokio::test]
async fn unknown_tokens_are_not_found() {
    let app = TestApp::start().await;
    for method in [Method::GET, Method::DELETE] {
        for path in ["/tokens/no-such-token", "/tokens/a%00b"] {
            let reply = app.call(method.clone(), path, None, None, "").await;
            assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
        }
    }
    let mut client = app.tokens().await;
    let status = client
        .get_token(pb::GetTokenRequest {
            uuid: "no-such-token".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = client
        .revoke_token(pb::RevokeTokenRequest {
            uuid: "no-such-token".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = client
        .get_token(pb::GetTokenRequest {
            uuid: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(fields_of(&status), ["uuid"]);
}

// ---------------------------------------------------------------- identify_token

#[tokio::test]
async fn identify_token_records_use_at_most_once_a_minute() {
    let app = TestApp::start().await;
    let broker = app.broker().await;
    let created = broker
        .create_token(TokenInput {
            name: Some("deployer".into()),
            role: Some("admin".into()),
        })
        .await
        .unwrap();
    let uuid = created.token.uuid.clone();
    assert_eq!(created.token.last_used_at, None);

    assert_eq!(
        broker.identify_token(&created.secret).await.unwrap(),
        identity("deployer", Role::Admin)
    );
    let first_use = broker.get_token(&uuid).await.unwrap().last_used_at;
    assert!(first_use.is_some());
    // Within the minute, a use is not written again.
    broker.identify_token(&created.secret).await.unwrap();
    assert_eq!(
        broker.get_token(&uuid).await.unwrap().last_used_at,
        first_use
    );

    // Once the recorded use is older than a minute, it is.
    sql(
        &app,
        "UPDATE tokens SET last_used_at = last_used_at - interval '2 minutes'",
    )
    .await;
    let stale = broker.get_token(&uuid).await.unwrap().last_used_at;
    broker.identify_token(&created.secret).await.unwrap();
    let used = broker.get_token(&uuid).await.unwrap().last_used_at;
    assert!(used > stale && used >= first_use, "{stale:?} then {used:?}");

    // Anything else identifies nobody.
    let mut altered = created.secret.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let other_shape = format!("pw_{}", "A".repeat(43));
    for text in [
        "",
        "pw_",
        altered.as_str(),
        other_shape.as_str(),
        &created.secret[3..],
        &format!("{} ", created.secret),
        &created.secret.to_uppercase(),
    ] {
        assert_eq!(broker.identify_token(text).await.unwrap(), None, "{text:?}");
    }

    broker.revoke_token(&uuid).await.unwrap();
    assert_eq!(broker.identify_token(&created.secret).await.unwrap(), None);
}

#[tokio::test]
async fn the_database_holds_only_a_digest_of_the_secret() {
    #[derive(QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        json: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        digest_matches: bool,
    }
    let app = TestApp::start().await;
    let created = create(&app, "ci", "admin").await;
    let secret = str_of(&created, "secret");
    let encoded = secret.strip_prefix("pw_").unwrap();
    let mut conn = AsyncPgConnection::establish(&app.db.url)
        .await
        .expect("connecting");
    let stored: Vec<Stored> = diesel::sql_query(
        "SELECT row_to_json(t)::text AS json, \
                t.secret_sha256 = sha256(convert_to($1, 'UTF8')) AS digest_matches \
         FROM tokens t",
    )
    .bind::<diesel::sql_types::Text, _>(secret)
    .load(&mut conn)
    .await
    .expect("reading the tokens");
    assert_eq!(stored.len(), 1);
    assert!(stored[0].digest_matches, "{}", stored[0].json);
    let row = &stored[0].json;
    assert!(!row.contains(encoded), "the secret is stored: {row}");
    assert!(row.contains("\"name\":\"ci\""), "{row}");
}

// ---------------------------------------------------------------- gRPC

fn fields_of(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

fn create_request(name: &str, role: pb::Role) -> pb::CreateTokenRequest {
    pb::CreateTokenRequest {
        name: name.to_owned(),
        role: role as i32,
    }
}

#[tokio::test]
async fn grpc_manages_tokens() {
    let app = TestApp::start().await;
    let broker = app.broker().await;
    let mut client = app.tokens().await;
    let created = client
        .create_token(create_request("ci-admin", pb::Role::Admin))
        .await
        .expect("CreateToken")
        .into_inner();
    let token = created.token.expect("a token");
    assert_eq!(token.name, "ci-admin");
    assert_eq!(token.role, pb::Role::Admin as i32);
    assert!(token.create_time.is_some());
    assert_eq!((token.last_use_time, token.revoke_time), (None, None));
    assert_eq!(
        broker.identify_token(&created.secret).await.unwrap(),
        identity("ci-admin", Role::Admin)
    );
    let other = client
        .create_token(create_request("reader", pb::Role::Read))
        .await
        .expect("CreateToken")
        .into_inner()
        .token
        .unwrap();

    let first = client
        .list_tokens(pb::ListTokensRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("ListTokens")
        .into_inner();
    assert_eq!(first.tokens.len(), 1);
    assert_eq!(first.tokens[0].uuid, token.uuid);
    assert!(first.tokens[0].last_use_time.is_some(), "{first:?}");
    assert!(!format!("{first:?}").contains(&created.secret));
    let second = client
        .list_tokens(pb::ListTokensRequest {
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .expect("ListTokens")
        .into_inner();
    assert_eq!(second.tokens[0].uuid, other.uuid);
    assert_eq!(second.next_page_token, "");

    let fetched = client
        .get_token(pb::GetTokenRequest {
            uuid: token.uuid.clone(),
        })
        .await
        .expect("GetToken")
        .into_inner()
        .token
        .unwrap();
    assert_eq!(fetched.name, "ci-admin");

    let revoked = client
        .revoke_token(pb::RevokeTokenRequest {
            uuid: token.uuid.clone(),
        })
        .await
        .expect("RevokeToken")
        .into_inner()
        .token
        .unwrap();
    assert!(revoked.revoke_time.is_some());
    assert_eq!(broker.identify_token(&created.secret).await.unwrap(), None);
    let again = client
        .revoke_token(pb::RevokeTokenRequest {
            uuid: token.uuid.clone(),
        })
        .await
        .expect("revoking twice")
        .into_inner()
        .token
        .unwrap();
    assert_eq!(again.revoke_time, revoked.revoke_time);

    let live = client
        .list_tokens(pb::ListTokensRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        live.tokens.iter().map(|t| &t.name).collect::<Vec<_>>(),
        ["reader"]
    );
    let all = client
        .list_tokens(pb::ListTokensRequest {
            include_revoked: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.tokens.len(), 2);
}

#[tokio::test]
async fn grpc_refuses_bad_tokens_with_the_field() {
    let app = TestApp::start().await;
    let mut client = app.tokens().await;
    let cases = [
        (create_request("ci", pb::Role::Unspecified), "role"),
        (
            pb::CreateTokenRequest {
                name: "ci".into(),
                role: 99,
            },
            "role",
        ),
        (create_request("", pb::Role::Read), "name"),
        (create_request("a\r\nb", pb::Role::Read), "name"),
    ];
    for (request, field) in cases {
        let status = client.create_token(request.clone()).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{request:?}");
        assert_eq!(fields_of(&status), [field], "{request:?}: {status:?}");
    }
    assert_eq!(app.count("tokens").await, 0);

    client
        .create_token(create_request("ci", pb::Role::Write))
        .await
        .expect("CreateToken");
    let status = client
        .create_token(create_request("ci", pb::Role::Write))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");
    assert_eq!(app.count("tokens").await, 1);
}

// ---------------------------------------------------------------- CLI

/// `pactwire token ...` against the app's database, logging everything.
async fn pactwire_token(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pactwire"));
    command
        .arg("token")
        .args(args)
        .args(["--database-url", &app.db.url])
        .env("RUST_LOG", "debug");
    run(command).await
}

#[tokio::test]
async fn the_cli_creates_the_first_admin_token() {
    let app = TestApp::start().await;
    let broker = app.broker().await;
    let (code, out, err) = pactwire_token(
        &app,
        &["create", "--role", "admin", "--name", "ci-bootstrap"],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "the secret alone on stdout: {out}");
    let secret = lines[0];
    assert!(secret.starts_with("pw_"), "{out}");
    assert!(err.contains("shown only this once"), "{err}");
    assert!(!err.contains(secret), "the secret was logged: {err}");
    assert_eq!(
        broker.identify_token(secret).await.unwrap(),
        identity("ci-bootstrap", Role::Admin)
    );

    let (code, out, err) = pactwire_token(&app, &["list"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !out.contains(secret) && !err.contains(secret),
        "{out}\n{err}"
    );
    let row: Vec<&str> = out
        .lines()
        .nth(1)
        .expect("a token row")
        .split('\t')
        .collect();
    assert_eq!(row[1..3], ["ci-bootstrap", "admin"], "{out}");
    assert_ne!(row[4], "-", "the use is listed: {out}");
    let uuid = row[0];

    // A second live token of the name is refused, and so is a bad name.
    let (code, out, err) = pactwire_token(
        &app,
        &["create", "--role", "read", "--name", "ci-bootstrap"],
    )
    .await;
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(err.contains("already exists"), "{err}");
    let (code, out, err) = pactwire_token(&app, &["create", "--role", "read", "--name", " "]).await;
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(err.contains("name: cannot be blank"), "{err}");
    assert_eq!(app.count("tokens").await, 1);

    let (code, out, err) = pactwire_token(&app, &["revoke", uuid]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Revoked"), "{out}");
    assert_eq!(broker.identify_token(secret).await.unwrap(), None);
    let (_, out, _) = pactwire_token(&app, &["list"]).await;
    assert_eq!(out.lines().count(), 1, "only the header: {out}");
    let (_, out, _) = pactwire_token(&app, &["list", "--include-revoked"]).await;
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, _, err) = pactwire_token(&app, &["revoke", "no-such-token"]).await;
    assert_ne!(code, 0);
    assert!(
        err.contains("No token with uuid 'no-such-token' found"),
        "{err}"
    );
}
