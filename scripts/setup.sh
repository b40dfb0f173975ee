#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test DFS. Safe to run again:
# each step checks first and does nothing when its tool is already there.
set -euo pipefail

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
    log "cargo not found: install Rust stable with rustup (https://rustup.rs) and run again"
    exit 1
fi

for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        log "adding rustup component $component"
        rustup component add "$component"
    fi
done

# A C toolchain for the -sys crates (RocksDB, later) and for linking.
if ! command -v cc >/dev/null 2>&1; then
    log "installing a C toolchain"
    apt-get update -qq && apt-get install -y -qq build-essential
fi

log "ready"
