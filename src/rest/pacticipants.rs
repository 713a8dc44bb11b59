//! Pacticipants and labels: `/pacticipants`, `/pacticipants/{p}`,
//! `/pacticipants/{p}/labels/{l}`, `/pacticipants/label/{l}`, `/labels`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::document;
use super::hal::{self, Base};
use super::routes::Routes;
use super::versions::version_json;
use super::views::environments::EnvironmentLink;
use super::{
    AppState, JsonBody, PageQuery, Path, Query, created_or_ok, hal as respond, pagination,
};
use crate::error::{Error, Result};
use crate::links::paths;
use crate::service::deployments::PlaceQuery;
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

fn pacticipant_json(base: &Base, p: &Pacticipant) -> Value {
    let name = p.name.as_str();
    let mut embedded = json!({
        "labels": p.labels.iter().map(|l| json!({
            "name": l,
            "_links": { "self": hal::named(base.label(name, l), "Label", l) },
        })).collect::<Vec<_>>(),
    });
    if let Some(latest) = &p.latest_version {
        let version = version_json(base, latest);
        embedded["latestVersion"] = version.clone();
        embedded["latest-version"] = version;
    }
    json!({
        "name": p.name,
        "displayName": p.display_name,
        "mainBranch": p.main_branch,
        "repositoryUrl": p.repository_url,
        "repositoryName": p.repository_name,
        "repositoryNamespace": p.repository_namespace,
        "createdAt": hal::time(p.created_at),
        "updatedAt": hal::time(p.updated_at),
        "_embedded": embedded,
        "_links": {
            "self": hal::named(base.pacticipant(name), "Pacticipant", name),
            "pb:versions": hal::titled(base.versions(name), "All versions of this pacticipant"),
            "versions": hal::titled(base.versions(name), "Deprecated - use pb:versions"),
            "pb:branches": hal::titled(base.branches(name), "All branches of this pacticipant"),
            "pb:version": hal::templated(base.template(paths::VERSION, &[name]), "Get, create or delete a pacticipant version"),
            "pb:version-tag": hal::templated(base.template(paths::TAG, &[name]), &format!("Get, create or delete a tag for a version of {name}")),
            "pb:branch-version": hal::templated(base.template(paths::BRANCH_VERSION, &[name]), &format!("Get or add/create a version for a branch of {name}")),
            "pb:label": hal::templated(base.template(paths::LABEL, &[name]), &format!("Get, create or delete a label for {name}")),
            "pb:can-i-deploy-badge": hal::templated(base.template(paths::CAN_I_DEPLOY_TAG_TO_TAG_BADGE, &[name]), &format!("Can I Deploy {name} badge")),
            "pb:can-i-deploy-branch-to-environment-badge": hal::templated(base.template(paths::CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT_BADGE, &[name]), &format!("Can I Deploy {name} from branch to environment badge")),
            // The Pact Broker documents each resource's relations in its own context.
            "curies": [hal::curie(base, "pb", "pacticipant")],
        },
    })
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
    Ok(collection(&base, base.pacticipants(), listed, true))
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
    Ok(collection(
        &base,
        base.pacticipants_with_label(&label),
        listed,
        false,
    ))
}

/// A page of pacticipants. `/pacticipants` also carries the deprecated
/// top-level `pacticipants` array of the Pact Broker, which the Rust CLI's
/// `list-pacticipants` reads.
fn collection(
    base: &Base,
    href: String,
    listed: crate::service::Listed<Pacticipant>,
    deprecated_top_level: bool,
) -> Response {
    let items: Vec<Value> = listed
        .items
        .iter()
        .map(|p| pacticipant_json(base, p))
        .collect();
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::link(href);
    links["pb:pacticipants"] = Value::Array(
        listed
            .items
            .iter()
            .map(|p| hal::named(base.pacticipant(&p.name), &p.display_name, &p.name))
            .collect(),
    );
    links["pacticipants"] = links["pb:pacticipants"].clone();
    links["pb:pacticipants-with-label"] = hal::templated(
        base.template(paths::PACTICIPANTS_WITH_LABEL, &[]),
        "Find pacticipants by label",
    );
    let mut body = json!({ "_embedded": { "pacticipants": items }, "_links": links, "page": page });
    if deprecated_top_level {
        body["pacticipants"] = Value::Array(
            items
                .iter()
                .map(|item| {
                    let mut item = item.clone();
                    item["title"] =
                        "DEPRECATED - Please use the embedded pacticipants collection".into();
                    item
                })
                .collect(),
        );
    }
    respond(StatusCode::OK, body)
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
        pacticipant_json(&base, &created),
    ))
}

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path(name): Path<String>,
) -> Result<Response> {
    let found = state.broker.get_pacticipant(&name).await?;
    let body = with_deployed_environments(&state, &base, pacticipant_json(&base, &found)).await?;
    Ok(respond(StatusCode::OK, body))
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
    let body = with_deployed_environments(state, base, pacticipant_json(base, &p)).await?;
    Ok(created_or_ok(created, base.pacticipant(&p.name), body))
}

/// The pacticipant resource links to where its versions are deployed now,
/// as the Pact Broker's does (its collections do not).
async fn with_deployed_environments(
    state: &AppState,
    base: &Base,
    mut body: Value,
) -> Result<Value> {
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    let query = PlaceQuery {
        pacticipant: Some(&name),
        ..PlaceQuery::default()
    };
    let (deployed, _) = state.broker.currently_deployed(query, None).await?;
    body["_links"]["pb:deployed-environments"] =
        json!(EnvironmentLink::deployed(base, &deployed, false));
    Ok(body)
}

async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode> {
    state.broker.delete_pacticipant(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn label_json(base: &Base, pacticipant: &str, label: &str) -> Value {
    json!({
        "name": label,
        "_links": {
            "self": hal::named(base.label(pacticipant, label), "Label", label),
            // The Pact Broker's relation; the `pb:` form is kept alongside.
            "pacticipant": hal::named(base.pacticipant(pacticipant), "Pacticipant", pacticipant),
            "pb:pacticipant": hal::named(base.pacticipant(pacticipant), "Pacticipant", pacticipant),
        },
    })
}

async fn show_label(
    State(state): State<AppState>,
    base: Base,
    Path((p, label)): Path<(String, String)>,
) -> Result<Response> {
    state.broker.get_label(&p, &label).await?;
    Ok(respond(StatusCode::OK, label_json(&base, &p, &label)))
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
        label_json(&base, &p, &label),
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
    let href = base.labels();
    let (page, mut links) = pagination(&href, listed.page, listed.total);
    links["self"] = hal::link(href);
    Ok(respond(
        StatusCode::OK,
        json!({
            "_embedded": { "labels": listed.items.iter().map(|l| json!({"name": l})).collect::<Vec<_>>() },
            "_links": links,
            "page": page,
        }),
    ))
}
