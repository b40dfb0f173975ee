//! Weights of `dfs-pallet-balances`, measured by the benchmark harness.
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

/// The weight of each call of the pallet, beyond the extrinsic base.
pub trait WeightInfo {
    /// `transfer_allow_death` at its costliest (see `benchmarking.rs`).
    fn transfer_allow_death() -> Weight;
    /// `transfer_keep_alive` at its costliest (see `benchmarking.rs`).
    fn transfer_keep_alive() -> Weight;
    /// `transfer_to_existing` at its costliest (see `benchmarking.rs`).
    fn transfer_to_existing() -> Weight;
    /// `transfer_all` at its costliest (see `benchmarking.rs`).
    fn transfer_all() -> Weight;
    /// `force_transfer` at its costliest (see `benchmarking.rs`).
    fn force_transfer() -> Weight;
    /// `force_unreserve` at its costliest (see `benchmarking.rs`).
    fn force_unreserve() -> Weight;
    /// `force_set_balance` at its costliest (see `benchmarking.rs`).
    fn force_set_balance() -> Weight;
    /// `burn` at its costliest (see `benchmarking.rs`).
    fn burn() -> Weight;
}

/// The weights measured on the reference machine.
pub struct DfsWeight;

impl WeightInfo for DfsWeight {
    // 60.47 µs per extrinsic (rounds 56.84–64.00, 20712 per block), 11.01 beyond the base
    fn transfer_allow_death() -> Weight {
        Weight::from_parts(13_764_000, 0)
    }
    // 62.66 µs per extrinsic (rounds 60.06–63.62, 20053 per block), 13.20 beyond the base
    fn transfer_keep_alive() -> Weight {
        Weight::from_parts(16_504_000, 0)
    }
    // 65.39 µs per extrinsic (rounds 64.65–65.55, 19174 per block), 15.94 beyond the base
    fn transfer_to_existing() -> Weight {
        Weight::from_parts(19_923_000, 0)
    }
    // 57.97 µs per extrinsic (rounds 55.57–71.18, 21274 per block), 8.51 beyond the base
    fn transfer_all() -> Weight {
        Weight::from_parts(10_637_000, 0)
    }
    // 69.84 µs per extrinsic (rounds 65.21–77.08, 16709 per block), 37.20 beyond the base
    fn force_transfer() -> Weight {
        Weight::from_parts(46_505_000, 0)
    }
    // 49.29 µs per extrinsic (rounds 45.97–50.40, 25160 per block), 16.66 beyond the base
    fn force_unreserve() -> Weight {
        Weight::from_parts(20_824_000, 0)
    }
    // 49.44 µs per extrinsic (rounds 46.60–53.44, 23745 per block), 16.80 beyond the base
    fn force_set_balance() -> Weight {
        Weight::from_parts(21_005_000, 0)
    }
    // 42.50 µs per extrinsic (rounds 40.43–44.62, 30024 per block), 0.00 beyond the base
    fn burn() -> Weight {
        Weight::from_parts(0, 0)
    }
}
