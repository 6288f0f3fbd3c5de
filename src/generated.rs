//! The client progenitor generates from `spec/losant-device-api.yaml` at build
//! time (see `build.rs`). Run `cargo xtask codegen` to read it.

#![allow(missing_docs, clippy::all, rustdoc::all, unused_imports, dead_code)]

include!(concat!(env!("OUT_DIR"), "/client.rs"));
