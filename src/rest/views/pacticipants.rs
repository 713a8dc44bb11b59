//! Pacticipants and their labels.

use serde::Serialize;

use super::environments::EnvironmentLink;
use super::versions::VersionView;
use super::{Page, PageLinks, PagedLinks, SelfLink, pagination};
use crate::links::paths;
use crate::rest::hal::{self, Base, Curie, Link};
use crate::service::deployments::DeployedVersion;
use crate::service::{Listed, Pacticipant};

/// A pacticipant, as the Pact Broker's pacticipant decorator renders it;
/// the pacticipant resource adds where its versions are deployed now.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PacticipantView {
    name: String,
    display_name: String,
    main_branch: Option<String>,
    repository_url: Option<String>,
    repository_name: Option<String>,
    repository_namespace: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(rename = "_embedded")]
    embedded: PacticipantEmbedded,
    #[serde(rename = "_links")]
    links: PacticipantLinks,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PacticipantEmbedded {
    labels: Vec<EmbeddedLabel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_version: Option<VersionView>,
    /// The same, under the Pact Broker's older name.
    #[serde(rename = "latest-version", skip_serializing_if = "Option::is_none")]
    latest_version_deprecated: Option<VersionView>,
}

/// A label embedded in its pacticipant.
#[derive(Debug, Clone, Serialize)]
struct EmbeddedLabel {
    name: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct PacticipantLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:versions")]
    pb_versions: Link,
    versions: Link,
    #[serde(rename = "pb:branches")]
    branches: Link,
    #[serde(rename = "pb:version")]
    version: Link,
    #[serde(rename = "pb:version-tag")]
    version_tag: Link,
    #[serde(rename = "pb:branch-version")]
    branch_version: Link,
    #[serde(rename = "pb:label")]
    label: Link,
    #[serde(rename = "pb:can-i-deploy-badge")]
    can_i_deploy_badge: Link,
    #[serde(rename = "pb:can-i-deploy-branch-to-environment-badge")]
    can_i_deploy_branch_to_environment_badge: Link,
    /// The Pact Broker documents each resource's relations in its own
    /// context.
    curies: Vec<Curie>,
    #[serde(
        rename = "pb:deployed-environments",
        skip_serializing_if = "Option::is_none"
    )]
    deployed_environments: Option<Vec<EnvironmentLink>>,
}

impl PacticipantView {
    pub fn new(base: &Base, p: &Pacticipant) -> PacticipantView {
        let name = p.name.as_str();
        let latest_version = p.latest_version.as_ref().map(|v| VersionView::new(base, v));
        PacticipantView {
            name: p.name.clone(),
            display_name: p.display_name.clone(),
            main_branch: p.main_branch.clone(),
            repository_url: p.repository_url.clone(),
            repository_name: p.repository_name.clone(),
            repository_namespace: p.repository_namespace.clone(),
            created_at: hal::time(p.created_at),
            updated_at: hal::time(p.updated_at),
            embedded: PacticipantEmbedded {
                labels: p
                    .labels
                    .iter()
                    .map(|l| EmbeddedLabel {
                        name: l.clone(),
                        links: SelfLink::new(Link::named(base.label(name, l), "Label", l)),
                    })
                    .collect(),
                latest_version_deprecated: latest_version.clone(),
                latest_version,
            },
            links: PacticipantLinks {
                self_: Link::named(base.pacticipant(name), "Pacticipant", name),
                pb_versions: Link::titled(base.versions(name), "All versions of this pacticipant"),
                versions: Link::titled(base.versions(name), "Deprecated - use pb:versions"),
                branches: Link::titled(base.branches(name), "All branches of this pacticipant"),
                version: Link::templated(
                    base.template(paths::VERSION, &[name]),
                    "Get, create or delete a pacticipant version",
                ),
                version_tag: Link::templated(
                    base.template(paths::TAG, &[name]),
                    format!("Get, create or delete a tag for a version of {name}"),
                ),
                branch_version: Link::templated(
                    base.template(paths::BRANCH_VERSION, &[name]),
                    format!("Get or add/create a version for a branch of {name}"),
                ),
                label: Link::templated(
                    base.template(paths::LABEL, &[name]),
                    format!("Get, create or delete a label for {name}"),
                ),
                can_i_deploy_badge: Link::templated(
                    base.template(paths::CAN_I_DEPLOY_TAG_TO_TAG_BADGE, &[name]),
                    format!("Can I Deploy {name} badge"),
                ),
                can_i_deploy_branch_to_environment_badge: Link::templated(
                    base.template(paths::CAN_I_DEPLOY_BRANCH_TO_ENVIRONMENT_BADGE, &[name]),
                    format!("Can I Deploy {name} from branch to environment badge"),
                ),
                curies: vec![Curie::new(base, "pb", "pacticipant")],
                deployed_environments: None,
            },
        }
    }

    /// The pacticipant resource: with where its versions are deployed now
    /// (`deployed`), as the Pact Broker's links (its collections do not).
    pub fn with_deployed(mut self, base: &Base, deployed: &[DeployedVersion]) -> PacticipantView {
        self.links.deployed_environments = Some(EnvironmentLink::deployed(base, deployed, false));
        self
    }
}

/// A page of pacticipants.
#[derive(Debug, Clone, Serialize)]
pub struct PacticipantsView {
    #[serde(rename = "_embedded")]
    embedded: PacticipantsEmbedded,
    #[serde(rename = "_links")]
    links: PacticipantsLinks,
    page: Page,
    /// `/pacticipants` only: the Pact Broker's deprecated top-level array,
    /// which the Rust CLI's `list-pacticipants` reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pacticipants: Option<Vec<DeprecatedPacticipant>>,
}

#[derive(Debug, Clone, Serialize)]
struct PacticipantsEmbedded {
    pacticipants: Vec<PacticipantView>,
}

#[derive(Debug, Clone, Serialize)]
struct PacticipantsLinks {
    #[serde(flatten)]
    pages: PageLinks,
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:pacticipants")]
    pb_pacticipants: Vec<Link>,
    pacticipants: Vec<Link>,
    #[serde(rename = "pb:pacticipants-with-label")]
    pacticipants_with_label: Link,
}

/// A pacticipant in the deprecated top-level array, titled as such.
#[derive(Debug, Clone, Serialize)]
struct DeprecatedPacticipant {
    #[serde(flatten)]
    pacticipant: PacticipantView,
    title: &'static str,
}

impl PacticipantsView {
    /// The page `listed` of the collection at `href`, with the deprecated
    /// top-level array when `deprecated_top_level`.
    pub fn new(
        base: &Base,
        href: String,
        listed: &Listed<Pacticipant>,
        deprecated_top_level: bool,
    ) -> PacticipantsView {
        let (page, pages) = pagination(&href, listed.page, listed.total);
        let items: Vec<PacticipantView> = listed
            .items
            .iter()
            .map(|p| PacticipantView::new(base, p))
            .collect();
        let links: Vec<Link> = listed
            .items
            .iter()
            .map(|p| Link::named(base.pacticipant(&p.name), &p.display_name, &p.name))
            .collect();
        let deprecated = deprecated_top_level.then(|| {
            items
                .iter()
                .map(|p| DeprecatedPacticipant {
                    pacticipant: p.clone(),
                    title: "DEPRECATED - Please use the embedded pacticipants collection",
                })
                .collect()
        });
        PacticipantsView {
            embedded: PacticipantsEmbedded {
                pacticipants: items,
            },
            links: PacticipantsLinks {
                pages,
                self_: Link::new(href),
                pb_pacticipants: links.clone(),
                pacticipants: links,
                pacticipants_with_label: Link::templated(
                    base.template(paths::PACTICIPANTS_WITH_LABEL, &[]),
                    "Find pacticipants by label",
                ),
            },
            page,
            pacticipants: deprecated,
        }
    }
}

/// A pacticipant embedded in another resource: its name and URL.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddedPacticipant {
    name: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl EmbeddedPacticipant {
    pub fn new(base: &Base, name: &str) -> EmbeddedPacticipant {
        EmbeddedPacticipant {
            name: name.to_owned(),
            links: SelfLink::new(Link::new(base.pacticipant(name))),
        }
    }
}

/// A label of a pacticipant, as the Pact Broker's label decorator renders
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct LabelView {
    name: String,
    #[serde(rename = "_links")]
    links: LabelLinks,
}

/// `pacticipant` is the Pact Broker's relation; the `pb:` form is kept
/// alongside.
#[derive(Debug, Clone, Serialize)]
struct LabelLinks {
    #[serde(rename = "self")]
    self_: Link,
    pacticipant: Link,
    #[serde(rename = "pb:pacticipant")]
    pb_pacticipant: Link,
}

impl LabelView {
    pub fn new(base: &Base, pacticipant: &str, label: &str) -> LabelView {
        let pacticipant_link =
            Link::named(base.pacticipant(pacticipant), "Pacticipant", pacticipant);
        LabelView {
            name: label.to_owned(),
            links: LabelLinks {
                self_: Link::named(base.label(pacticipant, label), "Label", label),
                pacticipant: pacticipant_link.clone(),
                pb_pacticipant: pacticipant_link,
            },
        }
    }
}

/// A page of the labels in use.
#[derive(Debug, Clone, Serialize)]
pub struct LabelsView {
    #[serde(rename = "_embedded")]
    embedded: LabelsEmbedded,
    #[serde(rename = "_links")]
    links: PagedLinks,
    page: Page,
}

#[derive(Debug, Clone, Serialize)]
struct LabelsEmbedded {
    labels: Vec<LabelName>,
}

#[derive(Debug, Clone, Serialize)]
struct LabelName {
    name: String,
}

impl LabelsView {
    pub fn new(base: &Base, listed: &Listed<String>) -> LabelsView {
        let href = base.labels();
        let (page, pages) = pagination(&href, listed.page, listed.total);
        LabelsView {
            embedded: LabelsEmbedded {
                labels: listed
                    .items
                    .iter()
                    .map(|name| LabelName { name: name.clone() })
                    .collect(),
            },
            links: PagedLinks::new(pages, Link::new(href)),
            page,
        }
    }
}
