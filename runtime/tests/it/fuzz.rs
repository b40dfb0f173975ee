//! Random and mutated bytes fed to every decode path: errors, never panics.

use codec::{Decode, Encode};
use dfs_core::pair::dev_sr25519;
use dfs_runtime::{apis, UNIT};

use crate::chain::*;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn vec(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn api_methods() -> Vec<String> {
    apis::api_metadata()
        .iter()
        .flat_map(|api| api.methods.iter().map(move |m| format!("{}_{}", api.name, m.name)))
        .collect()
}

#[test]
fn random_input_to_every_runtime_api() {
    let methods = api_methods();
    assert_eq!(methods.len(), 23);
    let mut random = Bytes(0x9e37_79b9_7f4a_7c15);
    for method in &methods {
        let mut chain = Chain::development();
        chain.start_block(5_000);
        for round in 0..200 {
            let len = (random.next() % 300) as usize;
            let mut input = random.vec(len);
            // Sometimes start from a plausible prefix so decoding gets further.
            if round % 3 == 0 && !input.is_empty() {
                input[0] = (len as u8).wrapping_mul(4);
            }
            let _ = chain.ext.execute_with(|| apis::call(method, &input));
        }
    }
}

#[test]
fn mutated_transactions_never_panic() {
    let mut chain = Chain::development();
    chain.start_block(5_000);
    let context = context_of(&chain);
    let alice = dev_sr25519("Alice");
    let good = sign_like_polkadot_js(
        &alice,
        &context,
        &transfer_keep_alive(&dev_sr25519("Bob").account_id(), UNIT),
        0,
        0,
    );
    let mut random = Bytes(42);
    for _ in 0..2_000 {
        let mut mutated = good.clone();
        for _ in 0..(1 + random.next() % 4) {
            let at = (random.next() as usize) % mutated.len();
            mutated[at] = random.next() as u8;
        }
        if random.next() % 5 == 0 {
            mutated.truncate((random.next() as usize) % mutated.len());
        }
        let _ = chain.ext.execute_with(|| apis::call("BlockBuilder_apply_extrinsic", &mutated));
        let mut args = dfs_runtime_primitives::TransactionSource::External.encode();
        args.extend_from_slice(&mutated);
        args.extend_from_slice(&[0u8; 32]);
        let _ = chain
            .ext
            .execute_with(|| apis::call("TaggedTransactionQueue_validate_transaction", &args));
    }
}

#[test]
fn random_bytes_to_the_chain_types() {
    let mut random = Bytes(7);
    for _ in 0..5_000 {
        let len = (random.next() % 200) as usize;
        let bytes = random.vec(len);
        let _ = dfs_runtime::UncheckedExtrinsic::decode(&mut &bytes[..]);
        let _ = dfs_runtime::RuntimeCall::decode(&mut &bytes[..]);
        let _ = dfs_runtime::Header::decode(&mut &bytes[..]);
        let _ = dfs_runtime::Block::decode(&mut &bytes[..]);
        let _ = dfs_runtime_primitives::generic::Era::decode(&mut &bytes[..]);
        let _ = dfs_runtime_primitives::generic::DigestItem::decode(&mut &bytes[..]);
    }
    // A valid extrinsic still round-trips.
    let call =
        dfs_runtime::RuntimeCall::System(dfs_pallet_system::Call::remark { remark: vec![1, 2] });
    let xt = dfs_runtime::UncheckedExtrinsic::new_unsigned(call);
    assert_eq!(dfs_runtime::UncheckedExtrinsic::decode(&mut &xt.encode()[..]).unwrap(), xt);
}

#[test]
fn unknown_methods_and_trailing_bytes_are_errors() {
    let mut chain = Chain::development();
    let unknown = chain.ext.execute_with(|| apis::call("Core_nonsense", &[]));
    assert_eq!(unknown, Err(apis::ApiError::UnknownMethod));
    let trailing = chain.ext.execute_with(|| apis::call("Core_version", &[0]));
    assert!(matches!(trailing, Err(apis::ApiError::BadInput(_))));
}
