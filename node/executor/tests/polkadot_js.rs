//! polkadot.js against the Wasm runtime, offline: its metadata decodes with `@polkadot/types`,
//! and a `balances.transferKeepAlive` signed with `@polkadot/keyring` //Alice is accepted by
//! `TaggedTransactionQueue_validate_transaction` and applied by `BlockBuilder_apply_extrinsic`.

use std::{path::PathBuf, process::Command};

use codec::{Decode, Encode};
use dfs_core::{pair::dev_sr25519, H256};
use dfs_executor::{CallKind, Executor, ExecutorConfig};
use dfs_io::state::{InMemoryBackend, OverlayedChanges};
use dfs_runtime_primitives::{
    generic::{Digest, Header},
    ApplyExtrinsicResult, OpaqueMetadata, TransactionSource, TransactionValidity,
};

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[test]
fn polkadot_js_decodes_metadata_and_signs_a_transfer_the_runtime_accepts() {
    assert!(
        e2e_dir().join("node_modules/@polkadot/api").exists(),
        "polkadot.js is not installed: run `bash scripts/setup.sh` (it runs `npm ci` in e2e/)"
    );
    let code = dfs_runtime::wasm::WASM_BINARY.expect("the Wasm runtime is built");
    let executor = Executor::new(ExecutorConfig::default()).unwrap();

    // Genesis from the development preset, built by the Wasm runtime.
    let mut state = InMemoryBackend::new([(b":code".to_vec(), code.to_vec())].into());
    let preset = executor
        .call_fresh(
            &state,
            "GenesisBuilder_get_preset",
            &Some(b"development".to_vec()).encode(),
            CallKind::Block,
        )
        .unwrap();
    let json = Option::<Vec<u8>>::decode(&mut &preset.output[..]).unwrap().unwrap();
    let built = executor
        .call_fresh(&state, "GenesisBuilder_build_state", &json.encode(), CallKind::Block)
        .unwrap();
    state.apply(built.changes);
    let genesis = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root: dfs_trie::trie_root(dfs_core::StateVersion::V1, state.entries().clone()),
        extrinsics_root: dfs_trie::empty_root(),
        digest: Digest::default(),
    };
    let metadata = |version: u32| -> String {
        let output = executor
            .call_fresh(&state, "Metadata_metadata_at_version", &version.encode(), CallKind::Block)
            .unwrap();
        hex(&Option::<OpaqueMetadata>::decode(&mut &output.output[..]).unwrap().unwrap().0)
    };

    let bob = dev_sr25519("Bob").account_id();
    let input = serde_json::json!({
        "metadataV14": metadata(14),
        "metadataV15": metadata(15),
        "genesisHash": hex(&genesis.hash().0),
        "specVersion": dfs_runtime::SPEC_VERSION,
        "transactionVersion": dfs_runtime::TRANSACTION_VERSION,
        "dest": bob.to_string(),
        "amount": "1000000000000",
    });
    let input_path =
        std::env::temp_dir().join(format!("dfs-offline-check-{}.json", std::process::id()));
    std::fs::write(&input_path, input.to_string()).unwrap();
    let output = Command::new("node")
        .arg("offline-runtime-check.mjs")
        .arg(&input_path)
        .current_dir(e2e_dir())
        .output()
        .expect("node runs (install Node.js 18 or later)");
    let _ = std::fs::remove_file(&input_path);
    assert!(output.status.success(), "node: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    // What polkadot.js read from the metadata.
    let names = |key: &str| -> Vec<String> {
        report[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(
        names("pallets"),
        ["System", "Timestamp", "Aura", "Balances", "TransactionPayment", "Sudo"]
    );
    assert_eq!(names("signedExtensions").len(), 9);
    assert!(names("apis").contains(&"TransactionPaymentApi".to_string()));
    assert_eq!(report["signer"], dev_sr25519("Alice").account_id().to_string());

    // The transfer polkadot.js signed: valid for the pool, applied in a block.
    let extrinsic =
        hex::decode(report["extrinsic"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let mut args = TransactionSource::External.encode();
    args.extend_from_slice(&extrinsic);
    args.extend_from_slice(&genesis.hash().0);
    let validity = executor
        .call_fresh(&state, "TaggedTransactionQueue_validate_transaction", &args, CallKind::Block)
        .unwrap();
    let validity = TransactionValidity::decode(&mut &validity.output[..]).unwrap();
    assert!(validity.is_ok(), "{validity:?}");

    let mut overlay = OverlayedChanges::default();
    let header = Header { parent_hash: genesis.hash(), number: 1, ..genesis.clone() };
    executor
        .call_at(&state, &mut overlay, "Core_initialize_block", &header.encode(), CallKind::Block)
        .unwrap();
    let applied = executor
        .call_at(&state, &mut overlay, "BlockBuilder_apply_extrinsic", &extrinsic, CallKind::Block)
        .unwrap();
    assert_eq!(ApplyExtrinsicResult::decode(&mut &applied[..]).unwrap(), Ok(Ok(())));
    state.apply(overlay.drain_committed());
    let bob_account =
        state.entries().get(&dfs_pallet_system::Account::hashed_key_for(bob)).cloned().unwrap();
    let bob_account: dfs_pallet_system::AccountInfo<u32, dfs_pallet_system::types::AccountData> =
        Decode::decode(&mut &bob_account[..]).unwrap();
    assert_eq!(bob_account.data.free, dfs_runtime::genesis::DEV_ENDOWMENT + 1_000_000_000_000);
}
