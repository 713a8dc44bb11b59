//! The pacts a provider version must verify.

use serde::Serialize;

use super::SelfLink;
use crate::domain::verifiable::VerifiablePact;
use crate::links;
use crate::rest::hal::{Base, Link};

/// The Pact Broker's pacts for verification: one entry per pact content.
#[derive(Debug, Clone, Serialize)]
pub struct PactsForVerificationView {
    #[serde(rename = "_embedded")]
    embedded: PactsForVerificationEmbedded,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct PactsForVerificationEmbedded {
    pacts: Vec<VerifiablePactView>,
}

/// A pact to verify: why it was chosen, its pending and WIP status and the
/// notices the verifiers print, and the URL to fetch it from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct VerifiablePactView {
    short_description: String,
    verification_properties: VerificationProperties,
    #[serde(rename = "_links")]
    links: SelfLink,
}

#[derive(Debug, Clone, Serialize)]
struct VerificationProperties {
    /// Only when the pending status was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<bool>,
    /// Only for a work in progress pact.
    #[serde(skip_serializing_if = "Option::is_none")]
    wip: Option<bool>,
    notices: Vec<VerificationNoticeView>,
}

#[derive(Debug, Clone, Serialize)]
struct VerificationNoticeView {
    when: &'static str,
    text: String,
}

impl PactsForVerificationView {
    /// The pacts `provider` must verify, with their pending status when
    /// `include_pending`, and the warning of the deprecated GET form when
    /// `deprecated`.
    pub fn new(
        base: &Base,
        provider: &str,
        pacts: &[VerifiablePact],
        include_pending: bool,
        deprecated: bool,
    ) -> PactsForVerificationView {
        PactsForVerificationView {
            embedded: PactsForVerificationEmbedded {
                pacts: pacts
                    .iter()
                    .map(|p| VerifiablePactView::new(base, p, include_pending, deprecated))
                    .collect(),
            },
            links: SelfLink::new(Link::titled(
                base.pacts_for_verification(provider),
                "Pacts to be verified",
            )),
        }
    }
}

impl VerifiablePactView {
    fn new(
        base: &Base,
        p: &VerifiablePact,
        include_pending: bool,
        deprecated: bool,
    ) -> VerifiablePactView {
        let (href, notice_url) = links::verifiable_pact(base, p);
        VerifiablePactView {
            short_description: p.short_description(),
            verification_properties: VerificationProperties {
                pending: include_pending.then_some(p.pending == Some(true)),
                wip: p.wip.then_some(true),
                notices: p
                    .notices(&notice_url, include_pending, deprecated)
                    .into_iter()
                    .map(|n| VerificationNoticeView {
                        when: n.when,
                        text: n.text,
                    })
                    .collect(),
            },
            links: SelfLink::new(Link {
                name: Some(p.name()),
                ..Link::new(href)
            }),
        }
    }
}
