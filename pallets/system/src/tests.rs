//! Tests of the system pallet and the executive, each ending with the account invariant.

use crate::{
    executive::{Address, ExecuteBlockError, UncheckedExtrinsicOf},
    extensions::{
        CheckGenesis, CheckMortality, CheckNonZeroSender, CheckNonce, CheckSpecVersion,
        CheckTxVersion, CheckWeight,
    },
};
use crate::{mock::*, testing::TestVersion, *};
use codec::Encode;
use dfs_core::pair::dev_sr25519;
use dfs_runtime_primitives::generic::{using_signing_payload, UncheckedExtrinsic};
use dfs_runtime_primitives::{
    generic::{Block, Digest as HeaderDigest, DigestItem, Era, Header},
    DispatchError, InvalidTransaction, ModuleError, MultiAddress, MultiSignature,
    TransactionSource, TransactionValidityError, UnknownTransaction, Weight,
};
use dfs_support::{
    dispatch::{DispatchClass, Dispatchable, Pays, RawOrigin},
    signed_extension::SignedExtension,
    traits::Get,
};

fn header(number: u32, parent_hash: H256) -> Header {
    Header {
        parent_hash,
        number,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest: HeaderDigest::default(),
    }
}

fn check_invariants() {
    System::check_accounts().unwrap();
}

fn fund(who: &dfs_core::AccountId32) {
    // Stand-in for a balance: something that provides for the account.
    System::inc_providers(who);
}

fn sign(
    pair: &dfs_core::pair::Sr25519Pair,
    call: RuntimeCall,
    nonce: u32,
    era: Era,
) -> UncheckedExtrinsicOf<RuntimeCall, Extra> {
    let extra: Extra = (
        CheckNonZeroSender::new(),
        CheckSpecVersion::new(),
        CheckTxVersion::new(),
        CheckGenesis::new(),
        CheckMortality::from(era),
        CheckNonce::from(nonce),
        CheckWeight::new(),
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

#[test]
fn account_lifecycle_and_events() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice").account_id();
        System::initialize(1, H256([1; 32]), &HeaderDigest::default());
        assert!(!System::account_exists(&alice));
        System::inc_providers(&alice);
        assert!(System::account_exists(&alice));
        System::inc_consumers(&alice).unwrap();
        assert_eq!(System::dec_providers(&alice), Err(DispatchError::ConsumerRemaining));
        System::dec_consumers(&alice);
        System::dec_providers(&alice).unwrap();
        assert!(!System::account_exists(&alice));
        let bob = dev_sr25519("Bob").account_id();
        assert_eq!(System::inc_consumers(&bob), Err(DispatchError::NoProviders));

        let events: Vec<_> = System::events().into_iter().map(|r| (r.phase, r.event)).collect();
        assert_eq!(
            events,
            vec![
                (Phase::Initialization, RuntimeEvent::System(Event::NewAccount { account: alice })),
                (
                    Phase::Initialization,
                    RuntimeEvent::System(Event::KilledAccount { account: alice })
                ),
            ]
        );
        // Counted when the block finalizes, not event by event.
        assert_eq!(EventCount::get(), 0);
        System::finalize();
        assert_eq!(EventCount::get(), 2);
        check_invariants();
    });
}

#[test]
fn genesis_keeps_no_events() {
    new_test_ext().execute_with(|| {
        System::deposit_event(Event::CodeUpdated.into());
        assert!(System::events().is_empty());
    });
}

#[test]
fn blocks_record_parents_and_prune_old_hashes() {
    new_test_ext().execute_with(|| {
        let mut parent = H256([9; 32]);
        for number in 1..=8u32 {
            System::initialize(number, parent, &HeaderDigest::default());
            System::note_finished_extrinsics();
            let header = System::finalize();
            assert_eq!(header.number, number);
            assert_eq!(header.parent_hash, parent);
            assert_eq!(header.extrinsics_root, dfs_trie::empty_root());
            parent = header.hash();
        }
        // BlockHashCount is 4: blocks 4..=7 are kept, and genesis.
        assert!(BlockHash::contains_key(0));
        assert!(!BlockHash::contains_key(3));
        assert!(BlockHash::contains_key(4) && BlockHash::contains_key(7));
        check_invariants();
    });
}

#[test]
fn deposited_logs_follow_the_pre_runtime_digest_in_the_header() {
    new_test_ext().execute_with(|| {
        let pre = DigestItem::PreRuntime(*b"aura", vec![1, 2]);
        let logs = [DigestItem::Other(vec![3]), DigestItem::RuntimeEnvironmentUpdated];
        System::initialize(1, H256([9; 32]), &HeaderDigest { logs: vec![pre.clone()] });
        for log in &logs {
            System::deposit_log(log.clone());
        }
        System::note_finished_extrinsics();
        let header = System::finalize();
        assert_eq!(header.digest.logs, [pre, logs[0].clone(), logs[1].clone()]);
        // A block without a pre-runtime digest starts its digest with the first log.
        System::initialize(2, header.hash(), &HeaderDigest::default());
        System::deposit_log(logs[0].clone());
        System::note_finished_extrinsics();
        assert_eq!(System::finalize().digest.logs, [logs[0].clone()]);
        check_invariants();
    });
}

fn runtime_blob(spec_name: &str, spec_version: u32) -> Vec<u8> {
    let mut version = TestVersion::get();
    version.spec_name = spec_name.into();
    version.spec_version = spec_version;
    let payload = version.encode();
    let name = dfs_io::wasm_sections::RUNTIME_VERSION_SECTION.as_bytes();
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(&payload);
    let mut blob = b"\0asm\x01\0\0\0".to_vec();
    blob.push(0);
    blob.push(section.len() as u8);
    blob.extend_from_slice(&section);
    blob
}

#[test]
fn set_code_checks_name_and_version() {
    new_test_ext().execute_with(|| {
        System::initialize(1, H256([1; 32]), &HeaderDigest::default());
        let set_code = |code: Vec<u8>, origin| {
            RuntimeCall::System(Call::set_code { code }).dispatch(origin).map_err(|e| e.error)
        };
        let module_error = |index: u8| {
            DispatchError::Module(ModuleError { index: 0, error: [index, 0, 0, 0], message: None })
        };
        let strip = |r: Result<_, DispatchError>| {
            r.map_err(|e| match e {
                DispatchError::Module(m) => {
                    DispatchError::Module(ModuleError { message: None, ..m })
                }
                other => other,
            })
        };
        let alice = dev_sr25519("Alice").account_id();
        assert_eq!(
            set_code(runtime_blob("dfs", 101), RawOrigin::Signed(alice)),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(strip(set_code(b"junk".to_vec(), RawOrigin::Root)), Err(module_error(2)));
        assert_eq!(
            strip(set_code(runtime_blob("other", 101), RawOrigin::Root)),
            Err(module_error(0))
        );
        assert_eq!(
            strip(set_code(runtime_blob("dfs", 100), RawOrigin::Root)),
            Err(module_error(1))
        );
        assert!(dfs_io::storage::get(CODE_KEY).is_none());

        let blob = runtime_blob("dfs", 101);
        assert_eq!(set_code(blob.clone(), RawOrigin::Root), Ok(Default::default()));
        assert_eq!(dfs_io::storage::get(CODE_KEY), Some(blob));
        assert!(Digest::get().logs.contains(&DigestItem::RuntimeEnvironmentUpdated));
        assert!(System::events()
            .iter()
            .any(|r| r.event == RuntimeEvent::System(Event::CodeUpdated)));
        check_invariants();
    });
}

#[test]
fn executive_applies_signed_extrinsics_with_nonce_and_events() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice");
        let genesis_hash = H256([7; 32]);
        Executive::initialize_block(&header(1, genesis_hash));
        fund(&alice.account_id());

        let remark =
            |text: &[u8]| RuntimeCall::System(Call::remark_with_event { remark: text.to_vec() });
        let first = sign(&alice, remark(b"one"), 0, Era::Immortal);
        assert_eq!(Executive::apply_extrinsic(first.clone()), Ok(Ok(())));
        // Replaying it is stale; skipping a nonce is future; both leave no trace.
        assert_eq!(Executive::apply_extrinsic(first), Err(InvalidTransaction::Stale.into()));
        let skipped = sign(&alice, remark(b"three"), 2, Era::Immortal);
        assert_eq!(Executive::apply_extrinsic(skipped), Err(InvalidTransaction::Future.into()));
        // A failing call still uses the nonce.
        let root_only = sign(
            &alice,
            RuntimeCall::System(Call::kill_storage { keys: vec![] }),
            1,
            Era::Immortal,
        );
        assert_eq!(Executive::apply_extrinsic(root_only), Ok(Err(DispatchError::BadOrigin)));
        assert_eq!(System::account_nonce(&alice.account_id()), 2);

        let phases: Vec<_> = System::events().into_iter().map(|r| r.phase).collect();
        assert_eq!(
            phases,
            // Funding (NewAccount) happens before the first extrinsic, in its phase.
            vec![
                Phase::ApplyExtrinsic(0),
                Phase::ApplyExtrinsic(0),
                Phase::ApplyExtrinsic(0),
                Phase::ApplyExtrinsic(1)
            ]
        );
        let failed = System::events().pop().unwrap().event;
        let RuntimeEvent::System(Event::ExtrinsicFailed { dispatch_error, dispatch_info }) = failed
        else {
            panic!("expected ExtrinsicFailed, got {failed:?}");
        };
        assert_eq!(dispatch_error, DispatchError::BadOrigin);
        assert_eq!(dispatch_info.class, DispatchClass::Operational);
        assert_eq!(dispatch_info.pays_fee, Pays::Yes);

        let header = Executive::finalize_block();
        assert_eq!(ExtrinsicCount::get(), None);
        assert_ne!(header.extrinsics_root, dfs_trie::empty_root());
        check_invariants();
    });
}

#[test]
fn signatures_bind_genesis_version_and_signer() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice");
        Executive::initialize_block(&header(1, H256([7; 32])));
        fund(&alice.account_id());
        let call = RuntimeCall::System(Call::remark { remark: vec![1] });
        let mut forged = sign(&alice, call.clone(), 0, Era::Immortal);
        forged.signature.as_mut().unwrap().0 = MultiAddress::Id(dev_sr25519("Bob").account_id());
        assert_eq!(Executive::apply_extrinsic(forged), Err(InvalidTransaction::BadProof.into()));

        // Signed against another genesis: the genesis hash is part of the payload.
        let good = sign(&alice, call.clone(), 0, Era::Immortal);
        BlockHash::insert(0, H256([8; 32]));
        assert_eq!(Executive::apply_extrinsic(good), Err(InvalidTransaction::BadProof.into()));

        // A mortal era whose birth block is unknown.
        let ancient = sign(&alice, call, 0, Era::mortal(4, 0));
        Number::put(500);
        assert_eq!(
            Executive::apply_extrinsic(ancient),
            Err(InvalidTransaction::AncientBirthBlock.into())
        );
        check_invariants();
    });
}

#[test]
fn validation_orders_nonces_and_leaves_state_untouched() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice");
        Executive::initialize_block(&header(1, H256([7; 32])));
        fund(&alice.account_id());
        let call = RuntimeCall::System(Call::remark { remark: vec![1] });
        let at = H256([3; 32]);
        let validate = |nonce: u32| {
            let xt = sign(&alice, call.clone(), nonce, Era::Immortal);
            Executive::validate_transaction(TransactionSource::External, &xt.encode(), at)
        };
        let now = validate(0).unwrap();
        assert!(now.requires.is_empty());
        assert_eq!(now.provides, vec![(alice.account_id(), 0u32).encode()]);
        let later = validate(3).unwrap();
        assert_eq!(later.requires, vec![(alice.account_id(), 2u32).encode()]);
        assert_eq!(Number::get(), 1, "validation rolls back its changes");

        let broke = dev_sr25519("Bob");
        let xt = sign(&broke, call.clone(), 0, Era::Immortal);
        assert_eq!(
            Executive::validate_transaction(TransactionSource::External, &xt.encode(), at),
            Err(InvalidTransaction::Payment.into())
        );
        assert_eq!(
            Executive::validate_transaction(TransactionSource::External, &[1, 2, 3], at),
            Err(InvalidTransaction::Call.into())
        );
        let unsigned =
            UncheckedExtrinsic::<Address, RuntimeCall, MultiSignature, Extra>::new_unsigned(call);
        assert_eq!(
            Executive::validate_transaction(TransactionSource::External, &unsigned.encode(), at),
            Err(TransactionValidityError::Unknown(UnknownTransaction::NoUnsignedValidator))
        );
        check_invariants();
    });
}

#[test]
fn block_weight_and_length_limits() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice");
        Executive::initialize_block(&header(1, H256([7; 32])));
        fund(&alice.account_id());
        // The test block allows 750 bytes of normal extrinsics.
        let big = RuntimeCall::System(Call::remark { remark: vec![0; 600] });
        let xt = sign(&alice, big.clone(), 0, Era::Immortal);
        assert_eq!(Executive::apply_extrinsic(xt), Ok(Ok(())));
        let xt = sign(&alice, big, 1, Era::Immortal);
        assert_eq!(
            Executive::apply_extrinsic(xt),
            Err(InvalidTransaction::ExhaustsResources.into())
        );
        let used = BlockWeight::get();
        assert!(used.normal.ref_time > 0 && used.mandatory.ref_time >= 5_000_000);
        check_invariants();
    });
}

#[test]
fn executing_a_built_block_reproduces_its_header() {
    let alice = dev_sr25519("Alice");
    let mut ext = new_test_ext();
    let block = ext.execute_with(|| {
        fund(&alice.account_id());
        Executive::initialize_block(&header(1, H256([7; 32])));
        let xt = sign(
            &alice,
            RuntimeCall::System(Call::remark_with_event { remark: b"hi".to_vec() }),
            0,
            Era::Immortal,
        );
        assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
        let header = Executive::finalize_block();
        Block { header, extrinsics: vec![xt] }
    });
    // Re-execute on the state before the block.
    let mut fresh = new_test_ext();
    fresh.execute_with(|| {
        fund(&alice.account_id());
        assert_eq!(Executive::execute_block(block.clone()), Ok(()));
    });
    let mut tampered = block;
    tampered.header.state_root = H256([1; 32]);
    let mut fresh = new_test_ext();
    fresh.execute_with(|| {
        fund(&alice.account_id());
        assert!(matches!(
            Executive::execute_block(tampered),
            Err(ExecuteBlockError::StateRootMismatch { .. })
        ));
    });
}

#[test]
fn a_block_with_a_forged_signature_fails_the_batch() {
    let alice = dev_sr25519("Alice");
    let block = new_test_ext().execute_with(|| {
        fund(&alice.account_id());
        Executive::initialize_block(&header(1, H256([7; 32])));
        let xt = sign(
            &alice,
            RuntimeCall::System(Call::remark { remark: b"hi".to_vec() }),
            0,
            Era::Immortal,
        );
        assert_eq!(Executive::apply_extrinsic(xt.clone()), Ok(Ok(())));
        Block { header: Executive::finalize_block(), extrinsics: vec![xt] }
    });
    // Same block, one signature byte changed, extrinsics root recomputed: only the
    // signature is wrong, and the batch catches it.
    let mut forged = block;
    let Some((_, MultiSignature::Sr25519(signature), _)) = forged.extrinsics[0].signature.as_mut()
    else {
        panic!("signed extrinsic")
    };
    signature.0[3] ^= 1;
    let encoded: Vec<Vec<u8>> = forged.extrinsics.iter().map(Encode::encode).collect();
    forged.header.extrinsics_root =
        dfs_trie::ordered_trie_root(dfs_core::StateVersion::V0, encoded);
    new_test_ext().execute_with(|| {
        fund(&alice.account_id());
        assert_eq!(Executive::execute_block(forged), Err(ExecuteBlockError::BadSignature));
    });
}

#[test]
fn metadata_describes_system() {
    let pallets = Test::pallet_descriptions();
    let system = &pallets[0];
    assert_eq!(system.name, "System");
    let names: Vec<_> = system.storage.as_ref().unwrap().entries.iter().map(|e| e.name).collect();
    for expected in ["Account", "BlockHash", "Number", "ParentHash", "Events", "Digest"] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    let constants: Vec<_> = system.constants.iter().map(|c| c.name).collect();
    assert_eq!(
        constants,
        ["BlockWeights", "BlockLength", "BlockHashCount", "DbWeight", "Version", "SS58Prefix"]
    );
    let _ = Weight::ZERO;
}

#[test]
fn only_block_execution_records_events_and_the_count_follows_rolled_back_ones() {
    new_test_ext().execute_with(|| {
        let alice = dev_sr25519("Alice").account_id();
        // No block is executing (genesis, or a runtime call on a finished block's state).
        System::inc_providers(&alice);
        assert!(System::events().is_empty());

        System::initialize(1, H256([1; 32]), &HeaderDigest::default());
        System::dec_providers(&alice).unwrap();
        // A transactional layer that deposits an event and rolls back takes it away.
        assert!(dfs_io::storage::start_transaction());
        System::inc_providers(&alice);
        dfs_io::storage::rollback_transaction();
        System::note_finished_extrinsics();
        let header = System::finalize();
        assert_eq!(header.number, 1);
        let events: Vec<_> = System::events().into_iter().map(|r| r.event).collect();
        assert_eq!(events, vec![RuntimeEvent::System(Event::KilledAccount { account: alice })]);
        assert_eq!(EventCount::get(), 1);
        // After finalization there is no phase again: nothing more is recorded.
        System::inc_providers(&alice);
        assert_eq!(System::events().len(), 1);
    });
}
