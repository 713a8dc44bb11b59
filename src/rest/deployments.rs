//! Deployed and released versions: recording them under a version, and
//! ending them at `/deployed-versions/{uuid}` and `/released-versions/{uuid}`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::environments::environment_json;
use super::error::document;
use super::hal::{self, Base};
use super::routes::Routes;
use super::{AppState, JsonBody, Path, RawBody, created_or_ok, hal as respond};
use crate::error::{Error, Result};
use crate::links::paths;
use crate::service::deployments::{DeployedVersion, ReleasedVersion, VersionPlaces};
use crate::service::environments::EnvironmentKey;

pub fn routes() -> Routes {
    Routes::new()
        .route(
            paths::VERSION_DEPLOYMENTS,
            document(get(deployments_of_version).post(record_deployment)),
        )
        .route(
            paths::VERSION_RELEASES,
            document(get(releases_of_version).post(record_release)),
        )
        .route(
            paths::DEPLOYED_VERSION,
            document(get(show_deployed).patch(patch_deployed)),
        )
        .route(
            paths::RELEASED_VERSION,
            document(get(show_released).patch(patch_released)),
        )
}

/// What a deployed or released version embeds: everything when it is the
/// resource, its pacticipant and version in an environment's listing, and
/// nothing in a version's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embed {
    All,
    PacticipantAndVersion,
    Nothing,
}

fn embedded(base: &Base, pacticipant: &str, version: &str, environment: Option<Value>) -> Value {
    let mut embedded = Map::new();
    embedded.insert(
        "pacticipant".into(),
        json!({
            "name": pacticipant,
            "_links": { "self": hal::link(base.pacticipant(pacticipant)) },
        }),
    );
    embedded.insert(
        "version".into(),
        json!({
            "number": version,
            "_links": { "self": hal::named(base.version(pacticipant, version), "Version", version) },
        }),
    );
    if let Some(environment) = environment {
        embedded.insert("environment".into(), environment);
    }
    Value::Object(embedded)
}

/// A deployed version as the Pact Broker renders it: absent values are
/// left out, and `target` is the deprecated name of `applicationInstance`.
pub fn deployed_version_json(base: &Base, d: &DeployedVersion, embed: Embed) -> Value {
    let mut body = Map::new();
    body.insert("uuid".into(), json!(d.uuid));
    body.insert("currentlyDeployed".into(), json!(d.currently_deployed));
    if let Some(instance) = &d.application_instance {
        body.insert("target".into(), json!(instance));
        body.insert("applicationInstance".into(), json!(instance));
    }
    if let Some(at) = d.undeployed_at {
        body.insert("undeployedAt".into(), json!(hal::time(at)));
        body.insert("updatedAt".into(), json!(hal::time(at)));
    }
    body.insert("createdAt".into(), json!(hal::time(d.created_at)));
    if embed != Embed::Nothing {
        let environment = (embed == Embed::All).then(|| environment_json(base, &d.environment));
        body.insert(
            "_embedded".into(),
            embedded(base, &d.pacticipant, &d.version, environment),
        );
    }
    body.insert(
        "_links".into(),
        json!({ "self": hal::link(base.deployed_version(&d.uuid)) }),
    );
    Value::Object(body)
}

pub fn released_version_json(base: &Base, r: &ReleasedVersion, embed: Embed) -> Value {
    let mut body = Map::new();
    body.insert("uuid".into(), json!(r.uuid));
    body.insert("currentlySupported".into(), json!(r.currently_supported));
    if let Some(at) = r.support_ended_at {
        body.insert("updatedAt".into(), json!(hal::time(at)));
    }
    body.insert("createdAt".into(), json!(hal::time(r.created_at)));
    if let Some(at) = r.support_ended_at {
        body.insert("supportEndedAt".into(), json!(hal::time(at)));
    }
    if embed != Embed::Nothing {
        let environment = (embed == Embed::All).then(|| environment_json(base, &r.environment));
        body.insert(
            "_embedded".into(),
            embedded(base, &r.pacticipant, &r.version, environment),
        );
    }
    body.insert(
        "_links".into(),
        json!({ "self": hal::link(base.released_version(&r.uuid)) }),
    );
    Value::Object(body)
}

/// `pb:deployed-environments` links: where a version or pacticipant is or
/// was deployed. Snake case keys, as the Pact Broker writes them.
pub fn deployed_environment_links<'a>(
    base: &Base,
    deployed: impl IntoIterator<Item = &'a DeployedVersion>,
    with_instance: bool,
) -> Value {
    deployed
        .into_iter()
        .map(|d| {
            let display = &d.environment.display_name;
            let mut link = json!({
                "title": format!("Version deployed to {display}"),
                "name": display,
                "href": base.deployed_version(&d.uuid),
                "currently_deployed": d.currently_deployed,
            });
            if with_instance && let Some(instance) = &d.application_instance {
                link["application_instance"] = json!(instance);
            }
            link
        })
        .collect()
}

/// `pb:released-environments` links: where a version is or was released.
pub fn released_environment_links<'a>(
    base: &Base,
    released: impl IntoIterator<Item = &'a ReleasedVersion>,
) -> Value {
    released
        .into_iter()
        .map(|r| {
            let display = &r.environment.display_name;
            json!({
                "title": format!("Version released to {display}"),
                "name": display,
                "href": base.released_version(&r.uuid),
                "currently_supported": r.currently_supported,
            })
        })
        .collect()
}

/// The version resource's links to where the version is and can go:
/// `pb:record-deployment` and `pb:record-release` are arrays named after
/// each environment, which is how the CLIs find the one to record to.
pub fn add_version_places(base: &Base, version: &mut Value, places: &VersionPlaces) {
    let Some(links) = version.get_mut("_links").and_then(Value::as_object_mut) else {
        return;
    };
    let record = |path: &str, verb: &str| -> Value {
        places
            .environments
            .iter()
            .map(|e| {
                json!({
                    "title": format!("Record {verb} to {}", e.display_name),
                    "name": e.name,
                    "href": base.fill(path, &[&places.pacticipant, &places.version, &e.uuid]),
                })
            })
            .collect()
    };
    links.insert(
        "pb:deployed-environments".into(),
        deployed_environment_links(base, &places.deployed, true),
    );
    links.insert(
        "pb:released-environments".into(),
        released_environment_links(base, &places.released),
    );
    links.insert(
        "pb:record-deployment".into(),
        record(paths::VERSION_DEPLOYMENTS, "deployment"),
    );
    links.insert(
        "pb:record-release".into(),
        record(paths::VERSION_RELEASES, "release"),
    );
}

async fn deployments_of_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, uuid)): Path<(String, String, String)>,
) -> Result<Response> {
    let (environment, deployed) = state
        .broker
        .deployments_of_version(&p, &v, EnvironmentKey::Uuid(&uuid))
        .await?;
    let href = base.version_deployments(&p, &v, &uuid);
    Ok(respond(
        StatusCode::OK,
        json!({
            "_embedded": { "deployedVersions": deployed.iter().map(|d| deployed_version_json(&base, d, Embed::Nothing)).collect::<Vec<_>>() },
            "_links": { "self": hal::titled(href, &format!("Deployed versions for {p} version {v} in environment {}", environment.display_name)) },
        }),
    ))
}

/// A string field of a body, `None` when absent or null.
fn optional_string(body: &Value, field: &str) -> Result<Option<String>> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid(field, "must be a string")),
    }
}

async fn record_deployment(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, uuid)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    if !body.is_object() {
        return Err(Error::invalid("body", "must be a JSON object"));
    }
    // `target` is the deprecated name; the CLIs send both.
    let instance = match optional_string(&body, "applicationInstance")? {
        Some(instance) => Some(instance),
        None => optional_string(&body, "target")?,
    };
    let (deployed, _) = state
        .broker
        .record_deployment(&p, &v, EnvironmentKey::Uuid(&uuid), instance.as_deref())
        .await?;
    // Always 201, even when the deployment was already recorded, as in the
    // Pact Broker.
    Ok(created_or_ok(
        true,
        base.deployed_version(&deployed.uuid),
        deployed_version_json(&base, &deployed, Embed::All),
    ))
}

async fn releases_of_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, uuid)): Path<(String, String, String)>,
) -> Result<Response> {
    let (environment, released) = state
        .broker
        .releases_of_version(&p, &v, EnvironmentKey::Uuid(&uuid))
        .await?;
    let href = base.version_releases(&p, &v, &uuid);
    Ok(respond(
        StatusCode::OK,
        json!({
            "_embedded": { "releasedVersions": released.iter().map(|r| released_version_json(&base, r, Embed::Nothing)).collect::<Vec<_>>() },
            "_links": { "self": hal::titled(href, &format!("Released versions for {p} version {v} in {}", environment.display_name)) },
        }),
    ))
}

async fn record_release(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, uuid)): Path<(String, String, String)>,
    JsonBody(_): JsonBody<Value>,
) -> Result<Response> {
    let (released, created) = state
        .broker
        .record_release(&p, &v, EnvironmentKey::Uuid(&uuid))
        .await?;
    Ok(created_or_ok(
        created,
        base.released_version(&released.uuid),
        released_version_json(&base, &released, Embed::All),
    ))
}

async fn show_deployed(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let deployed = state.broker.get_deployed_version(&uuid).await?;
    Ok(respond(
        StatusCode::OK,
        deployed_version_json(&base, &deployed, Embed::All),
    ))
}

async fn show_released(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let released = state.broker.get_released_version(&uuid).await?;
    Ok(respond(
        StatusCode::OK,
        released_version_json(&base, &released, Embed::All),
    ))
}

/// The boolean `field` of a merge patch: these resources accept only
/// `application/merge-patch+json`, as in the Pact Broker.
fn merge_patch_flag(headers: &HeaderMap, body: &[u8], field: &str) -> Result<Option<bool>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/merge-patch+json") {
        return Err(Error::UnsupportedMediaType(format!(
            "content type '{content_type}' is not supported; send application/merge-patch+json"
        )));
    }
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|err| Error::invalid("body", format!("is not valid JSON: {err}")))?
    };
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(Error::invalid(field, "must be one of: true, false")),
    }
}

/// The Pact Broker's 422 for setting a flag back to true, with its text.
fn cannot_set_true(field: &str, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/hal+json;charset=utf-8")],
        json!({ "errors": { field: [message] } }).to_string(),
    )
        .into_response()
}

async fn patch_deployed(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response> {
    // An unknown deployed version is a 404 whatever the body.
    let deployed = state.broker.get_deployed_version(&uuid).await?;
    let deployed = match merge_patch_flag(&headers, &body, "currentlyDeployed")? {
        Some(false) => state.broker.undeploy(&uuid).await?,
        Some(true) => {
            return Ok(cannot_set_true(
                "currentlyDeployed",
                "The currentlyDeployed property cannot be set back to true. Please record a new deployment.",
            ));
        }
        None => deployed,
    };
    Ok(respond(
        StatusCode::OK,
        deployed_version_json(&base, &deployed, Embed::All),
    ))
}

async fn patch_released(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response> {
    let released = state.broker.get_released_version(&uuid).await?;
    let released = match merge_patch_flag(&headers, &body, "currentlySupported")? {
        Some(false) => state.broker.end_support(&uuid).await?,
        Some(true) => {
            return Ok(cannot_set_true(
                "currentlySupported",
                "The currentlySupported property cannot be set back to true. Please record a new deployment.",
            ));
        }
        None => released,
    };
    Ok(respond(
        StatusCode::OK,
        released_version_json(&base, &released, Embed::All),
    ))
}
