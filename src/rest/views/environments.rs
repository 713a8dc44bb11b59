//! Environments, and the links of the relations that name one link per
//! environment.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::rest::hal::{self, Base, Link};
use crate::service::deployments::{DeployedVersion, ReleasedVersion, VersionPlaces};
use crate::service::environments::{Contact, Environment};

/// An environment, as the Pact Broker's environment decorator renders it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentView {
    uuid: String,
    name: String,
    display_name: String,
    production: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<ContactView>>,
    /// Like the Pact Broker, only once it differs from `createdAt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<String>,
    created_at: String,
    #[serde(rename = "_links")]
    links: EnvironmentLinks,
}

#[derive(Debug, Clone, Serialize)]
struct ContactView {
    name: String,
    // Free-form details, whatever the user gave.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Serialize)]
struct EnvironmentLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:currently-deployed-deployed-versions")]
    currently_deployed: Link,
    #[serde(rename = "pb:currently-supported-released-versions")]
    currently_supported: Link,
    #[serde(rename = "pb:environments")]
    environments: Link,
}

impl EnvironmentView {
    pub fn new(base: &Base, e: &Environment) -> EnvironmentView {
        let display = &e.display_name;
        EnvironmentView {
            uuid: e.uuid.clone(),
            name: e.name.clone(),
            display_name: e.display_name.clone(),
            production: e.production,
            contacts: e
                .contacts
                .as_ref()
                .map(|contacts| contacts.iter().map(ContactView::new).collect()),
            updated_at: (e.updated_at != e.created_at).then(|| hal::time(e.updated_at)),
            created_at: hal::time(e.created_at),
            links: EnvironmentLinks {
                self_: environment_link(base, e),
                currently_deployed: Link::titled(
                    base.currently_deployed(&e.uuid),
                    format!("Versions currently deployed to {display} environment"),
                ),
                currently_supported: Link::titled(
                    base.currently_supported(&e.uuid),
                    format!("Versions released and supported in {display} environment"),
                ),
                environments: Link::titled(base.environments(), "Environments"),
            },
        }
    }
}

impl ContactView {
    fn new(c: &Contact) -> ContactView {
        ContactView {
            name: c.name.clone(),
            details: c.details.clone(),
        }
    }
}

fn environment_link(base: &Base, e: &Environment) -> Link {
    Link::named(base.environment(&e.uuid), "Environment", &e.name)
}

/// `/environments`: the environments, embedded and linked.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentsView {
    #[serde(rename = "_embedded")]
    embedded: EnvironmentsEmbedded,
    #[serde(rename = "_links")]
    links: EnvironmentsLinks,
}

#[derive(Debug, Clone, Serialize)]
struct EnvironmentsEmbedded {
    environments: Vec<EnvironmentView>,
}

#[derive(Debug, Clone, Serialize)]
struct EnvironmentsLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:environments")]
    environments: Vec<Link>,
}

impl EnvironmentsView {
    pub fn new(base: &Base, environments: &[Environment]) -> EnvironmentsView {
        EnvironmentsView {
            embedded: EnvironmentsEmbedded {
                environments: environments
                    .iter()
                    .map(|e| EnvironmentView::new(base, e))
                    .collect(),
            },
            links: EnvironmentsLinks {
                self_: Link::titled(base.environments(), "Environments"),
                environments: environments
                    .iter()
                    .map(|e| environment_link(base, e))
                    .collect(),
            },
        }
    }
}

/// A link of the relations with one link per environment:
/// `pb:deployed-environments`, `pb:released-environments`,
/// `pb:record-deployment` and `pb:record-release`. The Pact Broker writes
/// these `title` first, and the state of a deployment or release beside in
/// snake case.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentLink {
    title: String,
    name: String,
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    currently_deployed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currently_supported: Option<bool>,
}

impl EnvironmentLink {
    /// `pb:deployed-environments`: where a version is or was deployed,
    /// with its application instance when `with_instance`.
    pub fn deployed<'a>(
        base: &Base,
        deployed: impl IntoIterator<Item = &'a DeployedVersion>,
        with_instance: bool,
    ) -> Vec<EnvironmentLink> {
        deployed
            .into_iter()
            .map(|d| {
                let display = &d.environment.display_name;
                EnvironmentLink {
                    title: format!("Version deployed to {display}"),
                    name: display.clone(),
                    href: base.deployed_version(&d.uuid),
                    currently_deployed: Some(d.currently_deployed),
                    application_instance: d.application_instance.clone().filter(|_| with_instance),
                    currently_supported: None,
                }
            })
            .collect()
    }

    /// `pb:released-environments`: where a version is or was released.
    pub fn released<'a>(
        base: &Base,
        released: impl IntoIterator<Item = &'a ReleasedVersion>,
    ) -> Vec<EnvironmentLink> {
        released
            .into_iter()
            .map(|r| {
                let display = &r.environment.display_name;
                EnvironmentLink {
                    title: format!("Version released to {display}"),
                    name: display.clone(),
                    href: base.released_version(&r.uuid),
                    currently_deployed: None,
                    application_instance: None,
                    currently_supported: Some(r.currently_supported),
                }
            })
            .collect()
    }

    /// `pb:record-deployment` or `pb:record-release` (`verb`): where to
    /// record one of the version at `path` for each environment, named
    /// after it, which is how the CLIs find the one to record to.
    pub fn record(base: &Base, places: &VersionPlaces, path: &str, verb: &str) -> Vec<Self> {
        places
            .environments
            .iter()
            .map(|e| EnvironmentLink {
                title: format!("Record {verb} to {}", e.display_name),
                name: e.name.clone(),
                href: base.fill(path, &[&places.pacticipant, &places.version, &e.uuid]),
                currently_deployed: None,
                application_instance: None,
                currently_supported: None,
            })
            .collect()
    }
}
