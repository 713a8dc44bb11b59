//! `MatrixService`: matrix queries and can-i-deploy. The verdict covers
//! every row; a page only chooses which rows are returned.

use tonic::{Request, Response, Status};

use super::convert;
use super::pb;
use super::pb::matrix_service_server::MatrixService;
use crate::domain::matrix::{Destination, LatestBy, Summary, VersionSelector};
use crate::domain::notice::Notice;
use crate::error::{Error, Violations};
use crate::service::Broker;
use crate::service::matrix::{DeployTarget, MatrixAnswer, MatrixQuery, RowWindow};

pub struct Adapter(pub Broker);

#[tonic::async_trait]
impl MatrixService for Adapter {
    async fn query_matrix(
        &self,
        request: Request<pb::QueryMatrixRequest>,
    ) -> Result<Response<pb::QueryMatrixResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let mut violations = Violations::default();
        let latest_by = match pb::LatestBy::try_from(r.latest_by) {
            Ok(pb::LatestBy::Unspecified) => None,
            Ok(pb::LatestBy::Cvpv) => Some(LatestBy::Cvpv),
            Ok(pb::LatestBy::Cvp) => Some(LatestBy::Cvp),
            Ok(pb::LatestBy::Cp) => Some(LatestBy::Cp),
            Err(_) => {
                violations.add("latest_by", "is not a known value");
                None
            }
        };
        let destination = match r.destination {
            None => None,
            Some(pb::query_matrix_request::Destination::Tag(tag)) => {
                Some(Destination::Tag { tag, latest: true })
            }
            Some(pb::query_matrix_request::Destination::Environment(name)) => {
                Some(Destination::Environment(name))
            }
            Some(pb::query_matrix_request::Destination::MainBranch(true)) => {
                Some(Destination::MainBranch { latest: true })
            }
            Some(pb::query_matrix_request::Destination::MainBranch(false)) => None,
        };
        let query = MatrixQuery {
            selectors: r.selectors.into_iter().map(selector).collect(),
            latest_by,
            destination,
            ignore: r.ignore_selectors.into_iter().map(ignore).collect(),
            success: r.success.map(|s| vec![Some(s)]),
            // The proto promises a summary over every row: the filter only
            // chooses the rows returned.
            summary_after_success_filter: false,
        };
        violations
            .report_with(self.0.matrix_query_problems(&query))
            .await
            .map_err(proto_fields)?;
        let answer = self
            .0
            .query_matrix(query, window(&page))
            .await
            .map_err(proto_fields)?;
        let next_page_token = page.next_token(answer.total as i64);
        let (rows, summary) = convert_answer(answer);
        Ok(Response::new(pb::QueryMatrixResponse {
            rows,
            summary: Some(summary),
            next_page_token,
        }))
    }

    async fn can_i_deploy(
        &self,
        request: Request<pb::CanIDeployRequest>,
    ) -> Result<Response<pb::CanIDeployResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let target = match r.destination {
            Some(pb::can_i_deploy_request::Destination::ToTag(tag)) => Some(DeployTarget::Tag(tag)),
            Some(pb::can_i_deploy_request::Destination::Environment(name)) => {
                Some(DeployTarget::Environment(name))
            }
            Some(pb::can_i_deploy_request::Destination::MainBranch(true)) => {
                Some(DeployTarget::MainBranch)
            }
            Some(pb::can_i_deploy_request::Destination::MainBranch(false)) | None => None,
        };
        let answer = self
            .0
            .can_i_deploy(
                &r.pacticipant,
                &r.version,
                target,
                r.ignore_selectors.into_iter().map(ignore).collect(),
                window(&page),
            )
            .await
            .map_err(proto_fields)?;
        let next_page_token = page.next_token(answer.total as i64);
        let (rows, summary) = convert_answer(answer);
        Ok(Response::new(pb::CanIDeployResponse {
            rows,
            summary: Some(summary),
            next_page_token,
        }))
    }
}

/// The service calls the ignore selectors `ignore` and can-i-deploy's
/// destination `target`.
const PROTO_FIELDS: convert::ProtoFields = convert::ProtoFields {
    within: None,
    renames: &[("ignore", "ignore_selectors"), ("target", "destination")],
};

fn proto_fields(err: Error) -> Status {
    PROTO_FIELDS.status(err)
}

fn window(page: &crate::domain::page::Page) -> RowWindow {
    RowWindow {
        offset: usize::try_from(page.offset).unwrap_or(usize::MAX),
        limit: usize::try_from(page.size).ok(),
    }
}

fn selector(s: pb::MatrixSelector) -> VersionSelector {
    use pb::matrix_selector::VersionSelector as V;
    let mut selector = VersionSelector::pacticipant(&s.pacticipant);
    match s.version_selector {
        None => {}
        Some(V::Version(number)) => selector.version = Some(number),
        Some(V::Latest(latest)) => selector.latest = latest,
        Some(V::Tag(tag)) => {
            selector.tag = Some(tag);
            selector.latest = true;
        }
        Some(V::Branch(branch)) => {
            selector.branch = Some(branch);
            selector.latest = true;
        }
        Some(V::MainBranch(main)) => {
            selector.main_branch = main;
            selector.latest = main;
        }
        Some(V::Environment(name)) => selector.environment = Some(name),
    }
    selector
}

fn ignore(s: pb::IgnoreSelector) -> VersionSelector {
    VersionSelector {
        version: convert::optional(s.version),
        ..VersionSelector::pacticipant(&s.pacticipant)
    }
}

fn convert_answer(answer: MatrixAnswer) -> (Vec<pb::MatrixRow>, pb::MatrixSummary) {
    let rows = answer
        .rows
        .into_iter()
        .map(|shown| {
            let row = shown.row;
            pb::MatrixRow {
                consumer: row.consumer,
                consumer_version: row.consumer_version.number,
                provider: row.provider,
                provider_version: row.provider_version.map(|v| v.number).unwrap_or_default(),
                pact_content_sha: row.pact_version_sha,
                pact_create_time: convert::timestamp(row.pact_created_at),
                verification: row.verification.map(|v| pb::MatrixVerification {
                    number: i32::try_from(v.number).unwrap_or(i32::MAX),
                    success: v.success,
                    build_url: v.build_url.unwrap_or_default(),
                    create_time: convert::timestamp(v.created_at),
                }),
                ignored: shown.ignored,
            }
        })
        .collect();
    (rows, summary(answer.summary))
}

fn summary(s: Summary) -> pb::MatrixSummary {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    pb::MatrixSummary {
        deployable: s.deployable,
        reason: s.reason(),
        success_count: count(s.success),
        failed_count: count(s.failed),
        unknown_count: count(s.unknown),
        ignored_count: count(s.ignored.unwrap_or(0)),
        notices: s
            .reasons
            .into_iter()
            .map(|r| convert::notice(Notice::new(r.kind, r.text)))
            .collect(),
    }
}
