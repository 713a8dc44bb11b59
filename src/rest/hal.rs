//! HAL building blocks: the shapes of links and curies, and the timestamp
//! format of the Pact Broker.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

pub use crate::links::Base;

/// A HAL link: `href`, then `title`, `name` and `templated` when set, in
/// that order, as the Pact Broker writes them.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templated: Option<bool>,
}

impl Link {
    pub fn new(href: String) -> Link {
        Link {
            href,
            title: None,
            name: None,
            templated: None,
        }
    }

    pub fn titled(href: String, title: impl Into<String>) -> Link {
        Link {
            title: Some(title.into()),
            ..Link::new(href)
        }
    }

    pub fn named(href: String, title: impl Into<String>, name: impl Into<String>) -> Link {
        Link {
            name: Some(name.into()),
            ..Link::titled(href, title)
        }
    }

    /// A link whose `href` is a URI template.
    pub fn templated(href: String, title: impl Into<String>) -> Link {
        Link {
            templated: Some(true),
            ..Link::titled(href, title)
        }
    }
}

pub fn link(href: String) -> Value {
    json!(Link::new(href))
}

pub fn titled(href: String, title: &str) -> Value {
    json!(Link::titled(href, title))
}

pub fn named(href: String, title: &str, name: &str) -> Value {
    json!(Link::named(href, title, name))
}

pub fn templated(href: String, title: &str) -> Value {
    json!(Link::templated(href, title))
}

/// The Pact Broker's timestamp format, such as `2026-11-22T10:00:00+00:00`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A `curies` entry: where the documentation of the `name:` relations is.
/// The Pact Broker documents each resource's relations in its own
/// `context`.
#[derive(Debug, Clone, Serialize)]
pub struct Curie {
    name: &'static str,
    href: String,
    templated: bool,
}

impl Curie {
    pub fn new(base: &Base, name: &'static str, context: &str) -> Curie {
        Curie {
            name,
            href: format!("{}/doc/{{rel}}?context={context}", base.0),
            templated: true,
        }
    }
}

/// The `curies` link of most resources: the `pb:` relations of the index.
pub fn curies(base: &Base) -> Vec<Curie> {
    vec![Curie::new(base, "pb", "index")]
}
