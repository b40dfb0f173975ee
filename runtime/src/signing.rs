//! Building signed transactions byte by byte, exactly as polkadot.js does (COMPAT.md §3),
//! for tests, benchmarks and tools that submit transactions without a wallet.

use alloc::vec::Vec;
use codec::{Compact, Encode};
use dfs_core::{hashing::blake2_256, pair::Sr25519Pair, AccountId32, H256};
use dfs_runtime_primitives::generic::Era;

/// What a wallet signs against besides the call: the chain and the runtime version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningContext {
    /// The genesis hash (CheckGenesis).
    pub genesis_hash: H256,
    /// The runtime's spec version (CheckSpecVersion).
    pub spec_version: u32,
    /// The runtime's transaction version (CheckTxVersion).
    pub transaction_version: u32,
}

impl SigningContext {
    /// The context of this runtime on the chain with `genesis_hash`.
    pub fn for_genesis(genesis_hash: H256) -> Self {
        SigningContext {
            genesis_hash,
            spec_version: crate::SPEC_VERSION,
            transaction_version: crate::TRANSACTION_VERSION,
        }
    }
}

/// `balances.transfer_keep_alive(dest, value)`: pallet 5, call 3, `MultiAddress::Id`,
/// compact value.
pub fn transfer_keep_alive(dest: &AccountId32, value: u128) -> Vec<u8> {
    let mut call = alloc::vec![5u8, 3, 0];
    call.extend_from_slice(&dest.0);
    call.extend_from_slice(&Compact(value).encode());
    call
}

/// `balances.transfer_allow_death(dest, value)`: pallet 5, call 0.
pub fn transfer_allow_death(dest: &AccountId32, value: u128) -> Vec<u8> {
    let mut call = transfer_keep_alive(dest, value);
    call[1] = 0;
    call
}

/// An immortal transaction signed with sr25519 (see [`sign_mortal`]).
pub fn sign(
    pair: &Sr25519Pair,
    context: &SigningContext,
    call: &[u8],
    nonce: u32,
    tip: u128,
) -> Vec<u8> {
    sign_mortal(pair, context, call, nonce, tip, Era::Immortal, context.genesis_hash)
}

/// Signs `call` as polkadot.js does. The payload is the call, then each extension's value
/// (era, compact nonce, compact tip, metadata-hash mode `Disabled`), then each implicit
/// value (spec and transaction version, genesis hash, the era's birth block hash, no
/// metadata hash), hashed with blake2-256 when longer than 256 bytes. Returns the whole
/// extrinsic, length prefix included.
pub fn sign_mortal(
    pair: &Sr25519Pair,
    context: &SigningContext,
    call: &[u8],
    nonce: u32,
    tip: u128,
    era: Era,
    birth_hash: H256,
) -> Vec<u8> {
    let mut extra = era.encode();
    extra.extend_from_slice(&Compact(nonce).encode());
    extra.extend_from_slice(&Compact(tip).encode());
    extra.push(0); // CheckMetadataHash: mode Disabled

    let mut payload = call.to_vec();
    payload.extend_from_slice(&extra);
    payload.extend_from_slice(&context.spec_version.to_le_bytes());
    payload.extend_from_slice(&context.transaction_version.to_le_bytes());
    payload.extend_from_slice(&context.genesis_hash.0);
    payload.extend_from_slice(&birth_hash.0);
    payload.push(0); // CheckMetadataHash: no hash
    let signature =
        if payload.len() > 256 { pair.sign(&blake2_256(&payload)) } else { pair.sign(&payload) };

    let mut body = alloc::vec![0x84, 0x00];
    body.extend_from_slice(&pair.public().0);
    body.push(0x01); // MultiSignature::Sr25519
    body.extend_from_slice(&signature.0);
    body.extend_from_slice(&extra);
    body.extend_from_slice(call);
    let mut extrinsic = Compact(body.len() as u32).encode();
    extrinsic.extend_from_slice(&body);
    extrinsic
}
