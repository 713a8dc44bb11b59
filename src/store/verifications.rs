//! Verification results and the "latest verification per pact content and
//! provider version" table maintained on write (what the matrix reads).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use super::schema::{
    branch_versions, latest_pact_publications, latest_verifications, pact_versions, pacticipants,
    tags, verifications, versions,
};
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

/// A verification with the number of the provider version that ran it and
/// the hash of the content it verified.
pub type Detailed = (VerificationRow, String, String);

/// The id of the latest verification of the content whose id is in
/// `$pact_version_id`, as a scalar subquery: one probe of the
/// (pact_version_id, id DESC) index per row of the walk around it.
macro_rules! latest_of_content {
    ($pact_version_id:expr) => {{
        let newest = diesel::alias!(verifications as newest);
        newest
            .filter(
                newest
                    .field(verifications::pact_version_id)
                    .eq($pact_version_id),
            )
            .order(newest.field(verifications::id).desc())
            .select(newest.field(verifications::id))
            .limit(1)
            .single_value()
    }};
}

/// Joins, to a query over `latest_pact_publications`, the latest
/// verification of each publication's content (leaving out unverified
/// ones), with its provider version and content hash; selects the consumer
/// version number and the [`Detailed`] verification.
macro_rules! with_latest_verification {
    ($query:expr) => {{
        let provider_versions = diesel::alias!(versions as provider_versions);
        $query
            .inner_join(verifications::table.on(verifications::id.nullable().eq(
                latest_of_content!(latest_pact_publications::pact_version_id),
            )))
            .inner_join(
                versions::table.on(versions::id.eq(latest_pact_publications::consumer_version_id)),
            )
            .inner_join(
                provider_versions.on(provider_versions
                    .field(versions::id)
                    .eq(verifications::provider_version_id)),
            )
            .inner_join(
                pact_versions::table
                    .on(pact_versions::id.eq(latest_pact_publications::pact_version_id)),
            )
            .select((
                versions::number,
                (
                    VerificationRow::as_select(),
                    provider_versions.field(versions::number),
                    pact_versions::sha,
                ),
            ))
    }};
}

/// Which consumer versions of a consumer to list.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerVersionFilter<'a> {
    /// Only versions on the branch with this id.
    pub branch_id: Option<i64>,
    pub tags: Tags<'a>,
}

/// Consumer versions by their tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tags<'a> {
    Any,
    /// Only versions with this tag.
    With(&'a str),
    /// Only versions without any tag.
    Untagged,
}

/// For each consumer version with a verified pact between the two, newest
/// first, the latest verification of its pact's content; `limit` of them
/// from `offset`. The walk starts at the newest end of the index of the
/// filter most likely to be narrow (the tag's versions, else the branch's
/// versions, else the pair's latest publications), probes the rest per row
/// and stops once the page is full: unverified or filtered out versions on
/// the way cost a few probes each.
pub async fn latest_per_consumer_version(
    conn: &mut Conn,
    (consumer_id, provider_id): (i64, i64),
    only: ConsumerVersionFilter<'_>,
    offset: i64,
    limit: i64,
) -> Result<Vec<(String, Detailed)>> {
    // The pact with the provider of the version in `$column`: a probe of
    // the latest publications' primary key.
    macro_rules! published_for {
        ($column:expr) => {
            latest_pact_publications::consumer_version_id
                .eq($column)
                .and(latest_pact_publications::provider_id.eq(provider_id))
        };
    }
    // Whether the version in `$column` has no tag: a probe of the
    // (version_id, name) index.
    macro_rules! untagged {
        ($column:expr) => {
            tags::table
                .filter(tags::version_id.eq($column))
                .select(tags::version_id)
                .limit(1)
                .single_value()
                .is_null()
        };
    }
    let untagged = only.tags == Tags::Untagged;
    let rows = match only {
        ConsumerVersionFilter {
            branch_id,
            tags: Tags::With(tag),
        } => {
            let mut query =
                with_latest_verification!(tags::table.inner_join(
                    latest_pact_publications::table.on(published_for!(tags::version_id))
                ))
                .filter(tags::pacticipant_id.eq(consumer_id))
                .filter(tags::name.eq(tag))
                .into_boxed();
            if let Some(branch_id) = branch_id {
                // Whether the version is on the branch: a probe of the
                // (version_id, branch_id) index.
                query = query.filter(
                    branch_versions::table
                        .filter(branch_versions::version_id.eq(tags::version_id))
                        .filter(branch_versions::branch_id.eq(branch_id))
                        .select(branch_versions::version_id)
                        .limit(1)
                        .single_value()
                        .is_not_null(),
                );
            }
            query
                // The whole key of the (pacticipant, name, version) index.
                .order((tags::pacticipant_id, tags::name, tags::version_id.desc()))
                .offset(offset)
                .limit(limit)
                .load(conn)
                .await?
        }
        ConsumerVersionFilter {
            branch_id: Some(branch_id),
            tags: Tags::Any | Tags::Untagged,
        } => {
            let mut query = with_latest_verification!(branch_versions::table.inner_join(
                latest_pact_publications::table.on(published_for!(branch_versions::version_id)),
            ))
            .filter(branch_versions::branch_id.eq(branch_id))
            .into_boxed();
            if untagged {
                query = query.filter(untagged!(branch_versions::version_id));
            }
            query
                // The whole key of the (branch, version) index.
                .order((
                    branch_versions::branch_id.desc(),
                    branch_versions::version_id.desc(),
                ))
                .offset(offset)
                .limit(limit)
                .load(conn)
                .await?
        }
        ConsumerVersionFilter {
            branch_id: None,
            tags: Tags::Any | Tags::Untagged,
        } => {
            let mut query = with_latest_verification!(latest_pact_publications::table)
                .filter(latest_pact_publications::consumer_id.eq(consumer_id))
                .filter(latest_pact_publications::provider_id.eq(provider_id))
                .into_boxed();
            if untagged {
                query = query.filter(untagged!(latest_pact_publications::consumer_version_id));
            }
            query
                .order(latest_pact_publications::consumer_version_id.desc())
                .offset(offset)
                .limit(limit)
                .load(conn)
                .await?
        }
    };
    Ok(rows)
}

/// Of the consumer versions with `consumer_tag` that have a pact with the
/// provider verified by a provider version with `provider_tag`, the newest;
/// the latest verification of its pact by the newest such provider version.
/// The walk starts at the newest end of the consumer tag's versions, as the
/// Pact Broker's matrix badge orders them.
pub async fn latest_between_tags(
    conn: &mut Conn,
    (consumer_id, provider_id): (i64, i64),
    consumer_tag: &str,
    provider_tag: &str,
) -> Result<Option<Detailed>> {
    let provider_tags = diesel::alias!(tags as provider_tags);
    Ok(tags::table
        .inner_join(
            latest_pact_publications::table.on(latest_pact_publications::consumer_version_id
                .eq(tags::version_id)
                .and(latest_pact_publications::provider_id.eq(provider_id))),
        )
        .inner_join(latest_verifications::table.on(
            latest_verifications::pact_version_id.eq(latest_pact_publications::pact_version_id),
        ))
        .inner_join(
            verifications::table.on(verifications::id.eq(latest_verifications::verification_id)),
        )
        .inner_join(versions::table.on(versions::id.eq(latest_verifications::provider_version_id)))
        .inner_join(
            pact_versions::table
                .on(pact_versions::id.eq(latest_pact_publications::pact_version_id)),
        )
        .filter(tags::pacticipant_id.eq(consumer_id))
        .filter(tags::name.eq(consumer_tag))
        // Whether the provider version has the tag: a probe of the
        // (version_id, name) index.
        .filter(
            provider_tags
                .filter(
                    provider_tags
                        .field(tags::version_id)
                        .eq(latest_verifications::provider_version_id),
                )
                .filter(provider_tags.field(tags::name).eq(provider_tag))
                .select(provider_tags.field(tags::version_id))
                .single_value()
                .is_not_null(),
        )
        .order((
            tags::version_id.desc(),
            latest_verifications::provider_version_id.desc(),
        ))
        .select((
            VerificationRow::as_select(),
            versions::number,
            pact_versions::sha,
        ))
        .first(conn)
        .await
        .optional()?)
}

/// Each provider that the consumer version has a pact with, by name, with
/// the id of the latest verification of that pact's content if there is
/// one: a walk of the consumer version's entries in the latest
/// publications' primary key.
pub async fn latest_per_provider(
    conn: &mut Conn,
    consumer_version_id: i64,
) -> Result<Vec<(String, Option<i64>)>> {
    Ok(latest_pact_publications::table
        .inner_join(
            pacticipants::table.on(pacticipants::id.eq(latest_pact_publications::provider_id)),
        )
        .filter(latest_pact_publications::consumer_version_id.eq(consumer_version_id))
        .select((
            pacticipants::name,
            latest_of_content!(latest_pact_publications::pact_version_id),
        ))
        .load(conn)
        .await?)
}

/// The verifications with these ids, [`Detailed`], in no particular order.
pub async fn detailed(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Detailed>> {
    Ok(verifications::table
        .inner_join(versions::table.on(versions::id.eq(verifications::provider_version_id)))
        .inner_join(pact_versions::table.on(pact_versions::id.eq(verifications::pact_version_id)))
        .filter(verifications::id.eq_any(ids))
        .select((
            VerificationRow::as_select(),
            versions::number,
            pact_versions::sha,
        ))
        .load(conn)
        .await?)
}

/// Deletes the verification with this number if it verified this content.
/// The latest result for its content and provider version then falls back
/// to the previous one.
pub async fn delete(conn: &mut Conn, pact_version_id: i64, number: i64) -> Result<bool> {
    let deleted: Option<(i64, i64, i64)> = diesel::delete(
        verifications::table
            .filter(verifications::number.eq(number))
            .filter(verifications::pact_version_id.eq(pact_version_id)),
    )
    .returning((
        verifications::provider_version_id,
        verifications::consumer_id,
        verifications::provider_id,
    ))
    .get_result(conn)
    .await
    .optional()?;
    let Some((provider_version_id, consumer_id, provider_id)) = deleted else {
        return Ok(false);
    };
    // A few rows: what one provider version verified.
    let previous: Option<i64> = verifications::table
        .filter(verifications::provider_version_id.eq(provider_version_id))
        .filter(verifications::pact_version_id.eq(pact_version_id))
        .order(verifications::id.desc())
        .select(verifications::id)
        .first(conn)
        .await
        .optional()?;
    if let Some(previous) = previous {
        // The cascade removed the latest row if it named the deleted result.
        // A row still there already names the latest (the deleted result
        // was older, or a concurrent publish recorded a newer one), so it
        // stays.
        diesel::insert_into(latest_verifications::table)
            .values((
                latest_verifications::pact_version_id.eq(pact_version_id),
                latest_verifications::provider_version_id.eq(provider_version_id),
                latest_verifications::verification_id.eq(previous),
                latest_verifications::consumer_id.eq(consumer_id),
                latest_verifications::provider_id.eq(provider_id),
            ))
            .on_conflict((
                latest_verifications::pact_version_id,
                latest_verifications::provider_version_id,
            ))
            .do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(true)
}
