//! A block of transfers signed as polkadot.js signs them, plus a failing call: balances,
//! nonces, events and phases, fees and the issuance invariant.

use codec::{Decode, Encode};
use dfs_core::{pair::dev_sr25519, AccountId32, H256};
use dfs_pallet_system::{EventRecord, Phase};
use dfs_pallet_transaction_payment::RuntimeDispatchInfo;
use dfs_runtime::{Runtime, RuntimeEvent, UNIT};
use dfs_runtime_primitives::{generic::Block, DispatchError, TokenError};
use dfs_support::dispatch::DispatchClass;

use crate::chain::*;

type Events = Vec<EventRecord<RuntimeEvent, H256>>;
type SystemEvent = dfs_pallet_system::Event;
type BalancesEvent = dfs_pallet_balances::Event;
type PaymentEvent = dfs_pallet_transaction_payment::Event;

fn free(chain: &mut Chain, who: &AccountId32) -> u128 {
    chain.ext.execute_with(|| dfs_pallet_balances::Pallet::<Runtime>::free_balance(who))
}

fn fee_of(chain: &mut Chain, extrinsic: &[u8]) -> u128 {
    let mut args = extrinsic.to_vec();
    args.extend_from_slice(&(extrinsic.len() as u32).encode());
    let output = chain
        .ext
        .execute_with(|| dfs_runtime::apis::call("TransactionPaymentApi_query_info", &args));
    let info = RuntimeDispatchInfo::decode(&mut &output.unwrap()[..]).unwrap();
    assert_eq!(info.class, DispatchClass::Normal);
    info.partial_fee
}

#[test]
fn a_block_of_signed_transfers_and_a_failing_call() {
    let mut chain = Chain::development();
    let context = context_of(&chain);
    let (alice, bob, charlie) = (dev_sr25519("Alice"), dev_sr25519("Bob"), dev_sr25519("Charlie"));
    let newcomer = AccountId32([0x5e; 32]);
    let issuance_before = chain.ext.execute_with(dfs_pallet_balances::TotalIssuance::get);
    let alice_before = free(&mut chain, &alice.account_id());
    let bob_before = free(&mut chain, &bob.account_id());
    let charlie_before = free(&mut chain, &charlie.account_id());

    let mut extrinsics = chain.start_block(1_700_000_000_000);
    let transfers = [
        transfer_keep_alive(&bob.account_id(), 10 * UNIT),
        transfer_allow_death(&charlie.account_id(), 3 * UNIT),
        transfer_keep_alive(&newcomer, 2 * UNIT),
        // Fails: more than Alice has. Included anyway: the fee is paid and the nonce used.
        transfer_keep_alive(&bob.account_id(), u128::MAX / 2),
    ];
    let mut quoted = Vec::new();
    for (nonce, call) in transfers.iter().enumerate() {
        let extrinsic = sign_like_polkadot_js(&alice, &context, call, nonce as u32, 0);
        quoted.push(fee_of(&mut chain, &extrinsic));
        let expected = if nonce == 3 {
            Ok(Err(DispatchError::Token(TokenError::FundsUnavailable)))
        } else {
            Ok(Ok(()))
        };
        assert_eq!(chain.apply(&extrinsic), expected, "extrinsic {nonce}");
        extrinsics.push(extrinsic);
    }
    let header = chain.finish_block();
    assert_eq!(header.number, 1);

    // Nonces, through AccountNonceApi.
    let nonce: u32 = call(&mut chain.ext, "AccountNonceApi_account_nonce", alice.account_id());
    assert_eq!(nonce, 4);

    // Events with their phases: the timestamp at 0, transfers at 1..=3, the failure at 4.
    let events: Events = chain.ext.execute_with(|| {
        let key = dfs_io::hashing::twox_128(b"System")
            .into_iter()
            .chain(dfs_io::hashing::twox_128(b"Events"))
            .collect::<Vec<u8>>();
        assert_eq!(
            hex::encode(&key),
            "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
        );
        Decode::decode(&mut &dfs_io::storage::get(&key).unwrap()[..]).unwrap()
    });
    let count: u32 = chain.ext.execute_with(dfs_pallet_system::EventCount::get);
    assert_eq!(count as usize, events.len(), "EventCount counts the block's events");
    let at = |index: u32| -> Vec<RuntimeEvent> {
        events
            .iter()
            .filter(|r| r.phase == Phase::ApplyExtrinsic(index))
            .map(|r| r.event.clone())
            .collect()
    };
    assert!(matches!(
        at(0).as_slice(),
        [RuntimeEvent::System(SystemEvent::ExtrinsicSuccess { dispatch_info })]
            if dispatch_info.class == DispatchClass::Mandatory
    ));
    let first = at(1);
    assert!(first.contains(&RuntimeEvent::Balances(BalancesEvent::Transfer {
        from: alice.account_id(),
        to: bob.account_id(),
        amount: 10 * UNIT,
    })));
    assert!(matches!(
        first.last(),
        Some(RuntimeEvent::System(SystemEvent::ExtrinsicSuccess { .. }))
    ));
    let third = at(3);
    assert!(third.contains(&RuntimeEvent::System(SystemEvent::NewAccount { account: newcomer })));
    assert!(third.contains(&RuntimeEvent::Balances(BalancesEvent::Endowed {
        account: newcomer,
        free_balance: 2 * UNIT
    })));
    let failed = at(4);
    assert!(failed.iter().any(|e| matches!(
        e,
        RuntimeEvent::TransactionPayment(PaymentEvent::TransactionFeePaid { .. })
    )));
    assert!(matches!(
        failed.last(),
        Some(RuntimeEvent::System(SystemEvent::ExtrinsicFailed {
            dispatch_error: DispatchError::Token(TokenError::FundsUnavailable),
            ..
        }))
    ));
    let paid: Vec<u128> = (1..=4)
        .map(|index| {
            at(index)
                .iter()
                .find_map(|event| match event {
                    RuntimeEvent::TransactionPayment(PaymentEvent::TransactionFeePaid {
                        actual_fee,
                        ..
                    }) => Some(*actual_fee),
                    _ => None,
                })
                .expect("a fee paid by each signed extrinsic")
        })
        .collect();
    // A transfer between accounts that exist reports its measured cost: where the generated
    // weights make it cheaper than what a transfer declares, the difference is given back.
    // Creating the newcomer, and the failed transfer, pay what was quoted.
    use dfs_pallet_balances::{weights::DfsWeight, WeightInfo};
    let existing = DfsWeight::transfer_to_existing().ref_time;
    let declared = [DfsWeight::transfer_keep_alive(), DfsWeight::transfer_allow_death()];
    for (refunded, declared) in declared.iter().enumerate() {
        assert!(paid[refunded] <= quoted[refunded], "paid {paid:?} of {quoted:?}");
        let cheaper = existing < declared.ref_time;
        assert_eq!(paid[refunded] < quoted[refunded], cheaper, "paid {paid:?} of {quoted:?}");
    }
    assert_eq!(paid[2..], quoted[2..], "the other fees paid are the fees quoted");
    let fees: u128 = paid.iter().sum();

    // Balances moved exactly, fees included; the fees were burned.
    assert_eq!(free(&mut chain, &bob.account_id()), bob_before + 10 * UNIT);
    assert_eq!(free(&mut chain, &charlie.account_id()), charlie_before + 3 * UNIT);
    assert_eq!(free(&mut chain, &newcomer), 2 * UNIT);
    assert_eq!(free(&mut chain, &alice.account_id()), alice_before - 15 * UNIT - fees);
    let issuance = chain.ext.execute_with(dfs_pallet_balances::TotalIssuance::get);
    assert_eq!(issuance, issuance_before - fees);
    chain.ext.execute_with(|| {
        dfs_pallet_balances::Pallet::<Runtime>::check_issuance().unwrap();
        dfs_pallet_system::Pallet::<Runtime>::check_accounts().unwrap();
    });

    // Another node executing the same block from the same genesis reaches the same state.
    let mut replay = Chain::development();
    let block = Block {
        header: header.clone(),
        extrinsics: extrinsics
            .iter()
            .map(|bytes| dfs_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap())
            .collect::<Vec<_>>(),
    };
    let () = call(&mut replay.ext, "Core_execute_block", block.clone());
    assert_eq!(replay.ext.storage_root(), header.state_root);

    // A tampered block is refused.
    let mut tampered = block;
    tampered.header.state_root = H256([1; 32]);
    let mut other = Chain::development();
    let result = other
        .ext
        .execute_with(|| dfs_runtime::apis::call("Core_execute_block", &tampered.encode()));
    assert!(matches!(result, Err(dfs_runtime::apis::ApiError::Failed(_))), "{result:?}");
}

#[test]
fn a_block_without_its_timestamp_is_invalid() {
    let mut chain = Chain::development();
    let genesis = chain.best.clone();
    let header = dfs_runtime::Header {
        parent_hash: genesis.hash(),
        number: 1,
        state_root: H256::zero(),
        extrinsics_root: dfs_trie::empty_root(),
        digest: Default::default(),
    };
    let block = Block::<dfs_runtime::UncheckedExtrinsic> { header, extrinsics: vec![] };
    let result =
        chain.ext.execute_with(|| dfs_runtime::apis::call("Core_execute_block", &block.encode()));
    assert_eq!(result, Err(dfs_runtime::apis::ApiError::Failed("MissingInherent".into())));
}

#[test]
fn check_inherents_flags_missing_and_future_timestamps() {
    let mut chain = Chain::development();
    let mut extrinsics = chain.start_block(100_000);
    let header = chain.finish_block();
    let block = Block {
        header,
        extrinsics: extrinsics
            .drain(..)
            .map(|bytes| dfs_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap())
            .collect::<Vec<_>>(),
    };
    let data = |now: u64| {
        let mut data = dfs_runtime_primitives::InherentData::default();
        data.put(dfs_pallet_timestamp::INHERENT_IDENTIFIER, &now);
        data
    };
    let ok: dfs_runtime_primitives::CheckInherentsResult =
        call(&mut chain.ext, "BlockBuilder_check_inherents", (block.clone(), data(99_000)));
    assert!(ok.okay);
    let early: dfs_runtime_primitives::CheckInherentsResult =
        call(&mut chain.ext, "BlockBuilder_check_inherents", (block.clone(), data(10_000)));
    assert!(!early.okay && early.fatal_error);
    let empty = dfs_runtime::Block { header: block.header, extrinsics: vec![] };
    let missing: dfs_runtime_primitives::CheckInherentsResult =
        call(&mut chain.ext, "BlockBuilder_check_inherents", (empty, data(100_000)));
    assert!(!missing.okay);
}

#[test]
fn applying_in_chunks_is_applying_one_by_one() {
    // The same transactions — a good one, one with a future nonce, one with a corrupted
    // signature, a failing call, malformed bytes, a good one — applied one call each and in
    // one `DfsBlockBuilder_apply_extrinsics` call: the same results, the same block.
    let alice = dev_sr25519("Alice");
    let bob = dev_sr25519("Bob").account_id();
    let context = context_of(&Chain::development());
    // Signed once: sr25519 signatures are randomized, and the extrinsics root covers them.
    let signed = |value: u128, nonce: u32| {
        sign_like_polkadot_js(&alice, &context, &transfer_keep_alive(&bob, value), nonce, 0)
    };
    let mut corrupted = signed(UNIT, 1);
    let inside_signature = corrupted.len() - 10;
    corrupted[inside_signature] ^= 1;
    let transactions = vec![
        signed(UNIT, 0),
        signed(UNIT, 5),
        corrupted,
        signed(u128::MAX / 2, 1),
        vec![8, 1, 2],
        signed(2 * UNIT, 2),
    ];
    let build = |chunked: bool| {
        let mut chain = Chain::development();
        let _ = chain.start_block(1_700_000_000_000);
        let results: Vec<dfs_runtime_primitives::ApplyExtrinsicResult> = if chunked {
            let mut input = codec::Compact(transactions.len() as u32).encode();
            for tx in &transactions {
                input.extend_from_slice(tx);
            }
            let output = chain
                .ext
                .execute_with(|| {
                    dfs_runtime::apis::call("DfsBlockBuilder_apply_extrinsics", &input)
                })
                .unwrap();
            Decode::decode(&mut &output[..]).unwrap()
        } else {
            transactions.iter().map(|tx| chain.apply(tx)).collect()
        };
        let header = chain.finish_block();
        (results, header, free(&mut chain, &bob))
    };
    let (one_by_one, header, bob_balance) = build(false);
    assert_eq!(one_by_one.iter().filter(|result| result.is_ok()).count(), 3);
    assert!(matches!(one_by_one[3], Ok(Err(_))), "the failing call is included");
    assert_eq!(build(true), (one_by_one, header, bob_balance));
}

#[test]
fn a_block_of_transfers_between_existing_accounts_is_bound_by_weight_not_length() {
    // Block length follows from the measured weights: were the normal share of a block's
    // length to run out first, length rather than cost would cap the chain's throughput.
    use dfs_support::traits::Get;
    let context = context_of(&Chain::development());
    let bob = dev_sr25519("Bob").account_id();
    // A busy sender's nonce and a round amount: a typical transfer, not the shortest.
    let transfer = sign_like_polkadot_js(
        &dev_sr25519("Alice"),
        &context,
        &transfer_keep_alive(&bob, 10 * UNIT),
        100_000,
        0,
    );
    let weights = dfs_runtime::RuntimeBlockWeights::get();
    let normal = weights.get(DispatchClass::Normal);
    let per_transfer =
        normal.base_extrinsic.saturating_add(<dfs_pallet_balances::weights::DfsWeight as dfs_pallet_balances::WeightInfo>::transfer_to_existing());
    let by_weight = normal.max_total.unwrap().ref_time / per_transfer.ref_time;
    let by_length =
        u64::from(*dfs_runtime::RuntimeBlockLength::get().max.get(DispatchClass::Normal))
            / transfer.len() as u64;
    assert!(
        by_length > by_weight,
        "a block holds {by_weight} transfers by weight but only {by_length} of {} bytes by length",
        transfer.len()
    );
}

#[test]
fn a_block_whose_execution_deposits_a_digest_item_imports_elsewhere() {
    // `set_heap_pages` deposits `RuntimeEnvironmentUpdated` in the digest while the block
    // executes (as `set_code` does): the header carries it, and another node executing the
    // block must reach the same digest, not the item twice.
    let mut chain = Chain::development();
    let mut extrinsics = chain.start_block(1_700_000_000_000);
    let sudo_call = dfs_runtime::RuntimeCall::Sudo(dfs_pallet_sudo::Call::sudo {
        call: Box::new(dfs_runtime::RuntimeCall::System(dfs_pallet_system::Call::set_heap_pages {
            pages: 100,
        })),
    });
    let xt = sign_like_polkadot_js(
        &dev_sr25519("Alice"),
        &context_of(&chain),
        &sudo_call.encode(),
        0,
        0,
    );
    assert_eq!(chain.apply(&xt), Ok(Ok(())));
    extrinsics.push(xt);
    let header = chain.finish_block();
    assert!(header
        .digest
        .logs
        .contains(&dfs_runtime_primitives::generic::DigestItem::RuntimeEnvironmentUpdated));
    let block = Block {
        header: header.clone(),
        extrinsics: extrinsics
            .iter()
            .map(|bytes| dfs_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]).unwrap())
            .collect::<Vec<_>>(),
    };
    let mut replay = Chain::development();
    let () = call(&mut replay.ext, "Core_execute_block", block);
    assert_eq!(replay.ext.storage_root(), header.state_root);
}
