//! Authorities from genesis and the slot recorded from each block's digest.

use super::*;
use codec::Encode;
use dfs_io::state::TestExternalities;
use dfs_runtime_primitives::generic::{Digest, DigestItem};
use dfs_support::traits::{BuildGenesisConfig, Hooks};

mod mock {
    use dfs_support::traits::ConstU64;

    dfs_pallet_system::impl_test_config!(Test);

    impl crate::Config for Test {
        type SlotDuration = ConstU64<6_000>;
    }

    dfs_support::construct_runtime! {
        pub enum Test {
            System: dfs_pallet_system = 0,
            Aura: crate = 1,
        }
    }
}

use mock::*;

fn start_block(number: u32, digest: Digest) {
    dfs_pallet_system::Pallet::<Test>::initialize(number, Default::default(), &digest);
    <Pallet<Test> as Hooks>::on_initialize(number);
}

fn slot_digest(slot: u64) -> Digest {
    Digest { logs: vec![DigestItem::PreRuntime(ENGINE_ID, slot.encode())] }
}

#[test]
fn genesis_sets_authorities_and_refuses_duplicates() {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        let keys = vec![dfs_core::AccountId32([1; 32]), dfs_core::AccountId32([2; 32])];
        BuildGenesisConfig::<Test>::build(&GenesisConfig { authorities: keys.clone() }).unwrap();
        assert_eq!(Pallet::<Test>::authorities(), keys);
        assert_eq!(Pallet::<Test>::slot_duration(), 6_000);
        let twice = GenesisConfig { authorities: vec![keys[0], keys[0]] };
        let error = BuildGenesisConfig::<Test>::build(&twice).unwrap_err();
        assert!(error.contains("twice"), "{error}");
    });
}

#[test]
fn each_block_records_its_slot() {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        start_block(1, slot_digest(41));
        assert_eq!(CurrentSlot::get(), 41);
        start_block(2, slot_digest(45));
        assert_eq!(CurrentSlot::get(), 45);
        // A block without an Aura digest (another engine's) leaves the slot alone.
        start_block(3, Digest { logs: vec![DigestItem::PreRuntime(*b"BABE", 7u64.encode())] });
        assert_eq!(CurrentSlot::get(), 45);
    });
}
