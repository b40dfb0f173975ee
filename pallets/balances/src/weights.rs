//! Weights of `dfs-pallet-balances`, measured by the benchmark harness.
//!
//! These figures were measured by hand at node level before the harness existed (see the
//! runtime's weight notes); `bash scripts/bench.sh weights` measures them again and
//! rewrites this file.

use dfs_runtime_primitives::Weight;

/// The weight of each call of the pallet, beyond the extrinsic base.
pub trait WeightInfo {
    /// `transfer_allow_death` at its costliest: the sender removed, the recipient created.
    fn transfer_allow_death() -> Weight;
    /// `transfer_keep_alive` at its costliest: the recipient created.
    fn transfer_keep_alive() -> Weight;
    /// A transfer between accounts that exist before and after: what transfers report.
    fn transfer_to_existing() -> Weight;
    /// `transfer_all` at its costliest: the sender removed, the recipient created.
    fn transfer_all() -> Weight;
    /// `force_transfer` creating its recipient (through sudo).
    fn force_transfer() -> Weight;
    /// `force_unreserve` of a reserved balance (through sudo).
    fn force_unreserve() -> Weight;
    /// `force_set_balance` creating the account (through sudo).
    fn force_set_balance() -> Weight;
    /// `burn` at its costliest: the account removed.
    fn burn() -> Weight;
}

/// The weights measured on the reference machine.
pub struct DfsWeight;

impl WeightInfo for DfsWeight {
    fn transfer_allow_death() -> Weight {
        Weight::from_parts(43_000_000, 0)
    }
    fn transfer_keep_alive() -> Weight {
        Weight::from_parts(35_000_000, 0)
    }
    fn transfer_to_existing() -> Weight {
        Weight::from_parts(7_000_000, 0)
    }
    fn transfer_all() -> Weight {
        Weight::from_parts(43_000_000, 0)
    }
    fn force_transfer() -> Weight {
        Weight::from_parts(65_000_000, 0)
    }
    fn force_unreserve() -> Weight {
        Weight::from_parts(20_000_000, 0)
    }
    fn force_set_balance() -> Weight {
        Weight::from_parts(25_000_000, 0)
    }
    fn burn() -> Weight {
        Weight::from_parts(35_000_000, 0)
    }
}
