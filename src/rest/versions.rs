//! Versions, tags and branches under `/pacticipants/{p}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::document;
use super::hal::{self, Base};
use super::routes::Routes;
use super::views::environments::EnvironmentLink;
use super::{
    AppState, JsonBody, PageQuery, Path, Query, created_or_ok, hal as respond, pagination,
};
use crate::error::Result;
use crate::links::paths;
use crate::service::deployments::VersionPlaces;
use crate::service::versions::{TagUpdate, VersionInput};
use crate::service::{Branch, Listed, Tag, Version};

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

pub fn version_json(base: &Base, v: &Version) -> Value {
    let p = v.pacticipant.as_str();
    json!({
        "number": v.number,
        "buildUrl": v.build_url,
        "createdAt": hal::time(v.created_at),
        "_embedded": {
            "branchVersions": v.branches.iter().map(|b| json!({
                "name": b.name,
                "latest": b.latest,
                "_links": { "self": hal::named(base.branch_version(p, &b.name, &v.number), "Branch version", &b.name) },
            })).collect::<Vec<_>>(),
            "tags": v.tags.iter().map(|t| tag_json(base, t)).collect::<Vec<_>>(),
        },
        "_links": {
            "self": hal::named(base.version(p, &v.number), "Version", &v.number),
            "pb:pacticipant": hal::named(base.pacticipant(p), "Pacticipant", p),
            "pb:tag": hal::templated(base.template(paths::TAG, &[p, &v.number]), "Get, create or delete a tag for this pacticipant version"),
            "pb:latest-verification-results-where-pacticipant-is-consumer": hal::titled(base.verification_summary(p, &v.number), "Latest verification results for consumer version"),
        },
    })
}

fn tag_json(base: &Base, t: &Tag) -> Value {
    json!({
        "name": t.name,
        "latest": t.latest,
        "createdAt": hal::time(t.created_at),
        "_links": {
            "self": hal::named(base.tag(&t.pacticipant, &t.version, &t.name), "Tag", &t.name),
            // The Pact Broker's tag resource names these `version` and
            // `pacticipant`; the `pb:` forms are kept alongside.
            "version": hal::named(base.version(&t.pacticipant, &t.version), "Version", &t.version),
            "pacticipant": hal::named(base.pacticipant(&t.pacticipant), "Pacticipant", &t.pacticipant),
            "pb:version": hal::named(base.version(&t.pacticipant, &t.version), "Version", &t.version),
            "pb:pacticipant": hal::named(base.pacticipant(&t.pacticipant), "Pacticipant", &t.pacticipant),
        },
    })
}

fn branch_json(base: &Base, b: &Branch) -> Value {
    let mut links = json!({
        "self": hal::named(base.branch(&b.pacticipant, &b.name), "Branch", &b.name),
        "pb:versions": hal::titled(base.branch_versions(&b.pacticipant, &b.name), "Versions of this branch"),
        "pb:latest-version": hal::titled(base.branch_head(&b.pacticipant, &b.name), "Latest version of this branch"),
        "pb:pacticipant": hal::named(base.pacticipant(&b.pacticipant), "Pacticipant", &b.pacticipant),
    });
    if b.latest_version.is_none() {
        links.as_object_mut().map(|l| l.remove("pb:latest-version"));
    }
    json!({
        "name": b.name,
        "latestVersion": b.latest_version,
        "createdAt": hal::time(b.created_at),
        "updatedAt": hal::time(b.updated_at),
        "_links": links,
    })
}

/// The version resource's links to where the version is and can go.
fn add_version_places(base: &Base, version: &mut Value, places: &VersionPlaces) {
    let links = &mut version["_links"];
    links["pb:deployed-environments"] =
        json!(EnvironmentLink::deployed(base, &places.deployed, true));
    links["pb:released-environments"] = json!(EnvironmentLink::released(base, &places.released));
    links["pb:record-deployment"] = json!(EnvironmentLink::record(
        base,
        places,
        paths::VERSION_DEPLOYMENTS,
        "deployment"
    ));
    links["pb:record-release"] = json!(EnvironmentLink::record(
        base,
        places,
        paths::VERSION_RELEASES,
        "release"
    ));
}

/// A page of versions of `pacticipant`, each with where it was deployed
/// and released, as the Pact Broker lists them.
async fn versions_collection(
    state: &AppState,
    base: &Base,
    pacticipant: &str,
    href: String,
    listed: Listed<Version>,
) -> Result<Response> {
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::link(href);
    let numbers: Vec<String> = listed.items.iter().map(|v| v.number.clone()).collect();
    let (deployed, released) = state
        .broker
        .places_of_versions(pacticipant, &numbers)
        .await?;
    let versions: Vec<Value> = listed
        .items
        .iter()
        .map(|v| {
            let mut body = version_json(base, v);
            body["_links"]["pb:deployed-environments"] = json!(EnvironmentLink::deployed(
                base,
                deployed.iter().filter(|d| d.version == v.number),
                true,
            ));
            body["_links"]["pb:released-environments"] = json!(EnvironmentLink::released(
                base,
                released.iter().filter(|r| r.version == v.number)
            ));
            body
        })
        .collect();
    Ok(respond(
        StatusCode::OK,
        json!({
            "_embedded": { "versions": versions },
            "_links": links,
            "page": page,
        }),
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
    let mut body = version_json(&base, &version);
    let places = state.broker.version_places(&p, &v).await?;
    add_version_places(&base, &mut body, &places);
    Ok(respond(StatusCode::OK, body))
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
    let mut body = version_json(base, &version);
    let places = state.broker.version_places(p, v).await?;
    add_version_places(base, &mut body, &places);
    Ok(created_or_ok(created, base.version(p, v), body))
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
    Ok(respond(StatusCode::OK, version_json(&base, &version)))
}

async fn latest_tagged_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, tag)): Path<(String, String)>,
) -> Result<Response> {
    let version = state.broker.latest_version(&p, Some(&tag), None).await?;
    Ok(respond(StatusCode::OK, version_json(&base, &version)))
}

async fn show_tag(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, t)): Path<(String, String, String)>,
) -> Result<Response> {
    let tag = state.broker.get_tag(&p, &v, &t).await?;
    Ok(respond(StatusCode::OK, tag_json(&base, &tag)))
}

async fn put_tag(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, t)): Path<(String, String, String)>,
) -> Result<Response> {
    let (tag, created) = state.broker.add_tag(&p, &v, &t).await?;
    let location = base.tag(&p, &v, &t);
    Ok(created_or_ok(created, location, tag_json(&base, &tag)))
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
    let href = base.branches(&p);
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::link(href);
    Ok(respond(
        StatusCode::OK,
        json!({
            "_embedded": { "branches": listed.items.iter().map(|b| branch_json(&base, b)).collect::<Vec<_>>() },
            "_links": links,
            "page": page,
        }),
    ))
}

async fn show_branch(
    State(state): State<AppState>,
    base: Base,
    Path((p, b)): Path<(String, String)>,
) -> Result<Response> {
    let branch = state.broker.get_branch(&p, &b).await?;
    Ok(respond(StatusCode::OK, branch_json(&base, &branch)))
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
    Ok(respond(StatusCode::OK, version_json(&base, &version)))
}

fn branch_version_json(base: &Base, branch: &str, v: &Version) -> Value {
    let p = v.pacticipant.as_str();
    json!({
        "name": branch,
        "latest": v.branches.iter().any(|b| b.name == branch && b.latest),
        "_links": {
            "self": hal::named(base.branch_version(p, branch, &v.number), "Branch version", branch),
            "pb:branch": hal::named(base.branch(p, branch), "Branch", branch),
            "pb:version": hal::named(base.version(p, &v.number), "Version", &v.number),
        },
    })
}

async fn show_branch_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, b, v)): Path<(String, String, String)>,
) -> Result<Response> {
    let version = state.broker.get_branch_version(&p, &b, &v).await?;
    Ok(respond(
        StatusCode::OK,
        branch_version_json(&base, &b, &version),
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
        branch_version_json(&base, &b, &version),
    ))
}

async fn delete_branch_version(
    State(state): State<AppState>,
    Path((p, b, v)): Path<(String, String, String)>,
) -> Result<StatusCode> {
    state.broker.remove_branch_version(&p, &b, &v).await?;
    Ok(StatusCode::NO_CONTENT)
}
