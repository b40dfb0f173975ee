//! The timestamp inherent: once per block, never too early, required.

use super::*;
use dfs_io::state::TestExternalities;
use dfs_runtime_primitives::{DispatchError, ModuleError};
use dfs_support::{
    dispatch::{DispatchClass, Dispatchable, GetDispatchInfo, RawOrigin},
    traits::{Hooks, RuntimeHooks},
};

mod mock {
    use dfs_support::traits::ConstU64;

    dfs_pallet_system::impl_test_config!(Test);

    impl crate::Config for Test {
        type MinimumPeriod = ConstU64<3_000>;
    }

    dfs_support::construct_runtime! {
        pub enum Test {
            System: dfs_pallet_system = 0,
            Timestamp: crate = 1,
        }
    }
}

use mock::*;

fn set(now: u64, origin: RawOrigin) -> Result<(), DispatchError> {
    RuntimeCall::Timestamp(Call::set { now }).dispatch(origin).map(|_| ()).map_err(|e| e.error)
}

/// A block marked as timestamped has a time stored.
fn check_invariants() {
    assert!(!DidUpdate::get() || Now::get() > 0);
    dfs_pallet_system::Pallet::<Test>::check_accounts().unwrap();
}

fn error(index: u8) -> DispatchError {
    DispatchError::Module(ModuleError { index: 1, error: [index, 0, 0, 0], message: None })
}

fn without_message(result: Result<(), DispatchError>) -> Result<(), DispatchError> {
    result.map_err(|e| match e {
        DispatchError::Module(m) => DispatchError::Module(ModuleError { message: None, ..m }),
        other => other,
    })
}

#[test]
fn set_once_per_block_and_only_as_inherent() {
    TestExternalities::default().execute_with(|| {
        assert_eq!(set(42, RawOrigin::Root), Err(DispatchError::BadOrigin));
        assert_eq!(set(10_000, RawOrigin::None), Ok(()));
        assert_eq!(Timestamp::now(), 10_000);
        assert!(Test::inherents_applied_all());
        assert_eq!(without_message(set(20_000, RawOrigin::None)), Err(error(0)));
        <Timestamp as Hooks>::on_finalize(1);
        assert!(!Test::inherents_applied_all(), "the next block needs its own timestamp");
        assert_eq!(without_message(set(12_999, RawOrigin::None)), Err(error(1)));
        assert_eq!(set(13_000, RawOrigin::None), Ok(()));
        check_invariants();
    });
}

#[test]
fn the_inherent_is_mandatory_and_never_too_early() {
    TestExternalities::default().execute_with(|| {
        let info = Call::<Test>::set { now: 1 }.get_dispatch_info();
        assert_eq!(info.class, DispatchClass::Mandatory);
        Now::put(50_000);
        assert_eq!(Timestamp::create_inherent(40_000), Call::set { now: 53_000 });
        assert_eq!(Timestamp::create_inherent(60_000), Call::set { now: 60_000 });
        check_invariants();
    });
}
