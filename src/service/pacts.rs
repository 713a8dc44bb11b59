//! Publishing contracts and reading pacts.

use std::collections::HashSet;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::versions::{
    Version, branch_version, check_build_url, describe_version, labelled, tag_version_with_all,
    version_of,
};
use super::{Broker, Listed, existing_pacticipant, existing_version};
use crate::domain::names;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::pact::{self, PactSelector};
use crate::domain::page::Page;
use crate::error::{Error, Result, Violations};
use crate::store::models::{PacticipantRow, VersionRow};
use crate::store::pacts::{NewContent, PactRecord};
use crate::store::{
    Conn, pacticipants as pacticipant_store, pacts as store, versions as version_store,
};

/// A pact as published for one consumer version.
#[derive(Debug, Clone)]
pub struct Pact {
    pub consumer: String,
    pub provider: String,
    pub consumer_version: String,
    pub sha: String,
    /// The pact document as JSON text.
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub consumer_version_branches: Vec<String>,
    pub consumer_version_tags: Vec<String>,
}

/// What to do when a consumer version already has a different pact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConflictStrategy {
    #[default]
    Overwrite,
    Merge,
}

/// One contract of a publish request, its content already decoded.
#[derive(Debug, Clone)]
pub struct ContractInput {
    pub consumer_name: String,
    pub provider_name: String,
    pub specification: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub on_conflict: ConflictStrategy,
}

/// A publish request: one consumer version and its contracts.
#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    pub pacticipant_name: String,
    pub pacticipant_version_number: String,
    pub branch: Option<String>,
    pub tags: Vec<String>,
    pub build_url: Option<String>,
    pub contracts: Vec<ContractInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationOutcome {
    /// The consumer version had no pact with this provider.
    Created,
    /// Identical content was published again.
    Unchanged,
    /// Interactions were merged into the existing pact.
    Merged,
    /// Different content replaced the pact (only when dangerous contract
    /// modification is allowed).
    Overwritten,
}

#[derive(Debug, Clone)]
pub struct PublishResult {
    /// Whether the version was created or updated, with its branch and tags.
    pub version_notice: Notice,
    pub version: Version,
    pub contracts: Vec<PublishedContract>,
}

impl PublishResult {
    /// Every notice: the version's, then each contract's.
    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        std::iter::once(&self.version_notice).chain(self.contracts.iter().map(|c| &c.notice))
    }
}

/// A contract as published.
#[derive(Debug, Clone)]
pub struct PublishedContract {
    pub pact: Pact,
    pub outcome: PublicationOutcome,
    /// What the publication did, for the person publishing.
    pub notice: Notice,
}

/// The consumer versions a provider's collection of pacts draws from.
#[derive(Debug, Clone)]
pub enum ConsumerVersions {
    All,
    Tag(String),
    Branch(String),
    /// Each consumer's own main branch.
    MainBranch,
}

impl ConsumerVersions {
    /// The pact of an integration that is the latest of these versions;
    /// none when the consumer has no main branch, or the tag or branch is
    /// a name nothing can have.
    fn latest(&self, consumer_main_branch: Option<&str>) -> Option<PactSelector> {
        let which = match self {
            ConsumerVersions::All => PactSelector::Latest,
            ConsumerVersions::Tag(tag) => PactSelector::Tag(tag.clone()),
            ConsumerVersions::Branch(branch) => PactSelector::Branch(branch.clone()),
            ConsumerVersions::MainBranch => PactSelector::Branch(consumer_main_branch?.to_owned()),
        };
        match which {
            PactSelector::Tag(name) | PactSelector::Branch(name) if !names::can_exist(&name) => {
                None
            }
            which => Some(which),
        }
    }
}

/// A contract that passed validation.
struct ValidContract {
    provider_name: String,
    document: pact::Document,
    on_conflict: ConflictStrategy,
}

impl PublishInput {
    /// Checks the whole request, reporting every problem, before anything is
    /// written.
    fn validate(&self) -> Result<Vec<ValidContract>> {
        let mut violations = Violations::default();
        violations.check(
            "pacticipant_name",
            names::single_line(&self.pacticipant_name).map(drop),
        );
        violations.check(
            "pacticipant_version_number",
            names::single_line(&self.pacticipant_version_number).map(drop),
        );
        if let Some(branch) = &self.branch {
            violations.check("branch", names::branch(branch).map(drop));
        }
        for (i, tag) in self.tags.iter().enumerate() {
            violations.check(&format!("tags[{i}]"), names::single_line(tag).map(drop));
        }
        if let Some(url) = &self.build_url {
            violations.check("build_url", check_build_url(url));
        }
        if self.contracts.is_empty() {
            violations.add("contracts", "must contain at least one contract");
        }
        let mut valid = Vec::new();
        for (i, contract) in self.contracts.iter().enumerate() {
            let field = |name: &str| format!("contracts[{i}].{name}");
            if contract.consumer_name != self.pacticipant_name {
                violations.add(
                    field("consumer_name"),
                    format!("must match pacticipantName ('{}')", self.pacticipant_name),
                );
            }
            violations.check(
                &field("provider_name"),
                names::single_line(&contract.provider_name).map(drop),
            );
            if contract.specification != "pact" {
                violations.add(field("specification"), "must be 'pact'");
            }
            if contract.content_type != "application/json" {
                violations.add(field("content_type"), "must be 'application/json'");
            }
            let Some(document) =
                violations.check(&field("content"), pact::parse(&contract.content))
            else {
                continue;
            };
            let names_ok = check_names(
                &document,
                &contract.consumer_name,
                &contract.provider_name,
                &mut violations,
                &field("content"),
            );
            if names_ok {
                valid.push(ValidContract {
                    provider_name: contract.provider_name.clone(),
                    document,
                    on_conflict: contract.on_conflict,
                });
            }
        }
        violations.into_result()?;
        Ok(valid)
    }
}

/// The consumer and provider names inside the pact must be the ones it is
/// published under.
fn check_names(
    document: &pact::Document,
    consumer: &str,
    provider: &str,
    violations: &mut Violations,
    field: &str,
) -> bool {
    let mut ok = true;
    for (role, inside, expected) in [
        ("consumer", pact::consumer_name(document), consumer),
        ("provider", pact::provider_name(document), provider),
    ] {
        match inside {
            Some(name) if name == expected => {}
            Some(name) => {
                ok = false;
                violations.add(
                    field,
                    format!("the {role} name in the pact ('{name}') does not match '{expected}'"),
                );
            }
            None => {
                ok = false;
                violations.add(field, format!("must contain {role}.name"));
            }
        }
    }
    ok
}

fn conflict_text(consumer: &str, version: &str, provider: &str) -> String {
    format!(
        "Cannot change the content of the pact for {consumer} version {version} and provider {provider}, \
         as race conditions will cause unreliable results for can-i-deploy. Each pact must be published \
         with a unique consumer version number. Some Pact libraries generate random data when a concrete \
         value for a type matcher is not specified, and this can cause the contract to mutate - ensure you \
         have given example values for all type matchers. For more information see \
         https://docs.pact.io/go/versioning"
    )
}

/// A merge that would change the request of published interactions.
fn merge_conflict(consumer: &str, version: &str, provider: &str, conflicts: &[String]) -> Error {
    let text = format!(
        "Cannot merge into the pact for {consumer} version {version} and provider {provider}: \
         the request of {} differs from the published one. Give the changed interaction \
         another description or provider state, or publish a new consumer version.",
        conflicts.join(", ")
    );
    Error::Conflict {
        field: "interactions".into(),
        message: text,
        explanation: Vec::new(),
    }
}

fn version_notice(consumer: &str, version: &Version, created: bool) -> Notice {
    let mut text = format!(
        "{} {consumer} version {}",
        if created { "Created" } else { "Updated" },
        version.number
    );
    let branches: Vec<&str> = version.branches.iter().map(|b| b.name.as_str()).collect();
    let tags: Vec<&str> = version.tags.iter().map(|t| t.name.as_str()).collect();
    if !branches.is_empty() {
        text.push_str(&format!(" with branch {}", branches.join(", ")));
    }
    if !tags.is_empty() {
        let joiner = if branches.is_empty() { " with" } else { " and" };
        let noun = if tags.len() == 1 { "tag" } else { "tags" };
        text.push_str(&format!("{joiner} {noun} {}", tags.join(", ")));
    }
    Notice::new(NoticeKind::Success, text)
}

fn outcome_notice(
    outcome: PublicationOutcome,
    consumer: &str,
    version: &str,
    provider: &str,
) -> Notice {
    let subject = format!("for {consumer} version {version} and provider {provider}");
    match outcome {
        PublicationOutcome::Created => Notice::new(
            NoticeKind::Success,
            format!("Pact successfully published {subject}."),
        ),
        PublicationOutcome::Unchanged => Notice::new(
            NoticeKind::Success,
            format!("Pact successfully republished {subject} with no content changes."),
        ),
        PublicationOutcome::Merged => Notice::new(
            NoticeKind::Success,
            format!("Pact successfully merged {subject}."),
        ),
        PublicationOutcome::Overwritten => Notice::new(
            NoticeKind::Danger,
            format!(
                "Pact published {subject} with content changes. Changing the content of a published pact is not \
                 recommended, as it makes can-i-deploy results unreliable."
            ),
        ),
    }
}

impl Broker {
    /// Publishes the contracts of one consumer version in one transaction:
    /// either every contract is stored or nothing is.
    pub async fn publish_contracts(&self, input: PublishInput) -> Result<PublishResult> {
        let _room = self
            .room_for(input.contracts.iter().map(|c| c.content.len()).sum())
            .await?;
        let (input, contracts) = self
            .on_cpu(move || {
                let contracts = input.validate();
                (input, contracts)
            })
            .await?;
        let contracts = contracts?;
        let allow_overwrite = self.settings.allow_dangerous_contract_modification;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let names: Vec<&str> = std::iter::once(input.pacticipant_name.as_str())
                .chain(contracts.iter().map(|c| c.provider_name.as_str()))
                .collect();
            let mut pacticipants = pacticipant_store::find_or_create_all(conn, &names)
                .await?
                .into_iter()
                .map(|(row, _)| row);
            let consumer = pacticipants.next().expect("the consumer was named first");
            let (version_row, created) = version_store::find_or_create(
                conn,
                consumer.id,
                &input.pacticipant_version_number,
                input.build_url.as_deref(),
            )
            .await?;
            let mut providers_published = HashSet::new();
            let mut stored = Vec::with_capacity(contracts.len());
            for (contract, provider) in contracts.into_iter().zip(pacticipants) {
                let unpublished = created && providers_published.insert(provider.id);
                let (record, outcome) = store_pact(
                    self,
                    conn,
                    (&consumer, &provider, &version_row),
                    contract.document,
                    contract.on_conflict,
                    Rules {
                        allow_overwrite,
                        refuse_changed_requests: false,
                    },
                    unpublished,
                )
                .await?;
                stored.push((record, outcome));
            }
            // Branch and tags last: moving a branch head locks the branch row
            // until commit, so concurrent publishes on one branch wait for the
            // shortest time.
            let membership = match &input.branch {
                Some(branch) => {
                    branch_version(conn, &self.settings, &consumer, &version_row, branch, false)
                        .await?
                }
                None => None,
            };
            let (branched, tags) = tag_version_with_all(
                conn,
                &self.settings,
                &consumer,
                &version_row,
                &input.tags,
                labelled(input.branch.is_some(), created),
            )
            .await?;
            // A version this transaction created has only what it was given.
            let version = if created {
                version_of(
                    &consumer.name,
                    version_row,
                    membership.iter().chain(&branched),
                    &tags,
                )
            } else {
                describe_version(conn, &consumer.name, version_row).await?
            };
            let contracts = stored
                .into_iter()
                .map(|(record, outcome)| PublishedContract {
                    notice: outcome_notice(
                        outcome,
                        &consumer.name,
                        &version.number,
                        &record.provider,
                    ),
                    pact: pact_of(record, &version),
                    outcome,
                })
                .collect();
            Ok(PublishResult {
                version_notice: version_notice(&consumer.name, &version, created),
                version,
                contracts,
            })
        })
        .await
    }

    /// The legacy single-pact publish (`PUT /pacts/provider/P/consumer/C/version/V`
    /// and its PATCH, which merges). Returns whether the pact is new.
    pub async fn publish_pact(
        &self,
        consumer: &str,
        provider: &str,
        version: &str,
        content: Bytes,
        strategy: ConflictStrategy,
    ) -> Result<(Pact, PublicationOutcome)> {
        let mut violations = Violations::default();
        violations.check("consumer", names::single_line(consumer).map(drop));
        violations.check("provider", names::single_line(provider).map(drop));
        violations.check("consumer_version", names::single_line(version).map(drop));
        let _room = self.room_for(content.len()).await?;
        let parsed = self.on_cpu(move || pact::parse(&content)).await?;
        let document = violations.check("pact", parsed);
        if let Some(document) = &document {
            check_names(document, consumer, provider, &mut violations, "pact");
        }
        violations.into_result()?;
        let document = document.expect("validated above");
        let allow_overwrite = self.settings.allow_dangerous_contract_modification;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let mut pacticipants =
                pacticipant_store::find_or_create_all(conn, &[consumer, provider])
                    .await?
                    .into_iter()
                    .map(|(row, _)| row);
            let (consumer, provider) = (
                pacticipants.next().expect("the consumer was named first"),
                pacticipants.next().expect("the provider was named second"),
            );
            let (version_row, created) =
                version_store::find_or_create(conn, consumer.id, version, None).await?;
            let (record, outcome) = store_pact(
                self,
                conn,
                (&consumer, &provider, &version_row),
                document,
                strategy,
                Rules {
                    allow_overwrite,
                    // The legacy PATCH refuses to merge an interaction whose
                    // request changed, as the Pact Broker does.
                    refuse_changed_requests: strategy == ConflictStrategy::Merge,
                },
                created,
            )
            .await?;
            let version = describe_version(conn, &consumer.name, version_row).await?;
            Ok((pact_of(record, &version), outcome))
        })
        .await
    }

    /// One pact of a consumer and provider.
    pub async fn get_pact(
        &self,
        consumer: &str,
        provider: &str,
        selector: &PactSelector,
    ) -> Result<Pact> {
        let mut conn = self.store.conn().await?;
        let consumer_row = existing_pacticipant(&mut conn, consumer).await?;
        let provider_row = existing_pacticipant(&mut conn, provider).await?;
        let record = existing_pact(&mut conn, &consumer_row, &provider_row, selector).await?;
        describe_pact(&mut conn, &consumer_row, record).await
    }

    /// The pacts between a consumer and a provider (from its versions on
    /// `branch` when given), newest first.
    pub async fn list_pact_versions(
        &self,
        consumer: &str,
        provider: &str,
        branch: Option<&str>,
        page: Page,
    ) -> Result<Listed<Pact>> {
        let mut conn = self.store.conn().await?;
        let consumer_row = existing_pacticipant(&mut conn, consumer).await?;
        let provider_row = existing_pacticipant(&mut conn, provider).await?;
        if branch.is_some_and(|b| !names::can_exist(b)) {
            let none = Vec::new();
            return Ok(Listed {
                items: none,
                total: 0,
                page,
            });
        }
        let (records, total) = store::list_for_pair(
            &mut conn,
            (consumer_row.id, &consumer_row.name),
            (provider_row.id, &provider_row.name),
            branch,
            page,
        )
        .await?;
        let mut items = Vec::with_capacity(records.len());
        for record in records {
            items.push(describe_pact(&mut conn, &consumer_row, record).await?);
        }
        Ok(Listed { items, total, page })
    }

    /// The latest pact of every integration, or of one provider's.
    pub async fn list_latest_pacts(
        &self,
        provider: Option<&str>,
        page: Page,
    ) -> Result<Listed<Pact>> {
        let mut conn = self.store.conn().await?;
        let provider_id = match provider {
            Some(name) => Some(existing_pacticipant(&mut conn, name).await?.id),
            None => None,
        };
        let (items, total) =
            latest_pacts_page(&mut conn, provider_id, &ConsumerVersions::All, page).await?;
        Ok(Listed { items, total, page })
    }

    /// The latest pact from `from` of every consumer of `provider`.
    pub async fn latest_pacts_for_provider(
        &self,
        provider: &str,
        from: &ConsumerVersions,
    ) -> Result<Vec<Pact>> {
        let mut conn = self.store.conn().await?;
        let provider_id = existing_pacticipant(&mut conn, provider).await?.id;
        let mut pacts = Vec::new();
        let mut next = Some(Page::first_largest());
        while let Some(page) = next {
            let (found, integrations) =
                latest_pacts_page(&mut conn, Some(provider_id), from, page).await?;
            pacts.extend(found);
            // A page holds fewer pacts than integrations when some have
            // none from `from`, so the integrations say when to stop.
            next = page.next(integrations);
        }
        Ok(pacts)
    }

    /// Every pact of `provider` from its consumers' versions on `branch`,
    /// or on each consumer's main branch when `None`.
    pub async fn pacts_for_provider_on_branch(
        &self,
        provider: &str,
        branch: Option<&str>,
    ) -> Result<Vec<Pact>> {
        let mut conn = self.store.conn().await?;
        let provider_id = existing_pacticipant(&mut conn, provider).await?.id;
        let mut pacts = Vec::new();
        let mut integrations_page = Some(Page::first_largest());
        while let Some(page) = integrations_page {
            let (integrations, total) =
                store::integrations(&mut conn, Some(provider_id), page).await?;
            for integration in &integrations {
                let Some(branch) = branch.or(integration.consumer_main_branch.as_deref()) else {
                    continue;
                };
                if !names::can_exist(branch) {
                    continue;
                }
                let consumer = (integration.consumer.0, integration.consumer.1.as_str());
                let provider = (integration.provider.0, integration.provider.1.as_str());
                let consumer_row = existing_pacticipant(&mut conn, consumer.1).await?;
                let mut pacts_page = Some(Page::first_largest());
                while let Some(page) = pacts_page {
                    let (records, total) =
                        store::list_for_pair(&mut conn, consumer, provider, Some(branch), page)
                            .await?;
                    for record in records {
                        pacts.push(describe_pact(&mut conn, &consumer_row, record).await?);
                    }
                    pacts_page = page.next(total);
                }
            }
            integrations_page = page.next(total);
        }
        Ok(pacts)
    }

    /// Deletes the pact published for a consumer version and provider.
    pub async fn delete_pact(&self, consumer: &str, provider: &str, version: &str) -> Result<()> {
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let consumer_row = existing_pacticipant(conn, consumer).await?;
            let provider_row = existing_pacticipant(conn, provider).await?;
            let version_row = existing_version(conn, &consumer_row, version).await?;
            if store::delete_publications(conn, version_row.id, provider_row.id).await? {
                store::prune_integrations(conn, consumer_row.id).await
            } else {
                Err(Error::NotFound(pact_not_found(
                    consumer,
                    provider,
                    &PactSelector::ConsumerVersion(version.to_owned()),
                )))
            }
        })
        .await
    }
}

/// Which publication rules apply to one publish.
#[derive(Debug, Clone, Copy)]
struct Rules {
    /// Different content may replace a published pact.
    allow_overwrite: bool,
    /// A merge may not change the request of an existing interaction.
    refuse_changed_requests: bool,
}

/// Stores `document` as the pact of `version` with `provider`, applying
/// the publication rules: identical content is a no-op, a merge adds a
/// revision, different content is a conflict unless overwriting is allowed.
/// `unpublished` says the version was created by this transaction and has
/// no pact with the provider yet: nobody else can see it, so there is
/// nothing to lock or read.
async fn store_pact(
    broker: &Broker,
    conn: &mut Conn,
    (consumer, provider, version): (&PacticipantRow, &PacticipantRow, &VersionRow),
    document: pact::Document,
    strategy: ConflictStrategy,
    rules: Rules,
    unpublished: bool,
) -> Result<(PactRecord, PublicationOutcome)> {
    let stored = if unpublished {
        None
    } else {
        store::lock_consumer_version(conn, version.id).await?;
        let existing = store::latest_publication(conn, version.id, provider.id).await?;
        existing.map(|(publication, content)| StoredPact {
            sha: content.sha,
            content: content.content,
            created_at: publication.created_at,
            revision: publication.revision_number,
        })
    };
    let names = [&consumer.name, &version.number, &provider.name].map(String::clone);
    let decision = broker
        .on_cpu(move || decide(stored, document, strategy, rules, &names))
        .await??;
    let (new, outcome, revision) = match decision {
        Decision::Unchanged(stored) => {
            let record = record_of(
                consumer,
                provider,
                version,
                &stored.sha,
                stored.content,
                stored.created_at,
            );
            return Ok((record, PublicationOutcome::Unchanged));
        }
        Decision::Store {
            content,
            outcome,
            revision,
        } => (content, outcome, revision),
    };
    let published = store::insert_publication(
        conn,
        version.id,
        &NewContent {
            consumer_id: consumer.id,
            provider_id: provider.id,
            sha: &new.sha,
            content: &new.content,
            interactions_count: new.interactions_count,
            messages_count: new.messages_count,
        },
        revision,
    )
    .await?;
    let record = record_of(
        consumer,
        provider,
        version,
        &new.sha,
        published.stored_content.unwrap_or(new.content),
        published.created_at,
    );
    Ok((record, outcome))
}

/// The latest publication of a pact of a consumer version.
struct StoredPact {
    sha: String,
    content: String,
    created_at: DateTime<Utc>,
    revision: i32,
}

/// What publishing a pact decides about the stored one.
enum Decision {
    /// The content is the stored content, handed back.
    Unchanged(StoredPact),
    /// New content to store as this revision, and what storing it does.
    Store {
        content: PactContent,
        outcome: PublicationOutcome,
        revision: i32,
    },
}

/// Pact content ready to store.
struct PactContent {
    sha: String,
    content: String,
    interactions_count: i32,
    messages_count: i32,
}

/// The publication rules over `document` and the stored pact, if any:
/// the CPU-heavy part of publishing, with no database. `names` are the
/// consumer's, the version's and the provider's, for the errors.
fn decide(
    stored: Option<StoredPact>,
    document: pact::Document,
    strategy: ConflictStrategy,
    rules: Rules,
    [consumer, version, provider]: &[String; 3],
) -> Result<Decision> {
    let Some(stored) = stored else {
        return Ok(Decision::Store {
            content: content_of(&document)?,
            outcome: PublicationOutcome::Created,
            revision: 1,
        });
    };
    let before: pact::Document = pact::parse(stored.content.as_bytes())
        .map_err(|err| anyhow::anyhow!("stored pact {} {err}", stored.sha))?;
    if strategy == ConflictStrategy::Merge && rules.refuse_changed_requests {
        let conflicts = pact::merge_conflicts(&before, &document);
        if !conflicts.is_empty() {
            return Err(merge_conflict(consumer, version, provider, &conflicts));
        }
    }
    let incoming = match strategy {
        ConflictStrategy::Merge => pact::merge(&before, &document),
        ConflictStrategy::Overwrite => document,
    };
    if pact::content_sha(&incoming) == stored.sha {
        return Ok(Decision::Unchanged(stored));
    }
    let outcome = match strategy {
        ConflictStrategy::Merge => PublicationOutcome::Merged,
        ConflictStrategy::Overwrite if rules.allow_overwrite => PublicationOutcome::Overwritten,
        ConflictStrategy::Overwrite => {
            return Err(Error::Conflict {
                field: "contracts".into(),
                message: conflict_text(consumer, version, provider),
                explanation: vec![Notice::new(
                    NoticeKind::Info,
                    pact::describe_difference(&before, &incoming),
                )],
            });
        }
    };
    Ok(Decision::Store {
        content: content_of(&incoming)?,
        outcome,
        revision: stored.revision + 1,
    })
}

fn content_of(document: &pact::Document) -> Result<PactContent> {
    let (interactions_count, messages_count) = pact::counts(document);
    Ok(PactContent {
        sha: pact::content_sha(document),
        content: serde_json::to_string(document).map_err(anyhow::Error::from)?,
        interactions_count,
        messages_count,
    })
}

fn record_of(
    consumer: &PacticipantRow,
    provider: &PacticipantRow,
    version: &VersionRow,
    sha: &str,
    content: String,
    created_at: DateTime<Utc>,
) -> PactRecord {
    PactRecord {
        consumer_version: version.number.clone(),
        consumer: consumer.name.clone(),
        provider: provider.name.clone(),
        sha: sha.to_owned(),
        content,
        created_at,
    }
}

fn pact_of(record: PactRecord, version: &Version) -> Pact {
    Pact {
        consumer: record.consumer,
        provider: record.provider,
        consumer_version: record.consumer_version,
        sha: record.sha,
        content: record.content,
        created_at: record.created_at,
        consumer_version_branches: version.branches.iter().map(|b| b.name.clone()).collect(),
        consumer_version_tags: version.tags.iter().map(|t| t.name.clone()).collect(),
    }
}

/// The pact between the two chosen by `selector`, or NOT_FOUND.
pub(super) async fn existing_pact(
    conn: &mut Conn,
    consumer: &PacticipantRow,
    provider: &PacticipantRow,
    selector: &PactSelector,
) -> Result<PactRecord> {
    let not_found = || Error::NotFound(pact_not_found(&consumer.name, &provider.name, selector));
    let value = match selector {
        PactSelector::ConsumerVersion(v)
        | PactSelector::Tag(v)
        | PactSelector::Branch(v)
        | PactSelector::Sha(v) => Some(v),
        PactSelector::Latest | PactSelector::Untagged => None,
    };
    if value.is_some_and(|v| !names::can_exist(v)) {
        // No version, tag, branch or content hash is named so.
        return Err(not_found());
    }
    store::find(
        conn,
        (consumer.id, &consumer.name),
        (provider.id, &provider.name),
        selector,
    )
    .await?
    .ok_or_else(not_found)
}

/// A page of the integrations (of `provider_id` when given) with the
/// latest pact from `from` of each that has one, and the number of
/// integrations.
async fn latest_pacts_page(
    conn: &mut Conn,
    provider_id: Option<i64>,
    from: &ConsumerVersions,
    page: Page,
) -> Result<(Vec<Pact>, i64)> {
    let (integrations, total) = store::integrations(conn, provider_id, page).await?;
    let mut pacts = Vec::new();
    for integration in &integrations {
        let Some(which) = from.latest(integration.consumer_main_branch.as_deref()) else {
            continue;
        };
        let (consumer_id, consumer) = &integration.consumer;
        let (provider_id, provider) = &integration.provider;
        if let Some(record) = store::find(
            conn,
            (*consumer_id, consumer),
            (*provider_id, provider),
            &which,
        )
        .await?
        {
            let consumer = existing_pacticipant(conn, consumer).await?;
            pacts.push(describe_pact(conn, &consumer, record).await?);
        }
    }
    Ok((pacts, total))
}

async fn describe_pact(
    conn: &mut Conn,
    consumer: &PacticipantRow,
    record: PactRecord,
) -> Result<Pact> {
    let version_row = existing_version(conn, consumer, &record.consumer_version).await?;
    let version = describe_version(conn, &consumer.name, version_row).await?;
    Ok(pact_of(record, &version))
}

fn pact_not_found(consumer: &str, provider: &str, selector: &PactSelector) -> String {
    let which = match selector {
        PactSelector::ConsumerVersion(v) => format!(" for consumer version '{v}'"),
        PactSelector::Latest => String::new(),
        PactSelector::Tag(t) => format!(" for a consumer version tagged '{t}'"),
        PactSelector::Branch(b) => format!(" for a consumer version on branch '{b}'"),
        PactSelector::Untagged => " for a consumer version without tags".to_owned(),
        PactSelector::Sha(s) => format!(" with content hash '{s}'"),
    };
    format!("No pact between consumer '{consumer}' and provider '{provider}'{which} found")
}
