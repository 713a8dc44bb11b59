//! The `pactwire` binary run as a process: a port for it, and stopping it
//! as an operator would.

use std::process::Child;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
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
