//! What one client may hold of the listener: a deadline on request heads,
//! on pauses in request bodies and on idle connections, a cap on open
//! connections, and a deadline on graceful shutdown.

use std::time::Duration;

use pactwire::settings::{BrokerSettings, ConnectionLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestApp;
use crate::support::process::{serve_command, start};

/// Longer than any limit a test sets: the test's own bound on a wait that
/// a broker without the limit would never end.
const NEVER: Duration = Duration::from_secs(60);

const HOUR: Duration = Duration::from_secs(3600);

async fn broker(limits: ConnectionLimits) -> TestApp {
    TestApp::start_with(BrokerSettings {
        connections: limits,
        ..BrokerSettings::default()
    })
    .await
}

/// Limits too long to matter, for a test to shorten the one it is about.
fn lax() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: HOUR,
        body_read_timeout: HOUR,
        idle_timeout: HOUR,
        max_connections: 10_000,
        shutdown_timeout: HOUR,
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .expect("connecting")
}

/// Everything the broker sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(NEVER, stream.read_to_end(&mut received))
        .await
        .expect("the broker closes the connection")
        .expect("reading");
    String::from_utf8_lossy(&received).into_owned()
}

/// Asks for the heartbeat on a keep-alive connection and reads its whole
/// answer, which must be 200.
async fn heartbeat(stream: &mut TcpStream) {
    stream
        .write_all(b"GET /diagnostic/status/heartbeat HTTP/1.1\r\nHost: broker\r\n\r\n")
        .await
        .expect("sending");
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(NEVER, stream.read(&mut chunk))
            .await
            .expect("an answer")
            .expect("reading");
        assert!(n > 0, "closed before the whole response");
        received.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .expect("a content length")
                .trim()
                .parse()
                .expect("a number");
            if body.len() >= length {
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                return;
            }
        }
    }
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_closed_at_the_header_timeout() {
    let app = broker(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        ..lax()
    })
    .await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /diagnostic/status/heartbeat HTTP/1.1\r\nHost: broker\r\n")
        .await
        .expect("sending part of a head");
    assert_eq!(
        until_closed(&mut slow).await,
        "",
        "closed without an answer"
    );
    // A client that connects and sends nothing is held no longer.
    let mut silent = connect(&app).await;
    assert_eq!(until_closed(&mut silent).await, "");
}

#[tokio::test]
async fn a_keep_alive_connection_waiting_between_requests_is_not_a_slow_head() {
    let app = broker(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        ..lax()
    })
    .await;
    let mut stream = connect(&app).await;
    heartbeat(&mut stream).await;
    // Idle for longer than the header timeout: the idle timeout governs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    heartbeat(&mut stream).await;
}

#[tokio::test]
async fn a_request_body_that_stops_coming_is_refused_at_the_body_timeout() {
    let app = broker(ConnectionLimits {
        body_read_timeout: Duration::from_secs(1),
        ..lax()
    })
    .await;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            b"POST /pacticipants HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"name\":",
        )
        .await
        .expect("sending part of a body");
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"body\""), "names the body: {answer}");
    assert!(answer.contains("timeout"), "says why: {answer}");
    let pacticipants: serde_json::Value = app
        .http
        .get(app.url("/pacticipants"))
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        pacticipants["_embedded"]["pacticipants"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn a_body_sent_slowly_but_steadily_outlasts_the_idle_timeout() {
    let app = broker(ConnectionLimits {
        body_read_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(1),
        ..lax()
    })
    .await;
    let body = br#"{"name":"Slow"}"#;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            format!(
                "POST /pacticipants HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("sending the head");
    for byte in body {
        tokio::time::sleep(Duration::from_millis(200)).await;
        stream.write_all(&[*byte]).await.expect("sending a byte");
    }
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_idle_timeout_on_http1_and_http2() {
    let app = broker(ConnectionLimits {
        idle_timeout: Duration::from_secs(1),
        ..lax()
    })
    .await;
    let mut http1 = connect(&app).await;
    heartbeat(&mut http1).await;
    assert_eq!(until_closed(&mut http1).await, "");

    let io = hyper_util::rt::TokioIo::new(connect(&app).await);
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .expect("an HTTP/2 handshake");
    let connection = tokio::spawn(connection);
    let request = http::Request::get(app.url("/diagnostic/status/heartbeat"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .expect("a request");
    let response = sender.send_request(request).await.expect("an answer");
    assert_eq!(response.status(), 200);
    drop(response);
    tokio::time::timeout(NEVER, connection)
        .await
        .expect("the broker ends the HTTP/2 connection")
        .expect("the connection task")
        .expect("a clean end (GOAWAY)");
}

#[tokio::test]
async fn clients_past_the_connection_cap_wait_for_a_free_place() {
    let app = broker(ConnectionLimits {
        max_connections: 2,
        ..lax()
    })
    .await;
    let first = connect(&app).await;
    let mut second = connect(&app).await;
    heartbeat(&mut second).await;
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /diagnostic/status/heartbeat HTTP/1.1\r\nHost: broker\r\nConnection: close\r\n\r\n")
        .await
        .expect("sending");
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut byte)).await;
    assert!(early.is_err(), "answered past the cap: {early:?}");
    drop(first);
    let answer = until_closed(&mut third).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "answered once a place is free: {answer}"
    );
}

/// SIGTERM lets a request in flight finish for the shutdown timeout, then
/// ends it: the broker exits cleanly however slow its clients are.
#[tokio::test]
async fn shutdown_waits_for_slow_clients_only_until_its_deadline() {
    let db = crate::support::pg::database().await;
    let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("shutdown-{}.log", uuid::Uuid::new_v4()));
    let mut command = serve_command();
    command
        .args(["--database-url", &db.url])
        .env("PACT_BROKER_SHUTDOWN_TIMEOUT", "2")
        .env("PACT_BROKER_BODY_READ_TIMEOUT", "3600");
    let (child, address) = start(command, &log).await;
    let mut slow = TcpStream::connect(address).await.expect("connecting");
    slow.write_all(
        b"POST /pacticipants HTTP/1.1\r\nHost: broker\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{",
    )
    .await
    .expect("starting a request that never ends");
    // The request is in flight once the broker has read its head.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signalling");
    let mut child = child;
    let status = tokio::time::timeout(NEVER, tokio::task::spawn_blocking(move || child.wait()))
        .await
        .expect("the broker exits at its shutdown deadline")
        .expect("waiting")
        .expect("the exit status");
    assert!(status.success(), "exited with {status}");
    let text = std::fs::read_to_string(&log).expect("the log");
    assert!(
        text.contains("closing the connections still open at the shutdown deadline"),
        "{text}"
    );
}
