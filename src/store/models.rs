//! Rows as the store reads them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::*;

#[derive(Queryable, QueryableByName, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = pacticipants, check_for_backend(diesel::pg::Pg))]
pub struct PacticipantRow {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub main_branch: Option<String>,
    pub repository_url: Option<String>,
    pub repository_name: Option<String>,
    pub repository_namespace: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The user-editable fields of a pacticipant.
#[derive(AsChangeset, Insertable, Default, Debug, Clone)]
#[diesel(table_name = pacticipants, treat_none_as_null = true)]
pub struct PacticipantFields {
    pub display_name: Option<String>,
    pub main_branch: Option<String>,
    pub repository_url: Option<String>,
    pub repository_name: Option<String>,
    pub repository_namespace: Option<String>,
}

#[derive(Queryable, QueryableByName, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = versions, check_for_backend(diesel::pg::Pg))]
pub struct VersionRow {
    pub id: i64,
    pub pacticipant_id: i64,
    pub number: String,
    pub build_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = branches, check_for_backend(diesel::pg::Pg))]
pub struct BranchRow {
    pub id: i64,
    pub pacticipant_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = tags, check_for_backend(diesel::pg::Pg))]
pub struct TagRow {
    pub id: i64,
    pub version_id: i64,
    pub pacticipant_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = pact_versions, check_for_backend(diesel::pg::Pg))]
pub struct PactVersionRow {
    pub id: i64,
    pub consumer_id: i64,
    pub provider_id: i64,
    pub sha: String,
    pub content: String,
    pub interactions_count: i32,
    pub messages_count: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = pact_publications, check_for_backend(diesel::pg::Pg))]
pub struct PactPublicationRow {
    pub id: i64,
    pub consumer_version_id: i64,
    pub consumer_id: i64,
    pub provider_id: i64,
    pub pact_version_id: i64,
    pub revision_number: i32,
    pub created_at: DateTime<Utc>,
}
