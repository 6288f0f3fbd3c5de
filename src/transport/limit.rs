//! The response size limit: a body that stops with [`BodyTooLarge`] once
//! it passes the limit, or at once when its `Content-Length` does.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// An answer was larger than the limit. It travels inside the
/// `reqwest::Error` of the body read, and becomes
/// [`crate::Error::ResponseTooLarge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the answer is larger than the limit of {limit} bytes")]
pub(crate) struct BodyTooLarge {
    pub(crate) limit: u64,
    pub(crate) declared: Option<u64>,
}

/// `response` with its body limited to `limit` bytes.
pub(crate) fn limit_body(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let declared = response.content_length();
    let success = response.status().is_success();
    if declared.is_some_and(|size| size <= limit) {
        // hyper reads exactly the declared length and no more, so the
        // usual answer needs no counting at all.
        return response;
    }
    let url = response.url().clone();
    let response: http::Response<reqwest::Body> = response.into();
    let (mut parts, body) = response.into_parts();
    let capped = Capped {
        inner: body,
        remaining: limit,
        // An error answer is read only in part (crate::error), so its
        // declared size does not matter.
        failure: declared
            .filter(|size| *size > limit && success)
            .map(|_| BodyTooLarge { limit, declared }),
        limit,
        declared,
    };
    // The conversion back and forth loses the URL, which errors show.
    if let Ok(marker) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(marker.into_parts().0.extensions);
    }
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap(capped),
    ))
}

use reqwest::ResponseBuilderExt as _;

struct Capped {
    inner: reqwest::Body,
    remaining: u64,
    /// Set when the declared size is already over the limit: the body then
    /// fails before anything is read.
    failure: Option<BodyTooLarge>,
    limit: u64,
    declared: Option<u64>,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(failure) = self.failure.take() {
            return Poll::Ready(Some(Err(Box::new(failure))));
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(Box::new(error)))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        if let Some(data) = frame.data_ref() {
            let size = data.len() as u64;
            if size > self.remaining {
                self.remaining = 0;
                let failure = BodyTooLarge {
                    limit: self.limit,
                    declared: self.declared,
                };
                return Poll::Ready(Some(Err(Box::new(failure))));
            }
            self.remaining -= size;
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.failure.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
