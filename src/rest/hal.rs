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

/// One segment of a link template: a name, escaped like any other, or a
/// template variable written as `{var}` for the client to fill in.
#[derive(Debug, Clone, Copy)]
pub enum Segment<'a> {
    Name(&'a str),
    Var(&'a str),
}

impl Base {
    /// `base` + `/` + each segment, escaped. Every segment is a name, so a
    /// name such as `{version}` comes out as `%7Bversion%7D` and can never
    /// be taken for a template variable.
    pub fn url(&self, segments: &[&str]) -> String {
        let mut url = self.0.clone();
        for segment in segments {
            push_name(&mut url, segment);
        }
        url
    }

    /// The permalink of a pact's content between a consumer and provider.
    pub fn pact_version(&self, provider: &str, consumer: &str, sha: &str) -> String {
        self.url(&[
            "pacts",
            "provider",
            provider,
            "consumer",
            consumer,
            "pact-version",
            sha,
        ])
    }

    /// A templated href: names escaped as in [`Base::url`], variables
    /// written as `{var}`.
    pub fn template(&self, segments: &[Segment]) -> String {
        let mut url = self.0.clone();
        for segment in segments {
            match segment {
                Segment::Name(name) => push_name(&mut url, name),
                Segment::Var(var) => {
                    url.push_str("/{");
                    url.push_str(var);
                    url.push('}');
                }
            }
        }
        url
    }
}

fn push_name(url: &mut String, name: &str) {
    url.push('/');
    url.extend(utf8_percent_encode(name, SEGMENT));
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
