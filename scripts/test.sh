#!/usr/bin/env bash
# `npm test`: the Rust core's unit tests, then the JS tests against the built addon.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --no-default-features --locked
# The WebAssembly build (a few seconds when nothing changed): its suites run below.
npm run --silent build:wasm
node --test --test-concurrency=1 __test__/*.test.mjs
