//! `cargo xtask`: maintenance tasks for losant-device.
//!
//! The logic lives in this library so that it is testable as functions;
//! `main.rs` only forwards the command line to [`cli::run`].

// The spec loading and code generation pipeline, exactly as build.rs uses it.
#[path = "../../codegen/mod.rs"]
pub mod codegen;

pub mod apply;
pub mod cli;
pub mod diff;
pub mod edit;
pub mod fetch;
pub mod lint;
pub mod mapping;
pub mod model;
pub mod official;
pub mod ours;
pub mod refresh;
pub mod report;
pub mod rust_version;
pub mod snapshot;

use std::path::PathBuf;

/// The workspace root (the `losant-device` crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
