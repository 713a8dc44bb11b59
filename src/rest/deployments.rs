//! Deployed and released versions: recording them under a version, and
//! ending them at `/deployed-versions/{uuid}` and `/released-versions/{uuid}`.
//! The twins stay apart, as in `store::deployments` (which says why).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::deployments::{
    DeployedVersionView, DeployedVersionsView, ReleasedVersionView, ReleasedVersionsView,
};
use super::{AppState, JsonBody, Path, RawBody, created_or_ok, hal_response};
use crate::error::{Error, Result};
use crate::links::paths;
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

async fn deployments_of_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, v, uuid)): Path<(String, String, String)>,
) -> Result<Response> {
    let (environment, deployed) = state
        .broker
        .deployments_of_version(&p, &v, EnvironmentKey::Uuid(&uuid))
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        DeployedVersionsView::of_version(&base, (&p, &v, &uuid), &environment, &deployed),
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
        DeployedVersionView::new(&base, &deployed),
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
    Ok(hal_response(
        StatusCode::OK,
        ReleasedVersionsView::of_version(&base, (&p, &v, &uuid), &environment, &released),
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
        ReleasedVersionView::new(&base, &released),
    ))
}

async fn show_deployed(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let deployed = state.broker.get_deployed_version(&uuid).await?;
    Ok(hal_response(
        StatusCode::OK,
        DeployedVersionView::new(&base, &deployed),
    ))
}

async fn show_released(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let released = state.broker.get_released_version(&uuid).await?;
    Ok(hal_response(
        StatusCode::OK,
        ReleasedVersionView::new(&base, &released),
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
    Ok(hal_response(
        StatusCode::OK,
        DeployedVersionView::new(&base, &deployed),
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
    Ok(hal_response(
        StatusCode::OK,
        ReleasedVersionView::new(&base, &released),
    ))
}
