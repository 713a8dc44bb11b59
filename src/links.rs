//! The broker's REST URLs: absolute hrefs under the public base URL, for
//! the REST links and for the URLs gRPC responses hand out (a verifier
//! fetches pacts and publishes results over REST).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::domain::verifiable::VerifiablePact;

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

/// The URL a verifier fetches a pact to verify from (its content
/// permalink with the verification metadata), and the URL its notices
/// name: the plain permalink, or the same URL for a work in progress pact.
pub fn verifiable_pact(base: &Base, pact: &VerifiablePact) -> (String, String) {
    let permalink = base.pact_version(&pact.provider, &pact.consumer, &pact.sha);
    let with_metadata = format!("{permalink}/metadata/{}", pact.metadata());
    let named = if pact.wip {
        with_metadata.clone()
    } else {
        permalink
    };
    (with_metadata, named)
}
