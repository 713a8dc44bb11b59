//! Pacticipants and labels: `/pacticipants`, `/pacticipants/{p}`,
//! `/pacticipants/{p}/labels/{l}`, `/pacticipants/label/{l}`, `/labels`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::pacticipants::{LabelView, LabelsView, PacticipantView, PacticipantsView};
use super::{AppState, JsonBody, PageQuery, Path, Query, created_or_ok, hal_response};
use crate::error::{Error, Result};
use crate::links::paths;
use crate::service::deployments::{DeployedVersion, PlaceQuery};
use crate::service::{Pacticipant, PacticipantDetails, PacticipantPatch};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::PACTICIPANTS, get(list).post(create))
        .route(
            paths::PACTICIPANT,
            get(show).put(replace).patch(patch).delete(delete),
        )
        .route(paths::PACTICIPANTS_WITH_LABEL, get(list_with_label))
        .route(
            paths::LABEL,
            document(get(show_label).put(add_label).delete(remove_label)),
        )
        .route(paths::LABELS, get(labels))
}

/// The JSON fields of a pacticipant create, PUT or PATCH.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PacticipantBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    main_branch: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    repository_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    repository_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    repository_namespace: Option<Option<String>>,
}

/// Distinguishes a key given as `null` (clear) from a missing key (keep).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl PacticipantBody {
    /// A merge patch: only the keys present change.
    fn merge_patch(self) -> PacticipantPatch {
        PacticipantPatch {
            display_name: self.display_name,
            main_branch: self.main_branch,
            repository_url: self.repository_url,
            repository_name: self.repository_name,
            repository_namespace: self.repository_namespace,
        }
    }

    /// A replacement: keys not present are cleared.
    fn replacement(self) -> PacticipantPatch {
        PacticipantPatch::replace_all(PacticipantDetails {
            display_name: self.display_name.flatten(),
            main_branch: self.main_branch.flatten(),
            repository_url: self.repository_url.flatten(),
            repository_name: self.repository_name.flatten(),
            repository_namespace: self.repository_namespace.flatten(),
        })
    }

    /// The name in the body must match the path when both are given.
    fn check_name(&self, path_name: &str) -> Result<()> {
        match &self.name {
            Some(name) if name != path_name => Err(Error::invalid(
                "name",
                format!("'{name}' does not match the name in the path ('{path_name}')"),
            )),
            _ => Ok(()),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    base: Base,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state.broker.list_pacticipants(None, query.page()?).await?;
    // Also the deprecated top-level `pacticipants` array.
    Ok(hal_response(
        StatusCode::OK,
        PacticipantsView::new(&base, base.pacticipants(), &listed, true),
    ))
}

async fn list_with_label(
    State(state): State<AppState>,
    base: Base,
    Path(label): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state
        .broker
        .list_pacticipants(Some(&label), query.page()?)
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        PacticipantsView::new(&base, base.pacticipants_with_label(&label), &listed, false),
    ))
}

async fn create(
    State(state): State<AppState>,
    base: Base,
    JsonBody(body): JsonBody<PacticipantBody>,
) -> Result<Response> {
    let name = body
        .name
        .clone()
        .ok_or_else(|| Error::invalid("name", "is required"))?;
    let created = state
        .broker
        .create_pacticipant(&name, body.merge_patch())
        .await?;
    let location = base.pacticipant(&created.name);
    Ok(created_or_ok(
        true,
        location,
        PacticipantView::new(&base, &created),
    ))
}

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path(name): Path<String>,
) -> Result<Response> {
    let found = state.broker.get_pacticipant(&name).await?;
    let deployed = deployed_now(&state, &found).await?;
    Ok(hal_response(
        StatusCode::OK,
        PacticipantView::new(&base, &found).with_deployed(&base, &deployed),
    ))
}

async fn replace(
    State(state): State<AppState>,
    base: Base,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<PacticipantBody>,
) -> Result<Response> {
    body.check_name(&name)?;
    upsert(&state, &base, &name, body.replacement()).await
}

async fn patch(
    State(state): State<AppState>,
    base: Base,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<PacticipantBody>,
) -> Result<Response> {
    body.check_name(&name)?;
    upsert(&state, &base, &name, body.merge_patch()).await
}

/// Applies a PUT or PATCH, creating the pacticipant when missing.
async fn upsert(
    state: &AppState,
    base: &Base,
    name: &str,
    patch: PacticipantPatch,
) -> Result<Response> {
    let (p, created) = state.broker.update_pacticipant(name, patch, true).await?;
    let deployed = deployed_now(state, &p).await?;
    Ok(created_or_ok(
        created,
        base.pacticipant(&p.name),
        PacticipantView::new(base, &p).with_deployed(base, &deployed),
    ))
}

/// Where the versions of `p` are deployed now, which the pacticipant
/// resource links to.
async fn deployed_now(state: &AppState, p: &Pacticipant) -> Result<Vec<DeployedVersion>> {
    let query = PlaceQuery {
        pacticipant: Some(&p.name),
        ..PlaceQuery::default()
    };
    let (deployed, _) = state.broker.currently_deployed(query, None).await?;
    Ok(deployed)
}

async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode> {
    state.broker.delete_pacticipant(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn show_label(
    State(state): State<AppState>,
    base: Base,
    Path((p, label)): Path<(String, String)>,
) -> Result<Response> {
    state.broker.get_label(&p, &label).await?;
    Ok(hal_response(
        StatusCode::OK,
        LabelView::new(&base, &p, &label),
    ))
}

async fn add_label(
    State(state): State<AppState>,
    base: Base,
    Path((p, label)): Path<(String, String)>,
) -> Result<Response> {
    let (_, created) = state.broker.add_label(&p, &label).await?;
    let location = base.label(&p, &label);
    Ok(created_or_ok(
        created,
        location,
        LabelView::new(&base, &p, &label),
    ))
}

async fn remove_label(
    State(state): State<AppState>,
    Path((p, label)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.broker.remove_label(&p, &label).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn labels(
    State(state): State<AppState>,
    base: Base,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state.broker.list_labels(query.page()?).await?;
    Ok(hal_response(
        StatusCode::OK,
        LabelsView::new(&base, &listed),
    ))
}
