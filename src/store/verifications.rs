//! Verification results and the "latest verification per pact content and
//! provider version" table maintained on write (what the matrix reads).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use super::schema::{latest_verifications, pact_versions, verifications, versions};
use crate::error::Result;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = verifications, check_for_backend(diesel::pg::Pg))]
pub struct VerificationRow {
    pub id: i64,
    pub number: i64,
    pub pact_version_id: i64,
    pub provider_version_id: i64,
    pub success: bool,
    pub build_url: Option<String>,
    pub test_results: Option<serde_json::Value>,
    pub verified_by: Option<serde_json::Value>,
    pub provider_version_tags: Vec<Option<String>>,
    pub wip: bool,
    pub pact_pending: bool,
    pub execution_date: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A verification result to record.
pub struct NewVerification<'a> {
    pub pact_version_id: i64,
    pub consumer_id: i64,
    pub provider_id: i64,
    pub provider_version_id: i64,
    pub success: bool,
    pub build_url: Option<&'a str>,
    pub test_results: Option<&'a serde_json::Value>,
    pub verified_by: Option<&'a serde_json::Value>,
    pub provider_version_tags: &'a [String],
    pub wip: bool,
    pub pact_pending: bool,
    pub execution_date: Option<DateTime<Utc>>,
}

/// The pact content with this hash between a consumer and a provider.
pub async fn find_content_id(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
    sha: &str,
) -> Result<Option<i64>> {
    Ok(pact_versions::table
        .filter(pact_versions::consumer_id.eq(consumer_id))
        .filter(pact_versions::provider_id.eq(provider_id))
        .filter(pact_versions::sha.eq(sha))
        .select(pact_versions::id)
        .first(conn)
        .await
        .optional()?)
}

/// Records a verification and makes it the latest for its pact content and
/// provider version.
pub async fn insert(conn: &mut Conn, new: &NewVerification<'_>) -> Result<VerificationRow> {
    let row = diesel::insert_into(verifications::table)
        .values((
            verifications::pact_version_id.eq(new.pact_version_id),
            verifications::consumer_id.eq(new.consumer_id),
            verifications::provider_id.eq(new.provider_id),
            verifications::provider_version_id.eq(new.provider_version_id),
            verifications::success.eq(new.success),
            verifications::build_url.eq(new.build_url),
            verifications::test_results.eq(new.test_results),
            verifications::verified_by.eq(new.verified_by),
            verifications::provider_version_tags.eq(new.provider_version_tags),
            verifications::wip.eq(new.wip),
            verifications::pact_pending.eq(new.pact_pending),
            verifications::execution_date.eq(new.execution_date.unwrap_or_else(Utc::now)),
        ))
        .returning(VerificationRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(latest_verifications::table)
        .values((
            latest_verifications::pact_version_id.eq(new.pact_version_id),
            latest_verifications::provider_version_id.eq(new.provider_version_id),
            latest_verifications::verification_id.eq(row.id),
            latest_verifications::consumer_id.eq(new.consumer_id),
            latest_verifications::provider_id.eq(new.provider_id),
        ))
        .on_conflict((
            latest_verifications::pact_version_id,
            latest_verifications::provider_version_id,
        ))
        .do_update()
        .set(latest_verifications::verification_id.eq(row.id))
        .execute(conn)
        .await?;
    Ok(row)
}

/// A verification by its number, if it verified this pact content; with the
/// provider version's number.
pub async fn find(
    conn: &mut Conn,
    pact_version_id: i64,
    number: i64,
) -> Result<Option<(VerificationRow, String)>> {
    Ok(verifications::table
        .inner_join(versions::table.on(versions::id.eq(verifications::provider_version_id)))
        .filter(verifications::number.eq(number))
        .filter(verifications::pact_version_id.eq(pact_version_id))
        .select((VerificationRow::as_select(), versions::number))
        .first(conn)
        .await
        .optional()?)
}

/// The number of the latest verification of this pact content.
pub async fn latest_number(conn: &mut Conn, pact_version_id: i64) -> Result<Option<i64>> {
    Ok(verifications::table
        .filter(verifications::pact_version_id.eq(pact_version_id))
        .order(verifications::id.desc())
        .select(verifications::number)
        .first(conn)
        .await
        .optional()?)
}
