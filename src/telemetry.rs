//! Logging: `PACT_BROKER_LOG_LEVEL` (or `RUST_LOG`) sets the filter and
//! `PACT_BROKER_LOG_FORMAT=json` switches to JSON lines;
//! `PACT_BROKER_LOG_SQL_PARAMETERS=true` lets the database driver log SQL
//! parameters at debug level. Logs go to stderr, leaving stdout to command
//! output.

use tracing_subscriber::EnvFilter;

/// The log target of tokio-postgres's lines that carry every SQL
/// parameter (pact contents, token digests) at debug level.
const SQL_PARAMETERS: &str = "tokio_postgres::query";

/// Installs the global subscriber. `level` is a tracing filter such as
/// `info` or `pactwire=debug,tower_http=info`. The database driver's lines
/// with SQL parameters stay off, whatever the level, unless
/// `sql_parameters` asks for them.
pub fn init(level: &str, json: bool, sql_parameters: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let filter = if sql_parameters {
        filter
    } else {
        filter.add_directive(
            format!("{SQL_PARAMETERS}=off")
                .parse()
                .expect("a valid directive"),
        )
    };
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
