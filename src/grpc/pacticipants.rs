//! `PacticipantService`.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::pacticipant_service_server::PacticipantService;
use crate::error::Error;
use crate::service::{Broker, PacticipantPatch};

/// A pacticipant's fields are those of the request's `pacticipant`.
const IN_PACTICIPANT: convert::ProtoFields = convert::ProtoFields {
    within: Some("pacticipant"),
    renames: &[],
};

pub struct Adapter(pub Broker);

/// The patch for the fields named in `mask` (all when empty).
fn patch(p: pb::Pacticipant, mask: &[String]) -> Result<PacticipantPatch, Status> {
    let all = mask.is_empty();
    let wants = |name: &str| all || mask.iter().any(|m| m == name);
    for field in mask {
        if !matches!(
            field.as_str(),
            "display_name"
                | "main_branch"
                | "repository_url"
                | "repository_name"
                | "repository_namespace"
        ) {
            return Err(Error::invalid(
                "update_mask",
                format!("'{field}' is not an updatable field"),
            )
            .into());
        }
    }
    Ok(PacticipantPatch {
        display_name: wants("display_name").then(|| optional(p.display_name)),
        main_branch: wants("main_branch").then(|| optional(p.main_branch)),
        repository_url: wants("repository_url").then(|| optional(p.repository_url)),
        repository_name: wants("repository_name").then(|| optional(p.repository_name)),
        repository_namespace: wants("repository_namespace")
            .then(|| optional(p.repository_namespace)),
    })
}

#[tonic::async_trait]
impl PacticipantService for Adapter {
    async fn create_pacticipant(
        &self,
        request: Request<pb::CreatePacticipantRequest>,
    ) -> Result<Response<pb::CreatePacticipantResponse>, Status> {
        let p = request
            .into_inner()
            .pacticipant
            .ok_or_else(|| Status::from(Error::invalid("pacticipant", "is required")))?;
        let name = p.name.clone();
        let created = self
            .0
            .create_pacticipant(&name, patch(p, &[])?)
            .await
            .map_err(|err| IN_PACTICIPANT.status(err))?;
        Ok(Response::new(pb::CreatePacticipantResponse {
            pacticipant: Some(convert::pacticipant(created)),
        }))
    }

    async fn get_pacticipant(
        &self,
        request: Request<pb::GetPacticipantRequest>,
    ) -> Result<Response<pb::GetPacticipantResponse>, Status> {
        let found = self.0.get_pacticipant(&request.into_inner().name).await?;
        Ok(Response::new(pb::GetPacticipantResponse {
            pacticipant: Some(convert::pacticipant(found)),
        }))
    }

    async fn list_pacticipants(
        &self,
        request: Request<pb::ListPacticipantsRequest>,
    ) -> Result<Response<pb::ListPacticipantsResponse>, Status> {
        let request = request.into_inner();
        let page = convert::page(request.page_size, &request.page_token)?;
        let label = optional(request.label);
        let listed = self.0.list_pacticipants(label.as_deref(), page).await?;
        Ok(Response::new(pb::ListPacticipantsResponse {
            next_page_token: listed.page.next_token(listed.total),
            total_size: listed.total,
            pacticipants: listed.items.into_iter().map(convert::pacticipant).collect(),
        }))
    }

    async fn update_pacticipant(
        &self,
        request: Request<pb::UpdatePacticipantRequest>,
    ) -> Result<Response<pb::UpdatePacticipantResponse>, Status> {
        let request = request.into_inner();
        let p = request
            .pacticipant
            .ok_or_else(|| Status::from(Error::invalid("pacticipant", "is required")))?;
        let name = p.name.clone();
        let (updated, created) = self
            .0
            .update_pacticipant(
                &name,
                patch(p, &request.update_mask)?,
                request.allow_missing,
            )
            .await
            .map_err(|err| IN_PACTICIPANT.status(err))?;
        Ok(Response::new(pb::UpdatePacticipantResponse {
            pacticipant: Some(convert::pacticipant(updated)),
            created,
        }))
    }

    async fn delete_pacticipant(
        &self,
        request: Request<pb::DeletePacticipantRequest>,
    ) -> Result<Response<pb::DeletePacticipantResponse>, Status> {
        self.0
            .delete_pacticipant(&request.into_inner().name)
            .await?;
        Ok(Response::new(pb::DeletePacticipantResponse {}))
    }

    async fn add_label(
        &self,
        request: Request<pb::AddLabelRequest>,
    ) -> Result<Response<pb::AddLabelResponse>, Status> {
        let request = request.into_inner();
        let (pacticipant, _) = self
            .0
            .add_label(&request.pacticipant, &request.label)
            .await?;
        Ok(Response::new(pb::AddLabelResponse {
            pacticipant: Some(convert::pacticipant(pacticipant)),
        }))
    }

    async fn remove_label(
        &self,
        request: Request<pb::RemoveLabelRequest>,
    ) -> Result<Response<pb::RemoveLabelResponse>, Status> {
        let request = request.into_inner();
        self.0
            .remove_label(&request.pacticipant, &request.label)
            .await?;
        Ok(Response::new(pb::RemoveLabelResponse {}))
    }

    async fn list_labels(
        &self,
        request: Request<pb::ListLabelsRequest>,
    ) -> Result<Response<pb::ListLabelsResponse>, Status> {
        let request = request.into_inner();
        let page = convert::page(request.page_size, &request.page_token)?;
        let listed = self.0.list_labels(page).await?;
        Ok(Response::new(pb::ListLabelsResponse {
            next_page_token: listed.page.next_token(listed.total),
            labels: listed.items,
        }))
    }
}
