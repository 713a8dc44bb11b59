//! Environments: the places versions are deployed or released to.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::{Map, Value, json};

use super::Broker;
use crate::domain::page::Page;
use crate::domain::{json, names};
use crate::error::{Error, Result, Violations};
use crate::store::Conn;
use crate::store::environments::{self as store, EnvironmentFields, EnvironmentRow, Order};

#[derive(Debug, Clone)]
pub struct Environment {
    pub uuid: String,
    pub name: String,
    /// Given, or derived from the name when not.
    pub display_name: String,
    pub production: bool,
    /// `None` when never given, which the Pact Broker omits.
    pub contacts: Option<Vec<Contact>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A person or team responsible for an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub name: String,
    /// Free-form details, such as `{"email": "..."}`.
    pub details: Option<Map<String, Value>>,
}

/// What a user gives for an environment. Required fields are options so a
/// missing one is reported with the others.
#[derive(Debug, Default, Clone)]
pub struct EnvironmentInput {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub production: Option<bool>,
    pub contacts: Option<Vec<Contact>>,
}

/// A change to an environment: `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct EnvironmentPatch {
    pub name: Option<String>,
    /// `Some(None)` clears it, so it is derived from the name again.
    pub display_name: Option<Option<String>>,
    pub production: Option<bool>,
    pub contacts: Option<Option<Vec<Contact>>>,
}

impl EnvironmentPatch {
    /// A patch that sets every field, clearing those not given (a PUT).
    pub fn replace_all(input: EnvironmentInput) -> Result<Self> {
        let mut violations = Violations::default();
        if input.name.is_none() {
            violations.add("name", "is missing");
        }
        if input.production.is_none() {
            violations.add("production", "is missing");
        }
        violations.into_result()?;
        Ok(EnvironmentPatch {
            name: input.name,
            display_name: Some(input.display_name),
            production: input.production,
            contacts: Some(input.contacts),
        })
    }
}

/// How a caller names an environment: REST by uuid, gRPC by either.
#[derive(Debug, Clone, Copy)]
pub enum EnvironmentKey<'a> {
    Uuid(&'a str),
    Name(&'a str),
}

pub(crate) fn describe(row: EnvironmentRow) -> Environment {
    let contacts = row.contacts.and_then(|value| {
        let Value::Array(items) = value else {
            return None;
        };
        Some(
            items
                .into_iter()
                .map(|item| Contact {
                    name: item["name"].as_str().unwrap_or_default().to_owned(),
                    details: item.get("details").and_then(Value::as_object).cloned(),
                })
                .collect(),
        )
    });
    Environment {
        display_name: row
            .display_name
            .unwrap_or_else(|| names::display_name(&row.name)),
        uuid: row.uuid,
        name: row.name,
        production: row.production,
        contacts,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The environment `key` names, or NOT_FOUND.
pub(crate) async fn existing(conn: &mut Conn, key: EnvironmentKey<'_>) -> Result<EnvironmentRow> {
    let found = match key {
        EnvironmentKey::Uuid(uuid) if names::can_exist(uuid) => {
            store::find_by_uuid(conn, uuid).await?
        }
        EnvironmentKey::Name(name) if names::can_exist(name) => {
            store::find_by_name(conn, name).await?
        }
        _ => None,
    };
    found.ok_or_else(|| match key {
        EnvironmentKey::Uuid(uuid) => {
            Error::NotFound(format!("No environment with uuid '{uuid}' found"))
        }
        EnvironmentKey::Name(name) => {
            Error::NotFound(format!("No environment with name '{name}' found"))
        }
    })
}

fn check_fields(
    violations: &mut Violations,
    name: Option<&str>,
    display_name: Option<&str>,
    contacts: Option<&[Contact]>,
) {
    if let Some(name) = name {
        violations.check("name", names::environment(name).map(drop));
    }
    if let Some(display_name) = display_name {
        if display_name.contains(['\n', '\r']) {
            violations.add("display_name", "cannot contain a new line");
        } else {
            violations.check("display_name", names::text(display_name).map(drop));
        }
    }
    for (i, contact) in contacts.into_iter().flatten().enumerate() {
        violations.check(
            &format!("contacts[{i}].name"),
            names::single_line(&contact.name).map(drop),
        );
        if let Some(details) = &contact.details {
            violations.check(
                &format!("contacts[{i}].details"),
                json::storable(&Value::Object(details.clone())),
            );
        }
    }
}

fn contacts_json(contacts: Option<Vec<Contact>>) -> Option<Value> {
    contacts.map(|contacts| {
        Value::Array(
            contacts
                .into_iter()
                .map(|c| match c.details {
                    Some(details) => json!({ "name": c.name, "details": details }),
                    None => json!({ "name": c.name }),
                })
                .collect(),
        )
    })
}

/// The stored display name: the given one, else the one derived from the
/// name, as the Pact Broker stores it.
fn stored_display_name(name: &str, given: Option<String>) -> String {
    given
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| names::display_name(name))
}

fn name_taken(name: &str) -> Error {
    Error::AlreadyExists(format!("An environment with name '{name}' already exists"))
}

impl Broker {
    /// Creates an environment with `uuid`, or a new one when `None`.
    pub async fn create_environment(
        &self,
        uuid: Option<&str>,
        input: EnvironmentInput,
    ) -> Result<Environment> {
        let mut violations = Violations::default();
        if input.name.is_none() {
            violations.add("name", "is missing");
        }
        if input.production.is_none() {
            violations.add("production", "is missing");
        }
        if let Some(uuid) = uuid {
            violations.check("uuid", check_uuid(uuid));
        }
        check_fields(
            &mut violations,
            input.name.as_deref(),
            input.display_name.as_deref(),
            input.contacts.as_deref(),
        );
        violations.into_result()?;
        let name = input.name.expect("checked above");
        let uuid = uuid.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let fields = EnvironmentFields {
            display_name: Some(stored_display_name(&name, input.display_name)),
            production: input.production.expect("checked above"),
            contacts: contacts_json(input.contacts),
            name,
        };
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            if store::find_by_name(conn, &fields.name).await?.is_some() {
                return Err(name_taken(&fields.name));
            }
            if store::find_by_uuid(conn, &uuid).await?.is_some() {
                return Err(Error::AlreadyExists(format!(
                    "An environment with uuid '{uuid}' already exists"
                )));
            }
            Ok(describe(store::insert(conn, &uuid, &fields).await?))
        })
        .await
    }

    pub async fn get_environment(&self, key: EnvironmentKey<'_>) -> Result<Environment> {
        let mut conn = self.store.conn().await?;
        Ok(describe(existing(&mut conn, key).await?))
    }

    /// Environments by display name (the Pact Broker's order, `page`
    /// `None`: all of them) or a page of them by name (gRPC).
    pub async fn list_environments(&self, page: Option<Page>) -> Result<(Vec<Environment>, bool)> {
        let mut conn = self.store.conn().await?;
        let order = if page.is_some() {
            Order::Name
        } else {
            Order::DisplayName
        };
        let mut rows = store::list(&mut conn, order, page).await?;
        let more = trim_page(&mut rows, page);
        Ok((rows.into_iter().map(describe).collect(), more))
    }

    /// Changes the environment with `uuid`. NOT_FOUND is checked before the
    /// fields, as the Pact Broker does.
    pub async fn update_environment(
        &self,
        uuid: &str,
        patch: EnvironmentPatch,
    ) -> Result<Environment> {
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let row = existing(conn, EnvironmentKey::Uuid(uuid)).await?;
            let mut violations = Violations::default();
            check_fields(
                &mut violations,
                patch.name.as_deref(),
                patch.display_name.as_ref().and_then(Option::as_deref),
                patch.contacts.as_ref().and_then(Option::as_deref),
            );
            violations.into_result()?;
            let name = patch.name.unwrap_or(row.name);
            if let Some(other) = store::find_by_name(conn, &name).await?
                && other.id != row.id
            {
                return Err(name_taken(&name));
            }
            let display_name = match patch.display_name {
                Some(given) => given,
                None => row.display_name,
            };
            let contacts = match patch.contacts {
                Some(given) => contacts_json(given),
                None => row.contacts,
            };
            let fields = EnvironmentFields {
                display_name: Some(stored_display_name(&name, display_name)),
                production: patch.production.unwrap_or(row.production),
                contacts,
                name,
            };
            Ok(describe(store::update(conn, row.id, &fields).await?))
        })
        .await
    }

    /// Deletes an environment with its deployed and released versions.
    pub async fn delete_environment(&self, key: EnvironmentKey<'_>) -> Result<()> {
        let mut conn = self.store.conn().await?;
        let row = existing(&mut conn, key).await?;
        store::delete(&mut conn, row.id).await
    }
}

/// Client-chosen uuids (gRPC) are single path segments of REST URLs.
fn check_uuid(uuid: &str) -> Result<(), String> {
    if uuid.is_empty()
        || uuid.len() > 64
        || !uuid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("must be 1 to 64 letters, digits, '-' or '_'".into());
    }
    Ok(())
}

/// Drops the extra item a paged listing read ahead; whether more follow.
pub(crate) fn trim_page<T>(items: &mut Vec<T>, page: Option<Page>) -> bool {
    match page {
        Some(page) if items.len() as i64 > page.size => {
            items.truncate(page.size as usize);
            true
        }
        _ => false,
    }
}
