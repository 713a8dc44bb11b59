//! `VerificationService.GetPactsForVerification`: the pacts a provider
//! version must verify, over the same service as the REST resource.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::{Origin, pb};
use crate::domain::selector::{BranchInput, SelectorInput};
use crate::error::Violations;
use crate::links::{self, Base};
use crate::service::Broker;
use crate::service::for_verification::VerificationRequest;

fn flag(value: bool) -> Option<bool> {
    value.then_some(true)
}

fn selector(s: pb::ConsumerVersionSelector) -> SelectorInput {
    let branch = match (optional(s.branch), s.all_branches) {
        (Some(name), _) => Some(BranchInput::Named(name)),
        (None, true) => Some(BranchInput::All),
        (None, false) => None,
    };
    SelectorInput {
        main_branch: flag(s.main_branch),
        branch,
        matching_branch: flag(s.matching_branch),
        fallback_branch: optional(s.fallback_branch),
        latest: s.latest,
        tag: optional(s.tag),
        fallback_tag: optional(s.fallback_tag),
        consumer: optional(s.consumer),
        deployed: flag(s.deployed),
        released: flag(s.released),
        deployed_or_released: flag(s.deployed_or_released),
        environment: optional(s.environment),
    }
}

pub async fn pacts_for_verification(
    broker: &Broker,
    request: Request<pb::GetPactsForVerificationRequest>,
) -> Result<Response<pb::GetPactsForVerificationResponse>, Status> {
    let base = match (
        &broker.settings().base_url,
        request.extensions().get::<Origin>(),
    ) {
        (Some(base), _) => Base(base.clone()),
        (None, Some(origin)) => Base(origin.0.clone()),
        (None, None) => Base("http://localhost".into()),
    };
    let r = request.into_inner();
    let mut violations = Violations::default();
    let both_branches = r
        .consumer_version_selectors
        .iter()
        .position(|s| s.all_branches && !s.branch.is_empty());
    if let Some(i) = both_branches {
        violations.add(
            "consumer_version_selectors",
            format!("cannot specify both branch and all_branches (at index {i})"),
        );
    }
    let include_pending = r.include_pending_status;
    let request = VerificationRequest {
        selectors: r
            .consumer_version_selectors
            .into_iter()
            .map(selector)
            .collect(),
        provider_version_branch: optional(r.provider_version_branch),
        provider_version_tags: r.provider_version_tags,
        include_pending_status: Some(include_pending),
        include_wip_pacts_since: r
            .include_wip_pacts_since
            .and_then(|t| violations.check("include_wip_pacts_since", convert::time_sent(&t))),
    };
    violations
        .report_with(broker.verification_request_problems(&request))
        .await?;
    let pacts = broker.pacts_for_verification(&r.provider, request).await?;
    let pacts = pacts
        .into_iter()
        .map(|p| {
            let (pact_url, notice_url) = links::verifiable_pact(&base, &p);
            let verification_token = p.metadata();
            let notices = p
                .notices(&notice_url, include_pending, false)
                .into_iter()
                .map(|n| pb::VerificationNotice {
                    when: n.when.to_owned(),
                    text: n.text,
                })
                .collect();
            pb::PactForVerification {
                short_description: p.short_description(),
                pending: p.pending == Some(true),
                wip: p.wip,
                notices,
                pact_url,
                verification_token,
                consumer: p.consumer,
                provider: p.provider,
                consumer_version: p.consumer_version,
                content_sha: p.sha,
            }
        })
        .collect();
    Ok(Response::new(pb::GetPactsForVerificationResponse { pacts }))
}
