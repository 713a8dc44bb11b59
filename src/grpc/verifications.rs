//! `VerificationService`: pacts for verification, publishing and reading
//! verification results, and the latest result of each consumer version's
//! pact.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::verification_service_server::VerificationService;
use crate::error::Error;
use crate::service::Broker;
use crate::service::verifications::VerificationInput;

/// The service calls the verification token the pact URL's `metadata`.
const PUBLISH_FIELDS: convert::ProtoFields = convert::ProtoFields {
    within: None,
    renames: &[("metadata", "verification_token")],
};

pub struct Adapter(pub Broker);

#[tonic::async_trait]
impl VerificationService for Adapter {
    async fn get_pacts_for_verification(
        &self,
        request: Request<pb::GetPactsForVerificationRequest>,
    ) -> Result<Response<pb::GetPactsForVerificationResponse>, Status> {
        super::for_verification::pacts_for_verification(&self.0, request).await
    }

    async fn publish_verification_result(
        &self,
        request: Request<pb::PublishVerificationResultRequest>,
    ) -> Result<Response<pb::PublishVerificationResultResponse>, Status> {
        let r = request.into_inner();
        let input = VerificationInput {
            success: Some(r.success),
            provider_version: r.provider_version,
            provider_version_branch: optional(r.provider_version_branch),
            provider_version_tags: r.provider_version_tags,
            build_url: optional(r.build_url),
            test_results: r.test_results.map(convert::json_value),
            verified_by: r.verified_by.map(|by| {
                serde_json::json!({ "implementation": by.implementation, "version": by.version })
            }),
            verification_date: r
                .verify_time
                .map(|t| convert::time_sent(&t))
                .transpose()
                .map_err(|message| Error::invalid("verify_time", message))?,
            metadata: optional(r.verification_token),
        };
        let verification = self
            .0
            .publish_verification(&r.consumer, &r.provider, &r.content_sha, input)
            .await
            .map_err(|err| PUBLISH_FIELDS.status(err))?;
        Ok(Response::new(pb::PublishVerificationResultResponse {
            verification_result: Some(convert::verification(verification)),
        }))
    }

    async fn get_verification_result(
        &self,
        request: Request<pb::GetVerificationResultRequest>,
    ) -> Result<Response<pb::GetVerificationResultResponse>, Status> {
        let r = request.into_inner();
        let number = (r.number != 0).then_some(r.number);
        let verification = self
            .0
            .get_verification(&r.consumer, &r.provider, &r.content_sha, number)
            .await?;
        Ok(Response::new(pb::GetVerificationResultResponse {
            verification_result: Some(convert::verification(verification)),
        }))
    }

    async fn list_latest_verification_results(
        &self,
        request: Request<pb::ListLatestVerificationResultsRequest>,
    ) -> Result<Response<pb::ListLatestVerificationResultsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let (branch, tag) = (
            optional(r.consumer_version_branch),
            optional(r.consumer_version_tag),
        );
        let listed = self
            .0
            .list_latest_verifications(
                &r.consumer,
                &r.provider,
                branch.as_deref(),
                tag.as_deref(),
                page,
            )
            .await?;
        Ok(Response::new(pb::ListLatestVerificationResultsResponse {
            next_page_token: page.next_token_if(listed.more),
            latest_verification_results: listed
                .items
                .into_iter()
                .map(|latest| pb::LatestVerificationResult {
                    consumer_version: latest.consumer_version,
                    verification_result: Some(convert::verification(latest.verification)),
                })
                .collect(),
        }))
    }
}
