//! `GET /`: the HAL index, with the relations of everything implemented;
//! and the heartbeat.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::hal::Base;
use super::routes::Routes;
use super::views::index::{HeartbeatView, IndexView};
use super::{AppState, hal_response};
use crate::access::Rule;
use crate::links::paths;

pub fn routes() -> Routes {
    Routes::new().route(paths::INDEX, get(index)).route_with(
        Rule::Heartbeat,
        paths::HEARTBEAT,
        get(heartbeat),
    )
}

/// For load balancers and monitors: 200 while the database is reachable,
/// 503 saying so while it is not, for a monitor to alert on. It asks
/// nothing of the database itself: it reads what the last attempt to reach
/// it found (a request's, or the health check's every 5 s).
async fn heartbeat(State(state): State<AppState>, base: Base) -> Response {
    let reachable = state.broker.database_reachable();
    let status = if reachable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    hal_response(status, HeartbeatView::new(&base, reachable))
}

async fn index(base: Base) -> Response {
    hal_response(StatusCode::OK, IndexView::new(&base))
}
