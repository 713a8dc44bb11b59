//! `PactService`.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::pact_service_server::PactService;
use crate::error::Error;
use crate::service::{
    Broker, ConflictStrategy, ContractInput, PactSelector, PublicationOutcome, PublishInput,
};

pub struct Adapter(pub Broker);

/// The conflict strategy of contract `index`.
fn strategy(index: usize, value: i32) -> Result<ConflictStrategy, Status> {
    match pb::ConflictStrategy::try_from(value) {
        Ok(pb::ConflictStrategy::Unspecified | pb::ConflictStrategy::Overwrite) => {
            Ok(ConflictStrategy::Overwrite)
        }
        Ok(pb::ConflictStrategy::Merge) => Ok(ConflictStrategy::Merge),
        Err(_) => Err(Error::invalid(
            format!("contracts[{index}].on_conflict"),
            format!("{value} is not a ConflictStrategy"),
        )
        .into()),
    }
}

fn outcome(outcome: PublicationOutcome) -> pb::PublicationOutcome {
    match outcome {
        PublicationOutcome::Created => pb::PublicationOutcome::Created,
        PublicationOutcome::Unchanged => pb::PublicationOutcome::Unchanged,
        PublicationOutcome::Merged => pb::PublicationOutcome::Merged,
        PublicationOutcome::Overwritten => pb::PublicationOutcome::Overwritten,
    }
}

#[tonic::async_trait]
impl PactService for Adapter {
    async fn publish_contracts(
        &self,
        request: Request<pb::PublishContractsRequest>,
    ) -> Result<Response<pb::PublishContractsResponse>, Status> {
        let r = request.into_inner();
        let contracts = r
            .contracts
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                Ok(ContractInput {
                    on_conflict: strategy(i, c.on_conflict)?,
                    consumer_name: c.consumer_name,
                    provider_name: c.provider_name,
                    specification: c.specification,
                    content_type: c.content_type,
                    content: c.content,
                })
            })
            .collect::<Result<Vec<_>, Status>>()?;
        let result = self
            .0
            .publish_contracts(PublishInput {
                pacticipant_name: r.pacticipant_name,
                pacticipant_version_number: r.pacticipant_version_number,
                branch: optional(r.branch),
                tags: r.tags,
                build_url: optional(r.build_url),
                contracts,
            })
            .await?;
        Ok(Response::new(pb::PublishContractsResponse {
            notices: result.notices().cloned().map(convert::notice).collect(),
            version: Some(convert::version(result.version)),
            contracts: result
                .contracts
                .into_iter()
                .map(|c| pb::PublishedContract {
                    pact: Some(convert::pact(c.pact, true)),
                    outcome: outcome(c.outcome) as i32,
                })
                .collect(),
        }))
    }

    async fn get_pact(
        &self,
        request: Request<pb::GetPactRequest>,
    ) -> Result<Response<pb::GetPactResponse>, Status> {
        use pb::get_pact_request::Selector;
        let r = request.into_inner();
        let selector = match r.selector {
            None | Some(Selector::Latest(_)) => PactSelector::Latest,
            Some(Selector::ConsumerVersion(v)) => PactSelector::ConsumerVersion(v),
            Some(Selector::Tag(t)) => PactSelector::Tag(t),
            Some(Selector::Branch(b)) => PactSelector::Branch(b),
            Some(Selector::ContentSha(s)) => PactSelector::Sha(s),
        };
        let pact = self.0.get_pact(&r.consumer, &r.provider, &selector).await?;
        Ok(Response::new(pb::GetPactResponse {
            pact: Some(convert::pact(pact, true)),
        }))
    }

    async fn list_pact_versions(
        &self,
        request: Request<pb::ListPactVersionsRequest>,
    ) -> Result<Response<pb::ListPactVersionsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let listed = self
            .0
            .list_pact_versions(&r.consumer, &r.provider, None, page)
            .await?;
        Ok(Response::new(pb::ListPactVersionsResponse {
            next_page_token: listed.page.next_token(listed.total),
            pacts: listed
                .items
                .into_iter()
                .map(|p| convert::pact(p, false))
                .collect(),
        }))
    }

    async fn list_latest_pacts(
        &self,
        request: Request<pb::ListLatestPactsRequest>,
    ) -> Result<Response<pb::ListLatestPactsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let provider = optional(r.provider);
        let listed = self.0.list_latest_pacts(provider.as_deref(), page).await?;
        Ok(Response::new(pb::ListLatestPactsResponse {
            next_page_token: listed.page.next_token(listed.total),
            pacts: listed
                .items
                .into_iter()
                .map(|p| convert::pact(p, false))
                .collect(),
        }))
    }

    async fn delete_pact(
        &self,
        request: Request<pb::DeletePactRequest>,
    ) -> Result<Response<pb::DeletePactResponse>, Status> {
        let r = request.into_inner();
        self.0
            .delete_pact(&r.consumer, &r.provider, &r.consumer_version)
            .await?;
        Ok(Response::new(pb::DeletePactResponse {}))
    }
}
