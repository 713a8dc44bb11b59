//! Version, branch and tag queries, including the branch heads maintained
//! on every change of branch membership.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::models::{BranchRow, TagRow, VersionRow};
use super::schema::{branch_heads, branch_versions, branches, tags, versions};
use super::{Conn, KeepPrepared};
use crate::domain::page::Page;
use crate::error::Result;

pub async fn find(
    conn: &mut Conn,
    pacticipant_id: i64,
    number: &str,
) -> Result<Option<VersionRow>> {
    Ok(versions::table
        .filter(versions::pacticipant_id.eq(pacticipant_id))
        .filter(versions::number.eq(number))
        .select(VersionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The version, created when missing; true when created. A given build URL
/// replaces the stored one.
pub async fn find_or_create(
    conn: &mut Conn,
    pacticipant_id: i64,
    number: &str,
    build_url: Option<&str>,
) -> Result<(VersionRow, bool)> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(embed)]
        version: VersionRow,
        #[diesel(sql_type = Bool)]
        created: bool,
    }
    // One statement either way; a version that exists is not written.
    let found: Option<Found> = diesel::sql_query(
        "WITH found AS (SELECT * FROM versions WHERE pacticipant_id = $1 AND number = $2), \
         created AS ( \
             INSERT INTO versions (pacticipant_id, number, build_url) \
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT FROM found) \
             ON CONFLICT (pacticipant_id, number) DO NOTHING RETURNING *) \
         SELECT *, false AS created FROM found UNION ALL SELECT *, true FROM created",
    )
    .bind::<BigInt, _>(pacticipant_id)
    .bind::<Text, _>(number)
    .bind::<Nullable<Text>, _>(build_url)
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    let existing = match found {
        Some(Found {
            version,
            created: true,
        }) => return Ok((version, true)),
        Some(Found { version, .. }) => version,
        // Created by a request that committed after this statement began,
        // so only a new statement sees it.
        None => find(conn, pacticipant_id, number)
            .await?
            .ok_or(diesel::result::Error::NotFound)?,
    };
    match build_url {
        Some(url) if existing.build_url.as_deref() != Some(url) => {
            Ok((set_build_url(conn, existing.id, Some(url)).await?, false))
        }
        _ => Ok((existing, false)),
    }
}

pub async fn set_build_url(
    conn: &mut Conn,
    id: i64,
    build_url: Option<&str>,
) -> Result<VersionRow> {
    Ok(diesel::update(versions::table.find(id))
        .set((
            versions::build_url.eq(build_url),
            versions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(VersionRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The most recently created version of a pacticipant.
pub async fn latest(conn: &mut Conn, pacticipant_id: i64) -> Result<Option<VersionRow>> {
    Ok(versions::table
        .filter(versions::pacticipant_id.eq(pacticipant_id))
        .order(versions::id.desc())
        .select(VersionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The latest versions of several pacticipants, one query.
pub async fn latest_of(conn: &mut Conn, pacticipant_ids: &[i64]) -> Result<Vec<VersionRow>> {
    Ok(versions::table
        .filter(versions::pacticipant_id.eq_any(pacticipant_ids))
        .distinct_on(versions::pacticipant_id)
        .order((versions::pacticipant_id, versions::id.desc()))
        .select(VersionRow::as_select())
        .load(conn)
        .await?)
}

/// The latest version carrying `tag`.
pub async fn latest_with_tag(
    conn: &mut Conn,
    pacticipant_id: i64,
    tag: &str,
) -> Result<Option<VersionRow>> {
    Ok(tags::table
        .inner_join(versions::table)
        .filter(tags::pacticipant_id.eq(pacticipant_id))
        .filter(tags::name.eq(tag))
        .order(tags::version_id.desc())
        .select(VersionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The head of a branch.
pub async fn branch_head(
    conn: &mut Conn,
    pacticipant_id: i64,
    branch: &str,
) -> Result<Option<VersionRow>> {
    Ok(branch_heads::table
        .inner_join(versions::table)
        .filter(branch_heads::pacticipant_id.eq(pacticipant_id))
        .filter(branch_heads::branch_name.eq(branch))
        .select(VersionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A page of a pacticipant's versions, newest first, optionally restricted to
/// a branch or a tag, and the total count.
pub async fn list(
    conn: &mut Conn,
    pacticipant_id: i64,
    branch: Option<&str>,
    tag: Option<&str>,
    page: Page,
) -> Result<(Vec<VersionRow>, i64)> {
    let filtered = || {
        let mut query = versions::table
            .filter(versions::pacticipant_id.eq(pacticipant_id))
            .into_boxed();
        if let Some(branch) = branch {
            query = query.filter(
                versions::id.eq_any(
                    branch_versions::table
                        .inner_join(branches::table)
                        .filter(branches::pacticipant_id.eq(pacticipant_id))
                        .filter(branches::name.eq(branch.to_owned()))
                        .select(branch_versions::version_id),
                ),
            );
        }
        if let Some(tag) = tag {
            query = query.filter(
                versions::id.eq_any(
                    tags::table
                        .filter(tags::pacticipant_id.eq(pacticipant_id))
                        .filter(tags::name.eq(tag.to_owned()))
                        .select(tags::version_id),
                ),
            );
        }
        query
    };
    let rows = filtered()
        .order(versions::id.desc())
        .offset(page.offset)
        .limit(page.size)
        .select(VersionRow::as_select())
        .load(conn)
        .await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((rows, total))
}

/// Deletes a version; branch heads it held move to the previous version.
pub async fn delete(conn: &mut Conn, version: &VersionRow) -> Result<()> {
    // The version, then its branches in id order: the order publishing takes
    // them in, so the two cannot deadlock.
    versions::table
        .find(version.id)
        .select(versions::id)
        .for_update()
        .first::<i64>(conn)
        .await?;
    let branch_ids: Vec<i64> = branch_versions::table
        .filter(branch_versions::version_id.eq(version.id))
        .order(branch_versions::branch_id)
        .select(branch_versions::branch_id)
        .load(conn)
        .await?;
    for branch_id in &branch_ids {
        lock_branch(conn, *branch_id).await?;
    }
    let held: Vec<i64> = branch_heads::table
        .filter(branch_heads::version_id.eq(version.id))
        .select(branch_heads::branch_id)
        .load(conn)
        .await?;
    diesel::delete(versions::table.find(version.id))
        .execute(conn)
        .await?;
    for branch_id in held {
        recompute_head(conn, branch_id).await?;
    }
    Ok(())
}

/// A version's membership of a branch, for display.
#[derive(Debug, Clone)]
pub struct Membership {
    pub version_id: i64,
    pub branch: String,
    pub latest: bool,
    pub auto_created: bool,
    pub created_at: DateTime<Utc>,
}

/// A tag of a version, for display.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub version_id: i64,
    pub name: String,
    pub latest: bool,
    pub created_at: DateTime<Utc>,
}

/// The branches (oldest membership first) and the tags (oldest first) of
/// the given versions, in one statement: what describing a version needs.
pub async fn branches_and_tags_of(
    conn: &mut Conn,
    version_ids: &[i64],
) -> Result<(Vec<Membership>, Vec<TagInfo>)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        is_branch: bool,
        #[diesel(sql_type = BigInt)]
        version_id: i64,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Bool)]
        auto_created: bool,
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
        #[diesel(sql_type = Bool)]
        latest: bool,
    }
    // A branch's latest version is its head; a tag's latest version is the
    // one with no newer version carrying it (an index probe per tag). One
    // version, the common case, is bound as a scalar: PostgreSQL's generic
    // plan for an array of unknown length looks costlier than a custom one,
    // so it would plan the statement afresh on every call.
    macro_rules! labels_of {
        ($versions:literal) => {
            concat!(
                "SELECT * FROM ( \
                     SELECT true AS is_branch, m.id, m.version_id, b.name, m.auto_created, \
                            m.created_at, COALESCE(h.version_id = m.version_id, false) AS latest \
                     FROM branch_versions m JOIN branches b ON b.id = m.branch_id \
                     LEFT JOIN branch_heads h ON h.branch_id = m.branch_id \
                     WHERE m.version_id ",
                $versions,
                " UNION ALL \
                     SELECT false, t.id, t.version_id, t.name, false, t.created_at, NOT EXISTS ( \
                         SELECT FROM tags newer \
                         WHERE newer.pacticipant_id = t.pacticipant_id AND newer.name = t.name \
                           AND newer.version_id > t.version_id) \
                     FROM tags t WHERE t.version_id ",
                $versions,
                ") AS labels \
                 ORDER BY is_branch DESC, id"
            )
        };
    }
    let rows: Vec<Row> = match version_ids {
        [] => Vec::new(),
        [one] => {
            diesel::sql_query(labels_of!("= $1"))
                .bind::<BigInt, _>(one)
                .prepared()
                .load(conn)
                .await?
        }
        many => {
            diesel::sql_query(labels_of!("= ANY($1)"))
                .bind::<Array<BigInt>, _>(many)
                .prepared()
                .load(conn)
                .await?
        }
    };
    let (branches, tags): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|row| row.is_branch);
    Ok((
        branches
            .into_iter()
            .map(|row| Membership {
                version_id: row.version_id,
                branch: row.name,
                latest: row.latest,
                auto_created: row.auto_created,
                created_at: row.created_at,
            })
            .collect(),
        tags.into_iter()
            .map(|row| TagInfo {
                version_id: row.version_id,
                name: row.name,
                latest: row.latest,
                created_at: row.created_at,
            })
            .collect(),
    ))
}

/// Whether a version has neither tags nor branches.
pub async fn is_unlabelled(conn: &mut Conn, version_id: i64) -> Result<bool> {
    use diesel::dsl::{exists, not, select};
    Ok(select(
        not(exists(tags::table.filter(tags::version_id.eq(version_id)))).and(not(exists(
            branch_versions::table.filter(branch_versions::version_id.eq(version_id)),
        ))),
    )
    .get_result(conn)
    .await?)
}

/// Tags a version; true when the tag is new.
pub async fn add_tag(conn: &mut Conn, version: &VersionRow, name: &str) -> Result<(TagRow, bool)> {
    let inserted = diesel::insert_into(tags::table)
        .values((
            tags::version_id.eq(version.id),
            tags::pacticipant_id.eq(version.pacticipant_id),
            tags::name.eq(name),
        ))
        .on_conflict((tags::version_id, tags::name))
        .do_nothing()
        .returning(TagRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if let Some(row) = inserted {
        return Ok((row, true));
    }
    let row = tags::table
        .filter(tags::version_id.eq(version.id))
        .filter(tags::name.eq(name))
        .select(TagRow::as_select())
        .first(conn)
        .await?;
    Ok((row, false))
}

/// Tags a version with each of `names` it does not have yet, in their
/// order, in one statement; the tags added.
pub async fn add_tags(
    conn: &mut Conn,
    version: &VersionRow,
    names: &[String],
) -> Result<Vec<TagInfo>> {
    #[derive(QueryableByName)]
    struct Added {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
        #[diesel(sql_type = Bool)]
        latest: bool,
    }
    let added: Vec<Added> = diesel::sql_query(
        "INSERT INTO tags (version_id, pacticipant_id, name) \
         SELECT $1, $2, name FROM unnest($3::text[]) WITH ORDINALITY AS t (name, n) ORDER BY n \
         ON CONFLICT (version_id, name) DO NOTHING \
         RETURNING name, created_at, NOT EXISTS ( \
             SELECT FROM tags newer \
             WHERE newer.pacticipant_id = $2 AND newer.name = tags.name AND newer.version_id > $1) \
             AS latest",
    )
    .bind::<BigInt, _>(version.id)
    .bind::<BigInt, _>(version.pacticipant_id)
    .bind::<Array<Text>, _>(names)
    .prepared()
    .load(conn)
    .await?;
    Ok(added
        .into_iter()
        .map(|added| TagInfo {
            version_id: version.id,
            name: added.name,
            latest: added.latest,
            created_at: added.created_at,
        })
        .collect())
}

pub async fn find_tag(conn: &mut Conn, version_id: i64, name: &str) -> Result<Option<TagRow>> {
    Ok(tags::table
        .filter(tags::version_id.eq(version_id))
        .filter(tags::name.eq(name))
        .select(TagRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn remove_tag(conn: &mut Conn, version_id: i64, name: &str) -> Result<bool> {
    let deleted = diesel::delete(
        tags::table
            .filter(tags::version_id.eq(version_id))
            .filter(tags::name.eq(name)),
    )
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}

pub async fn find_branch(
    conn: &mut Conn,
    pacticipant_id: i64,
    name: &str,
) -> Result<Option<BranchRow>> {
    Ok(branches::table
        .filter(branches::pacticipant_id.eq(pacticipant_id))
        .filter(branches::name.eq(name))
        .select(BranchRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Adds a version to a branch (creating the branch) and moves the branch
/// head when the version is newer than it; the new membership, or `None`
/// when the version was on the branch already.
pub async fn add_to_branch(
    conn: &mut Conn,
    version: &VersionRow,
    branch: &str,
    auto_created: bool,
) -> Result<Option<Membership>> {
    #[derive(QueryableByName)]
    struct Added {
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
        #[diesel(sql_type = Bool)]
        latest: bool,
    }
    // One statement, each part fed by the one before, so they run in order:
    // the upsert of the branch takes the branch lock (as `lock_branch` does:
    // no key changes) before the membership is added and the head moved.
    // The head moves only forwards, so a version added late to a branch does
    // not displace a newer head; `updated_at` changes only when the branch
    // gains a version.
    let added: Option<Added> = diesel::sql_query(
        "WITH branch AS ( \
             INSERT INTO branches (pacticipant_id, name) VALUES ($1, $2) \
             ON CONFLICT (pacticipant_id, name) DO UPDATE \
             SET updated_at = CASE WHEN EXISTS ( \
                     SELECT FROM branch_versions m WHERE m.branch_id = branches.id AND m.version_id = $3) \
                 THEN branches.updated_at ELSE now() END \
             RETURNING id), \
         added AS ( \
             INSERT INTO branch_versions (branch_id, version_id, pacticipant_id, auto_created) \
             SELECT id, $3, $1, $4 FROM branch \
             ON CONFLICT (branch_id, version_id) DO NOTHING RETURNING id, branch_id, created_at), \
         head AS ( \
             INSERT INTO branch_heads (branch_id, branch_version_id, version_id, pacticipant_id, branch_name) \
             SELECT branch_id, id, $3, $1, $2 FROM added \
             ON CONFLICT (branch_id) DO UPDATE \
             SET branch_version_id = EXCLUDED.branch_version_id, version_id = EXCLUDED.version_id \
             WHERE branch_heads.version_id < EXCLUDED.version_id \
             RETURNING branch_id) \
         SELECT created_at, EXISTS (SELECT FROM head) AS latest FROM added",
    )
    .bind::<BigInt, _>(version.pacticipant_id)
    .bind::<Text, _>(branch)
    .bind::<BigInt, _>(version.id)
    .bind::<Bool, _>(auto_created)
    .prepared()
    .get_result(conn)
    .await
    .optional()?;
    Ok(added.map(|added| Membership {
        version_id: version.id,
        branch: branch.to_owned(),
        latest: added.latest,
        auto_created,
        created_at: added.created_at,
    }))
}

/// Removes a version from a branch; false when it was not on it.
pub async fn remove_from_branch(
    conn: &mut Conn,
    branch: &BranchRow,
    version_id: i64,
) -> Result<bool> {
    lock_branch(conn, branch.id).await?;
    let deleted = diesel::delete(
        branch_versions::table
            .filter(branch_versions::branch_id.eq(branch.id))
            .filter(branch_versions::version_id.eq(version_id)),
    )
    .execute(conn)
    .await?;
    if deleted == 1 {
        recompute_head(conn, branch.id).await?;
    }
    Ok(deleted == 1)
}

/// Holds a branch for the rest of the transaction: every change of its
/// membership and head takes this lock first, so heads stay right under
/// concurrent adds and removals.
async fn lock_branch(conn: &mut Conn, branch_id: i64) -> Result<()> {
    branches::table
        .find(branch_id)
        .select(branches::id)
        .for_no_key_update()
        .first::<i64>(conn)
        .await?;
    Ok(())
}

/// Points a branch's head at its newest remaining version (after removals).
/// The caller holds the branch lock.
async fn recompute_head(conn: &mut Conn, branch_id: i64) -> Result<()> {
    let newest: Option<(i64, i64, i64, String)> = branch_versions::table
        .inner_join(branches::table)
        .filter(branch_versions::branch_id.eq(branch_id))
        .order(branch_versions::version_id.desc())
        .select((
            branch_versions::id,
            branch_versions::version_id,
            branch_versions::pacticipant_id,
            branches::name,
        ))
        .first(conn)
        .await
        .optional()?;
    match newest {
        None => {
            diesel::delete(branch_heads::table.find(branch_id))
                .execute(conn)
                .await?;
        }
        Some((branch_version_id, version_id, pacticipant_id, name)) => {
            diesel::insert_into(branch_heads::table)
                .values((
                    branch_heads::branch_id.eq(branch_id),
                    branch_heads::branch_version_id.eq(branch_version_id),
                    branch_heads::version_id.eq(version_id),
                    branch_heads::pacticipant_id.eq(pacticipant_id),
                    branch_heads::branch_name.eq(name),
                ))
                .on_conflict(branch_heads::branch_id)
                .do_update()
                .set((
                    branch_heads::branch_version_id.eq(branch_version_id),
                    branch_heads::version_id.eq(version_id),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// A branch with the number of its head version.
pub async fn branch_with_head(
    conn: &mut Conn,
    branch: BranchRow,
) -> Result<(BranchRow, Option<String>)> {
    let head = branch_heads::table
        .inner_join(versions::table)
        .filter(branch_heads::branch_id.eq(branch.id))
        .select(versions::number)
        .first(conn)
        .await
        .optional()?;
    Ok((branch, head))
}

/// A page of branches, most recently updated first, with their heads.
pub async fn list_branches(
    conn: &mut Conn,
    pacticipant_id: i64,
    page: Page,
) -> Result<(Vec<(BranchRow, Option<String>)>, i64)> {
    let rows: Vec<(BranchRow, Option<String>)> = branches::table
        .left_join(branch_heads::table.on(branch_heads::branch_id.eq(branches::id)))
        .left_join(versions::table.on(versions::id.eq(branch_heads::version_id)))
        .filter(branches::pacticipant_id.eq(pacticipant_id))
        .order((branches::updated_at.desc(), branches::id.desc()))
        .offset(page.offset)
        .limit(page.size)
        .select((BranchRow::as_select(), versions::number.nullable()))
        .load(conn)
        .await?;
    let total = branches::table
        .filter(branches::pacticipant_id.eq(pacticipant_id))
        .count()
        .get_result(conn)
        .await?;
    Ok((rows, total))
}

pub async fn delete_branch(conn: &mut Conn, branch_id: i64) -> Result<()> {
    diesel::delete(branches::table.find(branch_id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the tags of a version whose names are not in `keep`; how many
/// were removed.
pub async fn remove_tags_except(
    conn: &mut Conn,
    version_id: i64,
    keep: &[String],
) -> Result<usize> {
    Ok(diesel::delete(
        tags::table
            .filter(tags::version_id.eq(version_id))
            .filter(tags::name.ne_all(keep)),
    )
    .execute(conn)
    .await?)
}
