//! Pagination. gRPC uses opaque page tokens; REST uses the Pact Broker's
//! page numbers. Both become an offset and a size.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const DEFAULT_PAGE_SIZE: i64 = 100;
pub const MAX_PAGE_SIZE: i64 = 1000;
/// Largest offset a page may start at: far beyond any real listing, and
/// far enough below `i64::MAX` that offset arithmetic cannot overflow.
pub const MAX_OFFSET: i64 = i64::MAX / 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub size: i64,
}

impl Page {
    /// From a gRPC page size (0 = default, clamped to the maximum) and token.
    pub fn from_token(page_size: i32, token: &str) -> Result<Page, (&'static str, String)> {
        if page_size < 0 {
            return Err(("page_size", "cannot be negative".into()));
        }
        let size = match i64::from(page_size) {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        };
        let offset = if token.is_empty() {
            0
        } else {
            decode_token(token).ok_or(("page_token", "is not a token this server issued".into()))?
        };
        Ok(Page { offset, size })
    }

    /// From REST `page` (1-based) and `size` query parameters.
    pub fn from_number(
        number: Option<i64>,
        size: Option<i64>,
    ) -> Result<Page, (&'static str, String)> {
        let number = number.unwrap_or(1);
        if number < 1 {
            return Err(("page", "must be 1 or more".into()));
        }
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        if size < 1 {
            return Err(("size", "must be 1 or more".into()));
        }
        let size = size.min(MAX_PAGE_SIZE);
        let offset = (number - 1)
            .checked_mul(size)
            .filter(|offset| *offset <= MAX_OFFSET)
            .ok_or(("page", "is too large".to_owned()))?;
        Ok(Page { offset, size })
    }

    /// The page number (1-based) of a REST page.
    pub fn number(&self) -> i64 {
        self.offset / self.size + 1
    }

    /// The first page of the largest size, to read a whole listing.
    pub fn first_largest() -> Page {
        Page {
            offset: 0,
            size: MAX_PAGE_SIZE,
        }
    }

    /// The page after this one, or none when `total` is reached.
    pub fn next(&self, total: i64) -> Option<Page> {
        let offset = self.offset.saturating_add(self.size);
        (offset < total).then_some(Page {
            offset,
            size: self.size,
        })
    }

    /// The token for the page after this one, or "" when `total` is reached.
    pub fn next_token(&self, total: i64) -> String {
        self.next_token_if(self.next(total).is_some())
    }

    /// The token for the page after this one when more items follow it,
    /// else "": for listings that look one item ahead instead of counting.
    pub fn next_token_if(&self, more: bool) -> String {
        if more {
            let next = self.offset.saturating_add(self.size);
            URL_SAFE_NO_PAD.encode(format!("offset:{next}"))
        } else {
            String::new()
        }
    }
}

fn decode_token(token: &str) -> Option<i64> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix("offset:")?
        .parse()
        .ok()
        .filter(|n: &i64| (0..=MAX_OFFSET).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let page = Page::from_token(10, "").unwrap();
        assert_eq!(
            page,
            Page {
                offset: 0,
                size: 10
            }
        );
        let token = page.next_token(25);
        let next = Page::from_token(10, &token).unwrap();
        assert_eq!(next.offset, 10);
        assert_eq!(
            Page::from_token(10, &next.next_token(25)).unwrap().offset,
            20
        );
        assert_eq!(Page::from_token(10, "").unwrap().next_token(10), "");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Page::from_token(-1, "").is_err());
        assert!(Page::from_token(0, "garbage!").is_err());
        assert_eq!(Page::from_token(5000, "").unwrap().size, MAX_PAGE_SIZE);
        assert!(Page::from_number(Some(0), None).is_err());
        assert!(Page::from_number(None, Some(0)).is_err());
        assert_eq!(Page::from_number(Some(3), Some(10)).unwrap().offset, 20);
    }

    fn token(offset: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
    }

    #[test]
    fn huge_page_numbers_are_refused_not_overflowed() {
        for (number, size) in [
            (i64::MAX, 2),
            (i64::MAX, MAX_PAGE_SIZE),
            (i64::MAX / 2, 3),
            (MAX_OFFSET + 2, 1),
        ] {
            let err = Page::from_number(Some(number), Some(size)).unwrap_err();
            assert_eq!(err, ("page", "is too large".into()), "{number} {size}");
        }
        // A size above the maximum is clamped before the multiplication.
        assert!(Page::from_number(Some(i64::MAX / 1000), Some(i64::MAX)).is_err());
        // The largest accepted page starts at the largest offset.
        let last = Page::from_number(Some(MAX_OFFSET + 1), Some(1)).unwrap();
        assert_eq!(last.offset, MAX_OFFSET);
        assert_eq!(last.number(), MAX_OFFSET + 1);
        assert_eq!(
            Page::from_number(Some(1_000_000_000_000), Some(1000))
                .unwrap()
                .offset,
            999_999_999_999_000
        );
    }

    #[test]
    fn forged_tokens_with_huge_offsets_are_refused() {
        for offset in [
            i64::MAX.to_string(),
            (MAX_OFFSET + 1).to_string(),
            "-1".into(),
            "99999999999999999999".into(),
        ] {
            assert_eq!(
                Page::from_token(10, &token(&offset)).unwrap_err().0,
                "page_token",
                "{offset}"
            );
        }
        let page = Page::from_token(1000, &token(&MAX_OFFSET.to_string())).unwrap();
        assert_eq!(page.offset, MAX_OFFSET);
        assert_eq!(
            page.next_token(i64::MAX),
            token(&(MAX_OFFSET + 1000).to_string())
        );
    }

    #[test]
    fn next_token_saturates_instead_of_overflowing() {
        let page = Page {
            offset: i64::MAX,
            size: MAX_PAGE_SIZE,
        };
        assert_eq!(page.next_token(i64::MAX), "");
        let page = Page {
            offset: i64::MAX - 1,
            size: 10,
        };
        assert_eq!(page.next_token(i64::MAX), "");
    }
}
