//! Pacticipants and labels.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::versions::{Version, describe_versions_of};
use super::{Broker, Listed, existing_pacticipant};
use crate::domain::names;
use crate::domain::page::Page;
use crate::error::{Error, Result, Violations};
use crate::store::models::{PacticipantFields, PacticipantRow};
use crate::store::{Conn, pacticipants as store, versions as version_store};

#[derive(Debug, Clone)]
pub struct Pacticipant {
    pub name: String,
    /// As given, else derived from the name, as the Pact Broker stores
    /// one whenever it is blank.
    pub display_name: String,
    pub main_branch: Option<String>,
    pub repository_url: Option<String>,
    pub repository_name: Option<String>,
    pub repository_namespace: Option<String>,
    pub labels: Vec<String>,
    pub latest_version: Option<Version>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a pacticipant a user sets, all of them (a PUT).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PacticipantDetails {
    pub display_name: Option<String>,
    pub main_branch: Option<String>,
    pub repository_url: Option<String>,
    pub repository_name: Option<String>,
    pub repository_namespace: Option<String>,
}

/// A change to a pacticipant's fields: `None` leaves a field alone,
/// `Some(None)` clears it.
#[derive(Debug, Default, Clone)]
pub struct PacticipantPatch {
    pub display_name: Option<Option<String>>,
    pub main_branch: Option<Option<String>>,
    pub repository_url: Option<Option<String>>,
    pub repository_name: Option<Option<String>>,
    pub repository_namespace: Option<Option<String>>,
}

impl PacticipantPatch {
    /// A patch that sets every field, clearing those not given (a PUT).
    pub fn replace_all(details: PacticipantDetails) -> Self {
        PacticipantPatch {
            display_name: Some(details.display_name),
            main_branch: Some(details.main_branch),
            repository_url: Some(details.repository_url),
            repository_name: Some(details.repository_name),
            repository_namespace: Some(details.repository_namespace),
        }
    }

    fn validate(&self) -> Result<()> {
        let mut violations = Violations::default();
        for (field, value) in [
            ("display_name", &self.display_name),
            ("repository_url", &self.repository_url),
            ("repository_name", &self.repository_name),
            ("repository_namespace", &self.repository_namespace),
        ] {
            if let Some(Some(value)) = value {
                violations.check(field, names::text(value).map(drop));
            }
        }
        if let Some(Some(branch)) = &self.main_branch {
            violations.check("main_branch", names::branch(branch).map(drop));
        }
        violations.into_result()
    }

    /// The fields after applying this patch to `base`.
    fn apply(self, base: PacticipantFields) -> PacticipantFields {
        PacticipantFields {
            display_name: self.display_name.unwrap_or(base.display_name),
            main_branch: self.main_branch.unwrap_or(base.main_branch),
            repository_url: self.repository_url.unwrap_or(base.repository_url),
            repository_name: self.repository_name.unwrap_or(base.repository_name),
            repository_namespace: self
                .repository_namespace
                .unwrap_or(base.repository_namespace),
        }
    }
}

fn fields_of(row: &PacticipantRow) -> PacticipantFields {
    PacticipantFields {
        display_name: row.display_name.clone(),
        main_branch: row.main_branch.clone(),
        repository_url: row.repository_url.clone(),
        repository_name: row.repository_name.clone(),
        repository_namespace: row.repository_namespace.clone(),
    }
}

/// Pacticipants with their labels and latest versions, a fixed number of
/// queries for the whole list.
async fn describe(conn: &mut Conn, rows: Vec<PacticipantRow>) -> Result<Vec<Pacticipant>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let labels = store::labels_of(conn, &ids).await?;
    let latest_rows = version_store::latest_of(conn, &ids).await?;
    let names: Vec<(i64, &str)> = rows.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut latest_versions = describe_versions_of(conn, latest_rows, |v| {
        names
            .iter()
            .find(|(id, _)| *id == v.pacticipant_id)
            .map_or("", |(_, name)| *name)
    })
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let latest = latest_versions
            .iter()
            .position(|v| v.pacticipant == row.name)
            .map(|i| latest_versions.swap_remove(i));
        out.push(Pacticipant {
            labels: labels
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, label)| label.clone())
                .collect(),
            latest_version: latest,
            display_name: row
                .display_name
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| names::display_name(&row.name)),
            name: row.name,
            main_branch: row.main_branch,
            repository_url: row.repository_url,
            repository_name: row.repository_name,
            repository_namespace: row.repository_namespace,
            created_at: row.created_at,
            updated_at: row.updated_at,
        });
    }
    Ok(out)
}

async fn describe_one(conn: &mut Conn, row: PacticipantRow) -> Result<Pacticipant> {
    Ok(describe(conn, vec![row])
        .await?
        .pop()
        .expect("one row in, one out"))
}

impl Broker {
    /// Creates a pacticipant; ALREADY_EXISTS when the name is taken.
    pub async fn create_pacticipant(
        &self,
        name: &str,
        patch: PacticipantPatch,
    ) -> Result<Pacticipant> {
        let mut violations = Violations::default();
        violations.check("name", names::single_line(name).map(drop));
        violations.into_result()?;
        patch.validate()?;
        let mut conn = self.store.conn().await?;
        let fields = patch.apply(PacticipantFields::default());
        let row = store::insert(&mut conn, name, &fields)
            .await?
            .ok_or_else(|| {
                Error::AlreadyExists(format!("A pacticipant with name '{name}' already exists"))
            })?;
        describe_one(&mut conn, row).await
    }

    pub async fn get_pacticipant(&self, name: &str) -> Result<Pacticipant> {
        let mut conn = self.store.conn().await?;
        let row = existing_pacticipant(&mut conn, name).await?;
        describe_one(&mut conn, row).await
    }

    pub async fn list_pacticipants(
        &self,
        label: Option<&str>,
        page: Page,
    ) -> Result<Listed<Pacticipant>> {
        if label.is_some_and(|label| !names::can_exist(label)) {
            // No pacticipant has such a label.
            return Ok(Listed {
                items: Vec::new(),
                total: 0,
                page,
            });
        }
        let mut conn = self.store.conn().await?;
        let (rows, total) = store::list(&mut conn, label, page).await?;
        let items = describe(&mut conn, rows).await?;
        Ok(Listed { items, total, page })
    }

    /// Applies `patch`; creates the pacticipant when `create` is set and it
    /// does not exist. Returns whether it was created.
    pub async fn update_pacticipant(
        &self,
        name: &str,
        patch: PacticipantPatch,
        create: bool,
    ) -> Result<(Pacticipant, bool)> {
        let mut violations = Violations::default();
        violations.check("name", names::single_line(name).map(drop));
        violations.into_result()?;
        patch.validate()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (row, created) = match store::find(conn, name).await? {
                Some(row) => (row, false),
                None if create => store::find_or_create(conn, name).await?,
                None => {
                    return Err(Error::NotFound(format!(
                        "No pacticipant with name '{name}' found"
                    )));
                }
            };
            let fields = patch.apply(fields_of(&row));
            let row = store::update(conn, row.id, &fields).await?;
            Ok((describe_one(conn, row).await?, created))
        })
        .await
    }

    pub async fn delete_pacticipant(&self, name: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        let row = existing_pacticipant(&mut conn, name).await?;
        store::delete(&mut conn, row.id).await
    }

    /// Labels a pacticipant, creating it when missing; true when new.
    pub async fn add_label(&self, pacticipant: &str, label: &str) -> Result<(Pacticipant, bool)> {
        let mut violations = Violations::default();
        violations.check("pacticipant", names::single_line(pacticipant).map(drop));
        violations.check("label", names::single_line(label).map(drop));
        violations.into_result()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let (row, _) = store::find_or_create(conn, pacticipant).await?;
            let created = store::add_label(conn, row.id, label).await?;
            Ok((describe_one(conn, row).await?, created))
        })
        .await
    }

    /// The pacticipant, if it has the label.
    pub async fn get_label(&self, pacticipant: &str, label: &str) -> Result<Pacticipant> {
        let found = self.get_pacticipant(pacticipant).await?;
        if found.labels.iter().any(|l| l == label) {
            Ok(found)
        } else {
            Err(label_not_found(pacticipant, label))
        }
    }

    pub async fn remove_label(&self, pacticipant: &str, label: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        let row = existing_pacticipant(&mut conn, pacticipant).await?;
        if names::can_exist(label) && store::remove_label(&mut conn, row.id, label).await? {
            Ok(())
        } else {
            Err(label_not_found(pacticipant, label))
        }
    }

    pub async fn list_labels(&self, page: Page) -> Result<Listed<String>> {
        let mut conn = self.store.conn().await?;
        let (items, total) = store::label_names(&mut conn, page).await?;
        Ok(Listed { items, total, page })
    }
}

fn label_not_found(pacticipant: &str, label: &str) -> Error {
    Error::NotFound(format!(
        "Pacticipant '{pacticipant}' has no label '{label}'"
    ))
}
