//! Bearer tokens. Rows never leave here with their secret's digest: it is
//! only ever written and looked up by.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::DecoratableTarget;
use diesel_async::RunQueryDsl;

use super::Conn;
use super::schema::tokens;
use crate::domain::page::Page;
use crate::error::Result;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = tokens, check_for_backend(diesel::pg::Pg))]
pub struct TokenRow {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = tokens)]
pub struct NewToken<'a> {
    pub uuid: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub secret_sha256: &'a [u8],
}

/// Inserts a token; `None` when a live token already has its name.
pub async fn insert(conn: &mut Conn, token: &NewToken<'_>) -> Result<Option<TokenRow>> {
    Ok(diesel::insert_into(tokens::table)
        .values(token)
        .on_conflict(tokens::name)
        .filter_target(tokens::revoked_at.is_null())
        .do_nothing()
        .returning(TokenRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn find_by_uuid(conn: &mut Conn, uuid: &str) -> Result<Option<TokenRow>> {
    Ok(tokens::table
        .filter(tokens::uuid.eq(uuid))
        .select(TokenRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The live token whose secret has this digest, through its unique index.
pub async fn find_live_by_digest(conn: &mut Conn, digest: &[u8]) -> Result<Option<TokenRow>> {
    Ok(tokens::table
        .filter(tokens::secret_sha256.eq(digest))
        .filter(tokens::revoked_at.is_null())
        .select(TokenRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Records a use at `now` unless one after `since` is recorded. The
/// condition is checked again on the locked row, so of replicas racing to
/// record the same use only one writes.
pub async fn record_use(
    conn: &mut Conn,
    id: i64,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> Result<()> {
    diesel::update(tokens::table.find(id))
        .filter(
            tokens::last_used_at
                .is_null()
                .or(tokens::last_used_at.lt(since)),
        )
        .set(tokens::last_used_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes a token at `now`; `None` when it is revoked already, so it
/// keeps its first revocation time.
pub async fn revoke(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<Option<TokenRow>> {
    Ok(diesel::update(tokens::table.find(id))
        .filter(tokens::revoked_at.is_null())
        .set(tokens::revoked_at.eq(now))
        .returning(TokenRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// A page of tokens in creation order, live ones only unless
/// `include_revoked`, and the total count.
pub async fn list(
    conn: &mut Conn,
    include_revoked: bool,
    page: Page,
) -> Result<(Vec<TokenRow>, i64)> {
    let filtered = || {
        let mut query = tokens::table.into_boxed();
        if !include_revoked {
            query = query.filter(tokens::revoked_at.is_null());
        }
        query
    };
    let rows = filtered()
        .order(tokens::id.asc())
        .offset(page.offset)
        .limit(page.size)
        .select(TokenRow::as_select())
        .load(conn)
        .await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((rows, total))
}
