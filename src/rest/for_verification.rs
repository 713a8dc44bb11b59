//! `/pacts/provider/{provider}/for-verification`: the pacts a provider
//! version must verify. POST takes the JSON query; the deprecated GET takes
//! the same query as a Rack nested query string (the Rust verifier GETs it
//! first, then POSTs to the response's `self` link).

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use super::query::nested_query;
use super::routes::Routes;
use super::views::for_verification::PactsForVerificationView;
use super::{AppState, Base, JsonBody, Path, hal_response};
use crate::access::Rule;
use crate::domain::selector::SelectorInput;
use crate::error::{Error, Result, Violations};
use crate::links::paths;
use crate::service::for_verification::VerificationRequest;

pub fn routes() -> Routes {
    // Asking which pacts to verify only reads, whatever the method.
    Routes::new().route_with(
        Rule::Read,
        paths::PACTS_FOR_VERIFICATION,
        get(by_query).post(by_body),
    )
}

async fn by_body(
    State(state): State<AppState>,
    base: Base,
    Path(provider): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    answer(state, base, provider, &body, false).await
}

async fn by_query(
    State(state): State<AppState>,
    base: Base,
    Path(provider): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = nested_query(uri.query().unwrap_or_default());
    answer(state, base, provider, &query, true).await
}

async fn answer(
    state: AppState,
    base: Base,
    provider: String,
    query: &Value,
    deprecated: bool,
) -> Result<Response> {
    let (request, violations) = read_request(query)?;
    violations
        .report_with(state.broker.verification_request_problems(&request))
        .await?;
    let include_pending = request.include_pending_status.unwrap_or(true);
    let pacts = state
        .broker
        .pacts_for_verification(&provider, request)
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        PactsForVerificationView::new(&base, &provider, &pacts, include_pending, deprecated),
    ))
}

/// Reads the query (camelCase from the body, snake_case from the query
/// string), reporting every problem at once.
fn read_request(query: &Value) -> Result<(VerificationRequest, Violations)> {
    let Some(object) = query.as_object() else {
        return Err(Error::invalid("body", "must be a JSON object"));
    };
    let field = |camel: &str, snake: &str| {
        object
            .get(camel)
            .or_else(|| object.get(snake))
            .filter(|v| !v.is_null())
    };
    let mut violations = Violations::default();
    let mut request = VerificationRequest::default();
    match field("consumerVersionSelectors", "consumer_version_selectors") {
        None => {}
        Some(Value::Array(selectors)) => {
            for (i, selector) in selectors.iter().enumerate() {
                match SelectorInput::from_json(selector) {
                    Ok(input) => request.selectors.push(input),
                    Err(messages) => {
                        for message in messages {
                            violations.add(
                                "consumerVersionSelectors",
                                format!("{message} (at index {i})"),
                            );
                        }
                        // Keeps later indexes in step.
                        request.selectors.push(SelectorInput::default());
                    }
                }
            }
        }
        Some(_) => violations.add("consumerVersionSelectors", "must be an array"),
    }
    match field("providerVersionBranch", "provider_version_branch") {
        None => {}
        Some(Value::String(branch)) => request.provider_version_branch = Some(branch.clone()),
        Some(_) => violations.add("providerVersionBranch", "must be a string"),
    }
    match field("providerVersionTags", "provider_version_tags") {
        None => {}
        Some(Value::Array(tags)) => {
            for (i, tag) in tags.iter().enumerate() {
                match tag {
                    Value::String(tag) => request.provider_version_tags.push(tag.clone()),
                    _ => violations.add(format!("providerVersionTags[{i}]"), "must be a string"),
                }
            }
        }
        Some(_) => violations.add("providerVersionTags", "must be an array of strings"),
    }
    match field("includePendingStatus", "include_pending_status") {
        None => {}
        Some(Value::Bool(flag)) => request.include_pending_status = Some(*flag),
        Some(Value::String(s)) if s == "true" || s == "false" => {
            request.include_pending_status = Some(s == "true");
        }
        Some(_) => violations.add("includePendingStatus", "must be true or false"),
    }
    match field("includeWipPactsSince", "include_wip_pacts_since") {
        None => {}
        Some(Value::String(date)) => match parse_date(date) {
            Some(since) => request.include_wip_pacts_since = Some(since),
            None => violations.add(
                "includeWipPactsSince",
                format!("must be a date, such as 2026-01-31, not '{date}'"),
            ),
        },
        Some(_) => violations.add("includeWipPactsSince", "must be a date, such as 2026-01-31"),
    }
    Ok((request, violations))
}

/// A date (midnight UTC) or a date and time, with or without an offset.
fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dates() {
        assert_eq!(
            parse_date("2026-01-31").map(|d| d.to_rfc3339()),
            Some("2026-01-31T00:00:00+00:00".to_owned())
        );
        assert!(parse_date("2026-01-31T10:00:00+02:00").is_some());
        assert!(parse_date("2026-01-31T10:00:00").is_some());
        assert!(parse_date("last week").is_none());
    }
}
