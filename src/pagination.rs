//! Page streams for the three paginated lists: devices, devices' composite
//! state and device recipes.
//!
//! Pages are fetched one at a time and only when the consumer asks for more,
//! so at most one page is held however many items there are. A stream ends
//! on an empty page, on a short page, or once the latest `totalCount` is
//! reached (Losant may change it while one pages).
//!
//! A stream never loops, whatever the server does. It stops with
//! [`Error::Pagination`] when:
//! - the server answers a page other than the one asked for;
//! - a page starts with the same item as the page before it (a server that
//!   ignores `page`);
//! - it has fetched more pages than `totalCount` and `perPage` allow, or
//!   more than the client's [`max_pages`](crate::ClientBuilder::max_pages)
//!   (10,000 by default), whatever the answers say.

use crate::{builder, types, Error};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

/// Why a page stream stopped early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageProblem {
    /// The answer says it is another page than the one asked for.
    #[error("asked for page {asked} but Losant answered page {answered}")]
    WrongPage {
        /// The page asked for.
        asked: i64,
        /// The page the answer says it is.
        answered: i64,
    },
    /// A page starts with the item the page before it started with.
    #[error("page {page} starts with the same item ({first_id}) as the page before it; the server seems to ignore `page`")]
    RepeatedPage {
        /// The page that repeated.
        page: i64,
        /// The id of its first item.
        first_id: String,
    },
    /// More pages than the answers' counts allow, or than the page limit.
    #[error("{pages} pages fetched, and at most {limit} were expected")]
    TooManyPages {
        /// Pages fetched so far.
        pages: u64,
        /// The most pages expected.
        limit: u64,
    },
}

/// One page of a list answer, as the stream sees it.
pub trait ListPage: Send + 'static {
    /// What the page lists.
    type Item: Send + 'static;
    /// The page number Losant says it returned.
    fn page(&self) -> Option<i64>;
    /// The page size Losant used.
    fn per_page(&self) -> Option<i64>;
    /// How many items match, as of this page.
    fn total_count(&self) -> Option<i64>;
    /// Items on this page.
    fn len(&self) -> usize;
    /// Whether the page has no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The id of the page's first item, if it has one.
    fn first_id(&self) -> Option<String>;
    /// Takes the items out.
    fn into_items(self) -> Vec<Self::Item>;
}

macro_rules! list_page {
    ($page:ty, $item:ty) => {
        impl ListPage for $page {
            type Item = $item;
            fn page(&self) -> Option<i64> {
                self.page
            }
            fn per_page(&self) -> Option<i64> {
                self.per_page
            }
            fn total_count(&self) -> Option<i64> {
                self.total_count
            }
            fn len(&self) -> usize {
                self.items.len()
            }
            fn first_id(&self) -> Option<String> {
                self.items
                    .first()
                    .and_then(|item| item.id.as_ref())
                    .map(ToString::to_string)
            }
            fn into_items(self) -> Vec<Self::Item> {
                self.items
            }
        }
    };
}

list_page!(types::Devices, types::Device);
list_page!(
    types::CompositeDevicesState,
    types::CompositeDevicesStateItem
);
list_page!(types::DeviceRecipes, types::DeviceRecipe);

struct Cursor<F> {
    fetch: F,
    operation: &'static str,
    next_page: i64,
    seen: i64,
    previous_first: Option<String>,
    /// The page limit when no answer carries a `totalCount`.
    max_pages: u64,
    done: bool,
}

impl<F> Cursor<F> {
    /// The problem with `page` (number `requested`), if it has one.
    fn problem<P: ListPage>(&self, requested: i64, page: &P) -> Option<PageProblem> {
        if let Some(answered) = page.page().filter(|answered| *answered != requested) {
            return Some(PageProblem::WrongPage {
                asked: requested,
                answered,
            });
        }
        let first = page.first_id();
        if first.is_some() && first == self.previous_first {
            return Some(PageProblem::RepeatedPage {
                page: requested,
                first_id: first.unwrap_or_default(),
            });
        }
        let pages = requested as u64 + 1;
        let limit = match (page.total_count(), page.per_page()) {
            // One more than the counts allow: the total may grow a little
            // while one pages.
            (Some(total), Some(size)) if size > 0 => {
                ((total.max(0) as u64).div_ceil(size as u64) + 1).min(self.max_pages)
            }
            _ => self.max_pages,
        };
        (pages > limit.max(1)).then_some(PageProblem::TooManyPages { pages, limit })
    }

    fn fail(&mut self, problem: PageProblem) -> Error {
        self.done = true;
        Error::Pagination {
            operation: self.operation.to_string(),
            problem,
        }
    }
}

/// Streams whole pages, starting at page 0.
pub(crate) fn pages<'a, P, F>(
    operation: &'static str,
    max_pages: u64,
    fetch: F,
) -> BoxStream<'a, Result<P, Error>>
where
    P: ListPage,
    F: FnMut(i64) -> BoxFuture<'a, Result<P, Error>> + Send + 'a,
{
    let cursor = Cursor {
        fetch,
        operation,
        next_page: 0,
        seen: 0,
        previous_first: None,
        max_pages,
        done: false,
    };
    stream::unfold(cursor, |mut cursor| async move {
        if cursor.done {
            return None;
        }
        let requested = cursor.next_page;
        let page = match (cursor.fetch)(requested).await {
            Ok(page) => page,
            Err(error) => {
                cursor.done = true;
                return Some((Err(error), cursor));
            }
        };
        if let Some(problem) = cursor.problem(requested, &page) {
            let error = cursor.fail(problem);
            return Some((Err(error), cursor));
        }
        let count = page.len() as i64;
        cursor.seen += count;
        cursor.next_page += 1;
        cursor.previous_first = page.first_id();
        cursor.done = count == 0
            || page.per_page().is_some_and(|size| count < size)
            || page.total_count().is_some_and(|total| cursor.seen >= total);
        if count == 0 && requested > 0 {
            return None;
        }
        Some((Ok(page), cursor))
    })
    .boxed()
}

/// Streams the items of every page.
pub(crate) fn items<'a, P, F>(
    operation: &'static str,
    max_pages: u64,
    fetch: F,
) -> BoxStream<'a, Result<P::Item, Error>>
where
    P: ListPage,
    F: FnMut(i64) -> BoxFuture<'a, Result<P, Error>> + Send + 'a,
{
    pages(operation, max_pages, fetch)
        .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

macro_rules! paginated {
    ($builder:ident, $operation:literal, $page:ty) => {
        // `#[inline]`: compiled, with the decoding of the page, only in the
        // crates that walk this list (as the operations' `send()` is).
        impl<'a> builder::$builder<'a> {
            /// Streams every page, from page 0, keeping this request's other
            /// parameters (set `per_page` here; `page` is overridden).
            #[inline]
            pub fn pages(self) -> BoxStream<'a, Result<$page, Error>> {
                let max_pages = self.client().inner.max_pages;
                pages($operation, max_pages, move |page| {
                    self.clone().page(page).into_future()
                })
            }

            /// Streams every item of every page, fetching a page only when
            /// the previous one has been consumed.
            #[inline]
            pub fn stream(self) -> BoxStream<'a, Result<<$page as ListPage>::Item, Error>> {
                let max_pages = self.client().inner.max_pages;
                items($operation, max_pages, move |page| {
                    self.clone().page(page).into_future()
                })
            }

            /// Fetches every page and returns all items.
            #[inline]
            pub async fn collect_all(self) -> Result<Vec<<$page as ListPage>::Item>, Error> {
                self.stream().try_collect().await
            }
        }
    };
}

use std::future::IntoFuture as _;

paginated!(ListDevices, "list_devices", types::Devices);
paginated!(
    GetDevicesCompositeState,
    "get_devices_composite_state",
    types::CompositeDevicesState
);
paginated!(
    ListDeviceRecipes,
    "list_device_recipes",
    types::DeviceRecipes
);
