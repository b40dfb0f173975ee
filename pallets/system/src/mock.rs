//! A runtime with only the system pallet, for its tests.

use crate::extensions::{
    CheckGenesis, CheckMortality, CheckNonZeroSender, CheckNonce, CheckSpecVersion, CheckTxVersion,
    CheckWeight,
};
crate::impl_test_config!(Test);

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
    ext.execute_with(|| RuntimeGenesisConfig::default().build()).expect("default genesis builds");
    ext.commit_all();
    ext
}
