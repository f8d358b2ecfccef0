#!/usr/bin/env bash
# `npm test`: the Rust core's unit tests, then the JS tests against the built addon.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --no-default-features --locked
node --test --test-concurrency=1 __test__/*.test.mjs
