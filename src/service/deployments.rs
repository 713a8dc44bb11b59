//! Deployed and released versions: which versions run in, or are
//! supported in, each environment. The twins stay apart, as in
//! `store::deployments` (which says why).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::environments::{self, Environment, EnvironmentKey, trim_page};
use super::{Broker, existing_pacticipant, existing_version};
use crate::domain::names;
use crate::domain::page::Page;
use crate::error::{Error, Result, Violations};
use crate::store::Conn;
use crate::store::deployments::{
    self as store, DeployedVersionRow, Filter, Named, ReleasedVersionRow,
};
use crate::store::environments::{self as environment_store, EnvironmentRow};
use crate::store::models::{PacticipantRow, VersionRow};

#[derive(Debug, Clone)]
pub struct DeployedVersion {
    pub uuid: String,
    pub pacticipant: String,
    pub version: String,
    pub environment: Environment,
    /// `None` for the single unnamed instance.
    pub application_instance: Option<String>,
    pub currently_deployed: bool,
    pub created_at: DateTime<Utc>,
    pub undeployed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ReleasedVersion {
    pub uuid: String,
    pub pacticipant: String,
    pub version: String,
    pub environment: Environment,
    pub currently_supported: bool,
    pub created_at: DateTime<Utc>,
    pub support_ended_at: Option<DateTime<Utc>>,
}

/// Which deployed or released versions to list. Unset fields do not
/// filter.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlaceQuery<'a> {
    pub environment: Option<EnvironmentKey<'a>>,
    pub pacticipant: Option<&'a str>,
    pub version: Option<&'a str>,
    /// Deployments only: `Some("")` is the unnamed instance.
    pub application_instance: Option<&'a str>,
}

/// Where one version is, and where it could go: what the version resource
/// links to.
#[derive(Debug, Clone)]
pub struct VersionPlaces {
    pub pacticipant: String,
    pub version: String,
    pub environments: Vec<Environment>,
    pub deployed: Vec<DeployedVersion>,
    pub released: Vec<ReleasedVersion>,
}

/// Environments of these rows, by id: one query for a whole listing.
async fn environments_of(conn: &mut Conn, ids: Vec<i64>) -> Result<HashMap<i64, Environment>> {
    Ok(environment_store::find_by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, environments::describe(row)))
        .collect())
}

async fn describe_deployed(
    conn: &mut Conn,
    rows: Vec<Named<DeployedVersionRow>>,
) -> Result<Vec<DeployedVersion>> {
    let envs = environments_of(
        conn,
        rows.iter().map(|(r, _, _)| r.environment_id).collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(row, pacticipant, version)| DeployedVersion {
            environment: envs[&row.environment_id].clone(),
            uuid: row.uuid,
            pacticipant,
            version,
            application_instance: row.application_instance,
            currently_deployed: row.undeployed_at.is_none(),
            created_at: row.created_at,
            undeployed_at: row.undeployed_at,
        })
        .collect())
}

async fn describe_released(
    conn: &mut Conn,
    rows: Vec<Named<ReleasedVersionRow>>,
) -> Result<Vec<ReleasedVersion>> {
    let envs = environments_of(
        conn,
        rows.iter().map(|(r, _, _)| r.environment_id).collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(row, pacticipant, version)| ReleasedVersion {
            environment: envs[&row.environment_id].clone(),
            uuid: row.uuid,
            pacticipant,
            version,
            currently_supported: row.support_ended_at.is_none(),
            created_at: row.created_at,
            support_ended_at: row.support_ended_at,
        })
        .collect())
}

async fn deployed_by_uuid(conn: &mut Conn, uuid: &str) -> Result<DeployedVersion> {
    let row = if names::can_exist(uuid) {
        store::find_deployed(conn, uuid).await?
    } else {
        None
    };
    let row = row
        .ok_or_else(|| Error::NotFound(format!("No deployed version with uuid '{uuid}' found")))?;
    Ok(describe_deployed(conn, vec![row]).await?.remove(0))
}

async fn released_by_uuid(conn: &mut Conn, uuid: &str) -> Result<ReleasedVersion> {
    let row = if names::can_exist(uuid) {
        store::find_released(conn, uuid).await?
    } else {
        None
    };
    let row = row
        .ok_or_else(|| Error::NotFound(format!("No released version with uuid '{uuid}' found")))?;
    Ok(describe_released(conn, vec![row]).await?.remove(0))
}

/// Required names of a request: blank ones are reported together.
/// A pacticipant's version and an environment, each NOT_FOUND when
/// unknown.
async fn version_and_environment(
    conn: &mut Conn,
    pacticipant: &str,
    version: &str,
    environment: EnvironmentKey<'_>,
) -> Result<(PacticipantRow, VersionRow, EnvironmentRow)> {
    let pacticipant = existing_pacticipant(conn, pacticipant).await?;
    let version = existing_version(conn, &pacticipant, version).await?;
    let environment = environments::existing(conn, environment).await?;
    Ok((pacticipant, version, environment))
}

fn check_required(fields: &[(&str, &str)]) -> Result<()> {
    let mut violations = Violations::default();
    for (field, value) in fields {
        if value.is_empty() {
            violations.add(*field, "cannot be blank");
        }
    }
    violations.into_result()
}

fn check_instance(instance: Option<&str>) -> Result<()> {
    let mut violations = Violations::default();
    if let Some(instance) = instance.filter(|i| !i.is_empty()) {
        violations.check(
            "application_instance",
            names::single_line(instance).map(drop),
        );
    }
    violations.into_result()
}

impl Broker {
    /// Records that a version is deployed to an application instance of an
    /// environment (`None` or empty: the unnamed instance), ending the
    /// deployment it replaces there. Returns the deployment and the ended
    /// ones.
    pub async fn record_deployment(
        &self,
        pacticipant: &str,
        version: &str,
        environment: EnvironmentKey<'_>,
        application_instance: Option<&str>,
    ) -> Result<(DeployedVersion, Vec<DeployedVersion>)> {
        check_required(&[
            ("pacticipant", pacticipant),
            ("version", version),
            ("environment", key_text(environment)),
        ])?;
        check_instance(application_instance)?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (_, version, environment) =
                version_and_environment(conn, pacticipant, version, environment).await?;
            let (uuid, ended) = store::record_deployment(
                conn,
                &version,
                environment.id,
                application_instance,
                false,
            )
            .await?;
            let mut undeployed = Vec::new();
            if let Some(ended) = ended {
                undeployed.push(deployed_by_uuid(conn, &ended).await?);
            }
            Ok((deployed_by_uuid(conn, &uuid).await?, undeployed))
        })
        .await
    }

    /// Records that one deployment no longer runs; it is returned as it is
    /// now. Undeploying twice changes nothing.
    pub async fn undeploy(&self, uuid: &str) -> Result<DeployedVersion> {
        let mut conn = self.store.conn().await?;
        let deployed = deployed_by_uuid(&mut conn, uuid).await?;
        if !deployed.currently_deployed {
            return Ok(deployed);
        }
        store::record_undeployment(&mut conn, uuid).await?;
        deployed_by_uuid(&mut conn, uuid).await
    }

    /// Records that a pacticipant no longer runs in an application instance
    /// of an environment. NOT_FOUND when nothing of it is deployed there.
    pub async fn record_undeployment(
        &self,
        pacticipant: &str,
        environment: EnvironmentKey<'_>,
        application_instance: Option<&str>,
    ) -> Result<Vec<DeployedVersion>> {
        check_required(&[
            ("pacticipant", pacticipant),
            ("environment", key_text(environment)),
        ])?;
        check_instance(application_instance)?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let pacticipant = existing_pacticipant(conn, pacticipant).await?;
            let environment = environments::existing(conn, environment).await?;
            let filter = Filter {
                current: true,
                environment_id: Some(environment.id),
                pacticipant: Some(&pacticipant.name),
                application_instance: Some(application_instance),
                ..Filter::default()
            };
            let current = store::deployed(conn, &filter, None).await?;
            if current.is_empty() {
                let instance = match application_instance.filter(|i| !i.is_empty()) {
                    Some(instance) => format!(" (application instance '{instance}')"),
                    None => String::new(),
                };
                return Err(Error::NotFound(format!(
                    "No version of pacticipant '{}' is currently deployed to environment '{}'{instance}",
                    pacticipant.name, environment.name
                )));
            }
            let mut undeployed = Vec::new();
            for (row, _, _) in current {
                store::record_undeployment(conn, &row.uuid).await?;
                undeployed.push(deployed_by_uuid(conn, &row.uuid).await?);
            }
            Ok(undeployed)
        })
        .await
    }

    /// Records that a version is released to an environment; a release
    /// recorded again is supported again. Returns it and whether it is new.
    pub async fn record_release(
        &self,
        pacticipant: &str,
        version: &str,
        environment: EnvironmentKey<'_>,
    ) -> Result<(ReleasedVersion, bool)> {
        check_required(&[
            ("pacticipant", pacticipant),
            ("version", version),
            ("environment", key_text(environment)),
        ])?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (_, version, environment) =
                version_and_environment(conn, pacticipant, version, environment).await?;
            let (uuid, created) = store::record_release(conn, &version, environment.id).await?;
            Ok((released_by_uuid(conn, &uuid).await?, created))
        })
        .await
    }

    /// Records that one release is no longer supported; it is returned as it
    /// is now. Ending support twice changes nothing.
    pub async fn end_support(&self, uuid: &str) -> Result<ReleasedVersion> {
        let mut conn = self.store.conn().await?;
        let released = released_by_uuid(&mut conn, uuid).await?;
        if !released.currently_supported {
            return Ok(released);
        }
        store::record_support_ended(&mut conn, uuid).await?;
        released_by_uuid(&mut conn, uuid).await
    }

    /// Records that a version's release to an environment is no longer
    /// supported. NOT_FOUND when it is not currently supported there.
    pub async fn record_support_ended(
        &self,
        pacticipant: &str,
        version: &str,
        environment: EnvironmentKey<'_>,
    ) -> Result<ReleasedVersion> {
        check_required(&[
            ("pacticipant", pacticipant),
            ("version", version),
            ("environment", key_text(environment)),
        ])?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (pacticipant, version, environment) =
                version_and_environment(conn, pacticipant, version, environment).await?;
            let filter = Filter {
                current: true,
                environment_id: Some(environment.id),
                version_id: Some(version.id),
                ..Filter::default()
            };
            let Some((row, _, _)) = store::released(conn, &filter, None).await?.pop() else {
                return Err(Error::NotFound(format!(
                    "Version '{}' of pacticipant '{}' is not currently supported in environment '{}'",
                    version.number, pacticipant.name, environment.name
                )));
            };
            store::record_support_ended(conn, &row.uuid).await?;
            released_by_uuid(conn, &row.uuid).await
        })
        .await
    }

    pub async fn get_deployed_version(&self, uuid: &str) -> Result<DeployedVersion> {
        let mut conn = self.store.conn().await?;
        deployed_by_uuid(&mut conn, uuid).await
    }

    pub async fn get_released_version(&self, uuid: &str) -> Result<ReleasedVersion> {
        let mut conn = self.store.conn().await?;
        released_by_uuid(&mut conn, uuid).await
    }

    /// The versions currently deployed, newest deployment first: all of
    /// them, or a page and whether more follow. NOT_FOUND for an unknown
    /// environment; unknown pacticipants and versions match nothing.
    pub async fn currently_deployed(
        &self,
        query: PlaceQuery<'_>,
        page: Option<Page>,
    ) -> Result<(Vec<DeployedVersion>, bool)> {
        let mut conn = self.store.conn().await?;
        let environment_id = match query.environment {
            Some(key) => Some(environments::existing(&mut conn, key).await?.id),
            None => None,
        };
        let filter = Filter {
            current: true,
            environment_id,
            pacticipant: query.pacticipant,
            version: query.version,
            application_instance: query
                .application_instance
                .map(|i| Some(i).filter(|i| !i.is_empty())),
            ..Filter::default()
        };
        let mut rows = store::deployed(&mut conn, &filter, page).await?;
        let more = trim_page(&mut rows, page);
        Ok((describe_deployed(&mut conn, rows).await?, more))
    }

    /// The versions released and still supported, newest release first,
    /// as [`Broker::currently_deployed`].
    pub async fn currently_supported(
        &self,
        query: PlaceQuery<'_>,
        page: Option<Page>,
    ) -> Result<(Vec<ReleasedVersion>, bool)> {
        let mut conn = self.store.conn().await?;
        let environment_id = match query.environment {
            Some(key) => Some(environments::existing(&mut conn, key).await?.id),
            None => None,
        };
        let filter = Filter {
            current: true,
            environment_id,
            pacticipant: query.pacticipant,
            version: query.version,
            ..Filter::default()
        };
        let mut rows = store::released(&mut conn, &filter, page).await?;
        let more = trim_page(&mut rows, page);
        Ok((describe_released(&mut conn, rows).await?, more))
    }

    /// Every deployment of a version to an environment, current or not,
    /// newest first.
    pub async fn deployments_of_version(
        &self,
        pacticipant: &str,
        version: &str,
        environment: EnvironmentKey<'_>,
    ) -> Result<(Environment, Vec<DeployedVersion>)> {
        let mut conn = self.store.conn().await?;
        let (_, version, environment) =
            version_and_environment(&mut conn, pacticipant, version, environment).await?;
        let filter = Filter {
            environment_id: Some(environment.id),
            version_id: Some(version.id),
            ..Filter::default()
        };
        let rows = store::deployed(&mut conn, &filter, None).await?;
        Ok((
            environments::describe(environment),
            describe_deployed(&mut conn, rows).await?,
        ))
    }

    /// The release of a version to an environment, if recorded.
    pub async fn releases_of_version(
        &self,
        pacticipant: &str,
        version: &str,
        environment: EnvironmentKey<'_>,
    ) -> Result<(Environment, Vec<ReleasedVersion>)> {
        let mut conn = self.store.conn().await?;
        let (_, version, environment) =
            version_and_environment(&mut conn, pacticipant, version, environment).await?;
        let filter = Filter {
            environment_id: Some(environment.id),
            version_id: Some(version.id),
            ..Filter::default()
        };
        let rows = store::released(&mut conn, &filter, None).await?;
        Ok((
            environments::describe(environment),
            describe_released(&mut conn, rows).await?,
        ))
    }

    /// The deployments and releases, current or not, of some versions of a
    /// pacticipant: what a listing of versions links to.
    pub async fn places_of_versions(
        &self,
        pacticipant: &str,
        numbers: &[String],
    ) -> Result<(Vec<DeployedVersion>, Vec<ReleasedVersion>)> {
        let mut conn = self.store.conn().await?;
        let filter = Filter {
            pacticipant: Some(pacticipant),
            versions: Some(numbers),
            ..Filter::default()
        };
        let deployed = store::deployed(&mut conn, &filter, None).await?;
        let released = store::released(&mut conn, &filter, None).await?;
        Ok((
            describe_deployed(&mut conn, deployed).await?,
            describe_released(&mut conn, released).await?,
        ))
    }

    /// Every environment, and the deployments and releases of one version.
    pub async fn version_places(&self, pacticipant: &str, version: &str) -> Result<VersionPlaces> {
        let mut conn = self.store.conn().await?;
        let pacticipant = existing_pacticipant(&mut conn, pacticipant).await?;
        let version = existing_version(&mut conn, &pacticipant, version).await?;
        let environments =
            environment_store::list(&mut conn, environment_store::Order::DisplayName, None)
                .await?
                .into_iter()
                .map(environments::describe)
                .collect();
        let filter = Filter {
            version_id: Some(version.id),
            ..Filter::default()
        };
        let deployed = store::deployed(&mut conn, &filter, None).await?;
        let released = store::released(&mut conn, &filter, None).await?;
        Ok(VersionPlaces {
            pacticipant: pacticipant.name,
            version: version.number,
            environments,
            deployed: describe_deployed(&mut conn, deployed).await?,
            released: describe_released(&mut conn, released).await?,
        })
    }
}

fn key_text(key: EnvironmentKey<'_>) -> &str {
    match key {
        EnvironmentKey::Uuid(text) | EnvironmentKey::Name(text) => text,
    }
}
