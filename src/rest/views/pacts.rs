//! Pacts: the pact resource, what publishing contracts answers, and the
//! collections of pacts of a pair, of a provider and the latest of each
//! integration.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::pacticipants::EmbeddedPacticipant;
use super::versions::EmbeddedVersion;
use super::{NoticeView, Page, PageLinks, SelfLink, pagination};
use crate::domain::notice::{Notice, NoticeKind};
use crate::error::Result;
use crate::links::paths;
use crate::rest::hal::{self, Base, Curie, Link};
use crate::service::{ConsumerVersions, Listed, Pact, PublishResult};

/// The URL of a pact by its consumer version.
pub fn pact_url(base: &Base, p: &Pact) -> String {
    base.pact(&p.provider, &p.consumer, &p.consumer_version)
}

fn pact_title(p: &Pact) -> String {
    format!(
        "Pact between {} ({}) and {}",
        p.consumer, p.consumer_version, p.provider
    )
}

/// A pact: the pact document with `createdAt` and the pact resource's
/// `_links`, which take the place of any the document has.
#[derive(Debug, Clone)]
pub struct PactView {
    // The consumer's pact document: arbitrary JSON.
    content: Map<String, Value>,
    created_at: String,
    links: PactLinks,
}

#[derive(Debug, Clone, Serialize)]
struct PactLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:consumer")]
    consumer: Link,
    #[serde(rename = "pb:consumer-version")]
    consumer_version: Link,
    #[serde(rename = "pb:provider")]
    provider: Link,
    #[serde(rename = "pb:pact-version")]
    pact_version: Link,
    #[serde(rename = "pb:latest-pact-version")]
    latest_pact_version: Link,
    #[serde(rename = "pb:all-pact-versions")]
    all_pact_versions: Link,
    #[serde(rename = "pb:publish-verification-results")]
    publish_verification_results: Link,
    #[serde(rename = "pb:latest-verification-results")]
    latest_verification_results: Link,
    #[serde(rename = "pb:latest-tagged-pact-version")]
    latest_tagged_pact_version: Link,
    curies: Vec<Curie>,
}

impl PactView {
    /// `metadata` is the segment of the URL the pact was fetched by,
    /// carried into the link results are published to.
    pub fn new(base: &Base, p: &Pact, metadata: Option<&str>) -> Result<PactView> {
        let content = serde_json::from_str(&p.content).map_err(anyhow::Error::from)?;
        let (provider, consumer) = (p.provider.as_str(), p.consumer.as_str());
        let links = PactLinks {
            self_: Link::named(pact_url(base, p), "Pact", pact_title(p)),
            consumer: Link::named(base.pacticipant(consumer), "Consumer", consumer),
            consumer_version: Link::named(
                base.version(consumer, &p.consumer_version),
                "Consumer version",
                &p.consumer_version,
            ),
            provider: Link::named(base.pacticipant(provider), "Provider", provider),
            pact_version: Link::named(
                base.pact_version(provider, consumer, &p.sha),
                "Pact content version permalink",
                &p.sha,
            ),
            latest_pact_version: Link::titled(
                base.latest_pact(provider, consumer),
                "Latest version of this pact",
            ),
            all_pact_versions: Link::titled(
                base.pact_versions(provider, consumer),
                "All versions of this pact",
            ),
            publish_verification_results: Link::titled(
                base.verification_results(provider, consumer, &p.sha, metadata),
                "Publish verification results",
            ),
            latest_verification_results: Link::new(
                base.latest_verification_result(provider, consumer, &p.sha),
            ),
            latest_tagged_pact_version: Link::templated(
                base.template(paths::LATEST_TAGGED_PACT, &[provider, consumer]),
                "Latest version of this pact for a given consumer version tag",
            ),
            curies: hal::curies(base),
        };
        Ok(PactView {
            content,
            created_at: hal::time(p.created_at),
            links,
        })
    }
}

/// The document's keys in its order, `createdAt` and `_links` where the
/// document has them, else after the rest.
impl Serialize for PactView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in &self.content {
            match key.as_str() {
                "createdAt" => map.serialize_entry(key, &self.created_at)?,
                "_links" => map.serialize_entry(key, &self.links)?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        if !self.content.contains_key("createdAt") {
            map.serialize_entry("createdAt", &self.created_at)?;
        }
        if !self.content.contains_key("_links") {
            map.serialize_entry("_links", &self.links)?;
        }
        map.end()
    }
}

/// What `POST /contracts/publish` answers, as the Pact Broker's publish
/// contracts results decorator renders it: the notices, again as the
/// deprecated `logs`, and the version and pacts published.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedContractsView {
    notices: Vec<NoticeView>,
    logs: Vec<LogView>,
    #[serde(rename = "_embedded")]
    embedded: PublishedEmbedded,
    #[serde(rename = "_links")]
    links: PublishedLinks,
}

/// A notice in the deprecated form, with a level.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct LogView {
    level: &'static str,
    message: String,
    deprecation_warning: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct PublishedEmbedded {
    pacticipant: EmbeddedPacticipant,
    version: PublishedVersion,
}

/// The version published, with the branch the request published it to
/// and its build URL, when set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedVersion {
    #[serde(flatten)]
    version: EmbeddedVersion,
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct PublishedLinks {
    #[serde(rename = "pb:pacticipant")]
    pacticipant: Link,
    #[serde(rename = "pb:pacticipant-version")]
    pacticipant_version: Link,
    #[serde(rename = "pb:pacticipant-version-tags")]
    pacticipant_version_tags: Vec<Link>,
    #[serde(rename = "pb:contracts")]
    contracts: Vec<Link>,
}

impl PublishedContractsView {
    /// `notices` are what to tell the user; `branch` is the branch the
    /// request published to (the version may be on others).
    pub fn new(
        base: &Base,
        result: &PublishResult,
        branch: Option<String>,
        notices: &[Notice],
    ) -> PublishedContractsView {
        let version = &result.version;
        let consumer = version.pacticipant.as_str();
        let number = version.number.as_str();
        PublishedContractsView {
            notices: notices
                .iter()
                .map(|n| NoticeView::new(n.kind, &n.text))
                .collect(),
            logs: notices
                .iter()
                .map(|n| LogView {
                    level: match n.kind {
                        NoticeKind::Error | NoticeKind::Danger => "error",
                        NoticeKind::Warning => "warn",
                        NoticeKind::Debug => "debug",
                        _ => "info",
                    },
                    message: n.text.clone(),
                    deprecation_warning: "Replaced by notices",
                })
                .collect(),
            embedded: PublishedEmbedded {
                pacticipant: EmbeddedPacticipant::new(base, consumer),
                version: PublishedVersion {
                    version: EmbeddedVersion::new(base, consumer, number),
                    branch,
                    build_url: version.build_url.clone(),
                },
            },
            links: PublishedLinks {
                pacticipant: Link::named(base.pacticipant(consumer), "Pacticipant", consumer),
                pacticipant_version: Link::named(
                    base.version(consumer, number),
                    "Pacticipant version",
                    number,
                ),
                pacticipant_version_tags: version
                    .tags
                    .iter()
                    .map(|t| Link::named(base.tag(consumer, number, &t.name), "Tag", &t.name))
                    .collect(),
                contracts: result
                    .contracts
                    .iter()
                    .map(|c| Link::named(pact_url(base, &c.pact), "Pact", pact_title(&c.pact)))
                    .collect(),
            },
        }
    }
}

/// A page of the pacts between a provider and a consumer, as the Pact
/// Broker's pact versions decorator renders them
/// (`api/decorators/pact_versions_decorator.rb`), and `pb:pacts` beside.
#[derive(Debug, Clone, Serialize)]
pub struct PactVersionsView {
    #[serde(rename = "_embedded")]
    embedded: PactVersionsEmbedded,
    #[serde(rename = "_links")]
    links: PactVersionsLinks,
    page: Page,
}

#[derive(Debug, Clone, Serialize)]
struct PactVersionsEmbedded {
    pacts: Vec<PactVersionView>,
}

/// A pact in the collection: when, and from which consumer version.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PactVersionView {
    created_at: String,
    #[serde(rename = "_embedded")]
    embedded: PactVersionEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct PactVersionEmbedded {
    consumer_version: EmbeddedVersion,
}

#[derive(Debug, Clone, Serialize)]
struct PactVersionsLinks {
    #[serde(flatten)]
    pages: PageLinks,
    #[serde(rename = "self")]
    self_: Link,
    consumer: Link,
    provider: Link,
    #[serde(rename = "pact-versions")]
    pact_versions: Vec<Link>,
    #[serde(rename = "pb:pacts")]
    pacts: Vec<Link>,
}

impl PactVersionsView {
    /// The page `listed` of the collection at `href`.
    pub fn new(
        base: &Base,
        (provider, consumer): (&str, &str),
        href: String,
        listed: &Listed<Pact>,
    ) -> PactVersionsView {
        let (page, pages) = pagination(&href, listed.page, listed.total);
        let pacts = &listed.items;
        PactVersionsView {
            embedded: PactVersionsEmbedded {
                pacts: pacts
                    .iter()
                    .map(|pact| PactVersionView {
                        created_at: hal::time(pact.created_at),
                        embedded: PactVersionEmbedded {
                            consumer_version: EmbeddedVersion::new(
                                base,
                                consumer,
                                &pact.consumer_version,
                            ),
                        },
                        links: SelfLink::new(Link::titled(pact_url(base, pact), pact_title(pact))),
                    })
                    .collect(),
            },
            links: PactVersionsLinks {
                pages,
                self_: Link::titled(
                    href,
                    format!("All versions of the pact between {consumer} and {provider}"),
                ),
                consumer: Link::named(base.pacticipant(consumer), "Consumer", consumer),
                provider: Link::named(base.pacticipant(provider), "Provider", provider),
                pact_versions: pacts
                    .iter()
                    .map(|pact| {
                        let name = format!(
                            "Version {} - {}",
                            pact.consumer_version,
                            pact.created_at.format("%d/%m/%Y")
                        );
                        Link::named(pact_url(base, pact), "Pact", name)
                    })
                    .collect(),
                pacts: pacts
                    .iter()
                    .map(|pact| Link::named(pact_url(base, pact), "Pact", pact_title(pact)))
                    .collect(),
            },
            page,
        }
    }
}

/// `/pacts/latest`: a page of the latest pact of each integration.
#[derive(Debug, Clone, Serialize)]
pub struct LatestPactsView {
    pacts: Vec<LatestPactView>,
    #[serde(rename = "_links")]
    links: LatestPactsLinks,
    page: Page,
}

/// The latest pact URL of each integration, under `pb:pacts` and the
/// deprecated `pacts` that older clients still read.
#[derive(Debug, Clone, Serialize)]
struct LatestPactsLinks {
    #[serde(flatten)]
    pages: PageLinks,
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:pacts")]
    pb_pacts: Vec<Link>,
    pacts: Vec<Link>,
}

/// A pact in `/pacts/latest`: whose it is, linked by its latest URL and by
/// its version, as the Pact Broker's latest pact decorator renders it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct LatestPactView {
    #[serde(rename = "_embedded")]
    embedded: LatestPactEmbedded,
    created_at: String,
    #[serde(rename = "_links")]
    links: LatestPactLinks,
}

#[derive(Debug, Clone, Serialize)]
struct LatestPactEmbedded {
    consumer: LatestPactConsumer,
    provider: EmbeddedPacticipant,
}

/// The consumer of a latest pact, with the number of its version.
#[derive(Debug, Clone, Serialize)]
struct LatestPactConsumer {
    name: String,
    #[serde(rename = "_embedded")]
    embedded: LatestPactConsumerEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct LatestPactConsumerEmbedded {
    version: VersionNumber,
}

#[derive(Debug, Clone, Serialize)]
struct VersionNumber {
    number: String,
}

/// `self` is both the latest pact URL and the pact's own.
#[derive(Debug, Clone, Serialize)]
struct LatestPactLinks {
    #[serde(rename = "self")]
    self_: [Link; 2],
}

impl LatestPactsView {
    pub fn new(base: &Base, listed: &Listed<Pact>) -> LatestPactsView {
        let href = base.latest_pacts();
        let (page, pages) = pagination(&href, listed.page, listed.total);
        let latest_link = |pact: &Pact| {
            let title = format!(
                "Latest pact between {} and {}",
                pact.consumer, pact.provider
            );
            Link::titled(base.latest_pact(&pact.provider, &pact.consumer), title)
        };
        LatestPactsView {
            pacts: listed
                .items
                .iter()
                .map(|pact| LatestPactView::new(base, pact))
                .collect(),
            links: LatestPactsLinks {
                pages,
                self_: Link::new(href),
                pb_pacts: listed.items.iter().map(latest_link).collect(),
                pacts: listed
                    .items
                    .iter()
                    .map(|pact| Link {
                        name: Some("DEPRECATED - please use the pb:pacts relation".into()),
                        ..latest_link(pact)
                    })
                    .collect(),
            },
            page,
        }
    }
}

impl LatestPactView {
    fn new(base: &Base, p: &Pact) -> LatestPactView {
        LatestPactView {
            embedded: LatestPactEmbedded {
                consumer: LatestPactConsumer {
                    name: p.consumer.clone(),
                    embedded: LatestPactConsumerEmbedded {
                        version: VersionNumber {
                            number: p.consumer_version.clone(),
                        },
                    },
                    links: SelfLink::new(Link::new(base.pacticipant(&p.consumer))),
                },
                provider: EmbeddedPacticipant::new(base, &p.provider),
            },
            created_at: hal::time(p.created_at),
            links: LatestPactLinks {
                self_: [
                    Link::new(base.latest_pact(&p.provider, &p.consumer)),
                    Link::new(pact_url(base, p)),
                ],
            },
        }
    }
}

/// Pacts of a provider as the Pact Broker lists them
/// (`api/decorators/provider_pacts_decorator.rb`): the `pb:` relations and
/// the deprecated `provider` and `pacts` that older clients read (the Rust
/// verifier iterates `pacts`).
#[derive(Debug, Clone, Serialize)]
pub struct ProviderPactsView {
    #[serde(rename = "_links")]
    links: ProviderPactsLinks,
}

#[derive(Debug, Clone, Serialize)]
struct ProviderPactsLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:provider")]
    pb_provider: Link,
    #[serde(rename = "pb:pacts")]
    pb_pacts: Vec<Link>,
    provider: Link,
    pacts: Vec<Link>,
}

impl ProviderPactsView {
    /// The latest pact from `from` of each consumer of `provider`, at
    /// `href`, titled as the Pact Broker's resources
    /// (`latest_provider_pacts.rb`, `latest_provider_pacts_for_branch.rb`).
    pub fn latest(
        base: &Base,
        provider: &str,
        href: String,
        from: &ConsumerVersions,
        pacts: &[Pact],
    ) -> ProviderPactsView {
        let suffix = match from {
            ConsumerVersions::Tag(tag) => format!(" with consumer version tag '{tag}'"),
            ConsumerVersions::Branch(branch) => {
                format!(" with consumer version branch '{branch}'")
            }
            ConsumerVersions::All | ConsumerVersions::MainBranch => String::new(),
        };
        let title = format!("Latest pact versions for the provider {provider}{suffix}");
        ProviderPactsView::new(base, provider, Link::titled(href, title), pacts)
    }

    /// Every pact of `provider` from its consumers' versions on `branch`
    /// (on their main branches when `None`), at `href`, titled as the Pact
    /// Broker's resource (`provider_pacts_for_consumer_branch.rb`).
    pub fn on_branch(
        base: &Base,
        provider: &str,
        href: String,
        branch: Option<&str>,
        pacts: &[Pact],
    ) -> ProviderPactsView {
        let suffix = branch
            .map(|branch| format!(" with consumer version branch '{branch}'"))
            .unwrap_or_default();
        let title = format!("All pact versions for the provider {provider}{suffix}");
        ProviderPactsView::new(base, provider, Link::titled(href, title), pacts)
    }

    fn new(base: &Base, provider: &str, self_: Link, pacts: &[Pact]) -> ProviderPactsView {
        let provider_url = base.pacticipant(provider);
        let links = |title: &dyn Fn(&Pact) -> String| {
            pacts
                .iter()
                .map(|pact| Link::named(pact_url(base, pact), title(pact), &pact.consumer))
                .collect()
        };
        ProviderPactsView {
            links: ProviderPactsLinks {
                self_,
                pb_provider: Link::named(provider_url.clone(), "Provider", provider),
                pb_pacts: links(&pact_title),
                provider: Link::named(
                    provider_url,
                    provider,
                    "DEPRECATED - please use the pb:provider relation",
                ),
                pacts: links(&|pact| {
                    format!(
                        "DEPRECATED - please use the pb:pacts relation. {}",
                        pact_title(pact)
                    )
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documents_own_links_and_date_are_replaced_in_place() {
        let pact = Pact {
            consumer: "C".into(),
            provider: "P".into(),
            consumer_version: "1".into(),
            sha: "abc".into(),
            content: r#"{"consumer":{},"_links":{},"createdAt":"then","provider":{}}"#.into(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            consumer_version_branches: Vec::new(),
            consumer_version_tags: Vec::new(),
        };
        let view = PactView::new(&Base("http://b".into()), &pact, None).unwrap();
        let json: Map<String, Value> = serde_json::from_value(serde_json::json!(view)).unwrap();
        let keys: Vec<&str> = json.keys().map(String::as_str).collect();
        assert_eq!(keys, ["consumer", "_links", "createdAt", "provider"]);
        assert_eq!(json["createdAt"], "1970-01-01T00:00:00+00:00");
        assert_eq!(json["_links"]["self"]["title"], "Pact");
    }
}
