//! Balances: transfers, the existential deposit, locks, reserves, and the issuance
//! invariant after every test.

use super::*;
use dfs_core::{pair::dev_account, AccountId32};
use dfs_io::state::TestExternalities;
use dfs_runtime_primitives::{DispatchError, TokenError};
use dfs_support::{
    dispatch::{Dispatchable, RawOrigin},
    traits::Currency,
};

mod mock {
    use dfs_support::traits::{ConstU128, ConstU32};

    dfs_pallet_system::impl_test_config!(Test);

    impl crate::Config for Test {
        type RuntimeEvent = RuntimeEvent;
        type ExistentialDeposit = ConstU128<500>;
        type MaxLocks = ConstU32<2>;
        type WeightInfo = crate::weights::DfsWeight;
    }

    dfs_support::construct_runtime! {
        pub enum Test {
            System: dfs_pallet_system = 0,
            Balances: crate = 5,
        }
    }
}

use mock::*;

fn alice() -> AccountId32 {
    dev_account("Alice")
}
fn bob() -> AccountId32 {
    dev_account("Bob")
}
fn charlie() -> AccountId32 {
    dev_account("Charlie")
}

/// Alice 10_000, Bob 1_000; block 1 started so events are kept.
fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        RuntimeGenesisConfig {
            system: Default::default(),
            balances: GenesisConfig { balances: vec![(alice(), 10_000), (bob(), 1_000)] },
        }
        .build()
        .unwrap();
        dfs_pallet_system::Pallet::<Test>::initialize(1, Default::default(), &Default::default());
    });
    ext
}

fn check_invariants() {
    Balances::check_issuance().unwrap();
    dfs_pallet_system::Pallet::<Test>::check_accounts().unwrap();
}

fn dispatch(call: Call<Test>, who: AccountId32) -> Result<(), DispatchError> {
    RuntimeCall::Balances(call).dispatch(RawOrigin::Signed(who)).map(|_| ()).map_err(|e| e.error)
}

fn transfer(from: AccountId32, to: AccountId32, value: u128) -> Result<(), DispatchError> {
    dispatch(Call::transfer_allow_death { dest: to.into(), value }, from)
}

fn balance_events() -> Vec<Event> {
    dfs_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|record| Event::try_from(record.event).ok())
        .collect()
}

#[test]
fn genesis_endows_and_sets_issuance() {
    new_test_ext().execute_with(|| {
        assert_eq!(Balances::free_balance(&alice()), 10_000);
        assert_eq!(TotalIssuance::get(), 11_000);
        check_invariants();
    });
    let below = RuntimeGenesisConfig {
        system: Default::default(),
        balances: GenesisConfig { balances: vec![(alice(), 499)] },
    };
    let error = TestExternalities::default().execute_with(|| below.build()).unwrap_err();
    assert!(error.contains("below the existential deposit"), "{error}");
    let twice = RuntimeGenesisConfig {
        system: Default::default(),
        balances: GenesisConfig { balances: vec![(alice(), 500), (alice(), 600)] },
    };
    assert!(TestExternalities::default().execute_with(|| twice.build()).is_err());
}

#[test]
fn transfer_creates_accounts_and_refuses_dust() {
    new_test_ext().execute_with(|| {
        assert_eq!(transfer(alice(), charlie(), 499), Err(TokenError::BelowMinimum.into()));
        assert_eq!(transfer(alice(), charlie(), 700), Ok(()));
        assert_eq!(Balances::free_balance(&charlie()), 700);
        assert_eq!(Balances::free_balance(&alice()), 9_300);
        assert_eq!(
            balance_events(),
            vec![
                Event::Endowed { account: charlie(), free_balance: 700 },
                Event::Transfer { from: alice(), to: charlie(), amount: 700 },
            ]
        );
        assert_eq!(transfer(bob(), alice(), 5_000), Err(TokenError::FundsUnavailable.into()));
        check_invariants();
    });
}

#[test]
fn transfers_between_existing_accounts_report_their_lower_cost() {
    new_test_ext().execute_with(|| {
        let actual = |call: Call<Test>, who: AccountId32| {
            RuntimeCall::Balances(call).dispatch(RawOrigin::Signed(who)).unwrap().actual_weight
        };
        let existing = Some(<weights::DfsWeight as WeightInfo>::transfer_to_existing());
        // Between accounts that exist before and after: the measured lower cost.
        let keep_alive =
            |dest: AccountId32, value| Call::transfer_keep_alive { dest: dest.into(), value };
        let allow_death =
            |dest: AccountId32, value| Call::transfer_allow_death { dest: dest.into(), value };
        assert_eq!(actual(keep_alive(bob(), 100), alice()), existing);
        assert_eq!(actual(allow_death(bob(), 100), alice()), existing);
        // Creating the recipient, or removing the sender: the declared weight stands.
        assert_eq!(actual(keep_alive(charlie(), 600), alice()), None);
        assert_eq!(actual(allow_death(alice(), 1_000), bob()), None, "Bob is removed");
        assert!(!dfs_pallet_system::Pallet::<Test>::account_exists(&bob()));
        check_invariants();
    });
}

#[test]
fn emptying_an_account_burns_the_dust() {
    new_test_ext().execute_with(|| {
        // Bob keeps 300 < ED: his account goes and the 300 are burned.
        assert_eq!(transfer(bob(), alice(), 700), Ok(()));
        assert!(!dfs_pallet_system::Pallet::<Test>::account_exists(&bob()));
        assert_eq!(TotalIssuance::get(), 10_700);
        assert!(balance_events().contains(&Event::DustLost { account: bob(), amount: 300 }));
        check_invariants();
    });
}

#[test]
fn keep_alive_refuses_to_reap_the_sender() {
    new_test_ext().execute_with(|| {
        let keep_alive =
            |value| dispatch(Call::transfer_keep_alive { dest: alice().into(), value }, bob());
        assert_eq!(keep_alive(501), Err(TokenError::NotExpendable.into()));
        assert_eq!(keep_alive(500), Ok(()));
        assert_eq!(Balances::free_balance(&bob()), 500);
        check_invariants();
    });
}

#[test]
fn transfer_all_moves_everything_or_all_but_the_deposit() {
    new_test_ext().execute_with(|| {
        assert_eq!(
            dispatch(Call::transfer_all { dest: charlie().into(), keep_alive: true }, alice()),
            Ok(())
        );
        assert_eq!(Balances::free_balance(&alice()), 500);
        assert_eq!(
            dispatch(Call::transfer_all { dest: charlie().into(), keep_alive: false }, bob()),
            Ok(())
        );
        assert!(!dfs_pallet_system::Pallet::<Test>::account_exists(&bob()));
        assert_eq!(Balances::free_balance(&charlie()), 10_500);
        check_invariants();
    });
}

#[test]
fn locks_freeze_funds_and_keep_the_account() {
    new_test_ext().execute_with(|| {
        Balances::set_lock(*b"staking ", &bob(), 800).unwrap();
        assert_eq!(Balances::account(&bob()).frozen, 800);
        assert_eq!(transfer(bob(), alice(), 300), Err(TokenError::Frozen.into()));
        assert_eq!(transfer(bob(), alice(), 200), Ok(()));
        Balances::set_lock(*b"vote    ", &bob(), 100).unwrap();
        assert!(Balances::set_lock(*b"third   ", &bob(), 1).is_err(), "MaxLocks is 2");
        Balances::remove_lock(*b"staking ", &bob()).unwrap();
        assert_eq!(Balances::account(&bob()).frozen, 100);
        Balances::remove_lock(*b"vote    ", &bob()).unwrap();
        assert_eq!(dfs_pallet_system::Account::get(bob()).consumers, 0);
        assert_eq!(transfer(bob(), alice(), 800), Ok(()));
        check_invariants();
    });
}

#[test]
fn reserves_move_between_free_and_reserved() {
    new_test_ext().execute_with(|| {
        Balances::reserve(&alice(), 4_000).unwrap();
        assert_eq!(
            (Balances::free_balance(&alice()), Balances::reserved_balance(&alice())),
            (6_000, 4_000)
        );
        assert_eq!(Balances::reserve(&bob(), 1_001), Err(TokenError::FundsUnavailable.into()));
        assert_eq!(Balances::unreserve(&alice(), 1_000), Ok(1_000));
        assert_eq!(Balances::slash_reserved(&alice(), 5_000), Ok(3_000));
        assert_eq!(TotalIssuance::get(), 8_000);
        check_invariants();
    });
}

#[test]
fn root_calls_mint_and_burn_consistently() {
    new_test_ext().execute_with(|| {
        let set = |who: AccountId32, new_free| {
            RuntimeCall::Balances(Call::force_set_balance { who: who.into(), new_free })
                .dispatch(RawOrigin::Root)
                .map(|_| ())
                .map_err(|e| e.error)
        };
        assert_eq!(
            dispatch(Call::force_set_balance { who: alice().into(), new_free: 1 }, bob()),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(set(alice(), 20_000), Ok(()));
        assert_eq!(TotalIssuance::get(), 21_000);
        assert_eq!(set(charlie(), 5_000), Ok(()));
        assert_eq!(set(bob(), 10), Ok(()));
        assert!(!dfs_pallet_system::Pallet::<Test>::account_exists(&bob()));
        check_invariants();

        assert_eq!(
            dispatch(Call::burn { value: 4_800, keep_alive: true }, charlie()),
            Err(TokenError::NotExpendable.into())
        );
        assert_eq!(dispatch(Call::burn { value: 1_000, keep_alive: true }, charlie()), Ok(()));
        assert_eq!(TotalIssuance::get(), 24_000);
        check_invariants();
    });
}

#[test]
fn currency_trait_for_fees_and_rewards() {
    new_test_ext().execute_with(|| {
        assert_eq!(Balances::withdraw(&bob(), 600, true), Err(TokenError::NotExpendable.into()));
        assert_eq!(Balances::withdraw(&bob(), 400, true), Ok(()));
        <Balances as Currency>::deposit_creating(&charlie(), 100);
        assert!(
            !dfs_pallet_system::Pallet::<Test>::account_exists(&charlie()),
            "below ED: dropped"
        );
        <Balances as Currency>::deposit_creating(&charlie(), 900);
        assert_eq!(Balances::free_balance(&charlie()), 900);
        assert_eq!(TotalIssuance::get(), 11_500);
        check_invariants();
    });
}

#[test]
fn unknown_addresses_and_zero_transfers() {
    new_test_ext().execute_with(|| {
        let raw = dfs_runtime_primitives::MultiAddress::Raw(vec![1, 2]);
        assert!(dispatch(Call::transfer_allow_death { dest: raw, value: 1 }, alice()).is_err());
        assert_eq!(transfer(alice(), bob(), 0), Ok(()));
        assert_eq!(transfer(alice(), alice(), 5), Ok(()));
        assert!(balance_events().is_empty());
        check_invariants();
    });
}

#[test]
fn transfers_keep_the_invariant_under_a_random_workload() {
    new_test_ext().execute_with(|| {
        let people: Vec<AccountId32> = (0u8..8).map(|i| AccountId32([i + 1; 32])).collect();
        for who in &people {
            transfer(alice(), *who, 600).unwrap();
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..400 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let from = people[(state % 8) as usize];
            let to = people[((state >> 8) % 8) as usize];
            let value = u128::from((state >> 16) % 900);
            let _ = transfer(from, to, value);
            check_invariants();
        }
    });
}
