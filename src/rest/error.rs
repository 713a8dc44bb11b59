//! The broker's errors as the Pact Broker's HTTP responses: `{"errors":
//! {field: [messages]}}` for validation, `{"error": message}` for the rest,
//! RFC 7807 problem+json when the client asks for it.

use axum::extract::{Request, State};

use super::{AppState, Base};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::{Map, Value, json};

use crate::domain::notice::{Notice, NoticeKind};
use crate::error::{Error, log_with_reference};

/// The problem+json form of an error, carried in the response extensions so
/// [`negotiate`] can swap it in when the client asked for it.
#[derive(Clone)]
struct Problem(Value);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        // The Pact Broker answers a publish conflict as plain JSON.
        let content_type = match &self {
            Error::Conflict { .. } => "application/json;charset=utf-8",
            _ => "application/hal+json;charset=utf-8",
        };
        let wire = self.code().wire();
        let (status, title) = (wire.http, wire.title);
        let (body, problem) = match self.map_fields(json_field) {
            Error::InvalidArgument(violations) => {
                let mut errors: Map<String, Value> = Map::new();
                for v in &violations {
                    let entry = errors.entry(v.field.clone()).or_insert_with(|| json!([]));
                    if let Value::Array(messages) = entry {
                        messages.push(Value::String(format!("{} {}", v.field, v.message)));
                    }
                }
                let problems = violations.iter().map(|v| {
                    let mut problem = invalid_parameter(format!("{} {}", v.field, v.message));
                    problem["pointer"] = json!(format!(
                        "/{}",
                        v.field.replace(['.', '['], "/").replace(']', "")
                    ));
                    problem
                });
                (
                    json!({ "errors": errors }),
                    validation_problem(problems.collect()),
                )
            }
            Error::Conflict {
                field,
                message,
                explanation,
            } => {
                let mut notices = vec![Notice::new(NoticeKind::Error, message.clone())];
                notices.extend(explanation);
                let body = json!({
                    "notices": notices.iter().map(|n| json!({"type": n.kind.as_str(), "text": n.text})).collect::<Vec<_>>(),
                    "errors": { field: [message] },
                });
                let detail = notices
                    .iter()
                    .map(|n| n.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                (body, problem(status, title, &detail))
            }
            Error::Internal(err) => {
                let reference = log_with_reference("internal error", &format!("{err:#}"));
                let message = format!(
                    "An error has occurred. The details have been logged with the reference {reference}"
                );
                let body = json!({ "error": { "message": message, "reference": reference } });
                (body, problem(status, title, &message))
            }
            // `{"error": message}`, as the Pact Broker's error decorator
            // renders a message (`api/decorators/error_decorator.rb`); only
            // server errors nest a message and reference.
            other => {
                let message = other.to_string();
                (
                    json!({ "error": message }),
                    problem(status, title, &message),
                )
            }
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, content_type)],
            body.to_string(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            // Both schemes the broker accepts, Basic first for browsers.
            for challenge in [r#"Basic realm="pactwire""#, r#"Bearer realm="pactwire""#] {
                response.headers_mut().append(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
        }
        response.extensions_mut().insert(Problem(problem));
        response
    }
}

fn validation_problem(errors: Vec<Value>) -> Value {
    json!({
        "title": "Validation errors",
        "type": "/problems/validation-error",
        "status": 400,
        "instance": "/",
        "errors": errors,
    })
}

fn invalid_parameter(detail: String) -> Value {
    json!({
        "type": "/problems/invalid-body-property-value",
        "title": "Invalid body parameter",
        "detail": detail,
    })
}

/// A field path of the service's input in the Pact Broker's JSON names:
/// each snake_case name camel-cased, the rest of the path kept
/// (`contracts[0].consumer_name` is `contracts[0].consumerName`). Names
/// that are already the Pact Broker's pass through unchanged.
pub fn json_field(path: &str) -> String {
    let mut name = String::with_capacity(path.len());
    let mut upper = false;
    for c in path.chars() {
        match c {
            '_' if name.ends_with(|p: char| p.is_ascii_alphanumeric()) => upper = true,
            c if upper => {
                name.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => name.push(c),
        }
    }
    name
}

/// Validation errors as a list of messages, `{"errors": [...]}`, as the
/// Pact Broker's matrix resources report them (`api/resources/matrix.rb`
/// hands `set_json_validation_error_messages` an array); other errors as
/// usual.
pub fn listing_messages(err: Error) -> Response {
    let Error::InvalidArgument(violations) = err else {
        return err.into_response();
    };
    let messages: Vec<&str> = violations.iter().map(|v| v.message.as_str()).collect();
    let problems = messages
        .iter()
        .map(|m| invalid_parameter((*m).to_owned()))
        .collect();
    let mut response = (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/hal+json;charset=utf-8")],
        json!({ "errors": messages }).to_string(),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(Problem(validation_problem(problems)));
    response
}

/// The problem+json document of an error: its type is its title, in
/// kebab case.
fn problem(status: StatusCode, title: &str, detail: &str) -> Value {
    json!({
        "title": title,
        "type": format!("/problems/{}", title.to_lowercase().replace(' ', "-")),
        "status": status.as_u16(),
        "detail": detail,
    })
}

/// What Webmachine answers, as JSON, when a resource does not exist and the
/// Pact Broker named nothing missing (`lib/webmachine/
/// render_error_monkey_patch.rb`): for paths it does not route, and for
/// resources whose `resource_exists?` looks no pacticipant up by name,
/// such as a version, a tag, a branch, an environment or a pact.
pub fn document_not_found() -> Response {
    let message = "The requested document was not found on this server.";
    let mut response = (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        json!({ "error": message }).to_string(),
    )
        .into_response();
    let problem = json!({
        "title": "404 Not Found",
        "type": "/problems/not-found",
        "status": 404,
        "detail": message,
    });
    response.extensions_mut().insert(Problem(problem));
    response
}

/// `route` answering its 404s with [`document_not_found`]: for the
/// resources of which the Pact Broker does so.
pub fn document(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.layer(axum::middleware::map_response(
        async |response: Response| match response.status() {
            StatusCode::NOT_FOUND => document_not_found(),
            _ => response,
        },
    ))
}

/// Renders error bodies as `application/problem+json` for clients whose
/// Accept header asks for it.
pub async fn negotiate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let wants_problem = request.headers().get_all(header::ACCEPT).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.contains("application/problem+json"))
    });
    let base = Base::of(request.headers(), request.uri(), &state);
    let response = next.run(request).await;
    if !wants_problem {
        return response;
    }
    let Some(Problem(mut problem)) = response.extensions().get::<Problem>().cloned() else {
        return response;
    };
    // Problem types are absolute URLs under the broker's base.
    absolutise_types(&mut problem, &base);
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json;charset=utf-8"),
    );
    Response::from_parts(parts, axum::body::Body::from(problem.to_string()))
}

fn absolutise_types(problem: &mut Value, base: &Base) {
    if let Some(Value::String(kind)) = problem.get_mut("type")
        && kind.starts_with('/')
    {
        *kind = format!("{}{kind}", base.0);
    }
    if let Some(Value::Array(errors)) = problem.get_mut("errors") {
        for error in errors {
            absolutise_types(error, base);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json_field;

    #[test]
    fn service_field_paths_in_the_pact_brokers_names() {
        for (path, json) in [
            ("pacticipant_name", "pacticipantName"),
            ("contracts[0].consumer_name", "contracts[0].consumerName"),
            ("provider_version_tags[12]", "providerVersionTags[12]"),
            ("consumer_version_selectors", "consumerVersionSelectors"),
            ("branch", "branch"),
            ("q[0][pacticipant]", "q[0][pacticipant]"),
            ("displayName", "displayName"),
            ("latestby", "latestby"),
            ("contacts[1].details", "contacts[1].details"),
        ] {
            assert_eq!(json_field(path), json, "{path}");
        }
    }
}
