//! `GET /`: the HAL index, with the relations of everything implemented;
//! and the heartbeat.

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::hal as respond;
use super::hal::{self, Base};
use super::routes::Routes;

/// (relation, path template, title)
const RELATIONS: &[(&str, &str, &str)] = &[
    (
        "pb:publish-pact",
        "/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}",
        "Publish a pact",
    ),
    (
        "pb:publish-contracts",
        "/contracts/publish",
        "Publish contracts",
    ),
    (
        "pb:latest-pact-versions",
        "/pacts/latest",
        "Latest pact versions",
    ),
    ("pb:pacticipants", "/pacticipants", "Pacticipants"),
    (
        "pb:pacticipant",
        "/pacticipants/{pacticipant}",
        "Fetch pacticipant by name",
    ),
    (
        "pb:latest-provider-pacts",
        "/pacts/provider/{provider}/latest",
        "Latest pacts by provider",
    ),
    (
        "pb:branch-pact-versions",
        "/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}",
        "All versions of pacts for a provider, for a named consumers branch",
    ),
    (
        "pb:latest-provider-pacts-with-tag",
        "/pacts/provider/{provider}/latest/{tag}",
        "Latest pacts for provider with the specified tag",
    ),
    (
        "pb:provider-pacts-with-main-branch",
        "/pacts/provider/{provider}/branch",
        "All pacts for a provider, for any consumers main branch",
    ),
    (
        "pb:provider-pacts-with-branch",
        "/pacts/provider/{provider}/branch/{branch}",
        "All pacts for a provider, for any consumers named branch",
    ),
    (
        "pb:latest-provider-pacts-with-main-branch",
        "/pacts/provider/{provider}/branch/latest",
        "Latest pact for a provider, for any consumers main branch",
    ),
    (
        "pb:latest-provider-pacts-with-branch",
        "/pacts/provider/{provider}/branch/{branch}/latest",
        "Latest pacts for a provider, for any consumers named branch",
    ),
    (
        "pb:latest-version",
        "/pacticipants/{pacticipant}/latest-version",
        "Latest pacticipant version",
    ),
    (
        "pb:latest-tagged-version",
        "/pacticipants/{pacticipant}/latest-version/{tag}",
        "Latest pacticipant version with the specified tag",
    ),
    (
        "pb:pacticipant-version-tag",
        "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
        "Get, create or delete a tag for a pacticipant version",
    ),
    (
        "pb:pacticipant-branch",
        "/pacticipants/{pacticipant}/branches/{branch}",
        "Get or delete a pacticipant branch",
    ),
    (
        "pb:pacticipant-branch-version",
        "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
        "Get or add/create a pacticipant version for a branch",
    ),
    (
        "pb:pacticipant-version",
        "/pacticipants/{pacticipant}/versions/{version}",
        "Get, create or delete a pacticipant version",
    ),
    (
        "pb:provider-pacts-for-verification",
        "/pacts/provider/{provider}/for-verification",
        "Pact versions to be verified for the specified provider",
    ),
    (
        "beta:provider-pacts-for-verification",
        "/pacts/provider/{provider}/for-verification",
        "DEPRECATED - please use pb:provider-pacts-for-verification",
    ),
    ("pb:environments", "/environments", "Environments"),
    ("pb:environment", "/environments/{uuid}", "Environment"),
];

pub fn routes() -> Routes {
    Routes::new()
        .route("/", get(index))
        .route("/diagnostic/status/heartbeat", get(heartbeat))
}

/// For load balancers: the broker answers. It asks nothing of the database.
async fn heartbeat(base: Base) -> Response {
    let href = format!("{}/diagnostic/status/heartbeat", base.0);
    respond(
        StatusCode::OK,
        json!({"ok": true, "_links": {"self": {"href": href}}}),
    )
}

async fn index(base: Base) -> Response {
    // Every link says whether it is templated, false included, as the
    // Pact Broker's index does (the Rust CLI's pact expects it).
    let link = |path: &str, title: &str| {
        json!({
            "href": format!("{}{path}", base.0),
            "title": title,
            "templated": path.contains('{'),
        })
    };
    let mut links = Map::new();
    links.insert("self".into(), link("/", "Index"));
    for (relation, path, title) in RELATIONS {
        links.insert((*relation).into(), link(path, title));
    }
    let mut curies = hal::curies(&base);
    if let Value::Array(list) = &mut curies {
        list.push(serde_json::json!({
            "name": "beta",
            "href": format!("{}/doc/{{rel}}?context=index", base.0),
            "templated": true,
        }));
    }
    links.insert("curies".into(), curies);
    let mut body = Map::new();
    body.insert("_links".into(), Value::Object(links));
    respond(StatusCode::OK, Value::Object(body))
}
