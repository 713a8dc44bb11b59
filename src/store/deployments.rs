//! Deployed and released versions: which versions run in, or are supported
//! in, each environment.
//!
//! Deployments and releases are twins kept apart on purpose, here and in
//! each layer above: their tables are distinct diesel types, and their
//! rules differ (a deployment ends the one it replaces, per instance; a
//! release recorded again is supported again), so one generic piece would
//! be longer than two.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::Conn;
use super::models::VersionRow;
use super::schema::{deployed_versions, pacticipants, released_versions, versions};
use crate::domain::page::Page;
use crate::error::Result;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = deployed_versions, check_for_backend(diesel::pg::Pg))]
pub struct DeployedVersionRow {
    pub id: i64,
    pub uuid: String,
    pub environment_id: i64,
    pub application_instance: Option<String>,
    pub created_at: DateTime<Utc>,
    pub undeployed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = released_versions, check_for_backend(diesel::pg::Pg))]
pub struct ReleasedVersionRow {
    pub id: i64,
    pub uuid: String,
    pub environment_id: i64,
    pub created_at: DateTime<Utc>,
    pub support_ended_at: Option<DateTime<Utc>>,
}

/// A row with the names of its pacticipant and version.
pub type Named<T> = (T, String, String);

/// Which deployed or released versions to read. Unset fields do not
/// filter.
#[derive(Debug, Default, Clone)]
pub struct Filter<'a> {
    /// Only those still deployed, or still supported.
    pub current: bool,
    pub environment_id: Option<i64>,
    pub pacticipant: Option<&'a str>,
    pub version: Option<&'a str>,
    /// Any of these version numbers.
    pub versions: Option<&'a [String]>,
    pub version_id: Option<i64>,
    /// Deployments only: `Some(None)` is the unnamed instance.
    pub application_instance: Option<Option<&'a str>>,
}

/// Deployed versions, newest first: all of them, or a page and one more so
/// the caller knows whether another page follows.
pub async fn deployed(
    conn: &mut Conn,
    filter: &Filter<'_>,
    page: Option<Page>,
) -> Result<Vec<Named<DeployedVersionRow>>> {
    let mut query = deployed_versions::table
        .inner_join(versions::table)
        .inner_join(pacticipants::table)
        .select((
            DeployedVersionRow::as_select(),
            pacticipants::name,
            versions::number,
        ))
        .order((
            deployed_versions::created_at.desc(),
            deployed_versions::id.desc(),
        ))
        .into_boxed();
    if filter.current {
        query = query.filter(deployed_versions::undeployed_at.is_null());
    }
    if let Some(id) = filter.environment_id {
        query = query.filter(deployed_versions::environment_id.eq(id));
    }
    if let Some(name) = filter.pacticipant {
        query = query.filter(pacticipants::name.eq(name.to_owned()));
    }
    if let Some(number) = filter.version {
        query = query.filter(versions::number.eq(number.to_owned()));
    }
    if let Some(numbers) = filter.versions {
        query = query.filter(versions::number.eq_any(numbers));
    }
    if let Some(id) = filter.version_id {
        query = query.filter(deployed_versions::version_id.eq(id));
    }
    if let Some(instance) = filter.application_instance {
        query = query.filter(
            deployed_versions::application_instance
                .is_not_distinct_from(instance.filter(|i| !i.is_empty()).map(str::to_owned)),
        );
    }
    if let Some(page) = page {
        query = query.offset(page.offset).limit(page.size + 1);
    }
    Ok(query.load(conn).await?)
}

/// Released versions, newest first: all of them, or a page and one more.
pub async fn released(
    conn: &mut Conn,
    filter: &Filter<'_>,
    page: Option<Page>,
) -> Result<Vec<Named<ReleasedVersionRow>>> {
    let mut query = released_versions::table
        .inner_join(versions::table)
        .inner_join(pacticipants::table)
        .select((
            ReleasedVersionRow::as_select(),
            pacticipants::name,
            versions::number,
        ))
        .order((
            released_versions::created_at.desc(),
            released_versions::id.desc(),
        ))
        .into_boxed();
    if filter.current {
        query = query.filter(released_versions::support_ended_at.is_null());
    }
    if let Some(id) = filter.environment_id {
        query = query.filter(released_versions::environment_id.eq(id));
    }
    if let Some(name) = filter.pacticipant {
        query = query.filter(pacticipants::name.eq(name.to_owned()));
    }
    if let Some(number) = filter.version {
        query = query.filter(versions::number.eq(number.to_owned()));
    }
    if let Some(numbers) = filter.versions {
        query = query.filter(versions::number.eq_any(numbers));
    }
    if let Some(id) = filter.version_id {
        query = query.filter(released_versions::version_id.eq(id));
    }
    if let Some(page) = page {
        query = query.offset(page.offset).limit(page.size + 1);
    }
    Ok(query.load(conn).await?)
}

pub async fn find_deployed(
    conn: &mut Conn,
    uuid: &str,
) -> Result<Option<Named<DeployedVersionRow>>> {
    Ok(deployed_versions::table
        .inner_join(versions::table)
        .inner_join(pacticipants::table)
        .filter(deployed_versions::uuid.eq(uuid))
        .select((
            DeployedVersionRow::as_select(),
            pacticipants::name,
            versions::number,
        ))
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_released(
    conn: &mut Conn,
    uuid: &str,
) -> Result<Option<Named<ReleasedVersionRow>>> {
    Ok(released_versions::table
        .inner_join(versions::table)
        .inner_join(pacticipants::table)
        .filter(released_versions::uuid.eq(uuid))
        .select((
            ReleasedVersionRow::as_select(),
            pacticipants::name,
            versions::number,
        ))
        .first(conn)
        .await
        .optional()?)
}

/// Records that `version` is deployed to an environment (as one
/// application instance, when given; a blank instance is none), ending the
/// current deployment of the same pacticipant, environment and instance.
/// `auto_created` marks deployments recorded by tagging.
/// Returns the uuid of the deployed version and that of the deployment it
/// ended, if any; recording the current deployment again changes nothing.
pub async fn record_deployment(
    conn: &mut Conn,
    version: &VersionRow,
    environment_id: i64,
    application_instance: Option<&str>,
    auto_created: bool,
) -> Result<(String, Option<String>)> {
    let instance = application_instance.filter(|i| !i.is_empty());
    conn.transaction(async |conn| {
        // Deployments of one pacticipant take turns, so two of them cannot
        // both find no current deployment and both insert one.
        pacticipants::table
            .find(version.pacticipant_id)
            .select(pacticipants::id)
            .for_no_key_update()
            .first::<i64>(conn)
            .await?;
        let current = deployed_versions::table
            .filter(deployed_versions::pacticipant_id.eq(version.pacticipant_id))
            .filter(deployed_versions::environment_id.eq(environment_id))
            .filter(deployed_versions::undeployed_at.is_null())
            .filter(
                deployed_versions::application_instance
                    .is_not_distinct_from(instance.map(str::to_owned)),
            )
            .select((
                deployed_versions::id,
                deployed_versions::version_id,
                deployed_versions::uuid,
            ))
            .first::<(i64, i64, String)>(conn)
            .await
            .optional()?;
        let mut ended = None;
        if let Some((id, version_id, uuid)) = current {
            if version_id == version.id {
                return Ok((uuid, None));
            }
            diesel::update(deployed_versions::table.find(id))
                .set(deployed_versions::undeployed_at.eq(Utc::now()))
                .execute(conn)
                .await?;
            ended = Some(uuid);
        }
        let uuid = diesel::insert_into(deployed_versions::table)
            .values((
                deployed_versions::uuid.eq(uuid::Uuid::new_v4().to_string()),
                deployed_versions::version_id.eq(version.id),
                deployed_versions::pacticipant_id.eq(version.pacticipant_id),
                deployed_versions::environment_id.eq(environment_id),
                deployed_versions::application_instance.eq(instance),
                deployed_versions::auto_created.eq(auto_created),
            ))
            .returning(deployed_versions::uuid)
            .get_result(conn)
            .await?;
        Ok((uuid, ended))
    })
    .await
}

/// Records that a deployed version no longer runs; false when it was not
/// current.
pub async fn record_undeployment(conn: &mut Conn, uuid: &str) -> Result<bool> {
    let ended = diesel::update(
        deployed_versions::table
            .filter(deployed_versions::uuid.eq(uuid))
            .filter(deployed_versions::undeployed_at.is_null()),
    )
    .set(deployed_versions::undeployed_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(ended > 0)
}

/// Records that `version` is released to an environment; releases add up,
/// and releasing a version again makes it supported again. Returns the
/// uuid of the released version and whether this call created it.
pub async fn record_release(
    conn: &mut Conn,
    version: &VersionRow,
    environment_id: i64,
) -> Result<(String, bool)> {
    let existing = released_versions::table
        .filter(released_versions::version_id.eq(version.id))
        .filter(released_versions::environment_id.eq(environment_id))
        .select(released_versions::id)
        .first::<i64>(conn)
        .await
        .optional()?;
    let uuid = diesel::insert_into(released_versions::table)
        .values((
            released_versions::uuid.eq(uuid::Uuid::new_v4().to_string()),
            released_versions::version_id.eq(version.id),
            released_versions::pacticipant_id.eq(version.pacticipant_id),
            released_versions::environment_id.eq(environment_id),
        ))
        .on_conflict((
            released_versions::version_id,
            released_versions::environment_id,
        ))
        .do_update()
        .set(released_versions::support_ended_at.eq(None::<chrono::DateTime<Utc>>))
        .returning(released_versions::uuid)
        .get_result(conn)
        .await?;
    Ok((uuid, existing.is_none()))
}

/// Records that a released version is no longer supported; false when its
/// support had already ended.
pub async fn record_support_ended(conn: &mut Conn, uuid: &str) -> Result<bool> {
    let ended = diesel::update(
        released_versions::table
            .filter(released_versions::uuid.eq(uuid))
            .filter(released_versions::support_ended_at.is_null()),
    )
    .set(released_versions::support_ended_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(ended > 0)
}
