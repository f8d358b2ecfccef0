//! The `#[napi]` binding layer: thin adapters from JS values to the pure-Rust core.
//!
//! `raw` holds every Node-API call and every `unsafe` block; `convert` turns arguments into Rust
//! values with their names in errors; `primitives` and `session_map` are the exports.

mod convert;
mod info;
mod primitives;
mod provider;
#[allow(unsafe_code)] // the one module that calls Node-API directly
mod raw;
mod session_map;
