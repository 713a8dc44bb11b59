//! The gRPC API: thin tonic adapters over the service layer, plus health,
//! reflection and clear UNIMPLEMENTED answers for capabilities not built yet.

mod access;
mod codec;
mod convert;
mod deployments;
mod for_verification;
mod matrix;
mod pacticipants;
mod pacts;
mod status;
mod tokens;
mod verifications;
mod versions;

use axum::response::IntoResponse;
use tonic::service::Routes;
use tonic_health::server::HealthReporter;

use crate::service::Broker;

/// Generated messages, clients and servers of `pactwire.v1`.
pub mod pb {
    #![allow(clippy::all)]
    tonic::include_proto!("pactwire.v1");

    /// The encoded descriptors of every pactwire proto, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("pactwire_descriptor");
}

use pb::deployment_service_server::DeploymentServiceServer;
use pb::matrix_service_server::MatrixServiceServer;
use pb::pact_service_server::PactServiceServer;
use pb::pacticipant_service_server::PacticipantServiceServer;
use pb::token_service_server::TokenServiceServer;
use pb::verification_service_server::VerificationServiceServer;
use pb::version_service_server::VersionServiceServer;

/// The origin (`http://host:port`) a gRPC request was sent to, kept so
/// REST URLs in responses point where the client can reach the broker
/// when no base URL is configured.
#[derive(Clone, Debug)]
pub struct Origin(pub String);

/// Records the request's origin in its extensions, which tonic hands on.
pub fn remember_origin(request: &mut axum::http::Request<axum::body::Body>) {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .or_else(|| {
            request
                .headers()
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "localhost".to_owned());
    request
        .extensions_mut()
        .insert(Origin(format!("http://{authority}")));
}

/// Every pactwire gRPC service with health and reflection, as one router.
/// Requests larger than `max_message_size` fail with RESOURCE_EXHAUSTED.
pub fn router(
    broker: Broker,
    max_message_size: usize,
) -> anyhow::Result<(axum::Router, HealthReporter)> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let routes = Routes::new(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            PacticipantServiceServer::new(pacticipants::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            VersionServiceServer::new(versions::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            VerificationServiceServer::new(verifications::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            DeploymentServiceServer::new(deployments::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            MatrixServiceServer::new(matrix::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            PactServiceServer::new(pacts::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        )
        .add_service(
            TokenServiceServer::new(tokens::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
        );
    let router = routes
        .into_axum_router()
        .fallback(not_built_yet)
        .layer(axum::middleware::from_fn_with_state(broker, access::guard))
        .layer(axum::middleware::map_response(
            status::over_limit_as_resource_exhausted,
        ));
    Ok((router, health_reporter))
}

/// Services described in the protos whose capability has not been built:
/// a clear UNIMPLEMENTED instead of a bare one.
async fn not_built_yet(uri: axum::http::Uri) -> axum::response::Response {
    let path = uri.path();
    let service = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let capability = match service {
        "pactwire.v1.WebhookService" => Some("webhooks and secrets"),
        "pactwire.v1.EventService" => Some("verification request and event streams"),
        _ => None,
    };
    let message = match capability {
        Some(capability) => {
            format!("{path}: {capability} is not available in this version of pactwire yet")
        }
        None => format!(
            "{path} is not a method of this server; `grpcurl -plaintext HOST:PORT list` shows them"
        ),
    };
    tonic::Status::unimplemented(message)
        .into_http::<axum::body::Body>()
        .into_response()
}
