//! Version, branch and tag queries, including the branch heads maintained
//! on every change of branch membership.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text, Timestamptz};
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
    if let Some(existing) = find(conn, pacticipant_id, number).await? {
        return match build_url {
            Some(url) if existing.build_url.as_deref() != Some(url) => {
                Ok((set_build_url(conn, existing.id, Some(url)).await?, false))
            }
            _ => Ok((existing, false)),
        };
    }
    let inserted = diesel::insert_into(versions::table)
        .values((
            versions::pacticipant_id.eq(pacticipant_id),
            versions::number.eq(number),
            versions::build_url.eq(build_url),
        ))
        .on_conflict((versions::pacticipant_id, versions::number))
        .do_nothing()
        .returning(VersionRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    match inserted {
        Some(row) => Ok((row, true)),
        None => Ok((
            find(conn, pacticipant_id, number)
                .await?
                .ok_or(diesel::result::Error::NotFound)?,
            false,
        )),
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

/// A membership row: version id, branch name, auto-created, added at, and
/// the version id of the branch head.
type MembershipRow = (i64, String, bool, DateTime<Utc>, Option<i64>);

/// The branches of the given versions, oldest membership first.
pub async fn memberships_of(conn: &mut Conn, version_ids: &[i64]) -> Result<Vec<Membership>> {
    let rows: Vec<MembershipRow> = branch_versions::table
        .inner_join(branches::table)
        .left_join(branch_heads::table.on(branch_heads::branch_id.eq(branch_versions::branch_id)))
        .filter(branch_versions::version_id.eq_any(version_ids))
        .order(branch_versions::id)
        .select((
            branch_versions::version_id,
            branches::name,
            branch_versions::auto_created,
            branch_versions::created_at,
            branch_heads::version_id.nullable(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(version_id, branch, auto_created, created_at, head)| Membership {
                version_id,
                branch,
                latest: head == Some(version_id),
                auto_created,
                created_at,
            },
        )
        .collect())
}

/// A tag of a version, for display.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub version_id: i64,
    pub name: String,
    pub latest: bool,
    pub created_at: DateTime<Utc>,
}

/// The tags of the given versions, with whether each version is the latest
/// carrying that tag: one query, an index probe per tag.
pub async fn tags_of(conn: &mut Conn, version_ids: &[i64]) -> Result<Vec<TagInfo>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        version_id: i64,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Bool)]
        latest: bool,
        #[diesel(sql_type = Timestamptz)]
        created_at: DateTime<Utc>,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT t.version_id, t.name, t.created_at, NOT EXISTS ( \
             SELECT 1 FROM tags newer \
             WHERE newer.pacticipant_id = t.pacticipant_id AND newer.name = t.name \
               AND newer.version_id > t.version_id) AS latest \
         FROM tags t WHERE t.version_id = ANY($1) ORDER BY t.id",
    )
    .bind::<Array<BigInt>, _>(version_ids)
    .prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TagInfo {
            version_id: row.version_id,
            name: row.name,
            latest: row.latest,
            created_at: row.created_at,
        })
        .collect())
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

async fn find_or_create_branch(
    conn: &mut Conn,
    pacticipant_id: i64,
    name: &str,
) -> Result<BranchRow> {
    if let Some(row) = find_branch(conn, pacticipant_id, name).await? {
        return Ok(row);
    }
    diesel::insert_into(branches::table)
        .values((
            branches::pacticipant_id.eq(pacticipant_id),
            branches::name.eq(name),
        ))
        .on_conflict((branches::pacticipant_id, branches::name))
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(find_branch(conn, pacticipant_id, name)
        .await?
        .ok_or(diesel::result::Error::NotFound)?)
}

/// Adds a version to a branch (creating the branch) and moves the branch
/// head when the version is newer than it; true when newly added.
pub async fn add_to_branch(
    conn: &mut Conn,
    version: &VersionRow,
    branch: &str,
    auto_created: bool,
) -> Result<bool> {
    let branch = find_or_create_branch(conn, version.pacticipant_id, branch).await?;
    lock_branch(conn, branch.id).await?;
    let inserted: Option<i64> = diesel::insert_into(branch_versions::table)
        .values((
            branch_versions::branch_id.eq(branch.id),
            branch_versions::version_id.eq(version.id),
            branch_versions::pacticipant_id.eq(version.pacticipant_id),
            branch_versions::auto_created.eq(auto_created),
        ))
        .on_conflict((branch_versions::branch_id, branch_versions::version_id))
        .do_nothing()
        .returning(branch_versions::id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(branch_version_id) = inserted else {
        return Ok(false);
    };
    diesel::update(branches::table.find(branch.id))
        .set(branches::updated_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    // Move the head only forwards: a version added late to a branch does not
    // displace a newer head.
    diesel::sql_query(
        "INSERT INTO branch_heads (branch_id, branch_version_id, version_id, pacticipant_id, branch_name) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (branch_id) DO UPDATE \
         SET branch_version_id = EXCLUDED.branch_version_id, version_id = EXCLUDED.version_id \
         WHERE branch_heads.version_id < EXCLUDED.version_id",
    )
    .bind::<BigInt, _>(branch.id)
    .bind::<BigInt, _>(branch_version_id)
    .bind::<BigInt, _>(version.id)
    .bind::<BigInt, _>(version.pacticipant_id)
    .bind::<Text, _>(&branch.name)
    .prepared().execute(conn)
    .await?;
    Ok(true)
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
