//! Weights of `dfs-pallet-balances`, measured by the benchmark harness.
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
    // 47.73 µs per extrinsic (rounds 44.40–48.93, 18350 per block), 17.55 beyond the base
    fn transfer_allow_death() -> Weight {
        Weight::from_parts(21_939_000, 0)
    }
    // 48.27 µs per extrinsic (rounds 45.64–48.42, 18350 per block), 18.09 beyond the base
    fn transfer_keep_alive() -> Weight {
        Weight::from_parts(22_611_000, 0)
    }
    // 50.60 µs per extrinsic (rounds 46.44–50.68, 18350 per block), 20.42 beyond the base
    fn transfer_to_existing() -> Weight {
        Weight::from_parts(25_519_000, 0)
    }
    // 45.80 µs per extrinsic (rounds 42.60–47.88, 18350 per block), 15.61 beyond the base
    fn transfer_all() -> Weight {
        Weight::from_parts(19_519_000, 0)
    }
    // 51.41 µs per extrinsic (rounds 48.47–52.11, 12676 per block), 33.43 beyond the base
    fn force_transfer() -> Weight {
        Weight::from_parts(41_792_000, 0)
    }
    // 34.91 µs per extrinsic (rounds 34.07–35.86, 16191 per block), 16.93 beyond the base
    fn force_unreserve() -> Weight {
        Weight::from_parts(21_156_000, 0)
    }
    // 36.21 µs per extrinsic (rounds 35.02–38.01, 16159 per block), 18.23 beyond the base
    fn force_set_balance() -> Weight {
        Weight::from_parts(22_784_000, 0)
    }
    // 31.12 µs per extrinsic (rounds 30.49–31.55, 24263 per block), 0.94 beyond the base
    fn burn() -> Weight {
        Weight::from_parts(1_178_000, 0)
    }
}
