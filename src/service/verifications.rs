//! Verification results: a provider version's verdict on pact content.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::Value;

use super::pacts::existing_pact;
use super::versions::{branch_version, check_build_url, labelled, tag_version_with_all};
use super::{Broker, existing_pacticipant, existing_version};
use crate::domain::pact::PactSelector;
use crate::domain::page::Page;
use crate::domain::{json, metadata, names};
use crate::error::{Error, Result, Violations};
use crate::store::models::PacticipantRow;
use crate::store::verifications::{
    ConsumerVersionFilter, Detailed, NewVerification, Tags, VerificationRow,
};
use crate::store::{Conn, verifications as store, versions as version_store};

/// A published verification result.
#[derive(Debug, Clone)]
pub struct Verification {
    pub number: i64,
    pub consumer: String,
    pub provider: String,
    pub sha: String,
    pub success: bool,
    pub provider_version: String,
    /// The provider version's tags when the result was published.
    pub provider_version_tags: Vec<String>,
    pub build_url: Option<String>,
    pub test_results: Option<Value>,
    pub verified_by: Option<Value>,
    pub wip: bool,
    pub pending: bool,
    pub verification_date: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The latest result of the pact of one consumer version.
#[derive(Debug, Clone)]
pub struct LatestVerification {
    pub consumer_version: String,
    pub verification: Verification,
}

/// One page of latest results, and whether more follow it.
#[derive(Debug, Clone)]
pub struct LatestVerifications {
    pub items: Vec<LatestVerification>,
    pub more: bool,
}

/// The latest results of the pacts of one consumer version.
#[derive(Debug, Clone)]
pub struct VerificationSummary {
    pub consumer: String,
    pub consumer_version: String,
    /// The latest result of each verified pact, by provider name (case
    /// ignored).
    pub verifications: Vec<Verification>,
    /// The providers whose pact has no result yet, by name.
    pub unverified: Vec<String>,
    /// Whether the latest result of every pact of the version passed; true
    /// when it has no pacts, as in the Pact Broker.
    pub success: bool,
}

impl VerificationSummary {
    fn new(
        consumer: String,
        consumer_version: String,
        mut verifications: Vec<Verification>,
        mut unverified: Vec<String>,
    ) -> Self {
        verifications.sort_by_key(|v| v.provider.to_lowercase());
        unverified.sort_by_key(|p| p.to_lowercase());
        let success = unverified.is_empty() && verifications.iter().all(|v| v.success);
        VerificationSummary {
            consumer,
            consumer_version,
            verifications,
            unverified,
            success,
        }
    }
}

/// A verification result to publish.
#[derive(Debug, Clone, Default)]
pub struct VerificationInput {
    /// Required; `None` is reported as missing.
    pub success: Option<bool>,
    pub provider_version: String,
    /// Added to the provider version before the tags are snapshotted.
    pub provider_version_branch: Option<String>,
    pub provider_version_tags: Vec<String>,
    pub build_url: Option<String>,
    pub test_results: Option<Value>,
    pub verified_by: Option<Value>,
    pub verification_date: Option<DateTime<Utc>>,
    /// The metadata segment of the pact URL the verifier was given.
    pub metadata: Option<String>,
}

impl VerificationInput {
    fn validate(&self) -> Result<(bool, metadata::Metadata)> {
        let mut violations = Violations::default();
        let success = self.success;
        if success.is_none() {
            violations.add("success", "is required and must be true or false");
        }
        violations.check(
            "provider_version",
            names::single_line(&self.provider_version).map(drop),
        );
        if let Some(branch) = &self.provider_version_branch {
            violations.check("provider_version_branch", names::branch(branch).map(drop));
        }
        for (i, tag) in self.provider_version_tags.iter().enumerate() {
            violations.check(
                &format!("provider_version_tags[{i}]"),
                names::single_line(tag).map(drop),
            );
        }
        if let Some(url) = &self.build_url {
            violations.check("build_url", check_build_url(url));
        }
        match &self.verified_by {
            Some(by) if !by.is_object() => violations.add("verified_by", "must be an object"),
            Some(by) => {
                violations.check("verified_by", json::storable(by));
            }
            None => {}
        }
        if let Some(results) = &self.test_results {
            violations.check("test_results", json::storable(results));
        }
        let metadata = match &self.metadata {
            Some(segment) => violations.check("metadata", metadata::decode(segment)),
            None => Some(metadata::Metadata::default()),
        };
        violations.into_result()?;
        Ok((success.expect("validated"), metadata.expect("validated")))
    }
}

fn verification_of(
    row: VerificationRow,
    consumer: &str,
    provider: &str,
    sha: &str,
    provider_version: String,
) -> Verification {
    Verification {
        number: row.number,
        consumer: consumer.to_owned(),
        provider: provider.to_owned(),
        sha: sha.to_owned(),
        success: row.success,
        provider_version,
        provider_version_tags: row.provider_version_tags.into_iter().flatten().collect(),
        build_url: row.build_url,
        test_results: row.test_results,
        verified_by: row.verified_by,
        wip: row.wip,
        pending: row.pact_pending,
        verification_date: row.execution_date,
        created_at: row.created_at,
    }
}

/// The pact content with `sha` between the two, or NOT_FOUND.
async fn existing_content(
    conn: &mut Conn,
    consumer: &PacticipantRow,
    provider: &PacticipantRow,
    sha: &str,
) -> Result<i64> {
    let found = if names::can_exist(sha) {
        store::find_content_id(conn, consumer.id, provider.id, sha).await?
    } else {
        None
    };
    found.ok_or_else(|| {
        Error::NotFound(format!(
            "No pact between consumer '{}' and provider '{}' with content hash '{sha}' found",
            consumer.name, provider.name
        ))
    })
}

impl Broker {
    /// Records a provider version's verification of pact content. The
    /// provider version (with the branch and tags given) is created on the
    /// way; its tags are snapshotted into the result.
    pub async fn publish_verification(
        &self,
        consumer: &str,
        provider: &str,
        sha: &str,
        input: VerificationInput,
    ) -> Result<Verification> {
        let (success, metadata) = input.validate()?;
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let consumer_row = existing_pacticipant(conn, consumer).await?;
            let provider_row = existing_pacticipant(conn, provider).await?;
            let content_id = existing_content(conn, &consumer_row, &provider_row, sha).await?;
            let (version, created) =
                version_store::find_or_create(conn, provider_row.id, &input.provider_version, None)
                    .await?;
            if let Some(branch) = &input.provider_version_branch {
                branch_version(conn, &self.settings, &provider_row, &version, branch, false)
                    .await?;
            }
            let (_, added) = tag_version_with_all(
                conn,
                &self.settings,
                &provider_row,
                &version,
                &input.provider_version_tags,
                labelled(input.provider_version_branch.is_some(), created),
            )
            .await?;
            // A version this transaction created has only the tags it added.
            let tags: Vec<String> = if created {
                added
            } else {
                version_store::branches_and_tags_of(conn, &[version.id])
                    .await?
                    .1
            }
            .into_iter()
            .map(|t| t.name)
            .collect();
            let row = store::insert(
                conn,
                &NewVerification {
                    pact_version_id: content_id,
                    consumer_id: consumer_row.id,
                    provider_id: provider_row.id,
                    provider_version_id: version.id,
                    success,
                    build_url: input.build_url.as_deref(),
                    test_results: input.test_results.as_ref(),
                    verified_by: input.verified_by.as_ref(),
                    provider_version_tags: &tags,
                    wip: metadata.wip,
                    pact_pending: metadata.pending,
                    execution_date: input.verification_date,
                },
            )
            .await?;
            Ok(verification_of(
                row,
                &consumer_row.name,
                &provider_row.name,
                sha,
                version.number,
            ))
        })
        .await
    }

    /// A verification result by its number, or the latest for the content
    /// when `number` is `None`.
    pub async fn get_verification(
        &self,
        consumer: &str,
        provider: &str,
        sha: &str,
        number: Option<i64>,
    ) -> Result<Verification> {
        let mut conn = self.store.conn().await?;
        let consumer_row = existing_pacticipant(&mut conn, consumer).await?;
        let provider_row = existing_pacticipant(&mut conn, provider).await?;
        read(&mut conn, (&consumer_row, &provider_row), sha, number).await
    }

    /// The latest verification result of the content of the pact chosen by
    /// `selector`.
    pub async fn latest_verification_of_pact(
        &self,
        consumer: &str,
        provider: &str,
        selector: &PactSelector,
    ) -> Result<Verification> {
        let mut conn = self.store.conn().await?;
        let consumer_row = existing_pacticipant(&mut conn, consumer).await?;
        let provider_row = existing_pacticipant(&mut conn, provider).await?;
        let pact = existing_pact(&mut conn, &consumer_row, &provider_row, selector).await?;
        read(&mut conn, (&consumer_row, &provider_row), &pact.sha, None).await
    }

    /// For each consumer version with a verified pact between the two (on
    /// `branch` and with `tag` when given), newest first, the latest result
    /// of its pact's content: one page, and whether more follow.
    pub async fn list_latest_verifications(
        &self,
        consumer: &str,
        provider: &str,
        branch: Option<&str>,
        tag: Option<&str>,
        page: Page,
    ) -> Result<LatestVerifications> {
        let mut conn = self.store.conn().await?;
        let consumer_row = existing_pacticipant(&mut conn, consumer).await?;
        let provider_row = existing_pacticipant(&mut conn, provider).await?;
        let none = LatestVerifications {
            items: Vec::new(),
            more: false,
        };
        if [branch, tag]
            .into_iter()
            .flatten()
            .any(|name| !names::can_exist(name))
        {
            // No version is on such a branch or carries such a tag.
            return Ok(none);
        }
        let branch_id = match branch {
            None => None,
            Some(name) => match version_store::find_branch(&mut conn, consumer_row.id, name).await?
            {
                Some(row) => Some(row.id),
                None => return Ok(none),
            },
        };
        // One more than the page, to tell whether another page follows
        // without counting the whole history.
        let mut rows = store::latest_per_consumer_version(
            &mut conn,
            (consumer_row.id, provider_row.id),
            ConsumerVersionFilter {
                branch_id,
                tags: tag.map_or(Tags::Any, Tags::With),
            },
            page.offset,
            page.size + 1,
        )
        .await?;
        let more = rows.len() as i64 > page.size;
        rows.truncate(page.size as usize);
        let items = rows
            .into_iter()
            .map(
                |(consumer_version, (row, provider_version, sha))| LatestVerification {
                    consumer_version,
                    verification: verification_of(
                        row,
                        &consumer_row.name,
                        &provider_row.name,
                        &sha,
                        provider_version,
                    ),
                },
            )
            .collect();
        Ok(LatestVerifications { items, more })
    }

    /// The latest result of the pact of a consumer version with each of its
    /// providers.
    pub async fn verification_summary(
        &self,
        consumer: &str,
        consumer_version: &str,
    ) -> Result<VerificationSummary> {
        let mut conn = self.store.conn().await?;
        // One snapshot, so a result deleted between the two reads is not
        // taken for a missing one.
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                let consumer_row = existing_pacticipant(conn, consumer).await?;
                let version = existing_version(conn, &consumer_row, consumer_version).await?;
                let providers = store::latest_per_provider(conn, version.id).await?;
                let ids: Vec<i64> = providers.iter().filter_map(|(_, id)| *id).collect();
                let mut detailed: HashMap<i64, Detailed> = store::detailed(conn, &ids)
                    .await?
                    .into_iter()
                    .map(|d| (d.0.id, d))
                    .collect();
                let mut verifications = Vec::new();
                let mut unverified = Vec::new();
                for (provider, id) in providers {
                    match id.and_then(|id| detailed.remove(&id)) {
                        Some((row, provider_version, sha)) => verifications.push(verification_of(
                            row,
                            &consumer_row.name,
                            &provider,
                            &sha,
                            provider_version,
                        )),
                        None => unverified.push(provider),
                    }
                }
                Ok(VerificationSummary::new(
                    consumer_row.name,
                    version.number,
                    verifications,
                    unverified,
                ))
            })
            .await
    }

    /// Deletes a verification result of pact content; the previous result
    /// of that content by the same provider version becomes its latest.
    pub async fn delete_verification(
        &self,
        consumer: &str,
        provider: &str,
        sha: &str,
        number: i64,
    ) -> Result<()> {
        let mut conn = self.store.conn().await?;
        conn.transaction(async |conn| {
            let consumer_row = existing_pacticipant(conn, consumer).await?;
            let provider_row = existing_pacticipant(conn, provider).await?;
            let content_id = existing_content(conn, &consumer_row, &provider_row, sha).await?;
            if store::delete(conn, content_id, number).await? {
                Ok(())
            } else {
                Err(result_not_found(sha, Some(number)))
            }
        })
        .await
    }
}

/// A verification result of the content with `sha` by its number, or the
/// latest when `number` is `None`; NOT_FOUND when there is none.
async fn read(
    conn: &mut Conn,
    (consumer, provider): (&PacticipantRow, &PacticipantRow),
    sha: &str,
    number: Option<i64>,
) -> Result<Verification> {
    let content_id = existing_content(conn, consumer, provider, sha).await?;
    let number = match number {
        Some(number) => Some(number),
        None => store::latest_number(conn, content_id).await?,
    };
    let found = match number {
        Some(number) => store::find(conn, content_id, number).await?,
        None => None,
    };
    let (row, provider_version) = found.ok_or_else(|| result_not_found(sha, number))?;
    Ok(verification_of(
        row,
        &consumer.name,
        &provider.name,
        sha,
        provider_version,
    ))
}

fn result_not_found(sha: &str, number: Option<i64>) -> Error {
    let which = number.map_or("No verification result".to_owned(), |n| {
        format!("No verification result {n}")
    });
    Error::NotFound(format!("{which} of pact content '{sha}' found"))
}
