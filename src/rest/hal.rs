//! HAL building blocks: the shapes of links and curies, and the timestamp
//! format of the Pact Broker.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

pub use crate::links::Base;

pub fn link(href: String) -> Value {
    json!({ "href": href })
}

pub fn titled(href: String, title: &str) -> Value {
    json!({ "href": href, "title": title })
}

pub fn named(href: String, title: &str, name: &str) -> Value {
    json!({ "href": href, "title": title, "name": name })
}

pub fn templated(href: String, title: &str) -> Value {
    json!({ "href": href, "title": title, "templated": true })
}

/// The Pact Broker's timestamp format, such as `2026-11-22T10:00:00+00:00`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A `curies` entry: where the documentation of the `name:` relations is.
/// The Pact Broker documents each resource's relations in its own
/// `context`.
pub fn curie(base: &Base, name: &str, context: &str) -> Value {
    json!({
        "name": name,
        "href": format!("{}/doc/{{rel}}?context={context}", base.0),
        "templated": true,
    })
}

/// The `curies` link of most resources: the `pb:` relations of the index.
pub fn curies(base: &Base) -> Value {
    json!([curie(base, "pb", "index")])
}
