//! Native crypto core for Jazz/cojson server workers.
//!
//! The modules below are plain Rust with no Node-API types (`cargo test` covers them); the
//! `binding` module, compiled with the default `node` feature, is the thin `#[napi]` layer.

#![deny(clippy::all)]
#![deny(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod blake3;
mod cache;
pub mod ed25519;
pub mod encoding;
pub mod error;
// JavaScript's JSON output; the fuzz targets build their inputs with it.
#[cfg(feature = "fuzzing")]
pub mod json;
#[cfg(not(feature = "fuzzing"))]
mod json;
mod random;
pub mod secretbox;
pub mod session_map;
pub mod x25519;

#[cfg(test)]
mod test_support;

// Under `cargo test` napi-derive generates nothing, so the binding layer is left out there.
#[cfg(all(feature = "node", not(test)))]
mod binding;

pub use error::{Code, Error, Result};
