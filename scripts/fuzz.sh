#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets, cargo-fuzz with libFuzzer, AddressSanitizer) for
# a bounded time each and reports its executions:
#
#   bash scripts/fuzz.sh [seconds per target, default 60] [target ...]
#
# The last line is `fuzz: N passed, N failed`: a target fails when libFuzzer finds a crash
# (its input is kept in fuzz/artifacts/<target>/, reproduce with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz <target> <file>`). Corpora grow in
# fuzz/corpus/<target>/ between runs. cargo-fuzz is installed from crates.io if missing;
# RUSTC_BOOTSTRAP=1 lets it pass its -Z flags to the stable toolchain, which ships the
# sanitizer runtimes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

bash scripts/setup.sh
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "[fuzz] installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
export CARGO_INCREMENTAL=0
# A target directory of its own, outside the clone (the instrumented build shares nothing
# with the normal one) and kept between runs.
target_dir="${DFS_FUZZ_TARGET_DIR:-$HOME/.cache/dfs-fuzz-target}"
# Build scripts (the runtime's Wasm build) find it here.
export CARGO_TARGET_DIR="$target_dir"

if [ "$#" -gt 0 ]; then
    targets="$*"
else
    targets="$(cargo fuzz list --fuzz-dir fuzz)"
fi
# Everything built first, once: the timed runs then fuzz.
cargo fuzz build --fuzz-dir fuzz --target-dir "$target_dir" -O --debug-assertions

passed=0
failed=0
for target in $targets; do
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    log="$(mktemp)"
    status=0
    cargo fuzz run --fuzz-dir fuzz --target-dir "$target_dir" -O --debug-assertions "$target" \
        "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1 || status=$?
    runs="$(awk '/stat::number_of_executed_units/ { print $2 }' "$log" | tail -n 1)"
    rate="$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log" | tail -n 1)"
    corpus="$(find "fuzz/corpus/$target" -type f | wc -l)"
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "fuzz $target: ok, ${runs:-0} executions (${rate:-0}/s) in ${seconds} s, corpus $corpus"
    else
        failed=$((failed + 1))
        echo "fuzz $target: FAILED after ${runs:-?} executions (exit $status)"
        grep -E 'ERROR|panicked|SUMMARY|Test unit written' "$log" | head -20 || tail -40 "$log"
    fi
    rm -f "$log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
