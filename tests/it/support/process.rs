//! The `pactwire` binary run as a process: started on a port the system
//! picks, found through the address it logs, and stopped as an operator
//! would.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// What `serve` logs, once listening, before the address it listens on.
const LISTENING: &str = "listening on http://";

/// `pactwire serve` on a loopback port the system picks (`--port 0`).
pub fn serve_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pactwire"));
    command.args(["serve", "--bind-address", "127.0.0.1", "--port", "0"]);
    command
}

/// Starts `command` with its output in `log` and waits until the log says
/// where it listens: the broker accepts connections there from then on.
pub async fn start(mut command: Command, log: &Path) -> (Child, SocketAddr) {
    let mut child = command
        .stdout(std::fs::File::create(log).expect("creating the log"))
        .stderr(Stdio::from(
            std::fs::File::options()
                .append(true)
                .open(log)
                .expect("opening the log"),
        ))
        .spawn()
        .expect("starting pactwire serve");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(address) = text.lines().find_map(listening_on) {
            return (child, address);
        }
        if let Some(status) = child.try_wait().expect("polling pactwire") {
            panic!("pactwire serve exited with {status} before listening:\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "pactwire did not say where it listens:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The address in a log line saying where `serve` listens.
fn listening_on(line: &str) -> Option<SocketAddr> {
    let at = line.find(LISTENING)? + LISTENING.len();
    let address = line[at..].split_whitespace().next()?;
    Some(
        address
            .parse()
            .expect("a socket address after `listening on`"),
    )
}

/// Sends SIGTERM and waits: the broker must stop cleanly.
pub async fn stop(mut child: Child) {
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).expect("signalling pactwire");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("waiting")
        .expect("waiting for pactwire");
    assert!(status.success(), "pactwire exited with {status}");
}
