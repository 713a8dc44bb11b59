//! The access check on every RPC, by the rule of its method
//! (`crate::access`), from the `authorization` metadata.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::access;
use crate::service::Broker;

pub async fn guard(State(broker): State<Broker>, request: Request, next: Next) -> Response {
    let rule = access::grpc_rule(request.uri().path());
    // Every RPC is a POST; its rule says whether it reads.
    let authorization = request.headers().get(header::AUTHORIZATION);
    match access::admit(&broker, authorization, rule, true).await {
        Ok(caller) => {
            access::record(caller.as_ref());
            next.run(request).await
        }
        Err(err) => tonic::Status::from(err)
            .into_http::<axum::body::Body>()
            .into_response(),
    }
}
