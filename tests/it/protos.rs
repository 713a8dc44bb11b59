//! The API definition itself: buf's STANDARD and COMMENTS lint rules, and
//! `buf curl` through reflection.

use crate::support::TestApp;
use crate::support::tools::{buf, run};

#[tokio::test]
async fn protos_follow_the_buf_style_guide_and_comment_everything() {
    let mut command = buf();
    command.arg("lint").current_dir(env!("CARGO_MANIFEST_DIR"));
    let (code, out, err) = run(command).await;
    assert_eq!(code, 0, "buf lint found problems:\n{out}\n{err}");
}

#[tokio::test]
async fn buf_curl_calls_an_rpc_through_reflection() {
    let app = TestApp::start().await;
    let (status, _) = app
        .put(
            "/pacticipants/Foo",
            &serde_json::json!({"mainBranch": "main"}),
        )
        .await;
    assert_eq!(status, 201);
    let mut command = buf();
    command.args([
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-d",
        r#"{"name": "Foo"}"#,
        &format!("{}/pactwire.v1.PacticipantService/GetPacticipant", app.base),
    ]);
    let (code, out, err) = run(command).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let body: serde_json::Value = serde_json::from_str(&out).expect("JSON from buf curl");
    assert_eq!(body["pacticipant"]["mainBranch"], "main", "{body}");
}

#[tokio::test]
async fn buf_curl_sends_a_bearer_token() {
    use pactwire::settings::{AuthSettings, BrokerSettings};
    let app = TestApp::start_with(BrokerSettings {
        auth: AuthSettings {
            enabled: true,
            ..AuthSettings::default()
        },
        ..BrokerSettings::default()
    })
    .await;
    let reader = app.token(pactwire::domain::access::Role::Read).await;
    let call = |authorization: Option<String>| {
        let mut command = buf();
        command.args(["curl", "--protocol", "grpc", "--http2-prior-knowledge"]);
        if let Some(authorization) = authorization {
            // `*` sends the header with the reflection requests too.
            command.args(["-H", &format!("authorization: {authorization}")]);
            command.args(["--reflect-header", "*"]);
        }
        command.args([
            "-d",
            "{}",
            &format!(
                "{}/pactwire.v1.PacticipantService/ListPacticipants",
                app.base
            ),
        ]);
        command
    };
    // Without the token even reflection is refused, so buf finds nothing.
    let (code, out, err) = run(call(None)).await;
    assert_ne!(code, 0, "{out}\n{err}");
    let (code, out, err) = run(call(Some(format!("Bearer {reader}")))).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let body: serde_json::Value = serde_json::from_str(&out).expect("JSON from buf curl");
    assert!(body.is_object(), "{body}");
}
