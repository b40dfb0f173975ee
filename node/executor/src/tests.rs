//! The executor on the real Wasm runtime (checked against the native runtime) and on
//! hostile modules.

use std::{collections::BTreeMap, time::Duration};

use codec::{Decode, Encode};
use dfs_core::{pair::dev_sr25519, AccountId32, H256};
use dfs_io::state::{Backend, InMemoryBackend, OverlayedChanges, TestExternalities};
use dfs_runtime::{
    signing::{sign, transfer_keep_alive, SigningContext},
    Runtime, UNIT,
};
use dfs_runtime_primitives::{
    generic::{Block, Digest, Header},
    ApplyExtrinsicResult, DispatchError, InherentData, InvalidTransaction, TokenError,
    TransactionValidityError,
};

use super::*;
use crate::state::{TrieBackend, CODE_KEY};
use crate::{CallBudget, CallKind};

fn runtime() -> &'static [u8] {
    dfs_runtime::wasm::WASM_BINARY.expect("the Wasm runtime is built by runtime/build.rs")
}

fn executor() -> Executor {
    Executor::new(ExecutorConfig::default()).unwrap()
}

fn decode<T: Decode>(bytes: &[u8]) -> T {
    T::decode(&mut &bytes[..]).unwrap()
}

/// The development genesis, built by the Wasm runtime.
fn wasm_genesis(executor: &Executor) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut backend = InMemoryBackend::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    let preset = executor
        .call_fresh(
            &backend,
            "GenesisBuilder_get_preset",
            &Some(b"development".to_vec()).encode(),
            CallKind::Block,
        )
        .unwrap();
    let json: Option<Vec<u8>> = decode(&preset.output);
    let built = executor
        .call_fresh(
            &backend,
            "GenesisBuilder_build_state",
            &json.unwrap().encode(),
            CallKind::Block,
        )
        .unwrap();
    assert_eq!(decode::<Result<(), String>>(&built.output), Ok(()));
    backend.apply(built.changes);
    backend.into_entries()
}

/// The same genesis, built natively.
fn native_genesis() -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut ext = TestExternalities::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    ext.execute_with(|| {
        let preset = dfs_runtime::genesis::preset("development").unwrap();
        dfs_runtime::genesis::build_state(preset.to_string().as_bytes()).unwrap();
    });
    ext.entries()
}

fn genesis_header(entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> Header {
    Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: dfs_trie::trie_root(dfs_core::StateVersion::V1, entries.clone()),
        extrinsics_root: dfs_trie::empty_root(),
        digest: Digest::default(),
    }
}

/// A block: the timestamp, three transfers from Alice, and one transfer she cannot afford.
struct BuiltBlock {
    header: Header,
    extrinsics: Vec<Vec<u8>>,
    results: Vec<ApplyExtrinsicResult>,
    changes: dfs_io::state::StorageChanges,
}

fn block_extrinsics(genesis_hash: H256) -> Vec<Vec<u8>> {
    let context = SigningContext::for_genesis(genesis_hash);
    let alice = dev_sr25519("Alice");
    let targets = [
        dev_sr25519("Bob").account_id(),
        dev_sr25519("Charlie").account_id(),
        AccountId32([9; 32]),
    ];
    let mut extrinsics: Vec<Vec<u8>> = targets
        .iter()
        .enumerate()
        .map(|(nonce, to)| {
            sign(
                &alice,
                &context,
                &transfer_keep_alive(to, (nonce as u128 + 1) * UNIT),
                nonce as u32,
                0,
            )
        })
        .collect();
    extrinsics.push(sign(&alice, &context, &transfer_keep_alive(&targets[0], u128::MAX / 4), 3, 0));
    extrinsics
}

/// Builds the block with `call(method, input)` doing the work (Wasm or native) and
/// `transactions` after the inherents.
fn build_block(
    genesis: &Header,
    transactions: &[Vec<u8>],
    mut call: impl FnMut(&str, &[u8]) -> Vec<u8>,
) -> (Header, Vec<Vec<u8>>, Vec<ApplyExtrinsicResult>) {
    let header = Header {
        parent_hash: genesis.hash(),
        number: 1,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest: Digest::default(),
    };
    call("Core_initialize_block", &header.encode());
    let mut data = InherentData::default();
    data.put(*b"timstap0", &1_700_000_000_000u64);
    let inherents: Vec<dfs_runtime::UncheckedExtrinsic> =
        decode(&call("BlockBuilder_inherent_extrinsics", &data.encode()));
    let mut extrinsics: Vec<Vec<u8>> = inherents.iter().map(Encode::encode).collect();
    extrinsics.extend_from_slice(transactions);
    let results =
        extrinsics.iter().map(|xt| decode(&call("BlockBuilder_apply_extrinsic", xt))).collect();
    let header: Header = decode(&call("BlockBuilder_finalize_block", &[]));
    (header, extrinsics, results)
}

fn build_in_wasm(
    executor: &Executor,
    genesis: &BTreeMap<Vec<u8>, Vec<u8>>,
    transactions: &[Vec<u8>],
) -> BuiltBlock {
    let backend = InMemoryBackend::new(genesis.clone());
    let mut overlay = OverlayedChanges::default();
    let (header, extrinsics, results) =
        build_block(&genesis_header(genesis), transactions, |method, input| {
            executor
                .call_at(&backend, &mut overlay, method, input, CallKind::Block)
                .unwrap_or_else(|e| panic!("{e}"))
        });
    BuiltBlock { header, extrinsics, results, changes: overlay.drain_committed() }
}

#[test]
fn version_comes_from_the_blob_and_from_core_version_alike() {
    let executor = executor();
    let from_section = executor.runtime_version(runtime()).unwrap();
    assert_eq!(from_section, dfs_runtime::version());
    let backend = InMemoryBackend::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    let output =
        executor.call_fresh(&backend, "Core_version", &[], CallKind::Block).unwrap().output;
    assert_eq!(decode::<RuntimeVersion>(&output), dfs_runtime::version());
}

#[test]
fn genesis_built_in_wasm_equals_native() {
    let executor = executor();
    assert_eq!(wasm_genesis(&executor), native_genesis());
}

#[test]
fn a_block_in_wasm_matches_the_native_runtime() {
    let executor = executor();
    let genesis = wasm_genesis(&executor);
    let transactions = block_extrinsics(genesis_header(&genesis).hash());
    let built = build_in_wasm(&executor, &genesis, &transactions);
    assert_eq!(built.results[..4], [Ok(Ok(())), Ok(Ok(())), Ok(Ok(())), Ok(Ok(()))]);
    assert_eq!(built.results[4], Ok(Err(DispatchError::Token(TokenError::FundsUnavailable))));

    // The native runtime, given the same calls on the same genesis, reaches the same header.
    let mut native = TestExternalities::new(genesis.clone());
    let (native_header, native_extrinsics, native_results) =
        build_block(&genesis_header(&genesis), &transactions, |method, input| {
            native.execute_with(|| dfs_runtime::apis::call(method, input)).unwrap()
        });
    assert_eq!(native_extrinsics, built.extrinsics);
    assert_eq!(native_results, built.results);
    assert_eq!(native_header, built.header);

    // Balances, nonce and the issuance invariant in the state the Wasm runtime produced.
    let mut after = InMemoryBackend::new(genesis.clone());
    after.apply(built.changes.clone());
    let mut state = TestExternalities::new(after.into_entries());
    state.execute_with(|| {
        let alice = dev_sr25519("Alice").account_id();
        assert_eq!(dfs_pallet_system::Pallet::<Runtime>::account_nonce(&alice), 4);
        assert_eq!(
            dfs_pallet_balances::Pallet::<Runtime>::free_balance(&AccountId32([9; 32])),
            3 * UNIT
        );
        dfs_pallet_balances::Pallet::<Runtime>::check_issuance().unwrap();
        let events = dfs_pallet_system::Pallet::<Runtime>::events();
        assert!(events.iter().any(|r| matches!(
            r.event,
            dfs_runtime::RuntimeEvent::System(dfs_pallet_system::Event::ExtrinsicFailed { .. })
        )));
    });
    assert_eq!(state.storage_root(), built.header.state_root);
}

#[test]
fn importing_the_block_over_the_trie_reaches_its_state_root() {
    let executor = executor();
    let genesis = wasm_genesis(&executor);
    let transactions = block_extrinsics(genesis_header(&genesis).hash());
    let built = build_in_wasm(&executor, &genesis, &transactions);
    let block = Block {
        header: built.header.clone(),
        extrinsics: built
            .extrinsics
            .iter()
            .map(|xt| dfs_runtime::UncheckedExtrinsic::decode(&mut &xt[..]).unwrap())
            .collect::<Vec<_>>(),
    };

    // The genesis state as trie nodes in a store, as the node keeps it.
    let mut db = dfs_trie::MemoryDB::default();
    let root = dfs_trie::apply_changes(
        &mut db,
        dfs_core::StateVersion::V1,
        dfs_trie::empty_root(),
        genesis.iter().map(|(k, v)| (&k[..], Some(&v[..]))),
    )
    .unwrap();
    assert_eq!(root, genesis_header(&genesis).state_root);
    let state = TrieBackend::new(&db, root);
    assert_eq!(state.storage(CODE_KEY).unwrap().as_deref(), Some(runtime()));

    let outcome = executor
        .call_fresh(&state, "Core_execute_block", &block.encode(), CallKind::Block)
        .unwrap();
    let (new_root, nodes) = state.commit(&outcome.changes, dfs_core::StateVersion::V1).unwrap();
    assert_eq!(new_root, built.header.state_root);
    assert_eq!(outcome.changes, built.changes);

    // A block whose root lies is refused, and the executor goes on working.
    let mut lying = block;
    lying.header.state_root = H256([1; 32]);
    let error = executor
        .call_fresh(&state, "Core_execute_block", &lying.encode(), CallKind::Block)
        .unwrap_err();
    assert!(matches!(error, ExecutorError::Trap { .. }), "{error}");
    assert!(executor.call_fresh(&state, "Core_version", &[], CallKind::Block).is_ok());

    // Persisting the new nodes makes the new state readable from the store.
    db.consolidate(nodes);
    let next = TrieBackend::new(&db, new_root);
    let account_key = dfs_pallet_system::Account::hashed_key_for(AccountId32([9; 32]));
    assert!(next.storage(&account_key).unwrap().is_some());
    let first = next.next_storage_key(&[]).unwrap().unwrap();
    assert!(next.storage(&first).unwrap().is_some());
}

#[test]
fn a_code_change_takes_effect_from_the_next_call() {
    let executor = executor();
    let genesis = wasm_genesis(&executor);
    let mut backend = InMemoryBackend::new(genesis.clone());
    let genesis_hash = genesis_header(&genesis).hash();

    // The same runtime claiming spec version 101: what set_code checks is the blob's section.
    let mut upgraded = runtime().to_vec();
    let section = dfs_io::wasm_sections::custom_section(runtime(), "runtime_version").unwrap();
    let mut version = dfs_runtime::version();
    version.spec_version = 101;
    // The payload's place in the blob (the same bytes may also sit in a data segment).
    let at = section.as_ptr() as usize - runtime().as_ptr() as usize;
    upgraded[at..at + section.len()].copy_from_slice(&version.encode());
    assert_eq!(executor.runtime_version(&upgraded).unwrap().spec_version, 101);

    let set_code = dfs_runtime::RuntimeCall::Sudo(dfs_pallet_sudo::Call::sudo {
        call: Box::new(dfs_runtime::RuntimeCall::System(dfs_pallet_system::Call::set_code {
            code: upgraded.clone(),
        })),
    });
    let xt = sign(
        &dev_sr25519("Alice"),
        &SigningContext::for_genesis(genesis_hash),
        &set_code.encode(),
        0,
        0,
    );
    let mut overlay = OverlayedChanges::default();
    let header = Header {
        parent_hash: genesis_hash,
        number: 1,
        state_root: H256::zero(),
        extrinsics_root: H256::zero(),
        digest: Digest::default(),
    };
    executor
        .call_at(&backend, &mut overlay, "Core_initialize_block", &header.encode(), CallKind::Block)
        .unwrap();
    let result: ApplyExtrinsicResult = decode(
        &executor
            .call_at(&backend, &mut overlay, "BlockBuilder_apply_extrinsic", &xt, CallKind::Block)
            .unwrap(),
    );
    assert_eq!(result, Ok(Ok(())));
    backend.apply(overlay.drain_committed());
    assert_eq!(backend.storage(CODE_KEY).unwrap(), Some(upgraded));
    // The next call runs the new blob.
    let version = executor.call_fresh(&backend, "Core_version", &[], CallKind::Block).unwrap();
    assert_eq!(decode::<RuntimeVersion>(&version.output).spec_version, 100, "compiled-in version");
    let events =
        executor.call_fresh(&backend, "Metadata_metadata_versions", &[], CallKind::Block).unwrap();
    assert_eq!(decode::<Vec<u32>>(&events.output), [14, 15]);
}

/// A module with memory, `__heap_base` and the host imports used below.
fn hostile(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
            (import "env" "ext_storage_get_version_1" (func $get (param i64) (result i64)))
            (memory (export "memory") 2)
            (global (export "__heap_base") i32 (i32.const 4096))
            {body}
        )"#
    ))
    .unwrap()
}

fn call_hostile(executor: &Executor, code: &[u8], method: &str) -> Result<Vec<u8>, ExecutorError> {
    let backend = InMemoryBackend::default();
    let mut overlay = OverlayedChanges::default();
    let mut ext = dfs_io::state::OverlayedExt::new(&backend, &mut overlay);
    executor.call(code, method, &[1, 2, 3], &mut ext)
}

#[test]
fn hostile_runtimes_end_in_errors_and_the_executor_stays_usable() {
    let defaults = ExecutorConfig::default();
    let executor = Executor::new(ExecutorConfig {
        block: CallBudget { timeout: Duration::from_millis(300), ..defaults.block },
        ..defaults
    })
    .unwrap();
    let trap = hostile(r#"(func (export "Trap") (param i32 i32) (result i64) unreachable)"#);
    assert!(matches!(call_hostile(&executor, &trap, "Trap"), Err(ExecutorError::Trap { .. })));

    let bad_output = hostile(
        r#"(func (export "Out") (param i32 i32) (result i64) i64.const 0x00000100fffffff0)"#,
    );
    assert_eq!(
        call_hostile(&executor, &bad_output, "Out"),
        Err(ExecutorError::InvalidOutput("Out".into()))
    );

    let runaway = hostile(
        r#"(func (export "Loop") (param i32 i32) (result i64) (loop $l (br $l)) i64.const 0)"#,
    );
    assert_eq!(
        call_hostile(&executor, &runaway, "Loop"),
        Err(ExecutorError::Timeout("Loop".into()))
    );

    let greedy = hostile(
        r#"(func (export "Alloc") (param i32 i32) (result i64)
            (drop (call $malloc (i32.const 0x7fffffff))) i64.const 0)"#,
    );
    assert_eq!(
        call_hostile(&executor, &greedy, "Alloc"),
        Err(ExecutorError::OutOfMemory("Alloc".into()))
    );

    let wild_pointer = hostile(
        r#"(func (export "Get") (param i32 i32) (result i64)
            (call $get (i64.const 0x7fffffff00000010)))"#,
    );
    let error = call_hostile(&executor, &wild_pointer, "Get").unwrap_err();
    assert!(
        matches!(&error, ExecutorError::Trap { reason, .. } if reason.contains("outside its memory")),
        "{error}"
    );

    let recursion = hostile(
        r#"(func $f (export "Deep") (param i32 i32) (result i64) (call $f (local.get 0) (local.get 1)))"#,
    );
    assert!(matches!(call_hostile(&executor, &recursion, "Deep"), Err(ExecutorError::Trap { .. })));

    assert!(matches!(
        call_hostile(&executor, b"not wasm", "X"),
        Err(ExecutorError::InvalidCode(_))
    ));
    assert_eq!(
        call_hostile(&executor, &trap, "Missing"),
        Err(ExecutorError::MethodNotFound("Missing".into()))
    );
    let unknown_import = wat::parse_str(r#"(module (import "env" "ext_launch_missiles_version_1" (func)) (memory (export "memory") 1))"#).unwrap();
    assert!(matches!(
        call_hostile(&executor, &unknown_import, "X"),
        Err(ExecutorError::InvalidCode(_))
    ));

    // After all that, the real runtime runs.
    let backend = InMemoryBackend::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    assert!(executor.call_fresh(&backend, "Core_version", &[], CallKind::Block).is_ok());
}

#[test]
fn storage_read_copies_a_window_of_a_value_into_the_runtimes_buffer() {
    // `Window` reads the value at "key" from byte 2 into the 4 bytes at 256 and returns them;
    // `Held` returns what the read reported; `Wild` hands a buffer outside memory.
    let code = wat::parse_str(
        r#"(module
            (import "env" "ext_allocator_malloc_version_1" (func $malloc (param i32) (result i32)))
            (import "env" "ext_storage_read_version_1" (func $read (param i64 i64 i32) (result i64)))
            (memory (export "memory") 2)
            (global (export "__heap_base") i32 (i32.const 4096))
            (data (i32.const 16) "keynone")
            (func (export "Window") (param i32 i32) (result i64)
                (drop (call $read (i64.const 0x0000000300000010) (i64.const 0x0000000400000100) (i32.const 2)))
                i64.const 0x0000000400000100)
            (func (export "Held") (param i32 i32) (result i64)
                (call $read (i64.const 0x0000000300000010) (i64.const 0x0000000400000100) (i32.const 6)))
            (func (export "Missing") (param i32 i32) (result i64)
                (call $read (i64.const 0x0000000400000013) (i64.const 0x0000000400000100) (i32.const 0)))
            (func (export "Wild") (param i32 i32) (result i64)
                (call $read (i64.const 0x0000000300000010) (i64.const 0x000000107ffffff0) (i32.const 0)))
        )"#,
    )
    .unwrap();
    let executor = executor();
    let backend = InMemoryBackend::new([(b"key".to_vec(), b"abcdefgh".to_vec())].into());
    let call = |method: &str| {
        let mut overlay = OverlayedChanges::default();
        let mut ext = dfs_io::state::OverlayedExt::new(&backend, &mut overlay);
        executor.call(&code, method, &[], &mut ext)
    };
    assert_eq!(call("Window").unwrap(), b"cdef");
    // Two bytes are left from offset 6; the buffer took them.
    assert_eq!(call("Held").unwrap(), Some(2u32).encode());
    assert_eq!(call("Missing").unwrap(), None::<u32>.encode());
    let error = call("Wild").unwrap_err();
    assert!(
        matches!(&error, ExecutorError::Trap { reason, .. } if reason.contains("outside its memory")),
        "{error}"
    );
    // The same window natively, over the overlay: a value changed in the block is read there.
    let mut ext = TestExternalities::default();
    ext.execute_with(|| {
        dfs_io::storage::set(b"key", b"0123456789");
        let mut out = [0u8; 3];
        assert_eq!(dfs_io::storage::read(b"key", &mut out, 8), Some(2));
        assert_eq!(&out, b"89\0");
        assert_eq!(dfs_io::storage::read(b"key", &mut out, 20), Some(0));
        assert_eq!(dfs_io::storage::read(b"nothing", &mut out, 0), None);
    });
}

#[test]
fn a_remembered_signature_does_not_let_a_corrupted_copy_through() {
    let executor = executor();
    let genesis = wasm_genesis(&executor);
    let transactions = block_extrinsics(genesis_header(&genesis).hash());
    // Building verifies (and so remembers) every transaction's signature.
    build_in_wasm(&executor, &genesis, &transactions);
    assert!(!executor.verified.is_empty());

    let backend = InMemoryBackend::new(genesis.clone());
    let mut overlay = OverlayedChanges::default();
    let parent = genesis_header(&genesis);
    let header = Header { number: 1, parent_hash: parent.hash(), ..parent };
    executor
        .call_at(&backend, &mut overlay, "Core_initialize_block", &header.encode(), CallKind::Block)
        .unwrap();
    // The signature sits after the length prefix, the version byte and the signer
    // (MultiAddress::Id: one byte and 32) and the signature's variant byte.
    let mut corrupted = transactions[0].clone();
    let body = codec::Compact::<u32>::decode(&mut &corrupted[..]).unwrap().0 as usize;
    let signature_at = corrupted.len() - body + 1 + 1 + 32 + 1;
    corrupted[signature_at + 5] ^= 0x40;
    let result = executor
        .call_at(
            &backend,
            &mut overlay,
            "BlockBuilder_apply_extrinsic",
            &corrupted,
            CallKind::Block,
        )
        .unwrap();
    assert_eq!(
        decode::<ApplyExtrinsicResult>(&result),
        Err(TransactionValidityError::Invalid(InvalidTransaction::BadProof))
    );
    // The genuine one still applies.
    let result = executor
        .call_at(
            &backend,
            &mut overlay,
            "BlockBuilder_apply_extrinsic",
            &transactions[0],
            CallKind::Block,
        )
        .unwrap();
    assert_eq!(decode::<ApplyExtrinsicResult>(&result), Ok(Ok(())));
}

#[test]
fn an_instantiation_refused_by_a_full_pool_is_retried_until_a_slot_frees() {
    // The pool's own refusal, as wasmtime gives it when its slot search misses a slot that
    // is being freed: here the only slot is really taken, then freed 100 ms later.
    // One slot for each kind of call: two in the pool, both held here.
    let defaults = ExecutorConfig::default();
    let executor = Executor::new(ExecutorConfig {
        block: CallBudget { concurrent_calls: 1, ..defaults.block },
        offchain: CallBudget { concurrent_calls: 1, ..defaults.offchain },
        ..defaults
    })
    .unwrap();
    let budget = ExecutorConfig::default().block;
    let code = runtime();
    let hash = H256(blake2_256(code));
    let pre = executor.prepare(hash, || Ok(std::borrow::Cow::Borrowed(code))).unwrap();
    let (held, _) = executor.instantiate(&pre, &budget).unwrap();
    let (_also_held, _) = executor.instantiate(&pre, &budget).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(held);
        });
        let started = std::time::Instant::now();
        executor.instantiate(&pre, &budget).expect("instantiated once the slot was freed");
        assert!(started.elapsed() >= Duration::from_millis(90), "it had to wait");
    });
}

#[test]
fn more_concurrent_calls_than_instance_slots_wait_for_a_slot() {
    let defaults = ExecutorConfig::default();
    let executor = Executor::new(ExecutorConfig {
        block: CallBudget { concurrent_calls: 2, ..defaults.block },
        ..defaults
    })
    .unwrap();
    let backend = InMemoryBackend::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    std::thread::scope(|scope| {
        let callers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..20 {
                        executor
                            .call_fresh(&backend, "Core_version", &[], CallKind::Block)
                            .unwrap();
                    }
                })
            })
            .collect();
        for caller in callers {
            caller.join().expect("every call got a slot and succeeded");
        }
    });
}

#[test]
fn offchain_calls_have_a_smaller_budget_and_never_take_block_work_s_slots() {
    // One offchain slot with a 500 ms limit; block work keeps its own slots.
    let defaults = ExecutorConfig::default();
    let executor = Executor::new(ExecutorConfig {
        offchain: CallBudget {
            concurrent_calls: 1,
            timeout: Duration::from_millis(500),
            max_memory_pages: 64,
        },
        ..defaults
    })
    .unwrap();
    let runaway = hostile(
        r#"(func (export "Loop") (param i32 i32) (result i64) (loop $l (br $l)) i64.const 0)"#,
    );
    let greedy = hostile(
        r#"(func (export "Alloc") (param i32 i32) (result i64)
            (drop (call $malloc (i32.const 0x800000))) i64.const 0)"#,
    );
    let call = |code: &[u8], method: &str, kind: CallKind| {
        let backend = InMemoryBackend::default();
        let mut overlay = OverlayedChanges::default();
        let mut ext = dfs_io::state::OverlayedExt::new(&backend, &mut overlay);
        let hash = H256(blake2_256(code));
        executor.call_with_loader(
            hash,
            || Ok(std::borrow::Cow::Borrowed(code)),
            method,
            &[],
            &mut ext,
            kind,
        )
    };
    // 8 MiB is within block work's memory, not within 64 pages (4 MiB) of an offchain call.
    assert!(call(&greedy, "Alloc", CallKind::Block).is_ok());
    assert_eq!(
        call(&greedy, "Alloc", CallKind::Offchain),
        Err(ExecutorError::OutOfMemory("Alloc".into()))
    );
    // Compiled once before the clock starts.
    let backend = InMemoryBackend::new([(CODE_KEY.to_vec(), runtime().to_vec())].into());
    executor.call_fresh(&backend, "Core_version", &[], CallKind::Block).unwrap();
    std::thread::scope(|scope| {
        // Two runaway queries: the second waits for the only offchain slot.
        let queries: Vec<_> =
            (0..2).map(|_| scope.spawn(|| call(&runaway, "Loop", CallKind::Offchain))).collect();
        std::thread::sleep(Duration::from_millis(100));
        // Meanwhile block work runs at once, in its own slots.
        let started = std::time::Instant::now();
        executor.call_fresh(&backend, "Core_version", &[], CallKind::Block).unwrap();
        assert!(started.elapsed() < Duration::from_millis(400), "block work waited on queries");
        for query in queries {
            assert_eq!(query.join().unwrap(), Err(ExecutorError::Timeout("Loop".into())));
        }
    });
}
