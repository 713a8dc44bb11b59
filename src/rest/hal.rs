//! HAL building blocks: absolute hrefs from the base URL, links, and the
//! timestamp format of the Pact Broker.

use chrono::{DateTime, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

/// Characters escaped inside one path segment: everything that would end or
/// change the segment, so names like `feat/x` stay one segment (`feat%2Fx`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

/// The absolute base URL of this request, without a trailing slash.
#[derive(Debug, Clone)]
pub struct Base(pub String);

impl Base {
    /// `base` + `/` + each segment, escaped. Segments written as `{name}`
    /// are template variables and are kept as they are.
    pub fn url(&self, segments: &[&str]) -> String {
        let mut url = self.0.clone();
        for segment in segments {
            url.push('/');
            if segment.starts_with('{') && segment.ends_with('}') {
                url.push_str(segment);
            } else {
                url.extend(utf8_percent_encode(segment, SEGMENT));
            }
        }
        url
    }
}

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
    fn segments_are_escaped_and_templates_kept() {
        let base = Base("http://b".into());
        assert_eq!(
            base.url(&["pacticipants", "feat/x y", "versions", "{version}"]),
            "http://b/pacticipants/feat%2Fx%20y/versions/{version}"
        );
        assert_eq!(base.url(&["a%b?c#d"]), "http://b/a%25b%3Fc%23d");
    }
}
