//! The queries behind pacts for verification: the pacts each kind of
//! consumer version selector chooses, which pact contents a provider has
//! already verified, and the candidates for work in progress pacts.
//!
//! Each selector query starts from a head table (branch heads, the latest
//! publication per consumer version, currently deployed or supported
//! versions) or walks one index from its newest end, so its cost follows
//! the number of consumers and branches, not the length of history.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz};
use diesel::{QueryableByName, sql_query};
use diesel_async::RunQueryDsl;

use super::{Conn, KeepPrepared};
use crate::error::Result;

/// A consumer of the provider.
#[derive(QueryableByName, Debug, Clone)]
pub struct Consumer {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub main_branch: Option<String>,
    /// Its main branch has a version.
    #[diesel(sql_type = Bool)]
    pub main_branch_exists: bool,
    /// Some version is tagged with its main branch's name.
    #[diesel(sql_type = Bool)]
    pub main_branch_tagged: bool,
}

/// The pact of one consumer version, as chosen by a selector.
#[derive(QueryableByName, Debug, Clone)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub consumer_id: i64,
    #[diesel(sql_type = BigInt)]
    pub consumer_version_id: i64,
    #[diesel(sql_type = Text)]
    pub consumer_version: String,
    #[diesel(sql_type = BigInt)]
    pub pact_version_id: i64,
    #[diesel(sql_type = Text)]
    pub sha: String,
    /// The branch, tag or environment that matched.
    #[diesel(sql_type = Nullable<Text>)]
    pub label: Option<String>,
}

/// A work in progress candidate: the pact of a branch head or tag head.
#[derive(QueryableByName, Debug, Clone)]
pub struct WipCandidate {
    #[diesel(embed)]
    pub candidate: Candidate,
    /// The label is a branch (else a tag).
    #[diesel(sql_type = Bool)]
    pub is_branch: bool,
}

/// A candidate's columns, its version number and content hash read by
/// primary key for each row found: a probe per row of the answer whatever
/// the statistics say, where a join may be planned as a scan of every
/// version when `versions` looks small (it does right after a burst of
/// writes, before autoanalyze).
const CANDIDATE: &str = "lpp.consumer_id, lpp.consumer_version_id, \
     (SELECT v.number FROM versions v WHERE v.id = lpp.consumer_version_id) AS consumer_version, \
     lpp.pact_version_id, \
     (SELECT pv.sha FROM pact_versions pv WHERE pv.id = lpp.pact_version_id) AS sha";

/// The latest publication for the provider `$1` of the consumer version
/// `version`, as `lpp`: a primary-key probe per version the query found.
/// As a plain join PostgreSQL may instead read every publication for the
/// provider into a hash join (it did for the branch heads of a dozen
/// consumers with 2,500 versions); the LIMIT (there is at most one) keeps
/// the subquery from being flattened into a join.
fn pact_for_provider(version: &str) -> String {
    format!(
        "CROSS JOIN LATERAL (SELECT l.* FROM latest_pact_publications l \
           WHERE l.consumer_version_id = {version} AND l.provider_id = $1 LIMIT 1) lpp"
    )
}

/// Makes the rest of the transaction plan each statement for its values
/// and the tables' present size, though the statements stay prepared
/// ([`KeepPrepared`]). Left to choose, PostgreSQL may move a kept statement
/// to a generic plan after five calls and keep it for the connection's
/// life, though it was made while the tables were small (the burst
/// benchmark showed that in the matrix). Their plans for the values of a
/// long history are checked by the plan tests (`tests/it/matrix/plans.rs`),
/// and their shapes (probes under LIMIT, values read by primary key) keep
/// them index walks when the statistics lag behind the tables.
pub async fn plan_for_the_values(conn: &mut Conn) -> Result<()> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    Ok(())
}

/// The consumers with a pact for the provider, by name.
pub async fn consumers(conn: &mut Conn, provider_id: i64) -> Result<Vec<Consumer>> {
    Ok(sql_query(
        "SELECT p.id, p.name, p.main_branch, \
           EXISTS (SELECT 1 FROM branch_heads bh \
                   WHERE bh.pacticipant_id = p.id AND bh.branch_name = p.main_branch) \
             AS main_branch_exists, \
           EXISTS (SELECT 1 FROM tags t WHERE t.pacticipant_id = p.id AND t.name = p.main_branch) \
             AS main_branch_tagged \
         FROM integrations i JOIN pacticipants p ON p.id = i.consumer_id \
         WHERE i.provider_id = $1 ORDER BY p.name",
    )
    .bind::<BigInt, _>(provider_id)
    .prepared()
    .load(conn)
    .await?)
}

/// The candidates `sql` finds with `$1` the provider and `$2` and `$3`
/// each consumer and the branch or tag named for it.
async fn of_named(
    conn: &mut Conn,
    sql: &str,
    provider_id: i64,
    wanted: &[(i64, String)],
) -> Result<Vec<Candidate>> {
    let (ids, names): (Vec<i64>, Vec<String>) = wanted.iter().cloned().unzip();
    Ok(sql_query(sql)
        .bind::<BigInt, _>(provider_id)
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Array<Text>, _>(names)
        .prepared()
        .load(conn)
        .await?)
}

/// The candidates `sql` finds with `$1` the provider and `$2` the consumers.
async fn of_consumers(
    conn: &mut Conn,
    sql: &str,
    provider_id: i64,
    consumer_ids: &[i64],
) -> Result<Vec<Candidate>> {
    Ok(sql_query(sql)
        .bind::<BigInt, _>(provider_id)
        .bind::<Array<BigInt>, _>(consumer_ids)
        .prepared()
        .load(conn)
        .await?)
}

/// [`branch_heads`]'s statement: `$1` the provider, `$2` and `$3` the
/// consumers and their branch names.
pub fn branch_heads_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, bh.branch_name AS label \
         FROM unnest($2::bigint[], $3::text[]) AS w(consumer_id, branch_name) \
         JOIN branch_heads bh ON bh.pacticipant_id = w.consumer_id AND bh.branch_name = w.branch_name \
         {pact}",
        pact = pact_for_provider("bh.version_id")
    )
}

/// The pacts of the heads of the named branch of each consumer (a branch
/// head without a pact for the provider gives nothing).
pub async fn branch_heads(
    conn: &mut Conn,
    provider_id: i64,
    wanted: &[(i64, String)],
) -> Result<Vec<Candidate>> {
    of_named(conn, &branch_heads_sql(), provider_id, wanted).await
}

/// [`all_branch_heads`]'s statement: `$1` the provider, `$2` the consumers.
pub fn all_branch_heads_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, bh.branch_name AS label \
         FROM branch_heads bh \
         {pact} \
         WHERE bh.pacticipant_id = ANY($2)",
        pact = pact_for_provider("bh.version_id")
    )
}

/// The pacts of the heads of every branch of the consumers.
pub async fn all_branch_heads(
    conn: &mut Conn,
    provider_id: i64,
    consumer_ids: &[i64],
) -> Result<Vec<Candidate>> {
    of_consumers(conn, &all_branch_heads_sql(), provider_id, consumer_ids).await
}

/// [`overall_latest`]'s statement: `$1` the provider, `$2` the consumers.
pub fn overall_latest_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, NULL::text AS label \
         FROM unnest($2::bigint[]) AS w(consumer_id) \
         CROSS JOIN LATERAL ( \
           SELECT l.* FROM latest_pact_publications l \
           WHERE l.consumer_id = w.consumer_id AND l.provider_id = $1 \
           ORDER BY l.consumer_version_id DESC LIMIT 1) lpp"
    )
}

/// The pact of each consumer's latest version with a pact for the
/// provider.
pub async fn overall_latest(
    conn: &mut Conn,
    provider_id: i64,
    consumer_ids: &[i64],
) -> Result<Vec<Candidate>> {
    of_consumers(conn, &overall_latest_sql(), provider_id, consumer_ids).await
}

/// [`tag_heads`]'s statement: `$1` the provider, `$2` and `$3` the consumers and their tags.
pub fn tag_heads_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, w.tag AS label \
         FROM unnest($2::bigint[], $3::text[]) AS w(consumer_id, tag) \
         CROSS JOIN LATERAL ( \
           SELECT t.version_id FROM tags t \
           WHERE t.pacticipant_id = w.consumer_id AND t.name = w.tag \
           ORDER BY t.pacticipant_id, t.name, t.version_id DESC LIMIT 1) head \
         {pact}",
        pact = pact_for_provider("head.version_id")
    )
}

/// The pacts of each consumer's latest version with the named tag (a tag
/// head without a pact for the provider gives nothing).
pub async fn tag_heads(
    conn: &mut Conn,
    provider_id: i64,
    wanted: &[(i64, String)],
) -> Result<Vec<Candidate>> {
    of_named(conn, &tag_heads_sql(), provider_id, wanted).await
}

/// [`all_with_tag`]'s statement: `$1` the provider, `$2` the consumers, `$3` the tag.
pub fn all_with_tag_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, t.name AS label \
         FROM tags t \
         {pact} \
         WHERE t.pacticipant_id = ANY($2) AND t.name = $3",
        pact = pact_for_provider("t.version_id")
    )
}

/// The pacts of every version of the consumers with the tag.
pub async fn all_with_tag(
    conn: &mut Conn,
    provider_id: i64,
    consumer_ids: &[i64],
    tag: &str,
) -> Result<Vec<Candidate>> {
    Ok(sql_query(all_with_tag_sql())
        .bind::<BigInt, _>(provider_id)
        .bind::<Array<BigInt>, _>(consumer_ids)
        .bind::<Text, _>(tag)
        .prepared()
        .load(conn)
        .await?)
}

/// Where versions of a consumer can be found.
#[derive(Debug, Clone, Copy)]
pub enum Placement {
    /// Currently deployed.
    Deployed,
    /// Released and still supported.
    Released,
}

/// [`placed`]'s statement: `$1` the provider, `$2` the consumers, `$3` the
/// environment's name or NULL.
pub fn placed_sql(placement: Placement) -> String {
    let (table, current) = match placement {
        Placement::Deployed => ("deployed_versions", "undeployed_at IS NULL"),
        Placement::Released => ("released_versions", "support_ended_at IS NULL"),
    };
    format!(
        "SELECT {CANDIDATE}, e.name AS label \
         FROM {table} d \
         JOIN environments e ON e.id = d.environment_id \
         {pact} \
         WHERE d.{current} AND d.pacticipant_id = ANY($2) \
           AND ($3::text IS NULL OR e.name = $3)",
        pact = pact_for_provider("d.version_id")
    )
}

/// The pacts of the consumers' versions deployed or released (to the named
/// environment, else to any), labelled with the environment.
pub async fn placed(
    conn: &mut Conn,
    provider_id: i64,
    consumer_ids: &[i64],
    placement: Placement,
    environment: Option<&str>,
) -> Result<Vec<Candidate>> {
    Ok(sql_query(placed_sql(placement))
        .bind::<BigInt, _>(provider_id)
        .bind::<Array<BigInt>, _>(consumer_ids)
        .bind::<Nullable<Text>, _>(environment)
        .prepared()
        .load(conn)
        .await?)
}

/// [`wip_candidates`]'s statement: `$1` the provider, `$2` the time after
/// which.
pub fn wip_candidates_sql() -> String {
    format!(
        "SELECT {CANDIDATE}, bh.branch_name AS label, true AS is_branch \
         FROM latest_pact_publications lpp \
         JOIN branch_heads bh ON bh.version_id = lpp.consumer_version_id \
         WHERE lpp.provider_id = $1 AND lpp.created_at > $2 \
         UNION ALL \
         SELECT {CANDIDATE}, head.name AS label, false AS is_branch \
         FROM latest_pact_publications lpp \
         CROSS JOIN LATERAL ( \
           SELECT t.name FROM tags t \
           WHERE t.version_id = lpp.consumer_version_id \
             AND NOT EXISTS (SELECT 1 FROM tags later \
               WHERE later.pacticipant_id = t.pacticipant_id AND later.name = t.name \
                 AND later.version_id > t.version_id) \
           OFFSET 0) head \
         WHERE lpp.provider_id = $1 AND lpp.created_at > $2"
    )
}

/// The pacts published for the provider after `since` whose consumer
/// version is the head of a branch or of a tag.
///
/// The tag half probes the tags of each recent publication's version
/// through a lateral subquery that `OFFSET 0` keeps from being flattened,
/// and reads the version number and content hash of the few heads left as
/// scalar subqueries. Written as plain joins, PostgreSQL prices a couple of
/// thousand index probes above reading the whole of `tags` (and then
/// `versions` and `pact_versions`) into hash joins, so the query would
/// scan all history.
pub async fn wip_candidates(
    conn: &mut Conn,
    provider_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<WipCandidate>> {
    Ok(sql_query(wip_candidates_sql())
        .bind::<BigInt, _>(provider_id)
        .bind::<Timestamptz, _>(since)
        .prepared()
        .load(conn)
        .await?)
}

/// Which successful verifications count as having verified a pact.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedBy<'a> {
    /// A provider version on this branch, or with this tag; `None`: any
    /// provider version.
    pub group: Option<Group<'a>>,
    /// Also count verifications of work in progress pacts.
    pub include_wip: bool,
    /// Only verifications executed since then.
    pub executed_since: Option<DateTime<Utc>>,
}

/// A provider branch or tag.
#[derive(Debug, Clone, Copy)]
pub enum Group<'a> {
    Branch(&'a str),
    /// Provider versions with the tag now.
    Tag(&'a str),
    /// Provider versions that had the tag when they published the result.
    TagWhenVerified(&'a str),
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// When the provider first used branch `$4`, or infinity if it never did:
/// computed once per statement (an InitPlan).
const BRANCH_FIRST_USED: &str = "COALESCE((SELECT created_at FROM branches \
     WHERE pacticipant_id = $5 AND name = $4), 'infinity')";

/// When the provider first used tag `$4`, or infinity if it never did: the
/// tag of its oldest version with it, read from the end of the
/// (pacticipant, name, version) index.
const TAG_FIRST_USED: &str = "COALESCE((SELECT created_at FROM tags \
     WHERE pacticipant_id = $5 AND name = $4 \
     ORDER BY pacticipant_id, name, version_id LIMIT 1), 'infinity')";

/// [`verified`]'s statement for a group: `$1` the contents, `$2` whether
/// WIP verifications count, `$3` the earliest execution date or NULL, `$4`
/// the group's name ('' for none), `$5` the provider.
pub fn verified_sql(group: Option<Group<'_>>) -> String {
    let filters = "v.pact_version_id = c.id AND v.success AND ($2 OR NOT v.wip) \
                   AND ($3::timestamptz IS NULL OR v.execution_date >= $3)";
    // The verifications that count for one content `c.id`. A provider
    // version's tags are probed through the (version, name) index under a
    // LIMIT, as a plain join may hash every tag of every version.
    let counting = match group {
        None => format!("SELECT 1 FROM verifications v WHERE {filters}"),
        Some(Group::Branch(_)) => format!(
            "SELECT 1 FROM verifications v \
             JOIN branch_versions bv ON bv.version_id = v.provider_version_id \
             JOIN branches b ON b.id = bv.branch_id \
             WHERE {filters} AND (b.name = $4 OR v.created_at < {BRANCH_FIRST_USED})"
        ),
        Some(Group::Tag(_)) => format!(
            "SELECT 1 FROM verifications v \
             CROSS JOIN LATERAL (SELECT 1 FROM tags t \
               WHERE t.version_id = v.provider_version_id \
                 AND (t.name = $4 OR v.created_at < {TAG_FIRST_USED}) LIMIT 1) tagged \
             WHERE {filters}"
        ),
        Some(Group::TagWhenVerified(_)) => format!(
            "SELECT 1 FROM verifications v \
             WHERE {filters} AND ($4 = ANY(v.provider_version_tags) \
               OR (cardinality(v.provider_version_tags) > 0 \
                   AND v.execution_date < {TAG_FIRST_USED}))"
        ),
    };
    // A lateral subquery with LIMIT 1 rather than EXISTS: PostgreSQL may
    // turn an EXISTS into a hash semi-join over every verification of the
    // provider (it does at 20,000), so the cost would grow with history;
    // this probes each content's own verifications and stops at the first
    // that counts.
    format!(
        "SELECT c.id FROM unnest($1::bigint[]) AS c(id) \
         CROSS JOIN LATERAL ({counting} LIMIT 1) hit"
    )
}

/// Of `pact_version_ids`, those successfully verified by the provider as
/// `by` says. For a branch (or tag), a verification from a version on
/// another branch (or with another tag) counts when it was made before the
/// branch (or tag) was first used, or at any time if it never was: a new
/// branch inherits what its base already verified.
pub async fn verified(
    conn: &mut Conn,
    provider_id: i64,
    pact_version_ids: &[i64],
    by: VerifiedBy<'_>,
) -> Result<Vec<i64>> {
    let query = verified_sql(by.group);
    let name = match by.group {
        Some(Group::Branch(name) | Group::Tag(name) | Group::TagWhenVerified(name)) => name,
        None => "",
    };
    let ids: Vec<Id> = sql_query(query)
        .bind::<Array<BigInt>, _>(pact_version_ids)
        .bind::<Bool, _>(by.include_wip)
        .bind::<Nullable<Timestamptz>, _>(by.executed_since)
        .bind::<Text, _>(name)
        .bind::<BigInt, _>(provider_id)
        .prepared()
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}
