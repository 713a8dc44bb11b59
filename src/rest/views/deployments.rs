//! Deployed and released versions, and their listings under a version and
//! an environment. The twins stay apart: their JSON keys and titles differ,
//! which serde's fixed field names cannot make generic.

use serde::Serialize;

use super::SelfLink;
use super::environments::EnvironmentView;
use super::pacticipants::EmbeddedPacticipant;
use super::versions::EmbeddedVersion;
use crate::rest::hal::{self, Base, Link};
use crate::service::deployments::{DeployedVersion, ReleasedVersion};
use crate::service::environments::Environment;

/// What a deployed or released version embeds: everything when it is the
/// resource, its pacticipant and version in an environment's listing, and
/// nothing in a version's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Embed {
    All,
    PacticipantAndVersion,
    Nothing,
}

#[derive(Debug, Clone, Serialize)]
struct PlaceEmbedded {
    pacticipant: EmbeddedPacticipant,
    version: EmbeddedVersion,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<EnvironmentView>,
}

impl PlaceEmbedded {
    fn new(
        base: &Base,
        pacticipant: &str,
        version: &str,
        environment: &Environment,
        embed: Embed,
    ) -> Option<PlaceEmbedded> {
        (embed != Embed::Nothing).then(|| PlaceEmbedded {
            pacticipant: EmbeddedPacticipant::new(base, pacticipant),
            version: EmbeddedVersion::new(base, pacticipant, version),
            environment: (embed == Embed::All).then(|| EnvironmentView::new(base, environment)),
        })
    }
}

/// A deployed version as the Pact Broker renders it: absent values are
/// left out, and `target` is the deprecated name of `applicationInstance`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedVersionView {
    uuid: String,
    currently_deployed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    undeployed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    created_at: String,
    #[serde(rename = "_embedded", skip_serializing_if = "Option::is_none")]
    embedded: Option<PlaceEmbedded>,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl DeployedVersionView {
    /// The resource, embedding its pacticipant, version and environment.
    pub fn new(base: &Base, d: &DeployedVersion) -> DeployedVersionView {
        DeployedVersionView::embedding(base, d, Embed::All)
    }

    fn embedding(base: &Base, d: &DeployedVersion, embed: Embed) -> DeployedVersionView {
        let undeployed_at = d.undeployed_at.map(hal::time);
        DeployedVersionView {
            uuid: d.uuid.clone(),
            currently_deployed: d.currently_deployed,
            target: d.application_instance.clone(),
            application_instance: d.application_instance.clone(),
            updated_at: undeployed_at.clone(),
            undeployed_at,
            created_at: hal::time(d.created_at),
            embedded: PlaceEmbedded::new(base, &d.pacticipant, &d.version, &d.environment, embed),
            links: SelfLink::new(Link::new(base.deployed_version(&d.uuid))),
        }
    }
}

/// A released version as the Pact Broker renders it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedVersionView {
    uuid: String,
    currently_supported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    support_ended_at: Option<String>,
    #[serde(rename = "_embedded", skip_serializing_if = "Option::is_none")]
    embedded: Option<PlaceEmbedded>,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl ReleasedVersionView {
    /// The resource, embedding its pacticipant, version and environment.
    pub fn new(base: &Base, r: &ReleasedVersion) -> ReleasedVersionView {
        ReleasedVersionView::embedding(base, r, Embed::All)
    }

    fn embedding(base: &Base, r: &ReleasedVersion, embed: Embed) -> ReleasedVersionView {
        let support_ended_at = r.support_ended_at.map(hal::time);
        ReleasedVersionView {
            uuid: r.uuid.clone(),
            currently_supported: r.currently_supported,
            updated_at: support_ended_at.clone(),
            created_at: hal::time(r.created_at),
            support_ended_at,
            embedded: PlaceEmbedded::new(base, &r.pacticipant, &r.version, &r.environment, embed),
            links: SelfLink::new(Link::new(base.released_version(&r.uuid))),
        }
    }
}

/// A listing of deployed versions: of a version in an environment, or
/// those currently deployed to an environment.
#[derive(Debug, Clone, Serialize)]
pub struct DeployedVersionsView {
    #[serde(rename = "_embedded")]
    embedded: DeployedVersionsEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeployedVersionsEmbedded {
    deployed_versions: Vec<DeployedVersionView>,
}

impl DeployedVersionsView {
    fn new(base: &Base, deployed: &[DeployedVersion], embed: Embed, link: Link) -> Self {
        DeployedVersionsView {
            embedded: DeployedVersionsEmbedded {
                deployed_versions: deployed
                    .iter()
                    .map(|d| DeployedVersionView::embedding(base, d, embed))
                    .collect(),
            },
            links: SelfLink::new(link),
        }
    }

    /// The deployments of version `v` of `p` in the environment `uuid`.
    pub fn of_version(
        base: &Base,
        (p, v, uuid): (&str, &str, &str),
        environment: &Environment,
        deployed: &[DeployedVersion],
    ) -> Self {
        let title = format!(
            "Deployed versions for {p} version {v} in environment {}",
            environment.display_name
        );
        let link = Link::titled(base.version_deployments(p, v, uuid), title);
        DeployedVersionsView::new(base, deployed, Embed::Nothing, link)
    }

    /// The versions currently deployed to the environment `uuid`, asked
    /// for with `query`.
    pub fn currently_deployed(
        base: &Base,
        (uuid, query): (&str, Option<&str>),
        environment: &Environment,
        deployed: &[DeployedVersion],
    ) -> Self {
        let title = format!(
            "Currently deployed versions for {}",
            environment.display_name
        );
        let link = Link::titled(self_href(base.currently_deployed(uuid), query), title);
        DeployedVersionsView::new(base, deployed, Embed::PacticipantAndVersion, link)
    }
}

/// A listing of released versions: of a version in an environment, or
/// those currently supported in an environment.
#[derive(Debug, Clone, Serialize)]
pub struct ReleasedVersionsView {
    #[serde(rename = "_embedded")]
    embedded: ReleasedVersionsEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReleasedVersionsEmbedded {
    released_versions: Vec<ReleasedVersionView>,
}

impl ReleasedVersionsView {
    fn new(base: &Base, released: &[ReleasedVersion], embed: Embed, link: Link) -> Self {
        ReleasedVersionsView {
            embedded: ReleasedVersionsEmbedded {
                released_versions: released
                    .iter()
                    .map(|r| ReleasedVersionView::embedding(base, r, embed))
                    .collect(),
            },
            links: SelfLink::new(link),
        }
    }

    /// The releases of version `v` of `p` in the environment `uuid`.
    pub fn of_version(
        base: &Base,
        (p, v, uuid): (&str, &str, &str),
        environment: &Environment,
        released: &[ReleasedVersion],
    ) -> Self {
        let title = format!(
            "Released versions for {p} version {v} in {}",
            environment.display_name
        );
        let link = Link::titled(base.version_releases(p, v, uuid), title);
        ReleasedVersionsView::new(base, released, Embed::Nothing, link)
    }

    /// The versions currently supported in the environment `uuid`, asked
    /// for with `query`.
    pub fn currently_supported(
        base: &Base,
        (uuid, query): (&str, Option<&str>),
        environment: &Environment,
        released: &[ReleasedVersion],
    ) -> Self {
        let title = format!(
            "Currently supported versions in {}",
            environment.display_name
        );
        let link = Link::titled(self_href(base.currently_supported(uuid), query), title);
        ReleasedVersionsView::new(base, released, Embed::PacticipantAndVersion, link)
    }
}

/// The URL a listing was asked for, query included, as its `self`.
fn self_href(url: String, query: Option<&str>) -> String {
    match query.filter(|q| !q.is_empty()) {
        Some(query) => format!("{url}?{query}"),
        None => url,
    }
}
