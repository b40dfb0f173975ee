//! Sudo: only the key dispatches as root; the inner call's outcome is reported.

use super::*;
use dfs_core::pair::dev_account;
use dfs_io::state::TestExternalities;
use dfs_runtime_primitives::DispatchError;
use dfs_support::dispatch::{Dispatchable, Pays, RawOrigin};

mod mock {
    dfs_pallet_system::impl_test_config!(Test);

    impl crate::Config for Test {
        type RuntimeEvent = RuntimeEvent;
    }

    dfs_support::construct_runtime! {
        pub enum Test {
            System: dfs_pallet_system = 0,
            Sudo: crate = 9,
        }
    }
}

use mock::*;

fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        RuntimeGenesisConfig {
            system: Default::default(),
            sudo: GenesisConfig { key: Some(dev_account("Alice")) },
        }
        .build()
        .unwrap();
        dfs_pallet_system::Pallet::<Test>::initialize(1, Default::default(), &Default::default());
    });
    ext
}

fn as_signed(call: Call<Test>, who: &str) -> Result<Pays, DispatchError> {
    RuntimeCall::Sudo(call)
        .dispatch(RawOrigin::Signed(dev_account(who)))
        .map(|p| p.pays_fee)
        .map_err(|e| e.error)
}

fn heap_pages(pages: u64) -> Box<RuntimeCall> {
    Box::new(RuntimeCall::System(dfs_pallet_system::Call::set_heap_pages { pages }))
}

fn check_invariants() {
    dfs_pallet_system::Pallet::<Test>::check_accounts().unwrap();
    assert!(Key::get().is_none_or(|key| key != dfs_core::AccountId32([0; 32])), "no zero key");
}

fn last_event() -> RuntimeEvent {
    dfs_pallet_system::Pallet::<Test>::events().pop().unwrap().event
}

#[test]
fn only_the_key_can_sudo_and_it_is_free() {
    new_test_ext().execute_with(|| {
        assert!(as_signed(Call::sudo { call: heap_pages(64) }, "Bob").is_err());
        assert_eq!(dfs_io::storage::get(dfs_pallet_system::HEAP_PAGES_KEY), None);
        assert_eq!(as_signed(Call::sudo { call: heap_pages(64) }, "Alice"), Ok(Pays::No));
        assert!(dfs_io::storage::get(dfs_pallet_system::HEAP_PAGES_KEY).is_some());
        assert_eq!(last_event(), RuntimeEvent::Sudo(Event::Sudid { sudo_result: Ok(()) }));
        check_invariants();
    });
}

#[test]
fn the_inner_outcome_is_reported() {
    new_test_ext().execute_with(|| {
        // remark_with_event needs a signed origin: as root it fails, sudo still succeeds.
        let call = Box::new(RuntimeCall::System(dfs_pallet_system::Call::remark_with_event {
            remark: vec![1],
        }));
        assert_eq!(as_signed(Call::sudo { call: call.clone() }, "Alice"), Ok(Pays::No));
        assert_eq!(
            last_event(),
            RuntimeEvent::Sudo(Event::Sudid { sudo_result: Err(DispatchError::BadOrigin) })
        );
        assert_eq!(
            as_signed(Call::sudo_as { who: dev_account("Bob").into(), call }, "Alice"),
            Ok(Pays::No)
        );
        assert_eq!(last_event(), RuntimeEvent::Sudo(Event::SudoAsDone { sudo_result: Ok(()) }));
        check_invariants();
    });
}

#[test]
fn the_key_can_be_handed_over_and_removed() {
    new_test_ext().execute_with(|| {
        assert_eq!(
            as_signed(Call::set_key { new: dev_account("Bob").into() }, "Alice"),
            Ok(Pays::No)
        );
        assert_eq!(Key::get(), Some(dev_account("Bob")));
        assert!(as_signed(Call::remove_key {}, "Alice").is_err());
        assert_eq!(as_signed(Call::remove_key {}, "Bob"), Ok(Pays::No));
        assert_eq!(Key::get(), None);
        assert!(as_signed(Call::sudo { call: heap_pages(1) }, "Bob").is_err());
        check_invariants();
    });
}

#[test]
fn nested_calls_decode_with_a_depth_limit() {
    use codec::{Decode, Encode};
    let mut call = RuntimeCall::System(dfs_pallet_system::Call::remark { remark: vec![] });
    for _ in 0..300 {
        call = RuntimeCall::Sudo(Call::sudo { call: Box::new(call) });
    }
    let bytes = call.encode();
    use codec::DecodeLimit;
    assert!(RuntimeCall::decode_with_depth_limit(256, &mut &bytes[..]).is_err());
    assert!(RuntimeCall::decode(&mut &bytes[..]).is_ok());
}
