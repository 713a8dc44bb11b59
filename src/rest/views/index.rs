//! The HAL index and the heartbeat.

use serde::{Serialize, Serializer};

use super::SelfLink;
use crate::links::paths;
use crate::rest::hal::{Base, Curie, Link};

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

/// The HAL index, with the relations of everything implemented. Every
/// link says whether it is templated, false included, as the Pact
/// Broker's index does (the Rust CLI's pact expects it).
#[derive(Debug, Clone, Serialize)]
pub struct IndexView {
    #[serde(rename = "_links")]
    links: IndexLinks,
}

#[derive(Debug, Clone, Serialize)]
struct IndexLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(flatten)]
    relations: Relations,
    curies: Vec<Curie>,
}

/// The relations of [`RELATIONS`], in its order.
#[derive(Debug, Clone)]
struct Relations(Vec<(&'static str, Link)>);

impl Serialize for Relations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(relation, link)| (relation, link)))
    }
}

impl IndexView {
    pub fn new(base: &Base) -> IndexView {
        let link = |path: &str, title: &str| Link {
            templated: Some(path.contains('{')),
            ..Link::titled(base.template(path, &[]), title)
        };
        IndexView {
            links: IndexLinks {
                self_: link(paths::INDEX, "Index"),
                relations: Relations(
                    RELATIONS
                        .iter()
                        .map(|(relation, path, title)| (*relation, link(path, title)))
                        .collect(),
                ),
                curies: vec![
                    Curie::new(base, "pb", "index"),
                    Curie::new(base, "beta", "index"),
                ],
            },
        }
    }
}

/// The heartbeat: the broker answers, and says so when its database does
/// not.
#[derive(Debug, Clone, Serialize)]
pub struct HeartbeatView {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl HeartbeatView {
    pub fn new(base: &Base, database_reachable: bool) -> HeartbeatView {
        HeartbeatView {
            ok: database_reachable,
            database: (!database_reachable).then_some("unreachable"),
            links: SelfLink::new(Link::new(base.heartbeat())),
        }
    }
}
