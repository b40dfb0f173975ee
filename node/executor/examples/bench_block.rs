//! Measures how fast the Wasm runtime executes a block of signed transfers, as a ratio to
//! how fast this machine verifies sr25519 signatures one by one (measured in the same run).
//!
//! `cargo run --release -p dfs-executor --example bench_block -- [transfers] [rounds]`

use std::time::{Duration, Instant};

use codec::{Decode, Encode};
use dfs_core::{pair::dev_sr25519, sr25519, AccountId32, StateVersion, H256};
use dfs_executor::{state::TrieBackend, CallKind, Executor, ExecutorConfig};
use dfs_io::state::{InMemoryBackend, OverlayedChanges};
use dfs_runtime::signing::{sign, transfer_keep_alive, SigningContext};
use dfs_runtime_primitives::{
    generic::{Block, Digest, Header},
    ApplyExtrinsicResult, InherentData,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let transfers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let code = dfs_runtime::wasm::WASM_BINARY.expect("the Wasm runtime is built");
    let executor = Executor::new(ExecutorConfig::default()).expect("executor");
    // Import is measured as a validator that never saw the transactions does it: no
    // signature is known in advance.
    let importer = Executor::new(ExecutorConfig { verified_signatures: 0, ..Default::default() })
        .expect("executor");

    // Genesis, built by the Wasm runtime, stored as a trie.
    let mut genesis = InMemoryBackend::new([(b":code".to_vec(), code.to_vec())].into());
    let preset = executor
        .call_fresh(
            &genesis,
            "GenesisBuilder_get_preset",
            &Some(b"development".to_vec()).encode(),
            CallKind::Block,
        )
        .expect("preset");
    let json = Option::<Vec<u8>>::decode(&mut &preset.output[..])
        .expect("json")
        .expect("development preset");
    let built = executor
        .call_fresh(&genesis, "GenesisBuilder_build_state", &json.encode(), CallKind::Block)
        .expect("genesis");
    genesis.apply(built.changes);
    let mut db = dfs_trie::MemoryDB::default();
    let root = dfs_trie::apply_changes(
        &mut db,
        StateVersion::V1,
        dfs_trie::empty_root(),
        genesis.entries().iter().map(|(k, v)| (&k[..], Some(&v[..]))),
    )
    .expect("genesis trie");
    let state = TrieBackend::new(&db, root);
    let genesis_header = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: root,
        extrinsics_root: dfs_trie::empty_root(),
        digest: Digest::default(),
    };

    // Blocks built by the Wasm runtime: only the timestamp inherent; signed empty remarks
    // (the per-extrinsic overhead: signature, nonce, fee, events); transfers from Alice to
    // many fresh accounts.
    let alice = dev_sr25519("Alice");
    let context = SigningContext::for_genesis(genesis_header.hash());
    let signed = |calls: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        calls
            .iter()
            .enumerate()
            .map(|(i, call)| sign(&alice, &context, call, i as u32, 0))
            .collect()
    };
    let transfer_calls: Vec<Vec<u8>> = (0..transfers)
        .map(|i| {
            let mut to = [7u8; 32];
            to[..8].copy_from_slice(&(i as u64).to_le_bytes());
            transfer_keep_alive(&AccountId32(to), dfs_runtime::UNIT)
        })
        .collect();
    // System.remark(b""): pallet 0, call 0, an empty Vec.
    let remark_calls: Vec<Vec<u8>> = (0..transfers).map(|_| vec![0u8, 0, 0]).collect();
    // Builds a block of `transactions`, applied one call each or, as the node's author
    // does, 256 per `DfsBlockBuilder_apply_extrinsics` call.
    let build = |transactions: Vec<Vec<u8>>, chunked: bool| -> (Vec<u8>, H256, Duration) {
        let mut overlay = OverlayedChanges::default();
        let header =
            Header { parent_hash: genesis_header.hash(), number: 1, ..genesis_header.clone() };
        let build_started = Instant::now();
        executor
            .call_at(
                &state,
                &mut overlay,
                "Core_initialize_block",
                &header.encode(),
                CallKind::Block,
            )
            .expect("initialize");
        let mut data = InherentData::default();
        data.put(*b"timstap0", &1_700_000_000_000u64);
        let inherents = executor
            .call_at(
                &state,
                &mut overlay,
                "BlockBuilder_inherent_extrinsics",
                &data.encode(),
                CallKind::Block,
            )
            .expect("inherents");
        let inherents: Vec<dfs_runtime::UncheckedExtrinsic> =
            Decode::decode(&mut &inherents[..]).expect("inherents");
        let mut extrinsics: Vec<Vec<u8>> = inherents.iter().map(Encode::encode).collect();
        let mut apply = |xt: &[u8]| {
            let result = executor
                .call_at(&state, &mut overlay, "BlockBuilder_apply_extrinsic", xt, CallKind::Block)
                .expect("apply");
            let result = ApplyExtrinsicResult::decode(&mut &result[..]).expect("result");
            assert_eq!(result, Ok(Ok(())), "every extrinsic applies");
        };
        extrinsics.iter().for_each(|xt| apply(xt));
        if chunked {
            for chunk in transactions.chunks(256) {
                let mut input = codec::Compact(chunk.len() as u32).encode();
                chunk.iter().for_each(|xt| input.extend_from_slice(xt));
                let results = executor
                    .call_at(
                        &state,
                        &mut overlay,
                        "DfsBlockBuilder_apply_extrinsics",
                        &input,
                        CallKind::Block,
                    )
                    .expect("apply");
                let results =
                    Vec::<ApplyExtrinsicResult>::decode(&mut &results[..]).expect("results");
                assert!(results.iter().all(|r| *r == Ok(Ok(()))), "every extrinsic applies");
            }
        } else {
            transactions.iter().for_each(|xt| apply(xt));
        }
        extrinsics.extend(transactions);
        let header = executor
            .call_at(&state, &mut overlay, "BlockBuilder_finalize_block", &[], CallKind::Block)
            .expect("finalize");
        let header = Header::decode(&mut &header[..]).expect("header");
        let build_time = build_started.elapsed();
        let block = Block {
            header: header.clone(),
            extrinsics: extrinsics
                .iter()
                .map(|xt| dfs_runtime::UncheckedExtrinsic::decode(&mut &xt[..]).expect("extrinsic"))
                .collect::<Vec<_>>(),
        };
        (block.encode(), header.state_root, build_time)
    };
    // Import: execute the whole block, rounds times; the median.
    let import = |block: &[u8], root: H256| -> Duration {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let outcome = importer
                .call_fresh(&state, "Core_execute_block", block, CallKind::Block)
                .expect("execute");
            let (new_root, _) = state.commit(&outcome.changes, StateVersion::V1).expect("commit");
            times.push(started.elapsed());
            assert_eq!(new_root, root);
        }
        median(&mut times)
    };
    let (empty_block, empty_root, _) = build(vec![], false);
    let empty = import(&empty_block, empty_root);
    let (remark_block, remark_root, _) = build(signed(remark_calls), false);
    let remarks = import(&remark_block, remark_root);
    let transactions = signed(transfer_calls);
    let (block_bytes, transfer_root, build_time) = build(transactions.clone(), false);
    // As the author builds: in chunks, and the pool verified the signatures already (here
    // the first build did), which the executor remembers.
    let (_, _, warm_build_time) = build(transactions, true);
    let import = import(&block_bytes, transfer_root);

    // The baseline: sr25519 single verifications on this machine, same count.
    let signatures: Vec<(sr25519::Signature, Vec<u8>)> = (0..transfers.min(2_000))
        .map(|i| {
            let message = (i as u64).to_le_bytes().to_vec();
            (alice.sign(&message), message)
        })
        .collect();
    let mut verify_times = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        for (signature, message) in &signatures {
            assert!(sr25519::verify(signature, message, &alice.public()));
        }
        verify_times.push(started.elapsed());
    }
    let verify = median(&mut verify_times);

    // What a runtime call costs beyond its work: `Core_version` reads nothing.
    let calls: u32 = std::env::var("CALLS").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000);
    let started = Instant::now();
    for _ in 0..calls {
        let mut overlay = OverlayedChanges::default();
        executor
            .call_at(&state, &mut overlay, "Core_version", &[], CallKind::Block)
            .expect("version");
    }
    let call_overhead = started.elapsed() / calls;

    let block_rate = transfers as f64 / import.as_secs_f64();
    let verify_rate = signatures.len() as f64 / verify.as_secs_f64();
    println!("transfers per block:              {transfers}");
    println!("block build (Wasm, apply one by one): {:.1} ms", build_time.as_secs_f64() * 1e3);
    println!(
        "block build as the author (chunks of 256, signatures known): {:.1} ms",
        warm_build_time.as_secs_f64() * 1e3
    );
    println!(
        "block import (Wasm, execute_block):   {:.1} ms (median of {rounds})",
        import.as_secs_f64() * 1e3
    );
    println!("block execution rate:             {block_rate:.0} transfers/s");
    println!("sr25519 verification rate:        {verify_rate:.0} signatures/s");
    println!("ratio (goal >= 0.5, stretch > 1.0): {:.2}", block_rate / verify_rate);
    println!("runtime call overhead (Core_version): {:.1} µs", call_overhead.as_secs_f64() * 1e6);
    println!("runtime blob size:                {} bytes", code.len());
    // The weights these measurements give (one unit of ref time = 1 ps), as
    // `runtime/src/lib.rs` and the balances pallet declare them.
    let per = |total: Duration, base: Duration| (total.saturating_sub(base)) / transfers as u32;
    let extrinsic_base = per(remarks, empty);
    let transfer_call = per(import, empty).saturating_sub(extrinsic_base);
    println!("measured weights (import, this machine):");
    println!("  empty block (BLOCK_EXECUTION_WEIGHT):  {:>8.1} µs", empty.as_secs_f64() * 1e6);
    println!(
        "  per extrinsic (EXTRINSIC_BASE_WEIGHT): {:>8.1} µs",
        extrinsic_base.as_secs_f64() * 1e6
    );
    println!(
        "  transfer_keep_alive call:              {:>8.1} µs",
        transfer_call.as_secs_f64() * 1e6
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
