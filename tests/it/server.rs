//! One port for both transports: health, reflection, grpcurl, body limits,
//! UNIMPLEMENTED for capabilities not built yet, graceful stop.

use pactwire::settings::BrokerSettings;
use prost::Message;
use serde_json::json;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::support::TestApp;
use crate::support::tools::{grpcurl, run};

const SERVICES: [&str; 9] = [
    "pactwire.v1.PacticipantService",
    "pactwire.v1.VersionService",
    "pactwire.v1.PactService",
    "pactwire.v1.VerificationService",
    "pactwire.v1.MatrixService",
    "pactwire.v1.DeploymentService",
    "pactwire.v1.TokenService",
    "pactwire.v1.WebhookService",
    "pactwire.v1.EventService",
];

fn with_args(mut command: std::process::Command, args: &[&str]) -> std::process::Command {
    command.args(args);
    command
}

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn health_is_serving_once_the_database_is_migrated() {
    let app = TestApp::start().await;
    let mut health = HealthClient::new(app.channel().await);
    for service in ["", "pactwire.v1.PactService", "pactwire.v1.TokenService"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .expect("health check")
            .into_inner()
            .status;
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
            "{service:?}"
        );
    }
}

#[tokio::test]
async fn health_is_not_serving_until_the_database_is_migrated() {
    use tonic_health::pb::health_check_response::ServingStatus;
    let db = crate::support::pg::empty_database().await;
    let url = db.url.clone();
    let app = TestApp::start_on(db, BrokerSettings::default()).await;
    let mut health = HealthClient::new(app.channel().await);
    let status = |health: &mut HealthClient<tonic::transport::Channel>| {
        let mut health = health.clone();
        async move {
            health
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .expect("health check")
                .into_inner()
                .status
        }
    };
    assert_eq!(status(&mut health).await, ServingStatus::NotServing as i32);

    pactwire::store::migrate(&url).await.expect("migrating");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while status(&mut health).await != ServingStatus::Serving as i32 {
        assert!(
            std::time::Instant::now() < deadline,
            "health never became SERVING"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn grpcurl_lists_and_describes_every_service_through_reflection() {
    let app = TestApp::start().await;
    let (code, out, err) = run(with_args(
        grpcurl(),
        &["-plaintext", &address(&app), "list"],
    ))
    .await;
    assert_eq!(code, 0, "{err}");
    for service in SERVICES.iter().chain(&[
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ]) {
        assert!(
            out.lines().any(|l| l == *service),
            "{service} missing from:\n{out}"
        );
    }
    for service in SERVICES {
        let (code, out, err) = run(with_args(
            grpcurl(),
            &["-plaintext", &address(&app), "describe", service],
        ))
        .await;
        assert_eq!(code, 0, "describe {service}: {err}");
        assert!(out.contains(&format!("{service} is a service")), "{out}");
    }
    let (code, out, err) = run(with_args(
        grpcurl(),
        &[
            "-plaintext",
            &address(&app),
            "describe",
            "pactwire.v1.PublishContractsRequest",
        ],
    ))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pacticipant_version_number"), "{out}");
}

#[tokio::test]
async fn grpcurl_calls_health_and_an_rpc_without_proto_files() {
    let app = TestApp::start().await;
    let (code, out, err) = run(with_args(
        grpcurl(),
        &["-plaintext", &address(&app), "grpc.health.v1.Health/Check"],
    ))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SERVING"), "{out}");

    let (code, out, err) = run(with_args(
        grpcurl(),
        &[
            "-plaintext",
            "-d",
            r#"{"pacticipant": {"name": "Foo", "display_name": "The Foo"}}"#,
            &address(&app),
            "pactwire.v1.PacticipantService/CreatePacticipant",
        ],
    ))
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"displayName\": \"The Foo\""), "{out}");

    let (_, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(body["displayName"], "The Foo");
}

#[tokio::test]
async fn capabilities_not_built_yet_answer_unimplemented_with_a_reason() {
    let app = TestApp::start().await;
    for (method, body, reason) in [
        (
            "pactwire.v1.WebhookService/ListWebhooks",
            "{}",
            "webhooks and secrets",
        ),
        (
            "pactwire.v1.EventService/AcknowledgeVerificationRequest",
            "{}",
            "verification request and event streams",
        ),
    ] {
        let (code, _, err) = run(with_args(
            grpcurl(),
            &["-plaintext", "-d", body, &address(&app), method],
        ))
        .await;
        assert_ne!(code, 0);
        assert!(err.contains("Unimplemented"), "{method}: {err}");
        assert!(err.contains(reason), "{method}: {err}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_on_both_transports() {
    let app = TestApp::start_with(BrokerSettings {
        max_request_body_size: 4096,
        ..BrokerSettings::default()
    })
    .await;
    let big = "x".repeat(10_000);

    let (status, body) = app
        .put(
            "/pacticipants/Foo",
            &serde_json::json!({ "displayName": big }),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body.to_string()
            .contains("larger than the configured limit"),
        "{body}"
    );

    let mut client = app.pacticipants().await;
    let err = client
        .create_pacticipant(pactwire::grpc::pb::CreatePacticipantRequest {
            pacticipant: Some(pactwire::grpc::pb::Pacticipant {
                name: "Foo".into(),
                display_name: big,
                ..Default::default()
            }),
        })
        .await
        .expect_err("over the limit");
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    assert_eq!(app.count("pacticipants").await, 0);
}

#[tokio::test]
async fn malformed_protobuf_is_invalid_argument_and_writes_nothing() {
    let app = TestApp::start().await;
    let status = send_raw(&app, vec![0x0a, 0xff, 0xff]).await;
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .contains("failed to decode Protobuf message"),
        "{status:?}"
    );
    assert_eq!(app.count("pacticipants").await, 0);
}

/// Sends raw bytes as a CreatePacticipant request over a real gRPC channel.
async fn send_raw(app: &TestApp, payload: Vec<u8>) -> tonic::Status {
    use tonic::codegen::http::uri::PathAndQuery;
    let mut grpc = tonic::client::Grpc::new(app.channel().await);
    grpc.ready().await.expect("ready");
    grpc.unary::<RawBytes, RawBytes, RawCodec>(
        tonic::Request::new(RawBytes(payload)),
        PathAndQuery::from_static("/pactwire.v1.PacticipantService/CreatePacticipant"),
        RawCodec,
    )
    .await
    .expect_err("malformed protobuf")
}

#[derive(Clone, Debug, Default)]
struct RawBytes(Vec<u8>);

#[derive(Clone, Default)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = RawBytes;
    type Decode = RawBytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = RawBytes;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: RawBytes,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item.0);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = RawBytes;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<RawBytes>, tonic::Status> {
        use bytes::Buf;
        let bytes = src.copy_to_bytes(src.remaining());
        Ok(Some(RawBytes(bytes.to_vec())))
    }
}

/// An upload still sending its body when the server is told to stop is
/// read to the end and answered, and what it wrote stays; from the stop on,
/// new connections are refused.
#[tokio::test]
async fn requests_in_flight_finish_when_the_server_stops() {
    use std::time::{Duration, Instant};
    let app = TestApp::start().await;
    let address = address(&app);
    let body = json!({ "displayName": "The Foo" }).to_string().into_bytes();
    let (first, rest) = body.split_at(body.len() / 2);
    let (chunks, stream) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let upload = tokio::spawn(
        app.http
            .put(app.url("/pacticipants/Foo"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(
                tokio_stream::wrappers::ReceiverStream::new(stream),
            ))
            .send(),
    );
    chunks.send(Ok(first.to_vec())).await.unwrap();
    // The server, on this test's runtime, reads the headers and the first
    // half meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let stopping = tokio::spawn(app.stop());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !refused(&address).await {
        assert!(Instant::now() < deadline, "still accepting after the stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A slow upload: the stop waits for it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !upload.is_finished(),
        "the upload ended before its body did"
    );
    assert!(!stopping.is_finished(), "the server stopped mid-upload");
    for byte in rest {
        chunks.send(Ok(vec![*byte])).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(chunks);

    let response = upload.await.unwrap().expect("the upload was answered");
    assert_eq!(response.status(), 201);
    let created: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(created["displayName"], "The Foo", "{created}");
    let db = tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .expect("the server stopped once the upload was answered")
        .unwrap();
    assert!(
        refused(&address).await,
        "a connection was accepted after the stop"
    );

    let app = TestApp::start_on(db, BrokerSettings::default()).await;
    let (status, body) = app.get("/pacticipants/Foo").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], "The Foo", "{body}");
}

/// Whether connecting to `address` is refused: nothing listens there.
async fn refused(address: &str) -> bool {
    match tokio::net::TcpStream::connect(address).await {
        Err(err) => err.kind() == std::io::ErrorKind::ConnectionRefused,
        Ok(_) => false,
    }
}

#[tokio::test]
async fn rest_responses_carry_the_pact_broker_version_header() {
    let app = TestApp::start().await;
    for path in ["/", "/pacticipants", "/pacticipants/Nobody"] {
        let response = app.http.get(app.url(path)).send().await.expect("GET");
        assert_eq!(
            response
                .headers()
                .get("x-pact-broker-version")
                .and_then(|v| v.to_str().ok()),
            Some(pactwire::rest::COMPATIBLE_PACT_BROKER_VERSION),
            "{path}"
        );
    }
}

#[tokio::test]
async fn reflection_v1alpha_lists_the_services_too() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let app = TestApp::start().await;
    let mut client = ServerReflectionClient::new(app.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection call")
        .into_inner();
    let response = responses
        .message()
        .await
        .expect("a response")
        .expect("one message");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for service in SERVICES {
        assert!(
            names.iter().any(|n| n == service),
            "{service} missing from {names:?}"
        );
    }
}

/// At debug level the database driver would log every SQL parameter:
/// pact contents, token digests, whatever a body holds. It stays silent
/// unless `PACT_BROKER_LOG_SQL_PARAMETERS` asks for it.
#[tokio::test]
async fn debug_logs_hold_no_sql_parameters_unless_asked_for() {
    use crate::support::process::{serve_command, start, stop};

    let marker = "https://repository-marker.example/xyz";
    for (setting, logged) in [(None, false), (Some("true"), true)] {
        let db = crate::support::pg::database().await;
        let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("serve-{}.log", uuid::Uuid::new_v4()));
        let mut command = serve_command();
        command.args(["--database-url", &db.url, "--log-level", "debug"]);
        if let Some(value) = setting {
            command.env("PACT_BROKER_LOG_SQL_PARAMETERS", value);
        }
        let (child, address) = start(command, &log).await;
        let created = reqwest::Client::new()
            .post(format!("http://{address}/pacticipants"))
            .json(&json!({"name": "Foo", "repositoryUrl": marker}))
            .send()
            .await
            .expect("creating a pacticipant");
        assert_eq!(created.status(), 201);
        stop(child).await;
        let log = std::fs::read_to_string(&log).expect("the log");
        assert!(log.contains("/pacticipants"), "{log}");
        // The driver writes a text parameter as its bytes, in decimal.
        let bytes = marker
            .bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            log.contains(marker) || log.contains(&bytes),
            logged,
            "{setting:?}:\n{log}"
        );
    }
}

/// Sends `body` as the HTTP/2 body of a CreatePacticipant call, as
/// written, with `grpc-encoding` when given: the status code and message.
async fn send_body(app: &TestApp, body: Vec<u8>, encoding: Option<&str>) -> (Code, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request =
        http::Request::post(app.url("/pactwire.v1.PacticipantService/CreatePacticipant"))
            .header("content-type", "application/grpc")
            .header("te", "trailers");
    if let Some(encoding) = encoding {
        request = request.header("grpc-encoding", encoding);
    }
    let request = request
        .body(tonic::body::Body::new(http_body_util::Full::new(
            bytes::Bytes::from(body),
        )))
        .expect("a request");
    let response = app
        .channel()
        .await
        .oneshot(request)
        .await
        .expect("a response");
    let headers = response.headers().clone();
    let trailers = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .trailers()
        .cloned()
        .unwrap_or_default();
    let field = |name: &str| {
        headers
            .get(name)
            .or_else(|| trailers.get(name))
            .map(|v| v.to_str().expect("text").to_owned())
    };
    let code = field("grpc-status").expect("a grpc-status");
    let message = field("grpc-message").unwrap_or_default();
    (
        Code::from_i32(code.parse().expect("a number")),
        percent_encoding::percent_decode_str(&message)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// A body that is not one whole gRPC frame is the client's fault, and
/// writes nothing.
#[tokio::test]
async fn a_request_that_is_not_one_whole_message_is_invalid_argument() {
    let app = TestApp::start().await;
    let message = pactwire::grpc::pb::CreatePacticipantRequest {
        pacticipant: Some(pactwire::grpc::pb::Pacticipant {
            name: "Foo".into(),
            ..Default::default()
        }),
    }
    .encode_to_vec();
    let frame = |flag: u8, length: usize, message: &[u8]| {
        let mut body = vec![flag];
        body.extend(u32::try_from(length).unwrap().to_be_bytes());
        body.extend(message);
        body
    };
    let whole = frame(0, message.len(), &message);
    let mut trailing = whole.clone();
    trailing.extend([0, 0, 0]);
    for (name, body, encoding, code) in [
        ("no message", vec![], None, Code::InvalidArgument),
        (
            "a cut frame header",
            vec![0, 0, 0],
            None,
            Code::InvalidArgument,
        ),
        (
            "a cut message",
            frame(0, message.len() + 10, &message),
            None,
            Code::InvalidArgument,
        ),
        (
            "bytes after the message",
            trailing,
            None,
            Code::InvalidArgument,
        ),
        (
            "compressed without grpc-encoding",
            frame(1, message.len(), &message),
            None,
            Code::InvalidArgument,
        ),
        (
            "an invalid compressed flag",
            frame(7, message.len(), &message),
            None,
            Code::InvalidArgument,
        ),
        (
            "a compression the server does not take",
            frame(1, message.len(), &message),
            Some("gzip"),
            Code::Unimplemented,
        ),
    ] {
        let (got, text) = send_body(&app, body, encoding).await;
        assert_eq!(got, code, "{name}: {text}");
    }
    assert_eq!(app.count("pacticipants").await, 0);
    let (got, text) = send_body(&app, whole, None).await;
    assert_eq!(got, Code::Ok, "{text}");
    assert_eq!(app.count("pacticipants").await, 1);
}
