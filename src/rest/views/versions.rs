//! Versions, their tags and branches, and branches.

use serde::Serialize;

use super::environments::EnvironmentLink;
use super::{Page, PagedLinks, SelfLink, pagination};
use crate::links::paths;
use crate::rest::hal::{self, Base, Link};
use crate::service::deployments::{DeployedVersion, ReleasedVersion, VersionPlaces};
use crate::service::{Branch, BranchMembership, Listed, Tag, Version};

/// A version, as the Pact Broker's version decorator renders it; the
/// version resource and version listings add where it is and can go.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    number: String,
    build_url: Option<String>,
    created_at: String,
    #[serde(rename = "_embedded")]
    embedded: VersionEmbedded,
    #[serde(rename = "_links")]
    links: VersionLinks,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionEmbedded {
    branch_versions: Vec<EmbeddedBranchVersion>,
    tags: Vec<TagView>,
}

/// A branch of a version, embedded in it.
#[derive(Debug, Clone, Serialize)]
struct EmbeddedBranchVersion {
    name: String,
    latest: bool,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct VersionLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:pacticipant")]
    pacticipant: Link,
    #[serde(rename = "pb:tag")]
    tag: Link,
    #[serde(rename = "pb:latest-verification-results-where-pacticipant-is-consumer")]
    latest_verification_results: Link,
    #[serde(
        rename = "pb:deployed-environments",
        skip_serializing_if = "Option::is_none"
    )]
    deployed_environments: Option<Vec<EnvironmentLink>>,
    #[serde(
        rename = "pb:released-environments",
        skip_serializing_if = "Option::is_none"
    )]
    released_environments: Option<Vec<EnvironmentLink>>,
    #[serde(
        rename = "pb:record-deployment",
        skip_serializing_if = "Option::is_none"
    )]
    record_deployment: Option<Vec<EnvironmentLink>>,
    #[serde(rename = "pb:record-release", skip_serializing_if = "Option::is_none")]
    record_release: Option<Vec<EnvironmentLink>>,
}

impl VersionView {
    pub fn new(base: &Base, v: &Version) -> VersionView {
        let p = v.pacticipant.as_str();
        let number = v.number.as_str();
        VersionView {
            number: v.number.clone(),
            build_url: v.build_url.clone(),
            created_at: hal::time(v.created_at),
            embedded: VersionEmbedded {
                branch_versions: v
                    .branches
                    .iter()
                    .map(|b| EmbeddedBranchVersion::new(base, v, b))
                    .collect(),
                tags: v.tags.iter().map(|t| TagView::new(base, t)).collect(),
            },
            links: VersionLinks {
                self_: Link::named(base.version(p, number), "Version", number),
                pacticipant: Link::named(base.pacticipant(p), "Pacticipant", p),
                tag: Link::templated(
                    base.template(paths::TAG, &[p, number]),
                    "Get, create or delete a tag for this pacticipant version",
                ),
                latest_verification_results: Link::titled(
                    base.verification_summary(p, number),
                    "Latest verification results for consumer version",
                ),
                deployed_environments: None,
                released_environments: None,
                record_deployment: None,
                record_release: None,
            },
        }
    }

    /// The version resource: with where the version is deployed and
    /// released, and where it can be recorded as such
    /// (`pb:record-deployment` and `pb:record-release`, one link per
    /// environment, named after it, which is how the CLIs find the one to
    /// record to).
    pub fn with_places(mut self, base: &Base, places: &VersionPlaces) -> VersionView {
        self = self.with_deployments(base, &places.deployed, &places.released);
        self.links.record_deployment = Some(EnvironmentLink::record(
            base,
            places,
            paths::VERSION_DEPLOYMENTS,
            "deployment",
        ));
        self.links.record_release = Some(EnvironmentLink::record(
            base,
            places,
            paths::VERSION_RELEASES,
            "release",
        ));
        self
    }

    /// With where the version is deployed and released, of `deployed` and
    /// `released` (which may be of other versions too).
    fn with_deployments(
        mut self,
        base: &Base,
        deployed: &[DeployedVersion],
        released: &[ReleasedVersion],
    ) -> VersionView {
        let number = &self.number;
        self.links.deployed_environments = Some(EnvironmentLink::deployed(
            base,
            deployed.iter().filter(|d| &d.version == number),
            true,
        ));
        self.links.released_environments = Some(EnvironmentLink::released(
            base,
            released.iter().filter(|r| &r.version == number),
        ));
        self
    }
}

impl EmbeddedBranchVersion {
    fn new(base: &Base, v: &Version, b: &BranchMembership) -> EmbeddedBranchVersion {
        EmbeddedBranchVersion {
            name: b.name.clone(),
            latest: b.latest,
            links: SelfLink::new(Link::named(
                base.branch_version(&v.pacticipant, &b.name, &v.number),
                "Branch version",
                &b.name,
            )),
        }
    }
}

/// A page of versions of a pacticipant, each with where it was deployed
/// and released, as the Pact Broker lists them.
#[derive(Debug, Clone, Serialize)]
pub struct VersionsView {
    #[serde(rename = "_embedded")]
    embedded: VersionsEmbedded,
    #[serde(rename = "_links")]
    links: PagedLinks,
    page: Page,
}

#[derive(Debug, Clone, Serialize)]
struct VersionsEmbedded {
    versions: Vec<VersionView>,
}

impl VersionsView {
    /// The page `listed` of the collection at `href`, with the deployed
    /// and released versions of its versions.
    pub fn new(
        base: &Base,
        href: String,
        listed: &Listed<Version>,
        deployed: &[DeployedVersion],
        released: &[ReleasedVersion],
    ) -> VersionsView {
        let (page, pages) = pagination(&href, listed.page, listed.total);
        VersionsView {
            embedded: VersionsEmbedded {
                versions: listed
                    .items
                    .iter()
                    .map(|v| VersionView::new(base, v).with_deployments(base, deployed, released))
                    .collect(),
            },
            links: PagedLinks::new(pages, Link::new(href)),
            page,
        }
    }
}

/// A version embedded in another resource: its number and URL.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddedVersion {
    number: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl EmbeddedVersion {
    pub fn new(base: &Base, pacticipant: &str, number: &str) -> EmbeddedVersion {
        EmbeddedVersion {
            number: number.to_owned(),
            links: SelfLink::new(Link::named(
                base.version(pacticipant, number),
                "Version",
                number,
            )),
        }
    }
}

/// A tag of a version, as the Pact Broker's tag decorator renders it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagView {
    name: String,
    latest: bool,
    created_at: String,
    #[serde(rename = "_links")]
    links: TagLinks,
}

/// The Pact Broker's tag resource names these `version` and `pacticipant`;
/// the `pb:` forms are kept alongside.
#[derive(Debug, Clone, Serialize)]
struct TagLinks {
    #[serde(rename = "self")]
    self_: Link,
    version: Link,
    pacticipant: Link,
    #[serde(rename = "pb:version")]
    pb_version: Link,
    #[serde(rename = "pb:pacticipant")]
    pb_pacticipant: Link,
}

impl TagView {
    pub fn new(base: &Base, t: &Tag) -> TagView {
        let version = Link::named(
            base.version(&t.pacticipant, &t.version),
            "Version",
            &t.version,
        );
        let pacticipant = Link::named(
            base.pacticipant(&t.pacticipant),
            "Pacticipant",
            &t.pacticipant,
        );
        TagView {
            name: t.name.clone(),
            latest: t.latest,
            created_at: hal::time(t.created_at),
            links: TagLinks {
                self_: Link::named(
                    base.tag(&t.pacticipant, &t.version, &t.name),
                    "Tag",
                    &t.name,
                ),
                version: version.clone(),
                pacticipant: pacticipant.clone(),
                pb_version: version,
                pb_pacticipant: pacticipant,
            },
        }
    }
}

/// A branch of a pacticipant, as the Pact Broker's branch decorator
/// renders it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchView {
    name: String,
    latest_version: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(rename = "_links")]
    links: BranchLinks,
}

#[derive(Debug, Clone, Serialize)]
struct BranchLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:versions")]
    versions: Link,
    /// Only when the branch has a version.
    #[serde(rename = "pb:latest-version", skip_serializing_if = "Option::is_none")]
    latest_version: Option<Link>,
    #[serde(rename = "pb:pacticipant")]
    pacticipant: Link,
}

impl BranchView {
    pub fn new(base: &Base, b: &Branch) -> BranchView {
        let p = b.pacticipant.as_str();
        BranchView {
            name: b.name.clone(),
            latest_version: b.latest_version.clone(),
            created_at: hal::time(b.created_at),
            updated_at: hal::time(b.updated_at),
            links: BranchLinks {
                self_: Link::named(base.branch(p, &b.name), "Branch", &b.name),
                versions: Link::titled(base.branch_versions(p, &b.name), "Versions of this branch"),
                latest_version: b.latest_version.as_ref().map(|_| {
                    Link::titled(
                        base.branch_head(p, &b.name),
                        "Latest version of this branch",
                    )
                }),
                pacticipant: Link::named(base.pacticipant(p), "Pacticipant", p),
            },
        }
    }
}

/// A page of branches of a pacticipant.
#[derive(Debug, Clone, Serialize)]
pub struct BranchesView {
    #[serde(rename = "_embedded")]
    embedded: BranchesEmbedded,
    #[serde(rename = "_links")]
    links: PagedLinks,
    page: Page,
}

#[derive(Debug, Clone, Serialize)]
struct BranchesEmbedded {
    branches: Vec<BranchView>,
}

impl BranchesView {
    /// The page `listed` of the collection at `href`.
    pub fn new(base: &Base, href: String, listed: &Listed<Branch>) -> BranchesView {
        let (page, pages) = pagination(&href, listed.page, listed.total);
        BranchesView {
            embedded: BranchesEmbedded {
                branches: listed
                    .items
                    .iter()
                    .map(|b| BranchView::new(base, b))
                    .collect(),
            },
            links: PagedLinks::new(pages, Link::new(href)),
            page,
        }
    }
}

/// A version on a branch, as the Pact Broker's branch version decorator
/// renders it.
#[derive(Debug, Clone, Serialize)]
pub struct BranchVersionView {
    name: String,
    latest: bool,
    #[serde(rename = "_links")]
    links: BranchVersionLinks,
}

#[derive(Debug, Clone, Serialize)]
struct BranchVersionLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:branch")]
    branch: Link,
    #[serde(rename = "pb:version")]
    version: Link,
}

impl BranchVersionView {
    /// Version `v` on `branch`.
    pub fn new(base: &Base, branch: &str, v: &Version) -> BranchVersionView {
        let p = v.pacticipant.as_str();
        BranchVersionView {
            name: branch.to_owned(),
            latest: v.branches.iter().any(|b| b.name == branch && b.latest),
            links: BranchVersionLinks {
                self_: Link::named(
                    base.branch_version(p, branch, &v.number),
                    "Branch version",
                    branch,
                ),
                branch: Link::named(base.branch(p, branch), "Branch", branch),
                version: Link::named(base.version(p, &v.number), "Version", &v.number),
            },
        }
    }
}
