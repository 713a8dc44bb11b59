//! Logging: `PACT_BROKER_LOG_LEVEL` (or `RUST_LOG`) sets the filter and
//! `PACT_BROKER_LOG_FORMAT=json` switches to JSON lines. Logs go to stderr,
//! leaving stdout to command output.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `level` is a tracing filter such as
/// `info` or `pactwire=debug,tower_http=info`.
pub fn init(level: &str, json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
