//! Weights of `dfs-pallet-system`, and the per-extrinsic and per-block overheads every
//! runtime builds its block limits from, measured by the benchmark harness.
//!
//! These figures were measured by hand at node level before the harness existed (see the
//! runtime's weight notes); `bash scripts/bench.sh weights` measures them again and
//! rewrites this file.

use dfs_runtime_primitives::Weight;

/// What every extrinsic costs beyond its call: decoding, the signature, the nonce, the
/// fee, its events.
pub const EXTRINSIC_BASE_WEIGHT: Weight = Weight::from_parts(24_000_000, 0);

/// What an empty block costs: its inherents, the hooks, finalization.
pub const BLOCK_EXECUTION_WEIGHT: Weight = Weight::from_parts(210_000_000, 0);

/// The weight of each call of the pallet, beyond the extrinsic base.
pub trait WeightInfo {
    /// `remark` of `b` bytes.
    fn remark(b: u32) -> Weight;
    /// `remark_with_event` of `b` bytes.
    fn remark_with_event(b: u32) -> Weight;
    /// `set_heap_pages` (through sudo).
    fn set_heap_pages() -> Weight;
    /// `set_storage` of `i` items (through sudo).
    fn set_storage(i: u32) -> Weight;
    /// `kill_storage` of `i` keys (through sudo).
    fn kill_storage(i: u32) -> Weight;
    /// `kill_prefix` removing `p` keys (through sudo).
    fn kill_prefix(p: u32) -> Weight;
}

/// The weights measured on the reference machine.
pub struct DfsWeight;

impl WeightInfo for DfsWeight {
    fn remark(b: u32) -> Weight {
        Weight::from_parts(1_000_000, 0)
            .saturating_add(Weight::from_parts(100, 0).saturating_mul(b as u64))
    }
    fn remark_with_event(b: u32) -> Weight {
        Weight::from_parts(2_000_000, 0)
            .saturating_add(Weight::from_parts(200, 0).saturating_mul(b as u64))
    }
    fn set_heap_pages() -> Weight {
        Weight::from_parts(100_000_000, 0)
    }
    fn set_storage(i: u32) -> Weight {
        Weight::from_parts(100_000_000, 0).saturating_mul(i as u64)
    }
    fn kill_storage(i: u32) -> Weight {
        Weight::from_parts(100_000_000, 0).saturating_mul(i as u64)
    }
    fn kill_prefix(p: u32) -> Weight {
        Weight::from_parts(100_000_000, 0).saturating_mul(p as u64)
    }
}
