#!/usr/bin/env bash
# Runs a single-node development chain (the README's first command): installs what a fresh
# machine lacks, builds dfs-node in release mode and runs `dfs-node --dev` with any extra
# flags given here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dfs-target}"
cargo build --release --locked -p dfs-node --bin dfs-node
exec "$CARGO_TARGET_DIR/release/dfs-node" --dev "$@"
