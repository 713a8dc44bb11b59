//! Bearer tokens: named secrets that stand for a role. A token's secret is
//! shown once, when it is created; only its SHA-256 is stored.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Broker, Listed};
use crate::domain::access::Role;
use crate::domain::names;
use crate::domain::page::Page;
use crate::domain::token::{self as secrets, SECRET_BYTES};
use crate::error::{Error, Result, Violations};
use crate::store::Conn;
use crate::store::tokens::{self as store, NewToken, TokenRow};

/// How stale a token's recorded last use may get. Recording every use
/// would turn each authenticated request, reads included, into a write
/// (WAL, dead tuples, row lock waits between a CI job's parallel calls);
/// to the minute is enough to tell used tokens from forgotten ones.
const LAST_USE_PRECISION: TimeDelta = TimeDelta::minutes(1);

/// A token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub uuid: String,
    /// Unique among live tokens: the identity requests with it act as.
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Recorded to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created, with its secret: the only time it is known.
pub struct CreatedToken {
    pub token: Token,
    pub secret: String,
}

/// Never prints the secret.
impl fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What a user gives for a new token. Both are required; options so a
/// missing one is reported with the others.
#[derive(Debug, Default, Clone)]
pub struct TokenInput {
    pub name: Option<String>,
    /// `read`, `write` or `admin`.
    pub role: Option<String>,
}

/// The identity a bearer token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    pub name: String,
    pub role: Role,
}

fn describe(row: TokenRow) -> Result<Token> {
    let role = row
        .role
        .parse()
        .map_err(|err| Error::Internal(anyhow::anyhow!("token {}: {err}", row.uuid)))?;
    Ok(Token {
        uuid: row.uuid,
        name: row.name,
        role,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

/// The token with `uuid`, revoked or not, or NOT_FOUND.
async fn existing(conn: &mut Conn, uuid: &str) -> Result<TokenRow> {
    if uuid.is_empty() {
        return Err(Error::invalid("uuid", "is required"));
    }
    let found = if names::can_exist(uuid) {
        store::find_by_uuid(conn, uuid).await?
    } else {
        None
    };
    found.ok_or_else(|| Error::NotFound(format!("No token with uuid '{uuid}' found")))
}

/// A new secret from the operating system's random number generator.
fn new_secret() -> Result<String> {
    let mut random = [0u8; SECRET_BYTES];
    getrandom::fill(&mut random)
        .map_err(|err| Error::Internal(anyhow::anyhow!("reading random bytes: {err}")))?;
    Ok(secrets::secret(&random))
}

impl Broker {
    /// Creates a token and its secret. ALREADY_EXISTS when a live token has
    /// the name.
    pub async fn create_token(&self, input: TokenInput) -> Result<CreatedToken> {
        let mut violations = Violations::default();
        match &input.name {
            None => violations.add("name", "is missing"),
            Some(name) => {
                violations.check("name", names::single_line(name).map(drop));
            }
        }
        let role = match &input.role {
            None => {
                violations.add("role", "is missing");
                None
            }
            Some(role) => violations.check("role", role.parse::<Role>().map_err(|e| e.to_string())),
        };
        violations.into_result()?;
        let (name, role) = (
            input.name.expect("checked above"),
            role.expect("checked above"),
        );
        let secret = new_secret()?;
        let digest = secrets::digest(&secret);
        let uuid = uuid::Uuid::new_v4().to_string();
        let mut conn = self.store.conn().await?;
        let row = store::insert(
            &mut conn,
            &NewToken {
                uuid: &uuid,
                name: &name,
                role: role.as_str(),
                secret_sha256: &digest,
            },
        )
        .await?
        .ok_or_else(|| {
            Error::AlreadyExists(format!(
                "A token named '{name}' already exists; revoke it or choose another name"
            ))
        })?;
        Ok(CreatedToken {
            token: describe(row)?,
            secret,
        })
    }

    /// Tokens in creation order, a page at a time: live ones, or all.
    pub async fn list_tokens(&self, include_revoked: bool, page: Page) -> Result<Listed<Token>> {
        let mut conn = self.store.conn().await?;
        let (rows, total) = store::list(&mut conn, include_revoked, page).await?;
        let items = rows.into_iter().map(describe).collect::<Result<_>>()?;
        Ok(Listed { items, total, page })
    }

    /// The token with `uuid`, revoked or not.
    pub async fn get_token(&self, uuid: &str) -> Result<Token> {
        let mut conn = self.store.conn().await?;
        describe(existing(&mut conn, uuid).await?)
    }

    /// Revokes a token: its secret is refused from now on. Revoking a
    /// revoked token changes nothing, so a retried call succeeds.
    pub async fn revoke_token(&self, uuid: &str) -> Result<Token> {
        let mut conn = self.store.conn().await?;
        let row = existing(&mut conn, uuid).await?;
        let row = match store::revoke(&mut conn, row.id, Utc::now()).await? {
            Some(revoked) => revoked,
            // Revoked before, perhaps just now by another request.
            None => existing(&mut conn, uuid).await?,
        };
        describe(row)
    }

    /// The live (not revoked) token whose secret this is, recording its use;
    /// None when none.
    pub async fn identify_token(&self, secret: &str) -> Result<Option<TokenIdentity>> {
        if !secrets::could_be_secret(secret) {
            return Ok(None);
        }
        let mut conn = self.store.conn().await?;
        let Some(row) = store::find_live_by_digest(&mut conn, &secrets::digest(secret)).await?
        else {
            return Ok(None);
        };
        let now = Utc::now();
        let since = now - LAST_USE_PRECISION;
        if row.last_used_at.is_none_or(|used| used < since) {
            store::record_use(&mut conn, row.id, now, since).await?;
        }
        let token = describe(row)?;
        Ok(Some(TokenIdentity {
            name: token.name,
            role: token.role,
        }))
    }
}
