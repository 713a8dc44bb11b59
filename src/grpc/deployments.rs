//! `DeploymentService`. Deployments and releases stay twins, as in
//! `store::deployments` (which says why).

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::deployment_service_server::DeploymentService;
use crate::error::Error;
use crate::service::Broker;
use crate::service::deployments::PlaceQuery;
use crate::service::environments::{Contact, EnvironmentInput, EnvironmentKey, EnvironmentPatch};

/// An environment's fields are those of the request's `environment`.
const IN_ENVIRONMENT: convert::ProtoFields = convert::ProtoFields {
    within: Some("environment"),
    renames: &[],
};

pub struct Adapter(pub Broker);

fn contacts(contacts: Vec<pb::Contact>) -> Vec<Contact> {
    contacts
        .into_iter()
        .map(|c| Contact {
            name: c.name,
            details: (!c.details.is_empty()).then(|| {
                c.details
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect()
            }),
        })
        .collect()
}

fn key<'a>(
    key: &'a Option<pb::get_environment_request::Key>,
) -> Result<EnvironmentKey<'a>, Status> {
    match key {
        Some(pb::get_environment_request::Key::Uuid(uuid)) => Ok(EnvironmentKey::Uuid(uuid)),
        Some(pb::get_environment_request::Key::Name(name)) => Ok(EnvironmentKey::Name(name)),
        None => Err(Error::invalid("key", "needs a uuid or a name").into()),
    }
}

#[tonic::async_trait]
impl DeploymentService for Adapter {
    async fn create_environment(
        &self,
        request: Request<pb::CreateEnvironmentRequest>,
    ) -> Result<Response<pb::CreateEnvironmentResponse>, Status> {
        let e = request
            .into_inner()
            .environment
            .ok_or_else(|| Error::invalid("environment", "is required"))?;
        let input = EnvironmentInput {
            name: optional(e.name),
            display_name: optional(e.display_name),
            production: Some(e.production),
            contacts: (!e.contacts.is_empty()).then(|| contacts(e.contacts)),
        };
        let uuid = optional(e.uuid);
        let environment = self
            .0
            .create_environment(uuid.as_deref(), input)
            .await
            .map_err(|err| IN_ENVIRONMENT.status(err))?;
        Ok(Response::new(pb::CreateEnvironmentResponse {
            environment: Some(convert::environment(environment)),
        }))
    }

    async fn get_environment(
        &self,
        request: Request<pb::GetEnvironmentRequest>,
    ) -> Result<Response<pb::GetEnvironmentResponse>, Status> {
        let r = request.into_inner();
        let environment = self.0.get_environment(key(&r.key)?).await?;
        Ok(Response::new(pb::GetEnvironmentResponse {
            environment: Some(convert::environment(environment)),
        }))
    }

    async fn list_environments(
        &self,
        request: Request<pb::ListEnvironmentsRequest>,
    ) -> Result<Response<pb::ListEnvironmentsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let (environments, more) = self.0.list_environments(Some(page)).await?;
        Ok(Response::new(pb::ListEnvironmentsResponse {
            environments: environments.into_iter().map(convert::environment).collect(),
            next_page_token: page.next_token_if(more),
        }))
    }

    async fn update_environment(
        &self,
        request: Request<pb::UpdateEnvironmentRequest>,
    ) -> Result<Response<pb::UpdateEnvironmentResponse>, Status> {
        let r = request.into_inner();
        let e = r
            .environment
            .ok_or_else(|| Error::invalid("environment", "is required"))?;
        let every = r.update_mask.is_empty();
        let mut patch = EnvironmentPatch::default();
        for field in &r.update_mask {
            if !["name", "display_name", "production", "contacts"].contains(&field.as_str()) {
                return Err(Error::invalid(
                    "update_mask",
                    format!("'{field}' is not one of name, display_name, production, contacts"),
                )
                .into());
            }
        }
        let masked = |field: &str| every || r.update_mask.iter().any(|f| f == field);
        if masked("name") {
            patch.name = Some(e.name);
        }
        if masked("display_name") {
            patch.display_name = Some(optional(e.display_name));
        }
        if masked("production") {
            patch.production = Some(e.production);
        }
        if masked("contacts") {
            patch.contacts = Some((!e.contacts.is_empty()).then(|| contacts(e.contacts)));
        }
        let environment = self
            .0
            .update_environment(&e.uuid, patch)
            .await
            .map_err(|err| IN_ENVIRONMENT.status(err))?;
        Ok(Response::new(pb::UpdateEnvironmentResponse {
            environment: Some(convert::environment(environment)),
        }))
    }

    async fn delete_environment(
        &self,
        request: Request<pb::DeleteEnvironmentRequest>,
    ) -> Result<Response<pb::DeleteEnvironmentResponse>, Status> {
        let r = request.into_inner();
        let key = match &r.key {
            Some(pb::delete_environment_request::Key::Uuid(uuid)) => EnvironmentKey::Uuid(uuid),
            Some(pb::delete_environment_request::Key::Name(name)) => EnvironmentKey::Name(name),
            None => return Err(Error::invalid("key", "needs a uuid or a name").into()),
        };
        self.0.delete_environment(key).await?;
        Ok(Response::new(pb::DeleteEnvironmentResponse {}))
    }

    async fn record_deployment(
        &self,
        request: Request<pb::RecordDeploymentRequest>,
    ) -> Result<Response<pb::RecordDeploymentResponse>, Status> {
        let r = request.into_inner();
        let (deployed, undeployed) = self
            .0
            .record_deployment(
                &r.pacticipant,
                &r.version,
                EnvironmentKey::Name(&r.environment),
                Some(&r.application_instance),
            )
            .await?;
        Ok(Response::new(pb::RecordDeploymentResponse {
            deployed_version: Some(convert::deployed_version(deployed)),
            undeployed_versions: undeployed
                .into_iter()
                .map(convert::deployed_version)
                .collect(),
        }))
    }

    async fn record_undeployment(
        &self,
        request: Request<pb::RecordUndeploymentRequest>,
    ) -> Result<Response<pb::RecordUndeploymentResponse>, Status> {
        let r = request.into_inner();
        let undeployed = self
            .0
            .record_undeployment(
                &r.pacticipant,
                EnvironmentKey::Name(&r.environment),
                Some(&r.application_instance),
            )
            .await?;
        Ok(Response::new(pb::RecordUndeploymentResponse {
            undeployed_versions: undeployed
                .into_iter()
                .map(convert::deployed_version)
                .collect(),
        }))
    }

    async fn record_release(
        &self,
        request: Request<pb::RecordReleaseRequest>,
    ) -> Result<Response<pb::RecordReleaseResponse>, Status> {
        let r = request.into_inner();
        let (released, created) = self
            .0
            .record_release(
                &r.pacticipant,
                &r.version,
                EnvironmentKey::Name(&r.environment),
            )
            .await?;
        Ok(Response::new(pb::RecordReleaseResponse {
            released_version: Some(convert::released_version(released)),
            created,
        }))
    }

    async fn record_support_ended(
        &self,
        request: Request<pb::RecordSupportEndedRequest>,
    ) -> Result<Response<pb::RecordSupportEndedResponse>, Status> {
        let r = request.into_inner();
        let released = self
            .0
            .record_support_ended(
                &r.pacticipant,
                &r.version,
                EnvironmentKey::Name(&r.environment),
            )
            .await?;
        Ok(Response::new(pb::RecordSupportEndedResponse {
            released_version: Some(convert::released_version(released)),
        }))
    }

    async fn list_currently_deployed_versions(
        &self,
        request: Request<pb::ListCurrentlyDeployedVersionsRequest>,
    ) -> Result<Response<pb::ListCurrentlyDeployedVersionsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let query = PlaceQuery {
            environment: (!r.environment.is_empty())
                .then_some(EnvironmentKey::Name(&r.environment)),
            pacticipant: (!r.pacticipant.is_empty()).then_some(r.pacticipant.as_str()),
            version: (!r.version.is_empty()).then_some(r.version.as_str()),
            application_instance: r.application_instance.as_deref(),
        };
        let (deployed, more) = self.0.currently_deployed(query, Some(page)).await?;
        Ok(Response::new(pb::ListCurrentlyDeployedVersionsResponse {
            deployed_versions: deployed
                .into_iter()
                .map(convert::deployed_version)
                .collect(),
            next_page_token: page.next_token_if(more),
        }))
    }

    async fn list_currently_supported_versions(
        &self,
        request: Request<pb::ListCurrentlySupportedVersionsRequest>,
    ) -> Result<Response<pb::ListCurrentlySupportedVersionsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let query = PlaceQuery {
            environment: (!r.environment.is_empty())
                .then_some(EnvironmentKey::Name(&r.environment)),
            pacticipant: (!r.pacticipant.is_empty()).then_some(r.pacticipant.as_str()),
            version: (!r.version.is_empty()).then_some(r.version.as_str()),
            application_instance: None,
        };
        let (released, more) = self.0.currently_supported(query, Some(page)).await?;
        Ok(Response::new(pb::ListCurrentlySupportedVersionsResponse {
            released_versions: released
                .into_iter()
                .map(convert::released_version)
                .collect(),
            next_page_token: page.next_token_if(more),
        }))
    }
}
