//! Environments: where versions are deployed or released.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use super::Conn;
use super::schema::environments;
use crate::domain::page::Page;
use crate::error::Result;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = environments, check_for_backend(diesel::pg::Pg))]
pub struct EnvironmentRow {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub display_name: Option<String>,
    pub production: bool,
    pub contacts: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of an environment a user sets.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = environments, treat_none_as_null = true)]
pub struct EnvironmentFields {
    pub name: String,
    pub display_name: Option<String>,
    pub production: bool,
    pub contacts: Option<Value>,
}

/// The order of a listing of environments.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// By name, as gRPC lists them.
    Name,
    /// By display name ignoring case, as the Pact Broker lists them.
    DisplayName,
}

pub async fn insert(
    conn: &mut Conn,
    uuid: &str,
    fields: &EnvironmentFields,
) -> Result<EnvironmentRow> {
    Ok(diesel::insert_into(environments::table)
        .values((environments::uuid.eq(uuid), fields))
        .returning(EnvironmentRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn update(
    conn: &mut Conn,
    id: i64,
    fields: &EnvironmentFields,
) -> Result<EnvironmentRow> {
    Ok(diesel::update(environments::table.find(id))
        .set((fields, environments::updated_at.eq(Utc::now())))
        .returning(EnvironmentRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Deletes an environment; its deployed and released versions go with it.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<()> {
    diesel::delete(environments::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_by_uuid(conn: &mut Conn, uuid: &str) -> Result<Option<EnvironmentRow>> {
    Ok(environments::table
        .filter(environments::uuid.eq(uuid))
        .select(EnvironmentRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_by_name(conn: &mut Conn, name: &str) -> Result<Option<EnvironmentRow>> {
    Ok(environments::table
        .filter(environments::name.eq(name))
        .select(EnvironmentRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The environments with these names.
pub async fn find_by_names(conn: &mut Conn, names: &[String]) -> Result<Vec<EnvironmentRow>> {
    Ok(environments::table
        .filter(environments::name.eq_any(names))
        .select(EnvironmentRow::as_select())
        .load(conn)
        .await?)
}

pub async fn find_by_ids(conn: &mut Conn, ids: &[i64]) -> Result<Vec<EnvironmentRow>> {
    Ok(environments::table
        .filter(environments::id.eq_any(ids))
        .select(EnvironmentRow::as_select())
        .load(conn)
        .await?)
}

/// Environments in `order`: all of them, or a page of them and one more,
/// so the caller knows whether another page follows.
pub async fn list(
    conn: &mut Conn,
    order: Order,
    page: Option<Page>,
) -> Result<Vec<EnvironmentRow>> {
    let mut query = environments::table
        .select(EnvironmentRow::as_select())
        .into_boxed();
    if let Some(page) = page {
        query = query.offset(page.offset).limit(page.size + 1);
    }
    let query = match order {
        Order::Name => query.order(environments::name),
        Order::DisplayName => query.order((
            diesel::dsl::sql::<diesel::sql_types::Text>("lower(coalesce(display_name, name))"),
            environments::name,
        )),
    };
    Ok(query.load(conn).await?)
}
