//! The metadata segment of a pact-version URL
//! (`/pact-version/{sha}/metadata/{metadata}`): URL-safe base64 of a Rack
//! nested query, written by the broker into the links it hands verifiers,
//! so a published verification result can say whether the pact was pending
//! or work in progress (keys `p` and `w`).

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The pact was pending for the provider when it was handed out.
    pub pending: bool,
    /// The pact was handed out as work in progress.
    pub wip: bool,
}

/// Encodes a metadata segment as the Pact Broker does: a Rack nested query
/// of the `selectors` (each an `s[]` entry) and then the `flat` keys, in
/// URL-safe base64 without padding.
pub fn encode(flat: &[(&str, String)], selectors: &[Vec<(&str, String)>]) -> String {
    let component = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let mut pairs: Vec<String> = Vec::new();
    for selector in selectors {
        for (key, value) in selector {
            pairs.push(format!("s%5B%5D%5B{key}%5D={}", component(value)));
        }
    }
    for (key, value) in flat {
        pairs.push(format!("{key}={}", component(value)));
    }
    URL_SAFE_NO_PAD.encode(pairs.join("&"))
}

/// Decodes a metadata segment; the message says what is wrong with it.
pub fn decode(segment: &str) -> Result<Metadata, String> {
    let bytes = URL_SAFE
        .decode(segment)
        .or_else(|_| URL_SAFE_NO_PAD.decode(segment))
        .map_err(|_| "is not URL-safe base64".to_string())?;
    let query = String::from_utf8(bytes).map_err(|_| "is not UTF-8 once decoded".to_string())?;
    let mut metadata = Metadata::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
        let flag = || match value {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("'{key}' must be true or false, not '{other}'")),
        };
        match key.as_ref() {
            "p" => metadata.pending = flag()?,
            "w" => metadata.wip = flag()?,
            // Selectors and consumer versions: read by later capabilities.
            _ => {}
        }
    }
    // A work in progress pact is always pending; the Pact Broker writes
    // only `w` into its links.
    metadata.pending |= metadata.wip;
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(query: &str) -> String {
        URL_SAFE.encode(query)
    }

    #[test]
    fn reads_pending_and_wip() {
        let cases = [
            ("", Metadata::default()),
            (
                "p=true",
                Metadata {
                    pending: true,
                    wip: false,
                },
            ),
            (
                "w=true&p=true",
                Metadata {
                    pending: true,
                    wip: true,
                },
            ),
            (
                "s%5B%5D%5Bb%5D=main&s%5B%5D%5Bl%5D=true&cvn=1.0.0&w=false",
                Metadata::default(),
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(decode(&encode(query)), Ok(expected.clone()), "{query}");
            assert_eq!(
                decode(&URL_SAFE_NO_PAD.encode(query)),
                Ok(expected),
                "{query}"
            );
        }
    }

    #[test]
    fn encodes_a_nested_query() {
        let segment = super::encode(
            &[("p", "true".into())],
            &[vec![("b", "feat/x".into()), ("cv", "7".into())]],
        );
        let query = String::from_utf8(URL_SAFE_NO_PAD.decode(&segment).unwrap()).unwrap();
        assert_eq!(query, "s%5B%5D%5Bb%5D=feat%2Fx&s%5B%5D%5Bcv%5D=7&p=true");
        assert_eq!(
            decode(&segment),
            Ok(Metadata {
                pending: true,
                wip: false
            })
        );
    }

    #[test]
    fn rejects_what_is_not_metadata() {
        assert!(decode("%%%").is_err());
        assert!(decode(&URL_SAFE.encode([0xff, 0xfe])).is_err());
        assert!(decode(&encode("p=yes")).unwrap_err().contains("'p'"));
    }
}
