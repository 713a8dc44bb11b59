//! `GET /`: the HAL index, with the relations of everything implemented;
//! and the heartbeat.

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::hal as respond;
use super::hal::{self, Base};
use super::routes::Routes;
use crate::access::Rule;
use crate::links::paths;

/// (relation, path template, title)
const RELATIONS: &[(&str, &str, &str)] = &[
    ("pb:publish-pact", paths::PACT, "Publish a pact"),
    (
        "pb:publish-contracts",
        paths::PUBLISH_CONTRACTS,
        "Publish contracts",
    ),
    (
        "pb:latest-pact-versions",
        paths::LATEST_PACTS,
        "Latest pact versions",
    ),
    ("pb:pacticipants", paths::PACTICIPANTS, "Pacticipants"),
    (
        "pb:pacticipant",
        paths::PACTICIPANT,
        "Fetch pacticipant by name",
    ),
    (
        "pb:latest-provider-pacts",
        paths::PROVIDER_LATEST_PACTS,
        "Latest pacts by provider",
    ),
    (
        "pb:branch-pact-versions",
        paths::BRANCH_PACT_VERSIONS,
        "All versions of pacts for a provider, for a named consumers branch",
    ),
    (
        "pb:latest-provider-pacts-with-tag",
        paths::PROVIDER_LATEST_TAGGED_PACTS,
        "Latest pacts for provider with the specified tag",
    ),
    (
        "pb:provider-pacts-with-main-branch",
        paths::PROVIDER_MAIN_BRANCH_PACTS,
        "All pacts for a provider, for any consumers main branch",
    ),
    (
        "pb:provider-pacts-with-branch",
        paths::PROVIDER_BRANCH_PACTS,
        "All pacts for a provider, for any consumers named branch",
    ),
    (
        "pb:latest-provider-pacts-with-main-branch",
        paths::PROVIDER_LATEST_MAIN_BRANCH_PACTS,
        "Latest pact for a provider, for any consumers main branch",
    ),
    (
        "pb:latest-provider-pacts-with-branch",
        paths::PROVIDER_LATEST_BRANCH_PACTS,
        "Latest pacts for a provider, for any consumers named branch",
    ),
    (
        "pb:latest-version",
        paths::LATEST_VERSION,
        "Latest pacticipant version",
    ),
    (
        "pb:latest-tagged-version",
        paths::LATEST_TAGGED_VERSION,
        "Latest pacticipant version with the specified tag",
    ),
    (
        "pb:pacticipant-version-tag",
        paths::TAG,
        "Get, create or delete a tag for a pacticipant version",
    ),
    (
        "pb:pacticipant-branch",
        paths::BRANCH,
        "Get or delete a pacticipant branch",
    ),
    (
        "pb:pacticipant-branch-version",
        paths::BRANCH_VERSION,
        "Get or add/create a pacticipant version for a branch",
    ),
    (
        "pb:pacticipant-version",
        paths::VERSION,
        "Get, create or delete a pacticipant version",
    ),
    (
        "pb:provider-pacts-for-verification",
        paths::PACTS_FOR_VERIFICATION,
        "Pact versions to be verified for the specified provider",
    ),
    (
        "beta:provider-pacts-for-verification",
        paths::PACTS_FOR_VERIFICATION,
        "DEPRECATED - please use pb:provider-pacts-for-verification",
    ),
    ("pb:environments", paths::ENVIRONMENTS, "Environments"),
    ("pb:environment", paths::ENVIRONMENT, "Environment"),
];

pub fn routes() -> Routes {
    Routes::new().route(paths::INDEX, get(index)).route_with(
        Rule::Heartbeat,
        paths::HEARTBEAT,
        get(heartbeat),
    )
}

/// For load balancers: the broker answers. It asks nothing of the database.
async fn heartbeat(base: Base) -> Response {
    respond(
        StatusCode::OK,
        json!({"ok": true, "_links": {"self": hal::link(base.heartbeat())}}),
    )
}

async fn index(base: Base) -> Response {
    // Every link says whether it is templated, false included, as the
    // Pact Broker's index does (the Rust CLI's pact expects it).
    let link = |path: &str, title: &str| {
        json!({
            "href": base.template(path, &[]),
            "title": title,
            "templated": path.contains('{'),
        })
    };
    let mut links = Map::new();
    links.insert("self".into(), link(paths::INDEX, "Index"));
    for (relation, path, title) in RELATIONS {
        links.insert((*relation).into(), link(path, title));
    }
    links.insert(
        "curies".into(),
        json!([
            hal::curie(&base, "pb", "index"),
            hal::curie(&base, "beta", "index")
        ]),
    );
    let mut body = Map::new();
    body.insert("_links".into(), Value::Object(links));
    respond(StatusCode::OK, Value::Object(body))
}
