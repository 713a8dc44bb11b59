//! `TokenService`.

use tonic::{Request, Response, Status};

use super::convert::{self, optional};
use super::pb;
use super::pb::token_service_server::TokenService;
use crate::service::Broker;
use crate::service::tokens::TokenInput;

pub struct Adapter(pub Broker);

#[tonic::async_trait]
impl TokenService for Adapter {
    async fn create_token(
        &self,
        request: Request<pb::CreateTokenRequest>,
    ) -> Result<Response<pb::CreateTokenResponse>, Status> {
        let r = request.into_inner();
        let created = self
            .0
            .create_token(TokenInput {
                name: optional(r.name),
                role: convert::role_name(r.role),
            })
            .await?;
        Ok(Response::new(pb::CreateTokenResponse {
            token: Some(convert::token(created.token)),
            secret: created.secret,
        }))
    }

    async fn list_tokens(
        &self,
        request: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        let r = request.into_inner();
        let page = convert::page(r.page_size, &r.page_token)?;
        let listed = self.0.list_tokens(r.include_revoked, page).await?;
        Ok(Response::new(pb::ListTokensResponse {
            next_page_token: page.next_token(listed.total),
            tokens: listed.items.into_iter().map(convert::token).collect(),
        }))
    }

    async fn get_token(
        &self,
        request: Request<pb::GetTokenRequest>,
    ) -> Result<Response<pb::GetTokenResponse>, Status> {
        let token = self.0.get_token(&request.into_inner().uuid).await?;
        Ok(Response::new(pb::GetTokenResponse {
            token: Some(convert::token(token)),
        }))
    }

    async fn revoke_token(
        &self,
        request: Request<pb::RevokeTokenRequest>,
    ) -> Result<Response<pb::RevokeTokenResponse>, Status> {
        let token = self.0.revoke_token(&request.into_inner().uuid).await?;
        Ok(Response::new(pb::RevokeTokenResponse {
            token: Some(convert::token(token)),
        }))
    }
}
