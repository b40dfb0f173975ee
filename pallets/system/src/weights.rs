//! Weights of `dfs-pallet-system`, measured by the benchmark harness.
//!
//! Written by `bash scripts/bench.sh weights` (`dfs-node benchmark`) on 2026-11-26, on 2 cores of Intel(R) Xeon(R) Processor.
//! Each call: blocks of signed extrinsics imported as a validator imports them (the runtime
//! executing them with their signatures verified, the state root, the RocksDB write),
//! the median of 4 rounds (after one that sizes the block) of as many extrinsics as a
//! block's normal share holds at the weight measured (at most 60000), per extrinsic
//! beyond an empty block, less the extrinsic base; a component is the line through
//! its two ends; times 1.25.
//! The state: the development genesis and, per signer, its account and 2 more.
//! Root calls are measured through `Sudo::sudo`. Do not edit: run the command again.

use dfs_runtime_primitives::Weight;

/// What every extrinsic costs beyond its call: decoding, the signature, the nonce, the
/// fee, its events. Measured: an empty remark: 49.46 µs per extrinsic (rounds 41.40–51.65, 26329 per block).
pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight::from_parts(61_820_000, 0);

/// What an empty block costs: its inherents, the hooks, finalization, its import.
/// Measured: 404 µs.
pub const BLOCK_EXECUTION_WEIGHT: Weight = Weight::from_parts(504_651_000, 0);

/// The weight of each call of the pallet, beyond the extrinsic base.
pub trait WeightInfo {
    /// `remark` at its costliest (see `benchmarking.rs`).
    fn remark(b: u32) -> Weight;
    /// `remark_with_event` at its costliest (see `benchmarking.rs`).
    fn remark_with_event(b: u32) -> Weight;
    /// `set_heap_pages` at its costliest (see `benchmarking.rs`).
    fn set_heap_pages() -> Weight;
    /// `set_storage` at its costliest (see `benchmarking.rs`).
    fn set_storage(i: u32) -> Weight;
    /// `kill_storage` at its costliest (see `benchmarking.rs`).
    fn kill_storage(i: u32) -> Weight;
    /// `kill_prefix` at its costliest (see `benchmarking.rs`).
    fn kill_prefix(p: u32) -> Weight;
}

/// The weights measured on the reference machine.
pub struct DfsWeight;

impl WeightInfo for DfsWeight {
    // b = 0: 57.28 µs per extrinsic (22615 per block); b = 16384: 251.76 µs (476 per block)
    fn remark(b: u32) -> Weight {
        Weight::from_parts(9_778_000, 0)
            .saturating_add(Weight::from_parts(14_838, 0).saturating_mul(b as u64))
    }
    // b = 0: 52.13 µs per extrinsic (24519 per block); b = 16384: 208.36 µs (476 per block)
    fn remark_with_event(b: u32) -> Weight {
        Weight::from_parts(3_344_000, 0)
            .saturating_add(Weight::from_parts(11_920, 0).saturating_mul(b as u64))
    }
    // 24.08 µs per extrinsic (rounds 20.86–29.45, 24943 per block), 0.00 beyond the base
    fn set_heap_pages() -> Weight {
        Weight::from_parts(0, 0)
    }
    // i = 1: 40.34 µs per extrinsic (28880 per block); i = 256: 2158.95 µs (578 per block)
    fn set_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(10_385_348, 0).saturating_mul(i as u64))
    }
    // i = 1: 29.96 µs per extrinsic (40811 per block); i = 256: 2177.69 µs (576 per block)
    fn kill_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(10_514_985, 0).saturating_mul(i as u64))
    }
    // p = 1: 67.04 µs per extrinsic (19261 per block); p = 256: 3350.50 µs (255 per block)
    fn kill_prefix(p: u32) -> Weight {
        Weight::from_parts(26_907_000, 0)
            .saturating_add(Weight::from_parts(16_095_387, 0).saturating_mul(p as u64))
    }
}
