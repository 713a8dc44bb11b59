//! The real tools the tests drive, provisioned on first use under target/
//! at the exact versions the suite is written against. A missing tool fails
//! the test that needs it; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The Rust `pact` CLI (pact-broker-cli 0.9.0 inside).
pub const PACT_RUST_PACKAGE: &str = "pact-python-cli==1!0.10.9";
/// The Ruby standalone with `pact-broker` (pact_broker-client 1.77).
pub const PACT_RUBY_PACKAGE: &str = "pact-python-cli==2.5.7.0";
/// grpcurl, built from the Go module proxy.
pub const GRPCURL_MODULE: &str = "github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.3";

static PROVISIONING: Mutex<()> = Mutex::new(());

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tools")
}

/// Runs `install` once into `dir`, marked done by a file, serialised across
/// the tests of this process.
fn provision(dir: &Path, install: impl FnOnce(&Path) -> Command) {
    let _guard = PROVISIONING.lock().unwrap_or_else(|e| e.into_inner());
    let marker = dir.join(".installed");
    if marker.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("creating the tools directory");
    let mut command = install(dir);
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("running {command:?}: {err}"));
    assert!(
        output.status.success(),
        "provisioning with {command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(marker, "").expect("marking the tool installed");
}

fn pip_install(package: &'static str) -> impl FnOnce(&Path) -> Command {
    move |dir| {
        let mut command = Command::new("python3");
        command
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
            ])
            .arg(dir)
            .arg(package);
        command
    }
}

/// `pact` from PyPI `pact-python-cli==1!0.10.9`: `pact broker ...`.
pub fn pact_rust() -> Command {
    let dir = tools_dir().join("pact-python-cli-0.10.9");
    provision(&dir, pip_install(PACT_RUST_PACKAGE));
    Command::new(dir.join("bin").join("pact"))
}

/// A program of the Ruby standalone from PyPI `pact-python-cli==2.5.7.0`,
/// such as `pact-broker`.
pub fn pact_ruby(program: &str) -> Command {
    let dir = tools_dir().join("pact-python-cli-2.5.7.0");
    provision(&dir, pip_install(PACT_RUBY_PACKAGE));
    Command::new(dir.join("pact_cli").join("bin").join(program))
}

/// grpcurl, built with `go install` from the Go module proxy.
pub fn grpcurl() -> Command {
    let dir = tools_dir().join("grpcurl");
    provision(&dir, |dir| {
        let mut command = Command::new("go");
        command.args(["install", GRPCURL_MODULE]).env("GOBIN", dir);
        command
    });
    Command::new(dir.join("grpcurl"))
}

/// Runs a tool on a blocking thread (so the broker under test, on the
/// test's runtime, keeps serving), returning (exit code, stdout, stderr).
pub async fn run(mut command: Command) -> (i32, String, String) {
    let output = tokio::task::spawn_blocking(move || {
        command
            .output()
            .unwrap_or_else(|err| panic!("running {command:?}: {err}"))
    })
    .await
    .expect("the tool thread panicked");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// buf, from the npm registry (the package ships the binary).
pub const BUF_PACKAGE: &str = "@bufbuild/buf@1.75.0";

/// `buf`, installed with npm.
pub fn buf() -> Command {
    let dir = tools_dir().join("buf");
    provision(&dir, |dir| {
        let mut command = Command::new("npm");
        command
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(BUF_PACKAGE);
        command
    });
    Command::new(dir.join("node_modules").join(".bin").join("buf"))
}
