//! The settings the running broker needs, after parsing: `config` builds
//! them from the command line, tests build them directly, and the service,
//! the access check and the wiring read them.

use std::time::Duration;

use crate::domain::access::{Digest, Role, digest};

/// What the running broker is configured with.
#[derive(Clone, Debug)]
pub struct BrokerSettings {
    /// Base URL without a trailing slash, when configured.
    pub base_url: Option<String>,
    pub max_request_body_size: usize,
    pub allow_dangerous_contract_modification: bool,
    pub verified_by_other_branch_lookback_days: u32,
    pub create_deployed_versions_for_tags: bool,
    pub auto_detect_main_branch: bool,
    pub main_branch_candidates: Vec<String>,
    pub use_first_tag_as_branch: bool,
    pub use_first_tag_as_branch_time_limit: u32,
    pub badge_default_cache_setting: String,
    pub auth: AuthSettings,
    pub connections: ConnectionLimits,
}

impl Default for BrokerSettings {
    fn default() -> Self {
        BrokerSettings {
            base_url: None,
            max_request_body_size: 10 * 1024 * 1024,
            allow_dangerous_contract_modification: false,
            verified_by_other_branch_lookback_days: 30,
            create_deployed_versions_for_tags: true,
            auto_detect_main_branch: true,
            main_branch_candidates: ["develop", "main", "master"].map(str::to_owned).to_vec(),
            use_first_tag_as_branch: true,
            use_first_tag_as_branch_time_limit: 10,
            badge_default_cache_setting: "max-age=30".to_owned(),
            auth: AuthSettings::default(),
            connections: ConnectionLimits::default(),
        }
    }
}

/// What one client may hold of the listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From a request's first byte (or the connection's opening) until its
    /// whole head has arrived, on HTTP/1.1.
    pub header_read_timeout: Duration,
    /// The longest pause while a request body arrives.
    pub body_read_timeout: Duration,
    /// How long a connection may stay open with no request in flight and
    /// no byte sent either way.
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            // hyper's default is 30 s; a well-behaved client sends its head
            // in one packet.
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            // Longer than the 60 s load balancers commonly keep an idle
            // connection, so the broker never closes one a balancer is
            // about to reuse (nginx's default keep-alive is 75 s).
            idle_timeout: Duration::from_secs(75),
            max_connections: 10_000,
            // Inside the 30 s Kubernetes waits before it kills a pod.
            shutdown_timeout: Duration::from_secs(20),
        }
    }
}

/// Authentication, and what is public.
#[derive(Clone, Debug, Default)]
pub struct AuthSettings {
    pub enabled: bool,
    pub users: Vec<BasicUser>,
    pub allow_public_read: bool,
    pub public_heartbeat: bool,
    pub public_badges: bool,
}

/// A Basic auth user from the settings. Only digests of the name and
/// password are kept: what every request is compared with, computed once.
#[derive(Clone)]
pub struct BasicUser {
    pub name: String,
    pub role: Role,
    pub name_digest: Digest,
    pub password_digest: Digest,
}

impl BasicUser {
    pub fn new(name: &str, password: &str, role: Role) -> BasicUser {
        BasicUser {
            name: name.to_owned(),
            role,
            name_digest: digest(name),
            password_digest: digest(password),
        }
    }
}

impl std::fmt::Debug for BasicUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}
