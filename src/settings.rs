//! The settings the running broker needs, after parsing: `config` builds
//! them from the command line, tests build them directly, and the service,
//! the access check and the wiring read them.

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
