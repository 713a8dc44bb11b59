//! `/matrix`, `/can-i-deploy` and `/matrix/provider/{p}/consumer/{c}`: the
//! Pact Broker's query grammar (a Rack nested query), its JSON body and its
//! `text/plain` table. The verdict covers every row; `limit` trims only the
//! rows shown.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::error::listing_messages;
use super::query::nested_query;
use super::routes::Routes;
use super::views::matrix::MatrixView;
use super::{AppState, Base, Path, hal_response};
use crate::domain::matrix::{self, Destination, LatestBy, Row, VersionSelector};
use crate::error::{Error, Result, Violations};
use crate::links::paths;
use crate::service::Broker;
use crate::service::matrix::{
    DeployTarget, LatestVerdict, LatestVersion, MatrixAnswer, MatrixQuery, RowWindow,
};

/// Rows shown by `/matrix` when no limit is given, as the Pact Broker.
const DEFAULT_LIMIT: usize = 100;

/// The can-i-deploy resources show every row, as the Pact Broker's.
const EVERY_ROW: RowWindow = RowWindow {
    offset: 0,
    limit: None,
};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::MATRIX, get(matrix_query))
        .route(paths::CAN_I_DEPLOY, get(can_i_deploy))
        .route(paths::PAIR_MATRIX, get(for_pair))
        .route(paths::CAN_I_DEPLOY_TAG_TO_TAG, get(latest_tagged_to_tag))
        .route(
            paths::CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT,
            get(branch_head_to_environment),
        )
}

/// Can the latest version with a tag be deployed to the latest versions
/// with another: the body of `/matrix`, 404 when no version has the tag.
async fn latest_tagged_to_tag(
    State(state): State<AppState>,
    base: Base,
    headers: HeaderMap,
    Path((pacticipant, tag, to)): Path<(String, String, String)>,
) -> Result<Response> {
    let latest = (LatestVersion::Tag(tag), DeployTarget::Tag(to));
    latest_verdict(&state, &base, &headers, &pacticipant, latest).await
}

/// Can a branch's head be deployed to an environment: the body of
/// `/matrix`, 404 when the branch, its head or the environment does not
/// exist.
async fn branch_head_to_environment(
    State(state): State<AppState>,
    base: Base,
    headers: HeaderMap,
    Path((pacticipant, branch, environment)): Path<(String, String, String)>,
) -> Result<Response> {
    let latest = (
        LatestVersion::Branch(branch),
        DeployTarget::Environment(environment),
    );
    latest_verdict(&state, &base, &headers, &pacticipant, latest).await
}

/// The matrix of whether the `latest` version of `pacticipant` can be
/// deployed to its target, or 404 naming what does not exist.
async fn latest_verdict(
    state: &AppState,
    base: &Base,
    headers: &HeaderMap,
    pacticipant: &str,
    (latest, target): (LatestVersion, DeployTarget),
) -> Result<Response> {
    let verdict = state
        .broker
        .can_i_deploy_latest(pacticipant, latest, target, EVERY_ROW)
        .await?;
    match verdict {
        LatestVerdict::Answer(answer) => Ok(matrix_response(base, headers, &answer)),
        LatestVerdict::Missing(missing) => Err(Error::NotFound(missing.message)),
    }
}

async fn matrix_query(
    State(state): State<AppState>,
    base: Base,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let params = nested_query(uri.query().unwrap_or_default());
    let (query, limit, violations) = read_query(&params);
    let answer = answer(&state.broker, query, violations, limit).await;
    Ok(match answer {
        Ok(answer) => matrix_response(&base, &headers, &answer),
        Err(err) => listing_messages(err),
    })
}

async fn can_i_deploy(
    State(state): State<AppState>,
    base: Base,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let params = nested_query(uri.query().unwrap_or_default());
    let text = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut violations = Violations::default();
    let target = match (text("to"), text("environment")) {
        ("", "") => None,
        (tag, "") => Some(DeployTarget::Tag(tag.to_owned())),
        ("", environment) => Some(DeployTarget::Environment(environment.to_owned())),
        _ => {
            violations.add("to", "Cannot specify both a 'to' tag and an environment.");
            None
        }
    };
    let mut ignore = Vec::new();
    if let Some(Value::Array(items)) = params.get("ignore") {
        for item in items {
            match item {
                Value::String(name) => ignore.push(VersionSelector::pacticipant(name)),
                Value::Object(_) => ignore.push(selector(item)),
                _ => {}
            }
        }
    }
    violations.into_result()?;
    let answer = state
        .broker
        .can_i_deploy(
            text("pacticipant"),
            text("version"),
            target,
            ignore,
            EVERY_ROW,
        )
        .await
        .map_err(json_fields)?;
    Ok(matrix_response(&base, &headers, &answer))
}

async fn for_pair(
    State(state): State<AppState>,
    base: Base,
    headers: HeaderMap,
    Path((provider, consumer)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let params = nested_query(uri.query().unwrap_or_default());
    let (mut query, limit, violations) = read_query(&params);
    query.selectors = vec![
        VersionSelector::pacticipant(&consumer),
        VersionSelector::pacticipant(&provider),
    ];
    // The Pact Broker's resource passes the parsed query on without a
    // default latestby (`api/resources/matrix_for_consumer_and_provider.rb`
    // calls `matrix/service.rb#find_for_consumer_and_provider`, not the
    // repository method of that name that sets cvpv): every revision and
    // every verification, unless the client asks for a latestby.
    let answer = answer(&state.broker, query, violations, limit)
        .await
        .map_err(|err| match err {
            Error::InvalidArgument(v) if v.iter().any(|v| v.field.ends_with("[pacticipant]")) => {
                Error::NotFound(format!(
                    "No matrix for provider '{provider}' and consumer '{consumer}': {}",
                    v.iter()
                        .map(|v| v.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            }
            err => err,
        });
    Ok(match answer {
        Ok(answer) => matrix_response(&base, &headers, &answer),
        Err(err) => listing_messages(err),
    })
}

/// The first `limit` rows of the matrix of `query` (the Pact Broker's
/// default number without one), or every problem of the request: those
/// found reading it, `violations`, with the service's.
async fn answer(
    broker: &Broker,
    query: MatrixQuery,
    violations: Violations,
    limit: Option<usize>,
) -> Result<MatrixAnswer> {
    let window = RowWindow {
        offset: 0,
        limit: Some(limit.unwrap_or(DEFAULT_LIMIT)),
    };
    async {
        violations
            .report_with(broker.matrix_query_problems(&query))
            .await?;
        broker.query_matrix(query, window).await
    }
    .await
    .map_err(json_fields)
}

/// The matrix's field paths as the Pact Broker's query parameters name
/// them: `selectors[0].pacticipant` is `q[0][pacticipant]`, the target of
/// can-i-deploy is `to`.
fn json_fields(err: Error) -> Error {
    err.map_fields(|path| {
        let (first, rest) = path.split_at(path.find('[').unwrap_or(path.len()));
        let first = match first {
            "selectors" => "q",
            "target" => "to",
            other => other,
        };
        let mut name = first.to_owned();
        for part in rest.split_inclusive(']') {
            match part.strip_prefix('.') {
                Some(member) => name.push_str(&format!("[{member}]")),
                None => name.push_str(part),
            }
        }
        name
    })
}

fn selector(item: &Value) -> VersionSelector {
    let text = |key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    VersionSelector {
        pacticipant: text("pacticipant").unwrap_or_default(),
        version: text("version"),
        latest: text("latest").as_deref() == Some("true"),
        tag: text("tag"),
        branch: text("branch"),
        main_branch: text("mainBranch").as_deref() == Some("true"),
        environment: text("environment"),
    }
}

/// Reads `/matrix` parameters the way the Pact Broker does, reporting
/// every problem at once, each message whole: the matrix resources list
/// messages without their fields. Returns the query and the row limit.
fn read_query(params: &Value) -> (MatrixQuery, Option<usize>, Violations) {
    let mut violations = Violations::default();
    // The Pact Broker filters the rows by `success[]` before drawing the
    // summary (`matrix/repository.rb#find_considered_and_ignored_rows`
    // applies the filter, then `DeploymentStatusSummary` counts what is
    // left), so the filter changes the verdict; `/matrix` keeps that.
    let mut query = MatrixQuery {
        summary_after_success_filter: true,
        ..MatrixQuery::default()
    };
    let text = |key: &str| {
        params
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match params.get("q") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    query.selectors.push(selector(item));
                } else {
                    violations.add(
                        format!("q[{i}]"),
                        format!(
                            "q[{i}] must be a selector such as q[][pacticipant]=Foo&q[][version]=1"
                        ),
                    );
                }
            }
        }
        Some(_) => violations.add(
            "q",
            "q must be selectors such as q[][pacticipant]=Foo&q[][version]=1",
        ),
    }
    if let Some(Value::Array(items)) = params.get("ignore") {
        query.ignore = items
            .iter()
            .filter(|i| i.is_object())
            .map(selector)
            .collect();
    }
    match params.get("success") {
        Some(Value::Array(values)) => {
            query.success = Some(values.iter().map(success_value).collect());
        }
        Some(value @ Value::String(_)) => query.success = Some(vec![success_value(value)]),
        _ => {}
    }
    if let Some(by) = text("latestby") {
        match LatestBy::parse(by) {
            Some(by) => query.latest_by = Some(by),
            None => violations.add("latestby", "latestby must be one of cvpv, cvp or cp"),
        }
    }
    let limit = match text("limit") {
        None => None,
        Some(limit) => match limit.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                violations.add("limit", "The limit must be 1 or greater.");
                None
            }
        },
    };
    let latest = text("latest") == Some("true");
    let tag = text("tag");
    let environment = text("environment");
    let main_branch = text("mainBranch") == Some("true");
    let destinations = [tag.is_some(), environment.is_some(), main_branch]
        .iter()
        .filter(|d| **d)
        .count();
    if destinations > 1 {
        violations.add(
            "destination",
            "Cannot specify more than one of tag, environment and mainBranch.",
        );
    }
    if latest && environment.is_some() {
        violations.add(
            "latest",
            "Cannot specify both latest=true and an environment.",
        );
    }
    query.destination = if let Some(tag) = tag {
        Some(Destination::Tag {
            tag: tag.to_owned(),
            latest,
        })
    } else if let Some(environment) = environment {
        Some(Destination::Environment(environment.to_owned()))
    } else if main_branch {
        Some(Destination::MainBranch { latest })
    } else if latest {
        Some(Destination::Latest)
    } else {
        None
    };
    (query, limit, violations)
}

fn success_value(value: &Value) -> Option<bool> {
    match value.as_str() {
        Some("") | None => None,
        Some(v) => Some(v == "true"),
    }
}

/// JSON, or the text table when the client asks for `text/plain` rather
/// than JSON.
fn matrix_response(base: &Base, headers: &HeaderMap, answer: &MatrixAnswer) -> Response {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if accept.contains("text/plain") && !accept.contains("json") {
        let rows: Vec<Row> = answer.rows.iter().map(|r| r.row.clone()).collect();
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain;charset=utf-8")],
            matrix::render_text(&rows, &answer.summary),
        )
            .into_response();
    }
    hal_response(StatusCode::OK, MatrixView::new(base, answer))
}

#[cfg(test)]
mod tests {
    use super::json_fields;
    use crate::error::Error;

    #[test]
    fn matrix_field_paths_as_query_parameters() {
        for (path, parameter) in [
            ("selectors", "q"),
            ("selectors[0]", "q[0]"),
            ("selectors[3].pacticipant", "q[3][pacticipant]"),
            ("ignore[1].pacticipant", "ignore[1][pacticipant]"),
            ("target", "to"),
            ("environment", "environment"),
        ] {
            let Error::InvalidArgument(violations) = json_fields(Error::invalid(path, "x")) else {
                unreachable!("an invalid argument stays one")
            };
            assert_eq!(violations[0].field, parameter, "{path}");
        }
    }
}
