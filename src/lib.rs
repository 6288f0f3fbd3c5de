#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod generated;
pub use generated::*;

pub mod config;
pub mod error;
pub mod ids;
pub mod query;
pub mod retry;
mod transport;
pub mod wire;

pub use config::ClientBuilder;
pub use error::Error;
pub use ids::{
    ApplicationId, AttributeName, DeviceId, DeviceRecipeId, InvalidId, ObjectId, TagKey,
};
pub use query::DeviceQuery;
pub use retry::RetryPolicy;
pub use transport::Transport;

/// What secrets print as.
pub(crate) const REDACTED: &str = "** redacted **";
