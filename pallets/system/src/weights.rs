//! Weights of `dfs-pallet-system`, measured by the benchmark harness.
//!
//! Written by `bash scripts/bench.sh weights` (`dfs-node benchmark`) on 2026-11-26, on 2 cores of AMD EPYC.
//! Each call: blocks of signed extrinsics imported as a validator imports them (the runtime
//! executing them with their signatures verified, the state root, the RocksDB write),
//! the median of 7 rounds of up to 4000 extrinsics, per extrinsic beyond an empty block,
//! less the extrinsic base; a component is the line through its two ends; times 1.25.
//! The state: the development genesis and, per signer, its account and 2 more.
//! Root calls are measured through `Sudo::sudo`. Do not edit: run the command again.

use dfs_runtime_primitives::Weight;

/// What every extrinsic costs beyond its call: decoding, the signature, the nonce, the
/// fee, its events. Measured: an empty remark: 24.01 µs per extrinsic (rounds 22.64–25.35, 4000 per block).
pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight::from_parts(30_014_000, 0);

/// What an empty block costs: its inherents, the hooks, finalization, its import.
/// Measured: 312 µs.
pub const BLOCK_EXECUTION_WEIGHT: Weight = Weight::from_parts(389_944_000, 0);

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
    // b = 0: 21.62 µs per extrinsic (4000 per block); b = 16384: 120.43 µs (476 per block)
    fn remark(b: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(7_356, 0).saturating_mul(b as u64))
    }
    // b = 0: 24.87 µs per extrinsic (4000 per block); b = 16384: 135.21 µs (476 per block)
    fn remark_with_event(b: u32) -> Weight {
        Weight::from_parts(1_074_000, 0)
            .saturating_add(Weight::from_parts(8_418, 0).saturating_mul(b as u64))
    }
    // 45.69 µs per extrinsic (rounds 45.31–47.14, 4000 per block), 32.11 beyond the base
    fn set_heap_pages() -> Weight {
        Weight::from_parts(40_131_000, 0)
    }
    // i = 1: 18.85 µs per extrinsic (4000 per block); i = 256: 1818.04 µs (589 per block)
    fn set_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(8_819_578, 0).saturating_mul(i as u64))
    }
    // i = 1: 15.39 µs per extrinsic (4000 per block); i = 256: 987.90 µs (339 per block)
    fn kill_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(4_767_176, 0).saturating_mul(i as u64))
    }
    // p = 1: 35.16 µs per extrinsic (4000 per block); p = 256: 6244.13 µs (810 per block)
    fn kill_prefix(p: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(30_436_108, 0).saturating_mul(p as u64))
    }
}
