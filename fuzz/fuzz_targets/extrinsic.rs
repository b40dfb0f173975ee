//! Extrinsic decoding and validation, in the runtime (native): what the pool does with every
//! submission. The bytes go in as they are; and, to get past the signature, as a call signed
//! by //Alice. Validation and fee queries answer or refuse; the runtime never panics.

#![no_main]

use std::sync::{Mutex, OnceLock};

use codec::{Decode, DecodeLimit, Encode};
use dfs_core::{
    pair::{dev_sr25519, Sr25519Pair},
    H256,
};
use dfs_io::state::TestExternalities;
use dfs_runtime::{apis, signing};
use dfs_runtime_primitives::{TransactionSource, TransactionValidity};
use libfuzzer_sys::fuzz_target;

struct Dev {
    ext: TestExternalities,
    genesis: H256,
    /// Derived once: the dev seed phrase goes through 2048 rounds of PBKDF2.
    alice: Sr25519Pair,
}

fn dev() -> &'static Mutex<Dev> {
    static DEV: OnceLock<Mutex<Dev>> = OnceLock::new();
    DEV.get_or_init(|| {
        let mut ext = TestExternalities::default();
        let call = |ext: &mut TestExternalities, method: &str, input: Vec<u8>| {
            ext.execute_with(|| apis::call(method, &input)).expect(method)
        };
        let preset =
            call(&mut ext, "GenesisBuilder_get_preset", Some(b"development".to_vec()).encode());
        let preset = Option::<Vec<u8>>::decode(&mut &preset[..]).unwrap().unwrap();
        call(&mut ext, "GenesisBuilder_build_state", preset.encode());
        ext.commit_all();
        let genesis = dfs_runtime_primitives::generic::Header {
            parent_hash: H256::default(),
            number: 0,
            state_root: ext.storage_root(),
            extrinsics_root: dfs_trie::empty_root(),
            digest: Default::default(),
        }
        .hash();
        Mutex::new(Dev { ext, genesis, alice: dev_sr25519("Alice") })
    })
}

fn validate(dev: &mut Dev, xt: &[u8]) {
    let mut input = TransactionSource::External.encode();
    input.extend_from_slice(xt);
    input.extend_from_slice(dev.genesis.as_bytes());
    let output = dev.ext.execute_with(|| {
        dfs_io::storage::start_transaction();
        let output = apis::call("TaggedTransactionQueue_validate_transaction", &input);
        dfs_io::storage::rollback_transaction();
        output
    });
    if let Ok(output) = output {
        let _validity: TransactionValidity =
            Decode::decode(&mut &output[..]).expect("validation answers a validity");
    }
    let mut query = xt.to_vec();
    query.extend_from_slice(&(xt.len() as u32).encode());
    let _ = dev.ext.execute_with(|| apis::call("TransactionPaymentApi_query_info", &query));
}

fuzz_target!(|data: &[u8]| {
    let mut dev = dev().lock().unwrap_or_else(|p| p.into_inner());
    // As sent: a length-prefixed extrinsic, or whatever the bytes are.
    let _ = dfs_runtime::UncheckedExtrinsic::decode_with_depth_limit(256, &mut &data[..]);
    validate(&mut dev, data);
    validate(&mut dev, &data.encode());
    // As a call //Alice signed: the call's decoding and the extensions are reached.
    let context = signing::SigningContext::for_genesis(dev.genesis);
    let signed = signing::sign(&dev.alice, &context, data, 0, 0);
    validate(&mut dev, &signed);
});
