//! Verification results, and the verification summary of a consumer
//! version.

use serde::Serialize;
use serde_json::Value;

use super::SelfLink;
use crate::rest::hal::{self, Base, Link};
use crate::service::verifications::{Verification, VerificationSummary};

/// The Pact Broker's verification result resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationView {
    provider_name: String,
    provider_application_version: String,
    success: bool,
    verification_date: String,
    build_url: Option<String>,
    // The verifier's own JSON, passed on as given.
    test_results: Option<Value>,
    verified_by: Option<Value>,
    created_at: String,
    #[serde(rename = "_links")]
    links: VerificationLinks,
}

#[derive(Debug, Clone, Serialize)]
struct VerificationLinks {
    #[serde(rename = "self")]
    self_: Link,
    #[serde(rename = "pb:pact-version")]
    pact_version: Link,
    #[serde(rename = "pb:provider-version")]
    provider_version: Link,
}

impl VerificationView {
    pub fn new(base: &Base, v: &Verification) -> VerificationView {
        let name = format!(
            "Verification result {} for pact content {} between {} and {}",
            v.number, v.sha, v.consumer, v.provider
        );
        VerificationView {
            provider_name: v.provider.clone(),
            provider_application_version: v.provider_version.clone(),
            success: v.success,
            verification_date: hal::time(v.verification_date),
            build_url: v.build_url.clone(),
            test_results: v.test_results.clone(),
            verified_by: v.verified_by.clone(),
            created_at: hal::time(v.created_at),
            links: VerificationLinks {
                self_: Link::named(verification_url(base, v), "Verification result", name),
                pact_version: Link::named(
                    base.pact_version(&v.provider, &v.consumer, &v.sha),
                    "Pact content version permalink",
                    &v.sha,
                ),
                provider_version: Link::named(
                    base.version(&v.provider, &v.provider_version),
                    "Provider version",
                    &v.provider_version,
                ),
            },
        }
    }
}

/// The URL of a verification result.
pub fn verification_url(base: &Base, v: &Verification) -> String {
    base.verification_result(&v.provider, &v.consumer, &v.sha, &v.number.to_string())
}

/// The Pact Broker's verification summary of a consumer version: overall
/// success, the providers by outcome, and each latest result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationSummaryView {
    success: bool,
    provider_summary: ProviderSummary,
    #[serde(rename = "_embedded")]
    embedded: SummaryEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct ProviderSummary {
    successful: Vec<String>,
    failed: Vec<String>,
    unknown: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryEmbedded {
    verification_results: Vec<VerificationView>,
}

impl VerificationSummaryView {
    pub fn new(base: &Base, summary: &VerificationSummary) -> VerificationSummaryView {
        let providers = |success: bool| {
            summary
                .verifications
                .iter()
                .filter(|v| v.success == success)
                .map(|v| v.provider.clone())
                .collect()
        };
        let (consumer, version) = (&summary.consumer, &summary.consumer_version);
        VerificationSummaryView {
            success: summary.success,
            provider_summary: ProviderSummary {
                successful: providers(true),
                failed: providers(false),
                unknown: summary.unverified.clone(),
            },
            embedded: SummaryEmbedded {
                verification_results: summary
                    .verifications
                    .iter()
                    .map(|v| VerificationView::new(base, v))
                    .collect(),
            },
            links: SelfLink::new(Link::titled(
                base.verification_summary(consumer, version),
                format!("Latest verification results for consumer {consumer} version {version}"),
            )),
        }
    }
}
