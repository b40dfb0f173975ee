#!/usr/bin/env bash
# Benchmarks, each reporting speeds as ratios to a baseline measured in the same run.
#
#   bash scripts/bench.sh block [transfers] [rounds]
#       Wasm runtime executing a block of signed transfers vs raw sr25519 verification,
#       plus the runtime blob's size.
#   bash scripts/bench.sh build
#       Time of a full build from nothing (fresh target directory), then `block`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dfs-target}"
bash scripts/setup.sh

case "${1:-block}" in
    block)
        shift || true
        cargo run --quiet --release --locked -p dfs-executor --example bench_block -- "$@"
        ;;
    build)
        fresh="$(mktemp -d)"
        trap 'rm -rf "$fresh"' EXIT
        started=$(date +%s)
        CARGO_TARGET_DIR="$fresh" cargo build --quiet --release --locked -p dfs-executor --example bench_block
        finished=$(date +%s)
        echo "full build from nothing (release, runtime Wasm included): $((finished - started)) s"
        "$fresh/release/examples/bench_block"
        ;;
    *)
        echo "usage: bash scripts/bench.sh block [transfers] [rounds] | build" >&2
        exit 2
        ;;
esac
