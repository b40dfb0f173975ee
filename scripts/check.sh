#!/usr/bin/env bash
# The checks to pass before a commit: formatting, clippy with warnings as errors,
# documentation, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dfs-target}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
bash scripts/test.sh
