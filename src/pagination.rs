//! Page streams for the three paginated lists: devices, devices' composite
//! state and device recipes.
//!
//! Pages are fetched one at a time and only when the consumer asks for more,
//! so at most one page is held however many items there are. A stream ends
//! on an empty page, on a short page, or once the latest `totalCount` is
//! reached (Losant may change it while one pages). Page numbers only grow,
//! so no page is requested twice, and a server that answers with a page
//! other than the one asked for stops the stream with an error.

use crate::{builder, types, Error};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

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
    next_page: i64,
    seen: i64,
    done: bool,
}

/// Streams whole pages, starting at page 0.
pub(crate) fn pages<'a, P, F>(fetch: F) -> BoxStream<'a, Result<P, Error>>
where
    P: ListPage,
    F: FnMut(i64) -> BoxFuture<'a, Result<P, Error>> + Send + 'a,
{
    let cursor = Cursor {
        fetch,
        next_page: 0,
        seen: 0,
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
        if page.page().is_some_and(|answered| answered != requested) {
            cursor.done = true;
            let error = Error::Other(format!(
                "asked for page {requested} but Losant answered page {:?}; stopping to avoid a loop",
                page.page()
            ));
            return Some((Err(error), cursor));
        }
        let count = page.len() as i64;
        cursor.seen += count;
        cursor.next_page += 1;
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
pub(crate) fn items<'a, P, F>(fetch: F) -> BoxStream<'a, Result<P::Item, Error>>
where
    P: ListPage,
    F: FnMut(i64) -> BoxFuture<'a, Result<P, Error>> + Send + 'a,
{
    pages(fetch)
        .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

macro_rules! paginated {
    ($builder:ident, $page:ty) => {
        impl<'a> builder::$builder<'a> {
            /// Streams every page, from page 0, keeping this request's other
            /// parameters (set `per_page` here; `page` is overridden).
            pub fn pages(self) -> BoxStream<'a, Result<$page, Error>> {
                pages(move |page| self.clone().page(page).into_future())
            }

            /// Streams every item of every page, fetching a page only when
            /// the previous one has been consumed.
            pub fn stream(self) -> BoxStream<'a, Result<<$page as ListPage>::Item, Error>> {
                items(move |page| self.clone().page(page).into_future())
            }

            /// Fetches every page and returns all items.
            pub async fn collect_all(self) -> Result<Vec<<$page as ListPage>::Item>, Error> {
                self.stream().try_collect().await
            }
        }
    };
}

use std::future::IntoFuture as _;

paginated!(ListDevices, types::Devices);
paginated!(GetDevicesCompositeState, types::CompositeDevicesState);
paginated!(ListDeviceRecipes, types::DeviceRecipes);
