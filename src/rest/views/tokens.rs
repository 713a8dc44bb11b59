//! Bearer tokens. Not a Pact Broker resource; shaped like its resources.

use serde::Serialize;

use super::{Page, PagedLinks, pagination};
use crate::rest::hal::{self, Base, Link};
use crate::service::Listed;
use crate::service::tokens::{CreatedToken, Token};

/// A token, without its secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    uuid: String,
    name: String,
    role: &'static str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<String>,
    #[serde(rename = "_links")]
    links: TokenLinks,
}

#[derive(Debug, Clone, Serialize)]
struct TokenLinks {
    #[serde(rename = "self")]
    self_: Link,
    tokens: Link,
}

impl TokenView {
    pub fn new(base: &Base, t: &Token) -> TokenView {
        TokenView {
            uuid: t.uuid.clone(),
            name: t.name.clone(),
            role: t.role.as_str(),
            created_at: hal::time(t.created_at),
            last_used_at: t.last_used_at.map(hal::time),
            revoked_at: t.revoked_at.map(hal::time),
            links: TokenLinks {
                self_: Link::named(base.token(&t.uuid), "Token", &t.name),
                tokens: Link::titled(base.tokens(), "Tokens"),
            },
        }
    }
}

/// A token just created, with its secret: the one response showing it.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedTokenView {
    #[serde(flatten)]
    token: TokenView,
    secret: String,
}

impl CreatedTokenView {
    pub fn new(base: &Base, created: &CreatedToken) -> CreatedTokenView {
        CreatedTokenView {
            token: TokenView::new(base, &created.token),
            secret: created.secret.clone(),
        }
    }
}

/// A page of tokens.
#[derive(Debug, Clone, Serialize)]
pub struct TokensView {
    #[serde(rename = "_embedded")]
    embedded: TokensEmbedded,
    #[serde(rename = "_links")]
    links: PagedLinks,
    page: Page,
}

#[derive(Debug, Clone, Serialize)]
struct TokensEmbedded {
    tokens: Vec<TokenView>,
}

impl TokensView {
    /// The page `listed`, of the revoked tokens too when `include_revoked`.
    pub fn new(base: &Base, listed: &Listed<Token>, include_revoked: bool) -> TokensView {
        let (page, mut pages) = pagination(&base.tokens(), listed.page, listed.total);
        if include_revoked {
            // The next and previous pages list the same tokens.
            for link in [&mut pages.next, &mut pages.previous].into_iter().flatten() {
                link.href.push_str("&includeRevoked=true");
            }
        }
        TokensView {
            embedded: TokensEmbedded {
                tokens: listed
                    .items
                    .iter()
                    .map(|t| TokenView::new(base, t))
                    .collect(),
            },
            links: PagedLinks::new(pages, Link::titled(base.tokens(), "Tokens")),
            page,
        }
    }
}
