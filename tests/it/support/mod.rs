//! Test support: a real PostgreSQL per test process, a database per test,
//! a real server on a loopback port, and the real Pact tools.

pub mod app;
pub mod builders;
pub mod contracts;
pub mod pg;
pub mod process;
pub mod proxy;
pub mod tools;

pub use app::TestApp;

/// A route's path with its parameters unnamed: what identifies it, as the
/// names of its parameters may change.
pub fn route_shape(route: &str) -> String {
    regex::Regex::new(r"\{[^}]*\}")
        .expect("a regex")
        .replace_all(route, "{}")
        .into_owned()
}
