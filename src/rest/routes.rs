//! Route registration where the access rule is part of the declaration: a
//! route is registered with its path, its rule and its handlers at once,
//! so none is reachable without one.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::MethodRouter;

use super::AppState;
use crate::access::Rule;

/// The routes of a group of resources, and the rule of each path.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<(String, Rule)>,
}

/// The rule of every registered path, for the access check.
pub type Rules = Arc<HashMap<String, Rule>>;

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    /// A resource under the Pact Broker's rule: reading needs read, the
    /// other methods write.
    pub fn route(self, path: &str, handlers: MethodRouter<AppState>) -> Routes {
        self.route_with(Rule::ByMethod, path, handlers)
    }

    /// A resource under another rule.
    pub fn route_with(
        mut self,
        rule: Rule,
        path: &str,
        handlers: MethodRouter<AppState>,
    ) -> Routes {
        self.rules.push((path.to_owned(), rule));
        self.router = self.router.route(path, handlers);
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.rules.extend(other.rules);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn rules(&self) -> &[(String, Rule)] {
        &self.rules
    }

    /// The router, and the rule of each of its paths.
    pub fn into_parts(self) -> (Router<AppState>, Rules) {
        (self.router, Arc::new(self.rules.into_iter().collect()))
    }
}
