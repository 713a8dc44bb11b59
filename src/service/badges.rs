//! What the pact badges show: the latest pact between a consumer and a
//! provider (with a tag, without any, or for the matrix badge between two
//! tags) and where its verification stands. A missing pacticipant or pact
//! is an answer, not an error: the badge says "pact not found". The
//! can-i-deploy and can-i-merge badges take their verdicts from the matrix
//! (`service/matrix.rs`).

use super::Broker;
use crate::domain::badge::{LatestResult, PactStatus};
use crate::domain::names;
use crate::error::Result;
use crate::store::models::PacticipantRow;
use crate::store::pacts::Which;
use crate::store::verifications as verification_store;
use crate::store::verifications::{ConsumerVersions, Detailed, Tags};
use crate::store::{Conn, pacticipants as pacticipant_store, pacts as pact_store};

/// Which latest pact of a consumer and provider a pact badge is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LatestPact {
    Latest,
    /// The latest for a consumer version with this tag.
    Tag(String),
    /// The latest for a consumer version without any tag.
    Untagged,
}

/// What a pact badge shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactBadge {
    /// The consumer's and provider's names, when the pact exists.
    pub names: Option<(String, String)>,
    pub status: PactStatus,
}

impl PactBadge {
    fn not_found() -> PactBadge {
        PactBadge {
            names: None,
            status: PactStatus::Unknown,
        }
    }

    fn of(
        consumer: PacticipantRow,
        provider: PacticipantRow,
        sha: &str,
        latest: Option<Detailed>,
    ) -> PactBadge {
        let status = PactStatus::of(
            sha,
            latest.as_ref().map(|(row, _, verified_sha)| LatestResult {
                sha: verified_sha,
                success: row.success,
                pending: row.pact_pending,
            }),
        );
        PactBadge {
            names: Some((consumer.name, provider.name)),
            status,
        }
    }
}

impl Broker {
    /// The latest pact chosen by `which` and its status: that of the latest
    /// result of the newest consumer version (of the same kind) whose pact
    /// was verified, which is "changed" when that was earlier content.
    pub async fn pact_badge(
        &self,
        consumer: &str,
        provider: &str,
        which: &LatestPact,
    ) -> Result<PactBadge> {
        let mut conn = self.store.conn().await?;
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                let Some((consumer, provider)) = pair(conn, consumer, provider).await? else {
                    return Ok(PactBadge::not_found());
                };
                let (which, tags) = match which {
                    LatestPact::Latest => (Which::Latest, Tags::Any),
                    LatestPact::Tag(tag) if !names::can_exist(tag) => {
                        return Ok(PactBadge::not_found());
                    }
                    LatestPact::Tag(tag) => (Which::Tag(tag), Tags::With(tag)),
                    LatestPact::Untagged => (Which::Untagged, Tags::Untagged),
                };
                let ids = (consumer.id, provider.id);
                let found = pact_store::find(
                    conn,
                    (consumer.id, &consumer.name),
                    (provider.id, &provider.name),
                    which,
                )
                .await?;
                let Some(pact) = found else {
                    return Ok(PactBadge::not_found());
                };
                let only = ConsumerVersions {
                    branch_id: None,
                    tags,
                };
                let latest = verification_store::latest_per_consumer_version(conn, ids, only, 0, 1)
                    .await?
                    .into_iter()
                    .next()
                    .map(|(_, detailed)| detailed);
                Ok(PactBadge::of(consumer, provider, &pact.sha, latest))
            })
            .await
    }

    /// The matrix badge: the latest pact of a consumer version with
    /// `consumer_tag`, and its status from the latest result by a provider
    /// version with `provider_tag`.
    pub async fn matrix_badge(
        &self,
        consumer: &str,
        consumer_tag: &str,
        provider: &str,
        provider_tag: &str,
    ) -> Result<PactBadge> {
        let mut conn = self.store.conn().await?;
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                let Some((consumer, provider)) = pair(conn, consumer, provider).await? else {
                    return Ok(PactBadge::not_found());
                };
                if ![consumer_tag, provider_tag]
                    .into_iter()
                    .all(names::can_exist)
                {
                    // No version carries such a tag.
                    return Ok(PactBadge::not_found());
                }
                let found = pact_store::find(
                    conn,
                    (consumer.id, &consumer.name),
                    (provider.id, &provider.name),
                    Which::Tag(consumer_tag),
                )
                .await?;
                let Some(pact) = found else {
                    return Ok(PactBadge::not_found());
                };
                let latest = verification_store::latest_between_tags(
                    conn,
                    (consumer.id, provider.id),
                    consumer_tag,
                    provider_tag,
                )
                .await?;
                Ok(PactBadge::of(consumer, provider, &pact.sha, latest))
            })
            .await
    }
}

/// Both pacticipants, or `None` when either does not exist.
async fn pair(
    conn: &mut Conn,
    consumer: &str,
    provider: &str,
) -> Result<Option<(PacticipantRow, PacticipantRow)>> {
    if !names::can_exist(consumer) || !names::can_exist(provider) {
        return Ok(None);
    }
    let Some(consumer) = pacticipant_store::find(conn, consumer).await? else {
        return Ok(None);
    };
    Ok(pacticipant_store::find(conn, provider)
        .await?
        .map(|provider| (consumer, provider)))
}
