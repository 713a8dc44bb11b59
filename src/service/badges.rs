//! What the pact badges show: the latest pact between a consumer and a
//! provider (with a tag, without any, or for the matrix badge between two
//! tags) and where its verification stands. A missing pacticipant or pact
//! is an answer, not an error: the badge says "pact not found". The
//! can-i-deploy and can-i-merge badges take their verdicts from the matrix
//! (`service/matrix.rs`).

use super::Broker;
use crate::domain::badge::{LatestResult, PactStatus};
use crate::domain::names;
use crate::domain::pact::PactSelector;
use crate::error::Result;
use crate::store::models::PacticipantRow;
use crate::store::verifications as verification_store;
use crate::store::verifications::{ConsumerVersionFilter, Detailed, Tags};
use crate::store::{Conn, pacticipants as pacticipant_store, pacts as pact_store};

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
    /// The pact chosen by `which` and its status: that of the latest
    /// result of the newest consumer version whose pact was verified, which
    /// is "changed" when that was earlier content. For the pact of a tag, or
    /// the untagged one, that version has the tag, or none.
    pub async fn pact_badge(
        &self,
        consumer: &str,
        provider: &str,
        which: &PactSelector,
    ) -> Result<PactBadge> {
        let mut conn = self.store.conn().await?;
        conn.build_transaction()
            .read_only()
            .repeatable_read()
            .run(async |conn| {
                let Some((consumer, provider)) = pair(conn, consumer, provider).await? else {
                    return Ok(PactBadge::not_found());
                };
                let tags = match which {
                    PactSelector::Tag(tag) if !names::can_exist(tag) => {
                        return Ok(PactBadge::not_found());
                    }
                    PactSelector::Tag(tag) => Tags::With(tag),
                    PactSelector::Untagged => Tags::Untagged,
                    _ => Tags::Any,
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
                let only = ConsumerVersionFilter {
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
                    &PactSelector::Tag(consumer_tag.to_owned()),
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
