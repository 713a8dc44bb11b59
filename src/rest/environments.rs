//! `/environments`: environments, and the versions currently deployed to
//! or supported in each.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::deployments::{DeployedVersionsView, ReleasedVersionsView};
use super::views::environments::{EnvironmentView, EnvironmentsView};
use super::{AppState, JsonBody, Path, Query, hal_response};
use crate::error::{Error, Result, Violations};
use crate::links::paths;
use crate::service::deployments::PlaceQuery;
use crate::service::environments::{Contact, EnvironmentInput, EnvironmentKey, EnvironmentPatch};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::ENVIRONMENTS, get(list).post(create))
        .route(
            paths::ENVIRONMENT,
            document(get(show).put(replace).delete(delete)),
        )
        .route(paths::CURRENTLY_DEPLOYED, document(get(currently_deployed)))
        .route(
            paths::CURRENTLY_SUPPORTED,
            document(get(currently_supported)),
        )
}

/// The body of a POST or PUT, with a precise error for each field of the
/// wrong type; the service checks the rest.
fn environment_input(body: &Value) -> Result<EnvironmentInput> {
    let Value::Object(body) = body else {
        return Err(Error::invalid("body", "must be a JSON object"));
    };
    let mut violations = Violations::default();
    let mut string = |field: &str| match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            violations.add(field, "must be a string");
            None
        }
    };
    let name = string("name");
    let display_name = string("displayName");
    let production = match body.get("production") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            violations.add("production", "must be one of: true, false");
            None
        }
    };
    let contacts = match body.get("contacts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| contact(&mut violations, i, item))
                .collect(),
        ),
        Some(_) => {
            violations.add("contacts", "must be an array");
            None
        }
    };
    violations.into_result()?;
    Ok(EnvironmentInput {
        name,
        display_name,
        production,
        contacts,
    })
}

fn contact(violations: &mut Violations, i: usize, item: &Value) -> Option<Contact> {
    let name = match item.get("name") {
        Some(Value::String(name)) => Some(name.clone()),
        None | Some(Value::Null) => {
            violations.add(format!("contacts[{i}].name"), "is missing");
            None
        }
        Some(_) => {
            violations.add(format!("contacts[{i}].name"), "must be a string");
            None
        }
    };
    let details = match item.get("details") {
        None | Some(Value::Null) => None,
        Some(Value::Object(details)) => Some(details.clone()),
        Some(_) => {
            violations.add(format!("contacts[{i}].details"), "must be a hash");
            None
        }
    };
    Some(Contact {
        name: name?,
        details,
    })
}

/// A name already taken is a validation error of the field `name` in the
/// Pact Broker, with its wording.
fn name_taken_as_invalid(err: Error, input_name: Option<&str>) -> Error {
    match (err, input_name) {
        (Error::AlreadyExists(_), Some(name)) => Error::invalid(
            "name",
            format!("'{name}' is already used by an existing environment."),
        ),
        (err, _) => err,
    }
}

#[derive(Deserialize)]
struct ListQuery {
    name: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    base: Base,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let environments = match query.name {
        // `?name=` picks one environment, or none.
        Some(name) => match state
            .broker
            .get_environment(EnvironmentKey::Name(&name))
            .await
        {
            Ok(environment) => vec![environment],
            Err(Error::NotFound(_)) => Vec::new(),
            Err(err) => return Err(err),
        },
        None => state.broker.list_environments(None).await?.0,
    };
    Ok(hal_response(
        StatusCode::OK,
        EnvironmentsView::new(&base, &environments),
    ))
}

async fn create(
    State(state): State<AppState>,
    base: Base,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    let input = environment_input(&body)?;
    let name = input.name.clone();
    let environment = state
        .broker
        .create_environment(None, input)
        .await
        .map_err(|err| name_taken_as_invalid(err, name.as_deref()))?;
    Ok(super::created_or_ok(
        true,
        base.environment(&environment.uuid),
        EnvironmentView::new(&base, &environment),
    ))
}

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let environment = state
        .broker
        .get_environment(EnvironmentKey::Uuid(&uuid))
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        EnvironmentView::new(&base, &environment),
    ))
}

async fn replace(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    // An unknown environment is a 404 whatever the body, as in the Pact
    // Broker, which cannot create one with PUT.
    state
        .broker
        .get_environment(EnvironmentKey::Uuid(&uuid))
        .await?;
    let input = environment_input(&body)?;
    let name = input.name.clone();
    let environment = state
        .broker
        .update_environment(&uuid, EnvironmentPatch::replace_all(input)?)
        .await
        .map_err(|err| name_taken_as_invalid(err, name.as_deref()))?;
    Ok(hal_response(
        StatusCode::OK,
        EnvironmentView::new(&base, &environment),
    ))
}

async fn delete(State(state): State<AppState>, Path(uuid): Path<String>) -> Result<StatusCode> {
    state
        .broker
        .delete_environment(EnvironmentKey::Uuid(&uuid))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeployedQuery {
    pacticipant: Option<String>,
    application_instance: Option<String>,
    /// The deprecated name of `applicationInstance`.
    target: Option<String>,
}

async fn currently_deployed(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
    Query(query): Query<DeployedQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let environment = state
        .broker
        .get_environment(EnvironmentKey::Uuid(&uuid))
        .await?;
    let (deployed, _) = state
        .broker
        .currently_deployed(
            PlaceQuery {
                environment: Some(EnvironmentKey::Uuid(&uuid)),
                pacticipant: query.pacticipant.as_deref(),
                // A blank instance asks for the unnamed one.
                application_instance: query
                    .application_instance
                    .as_deref()
                    .or(query.target.as_deref()),
                version: None,
            },
            None,
        )
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        DeployedVersionsView::currently_deployed(
            &base,
            (&uuid, raw.as_deref()),
            &environment,
            &deployed,
        ),
    ))
}

#[derive(Deserialize)]
struct SupportedQuery {
    pacticipant: Option<String>,
    version: Option<String>,
}

async fn currently_supported(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
    Query(query): Query<SupportedQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let environment = state
        .broker
        .get_environment(EnvironmentKey::Uuid(&uuid))
        .await?;
    let (released, _) = state
        .broker
        .currently_supported(
            PlaceQuery {
                environment: Some(EnvironmentKey::Uuid(&uuid)),
                pacticipant: query.pacticipant.as_deref(),
                version: query.version.as_deref(),
                application_instance: None,
            },
            None,
        )
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        ReleasedVersionsView::currently_supported(
            &base,
            (&uuid, raw.as_deref()),
            &environment,
            &released,
        ),
    ))
}
