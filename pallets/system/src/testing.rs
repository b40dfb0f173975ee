//! Ready-made system configuration for the mock runtimes of pallet tests.

use crate::limits::{BlockLength, BlockWeights, RuntimeDbWeight};
use alloc::vec::Vec;
use dfs_runtime_primitives::{RuntimeVersion, Weight};
use dfs_support::parameter_types;

parameter_types! {
    /// Two seconds of compute per block, 75% for normal transactions, with base costs.
    pub const TestBlockWeights: BlockWeights = BlockWeights::with_normal_ratio(
        Weight::from_parts(5_000_000, 0),
        Weight::from_parts(100_000, 0),
        Weight::from_parts(2_000_000_000, u64::MAX),
        75,
    );
    /// 1000 bytes per block, 750 for normal transactions: small, so tests can fill it.
    pub const TestBlockLength: BlockLength = BlockLength::with_normal_ratio(1_000, 75);
    /// Database weights.
    pub const TestDbWeight: RuntimeDbWeight = RuntimeDbWeight { read: 25_000, write: 100_000 };
    /// The version of test runtimes.
    pub const TestVersion: RuntimeVersion = RuntimeVersion {
        spec_name: "dfs".into(),
        impl_name: "dfs-test".into(),
        authoring_version: 1,
        spec_version: 100,
        impl_version: 1,
        apis: Vec::new(),
        transaction_version: 1,
        system_version: 1,
    };
}

/// Implements the system pallet's `Config` for a mock runtime with the test parameters
/// above and a `BlockHashCount` of 4.
#[macro_export]
macro_rules! impl_test_config {
    ($runtime:ty) => {
        impl $crate::Config for $runtime {
            type RuntimeEvent = RuntimeEvent;
            type RuntimeCall = RuntimeCall;
            type BlockWeights = $crate::testing::TestBlockWeights;
            type BlockLength = $crate::testing::TestBlockLength;
            type BlockHashCount = dfs_support::traits::ConstU32<4>;
            type DbWeight = $crate::testing::TestDbWeight;
            type Version = $crate::testing::TestVersion;
            type SS58Prefix = dfs_support::traits::ConstU16<42>;
            type WeightInfo = $crate::weights::DfsWeight;
        }
    };
}
