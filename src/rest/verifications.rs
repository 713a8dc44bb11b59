//! Verification results under a pact's content permalink:
//! `POST .../pact-version/{sha}[/metadata/{metadata}]/verification-results`
//! and `GET .../verification-results/{number}`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::hal::{self, Base};
use super::{AppState, JsonBody, Path, created_or_ok, hal as respond};
use crate::error::{Error, Result};
use crate::service::verifications::{Verification, VerificationInput};

pub fn routes() -> Router<AppState> {
    let content = "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}";
    Router::new()
        .route(&format!("{content}/verification-results"), post(publish))
        .route(
            &format!("{content}/metadata/{{metadata}}/verification-results"),
            post(publish_with_metadata),
        )
        .route(
            &format!("{content}/verification-results/{{number}}"),
            get(show),
        )
        .route(
            &format!("{content}/metadata/{{metadata}}/verification-results/{{number}}"),
            get(show_with_metadata),
        )
}

fn content_url(base: &Base, v: &Verification) -> String {
    base.url(&[
        "pacts",
        "provider",
        &v.provider,
        "consumer",
        &v.consumer,
        "pact-version",
        &v.sha,
    ])
}

fn verification_url(base: &Base, v: &Verification) -> String {
    format!("{}/verification-results/{}", content_url(base, v), v.number)
}

/// The Pact Broker's verification result resource.
fn verification_json(base: &Base, v: &Verification) -> Value {
    json!({
        "providerName": v.provider,
        "providerApplicationVersion": v.provider_version,
        "success": v.success,
        "verificationDate": hal::time(v.verification_date),
        "buildUrl": v.build_url,
        "testResults": v.test_results,
        "verifiedBy": v.verified_by,
        "createdAt": hal::time(v.created_at),
        "_links": {
            "self": hal::named(
                verification_url(base, v),
                "Verification result",
                &format!("Verification result {} for pact content {} between {} and {}", v.number, v.sha, v.consumer, v.provider),
            ),
            "pb:pact-version": hal::named(content_url(base, v), "Pact content version permalink", &v.sha),
            "pb:provider-version": hal::named(
                base.url(&["pacticipants", &v.provider, "versions", &v.provider_version]),
                "Provider version",
                &v.provider_version,
            ),
        },
    })
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
        .await?;
    let location = verification_url(base, &verification);
    Ok(created_or_ok(
        true,
        location,
        verification_json(base, &verification),
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

async fn show(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha, number)): Path<(String, String, String, i64)>,
) -> Result<Response> {
    read(&state, &base, (&p, &c, &sha), number).await
}

async fn show_with_metadata(
    State(state): State<AppState>,
    base: Base,
    Path((p, c, sha, _metadata, number)): Path<(String, String, String, String, i64)>,
) -> Result<Response> {
    read(&state, &base, (&p, &c, &sha), number).await
}

async fn read(
    state: &AppState,
    base: &Base,
    (provider, consumer, sha): (&str, &str, &str),
    number: i64,
) -> Result<Response> {
    let verification = state
        .broker
        .get_verification(consumer, provider, sha, Some(number))
        .await?;
    Ok(respond(
        StatusCode::OK,
        verification_json(base, &verification),
    ))
}
