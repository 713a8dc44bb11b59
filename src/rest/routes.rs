//! Route registration that insists on an access rule: a route without one
//! in `crate::access` stops the broker from starting, so nothing is
//! reachable by accident.

use axum::Router;
use axum::routing::MethodRouter;

use super::AppState;
use crate::access;

/// The routes of a group of resources, and their paths.
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<String>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Adds a route. Panics when `path` has no access rule: a broker that
    /// could serve it unguarded must not start.
    pub fn route(mut self, path: &str, method_router: MethodRouter<AppState>) -> Routes {
        assert!(
            access::rest_rule(path).is_some(),
            "the REST route {path} has no access rule in src/access.rs"
        );
        self.paths.push(path.to_owned());
        self.router = self.router.route(path, method_router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
