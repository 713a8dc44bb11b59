//! The gRPC API: thin tonic adapters over the service layer, plus health,
//! reflection and clear UNIMPLEMENTED answers for capabilities not built yet.

mod access;
mod codec;
mod convert;
mod deployments;
mod for_verification;
mod framing;
mod matrix;
mod pacticipants;
mod pacts;
mod status;
mod tokens;
mod verifications;
mod versions;

use std::collections::HashMap;
use std::sync::Arc;

use axum::response::IntoResponse;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::access::Rule::{self, Admin, Heartbeat, Read, Write};
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

/// The gRPC side of the broker: its router, the health it reports, and
/// the rule of every RPC.
pub struct Grpc {
    pub router: axum::Router,
    pub health: Health,
    pub rules: Rules,
}

/// The rule of every RPC, by its path (`/package.Service/Method`).
pub type Rules = Arc<HashMap<String, Rule>>;

/// The health of the server (`""`) and of each pactwire service, by the
/// name its type serves under.
pub struct Health {
    reporter: HealthReporter,
    services: Vec<&'static str>,
}

impl Health {
    pub async fn set(&self, status: ServingStatus) {
        for service in std::iter::once("").chain(self.services.iter().copied()) {
            self.reporter.set_service_status(service, status).await;
        }
    }
}

/// What tonic's router takes as a service (`Routes::add_service`), named
/// once: a trait with a blanket impl, as stable Rust has no trait aliases.
trait TonicService:
    tower::Service<
        axum::http::Request<tonic::body::Body>,
        Error = std::convert::Infallible,
        Response: IntoResponse,
        Future: Send + 'static,
    > + NamedService
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> TonicService for S where
    S: tower::Service<
            axum::http::Request<tonic::body::Body>,
            Error = std::convert::Infallible,
            Response: IntoResponse,
            Future: Send + 'static,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// Services, each registered with the rule of each of its methods.
#[derive(Default)]
struct Services {
    routes: Routes,
    rules: Vec<(String, Rule)>,
    served: Vec<&'static str>,
}

impl Services {
    /// A pactwire service, whose health is reported.
    fn serve<S: TonicService>(mut self, service: S, rules: &[(&str, Rule)]) -> Services {
        self.served.push(S::NAME);
        self.add(service, rules)
    }

    /// Health and reflection.
    fn add<S: TonicService>(mut self, service: S, rules: &[(&str, Rule)]) -> Services {
        self = self.planned(S::NAME, rules);
        self.routes = self.routes.add_service(service);
        self
    }

    /// A service of the protos whose capability is not built yet: its
    /// rules apply before [`not_built_yet`] answers.
    fn planned(mut self, name: &str, rules: &[(&str, Rule)]) -> Services {
        self.rules.extend(
            rules
                .iter()
                .map(|(method, rule)| (format!("/{name}/{method}"), *rule)),
        );
        self
    }
}

/// Every pactwire gRPC service with health and reflection, as one router.
/// Requests larger than `max_message_size` fail with RESOURCE_EXHAUSTED.
/// An RPC's rule is declared where its service is registered; one without
/// a rule needs admin.
pub fn router(broker: Broker, max_message_size: usize) -> anyhow::Result<Grpc> {
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

    let services = Services::default()
        .add(
            health_service,
            &[("Check", Heartbeat), ("Watch", Heartbeat)],
        )
        .add(reflection_v1, &[("ServerReflectionInfo", Read)])
        .add(reflection_v1alpha, &[("ServerReflectionInfo", Read)])
        .serve(
            PacticipantServiceServer::new(pacticipants::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("CreatePacticipant", Write),
                ("GetPacticipant", Read),
                ("ListPacticipants", Read),
                ("UpdatePacticipant", Write),
                ("DeletePacticipant", Write),
                ("AddLabel", Write),
                ("RemoveLabel", Write),
                ("ListLabels", Read),
            ],
        )
        .serve(
            VersionServiceServer::new(versions::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("CreateVersion", Write),
                ("GetVersion", Read),
                ("GetLatestVersion", Read),
                ("ListVersions", Read),
                ("DeleteVersion", Write),
                ("AddBranchVersion", Write),
                ("RemoveBranchVersion", Write),
                ("GetBranch", Read),
                ("ListBranches", Read),
                ("DeleteBranch", Write),
                ("AddTag", Write),
                ("RemoveTag", Write),
            ],
        )
        .serve(
            PactServiceServer::new(pacts::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("PublishContracts", Write),
                ("GetPact", Read),
                ("ListPactVersions", Read),
                ("ListLatestPacts", Read),
                ("DeletePact", Write),
            ],
        )
        .serve(
            VerificationServiceServer::new(verifications::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("GetPactsForVerification", Read),
                ("PublishVerificationResult", Write),
                ("GetVerificationResult", Read),
                ("ListLatestVerificationResults", Read),
            ],
        )
        .serve(
            DeploymentServiceServer::new(deployments::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("CreateEnvironment", Write),
                ("GetEnvironment", Read),
                ("ListEnvironments", Read),
                ("UpdateEnvironment", Write),
                ("DeleteEnvironment", Write),
                ("RecordDeployment", Write),
                ("RecordUndeployment", Write),
                ("RecordRelease", Write),
                ("RecordSupportEnded", Write),
                ("ListCurrentlyDeployedVersions", Read),
                ("ListCurrentlySupportedVersions", Read),
            ],
        )
        .serve(
            MatrixServiceServer::new(matrix::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[("QueryMatrix", Read), ("CanIDeploy", Read)],
        )
        .serve(
            TokenServiceServer::new(tokens::Adapter(broker.clone()))
                .max_decoding_message_size(max_message_size),
            &[
                ("CreateToken", Admin),
                ("ListTokens", Admin),
                ("GetToken", Admin),
                ("RevokeToken", Admin),
            ],
        )
        .planned(
            pb::webhook_service_server::SERVICE_NAME,
            &[
                ("CreateWebhook", Write),
                ("GetWebhook", Read),
                ("ListWebhooks", Read),
                ("UpdateWebhook", Write),
                ("DeleteWebhook", Write),
                ("ExecuteWebhook", Write),
                ("ListTriggeredWebhooks", Read),
                ("GetTriggeredWebhookLogs", Read),
                ("CreateSecret", Admin),
                ("ListSecrets", Admin),
                ("UpdateSecret", Admin),
                ("DeleteSecret", Admin),
            ],
        )
        .planned(
            pb::event_service_server::SERVICE_NAME,
            &[
                ("WatchVerificationRequests", Read),
                ("AcknowledgeVerificationRequest", Write),
                ("WatchEvents", Read),
            ],
        );
    let rules: Rules = Arc::new(services.rules.into_iter().collect());
    let router = services
        .routes
        .into_axum_router()
        .fallback(not_built_yet)
        .layer(axum::middleware::from_fn_with_state(
            max_message_size,
            framing::one_message,
        ))
        .layer(axum::middleware::from_fn_with_state(
            (broker, rules.clone()),
            access::guard,
        ))
        .layer(axum::middleware::map_response(
            status::over_limit_as_resource_exhausted,
        ));
    Ok(Grpc {
        router,
        health: Health {
            reporter: health_reporter,
            services: services.served,
        },
        rules,
    })
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
