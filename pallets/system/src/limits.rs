//! Block limits: how much weight and length a block, and each dispatch class, may use.

use codec::{Decode, Encode};
use dfs_runtime_primitives::Weight;
use dfs_support::dispatch::{DispatchClass, PerDispatchClass};
use scale_info::TypeInfo;

/// Weight limits of one dispatch class.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct WeightsPerClass {
    /// The weight every extrinsic of this class costs on top of its call.
    pub base_extrinsic: Weight,
    /// The most one extrinsic may weigh (`None`: no limit).
    pub max_extrinsic: Option<Weight>,
    /// The most all extrinsics of this class may weigh in a block (`None`: no limit).
    pub max_total: Option<Weight>,
    /// Weight kept for this class even when others filled the block.
    pub reserved: Option<Weight>,
}

/// The weight limits of a block.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct BlockWeights {
    /// The cost of an empty block (initialization and finalization).
    pub base_block: Weight,
    /// The most a block may weigh.
    pub max_block: Weight,
    /// Limits per class.
    pub per_class: PerDispatchClass<WeightsPerClass>,
}

impl BlockWeights {
    /// Limits for a block of `max_block`, giving normal transactions `normal_ratio_percent`
    /// of it and operational ones the rest, with per-extrinsic and per-block base costs.
    pub fn with_normal_ratio(
        base_block: Weight,
        base_extrinsic: Weight,
        max_block: Weight,
        normal_ratio_percent: u64,
    ) -> Self {
        let normal_total = Weight::from_parts(
            max_block.ref_time / 100 * normal_ratio_percent,
            max_block.proof_size / 100 * normal_ratio_percent,
        );
        let class = |max_total: Weight, reserved: Option<Weight>| WeightsPerClass {
            base_extrinsic,
            max_extrinsic: Some(
                max_total.saturating_sub(base_block).saturating_sub(base_extrinsic),
            ),
            max_total: Some(max_total),
            reserved,
        };
        BlockWeights {
            base_block,
            max_block,
            per_class: PerDispatchClass {
                normal: class(normal_total, Some(Weight::ZERO)),
                operational: class(max_block, Some(max_block.saturating_sub(normal_total))),
                mandatory: WeightsPerClass {
                    base_extrinsic,
                    max_extrinsic: None,
                    max_total: None,
                    reserved: None,
                },
            },
        }
    }

    /// The limits of `class`.
    pub fn get(&self, class: DispatchClass) -> &WeightsPerClass {
        self.per_class.get(class)
    }
}

/// The length limits of a block, per class.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct BlockLength {
    /// The most bytes of extrinsics per class.
    pub max: PerDispatchClass<u32>,
}

impl BlockLength {
    /// `max` bytes in all, of which normal extrinsics may use `normal_ratio_percent`.
    pub fn with_normal_ratio(max: u32, normal_ratio_percent: u32) -> Self {
        let normal = (u64::from(max) * u64::from(normal_ratio_percent) / 100) as u32;
        BlockLength { max: PerDispatchClass { normal, operational: max, mandatory: max } }
    }
}

/// The weight of database reads and writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_pallet_system", "frame_system"))]
pub struct RuntimeDbWeight {
    /// One read.
    pub read: u64,
    /// One write.
    pub write: u64,
}

impl RuntimeDbWeight {
    /// The weight of `reads` reads and `writes` writes.
    pub fn reads_writes(&self, reads: u64, writes: u64) -> Weight {
        Weight::from_parts(
            self.read.saturating_mul(reads).saturating_add(self.write.saturating_mul(writes)),
            0,
        )
    }
}
