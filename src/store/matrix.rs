//! The queries behind the matrix and can-i-deploy: the versions a selector
//! stands for, the integrations of the specified versions, the rows, and
//! what a row shows of each version.
//!
//! Rows are built from the head tables (the latest publication per
//! consumer version and provider, the latest verification per pact content
//! and provider version), starting from the versions the selectors name, so
//! a can-i-deploy costs a few index reads per integration and co-deployed
//! version, however long the history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;

use super::models::PacticipantRow;
use super::schema::pacticipants;
use super::{Conn, KeepPrepared};
use crate::domain::matrix::{Row, RowVerification, VersionRef, VersionSelector};
use crate::error::Result;

/// The pacticipants with these names.
pub async fn pacticipants(conn: &mut Conn, names: &[String]) -> Result<Vec<PacticipantRow>> {
    Ok(pacticipants::table
        .filter(pacticipants::name.eq_any(names))
        .select(PacticipantRow::as_select())
        .load(conn)
        .await?)
}

/// The id of the environment with this name.
pub async fn environment_id(conn: &mut Conn, name: &str) -> Result<Option<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    Ok(sql_query("SELECT id FROM environments WHERE name = $1")
        .bind::<Text, _>(name)
        .prepared()
        .get_result::<Id>(conn)
        .await
        .map(|r| Some(r.id))
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })?)
}

#[derive(QueryableByName)]
struct FoundVersion {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    number: String,
}

/// The versions of `pacticipant` a selector stands for, newest first (one
/// at most when it asks for the latest). `environment_id` is the id of the
/// selector's environment. Each form starts from its own index: a version
/// number, a branch head, the newest use of a tag, the current deployments
/// and releases in an environment; further criteria filter those.
pub async fn versions_for(
    conn: &mut Conn,
    pacticipant: &PacticipantRow,
    selector: &VersionSelector,
    environment_id: Option<i64>,
) -> Result<Vec<VersionRef>> {
    let branch = if selector.main_branch {
        match &pacticipant.main_branch {
            Some(main) => Some(main.clone()),
            None => return Ok(Vec::new()),
        }
    } else {
        selector.branch.clone()
    };
    if selector.environment.is_some() && environment_id.is_none() {
        return Ok(Vec::new());
    }
    // $1 pacticipant, $2 number, $3 tag, $4 branch, $5 environment.
    const NUMBER: &str = "v.number = $2";
    const TAG: &str = "EXISTS (SELECT 1 FROM tags t WHERE t.version_id = v.id AND t.name = $3)";
    const BRANCH: &str = "EXISTS (SELECT 1 FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id \
         WHERE bv.version_id = v.id AND b.name = $4)";
    const ENVIRONMENT: &str = "(EXISTS (SELECT 1 FROM deployed_versions d WHERE d.version_id = v.id \
           AND d.environment_id = $5 AND d.undeployed_at IS NULL) \
         OR EXISTS (SELECT 1 FROM released_versions r WHERE r.version_id = v.id \
           AND r.environment_id = $5 AND r.support_ended_at IS NULL))";
    let mut filters: Vec<&str> = Vec::new();
    let source = if selector.version.is_some() {
        "SELECT id FROM versions WHERE pacticipant_id = $1 AND number = $2".to_owned()
    } else if branch.is_some() && selector.latest {
        "SELECT version_id AS id FROM branch_heads WHERE pacticipant_id = $1 AND branch_name = $4"
            .to_owned()
    } else if selector.tag.is_some() && selector.latest && branch.is_none() {
        "SELECT version_id AS id FROM tags WHERE pacticipant_id = $1 AND name = $3 \
         ORDER BY version_id DESC LIMIT 1"
            .to_owned()
    } else if selector.environment.is_some() {
        "SELECT version_id AS id FROM deployed_versions \
           WHERE environment_id = $5 AND pacticipant_id = $1 AND undeployed_at IS NULL \
         UNION SELECT version_id FROM released_versions \
           WHERE environment_id = $5 AND pacticipant_id = $1 AND support_ended_at IS NULL"
            .to_owned()
    } else if branch.is_some() {
        "SELECT bv.version_id AS id FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id \
         WHERE b.pacticipant_id = $1 AND b.name = $4"
            .to_owned()
    } else if selector.tag.is_some() {
        "SELECT version_id AS id FROM tags WHERE pacticipant_id = $1 AND name = $3".to_owned()
    } else if selector.latest {
        "SELECT id FROM versions WHERE pacticipant_id = $1 ORDER BY id DESC LIMIT 1".to_owned()
    } else {
        "SELECT id FROM versions WHERE pacticipant_id = $1".to_owned()
    };
    if selector.version.is_some() {
        filters.push(NUMBER);
    }
    if selector.tag.is_some() {
        filters.push(TAG);
    }
    if branch.is_some() {
        filters.push(BRANCH);
    }
    if selector.environment.is_some() {
        filters.push(ENVIRONMENT);
    }
    let mut sql = format!(
        "SELECT v.id, v.number FROM versions v WHERE v.id IN ({source}) AND v.pacticipant_id = $1"
    );
    for filter in filters {
        sql.push_str(" AND ");
        sql.push_str(filter);
    }
    sql.push_str(" ORDER BY v.id DESC");
    if selector.latest {
        sql.push_str(" LIMIT 1");
    }
    let found: Vec<FoundVersion> = sql_query(sql)
        .bind::<BigInt, _>(pacticipant.id)
        .bind::<Nullable<Text>, _>(selector.version.as_deref())
        .bind::<Nullable<Text>, _>(selector.tag.as_deref())
        .bind::<Nullable<Text>, _>(branch.as_deref())
        .bind::<Nullable<BigInt>, _>(environment_id)
        .prepared()
        .load(conn)
        .await?;
    Ok(found
        .into_iter()
        .map(|v| VersionRef {
            id: v.id,
            number: v.number,
        })
        .collect())
}

/// The query of [`versions_in_environment`]: `$1` the pacticipants (no
/// repeats), `$2` the environment. A probe of the current deployments' and
/// the supported releases' partial indexes per pacticipant, whatever the
/// estimates: a scan of the whole environment would also read every other
/// pacticipant's, and the entries of deployments ended since the last
/// vacuum. Public so its plan can be checked.
pub const VERSIONS_IN_ENVIRONMENT_SQL: &str = "SELECT v.pacticipant_id, v.id, v.number \
     FROM unnest($1::bigint[]) AS p (id) \
     CROSS JOIN LATERAL ( \
       SELECT version_id FROM deployed_versions d \
         WHERE d.environment_id = $2 AND d.pacticipant_id = p.id AND d.undeployed_at IS NULL \
       UNION SELECT version_id FROM released_versions r \
         WHERE r.environment_id = $2 AND r.pacticipant_id = p.id AND r.support_ended_at IS NULL \
     ) AS current \
     JOIN versions v ON v.id = current.version_id \
     ORDER BY v.pacticipant_id, v.id DESC";

/// The versions of each of `pacticipant_ids` currently deployed or released
/// in an environment, newest first: what the environment selectors a
/// can-i-deploy infers for every integrated pacticipant stand for, in one
/// statement rather than one per pacticipant.
pub async fn versions_in_environment(
    conn: &mut Conn,
    pacticipant_ids: &[i64],
    environment_id: i64,
) -> Result<HashMap<i64, Vec<VersionRef>>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        pacticipant_id: i64,
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        number: String,
    }
    let found: Vec<Found> = sql_query(VERSIONS_IN_ENVIRONMENT_SQL)
        .bind::<Array<BigInt>, _>(pacticipant_ids)
        .bind::<BigInt, _>(environment_id)
        .prepared()
        .load(conn)
        .await?;
    let mut versions: HashMap<i64, Vec<VersionRef>> = HashMap::new();
    for f in found {
        versions
            .entry(f.pacticipant_id)
            .or_default()
            .push(VersionRef {
                id: f.id,
                number: f.number,
            });
    }
    Ok(versions)
}

/// A consumer and provider pair, with names.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pair {
    #[diesel(sql_type = BigInt)]
    pub consumer_id: i64,
    #[diesel(sql_type = Text)]
    pub consumer: String,
    #[diesel(sql_type = BigInt)]
    pub provider_id: i64,
    #[diesel(sql_type = Text)]
    pub provider: String,
}

const PAIR_NAMES: &str = "SELECT x.consumer_id, c.name AS consumer, x.provider_id, p.name AS provider \
     FROM x JOIN pacticipants c ON c.id = x.consumer_id JOIN pacticipants p ON p.id = x.provider_id \
     ORDER BY c.name, p.name";

/// The providers of the pacts published for these consumer versions, and
/// for any version of these consumers (name-only selectors). With
/// `providers`, only those providers.
pub async fn pairs_as_consumer(
    conn: &mut Conn,
    version_ids: &[i64],
    consumer_ids: &[i64],
    providers: Option<&[i64]>,
) -> Result<Vec<Pair>> {
    let provider_filter = if providers.is_some() {
        "AND provider_id = ANY($3)"
    } else {
        ""
    };
    Ok(sql_query(format!(
        "WITH x AS ( \
           SELECT DISTINCT consumer_id, provider_id FROM latest_pact_publications \
             WHERE consumer_version_id = ANY($1) {provider_filter} \
           UNION \
           SELECT consumer_id, provider_id FROM integrations \
             WHERE consumer_id = ANY($2) {provider_filter}) \
         {PAIR_NAMES}"
    ))
    .bind::<Array<BigInt>, _>(version_ids)
    .bind::<Array<BigInt>, _>(consumer_ids)
    .bind::<Array<BigInt>, _>(providers.unwrap_or_default())
    .prepared()
    .load(conn)
    .await?)
}

/// Makes the rest of the transaction run its prepared statements on
/// generic plans made without sequential scans. Planning the row queries
/// for their values took 2 ms of a 6 ms can-i-deploy; they are written so
/// that their best plan needs no values (lookups by key, LATERAL per
/// selected version; `tests/it/matrix/plans.rs` checks it). But a generic
/// plan is kept with the statement for the connection's life, and one made
/// while the tables were small reads them whole once they have grown,
/// until an ANALYZE: without sequential scans it walks the indexes at any
/// size.
pub async fn plan_for_any_size(conn: &mut Conn) -> Result<()> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute(
        "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off",
    )
    .await?;
    Ok(())
}

/// Every consumer of these providers.
pub async fn pairs_as_provider(conn: &mut Conn, provider_ids: &[i64]) -> Result<Vec<Pair>> {
    Ok(sql_query(format!(
        "WITH x AS (SELECT consumer_id, provider_id FROM integrations WHERE provider_id = ANY($1)) \
         {PAIR_NAMES}"
    ))
    .bind::<Array<BigInt>, _>(provider_ids)
    .prepared()
    .load(conn)
    .await?)
}

/// Which versions a row query covers.
#[derive(Debug, Clone, Default)]
pub struct RowScope {
    /// Versions named by the selectors.
    pub version_ids: Vec<i64>,
    /// The pacticipant of each of `version_ids`, in the same order.
    pub version_pacticipant_ids: Vec<i64>,
    /// Pacticipants whose every version is selected.
    pub all_versions_of: Vec<i64>,
    /// Every pacticipant of the selectors.
    pub pacticipant_ids: Vec<i64>,
    /// The pacticipants of the specified selectors.
    pub specified_ids: Vec<i64>,
}

#[derive(QueryableByName)]
struct RawRow {
    #[diesel(sql_type = BigInt)]
    consumer_id: i64,
    #[diesel(sql_type = Text)]
    consumer: String,
    #[diesel(sql_type = BigInt)]
    consumer_version_id: i64,
    #[diesel(sql_type = Text)]
    consumer_version: String,
    #[diesel(sql_type = BigInt)]
    provider_id: i64,
    #[diesel(sql_type = Text)]
    provider: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    provider_version_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    provider_version: Option<String>,
    #[diesel(sql_type = Text)]
    sha: String,
    #[diesel(sql_type = Integer)]
    revision_number: i32,
    #[diesel(sql_type = Timestamptz)]
    pact_created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<BigInt>)]
    verification_id: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    verification_number: Option<i64>,
    #[diesel(sql_type = Nullable<Bool>)]
    success: Option<bool>,
    #[diesel(sql_type = Nullable<Text>)]
    build_url: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    execution_date: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    verification_created_at: Option<DateTime<Utc>>,
}

impl RawRow {
    fn into_row(self) -> Row {
        Row {
            consumer_id: self.consumer_id,
            consumer: self.consumer,
            consumer_version: VersionRef {
                id: self.consumer_version_id,
                number: self.consumer_version,
            },
            provider_id: self.provider_id,
            provider: self.provider,
            provider_version: self
                .provider_version_id
                .zip(self.provider_version)
                .map(|(id, number)| VersionRef { id, number }),
            pact_version_sha: self.sha,
            pact_revision: self.revision_number,
            pact_created_at: self.pact_created_at,
            verification: match (
                self.verification_id,
                self.verification_number,
                self.success,
                self.execution_date,
                self.verification_created_at,
            ) {
                (Some(id), Some(number), Some(success), Some(executed_at), Some(created_at)) => {
                    Some(RowVerification {
                        id,
                        number,
                        success,
                        build_url: self.build_url,
                        executed_at,
                        created_at,
                    })
                }
                _ => None,
            },
        }
    }
}

/// The publications (`p`) and verifications (`v`) rows are made of: the
/// latest revision and latest verification (with a latestby), else all.
fn sources(every_row: bool) -> (&'static str, &'static str) {
    if every_row {
        (
            "SELECT consumer_id, consumer_version_id, provider_id, pact_version_id, \
               id AS pact_publication_id FROM pact_publications",
            "SELECT pact_version_id, provider_version_id, id AS verification_id, consumer_id, \
               provider_id FROM verifications",
        )
    } else {
        (
            "SELECT consumer_id, consumer_version_id, provider_id, pact_version_id, \
               pact_publication_id FROM latest_pact_publications",
            "SELECT pact_version_id, provider_version_id, verification_id, consumer_id, \
               provider_id FROM latest_verifications",
        )
    }
}

/// Names, numbers and verification details of the joined ids in `m`
/// (columns consumer_id, consumer_version_id, provider_id,
/// pact_version_id, pact_publication_id, provider_version_id,
/// verification_id), newest activity first.
const DETAILS: &str = "SELECT m.consumer_id, c.name AS consumer, m.consumer_version_id, \
       cv.number AS consumer_version, m.provider_id, pr.name AS provider, \
       m.provider_version_id, prv.number AS provider_version, pv.sha, pp.revision_number, \
       pp.created_at AS pact_created_at, m.verification_id, ver.number AS verification_number, \
       ver.success, ver.build_url, ver.execution_date, ver.created_at AS verification_created_at \
     FROM m \
     JOIN pacticipants c ON c.id = m.consumer_id \
     JOIN versions cv ON cv.id = m.consumer_version_id \
     JOIN pacticipants pr ON pr.id = m.provider_id \
     JOIN pact_versions pv ON pv.id = m.pact_version_id \
     JOIN pact_publications pp ON pp.id = m.pact_publication_id \
     LEFT JOIN versions prv ON prv.id = m.provider_version_id \
     LEFT JOIN verifications ver ON ver.id = m.verification_id \
     ORDER BY GREATEST(cv.created_at, prv.created_at) DESC, m.pact_publication_id DESC, \
       m.verification_id DESC NULLS LAST";

/// The rows of one selector: its versions as consumer with every
/// verification of their pacts, and its versions as provider with the pacts
/// they verified. With `latest_verification_only` (latestby cvp or cp),
/// each pact joins only the verification of the newest provider version,
/// which is all those keep.
pub async fn rows_for_one(
    conn: &mut Conn,
    scope: &RowScope,
    every_row: bool,
    latest_verification_only: bool,
) -> Result<Vec<Row>> {
    let rows: Vec<RawRow> = sql_query(rows_for_one_sql(every_row, latest_verification_only))
        .bind::<Array<BigInt>, _>(&scope.version_ids)
        .bind::<Array<BigInt>, _>(&scope.all_versions_of)
        .prepared()
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(RawRow::into_row).collect())
}

/// The query of [`rows_for_one`]: `$1` the selected version ids, `$2` the
/// pacticipants whose every version is selected. Public so its plan can
/// be checked.
pub fn rows_for_one_sql(every_row: bool, latest_verification_only: bool) -> String {
    let (p, v) = sources(every_row);
    let as_consumer = if latest_verification_only && !every_row {
        "LEFT JOIN LATERAL (SELECT v.provider_version_id, v.verification_id FROM v \
           WHERE v.pact_version_id = p.pact_version_id \
           ORDER BY v.provider_version_id DESC LIMIT 1) lv ON true"
    } else {
        "LEFT JOIN LATERAL (SELECT v.provider_version_id, v.verification_id FROM v \
           WHERE v.pact_version_id = p.pact_version_id OFFSET 0) lv ON true"
    };
    // p and v are each used by both halves; PostgreSQL would materialise
    // them (reading the whole tables) unless told to inline them, so that
    // each half's conditions reach the tables' indexes. Each half looks
    // its rows up by one key per branch, selected versions by version and
    // whole pacticipants one by one: written as one condition with OR, the
    // generic plan of the statement reads both tables whole, not knowing
    // how few ids the arrays hold. For the same reason each row found is
    // joined to its partners by a LATERAL probe (OFFSET 0 keeps it one),
    // never by a hash join over a whole table.
    format!(
        "WITH p AS NOT MATERIALIZED ({p}), v AS NOT MATERIALIZED ({v}), \
         cp AS ( \
           SELECT * FROM p WHERE p.consumer_version_id = ANY($1) \
           UNION ALL \
           SELECT pc.* FROM unnest($2::bigint[]) AS c (id) \
             CROSS JOIN LATERAL (SELECT * FROM p WHERE p.consumer_id = c.id OFFSET 0) pc), \
         pv AS ( \
           SELECT * FROM v WHERE v.provider_version_id = ANY($1) \
           UNION ALL \
           SELECT vp.* FROM unnest($2::bigint[]) AS pr (id) \
             CROSS JOIN LATERAL (SELECT * FROM v WHERE v.provider_id = pr.id OFFSET 0) vp), \
         m AS ( \
           SELECT p.*, lv.provider_version_id, lv.verification_id FROM cp p {as_consumer} \
           UNION \
           SELECT p.*, lv.provider_version_id, lv.verification_id FROM pv lv \
             CROSS JOIN LATERAL (SELECT * FROM p WHERE p.pact_version_id = lv.pact_version_id \
               AND p.provider_id = lv.provider_id OFFSET 0) p) \
         {DETAILS}"
    )
}

/// The rows between several selectors: the pacts of their consumer
/// versions for their providers, each joined only to verifications by
/// their provider versions (so a pact verified by no selected provider
/// version is an unverified row), keeping rows that involve a specified
/// pacticipant.
pub async fn rows_between(conn: &mut Conn, scope: &RowScope, every_row: bool) -> Result<Vec<Row>> {
    let rows: Vec<RawRow> = sql_query(rows_between_sql(every_row))
        .bind::<Array<BigInt>, _>(&scope.version_ids)
        .bind::<Array<BigInt>, _>(&scope.all_versions_of)
        .bind::<Array<BigInt>, _>(&scope.pacticipant_ids)
        .bind::<Array<BigInt>, _>(&scope.specified_ids)
        .bind::<Array<BigInt>, _>(&scope.version_pacticipant_ids)
        .prepared()
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(RawRow::into_row).collect())
}

/// The query of [`rows_between`]: `$1` the selected version ids, `$2` the
/// pacticipants whose every version is selected, `$3` every pacticipant of
/// the selectors, `$4` the specified ones, `$5` the pacticipant of each
/// of `$1`. Public so its plan can be checked.
pub fn rows_between_sql(every_row: bool) -> String {
    let (p, v) = sources(every_row);
    // Each lookup is one index range whatever the history: a selected
    // consumer version's pacts by its key; a pacticipant's every version
    // pair by pair, (consumer, provider) with the pair indexes; and each
    // pact's verifications by (content, provider version) for the selected
    // versions of its provider or, when the provider's every version is
    // selected, all of them by content. Conditions on several id lists
    // combined with OR would be answered through whichever single-column
    // index looked cheapest, reading every pact of the consumer, every
    // verification of the provider with all their other partners, or every
    // verification of a long-unchanged pact. OFFSET 0 keeps each lookup a
    // subquery run once per pair or per selected version: flattened into
    // the join, the planner may read every pact of either pacticipant, or
    // every verification of a pact, and filter afterwards, as its
    // statistics only know average counts.
    format!(
        "WITH p AS NOT MATERIALIZED ({p}), v AS NOT MATERIALIZED ({v}), \
         sp AS ( \
           SELECT * FROM p WHERE p.consumer_version_id = ANY($1) AND p.provider_id = ANY($3) \
           UNION ALL \
           SELECT pair.* FROM unnest($2::bigint[]) AS c (id) \
             CROSS JOIN unnest($3::bigint[]) AS pr (id) \
             CROSS JOIN LATERAL (SELECT * FROM p \
               WHERE p.consumer_id = c.id AND p.provider_id = pr.id \
                 AND p.consumer_version_id <> ALL($1) OFFSET 0) pair), \
         m AS ( \
           SELECT sp.*, sv.provider_version_id, sv.verification_id FROM sp \
             LEFT JOIN LATERAL ( \
               SELECT by_version.* \
                 FROM unnest($1::bigint[], $5::bigint[]) AS sel (version_id, pacticipant_id) \
                 CROSS JOIN LATERAL (SELECT v.provider_version_id, v.verification_id FROM v \
                   WHERE v.pact_version_id = sp.pact_version_id \
                     AND v.provider_version_id = sel.version_id OFFSET 0) by_version \
                 WHERE sel.pacticipant_id = sp.provider_id \
               UNION ALL \
               SELECT v.provider_version_id, v.verification_id FROM v \
                 WHERE v.pact_version_id = sp.pact_version_id AND sp.provider_id = ANY($2) \
                   AND v.provider_version_id <> ALL($1)) sv ON true \
             WHERE sp.consumer_id = ANY($4) OR sp.provider_id = ANY($4)) \
         {DETAILS}"
    )
}

/// A branch a version is on.
#[derive(QueryableByName, Debug, Clone)]
pub struct VersionBranch {
    #[diesel(sql_type = BigInt)]
    pub version_id: i64,
    #[diesel(sql_type = Text)]
    pub pacticipant: String,
    #[diesel(sql_type = Text)]
    pub version: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The version is the branch's head.
    #[diesel(sql_type = Bool)]
    pub latest: bool,
}

/// A tag of a version.
#[derive(QueryableByName, Debug, Clone)]
pub struct VersionTag {
    #[diesel(sql_type = BigInt)]
    pub version_id: i64,
    #[diesel(sql_type = Text)]
    pub pacticipant: String,
    #[diesel(sql_type = Text)]
    pub version: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// No newer version of the pacticipant has the tag.
    #[diesel(sql_type = Bool)]
    pub latest: bool,
}

/// An environment a version is currently deployed or released to.
#[derive(QueryableByName, Debug, Clone)]
pub struct VersionEnvironment {
    #[diesel(sql_type = BigInt)]
    pub version_id: i64,
    #[diesel(sql_type = Text)]
    pub uuid: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub display_name: Option<String>,
    #[diesel(sql_type = Bool)]
    pub production: bool,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// What rows show of their versions: branches, tags and environments.
#[derive(Debug, Clone, Default)]
pub struct VersionDetails {
    pub branches: Vec<VersionBranch>,
    pub tags: Vec<VersionTag>,
    pub environments: Vec<VersionEnvironment>,
}

/// The branches, tags and current environments of these versions.
pub async fn version_details(conn: &mut Conn, version_ids: &[i64]) -> Result<VersionDetails> {
    // Whether a version is its branch's head, as a scalar subquery: one
    // probe of branch_heads' primary key per row. Written as EXISTS, whose
    // correlation is all equalities, PostgreSQL may hash every branch head
    // instead, and branches pile up with history.
    let branches = sql_query(
        "SELECT bv.version_id, p.name AS pacticipant, v.number AS version, b.name, \
           COALESCE((SELECT bh.version_id FROM branch_heads bh WHERE bh.branch_id = bv.branch_id) \
             = bv.version_id, false) AS latest \
         FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id \
         JOIN versions v ON v.id = bv.version_id JOIN pacticipants p ON p.id = v.pacticipant_id \
         WHERE bv.version_id = ANY($1) ORDER BY bv.id",
    )
    .bind::<Array<BigInt>, _>(version_ids)
    .prepared()
    .load(conn)
    .await?;
    let tags = sql_query(
        "SELECT t.version_id, p.name AS pacticipant, v.number AS version, t.name, \
           NOT EXISTS (SELECT 1 FROM tags n WHERE n.pacticipant_id = t.pacticipant_id \
             AND n.name = t.name AND n.version_id > t.version_id) AS latest \
         FROM tags t JOIN versions v ON v.id = t.version_id \
         JOIN pacticipants p ON p.id = v.pacticipant_id \
         WHERE t.version_id = ANY($1) ORDER BY t.created_at, t.id",
    )
    .bind::<Array<BigInt>, _>(version_ids)
    .prepared()
    .load(conn)
    .await?;
    let environments = sql_query(
        "SELECT DISTINCT ON (x.version_id, e.id) x.version_id, e.uuid, e.name, e.display_name, \
           e.production, e.created_at, e.updated_at, x.placed_at \
         FROM (SELECT version_id, environment_id, created_at AS placed_at FROM deployed_versions \
                 WHERE version_id = ANY($1) AND undeployed_at IS NULL \
               UNION ALL \
               SELECT version_id, environment_id, created_at FROM released_versions \
                 WHERE version_id = ANY($1) AND support_ended_at IS NULL) x \
         JOIN environments e ON e.id = x.environment_id \
         ORDER BY x.version_id, e.id, x.placed_at",
    )
    .bind::<Array<BigInt>, _>(version_ids)
    .prepared()
    .load::<VersionEnvironment>(conn)
    .await?;
    Ok(VersionDetails {
        branches,
        tags,
        environments,
    })
}
