//! HAL building blocks: links and the timestamp format of the Pact Broker.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

pub use crate::links::{Base, Segment};

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

/// The `curies` link of every index-like resource.
pub fn curies(base: &Base) -> Value {
    json!([{ "name": "pb", "href": format!("{}/doc/{{rel}}?context=index", base.0), "templated": true }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_segment_of_a_url_is_escaped() {
        let base = Base("http://b".into());
        assert_eq!(
            base.url(&["pacticipants", "feat/x y", "versions", "{version}"]),
            "http://b/pacticipants/feat%2Fx%20y/versions/%7Bversion%7D"
        );
        assert_eq!(base.url(&["a%b?c#d"]), "http://b/a%25b%3Fc%23d");
        assert_eq!(base.url(&[]), "http://b");
    }

    #[test]
    fn templates_escape_names_and_keep_variables() {
        use Segment::{Name, Var};
        let base = Base("http://b".into());
        assert_eq!(
            base.template(&[
                Name("pacticipants"),
                Name("{version}"),
                Name("versions"),
                Var("version"),
            ]),
            "http://b/pacticipants/%7Bversion%7D/versions/{version}"
        );
        assert_eq!(
            base.template(&[Name("feat/x y"), Var("tag")]),
            "http://b/feat%2Fx%20y/{tag}"
        );
    }
}
