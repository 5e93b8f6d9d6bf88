//! How a listing operation pages, as `lower` found it (or a setting said) and `emit` writes it.

use super::TypeRef;

/// A paginated operation: how to ask for the next page, and where a page's items are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pagination {
    pub(crate) next: Next,
    /// A JSON pointer to the items array in a page; empty when the body is the array.
    pub(crate) items: String,
    /// The type of one item.
    pub(crate) item: TypeRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// `Link: <...>; rel="next"` response headers.
    Link,
    /// A next-page URL in the body, at this JSON pointer.
    BodyLink(String),
    /// A cursor query parameter, fed from the page.
    Cursor { param: String, from: CursorFrom, has_more: Option<String> },
    /// An offset query parameter, advanced by the item count; `limit` names the page size.
    Offset { param: String, limit: Option<String> },
    /// A page-number query parameter starting at `first`; `size` names the page size.
    Page { param: String, first: u64, size: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CursorFrom {
    /// A JSON pointer into the page.
    Field(String),
    /// A JSON pointer into the page's last item (`starting_after=<id>` listings).
    LastItem(String),
}

impl Pagination {
    /// The pattern's name in reports and docs.
    pub(crate) fn pattern(&self) -> &'static str {
        match &self.next {
            Next::Link => "link",
            Next::BodyLink(_) => "body_link",
            Next::Cursor { from: CursorFrom::LastItem(_), .. } => "has_more",
            Next::Cursor { .. } => "cursor",
            Next::Offset { .. } => "offset",
            Next::Page { .. } => "page",
        }
    }
}
