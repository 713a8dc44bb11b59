//! Pacticipants and their labels.

use serde::Serialize;

use super::SelfLink;
use crate::rest::hal::{Base, Link};

/// A pacticipant embedded in another resource: its name and URL.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddedPacticipant {
    name: String,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl EmbeddedPacticipant {
    pub fn new(base: &Base, name: &str) -> EmbeddedPacticipant {
        EmbeddedPacticipant {
            name: name.to_owned(),
            links: SelfLink::new(Link::new(base.pacticipant(name))),
        }
    }
}
