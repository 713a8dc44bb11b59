//! Bearer token secrets: their text, and the digest stored in their place.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How every secret starts, so secret scanners can spot a leaked one.
pub const SECRET_PREFIX: &str = "pw_";

/// Random bytes in a secret.
pub const SECRET_BYTES: usize = 32;

/// Characters of a secret: the prefix and the bytes in unpadded base64.
const SECRET_LEN: usize = SECRET_PREFIX.len() + (SECRET_BYTES * 4).div_ceil(3);

/// The text of a secret made of `random` bytes: the prefix, then the bytes
/// in URL-safe base64 without padding, which needs no escaping in a header,
/// a URL or a shell.
pub fn secret(random: &[u8; SECRET_BYTES]) -> String {
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(random))
}

/// The SHA-256 of a secret, which is what is stored. A fast unsalted hash
/// is enough: unlike a password, a secret of 256 random bits cannot be
/// guessed from its digest. Tokens are found by looking their digest up in
/// an index, never by comparing secrets, so response times reveal nothing
/// about a secret.
pub fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `text` could be a secret this broker issued: other bearer
/// credentials need no lookup.
pub fn could_be_secret(text: &str) -> bool {
    text.len() == SECRET_LEN
        && text.strip_prefix(SECRET_PREFIX).is_some_and(|rest| {
            rest.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_url_safe_base64() {
        let random = [0xfb; SECRET_BYTES];
        let text = secret(&random);
        assert_eq!(text.len(), 46);
        let encoded = text.strip_prefix("pw_").expect("the prefix");
        assert!(encoded.contains(['-', '_']), "URL-safe alphabet: {encoded}");
        assert_eq!(URL_SAFE_NO_PAD.decode(encoded).unwrap(), random);
        assert!(could_be_secret(&text));
        assert!(could_be_secret(&secret(&[0; SECRET_BYTES])));
    }

    #[test]
    fn only_secret_shaped_text_could_be_a_secret() {
        let good = secret(&[7; SECRET_BYTES]);
        for text in [
            String::new(),
            "pw_".into(),
            good[1..].into(),
            format!("{good}A"),
            format!("px_{}", &good[3..]),
            format!("pw_+{}", &good[4..]),
            format!("pw_={}", &good[4..]),
            format!("pw_é{}", &good[5..]),
        ] {
            assert!(!could_be_secret(&text), "{text:?}");
        }
    }

    #[test]
    fn the_digest_is_sha256() {
        assert_eq!(
            hex::encode(digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
