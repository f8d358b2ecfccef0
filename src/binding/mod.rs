//! The `#[napi]` binding layer: thin adapters from JS values to the pure-Rust core.

mod args;
mod primitives;
mod session_map;
