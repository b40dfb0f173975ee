//! A runtime with only the system pallet, for its tests.

use crate::{
    extensions::{
        CheckGenesis, CheckMortality, CheckNonZeroSender, CheckNonce, CheckSpecVersion,
        CheckTxVersion, CheckWeight,
    },
    limits::{BlockLength, BlockWeights, RuntimeDbWeight},
};
use dfs_runtime_primitives::{RuntimeVersion, Weight};
use dfs_support::parameter_types;

parameter_types! {
    pub const TestBlockWeights: BlockWeights = BlockWeights::with_normal_ratio(
        Weight::from_parts(5_000_000, 0),
        Weight::from_parts(100_000, 0),
        Weight::from_parts(2_000_000_000, u64::MAX),
        75,
    );
    pub const TestBlockLength: BlockLength = BlockLength::with_normal_ratio(1_000, 75);
    pub const TestDbWeight: RuntimeDbWeight = RuntimeDbWeight { read: 25_000, write: 100_000 };
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

impl crate::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type BlockWeights = TestBlockWeights;
    type BlockLength = TestBlockLength;
    type BlockHashCount = dfs_support::traits::ConstU32<4>;
    type DbWeight = TestDbWeight;
    type Version = TestVersion;
    type SS58Prefix = dfs_support::traits::ConstU16<42>;
}

dfs_support::construct_runtime! {
    pub enum Test {
        System: crate = 0,
    }
}

/// The signed extensions of the test runtime.
pub type Extra = (
    CheckNonZeroSender<Test>,
    CheckSpecVersion<Test>,
    CheckTxVersion<Test>,
    CheckGenesis<Test>,
    CheckMortality<Test>,
    CheckNonce<Test>,
    CheckWeight<Test>,
);

/// The executive of the test runtime.
pub type Executive =
    crate::executive::Executive<Test, Extra, crate::executive::NoUnsignedTransactions<RuntimeCall>>;

/// A fresh state after genesis.
pub fn new_test_ext() -> dfs_io::state::TestExternalities {
    let mut ext = dfs_io::state::TestExternalities::default();
    ext.execute_with(|| RuntimeGenesisConfig::default().build());
    ext.commit_all();
    ext
}
