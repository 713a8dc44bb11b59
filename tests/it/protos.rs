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
