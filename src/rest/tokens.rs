//! `/tokens`: bearer tokens. Not a Pact Broker resource; shaped like its
//! resources (HAL, camelCase fields). A secret appears in one response
//! only, the one creating its token.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::hal::Base;
use super::routes::Routes;
use super::views::tokens::{CreatedTokenView, TokenView, TokensView};
use super::{AppState, JsonBody, PageQuery, Path, Query, created_or_ok, hal_response};
use crate::access::Rule;
use crate::error::{Error, Result, Violations};
use crate::links::paths;
use crate::service::tokens::TokenInput;

pub fn routes() -> Routes {
    Routes::new()
        .route_with(Rule::Admin, paths::TOKENS, get(list).post(create))
        .route_with(Rule::Admin, paths::TOKEN, get(show).delete(revoke))
}

/// The body of a POST, with a precise error for each field of the wrong
/// type; the service checks the rest.
fn token_input(body: &Value) -> Result<TokenInput> {
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
    let input = TokenInput {
        name: string("name"),
        role: string("role"),
    };
    violations.into_result()?;
    Ok(input)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    include_revoked: Option<String>,
}

impl ListQuery {
    fn include_revoked(&self) -> Result<bool> {
        match self.include_revoked.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(Error::invalid(
                "includeRevoked",
                "must be one of: true, false",
            )),
        }
    }
}

async fn list(
    State(state): State<AppState>,
    base: Base,
    Query(page): Query<PageQuery>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let include_revoked = query.include_revoked()?;
    let listed = state
        .broker
        .list_tokens(include_revoked, page.page()?)
        .await?;
    Ok(hal_response(
        StatusCode::OK,
        TokensView::new(&base, &listed, include_revoked),
    ))
}

async fn create(
    State(state): State<AppState>,
    base: Base,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    let created = state.broker.create_token(token_input(&body)?).await?;
    let mut response = created_or_ok(
        true,
        base.token(&created.token.uuid),
        CreatedTokenView::new(&base, &created),
    );
    // The body holds the secret: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path(uuid): Path<String>,
) -> Result<Response> {
    let token = state.broker.get_token(&uuid).await?;
    Ok(hal_response(StatusCode::OK, TokenView::new(&base, &token)))
}

async fn revoke(State(state): State<AppState>, Path(uuid): Path<String>) -> Result<StatusCode> {
    state.broker.revoke_token(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}
