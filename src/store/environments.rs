//! Environments: where versions are deployed or released.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use super::schema::environments;
use crate::error::Result;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = environments, check_for_backend(diesel::pg::Pg))]
pub struct EnvironmentRow {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub display_name: Option<String>,
    pub production: bool,
}

/// Creates an environment with a new uuid.
pub async fn insert(
    conn: &mut Conn,
    name: &str,
    display_name: Option<&str>,
    production: bool,
) -> Result<EnvironmentRow> {
    Ok(diesel::insert_into(environments::table)
        .values((
            environments::uuid.eq(uuid::Uuid::new_v4().to_string()),
            environments::name.eq(name),
            environments::display_name.eq(display_name),
            environments::production.eq(production),
        ))
        .returning(EnvironmentRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The environments with these names.
pub async fn find_by_names(conn: &mut Conn, names: &[String]) -> Result<Vec<EnvironmentRow>> {
    Ok(environments::table
        .filter(environments::name.eq_any(names))
        .select(EnvironmentRow::as_select())
        .load(conn)
        .await?)
}
