//! The access check on every REST request, by the rule its route was
//! declared with (`routes::Routes`).

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::routes::Rules;
use crate::access::{self, Rule};

pub async fn guard(
    State((state, rules)): State<(AppState, Rules)>,
    request: Request,
    next: Next,
) -> Response {
    // A path no route matched gets the 404 of the fallback, which reveals
    // nothing, under the Pact Broker's rule by method. Every route is
    // registered with a rule; one that was not would need admin, so it is
    // never open by accident.
    let rule = match request.extensions().get::<MatchedPath>() {
        Some(path) => rules.get(path.as_str()).copied().unwrap_or(Rule::Admin),
        None => Rule::ByMethod,
    };
    match access::admit(
        &state.broker,
        request.headers(),
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
