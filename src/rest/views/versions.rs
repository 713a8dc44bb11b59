//! Versions, their tags and branches, and branches.

use serde::Serialize;

use super::SelfLink;
use crate::rest::hal::{Base, Link};

/// A version embedded in another resource: its number and URL.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddedVersion {
    number: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl EmbeddedVersion {
    pub fn new(base: &Base, pacticipant: &str, number: &str) -> EmbeddedVersion {
        EmbeddedVersion {
            number: number.to_owned(),
            links: SelfLink::new(Link::named(
                base.version(pacticipant, number),
                "Version",
                number,
            )),
        }
    }
}
