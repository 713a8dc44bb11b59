//! The access check on every REST request, by the rule of the route it
//! matched (`crate::access`).

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::access::{self, Rule};

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A path no route matched gets the 404 of the fallback, which reveals
    // nothing, under the Pact Broker's rule by method. A matched route
    // without a rule cannot be registered through `Routes`; one added
    // some other way needs admin, so it is never open by accident.
    let rule = match request.extensions().get::<MatchedPath>() {
        Some(path) => access::rest_rule(path.as_str()).unwrap_or(Rule::Admin),
        None => Rule::ByMethod,
    };
    let authorization = request.headers().get(header::AUTHORIZATION);
    match access::admit(
        &state.broker,
        authorization,
        rule,
        access::reads(request.method()),
    )
    .await
    {
        Ok(caller) => {
            access::record(caller.as_ref());
            next.run(request).await
        }
        Err(err) => err.into_response(),
    }
}
