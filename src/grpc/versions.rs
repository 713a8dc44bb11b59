//! `VersionService`.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::version_service_server::VersionService;
use crate::service::Broker;
use crate::service::versions::{TagUpdate, VersionInput};

pub struct Adapter(pub Broker);

#[tonic::async_trait]
impl VersionService for Adapter {
    async fn create_version(
        &self,
        request: Request<pb::CreateVersionRequest>,
    ) -> Result<Response<pb::CreateVersionResponse>, Status> {
        let r = request.into_inner();
        let input = VersionInput {
            build_url: optional(r.build_url),
            branch: optional(r.branch),
            tags: r.tags,
            overwrite: false,
        };
        let (version, created) = self
            .0
            .put_version(&r.pacticipant, &r.number, input, TagUpdate::Add)
            .await?;
        Ok(Response::new(pb::CreateVersionResponse {
            version: Some(convert::version(version)),
            created,
        }))
    }

    async fn get_version(
        &self,
        request: Request<pb::GetVersionRequest>,
    ) -> Result<Response<pb::GetVersionResponse>, Status> {
        let r = request.into_inner();
        let version = self.0.get_version(&r.pacticipant, &r.number).await?;
        Ok(Response::new(pb::GetVersionResponse {
            version: Some(convert::version(version)),
        }))
    }

    async fn get_latest_version(
        &self,
        request: Request<pb::GetLatestVersionRequest>,
    ) -> Result<Response<pb::GetLatestVersionResponse>, Status> {
        let r = request.into_inner();
        let (tag, branch) = (optional(r.tag), optional(r.branch));
        let version = self
            .0
            .latest_version(&r.pacticipant, tag.as_deref(), branch.as_deref())
            .await?;
        Ok(Response::new(pb::GetLatestVersionResponse {
            version: Some(convert::version(version)),
        }))
    }

    async fn list_versions(
        &self,
        request: Request<pb::ListVersionsRequest>,
    ) -> Result<Response<pb::ListVersionsResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let (branch, tag) = (optional(r.branch), optional(r.tag));
        let listed = self
            .0
            .list_versions(&r.pacticipant, branch.as_deref(), tag.as_deref(), page)
            .await?;
        Ok(Response::new(pb::ListVersionsResponse {
            next_page_token: listed.page.next_token(listed.total),
            total_size: listed.total,
            versions: listed.items.into_iter().map(convert::version).collect(),
        }))
    }

    async fn delete_version(
        &self,
        request: Request<pb::DeleteVersionRequest>,
    ) -> Result<Response<pb::DeleteVersionResponse>, Status> {
        let r = request.into_inner();
        self.0.delete_version(&r.pacticipant, &r.number).await?;
        Ok(Response::new(pb::DeleteVersionResponse {}))
    }

    async fn add_branch_version(
        &self,
        request: Request<pb::AddBranchVersionRequest>,
    ) -> Result<Response<pb::AddBranchVersionResponse>, Status> {
        let r = request.into_inner();
        let (version, created) = self
            .0
            .add_branch_version(&r.pacticipant, &r.branch, &r.version)
            .await?;
        Ok(Response::new(pb::AddBranchVersionResponse {
            version: Some(convert::version(version)),
            created,
        }))
    }

    async fn remove_branch_version(
        &self,
        request: Request<pb::RemoveBranchVersionRequest>,
    ) -> Result<Response<pb::RemoveBranchVersionResponse>, Status> {
        let r = request.into_inner();
        self.0
            .remove_branch_version(&r.pacticipant, &r.branch, &r.version)
            .await?;
        Ok(Response::new(pb::RemoveBranchVersionResponse {}))
    }

    async fn get_branch(
        &self,
        request: Request<pb::GetBranchRequest>,
    ) -> Result<Response<pb::GetBranchResponse>, Status> {
        let r = request.into_inner();
        let branch = self.0.get_branch(&r.pacticipant, &r.branch).await?;
        Ok(Response::new(pb::GetBranchResponse {
            branch: Some(convert::branch(branch)),
        }))
    }

    async fn list_branches(
        &self,
        request: Request<pb::ListBranchesRequest>,
    ) -> Result<Response<pb::ListBranchesResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let listed = self.0.list_branches(&r.pacticipant, page).await?;
        Ok(Response::new(pb::ListBranchesResponse {
            next_page_token: listed.page.next_token(listed.total),
            total_size: listed.total,
            branches: listed.items.into_iter().map(convert::branch).collect(),
        }))
    }

    async fn delete_branch(
        &self,
        request: Request<pb::DeleteBranchRequest>,
    ) -> Result<Response<pb::DeleteBranchResponse>, Status> {
        let r = request.into_inner();
        self.0.delete_branch(&r.pacticipant, &r.branch).await?;
        Ok(Response::new(pb::DeleteBranchResponse {}))
    }

    async fn add_tag(
        &self,
        request: Request<pb::AddTagRequest>,
    ) -> Result<Response<pb::AddTagResponse>, Status> {
        let r = request.into_inner();
        let (tag, created) = self.0.add_tag(&r.pacticipant, &r.version, &r.tag).await?;
        Ok(Response::new(pb::AddTagResponse {
            tag: Some(convert::tag(tag)),
            created,
        }))
    }

    async fn remove_tag(
        &self,
        request: Request<pb::RemoveTagRequest>,
    ) -> Result<Response<pb::RemoveTagResponse>, Status> {
        let r = request.into_inner();
        self.0
            .remove_tag(&r.pacticipant, &r.version, &r.tag)
            .await?;
        Ok(Response::new(pb::RemoveTagResponse {}))
    }
}
