//! The matrix: the verdict over the rows, and the rows shown.

use serde::Serialize;

use super::{NoticeView, SelfLink};
use crate::domain::matrix::Row;
use crate::rest::hal::{self, Base, Link};
use crate::service::matrix::{MatrixAnswer, VersionDetails};

/// The Pact Broker's matrix body, also the body of the can-i-deploy
/// resources.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixView {
    summary: SummaryView,
    notices: Vec<NoticeView>,
    matrix: Vec<RowView>,
}

#[derive(Debug, Clone, Serialize)]
struct SummaryView {
    deployable: Option<bool>,
    reason: String,
    success: usize,
    failed: usize,
    unknown: usize,
    /// Only when ignore selectors were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored: Option<usize>,
}

/// A row: a consumer version's pact, and its verification by a provider
/// version, if any.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct RowView {
    consumer: RowPacticipant,
    provider: RowPacticipant,
    pact: RowPact,
    verification_result: Option<RowVerification>,
    /// Only on a row an ignore selector matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
struct RowPacticipant {
    name: String,
    /// Always the consumer's; the provider's when the pact was verified.
    version: Option<MatrixVersion>,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct RowPact {
    created_at: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct RowVerification {
    success: bool,
    verified_at: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

/// A version in a row, with its branches, current environments and tags.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct MatrixVersion {
    number: String,
    /// The last of `branches`.
    branch: Option<String>,
    branches: Vec<MatrixBranch>,
    /// The same as `branches`.
    branch_versions: Vec<MatrixBranch>,
    environments: Vec<MatrixEnvironment>,
    #[serde(rename = "_links")]
    links: SelfLink,
    tags: Vec<MatrixTag>,
}

#[derive(Debug, Clone, Serialize)]
struct MatrixBranch {
    name: String,
    latest: bool,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct MatrixEnvironment {
    uuid: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    production: bool,
    created_at: String,
    updated_at: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct MatrixTag {
    name: String,
    latest: bool,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl MatrixView {
    pub fn new(base: &Base, answer: &MatrixAnswer) -> MatrixView {
        let s = &answer.summary;
        MatrixView {
            summary: SummaryView {
                deployable: s.deployable,
                reason: s.reason(),
                success: s.success,
                failed: s.failed,
                unknown: s.unknown,
                ignored: s.ignored,
            },
            notices: s
                .reasons
                .iter()
                .map(|r| NoticeView::new(r.kind, &r.text))
                .collect(),
            matrix: answer
                .rows
                .iter()
                .map(|shown| RowView {
                    ignored: shown.ignored.then_some(true),
                    ..RowView::new(base, &answer.details, &shown.row)
                })
                .collect(),
        }
    }
}

impl RowView {
    fn new(base: &Base, details: &VersionDetails, row: &Row) -> RowView {
        let pacticipant = |name: &str| SelfLink::new(Link::new(base.pacticipant(name)));
        let consumer_version = &row.consumer_version;
        RowView {
            consumer: RowPacticipant {
                name: row.consumer.clone(),
                version: Some(MatrixVersion::new(
                    base,
                    details,
                    &row.consumer,
                    consumer_version.id,
                    &consumer_version.number,
                )),
                links: pacticipant(&row.consumer),
            },
            provider: RowPacticipant {
                name: row.provider.clone(),
                version: row
                    .provider_version
                    .as_ref()
                    .map(|v| MatrixVersion::new(base, details, &row.provider, v.id, &v.number)),
                links: pacticipant(&row.provider),
            },
            pact: RowPact {
                created_at: hal::time(row.pact_created_at),
                links: SelfLink::new(Link::new(base.pact(
                    &row.provider,
                    &row.consumer,
                    &consumer_version.number,
                ))),
            },
            verification_result: row.verification.as_ref().map(|v| RowVerification {
                success: v.success,
                verified_at: hal::time(v.executed_at),
                links: SelfLink::new(Link::new(base.verification_result(
                    &row.provider,
                    &row.consumer,
                    &row.pact_version_sha,
                    &v.number.to_string(),
                ))),
            }),
            ignored: None,
        }
    }
}

impl MatrixVersion {
    /// Version `number` (`id`) of `pacticipant`, with what `details`
    /// hold of it.
    fn new(
        base: &Base,
        details: &VersionDetails,
        pacticipant: &str,
        id: i64,
        number: &str,
    ) -> MatrixVersion {
        let branches: Vec<MatrixBranch> = details
            .branches
            .iter()
            .filter(|b| b.version_id == id)
            .map(|b| MatrixBranch {
                name: b.name.clone(),
                latest: b.latest,
                links: SelfLink::new(Link::named(
                    base.branch_version(pacticipant, &b.name, number),
                    "Branch version",
                    &b.name,
                )),
            })
            .collect();
        let environments = details
            .environments
            .iter()
            .filter(|e| e.version_id == id)
            .map(|e| MatrixEnvironment {
                uuid: e.uuid.clone(),
                name: e.name.clone(),
                display_name: e.display_name.clone(),
                production: e.production,
                created_at: hal::time(e.created_at),
                updated_at: hal::time(e.updated_at),
                links: SelfLink::new(Link::named(
                    base.environment(&e.uuid),
                    "Environment",
                    &e.name,
                )),
            })
            .collect();
        let tags = details
            .tags
            .iter()
            .filter(|t| t.version_id == id)
            .map(|t| MatrixTag {
                name: t.name.clone(),
                latest: t.latest,
                links: SelfLink::new(Link::new(base.tag(pacticipant, number, &t.name))),
            })
            .collect();
        MatrixVersion {
            number: number.to_owned(),
            branch: branches.last().map(|b| b.name.clone()),
            branch_versions: branches.clone(),
            branches,
            environments,
            links: SelfLink::new(Link::new(base.version(pacticipant, number))),
            tags,
        }
    }
}
