//! The access check on every RPC, by the rule its method was registered
//! with, from the `authorization` metadata.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Rules;
use crate::access::{self, Rule};
use crate::service::Broker;

pub async fn guard(
    State((broker, rules)): State<(Broker, Rules)>,
    request: Request,
    next: Next,
) -> Response {
    // An RPC without a rule needs admin, so a new one is never open by
    // accident.
    let rule = rules
        .get(request.uri().path())
        .copied()
        .unwrap_or(Rule::Admin);
    // Every RPC is a POST; its rule says whether it reads.
    match access::admit(&broker, request.headers(), rule, true).await {
        Ok(caller) => {
            access::record(caller.as_ref());
            next.run(request).await
        }
        Err(err) => tonic::Status::from(err)
            .into_http::<axum::body::Body>()
            .into_response(),
    }
}
