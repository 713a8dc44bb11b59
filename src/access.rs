//! The access rules: which role every REST route and every RPC requires,
//! in one table, and the one check both transports call.
//!
//! A REST route without a rule stops the broker from starting
//! (`rest::routes`); an RPC without one requires admin, and a test
//! compares this table with every method the server describes.

use axum::http::{HeaderValue, Method};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use crate::domain::access::{Role, digest};
use crate::error::{Error, Result};
use crate::service::Broker;
use crate::settings::AuthSettings;

/// What an operation requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The Pact Broker's rule: reading methods (GET, HEAD, OPTIONS) need
    /// read, the others write.
    ByMethod,
    /// Read, whatever the method: read RPCs, and asking which pacts to
    /// verify (a POST), which the Pact Broker counts as reading.
    Read,
    Write,
    Admin,
    /// Reading needs read, or nothing when the heartbeat (or reading) is
    /// public, so load balancers need no credentials; other methods write.
    Heartbeat,
    /// Reading needs read, or nothing when badges (or reading) are public,
    /// so READMEs can show them; other methods write.
    Badge,
}

use Rule::{Admin, Badge, ByMethod, Heartbeat, Read, Write};

/// Every REST route, as registered, and its rule.
const REST: &[(&str, Rule)] = &[
    ("/", ByMethod),
    ("/pacticipants", ByMethod),
    ("/pacticipants/{pacticipant}", ByMethod),
    ("/pacticipants/label/{label}", ByMethod),
    ("/pacticipants/{pacticipant}/labels/{label}", ByMethod),
    ("/labels", ByMethod),
    ("/pacticipants/{pacticipant}/versions", ByMethod),
    ("/pacticipants/{pacticipant}/versions/{version}", ByMethod),
    ("/pacticipants/{pacticipant}/latest-version", ByMethod),
    ("/pacticipants/{pacticipant}/latest-version/{tag}", ByMethod),
    (
        "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
        ByMethod,
    ),
    ("/pacticipants/{pacticipant}/branches", ByMethod),
    ("/pacticipants/{pacticipant}/branches/{branch}", ByMethod),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/versions",
        ByMethod,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version",
        ByMethod,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        ByMethod,
    ),
    ("/contracts/publish", ByMethod),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/version/{version}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}/latest",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/versions",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}",
        ByMethod,
    ),
    ("/pacts/latest", ByMethod),
    ("/pacts/provider/{provider}/latest", ByMethod),
    ("/pacts/provider/{provider}/latest/{tag}", ByMethod),
    ("/pacts/provider/{provider}/branch/latest", ByMethod),
    (
        "/pacts/provider/{provider}/branch/{branch}/latest",
        ByMethod,
    ),
    ("/pacts/provider/{provider}/branch", ByMethod),
    ("/pacts/provider/{provider}/branch/{branch}", ByMethod),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/latest",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results/{number}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/metadata/{metadata}/verification-results/{number}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/version/{version}/verification-results/latest",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/verification-results/latest",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/verification-results/latest",
        ByMethod,
    ),
    (
        "/verification-results/consumer/{consumer}/version/{version}/latest",
        ByMethod,
    ),
    ("/pacts/provider/{provider}/for-verification", Read),
    ("/environments", ByMethod),
    ("/environments/{uuid}", ByMethod),
    (
        "/environments/{uuid}/deployed-versions/currently-deployed",
        ByMethod,
    ),
    (
        "/environments/{uuid}/released-versions/currently-supported",
        ByMethod,
    ),
    (
        "/pacticipants/{pacticipant}/versions/{version}/deployed-versions/environment/{uuid}",
        ByMethod,
    ),
    (
        "/pacticipants/{pacticipant}/versions/{version}/released-versions/environment/{uuid}",
        ByMethod,
    ),
    ("/deployed-versions/{uuid}", ByMethod),
    ("/released-versions/{uuid}", ByMethod),
    ("/matrix", ByMethod),
    ("/can-i-deploy", ByMethod),
    ("/matrix/provider/{provider}/consumer/{consumer}", ByMethod),
    (
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}",
        ByMethod,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}",
        ByMethod,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge.svg",
        Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/badge",
        Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge.svg",
        Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest/{tag}/badge",
        Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge.svg",
        Badge,
    ),
    (
        "/pacts/provider/{provider}/consumer/{consumer}/latest-untagged/badge",
        Badge,
    ),
    (
        "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge.svg",
        Badge,
    ),
    (
        "/matrix/provider/{provider}/latest/{provider_tag}/consumer/{consumer}/latest/{tag}/badge",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge.svg",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/latest-version/{tag}/can-i-deploy/to/{to}/badge",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge.svg",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/branches/{branch}/latest-version/can-i-deploy/to-environment/{environment}/badge",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge.svg",
        Badge,
    ),
    (
        "/pacticipants/{pacticipant}/main-branch/can-i-merge/badge",
        Badge,
    ),
    ("/diagnostic/status/heartbeat", Heartbeat),
    ("/tokens", Admin),
    ("/tokens/{uuid}", Admin),
];

/// Every RPC, by its path (`/package.Service/Method`), and its rule.
const GRPC: &[(&str, Rule)] = &[
    ("/pactwire.v1.DeploymentService/CreateEnvironment", Write),
    ("/pactwire.v1.DeploymentService/GetEnvironment", Read),
    ("/pactwire.v1.DeploymentService/ListEnvironments", Read),
    ("/pactwire.v1.DeploymentService/UpdateEnvironment", Write),
    ("/pactwire.v1.DeploymentService/DeleteEnvironment", Write),
    ("/pactwire.v1.DeploymentService/RecordDeployment", Write),
    ("/pactwire.v1.DeploymentService/RecordUndeployment", Write),
    ("/pactwire.v1.DeploymentService/RecordRelease", Write),
    ("/pactwire.v1.DeploymentService/RecordSupportEnded", Write),
    (
        "/pactwire.v1.DeploymentService/ListCurrentlyDeployedVersions",
        Read,
    ),
    (
        "/pactwire.v1.DeploymentService/ListCurrentlySupportedVersions",
        Read,
    ),
    ("/pactwire.v1.EventService/WatchVerificationRequests", Read),
    (
        "/pactwire.v1.EventService/AcknowledgeVerificationRequest",
        Write,
    ),
    ("/pactwire.v1.EventService/WatchEvents", Read),
    ("/pactwire.v1.MatrixService/QueryMatrix", Read),
    ("/pactwire.v1.MatrixService/CanIDeploy", Read),
    ("/pactwire.v1.PactService/PublishContracts", Write),
    ("/pactwire.v1.PactService/GetPact", Read),
    ("/pactwire.v1.PactService/ListPactVersions", Read),
    ("/pactwire.v1.PactService/ListLatestPacts", Read),
    ("/pactwire.v1.PactService/DeletePact", Write),
    ("/pactwire.v1.PacticipantService/CreatePacticipant", Write),
    ("/pactwire.v1.PacticipantService/GetPacticipant", Read),
    ("/pactwire.v1.PacticipantService/ListPacticipants", Read),
    ("/pactwire.v1.PacticipantService/UpdatePacticipant", Write),
    ("/pactwire.v1.PacticipantService/DeletePacticipant", Write),
    ("/pactwire.v1.PacticipantService/AddLabel", Write),
    ("/pactwire.v1.PacticipantService/RemoveLabel", Write),
    ("/pactwire.v1.PacticipantService/ListLabels", Read),
    (
        "/pactwire.v1.VerificationService/GetPactsForVerification",
        Read,
    ),
    (
        "/pactwire.v1.VerificationService/PublishVerificationResult",
        Write,
    ),
    (
        "/pactwire.v1.VerificationService/GetVerificationResult",
        Read,
    ),
    (
        "/pactwire.v1.VerificationService/ListLatestVerificationResults",
        Read,
    ),
    ("/pactwire.v1.VersionService/CreateVersion", Write),
    ("/pactwire.v1.VersionService/GetVersion", Read),
    ("/pactwire.v1.VersionService/GetLatestVersion", Read),
    ("/pactwire.v1.VersionService/ListVersions", Read),
    ("/pactwire.v1.VersionService/DeleteVersion", Write),
    ("/pactwire.v1.VersionService/AddBranchVersion", Write),
    ("/pactwire.v1.VersionService/RemoveBranchVersion", Write),
    ("/pactwire.v1.VersionService/GetBranch", Read),
    ("/pactwire.v1.VersionService/ListBranches", Read),
    ("/pactwire.v1.VersionService/DeleteBranch", Write),
    ("/pactwire.v1.VersionService/AddTag", Write),
    ("/pactwire.v1.VersionService/RemoveTag", Write),
    ("/pactwire.v1.WebhookService/CreateWebhook", Write),
    ("/pactwire.v1.WebhookService/GetWebhook", Read),
    ("/pactwire.v1.WebhookService/ListWebhooks", Read),
    ("/pactwire.v1.WebhookService/UpdateWebhook", Write),
    ("/pactwire.v1.WebhookService/DeleteWebhook", Write),
    ("/pactwire.v1.WebhookService/ExecuteWebhook", Write),
    ("/pactwire.v1.WebhookService/ListTriggeredWebhooks", Read),
    ("/pactwire.v1.WebhookService/GetTriggeredWebhookLogs", Read),
    ("/pactwire.v1.WebhookService/CreateSecret", Admin),
    ("/pactwire.v1.WebhookService/ListSecrets", Admin),
    ("/pactwire.v1.WebhookService/UpdateSecret", Admin),
    ("/pactwire.v1.WebhookService/DeleteSecret", Admin),
    ("/pactwire.v1.TokenService/CreateToken", Admin),
    ("/pactwire.v1.TokenService/ListTokens", Admin),
    ("/pactwire.v1.TokenService/GetToken", Admin),
    ("/pactwire.v1.TokenService/RevokeToken", Admin),
    ("/grpc.health.v1.Health/Check", Heartbeat),
    ("/grpc.health.v1.Health/Watch", Heartbeat),
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        Read,
    ),
    (
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        Read,
    ),
];

/// Whether a REST method only reads.
pub fn reads(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
}

/// The rule of a REST route, by the path it was registered with.
pub fn rest_rule(path: &str) -> Option<Rule> {
    REST.iter().find(|(p, _)| *p == path).map(|(_, rule)| *rule)
}

/// The rule of an RPC path. One missing from the table requires admin, so
/// a new RPC is never open by accident.
pub fn grpc_rule(path: &str) -> Rule {
    GRPC.iter()
        .find(|(p, _)| *p == path)
        .map_or(Admin, |(_, rule)| *rule)
}

/// The REST table, for tests that walk it.
pub fn rest_rules() -> &'static [(&'static str, Rule)] {
    REST
}

/// The gRPC table, for tests that walk it.
pub fn grpc_rules() -> &'static [(&'static str, Rule)] {
    GRPC
}

impl Rule {
    /// The role a call needs, or None when it needs no credentials.
    /// `reading` says the call only reads: over REST, a GET, HEAD or
    /// OPTIONS; an RPC's table entry says itself what it does.
    pub fn required(self, reading: bool, auth: &AuthSettings) -> Option<Role> {
        let public_read = auth.allow_public_read;
        match self {
            ByMethod if reading => (!public_read).then_some(Role::Read),
            ByMethod => Some(Role::Write),
            Read => (!public_read).then_some(Role::Read),
            Write => Some(Role::Write),
            Admin => Some(Role::Admin),
            Heartbeat | Badge if !reading => Some(Role::Write),
            Heartbeat => (!(public_read || auth.public_heartbeat)).then_some(Role::Read),
            Badge => (!(public_read || auth.public_badges)).then_some(Role::Read),
        }
    }
}

/// Who is calling, once authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

/// Admits a call that needs `rule`, given its `authorization` header (or
/// gRPC metadata): the caller, None when no credentials were needed, or
/// UNAUTHENTICATED / PERMISSION_DENIED.
pub async fn admit(
    broker: &Broker,
    authorization: Option<&HeaderValue>,
    rule: Rule,
    reading: bool,
) -> Result<Option<Caller>> {
    let auth = &broker.settings().auth;
    if !auth.enabled {
        return Ok(None);
    }
    let Some(required) = rule.required(reading, auth) else {
        return Ok(None);
    };
    let Some(authorization) = authorization else {
        return Err(Error::Unauthenticated(
            "credentials are required: Basic or a Bearer token".into(),
        ));
    };
    let caller = identify(broker, auth, authorization).await?;
    if caller.role.allows(required) {
        Ok(Some(caller))
    } else {
        Err(Error::PermissionDenied(format!(
            "this needs the {required} role, and {} has {}",
            caller.name, caller.role
        )))
    }
}

/// Names the caller on the request's span, so its log lines say who.
pub fn record(caller: Option<&Caller>) {
    if let Some(caller) = caller {
        tracing::Span::current().record("caller", caller.name.as_str());
    }
}

async fn identify(
    broker: &Broker,
    auth: &AuthSettings,
    authorization: &HeaderValue,
) -> Result<Caller> {
    let invalid = || Error::Unauthenticated("the credentials are not valid".into());
    let value = authorization.to_str().map_err(|_| invalid())?;
    let (scheme, credentials) = value.trim().split_once(' ').ok_or_else(invalid)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(credentials).map_err(|_| invalid())?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
        let (name, password) = decoded.split_once(':').ok_or_else(invalid)?;
        basic_user(auth, name, password).ok_or_else(invalid)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let token = broker
            .identify_token(credentials)
            .await?
            .ok_or_else(invalid)?;
        Ok(Caller {
            name: format!("token {}", token.name),
            role: token.role,
        })
    } else {
        Err(Error::Unauthenticated(
            "the authorization scheme must be Basic or Bearer".into(),
        ))
    }
}

/// The configured user with this name and password. Every user is
/// compared, each in constant time over digests, so timing tells nothing
/// about how much of a name or password matched.
fn basic_user(auth: &AuthSettings, name: &str, password: &str) -> Option<Caller> {
    let (name_digest, password_digest) = (digest(name), digest(password));
    let mut found = None;
    for user in &auth.users {
        let same_name = user.name_digest.ct_eq(&name_digest);
        let same_password = user.password_digest.ct_eq(&password_digest);
        if bool::from(same_name & same_password) {
            found = Some(Caller {
                name: format!("user {}", user.name),
                role: user.role,
            });
        }
    }
    found
}
