//! Versions, tags and branches under `/pacticipants/{p}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::versions::{
    BranchVersionView, BranchView, BranchesView, TagView, VersionView, VersionsView,
};
use super::{AppState, JsonBody, PageQuery, Path, Query, created_or_ok, hal_response};
use crate::error::Result;
use crate::links::paths;
use crate::service::versions::{TagUpdate, VersionInput};
use crate::service::{Listed, Version};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::VERSIONS, get(list_versions))
        .route(
            paths::VERSION,
            document(
                get(show_version)
                    .put(put_version)
                    .patch(patch_version)
                    .delete(delete_version),
            ),
        )
        .route(paths::LATEST_VERSION, document(get(latest_version)))
        .route(
            paths::LATEST_TAGGED_VERSION,
            document(get(latest_tagged_version)),
        )
        .route(
            paths::TAG,
            document(get(show_tag).put(put_tag).delete(delete_tag)),
        )
        .route(paths::BRANCHES, get(list_branches))
        .route(
            paths::BRANCH,
            document(get(show_branch).delete(delete_branch)),
        )
        .route(paths::BRANCH_VERSIONS, document(get(list_branch_versions)))
        .route(paths::BRANCH_HEAD, document(get(branch_head)))
        .route(
            paths::BRANCH_VERSION,
            document(
                get(show_branch_version)
                    .put(put_branch_version)
                    .delete(delete_branch_version),
            ),
        )
}

/// A page of versions of `pacticipant`, each with where it was deployed
/// and released.
async fn versions_collection(
    state: &AppState,
    base: &Base,
    pacticipant: &str,
    href: String,
    listed: Listed<Version>,
) -> Result<Response> {
    let numbers: Vec<String> = listed.items.iter().map(|v| v.number.clone()).collect();
    let (deployed, released) = state
        .broker
        .places_of_versions(pacticipant, &numbers)
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        VersionsView::new(base, href, &listed, &deployed, &released),
    ))
}

async fn list_versions(
    State(state): State<AppState>,
    base: Base,
    Path(p): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state
        .broker
        .list_versions(&p, None, None, query.page()?)
        .await?;
    versions_collection(&state, &base, &p, base.versions(&p), listed).await
}

async fn show_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v)): Path<(String, String)>,
) -> Result<Response> {
    let version = state.broker.get_version(&p, &v).await?;
    let places = state.broker.version_places(&p, &v).await?;
    Ok(hal_response(
        StatusCode::OK,
        VersionView::new(&base, &version).with_places(&base, &places),
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct VersionBody {
    build_url: Option<String>,
    branch: Option<String>,
    #[serde(default)]
    tags: Option<Vec<TagBody>>,
}

impl VersionBody {
    /// A body with `tags` (even `[]`) replaces the version's tags, on PUT
    /// and PATCH alike; without it they stay.
    fn tag_update(&self) -> TagUpdate {
        match self.tags {
            Some(_) => TagUpdate::Replace,
            None => TagUpdate::Add,
        }
    }
}

#[derive(Deserialize)]
struct TagBody {
    name: String,
}

impl From<VersionBody> for VersionInput {
    fn from(body: VersionBody) -> Self {
        VersionInput {
            build_url: body.build_url,
            branch: body.branch,
            tags: body.tags.into_iter().flatten().map(|t| t.name).collect(),
            overwrite: false,
        }
    }
}

async fn put_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v)): Path<(String, String)>,
    JsonBody(body): JsonBody<VersionBody>,
) -> Result<Response> {
    // PUT overwrites: a missing build URL clears the stored one.
    save_version(&state, &base, &p, &v, body, true).await
}

async fn patch_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v)): Path<(String, String)>,
    JsonBody(body): JsonBody<VersionBody>,
) -> Result<Response> {
    // A merge: a missing build URL keeps the stored one.
    save_version(&state, &base, &p, &v, body, false).await
}

async fn save_version(
    state: &AppState,
    base: &Base,
    p: &str,
    v: &str,
    body: VersionBody,
    overwrite: bool,
) -> Result<Response> {
    let tag_update = body.tag_update();
    let input = VersionInput {
        overwrite,
        ..body.into()
    };
    let (version, created) = state.broker.put_version(p, v, input, tag_update).await?;
    let places = state.broker.version_places(p, v).await?;
    Ok(created_or_ok(
        created,
        base.version(p, v),
        VersionView::new(base, &version).with_places(base, &places),
    ))
}

async fn delete_version(
    State(state): State<AppState>,
    Path((p, v)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.broker.delete_version(&p, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn latest_version(
    State(state): State<AppState>,
    base: Base,
    Path(p): Path<String>,
) -> Result<Response> {
    let version = state.broker.latest_version(&p, None, None).await?;
    Ok(hal_response(
        StatusCode::OK,
        VersionView::new(&base, &version),
    ))
}

async fn latest_tagged_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, tag)): Path<(String, String)>,
) -> Result<Response> {
    let version = state.broker.latest_version(&p, Some(&tag), None).await?;
    Ok(hal_response(
        StatusCode::OK,
        VersionView::new(&base, &version),
    ))
}

async fn show_tag(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, t)): Path<(String, String, String)>,
) -> Result<Response> {
    let tag = state.broker.get_tag(&p, &v, &t).await?;
    Ok(hal_response(StatusCode::OK, TagView::new(&base, &tag)))
}

async fn put_tag(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, t)): Path<(String, String, String)>,
) -> Result<Response> {
    let (tag, created) = state.broker.add_tag(&p, &v, &t).await?;
    let location = base.tag(&p, &v, &t);
    Ok(created_or_ok(created, location, TagView::new(&base, &tag)))
}

async fn delete_tag(
    State(state): State<AppState>,
    Path((p, v, t)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    state.broker.remove_tag(&p, &v, &t).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_branches(
    State(state): State<AppState>,
    base: Base,
    Path(p): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let listed = state.broker.list_branches(&p, query.page()?).await?;
    Ok(hal_response(
        StatusCode::OK,
        BranchesView::new(&base, base.branches(&p), &listed),
    ))
}

async fn show_branch(
    State(state): State<AppState>,
    base: Base,
    Path((p, b)): Path<(String, String)>,
) -> Result<Response> {
    let branch = state.broker.get_branch(&p, &b).await?;
    Ok(hal_response(
        StatusCode::OK,
        BranchView::new(&base, &branch),
    ))
}

async fn delete_branch(
    State(state): State<AppState>,
    Path((p, b)): Path<(String, String)>,
) -> Result<StatusCode> {
    state.broker.delete_branch(&p, &b).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_branch_versions(
    State(state): State<AppState>,
    base: Base,
    Path((p, b)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    state.broker.get_branch(&p, &b).await?;
    let listed = state
        .broker
        .list_versions(&p, Some(&b), None, query.page()?)
        .await?;
    versions_collection(&state, &base, &p, base.branch_versions(&p, &b), listed).await
}

async fn branch_head(
    State(state): State<AppState>,
    base: Base,
    Path((p, b)): Path<(String, String)>,
) -> Result<Response> {
    let version = state.broker.latest_version(&p, None, Some(&b)).await?;
    Ok(hal_response(
        StatusCode::OK,
        VersionView::new(&base, &version),
    ))
}

async fn show_branch_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, b, v)): Path<(String, String, String)>,
) -> Result<Response> {
    let version = state.broker.get_branch_version(&p, &b, &v).await?;
    Ok(hal_response(
        StatusCode::OK,
        BranchVersionView::new(&base, &b, &version),
    ))
}

async fn put_branch_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, b, v)): Path<(String, String, String)>,
) -> Result<Response> {
    let (version, created) = state.broker.add_branch_version(&p, &b, &v).await?;
    let location = base.branch_version(&p, &b, &v);
    Ok(created_or_ok(
        created,
        location,
        BranchVersionView::new(&base, &b, &version),
    ))
}

async fn delete_branch_version(
    State(state): State<AppState>,
    Path((p, b, v)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    state.broker.remove_branch_version(&p, &b, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}
