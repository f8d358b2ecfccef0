#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS seconds each (default 12; the long runs use 600),
# starting from the committed seeds (fuzz/seeds) plus the local corpus (fuzz/corpus, not committed).
# Needs the nightly toolchain (rustup) and cargo-fuzz (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-12}"
TARGETS="${FUZZ_TARGETS:-decode_strings unseal session_map_header add_transactions decrypt ed25519_verify}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
for target in $TARGETS; do
  mkdir -p "fuzz/corpus/$target"
  echo "== fuzz $target for ${SECONDS_EACH}s"
  cargo +nightly fuzz run -O "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    grep -E "DONE|^Done|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|panicked|SUMMARY" || true
  # cargo fuzz exits non-zero on a crash; the pipeline above hides that, so check for artifacts.
  if compgen -G "fuzz/artifacts/$target/crash-*" >/dev/null || compgen -G "fuzz/artifacts/$target/oom-*" >/dev/null; then
    echo "fuzz target $target found a crash: see fuzz/artifacts/$target" >&2
    exit 1
  fi
done
