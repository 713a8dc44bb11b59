//! Verification results: a provider version's verdict on pact content.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::Value;

use super::versions::check_build_url;
use super::{Broker, existing_pacticipant};
use crate::domain::{metadata, names};
use crate::error::{Error, Result, Violations};
use crate::store::models::PacticipantRow;
use crate::store::verifications::{NewVerification, VerificationRow};
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
            "providerApplicationVersion",
            names::single_line(&self.provider_version).map(drop),
        );
        if let Some(branch) = &self.provider_version_branch {
            violations.check("providerVersionBranch", names::branch(branch).map(drop));
        }
        for (i, tag) in self.provider_version_tags.iter().enumerate() {
            violations.check(
                &format!("providerVersionTags[{i}]"),
                names::single_line(tag).map(drop),
            );
        }
        if let Some(url) = &self.build_url {
            violations.check("buildUrl", check_build_url(url));
        }
        if let Some(by) = &self.verified_by
            && !by.is_object()
        {
            violations.add("verifiedBy", "must be an object");
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
            let (version, _) =
                version_store::find_or_create(conn, provider_row.id, &input.provider_version, None)
                    .await?;
            if let Some(branch) = &input.provider_version_branch {
                version_store::add_to_branch(conn, &version, branch, false).await?;
            }
            for tag in &input.provider_version_tags {
                version_store::add_tag(conn, &version, tag).await?;
            }
            let tags: Vec<String> = version_store::tags_of(conn, &[version.id])
                .await?
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
        let content_id = existing_content(&mut conn, &consumer_row, &provider_row, sha).await?;
        let number = match number {
            Some(number) => Some(number),
            None => store::latest_number(&mut conn, content_id).await?,
        };
        let found = match number {
            Some(number) => store::find(&mut conn, content_id, number).await?,
            None => None,
        };
        let (row, provider_version) = found.ok_or_else(|| {
            let which = number.map_or("No verification result".to_owned(), |n| {
                format!("No verification result {n}")
            });
            Error::NotFound(format!("{which} of pact content '{sha}' found"))
        })?;
        Ok(verification_of(
            row,
            &consumer_row.name,
            &provider_row.name,
            sha,
            provider_version,
        ))
    }
}
