//! Weights of `dfs-pallet-system`, measured by the benchmark harness.
//!
//! Written by `bash scripts/bench.sh weights` (`dfs-node benchmark`) on 2026-11-26, on 2 cores of AMD EPYC.
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
/// fee, its events. Measured: an empty remark: 30.18 µs per extrinsic (rounds 28.41–33.87, 20950 per block).
pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight::from_parts(37_726_000, 0);

/// What an empty block costs: its inherents, the hooks, finalization, its import.
/// Measured: 273 µs.
pub const BLOCK_EXECUTION_WEIGHT: Weight = Weight::from_parts(340_958_000, 0);

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
    // b = 0: 30.02 µs per extrinsic (20950 per block); b = 16384: 227.59 µs (476 per block)
    fn remark(b: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(15_061, 0).saturating_mul(b as u64))
    }
    // b = 0: 31.67 µs per extrinsic (23018 per block); b = 16384: 236.70 µs (476 per block)
    fn remark_with_event(b: u32) -> Weight {
        Weight::from_parts(1_859_000, 0)
            .saturating_add(Weight::from_parts(15_642, 0).saturating_mul(b as u64))
    }
    // 16.23 µs per extrinsic (rounds 16.09–16.58, 27832 per block), 0.00 beyond the base
    fn set_heap_pages() -> Weight {
        Weight::from_parts(0, 0)
    }
    // i = 1: 21.40 µs per extrinsic (24316 per block); i = 256: 1717.06 µs (589 per block)
    fn set_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(8_312_054, 0).saturating_mul(i as u64))
    }
    // i = 1: 21.77 µs per extrinsic (24278 per block); i = 256: 1947.59 µs (610 per block)
    fn kill_storage(i: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(9_440_255, 0).saturating_mul(i as u64))
    }
    // p = 1: 33.97 µs per extrinsic (17409 per block); p = 256: 5178.19 µs (272 per block)
    fn kill_prefix(p: u32) -> Weight {
        Weight::from_parts(0, 0)
            .saturating_add(Weight::from_parts(25_216_784, 0).saturating_mul(p as u64))
    }
}
