//! Fees: computation, charging and refunds through the executive, the multiplier, and the
//! issuance invariant.

use super::*;
use codec::Encode;
use dfs_core::{
    pair::{dev_sr25519, Sr25519Pair},
    H256,
};
use dfs_io::state::TestExternalities;
use dfs_pallet_system::{
    executive::{Executive as GenericExecutive, NoUnsignedTransactions, UncheckedExtrinsicOf},
    extensions::{
        CheckGenesis, CheckMortality, CheckNonZeroSender, CheckNonce, CheckSpecVersion,
        CheckTxVersion, CheckWeight,
    },
};
use dfs_runtime_primitives::{
    generic::{using_signing_payload, Era, Header, UncheckedExtrinsic},
    MultiAddress, MultiSignature,
};
use dfs_support::{dispatch::GetDispatchInfo, traits::Hooks};

mod mock {
    use super::*;
    use dfs_support::{
        parameter_types,
        traits::{ConstU128, ConstU32, ConstU8},
    };

    dfs_pallet_system::impl_test_config!(Test);

    impl dfs_pallet_balances::Config for Test {
        type RuntimeEvent = RuntimeEvent;
        type ExistentialDeposit = ConstU128<1_000>;
        type MaxLocks = ConstU32<4>;
        type WeightInfo = dfs_pallet_balances::weights::DfsWeight;
    }

    parameter_types! {
        pub const Target: u32 = 25;
        pub const Variability: Multiplier = Multiplier::from_rational(1, 10);
        pub const MinMultiplier: Multiplier = Multiplier::one();
        pub const MaxMultiplier: Multiplier = Multiplier::from_u32(100);
    }

    impl Config for Test {
        type RuntimeEvent = RuntimeEvent;
        type Currency = dfs_pallet_balances::Pallet<Test>;
        // 1 unit per 1000 ref_time; 10 units per byte.
        type WeightToFee = LinearFee<ConstU128<1>, ConstU128<1_000>>;
        type LengthToFee = LinearFee<ConstU128<10>, ConstU128<1>>;
        type FeeMultiplierUpdate =
            TargetedFeeAdjustment<Target, Variability, MinMultiplier, MaxMultiplier>;
        type OperationalFeeMultiplier = ConstU8<5>;
    }

    dfs_support::construct_runtime! {
        pub enum Test {
            System: dfs_pallet_system = 0,
            Balances: dfs_pallet_balances = 5,
            TransactionPayment: crate = 6,
        }
    }

    pub type Extra = (
        CheckNonZeroSender<Test>,
        CheckSpecVersion<Test>,
        CheckTxVersion<Test>,
        CheckGenesis<Test>,
        CheckMortality<Test>,
        CheckNonce<Test>,
        CheckWeight<Test>,
        ChargeTransactionPayment<Test>,
    );

    pub type Executive = GenericExecutive<Test, Extra, NoUnsignedTransactions<RuntimeCall>>;
}

use mock::*;

fn new_test_ext() -> TestExternalities {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        RuntimeGenesisConfig {
            system: Default::default(),
            balances: dfs_pallet_balances::GenesisConfig {
                balances: vec![
                    (dev_sr25519("Alice").account_id(), 1_000_000_000),
                    (dev_sr25519("Bob").account_id(), 20_000),
                ],
            },
        }
        .build()
        .unwrap();
        Executive::initialize_block(&Header {
            parent_hash: H256([1; 32]),
            number: 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest: Default::default(),
        });
    });
    ext
}

fn check_invariants() {
    dfs_pallet_balances::Pallet::<Test>::check_issuance().unwrap();
    dfs_pallet_system::Pallet::<Test>::check_accounts().unwrap();
}

fn sign(
    pair: &Sr25519Pair,
    call: RuntimeCall,
    nonce: u32,
    tip: Balance,
) -> UncheckedExtrinsicOf<RuntimeCall, Extra> {
    let extra: Extra = (
        CheckNonZeroSender::new(),
        CheckSpecVersion::new(),
        CheckTxVersion::new(),
        CheckGenesis::new(),
        CheckMortality::from(Era::Immortal),
        CheckNonce::from(nonce),
        CheckWeight::new(),
        ChargeTransactionPayment::from(tip),
    );
    let additional = extra.additional_signed().unwrap();
    let signature = using_signing_payload(&call, &extra, &additional, |p| pair.sign(p));
    UncheckedExtrinsic::new_signed(
        call,
        MultiAddress::Id(pair.account_id()),
        MultiSignature::Sr25519(signature),
        extra,
    )
}

fn transfer(to: &Sr25519Pair, value: Balance) -> RuntimeCall {
    RuntimeCall::Balances(dfs_pallet_balances::Call::transfer_keep_alive {
        dest: to.account_id().into(),
        value,
    })
}

#[test]
fn fee_is_base_plus_length_plus_adjusted_weight_plus_tip() {
    new_test_ext().execute_with(|| {
        let info = DispatchInfo { weight: Weight::from_parts(1_000_000, 0), ..Default::default() };
        let details = TransactionPayment::compute_fee_details(100, &info, 7);
        let inclusion = details.inclusion_fee.unwrap();
        assert_eq!(inclusion.base_fee, 100); // base_extrinsic 100_000 ref_time / 1000
        assert_eq!(inclusion.len_fee, 1_000);
        assert_eq!(inclusion.adjusted_weight_fee, 1_000);
        assert_eq!(details.final_fee(), 2_107);
        NextFeeMultiplier::put(Multiplier::from_u32(3));
        assert_eq!(TransactionPayment::compute_fee(100, &info, 0), 100 + 1_000 + 3_000);
        let free = DispatchInfo { pays_fee: Pays::No, ..info };
        assert_eq!(TransactionPayment::compute_fee(100, &free, 7), 7);
        // Queries: no fee for unsigned extrinsics.
        assert_eq!(TransactionPayment::query_info(info, 100, false).partial_fee, 0);
        assert_eq!(TransactionPayment::query_info(info, 100, true).partial_fee, 4_100);
    });
}

#[test]
fn applying_a_transfer_charges_exactly_the_fee() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice");
        // To an account that exists the call reports its measured lower cost, and only that
        // is charged; creating the recipient costs what the call declares.
        let cases = [
            (dev_sr25519("Bob"), Some(<dfs_pallet_balances::weights::DfsWeight as dfs_pallet_balances::WeightInfo>::transfer_to_existing())),
            (dev_sr25519("Fresh"), None),
        ];
        let mut fees = Vec::new();
        for (nonce, (to, actual_weight)) in cases.into_iter().enumerate() {
            let xt = sign(&alice, transfer(&to, 5_000), nonce as u32, 3);
            let len = xt.encode().len() as u32;
            let info = xt.function.get_dispatch_info();
            let post = PostDispatchInfo { actual_weight, pays_fee: Pays::Yes };
            let fee = TransactionPayment::compute_actual_fee(len, &info, &post, 3);
            let before = dfs_pallet_balances::Pallet::<Test>::free_balance(&alice.account_id());
            let issuance = dfs_pallet_balances::TotalIssuance::get();
            assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())));
            let after = dfs_pallet_balances::Pallet::<Test>::free_balance(&alice.account_id());
            assert_eq!(before - after, 5_000 + fee);
            assert_eq!(
                dfs_pallet_balances::TotalIssuance::get(),
                issuance - fee,
                "fees are burned"
            );
            let events: Vec<_> =
                dfs_pallet_system::Pallet::<Test>::events().into_iter().map(|r| r.event).collect();
            assert!(events.contains(&RuntimeEvent::TransactionPayment(
                Event::TransactionFeePaid { who: alice.account_id(), actual_fee: fee, tip: 3 }
            )));
            let refundable = actual_weight.is_some_and(|actual| actual.ref_time < info.weight.ref_time);
            fees.push((fee, TransactionPayment::compute_fee(len, &info, 3), refundable));
            check_invariants();
        }
        // Refunded exactly when the measured figures make a transfer to an existing account
        // cheaper than what a transfer declares (the generated weights decide which).
        assert_eq!(fees[0].0 < fees[0].1, fees[0].2, "refunded: {fees:?}");
        assert!(fees[0].0 <= fees[0].1, "never charged more than declared: {fees:?}");
        assert_eq!(fees[1].0, fees[1].1, "a new recipient pays the declared fee");
    });
}

#[test]
fn a_sender_that_cannot_pay_is_refused_without_trace() {
    new_test_ext().execute_with(|| {
        let bob = dev_sr25519("Bob");
        // Bob has 20_000 and must keep 1_000: a fee above 19_000 is unpayable.
        let big_tip = sign(&bob, transfer(&dev_sr25519("Alice"), 1), 0, 19_500);
        let root_before = dfs_io::storage::root(dfs_io::StateVersion::V1);
        assert_eq!(Executive::apply_extrinsic(big_tip), Err(InvalidTransaction::Payment.into()));
        assert_eq!(dfs_io::storage::root(dfs_io::StateVersion::V1), root_before);
        check_invariants();
    });
}

#[test]
fn unused_weight_is_refunded() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice").account_id();
        let info = DispatchInfo { weight: Weight::from_parts(10_000_000, 0), ..Default::default() };
        let extension = ChargeTransactionPayment::<Test>::from(0);
        let call = transfer(&dev_sr25519("Bob"), 1);
        let pre = extension.pre_dispatch(&alice, &call, &info, 50).unwrap();
        let paid = pre.1;
        assert_eq!(paid, 100 + 500 + 10_000);
        let post = PostDispatchInfo {
            actual_weight: Some(Weight::from_parts(1_000_000, 0)),
            pays_fee: Pays::Yes,
        };
        let before = dfs_pallet_balances::Pallet::<Test>::free_balance(&alice);
        ChargeTransactionPayment::<Test>::post_dispatch(Some(pre), &info, &post, 50, &Ok(()))
            .unwrap();
        assert_eq!(dfs_pallet_balances::Pallet::<Test>::free_balance(&alice) - before, 9_000);
        check_invariants();
    });
}

#[test]
fn operational_transactions_get_higher_priority() {
    new_test_ext().execute_with(|| {
        let extension = ChargeTransactionPayment::<Test>::from(0);
        let normal =
            DispatchInfo { weight: Weight::from_parts(1_000_000, 0), ..Default::default() };
        let operational = DispatchInfo { class: DispatchClass::Operational, ..normal };
        let alice = dev_sr25519("Alice").account_id();
        let call = transfer(&dev_sr25519("Bob"), 1);
        let p_normal = extension.validate(&alice, &call, &normal, 10).unwrap().priority;
        let p_operational = extension.validate(&alice, &call, &operational, 10).unwrap().priority;
        assert!(p_operational > p_normal);
        let tipped = ChargeTransactionPayment::<Test>::from(1_000)
            .validate(&alice, &call, &normal, 10)
            .unwrap();
        assert!(tipped.priority > p_normal);
    });
}

#[test]
fn the_multiplier_follows_block_fullness() {
    new_test_ext().execute_with(|| {
        // Empty blocks: the multiplier stays at its minimum of one.
        <TransactionPayment as Hooks>::on_finalize(1);
        assert_eq!(NextFeeMultiplier::get(), Multiplier::one());
        // Full blocks: it grows, block after block.
        let limit = <Test as dfs_pallet_system::Config>::BlockWeights::get()
            .get(DispatchClass::Normal)
            .max_total
            .unwrap();
        let mut previous = Multiplier::one();
        for _ in 0..5 {
            dfs_pallet_system::BlockWeight::mutate(|used| used.normal = limit);
            <TransactionPayment as Hooks>::on_finalize(1);
            assert!(NextFeeMultiplier::get() > previous);
            previous = NextFeeMultiplier::get();
        }
        // 1 + 0.1×0.75 + (0.075)²/2 per block.
        let step = Multiplier::from_inner(1_077_812_500_000_000_000);
        assert_eq!(
            TargetedFeeAdjustment::<Target, Variability, MinMultiplier, MaxMultiplier>::next(
                Multiplier::one(),
                limit,
                limit
            ),
            step
        );
    });
}
