//! The command line: flags and environment variables, parsed into the
//! broker's [`crate::settings`]. Environment names follow the Pact Broker's
//! image (`PACT_BROKER_*`) so existing deployments carry over.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};

use crate::domain::access::Role;
use crate::settings::{AuthSettings, BasicUser, BrokerSettings, ConnectionLimits};

/// The pactwire command line.
#[derive(Parser)]
#[command(
    name = "pactwire",
    version,
    about = "A Pact Broker with a gRPC API and a Pact Broker compatible REST/HAL gateway"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the broker: gRPC and REST/HAL on one port.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Create, list and revoke bearer tokens in the database, such as the
    /// first admin token, which the API cannot create without one.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret, alone on a line, on standard
    /// output. It is shown only this once.
    Create(CreateTokenArgs),
    /// List tokens in creation order (never their secrets).
    List(ListTokensArgs),
    /// Revoke a token: its secret is refused from then on.
    Revoke(RevokeTokenArgs),
}

#[derive(Args)]
pub struct CreateTokenArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Who or what will hold the token, such as `ci-publisher`; unique among
    /// live tokens.
    #[arg(long)]
    pub name: String,
    /// What the token allows; each role includes the ones before it.
    #[arg(long, value_parser = PossibleValuesParser::new(Role::ALL.map(Role::as_str)))]
    pub role: String,
}

#[derive(Args)]
pub struct ListTokensArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// List revoked tokens too.
    #[arg(long)]
    pub include_revoked: bool,
}

#[derive(Args)]
pub struct RevokeTokenArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The uuid of the token, as `pactwire token list` shows it.
    pub uuid: String,
}

/// Where the database is.
#[derive(Args, Clone)]
pub struct DatabaseArgs {
    /// PostgreSQL URL (`DATABASE_URL` is read too). Without one, pactwire runs
    /// a private PostgreSQL in --data-dir from the server binaries on this
    /// machine.
    #[arg(long, env = "PACT_BROKER_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Data directory of the private PostgreSQL, used when no database URL is
    /// given.
    #[arg(long, env = "PACT_BROKER_DATA_DIR", default_value = "pactwire-data")]
    pub data_dir: PathBuf,
    /// Most connections in the pool.
    #[arg(
        long,
        env = "PACT_BROKER_DATABASE_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub database_max_connections: u32,
    /// Seconds a request waits for a database connection while the
    /// database is reachable; while it is known to be down, requests get
    /// 503 at once.
    #[arg(
        long,
        env = "PACT_BROKER_DATABASE_ACQUIRE_TIMEOUT",
        default_value_t = 10
    )]
    pub database_acquire_timeout: u64,
}

impl DatabaseArgs {
    /// The configured URL, from the flag, `PACT_BROKER_DATABASE_URL` or
    /// `DATABASE_URL`, in that order.
    pub fn url(&self) -> Option<String> {
        self.database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok())
            .filter(|url| !url.trim().is_empty())
    }
}

/// Settings of `pactwire serve`.
#[derive(Args, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Port for gRPC and REST.
    #[arg(long, env = "PACT_BROKER_PORT", default_value_t = 9292)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, env = "PACT_BROKER_BIND_ADDRESS", default_value = "0.0.0.0")]
    pub bind_address: IpAddr,
    /// Base URL for the absolute links in REST responses, such as
    /// `https://broker.example.com/pact`. Without it links use the request's
    /// Host header.
    #[arg(long, env = "PACT_BROKER_BASE_URL")]
    pub base_url: Option<String>,
    /// Log filter: error, warn, info, debug, or a tracing directive list.
    #[arg(long, env = "PACT_BROKER_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Log format: text or json.
    #[arg(long, env = "PACT_BROKER_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
    /// Let the database driver log every SQL parameter at debug level:
    /// pact contents and token digests. Off unless asked for.
    #[arg(long, env = "PACT_BROKER_LOG_SQL_PARAMETERS", default_value_t = false, action = clap::ArgAction::Set)]
    pub log_sql_parameters: bool,
    /// Largest accepted request body in bytes, on both transports.
    #[arg(long, env = "PACT_BROKER_MAX_REQUEST_BODY_SIZE", default_value_t = 10 * 1024 * 1024)]
    pub max_request_body_size: usize,
    /// Let a consumer version's pact be replaced by different content (the
    /// Pact Broker's setting of the same name).
    #[arg(long, env = "PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_dangerous_contract_modification: bool,
    /// How many days back a successful verification takes a pact out of
    /// the work in progress pacts (the Pact Broker's setting of the same
    /// name); older ones are not read, so stale branches cost nothing.
    #[arg(
        long,
        env = "PACT_BROKER_VERIFIED_BY_OTHER_BRANCH_LOOKBACK_DAYS",
        default_value_t = 30
    )]
    pub verified_by_other_branch_lookback_days: u32,
    /// Tagging a version with the name of an environment records a
    /// deployment there (the Pact Broker's setting of the same name), for
    /// teams moving from tags to environments.
    #[arg(long, env = "PACT_BROKER_CREATE_DEPLOYED_VERSIONS_FOR_TAGS", default_value_t = true, action = clap::ArgAction::Set)]
    pub create_deployed_versions_for_tags: bool,
    /// A pacticipant without a main branch gets the first of
    /// `main_branch_candidates` used as a branch or tag of its versions
    /// (the Pact Broker's setting of the same name).
    #[arg(long, env = "PACT_BROKER_AUTO_DETECT_MAIN_BRANCH", default_value_t = true, action = clap::ArgAction::Set)]
    pub auto_detect_main_branch: bool,
    /// The branch names taken for a main branch, space separated.
    #[arg(
        long,
        env = "PACT_BROKER_MAIN_BRANCH_CANDIDATES",
        default_value = "develop main master"
    )]
    pub main_branch_candidates: String,
    /// The first tag of a version without a branch becomes its branch when
    /// it comes soon after the version (the Pact Broker's setting of the
    /// same name), for tools that only know tags.
    #[arg(long, env = "PACT_BROKER_USE_FIRST_TAG_AS_BRANCH", default_value_t = true, action = clap::ArgAction::Set)]
    pub use_first_tag_as_branch: bool,
    /// How soon, in seconds after the version was created.
    #[arg(
        long,
        env = "PACT_BROKER_USE_FIRST_TAG_AS_BRANCH_TIME_LIMIT",
        default_value_t = 10
    )]
    pub use_first_tag_as_branch_time_limit: u32,
    /// The Cache-Control header of badges that show a verdict (the Pact
    /// Broker's setting of the same name, which it applies to the
    /// can-i-merge badge).
    #[arg(
        long,
        env = "PACT_BROKER_BADGE_DEFAULT_CACHE_SETTING",
        default_value = "max-age=30",
        value_parser = header_value
    )]
    pub badge_default_cache_setting: String,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Who may call the broker (the Pact Broker's setting names). Passwords
/// are read from the environment, never printed.
#[derive(Args, Clone)]
pub struct AuthArgs {
    /// Turn authentication on or off. Unset, it is on exactly when a Basic
    /// auth user is configured. `PACT_BROKER_BASIC_AUTH_ENABLED`, the Pact
    /// Broker's name, is read too.
    #[arg(long, env = "PACT_BROKER_AUTH_ENABLED", action = clap::ArgAction::Set)]
    pub auth_enabled: Option<bool>,
    #[arg(long, env = "PACT_BROKER_BASIC_AUTH_ENABLED", action = clap::ArgAction::Set, hide = true)]
    pub basic_auth_enabled: Option<bool>,
    /// The Basic auth user who may read and write.
    #[arg(long, env = "PACT_BROKER_BASIC_AUTH_USERNAME")]
    pub basic_auth_username: Option<String>,
    #[arg(long, env = "PACT_BROKER_BASIC_AUTH_PASSWORD", hide_env_values = true)]
    pub basic_auth_password: Option<String>,
    /// The Basic auth user who may only read (and ask for pacts to verify).
    #[arg(long, env = "PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME")]
    pub basic_auth_read_only_username: Option<String>,
    #[arg(
        long,
        env = "PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD",
        hide_env_values = true
    )]
    pub basic_auth_read_only_password: Option<String>,
    /// Reading needs no credentials; writing still does.
    #[arg(long, env = "PACT_BROKER_ALLOW_PUBLIC_READ", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_public_read: bool,
    /// The heartbeat needs no credentials, for load balancers.
    #[arg(long, env = "PACT_BROKER_PUBLIC_HEARTBEAT", default_value_t = false, action = clap::ArgAction::Set)]
    pub public_heartbeat: bool,
    /// Badges need no credentials, for READMEs.
    #[arg(long, env = "PACT_BROKER_ENABLE_PUBLIC_BADGE_ACCESS", default_value_t = false, action = clap::ArgAction::Set)]
    pub enable_public_badge_access: bool,
}

impl AuthArgs {
    /// The settings, or why they cannot be used. A user given without a
    /// password (or the reverse) is refused rather than dropped: a secret
    /// that failed to mount must not leave the broker open.
    pub fn settings(&self) -> Result<AuthSettings, String> {
        let user = |kind: &str, name: &Option<String>, password: &Option<String>, role| match (
            given(name),
            given(password),
        ) {
            (None, None) => Ok(None),
            (Some(name), Some(_)) if name.contains(':') => Err(format!(
                "the {kind} username cannot contain ':', which Basic auth uses to end it"
            )),
            (Some(name), Some(password)) => Ok(Some(BasicUser::new(name, password, role))),
            _ => Err(format!(
                "the {kind} username and password must be set together, or neither"
            )),
        };
        let users: Vec<BasicUser> = [
            user(
                "Basic auth",
                &self.basic_auth_username,
                &self.basic_auth_password,
                Role::Write,
            )?,
            user(
                "Basic auth read-only",
                &self.basic_auth_read_only_username,
                &self.basic_auth_read_only_password,
                Role::Read,
            )?,
        ]
        .into_iter()
        .flatten()
        .collect();
        let enabled = match (self.auth_enabled, self.basic_auth_enabled) {
            (None, None) => !users.is_empty(),
            (a, b) => a.unwrap_or(false) || b.unwrap_or(false),
        };
        Ok(AuthSettings {
            enabled,
            users,
            allow_public_read: self.allow_public_read,
            public_heartbeat: self.public_heartbeat,
            public_badges: self.enable_public_badge_access,
        })
    }
}

/// A setting's value, unless it is empty.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// A value that can be sent as an HTTP header as it is.
fn header_value(value: &str) -> Result<String, String> {
    http::HeaderValue::from_str(value)
        .map(|_| value.to_owned())
        .map_err(|_| "must be printable ASCII on one line".to_owned())
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    pub fn broker_settings(&self) -> anyhow::Result<BrokerSettings> {
        Ok(BrokerSettings {
            // The Pact Broker accepts a space-separated list; the first wins.
            base_url: self
                .base_url
                .as_deref()
                .and_then(|urls| urls.split_whitespace().next())
                .map(|url| url.trim_end_matches('/').to_owned()),
            max_request_body_size: self.max_request_body_size,
            allow_dangerous_contract_modification: self.allow_dangerous_contract_modification,
            verified_by_other_branch_lookback_days: self.verified_by_other_branch_lookback_days,
            create_deployed_versions_for_tags: self.create_deployed_versions_for_tags,
            auto_detect_main_branch: self.auto_detect_main_branch,
            main_branch_candidates: self
                .main_branch_candidates
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            use_first_tag_as_branch: self.use_first_tag_as_branch,
            use_first_tag_as_branch_time_limit: self.use_first_tag_as_branch_time_limit,
            badge_default_cache_setting: self.badge_default_cache_setting.clone(),
            auth: self.auth.settings().map_err(anyhow::Error::msg)?,
            connections: self.connections.limits(),
        })
    }
}

/// What one client may hold of the listener; times in seconds.
#[derive(Args, Clone)]
pub struct ConnectionArgs {
    /// How long a client has to send a whole request head (HTTP/1.1),
    /// counted from its first byte or from the connection's opening.
    #[arg(long, env = "PACT_BROKER_HEADER_READ_TIMEOUT", default_value_t = default_limits().header_read_timeout.as_secs(), value_parser = seconds)]
    pub header_read_timeout: u64,
    /// The longest pause while a request body arrives.
    #[arg(long, env = "PACT_BROKER_BODY_READ_TIMEOUT", default_value_t = default_limits().body_read_timeout.as_secs(), value_parser = seconds)]
    pub body_read_timeout: u64,
    /// How long a connection may stay open with no request in flight.
    #[arg(long, env = "PACT_BROKER_IDLE_TIMEOUT", default_value_t = default_limits().idle_timeout.as_secs(), value_parser = seconds)]
    pub idle_timeout: u64,
    /// Connections open at once; more wait to be accepted. Lowered at
    /// startup to what the open-file limit allows.
    #[arg(long, env = "PACT_BROKER_MAX_CONNECTIONS", default_value_t = default_limits().max_connections, value_parser = at_least_one)]
    pub max_connections: usize,
    /// How long SIGTERM or SIGINT waits for requests in flight before the
    /// broker closes their connections.
    #[arg(long, env = "PACT_BROKER_SHUTDOWN_TIMEOUT", default_value_t = default_limits().shutdown_timeout.as_secs(), value_parser = seconds)]
    pub shutdown_timeout: u64,
}

fn default_limits() -> ConnectionLimits {
    ConnectionLimits::default()
}

fn at_least_one(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err("must be a whole number, at least 1".into()),
        Ok(n) => Ok(n),
    }
}

/// A whole number of seconds, at least one.
fn seconds(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1 second".into()),
        Ok(n) if n <= 86_400 * 365 => Ok(n),
        _ => Err("must be a whole number of seconds, at most a year".into()),
    }
}

impl ConnectionArgs {
    pub fn limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            body_read_timeout: Duration::from_secs(self.body_read_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: self.max_connections,
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: Option<&str>, password: Option<&str>) -> AuthArgs {
        AuthArgs {
            auth_enabled: None,
            basic_auth_enabled: None,
            basic_auth_username: name.map(str::to_owned),
            basic_auth_password: password.map(str::to_owned),
            basic_auth_read_only_username: None,
            basic_auth_read_only_password: None,
            allow_public_read: false,
            public_heartbeat: false,
            enable_public_badge_access: false,
        }
    }

    #[test]
    fn a_basic_user_turns_authentication_on() {
        assert!(!args(None, None).settings().unwrap().enabled);
        let settings = args(Some("ci"), Some("pw")).settings().unwrap();
        assert!(settings.enabled);
        assert_eq!(settings.users[0].role, Role::Write);
        assert!(!format!("{settings:?}").contains("pw\""), "{settings:?}");
    }

    #[test]
    fn half_a_basic_user_is_refused_not_ignored() {
        for (name, password) in [
            (Some("ci"), None),
            (None, Some("pw")),
            (Some("ci"), Some("")),
        ] {
            assert_eq!(
                args(name, password).settings().unwrap_err(),
                "the Basic auth username and password must be set together, or neither"
            );
        }
        assert!(
            args(Some("c:i"), Some("pw"))
                .settings()
                .unwrap_err()
                .contains("':'")
        );
    }

    #[test]
    fn an_explicit_switch_wins() {
        let mut off = args(Some("ci"), Some("pw"));
        off.basic_auth_enabled = Some(false);
        assert!(!off.settings().unwrap().enabled);
        let mut on = args(None, None);
        on.auth_enabled = Some(true);
        assert!(on.settings().unwrap().enabled);
    }
}
