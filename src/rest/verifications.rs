//! Verification results under a pact's content permalink:
//! `POST .../pact-version/{sha}[/metadata/{metadata}]/verification-results`,
//! `GET, DELETE .../verification-results/{number}`; the latest result of a
//! pact chosen by content, consumer version, latest or tag
//! (`.../verification-results/latest`); and the latest results of a consumer
//! version with all its providers
//! (`/verification-results/consumer/{c}/version/{v}/latest`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::error::document;
use super::hal::Base;
use super::routes::Routes;
use super::views::verifications::{VerificationSummaryView, VerificationView, verification_url};
use super::{AppState, JsonBody, Path, created_or_ok, hal_response};
use crate::error::{Error, Result};
use crate::links::paths;
use crate::service::PactSelector;
use crate::service::verifications::{Verification, VerificationInput};

pub fn routes() -> Routes {
    Routes::new()
        .route(paths::VERIFICATION_RESULTS, document(post(publish)))
        .route(
            paths::VERIFICATION_RESULTS_WITH_METADATA,
            document(post(publish_with_metadata)),
        )
        .route(
            paths::LATEST_VERIFICATION_RESULT,
            document(get(latest_of_content)),
        )
        .route(
            paths::VERIFICATION_RESULT,
            document(get(show).delete(delete)),
        )
        .route(
            paths::VERIFICATION_RESULT_WITH_METADATA,
            document(get(show_with_metadata).delete(delete_with_metadata)),
        )
        .route(
            paths::LATEST_VERIFICATION_RESULT_OF_VERSION,
            document(get(latest_of_version)),
        )
        .route(
            paths::LATEST_VERIFICATION_RESULT_OF_LATEST,
            document(get(latest_of_latest)),
        )
        .route(
            paths::LATEST_VERIFICATION_RESULT_OF_TAGGED,
            document(get(latest_of_tagged)),
        )
        .route(paths::VERIFICATION_SUMMARY, document(get(summary)))
}

/// The verification result body the verifiers send.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationBody {
    success: Option<Value>,
    #[serde(default)]
    provider_application_version: String,
    build_url: Option<String>,
    test_results: Option<Value>,
    verified_by: Option<Value>,
    verification_date: Option<String>,
}

impl VerificationBody {
    fn into_input(self, metadata: Option<String>) -> Result<VerificationInput> {
        let verification_date = self
            .verification_date
            .map(|date| {
                DateTime::parse_from_rfc3339(&date)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| {
                        Error::invalid("verificationDate", "must be an RFC 3339 date and time")
                    })
            })
            .transpose()?;
        Ok(VerificationInput {
            // Anything but a JSON boolean is reported as missing.
            success: self.success.and_then(|s| s.as_bool()),
            provider_version: self.provider_application_version,
            build_url: self.build_url,
            test_results: self.test_results,
            verified_by: self.verified_by,
            verification_date,
            metadata,
            ..VerificationInput::default()
        })
    }
}

async fn save(
    state: &AppState,
    base: &Base,
    (provider, consumer, sha): (&str, &str, &str),
    body: VerificationBody,
    metadata: Option<String>,
) -> Result<Response> {
    let input = body.into_input(metadata)?;
    let verification = state
        .broker
        .publish_verification(consumer, provider, sha, input)
        .await
        .map_err(|err| {
            // The Pact Broker's name for the provider version.
            err.map_fields(|path| match path {
                "provider_version" => "providerApplicationVersion".into(),
                other => other.into(),
            })
        })?;
    let location = verification_url(base, &verification);
    Ok(created_or_ok(
        true,
        location,
        VerificationView::new(base, &verification),
    ))
}

async fn publish(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<VerificationBody>,
) -> Result<Response> {
    save(&state, &base, (&p, &c, &sha), body, None).await
}

async fn publish_with_metadata(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha, metadata)): Path<(String, String, String, String)>,
    JsonBody(body): JsonBody<VerificationBody>,
) -> Result<Response> {
    save(&state, &base, (&p, &c, &sha), body, Some(metadata)).await
}

fn ok(base: &Base, verification: &Verification) -> Response {
    hal_response(StatusCode::OK, VerificationView::new(base, verification))
}

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha, number)): Path<(String, String, String, i64)>,
) -> Result<Response> {
    let verification = state
        .broker
        .get_verification(&c, &p, &sha, Some(number))
        .await?;
    Ok(ok(&base, &verification))
}

async fn show_with_metadata(
    state: State<AppState>,
    base: Base,
    Path((p, c, sha, _metadata, number)): Path<(String, String, String, String, i64)>,
) -> Result<Response> {
    show(state, base, Path((p, c, sha, number))).await
}

async fn delete(
    State(state): State<AppState>,
    Path((p, c, sha, number)): Path<(String, String, String, i64)>,
) -> Result<StatusCode> {
    state
        .broker
        .delete_verification(&c, &p, &sha, number)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_with_metadata(
    state: State<AppState>,
    Path((p, c, sha, _metadata, number)): Path<(String, String, String, String, i64)>,
) -> Result<StatusCode> {
    delete(state, Path((p, c, sha, number))).await
}

async fn latest_of_content(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha)): Path<(String, String, String)>,
) -> Result<Response> {
    let verification = state.broker.get_verification(&c, &p, &sha, None).await?;
    Ok(ok(&base, &verification))
}

async fn latest_of_pact(
    state: &AppState,
    base: &Base,
    (provider, consumer): (&str, &str),
    selector: PactSelector,
) -> Result<Response> {
    let verification = state
        .broker
        .latest_verification_of_pact(consumer, provider, &selector)
        .await?;
    Ok(ok(base, &verification))
}

async fn latest_of_version(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, v)): Path<(String, String, String)>,
) -> Result<Response> {
    latest_of_pact(&state, &base, (&p, &c), PactSelector::ConsumerVersion(v)).await
}

async fn latest_of_latest(
    State(state): State<AppState>,
    base: Base,
    Path((p, c)): Path<(String, String)>,
) -> Result<Response> {
    latest_of_pact(&state, &base, (&p, &c), PactSelector::Latest).await
}

async fn latest_of_tagged(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, tag)): Path<(String, String, String)>,
) -> Result<Response> {
    latest_of_pact(&state, &base, (&p, &c), PactSelector::Tag(tag)).await
}

/// The Pact Broker's verification summary of a consumer version: overall
/// success, the providers by outcome, and each latest result.
async fn summary(
    State(state): State<AppState>,
    base: Base,
    Path((c, v)): Path<(String, String)>,
) -> Result<Response> {
    let summary = state.broker.verification_summary(&c, &v).await?;
    Ok(hal_response(
        StatusCode::OK,
        VerificationSummaryView::new(&base, &summary),
    ))
}
