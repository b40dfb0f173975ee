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

# A C and C++ toolchain for the -sys crates (RocksDB is C++) and for linking.
if ! command -v cc >/dev/null 2>&1 || ! command -v c++ >/dev/null 2>&1; then
    log "installing a C toolchain"
    apt-get update -qq && apt-get install -y -qq build-essential
fi

# RocksDB (kvdb-rocksdb → librocksdb-sys) compiles its C++ with the C toolchain above and
# generates its Rust bindings with bindgen, which needs libclang.
if ! ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1 \
    && [ -z "${LIBCLANG_PATH:-}" ]; then
    log "installing libclang for RocksDB's bindings (libclang-dev)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libclang-dev >/dev/null
fi

# The Wasm runtime's toolchain. Rust's own wasm32 standard library cannot be downloaded
# here, but Debian ships a complete Rust with its library sources, from which the build
# compiles core and alloc for wasm32 (runtime/build.rs). A rustup wasm32 target, where one
# is installed, is used instead and needs nothing from here.
has_rustup_wasm_target() {
    command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}
if ! has_rustup_wasm_target && ! { [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; }; then
    log "installing Debian's Rust with library sources for the Wasm runtime (rustc-web cargo-web rust-web-src)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq rustc-web cargo-web rust-web-src >/dev/null
fi

# polkadot.js for the client-compatibility checks (e2e/), pinned by its lockfile.
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v node >/dev/null 2>&1; then
    log "installing Node.js for the polkadot.js checks"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -d "$repo_root/e2e/node_modules/@polkadot/api" ] \
    || [ "$repo_root/e2e/package-lock.json" -nt "$repo_root/e2e/node_modules/.package-lock.json" ]; then
    log "installing polkadot.js (npm ci in e2e/)"
    (cd "$repo_root/e2e" && npm ci --no-audit --no-fund --loglevel=error)
fi

log "ready"
