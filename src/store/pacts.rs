//! Pact content, publications and the "latest publication per consumer
//! version and provider" table maintained on write.

use chrono::{DateTime, Utc};
use diesel::expression::{ValidGrouping, is_aggregate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::models::{PactPublicationRow, PactVersionRow};
use super::schema::{
    branch_versions, branches, integrations, latest_pact_publications, pact_publications,
    pact_versions, pacticipants, tags, versions,
};
use super::{Conn, KeepPrepared};
use crate::domain::pact::PactSelector;
use crate::domain::page::Page;
use crate::error::Result;

/// New pact content to store.
pub struct NewContent<'a> {
    pub consumer_id: i64,
    pub provider_id: i64,
    pub sha: &'a str,
    pub content: &'a str,
    pub interactions_count: i32,
    pub messages_count: i32,
}

/// Locks a consumer version for the rest of the transaction, so concurrent
/// publications for it take turns: each then sees what the previous one
/// committed instead of racing it to the next revision number.
pub async fn lock_consumer_version(conn: &mut Conn, consumer_version_id: i64) -> Result<()> {
    versions::table
        .find(consumer_version_id)
        .select(versions::id)
        .for_no_key_update()
        .first::<i64>(conn)
        .await?;
    Ok(())
}

/// The latest publication (highest revision) for a consumer version and
/// provider, with its content.
pub async fn latest_publication(
    conn: &mut Conn,
    consumer_version_id: i64,
    provider_id: i64,
) -> Result<Option<(PactPublicationRow, PactVersionRow)>> {
    Ok(latest_pact_publications::table
        .inner_join(pact_publications::table)
        .inner_join(pact_versions::table)
        .filter(latest_pact_publications::consumer_version_id.eq(consumer_version_id))
        .filter(latest_pact_publications::provider_id.eq(provider_id))
        .select((PactPublicationRow::as_select(), PactVersionRow::as_select()))
        .first(conn)
        .await
        .optional()?)
}

/// A publication as stored.
pub struct Published {
    pub created_at: DateTime<Utc>,
    /// The content already stored under the new content's hash, when there
    /// was one; the new content was stored otherwise.
    pub stored_content: Option<String>,
}

/// Records a publication of `content` (stored once per hash) as revision
/// `revision_number` of the consumer version's pact, makes it the latest
/// for its consumer version and provider, and records the integration: one
/// statement, each part fed by the one before.
pub async fn insert_publication(
    conn: &mut Conn,
    consumer_version_id: i64,
    content: &NewContent<'_>,
    revision_number: i32,
) -> Result<Published> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
        #[diesel(sql_type = Nullable<Text>)]
        stored_content: Option<String>,
    }
    let statement = || {
        diesel::sql_query(
            "WITH inserted AS ( \
                 INSERT INTO pact_versions \
                     (consumer_id, provider_id, sha, content, interactions_count, messages_count) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (consumer_id, provider_id, sha) DO NOTHING RETURNING id), \
             content AS ( \
                 SELECT id, NULL::text AS stored_content FROM inserted \
                 UNION ALL \
                 SELECT id, content FROM pact_versions \
                 WHERE consumer_id = $1 AND provider_id = $2 AND sha = $3), \
             publication AS ( \
                 INSERT INTO pact_publications \
                     (consumer_version_id, consumer_id, provider_id, pact_version_id, revision_number) \
                 SELECT $7, $1, $2, id, $8 FROM content \
                 RETURNING id, pact_version_id, created_at), \
             latest AS ( \
                 INSERT INTO latest_pact_publications (consumer_version_id, provider_id, consumer_id, \
                     pact_publication_id, pact_version_id, created_at) \
                 SELECT $7, $2, $1, id, pact_version_id, created_at FROM publication \
                 ON CONFLICT (consumer_version_id, provider_id) DO UPDATE \
                 SET pact_publication_id = EXCLUDED.pact_publication_id, \
                     pact_version_id = EXCLUDED.pact_version_id, created_at = EXCLUDED.created_at), \
             integration AS ( \
                 INSERT INTO integrations (consumer_id, provider_id) SELECT $1, $2 FROM publication \
                 ON CONFLICT DO NOTHING) \
             SELECT publication.created_at, content.stored_content FROM publication, content",
        )
        .bind::<BigInt, _>(content.consumer_id)
        .bind::<BigInt, _>(content.provider_id)
        .bind::<Text, _>(content.sha)
        .bind::<Text, _>(content.content)
        .bind::<Integer, _>(content.interactions_count)
        .bind::<Integer, _>(content.messages_count)
        .bind::<BigInt, _>(consumer_version_id)
        .bind::<Integer, _>(revision_number)
        .prepared()
    };
    let row: Option<Row> = statement().get_result(conn).await.optional()?;
    let row = match row {
        Some(row) => row,
        // The same content was stored by a request that committed after
        // this statement began: a new statement sees it.
        None => statement().get_result(conn).await?,
    };
    Ok(Published {
        created_at: row.created_at,
        stored_content: row.stored_content,
    })
}

/// Deletes every revision published for a consumer version and provider.
pub async fn delete_publications(
    conn: &mut Conn,
    consumer_version_id: i64,
    provider_id: i64,
) -> Result<bool> {
    let deleted = diesel::delete(
        pact_publications::table
            .filter(pact_publications::consumer_version_id.eq(consumer_version_id))
            .filter(pact_publications::provider_id.eq(provider_id)),
    )
    .execute(conn)
    .await?;
    Ok(deleted > 0)
}

/// Forgets the integrations of `consumer_id` that have no pact left, after
/// pacts or versions were deleted.
pub async fn prune_integrations(conn: &mut Conn, consumer_id: i64) -> Result<()> {
    diesel::delete(
        integrations::table
            .filter(integrations::consumer_id.eq(consumer_id))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                latest_pact_publications::table
                    .filter(latest_pact_publications::consumer_id.eq(integrations::consumer_id))
                    .filter(latest_pact_publications::provider_id.eq(integrations::provider_id)),
            ))),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A pact as read for display: which consumer version, when, and the
/// content.
#[derive(Debug, Clone)]
pub struct PactRecord {
    pub consumer_version: String,
    pub consumer: String,
    pub provider: String,
    pub sha: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

type RecordColumns = (
    versions::number,
    pact_versions::sha,
    pact_versions::content,
    latest_pact_publications::created_at,
);

const RECORD_COLUMNS: RecordColumns = (
    versions::number,
    pact_versions::sha,
    pact_versions::content,
    latest_pact_publications::created_at,
);

/// What [`RECORD_COLUMNS`] read.
type RecordValues = (String, String, String, DateTime<Utc>);

impl PactRecord {
    fn from_columns(
        (consumer_version, sha, content, created_at): RecordValues,
        consumer: &str,
        provider: &str,
    ) -> PactRecord {
        PactRecord {
            consumer_version,
            consumer: consumer.to_owned(),
            provider: provider.to_owned(),
            sha,
            content,
            created_at,
        }
    }
}

/// The pact of `consumer` with `provider` chosen by `which`. Each variant
/// first finds the consumer version by walking one index from its newest
/// end (versions by number, the pair's publications, a tag's versions, a
/// branch's versions, or the content's publications), probing the latest
/// publications' primary key, so the cost does not grow with history.
pub async fn find(
    conn: &mut Conn,
    consumer: (i64, &str),
    provider: (i64, &str),
    which: &PactSelector,
) -> Result<Option<PactRecord>> {
    let (consumer_id, consumer_name) = consumer;
    let (provider_id, provider_name) = provider;
    let version_id = match which {
        PactSelector::ConsumerVersion(number) => {
            version_with_number(conn, consumer_id, provider_id, number).await?
        }
        PactSelector::Latest => latest_version(conn, consumer_id, provider_id).await?,
        PactSelector::Tag(tag) => {
            latest_version_with_tag(conn, consumer_id, provider_id, tag).await?
        }
        PactSelector::Branch(branch) => {
            latest_version_on_branch(conn, consumer_id, provider_id, branch).await?
        }
        PactSelector::Untagged => latest_untagged_version(conn, consumer_id, provider_id).await?,
        PactSelector::Sha(sha) => {
            latest_version_with_content(conn, consumer_id, provider_id, sha).await?
        }
    };
    let Some(version_id) = version_id else {
        return Ok(None);
    };
    let columns = latest_publication_columns(conn, version_id, provider_id).await?;
    Ok(Some(PactRecord::from_columns(
        columns,
        consumer_name,
        provider_name,
    )))
}

/// Whether the version in `version_id` has a pact with the provider, as a
/// scalar subquery: PostgreSQL runs it as a primary-key probe per row of
/// the index walk, which stops at the first hit. Written as EXISTS it may
/// become a semi-join over every publication of the provider when the
/// statistics are stale.
#[diesel::dsl::auto_type]
fn published<C>(version_id: C, provider_id: i64) -> _
where
    C: Expression<SqlType = BigInt> + ValidGrouping<(), IsAggregate = is_aggregate::No>,
{
    latest_pact_publications::table
        .filter(latest_pact_publications::consumer_version_id.eq(version_id))
        .filter(latest_pact_publications::provider_id.eq(provider_id))
        .select(latest_pact_publications::consumer_version_id)
        .limit(1_i64)
        .single_value()
        .is_not_null()
}

/// The consumer version with this number, if it has a pact.
async fn version_with_number(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
    number: &str,
) -> Result<Option<i64>> {
    Ok(versions::table
        .filter(versions::pacticipant_id.eq(consumer_id))
        .filter(versions::number.eq(number))
        .filter(published(versions::id, provider_id))
        .select(versions::id)
        .first(conn)
        .await
        .optional()?)
}

/// The newest consumer version with a pact.
async fn latest_version(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
) -> Result<Option<i64>> {
    Ok(latest_pact_publications::table
        .filter(latest_pact_publications::consumer_id.eq(consumer_id))
        .filter(latest_pact_publications::provider_id.eq(provider_id))
        .order(latest_pact_publications::consumer_version_id.desc())
        .select(latest_pact_publications::consumer_version_id)
        .first(conn)
        .await
        .optional()?)
}

/// The newest consumer version with the tag and a pact.
async fn latest_version_with_tag(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
    tag: &str,
) -> Result<Option<i64>> {
    Ok(tags::table
        .filter(tags::pacticipant_id.eq(consumer_id))
        .filter(tags::name.eq(tag))
        .filter(published(tags::version_id, provider_id))
        // The whole key of the (pacticipant, name, version) index.
        .order((tags::pacticipant_id, tags::name, tags::version_id.desc()))
        .select(tags::version_id)
        .first(conn)
        .await
        .optional()?)
}

/// The newest consumer version on the branch with a pact.
async fn latest_version_on_branch(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
    branch: &str,
) -> Result<Option<i64>> {
    // The branch id first, so the planner sees a constant and walks that
    // branch's own index.
    let branch_id: Option<i64> = branches::table
        .filter(branches::pacticipant_id.eq(consumer_id))
        .filter(branches::name.eq(branch))
        .select(branches::id)
        .first(conn)
        .await
        .optional()?;
    let Some(branch_id) = branch_id else {
        return Ok(None);
    };
    Ok(branch_versions::table
        .filter(branch_versions::branch_id.eq(branch_id))
        .filter(published(branch_versions::version_id, provider_id))
        // The whole key of the (branch, version) index.
        .order((
            branch_versions::branch_id.desc(),
            branch_versions::version_id.desc(),
        ))
        .select(branch_versions::version_id)
        .first(conn)
        .await
        .optional()?)
}

/// The newest consumer version with a pact and no tag.
async fn latest_untagged_version(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
) -> Result<Option<i64>> {
    Ok(latest_pact_publications::table
        .filter(latest_pact_publications::consumer_id.eq(consumer_id))
        .filter(latest_pact_publications::provider_id.eq(provider_id))
        // Whether the version has no tag: a probe of the (version_id,
        // name) index per publication, newest first.
        .filter(
            tags::table
                .filter(tags::version_id.eq(latest_pact_publications::consumer_version_id))
                .select(tags::version_id)
                .limit(1)
                .single_value()
                .is_null(),
        )
        .order(latest_pact_publications::consumer_version_id.desc())
        .select(latest_pact_publications::consumer_version_id)
        .first(conn)
        .await
        .optional()?)
}

/// The newest consumer version whose latest pact has this content.
async fn latest_version_with_content(
    conn: &mut Conn,
    consumer_id: i64,
    provider_id: i64,
    sha: &str,
) -> Result<Option<i64>> {
    Ok(pact_versions::table
        .inner_join(
            latest_pact_publications::table
                .on(latest_pact_publications::pact_version_id.eq(pact_versions::id)),
        )
        .filter(pact_versions::consumer_id.eq(consumer_id))
        .filter(pact_versions::provider_id.eq(provider_id))
        .filter(pact_versions::sha.eq(sha))
        .order(latest_pact_publications::consumer_version_id.desc())
        .select(latest_pact_publications::consumer_version_id)
        .first(conn)
        .await
        .optional()?)
}

/// The record columns of the latest publication of a consumer version for
/// a provider.
async fn latest_publication_columns(
    conn: &mut Conn,
    consumer_version_id: i64,
    provider_id: i64,
) -> Result<RecordValues> {
    Ok(latest_pact_publications::table
        .inner_join(
            versions::table.on(versions::id.eq(latest_pact_publications::consumer_version_id)),
        )
        .inner_join(
            pact_versions::table
                .on(pact_versions::id.eq(latest_pact_publications::pact_version_id)),
        )
        .filter(latest_pact_publications::consumer_version_id.eq(consumer_version_id))
        .filter(latest_pact_publications::provider_id.eq(provider_id))
        .select(RECORD_COLUMNS)
        .first(conn)
        .await?)
}

/// A page of the pacts between a consumer and a provider (from its
/// versions on `branch` when given), newest consumer version first, and the
/// total.
pub async fn list_for_pair(
    conn: &mut Conn,
    consumer: (i64, &str),
    provider: (i64, &str),
    branch: Option<&str>,
    page: Page,
) -> Result<(Vec<PactRecord>, i64)> {
    let on_branch = match branch {
        None => None,
        // The branch id first, so the planner sees a constant.
        Some(branch) => match branches::table
            .filter(branches::pacticipant_id.eq(consumer.0))
            .filter(branches::name.eq(branch))
            .select(branches::id)
            .first::<i64>(conn)
            .await
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok((Vec::new(), 0)),
        },
    };
    let publications = || {
        let mut query = latest_pact_publications::table
            .filter(latest_pact_publications::consumer_id.eq(consumer.0))
            .filter(latest_pact_publications::provider_id.eq(provider.0))
            .into_boxed();
        if let Some(branch_id) = on_branch {
            query = query.filter(
                latest_pact_publications::consumer_version_id.eq_any(
                    branch_versions::table
                        .filter(branch_versions::branch_id.eq(branch_id))
                        .select(branch_versions::version_id),
                ),
            );
        }
        query
    };
    let rows: Vec<RecordValues> = publications()
        .inner_join(
            versions::table.on(versions::id.eq(latest_pact_publications::consumer_version_id)),
        )
        .inner_join(
            pact_versions::table
                .on(pact_versions::id.eq(latest_pact_publications::pact_version_id)),
        )
        .order(latest_pact_publications::consumer_version_id.desc())
        .offset(page.offset)
        .limit(page.size)
        .select(RECORD_COLUMNS)
        .load(conn)
        .await?;
    let total = publications().count().get_result(conn).await?;
    let records = rows
        .into_iter()
        .map(|columns| PactRecord::from_columns(columns, consumer.1, provider.1))
        .collect();
    Ok((records, total))
}

/// An integration: its consumer, with the consumer's main branch, and its
/// provider.
pub struct IntegrationRow {
    pub consumer: (i64, String),
    pub consumer_main_branch: Option<String>,
    pub provider: (i64, String),
}

/// A page of the integrations (optionally of one provider), by consumer
/// then provider name, and the total.
pub async fn integrations(
    conn: &mut Conn,
    provider_id: Option<i64>,
    page: Page,
) -> Result<(Vec<IntegrationRow>, i64)> {
    let (consumers, providers) =
        diesel::alias!(pacticipants as consumers, pacticipants as providers);
    let mut pairs = integrations::table
        .inner_join(
            consumers.on(consumers
                .field(pacticipants::id)
                .eq(integrations::consumer_id)),
        )
        .inner_join(
            providers.on(providers
                .field(pacticipants::id)
                .eq(integrations::provider_id)),
        )
        .into_boxed();
    let mut counted = integrations::table.into_boxed();
    if let Some(provider_id) = provider_id {
        pairs = pairs.filter(integrations::provider_id.eq(provider_id));
        counted = counted.filter(integrations::provider_id.eq(provider_id));
    }
    let pairs: Vec<(i64, String, Option<String>, i64, String)> = pairs
        .order((
            consumers.field(pacticipants::name),
            providers.field(pacticipants::name),
        ))
        .offset(page.offset)
        .limit(page.size)
        .select((
            integrations::consumer_id,
            consumers.field(pacticipants::name),
            consumers.field(pacticipants::main_branch),
            integrations::provider_id,
            providers.field(pacticipants::name),
        ))
        .load(conn)
        .await?;
    let total = counted.count().get_result(conn).await?;
    let rows = pairs
        .into_iter()
        .map(
            |(consumer_id, consumer, main_branch, provider_id, provider)| IntegrationRow {
                consumer: (consumer_id, consumer),
                consumer_main_branch: main_branch,
                provider: (provider_id, provider),
            },
        )
        .collect();
    Ok((rows, total))
}
