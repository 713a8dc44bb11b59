//! `GET /`: the HAL index, with the relations of everything implemented;
//! and the heartbeat.

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::hal::Base;
use super::hal_response;
use super::routes::Routes;
use super::views::index::{HeartbeatView, IndexView};
use crate::access::Rule;
use crate::links::paths;

pub fn routes() -> Routes {
    Routes::new().route(paths::INDEX, get(index)).route_with(
        Rule::Heartbeat,
        paths::HEARTBEAT,
        get(heartbeat),
    )
}

/// For load balancers: the broker answers. It asks nothing of the database.
async fn heartbeat(base: Base) -> Response {
    hal_response(StatusCode::OK, HeartbeatView::new(&base))
}

async fn index(base: Base) -> Response {
    hal_response(StatusCode::OK, IndexView::new(&base))
}
