//! The REST responses as typed views: serde structs, one file per resource
//! noun, each built from the service's types by a constructor. A struct's
//! field order is the order of its JSON keys (serde_json keeps it).

pub mod deployments;
pub mod environments;
pub mod for_verification;
pub mod index;
pub mod matrix;
pub mod pacticipants;
pub mod pacts;
pub mod tokens;
pub mod verifications;
pub mod versions;

use serde::Serialize;

use super::hal::Link;
use crate::domain::notice::NoticeKind;

/// `_links` with only `self`.
#[derive(Debug, Clone, Serialize)]
pub struct SelfLink {
    #[serde(rename = "self")]
    self_: Link,
}

impl SelfLink {
    pub fn new(link: Link) -> SelfLink {
        SelfLink { self_: link }
    }
}

/// The `page` of a paginated collection.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    number: i64,
    size: i64,
    total_elements: i64,
    total_pages: i64,
}

/// The `next` and `previous` links of a paginated collection, when there
/// are such pages; first in its `_links`.
#[derive(Debug, Clone, Serialize)]
pub struct PageLinks {
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<Link>,
}

/// The `page` and the page links of `listed_page` of the collection at the
/// URL `collection`, which has `total` items.
pub fn pagination(
    collection: &str,
    listed_page: crate::domain::page::Page,
    total: i64,
) -> (Page, PageLinks) {
    let size = listed_page.size;
    let number = listed_page.number();
    let total_pages = (total + size - 1) / size;
    let link =
        |n: i64, title: &str| Link::titled(format!("{collection}?page={n}&size={size}"), title);
    let links = PageLinks {
        next: (number < total_pages).then(|| link(number + 1, "Next page")),
        previous: (number > 1).then(|| link(number - 1, "Previous page")),
    };
    let page = Page {
        number,
        size,
        total_elements: total,
        total_pages,
    };
    (page, links)
}

/// `_links` of a paginated collection with only `self` besides.
#[derive(Debug, Clone, Serialize)]
pub struct PagedLinks {
    #[serde(flatten)]
    pages: PageLinks,
    #[serde(rename = "self")]
    self_: Link,
}

impl PagedLinks {
    pub fn new(pages: PageLinks, self_: Link) -> PagedLinks {
        PagedLinks { pages, self_ }
    }
}

/// A notice for the person running a Pact tool: its `type` and `text`.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

impl NoticeView {
    pub fn new(kind: NoticeKind, text: &str) -> NoticeView {
        NoticeView {
            kind: kind.as_str(),
            text: text.to_owned(),
        }
    }
}
