//! Weights of `dfs-pallet-balances`, measured by the benchmark harness.
//!
//! Written by `bash scripts/bench.sh weights` (`dfs-node benchmark`) on 2026-11-26, on 2 cores of AMD EPYC.
//! Each call: blocks of signed extrinsics imported as a validator imports them (the runtime
//! executing them with their signatures verified, the state root, the RocksDB write),
//! the median of 7 rounds of up to 4000 extrinsics, per extrinsic beyond an empty block,
//! less the extrinsic base; a component is the line through its two ends; times 1.25.
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
    // 36.93 µs per extrinsic (rounds 33.69–41.79, 4000 per block), 12.92 beyond the base
    fn transfer_allow_death() -> Weight {
        Weight::from_parts(16_151_000, 0)
    }
    // 35.84 µs per extrinsic (rounds 34.02–37.97, 4000 per block), 11.83 beyond the base
    fn transfer_keep_alive() -> Weight {
        Weight::from_parts(14_787_000, 0)
    }
    // 35.25 µs per extrinsic (rounds 33.04–37.73, 4000 per block), 11.24 beyond the base
    fn transfer_to_existing() -> Weight {
        Weight::from_parts(14_048_000, 0)
    }
    // 33.36 µs per extrinsic (rounds 32.21–36.29, 4000 per block), 9.35 beyond the base
    fn transfer_all() -> Weight {
        Weight::from_parts(11_690_000, 0)
    }
    // 41.21 µs per extrinsic (rounds 37.14–42.29, 4000 per block), 27.62 beyond the base
    fn force_transfer() -> Weight {
        Weight::from_parts(34_527_000, 0)
    }
    // 29.19 µs per extrinsic (rounds 26.72–37.08, 4000 per block), 15.60 beyond the base
    fn force_unreserve() -> Weight {
        Weight::from_parts(19_499_000, 0)
    }
    // 28.34 µs per extrinsic (rounds 25.82–29.16, 4000 per block), 14.75 beyond the base
    fn force_set_balance() -> Weight {
        Weight::from_parts(18_436_000, 0)
    }
    // 23.86 µs per extrinsic (rounds 22.27–24.94, 4000 per block), 0.00 beyond the base
    fn burn() -> Weight {
        Weight::from_parts(0, 0)
    }
}
