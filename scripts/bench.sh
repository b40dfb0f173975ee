#!/usr/bin/env bash
# Benchmarks, each reporting speeds as ratios to a baseline measured in the same run.
#
#   bash scripts/bench.sh block [transfers] [rounds]
#       Wasm runtime executing a block of signed transfers vs raw sr25519 verification,
#       plus the runtime blob's size.
#   bash scripts/bench.sh build
#       Time of a full build from nothing (fresh target directory), then `block`.
#   bash scripts/bench.sh pack [size MiB] [work dir]
#       `dfs pack` / `dfs unpack` of a 2 GiB file vs a raw sequential write of the same bytes
#       to the same disk, their peak memory (/usr/bin/time -v), and both erasure codecs.
#   bash scripts/bench.sh tps [accounts] [transfers per account] [bob|fresh|remark|drain]
#       Pre-signed transfers submitted over JSON-RPC to a dev node: included transfers per
#       second end to end vs raw sr25519 verification, and the node's memory idle and loaded;
#       then validators importing the run's blocks.
#   bash scripts/bench.sh weights [dfs-node benchmark options]
#       Measures every pallet's weights on this machine (the benchmark harness, in a node
#       built with `runtime-benchmarks`) and rewrites each pallet's `src/weights.rs`;
#       `--pallet balances` for one, `--rounds N`, `--extrinsics N`, `--margin F`;
#       `--benchmark NAME` prints one benchmark's figures and writes nothing.
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
    pack)
        size="${2:-2048}"
        work="${3:-$CARGO_TARGET_DIR/bench-pack}"
        if [ ! -x /usr/bin/time ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
        fi
        cargo build --quiet --release --locked -p dfs-client --bin dfs --example bench_pack
        "$CARGO_TARGET_DIR/release/examples/bench_pack" "$CARGO_TARGET_DIR/release/dfs" "$work" "$size"
        ;;
    tps)
        shift || true
        cargo build --quiet --release --locked -p dfs-node --bin dfs-node --example bench_tps
        "$CARGO_TARGET_DIR/release/examples/bench_tps" "$@"
        ;;
    weights)
        shift || true
        # A binary of its own: the benchmark runtime must never be the one a dev node runs.
        cargo build --quiet --release --locked -p dfs-node --bin dfs-node --features runtime-benchmarks
        cp "$CARGO_TARGET_DIR/release/dfs-node" "$CARGO_TARGET_DIR/release/dfs-node-benchmarks"
        case " $* " in
            # One benchmark is printed, not written (a pallet's file holds every call).
            *" --benchmark "*) "$CARGO_TARGET_DIR/release/dfs-node-benchmarks" benchmark -l chain=warn "$@" ;;
            *)
                "$CARGO_TARGET_DIR/release/dfs-node-benchmarks" benchmark -l chain=warn --write "$PWD" "$@"
                rustfmt --edition 2021 pallets/*/src/weights.rs
                ;;
        esac
        ;;
    *)
        echo "usage: bash scripts/bench.sh block [transfers] [rounds] | build | pack [size MiB] [dir] | tps [accounts] [per account] [bob|fresh|remark|drain] | weights [options]" >&2
        exit 2
        ;;
esac
