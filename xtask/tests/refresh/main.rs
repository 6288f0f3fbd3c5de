//! `cargo xtask spec refresh` against synthetic upstream documents served on
//! loopback by httpmock. Every test works on a copy of
//! `tests/fixtures/spec.yaml` in its own temporary directory.

mod apply;
mod drift;
mod sources;
mod workspace;
