#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod generated;
pub use generated::{builder, types, Client};

pub mod auth;
mod backoff;
pub mod config;
pub mod error;
pub mod handles;
pub mod ids;
#[cfg(any(feature = "mqtt", feature = "store"))]
mod lossy;
#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "mqtt")]
pub mod mqtt;
pub mod pagination;
pub mod query;
pub mod retry;
pub mod sse;
mod state;
mod state_value;
#[cfg(feature = "store")]
pub mod store;
mod tags;
mod timestamp;
pub mod tls;
pub mod token;
mod transport;
mod unknown_fields;
mod wire;

pub use backoff::Backoff;
pub use config::ClientBuilder;
pub use error::Error;
pub use handles::{ApplicationHandle, DeviceHandle, DeviceRecipeHandle};
pub use ids::{
    ApplicationId, AttributeName, DeviceId, DeviceRecipeId, InvalidId, ObjectId, TagKey,
};
pub use query::DeviceQuery;
pub use retry::RetryPolicy;
pub use state::DeviceStateOrStates;
pub use timestamp::Timestamp;
pub use unknown_fields::UnknownFields;
pub use wire::Json;

/// What secrets print as.
pub(crate) const REDACTED: &str = "** redacted **";
