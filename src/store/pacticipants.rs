//! Pacticipant and label queries.

use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use diesel_async::RunQueryDsl;

use super::models::{PacticipantFields, PacticipantRow};
use super::schema::{labels, pacticipants};
use super::{Conn, KeepPrepared};
use crate::domain::page::Page;
use crate::error::Result;

pub async fn find(conn: &mut Conn, name: &str) -> Result<Option<PacticipantRow>> {
    Ok(pacticipants::table
        .filter(pacticipants::name.eq(name))
        .select(PacticipantRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Inserts a pacticipant; `None` when the name is taken.
pub async fn insert(
    conn: &mut Conn,
    name: &str,
    fields: &PacticipantFields,
) -> Result<Option<PacticipantRow>> {
    Ok(diesel::insert_into(pacticipants::table)
        .values((pacticipants::name.eq(name), fields))
        .on_conflict(pacticipants::name)
        .do_nothing()
        .returning(PacticipantRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// The pacticipant named `name`, created when missing; true when created.
pub async fn find_or_create(conn: &mut Conn, name: &str) -> Result<(PacticipantRow, bool)> {
    Ok(find_or_create_all(conn, &[name])
        .await?
        .pop()
        .expect("one name in, one pacticipant out"))
}

/// The pacticipants named `names`, in that order, each created when
/// missing (true when created): one statement whatever the number.
pub async fn find_or_create_all(
    conn: &mut Conn,
    names: &[&str],
) -> Result<Vec<(PacticipantRow, bool)>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(embed)]
        pacticipant: PacticipantRow,
        #[diesel(sql_type = Bool)]
        created: bool,
    }
    // Only missing names are inserted, so a publish of known pacticipants
    // writes nothing; in name order, so two requests creating the same
    // pacticipants cannot deadlock.
    let found: Vec<Found> = diesel::sql_query(
        "WITH found AS (SELECT * FROM pacticipants WHERE name = ANY($1)), \
         created AS ( \
             INSERT INTO pacticipants (name) \
             SELECT DISTINCT n FROM unnest($1::text[]) AS n \
             WHERE n NOT IN (SELECT name FROM found) ORDER BY n \
             ON CONFLICT (name) DO NOTHING RETURNING *) \
         SELECT *, false AS created FROM found UNION ALL SELECT *, true FROM created",
    )
    .bind::<Array<Text>, _>(names)
    .prepared()
    .load(conn)
    .await?;
    let mut rows = Vec::with_capacity(names.len());
    for name in names {
        let row = match found.iter().find(|f| f.pacticipant.name == *name) {
            Some(f) => (f.pacticipant.clone(), f.created),
            // Created by a request that committed after this statement
            // began, so only a new statement sees it.
            None => (
                find(conn, name)
                    .await?
                    .ok_or(diesel::result::Error::NotFound)?,
                false,
            ),
        };
        rows.push(row);
    }
    Ok(rows)
}

pub async fn update(
    conn: &mut Conn,
    id: i64,
    fields: &PacticipantFields,
) -> Result<PacticipantRow> {
    Ok(diesel::update(pacticipants::table.find(id))
        .set((fields, pacticipants::updated_at.eq(diesel::dsl::now)))
        .returning(PacticipantRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sets the main branch of a pacticipant that has none; one statement, so
/// two requests cannot both set it.
pub async fn set_main_branch_if_unset(conn: &mut Conn, id: i64, branch: &str) -> Result<()> {
    diesel::update(
        pacticipants::table
            .find(id)
            .filter(pacticipants::main_branch.is_null()),
    )
    .set(pacticipants::main_branch.eq(branch))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<()> {
    diesel::delete(pacticipants::table.find(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// A page of pacticipants by name, optionally only those with a label, and
/// the total count.
pub async fn list(
    conn: &mut Conn,
    label: Option<&str>,
    page: Page,
) -> Result<(Vec<PacticipantRow>, i64)> {
    let filtered = || {
        let mut query = pacticipants::table.into_boxed();
        if let Some(label) = label {
            query = query.filter(
                pacticipants::id.eq_any(
                    labels::table
                        .filter(labels::name.eq(label.to_owned()))
                        .select(labels::pacticipant_id),
                ),
            );
        }
        query
    };
    let rows = filtered()
        .order(pacticipants::name.asc())
        .offset(page.offset)
        .limit(page.size)
        .select(PacticipantRow::as_select())
        .load(conn)
        .await?;
    let total = filtered().count().get_result(conn).await?;
    Ok((rows, total))
}

/// Labels of the given pacticipants as (pacticipant id, label), by name.
pub async fn labels_of(conn: &mut Conn, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    Ok(labels::table
        .filter(labels::pacticipant_id.eq_any(ids))
        .order((labels::pacticipant_id, labels::name))
        .select((labels::pacticipant_id, labels::name))
        .load(conn)
        .await?)
}

/// Attaches a label; true when it was not there before.
pub async fn add_label(conn: &mut Conn, pacticipant_id: i64, label: &str) -> Result<bool> {
    let inserted = diesel::insert_into(labels::table)
        .values((
            labels::pacticipant_id.eq(pacticipant_id),
            labels::name.eq(label),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Removes a label; false when the pacticipant did not have it.
pub async fn remove_label(conn: &mut Conn, pacticipant_id: i64, label: &str) -> Result<bool> {
    let deleted = diesel::delete(
        labels::table
            .filter(labels::pacticipant_id.eq(pacticipant_id))
            .filter(labels::name.eq(label)),
    )
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}

/// Distinct label names, sorted, a page at a time, and their count.
pub async fn label_names(conn: &mut Conn, page: Page) -> Result<(Vec<String>, i64)> {
    let names = labels::table
        .select(labels::name)
        .distinct()
        .order(labels::name)
        .offset(page.offset)
        .limit(page.size)
        .load(conn)
        .await?;
    let total = labels::table
        .select(diesel::dsl::count(labels::name).aggregate_distinct())
        .get_result(conn)
        .await?;
    Ok((names, total))
}
