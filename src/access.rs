//! The access rules: which role an operation requires, and the one check
//! both transports call. Each REST route and each RPC is declared with its
//! rule (`rest::routes`, `grpc::router`).

use axum::http::{HeaderMap, HeaderValue, Method, header};
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

/// Whether a REST method only reads.
pub fn reads(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
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

/// Admits a call that needs `rule`, given its headers (or gRPC metadata):
/// the caller, None when no credentials were needed, or UNAUTHENTICATED /
/// PERMISSION_DENIED. Two `authorization` headers are refused as bad
/// input: which of them a proxy or the broker reads would decide who
/// calls.
pub async fn admit(
    broker: &Broker,
    headers: &HeaderMap,
    rule: Rule,
    reading: bool,
) -> Result<Option<Caller>> {
    let auth = &broker.settings().auth;
    if !auth.enabled {
        return Ok(None);
    }
    let mut sent = headers.get_all(header::AUTHORIZATION).iter();
    let authorization = sent.next();
    if sent.next().is_some() {
        return Err(Error::invalid("authorization", "must be sent at most once"));
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
