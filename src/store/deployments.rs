//! Deployed and released versions: which versions run in, or are supported
//! in, each environment.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::Conn;
use super::models::VersionRow;
use super::schema::{deployed_versions, pacticipants, released_versions};
use crate::error::Result;

/// Records that `version` is deployed to an environment (as one
/// application instance, when given; a blank instance is none), ending the
/// current deployment of the same pacticipant, environment and instance.
/// Returns the uuid of the deployed version; recording the current
/// deployment again changes nothing.
pub async fn record_deployment(
    conn: &mut Conn,
    version: &VersionRow,
    environment_id: i64,
    application_instance: Option<&str>,
) -> Result<String> {
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
        if let Some((id, version_id, uuid)) = current {
            if version_id == version.id {
                return Ok(uuid);
            }
            diesel::update(deployed_versions::table.find(id))
                .set(deployed_versions::undeployed_at.eq(Utc::now()))
                .execute(conn)
                .await?;
        }
        Ok(diesel::insert_into(deployed_versions::table)
            .values((
                deployed_versions::uuid.eq(uuid::Uuid::new_v4().to_string()),
                deployed_versions::version_id.eq(version.id),
                deployed_versions::pacticipant_id.eq(version.pacticipant_id),
                deployed_versions::environment_id.eq(environment_id),
                deployed_versions::application_instance.eq(instance),
            ))
            .returning(deployed_versions::uuid)
            .get_result(conn)
            .await?)
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
/// uuid of the released version.
pub async fn record_release(
    conn: &mut Conn,
    version: &VersionRow,
    environment_id: i64,
) -> Result<String> {
    Ok(diesel::insert_into(released_versions::table)
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
        .await?)
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
