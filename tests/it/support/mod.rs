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

/// Whether `path`, with any query, is a path of `route`: each parameter
/// one segment.
pub fn route_matches(route: &str, path: &str) -> bool {
    let literals: Vec<String> = route_shape(route).split("{}").map(regex::escape).collect();
    let pattern = format!("^{}(\\?.*)?$", literals.join("[^/?]+"));
    regex::Regex::new(&pattern)
        .expect("a route regex")
        .is_match(path)
}

#[test]
fn a_route_matches_its_paths_only() {
    let route = "/pacticipants/{p}/versions/{v}";
    assert!(route_matches(route, "/pacticipants/A/versions/1"));
    assert!(route_matches(route, "/pacticipants/A/versions/1?x=y"));
    assert!(!route_matches(route, "/pacticipants/A/versions"));
    assert!(!route_matches(route, "/pacticipants/A/versions/1/tags/t"));
    assert!(!route_matches("/a.b", "/aXb"));
}
