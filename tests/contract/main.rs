//! Wire-level contract tests, one module per area, each a table of cases
//! (`common/contract.rs`). Every expected method, path, query string, header
//! and body is written out literally per case from Losant's documented
//! behaviour and the parameter order of its official clients (the order the
//! API lists in its own operation definitions), never derived from our spec
//! or the generated code. Answers carry fields the SDK does not know
//! (`futureField`, `_links`) to prove they are tolerated.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/contract.rs"]
mod contract;

mod attributes;
mod auth;
mod device;
mod device_data;
mod device_state;
mod devices;
mod devices_bulk;
mod devices_query;
mod recipes;
mod streams;
