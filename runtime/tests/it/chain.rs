//! A chain in memory, driven only through `dfs_runtime::apis::call`, and transactions
//! built byte by byte the way polkadot.js builds them (COMPAT.md §3).

use codec::{Compact, Decode, Encode};
use dfs_core::{pair::Sr25519Pair, AccountId32, H256};
use dfs_io::state::TestExternalities;
use dfs_runtime::apis;
use dfs_runtime_primitives::{
    generic::{Digest, Era, Header},
    InherentData,
};

/// A chain at some block, with the genesis hash it was built from.
pub struct Chain {
    pub ext: TestExternalities,
    pub genesis_hash: H256,
    pub best: Header,
}

/// Calls a runtime API and decodes its result.
pub fn call<R: Decode>(ext: &mut TestExternalities, method: &str, args: impl Encode) -> R {
    let output = ext
        .execute_with(|| apis::call(method, &args.encode()))
        .unwrap_or_else(|e| panic!("{method}: {e}"));
    R::decode(&mut &output[..]).unwrap_or_else(|e| panic!("{method} output: {e}"))
}

impl Chain {
    /// Genesis from the `development` preset, built through `GenesisBuilder`.
    pub fn development() -> Self {
        let mut ext = TestExternalities::default();
        let preset: Option<Vec<u8>> =
            call(&mut ext, "GenesisBuilder_get_preset", Some(b"development".to_vec()));
        let built: Result<(), String> =
            call(&mut ext, "GenesisBuilder_build_state", preset.unwrap());
        built.unwrap();
        ext.commit_all();
        let genesis = Header {
            parent_hash: H256::zero(),
            number: 0,
            state_root: ext.storage_root(),
            extrinsics_root: dfs_trie::empty_root(),
            digest: Digest::default(),
        };
        Chain { ext, genesis_hash: genesis.hash(), best: genesis }
    }

    /// Starts block `best + 1` and applies its timestamp inherent.
    pub fn start_block(&mut self, now_ms: u64) -> Vec<Vec<u8>> {
        let header = Header {
            parent_hash: self.best.hash(),
            number: self.best.number + 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest: Digest::default(),
        };
        let _: dfs_runtime_primitives::ExtrinsicInclusionMode =
            call(&mut self.ext, "Core_initialize_block", header);
        let mut data = InherentData::default();
        data.put(dfs_pallet_timestamp::INHERENT_IDENTIFIER, &now_ms);
        let inherents: Vec<dfs_runtime::UncheckedExtrinsic> =
            call(&mut self.ext, "BlockBuilder_inherent_extrinsics", data);
        let mut applied = Vec::new();
        for inherent in inherents {
            let bytes = inherent.encode();
            let result: dfs_runtime_primitives::ApplyExtrinsicResult =
                self.ext.execute_with(|| raw_apply(&bytes));
            assert_eq!(result, Ok(Ok(())), "inherent applies");
            applied.push(bytes);
        }
        applied
    }

    /// Applies encoded extrinsic bytes through `BlockBuilder_apply_extrinsic`.
    pub fn apply(&mut self, extrinsic: &[u8]) -> dfs_runtime_primitives::ApplyExtrinsicResult {
        self.ext.execute_with(|| raw_apply(extrinsic))
    }

    /// Finishes the block and makes it the best one.
    pub fn finish_block(&mut self) -> Header {
        let header: Header = call(&mut self.ext, "BlockBuilder_finalize_block", ());
        self.ext.commit_all();
        self.best = header.clone();
        header
    }
}

fn raw_apply(extrinsic: &[u8]) -> dfs_runtime_primitives::ApplyExtrinsicResult {
    // The argument is the extrinsic's own encoding: no extra length prefix.
    let output = apis::call("BlockBuilder_apply_extrinsic", extrinsic).expect("apply_extrinsic");
    Decode::decode(&mut &output[..]).expect("ApplyExtrinsicResult")
}

/// What a wallet signs against.
pub struct SigningContext {
    pub genesis_hash: H256,
    pub spec_version: u32,
    pub transaction_version: u32,
}

impl SigningContext {
    pub fn of(chain: &Chain) -> Self {
        let version = dfs_runtime::version();
        SigningContext {
            genesis_hash: chain.genesis_hash,
            spec_version: version.spec_version,
            transaction_version: version.transaction_version,
        }
    }
}

/// `balances.transferKeepAlive(dest, value)` as call bytes: pallet 5, call 3,
/// `MultiAddress::Id`, compact value.
pub fn transfer_keep_alive(dest: &AccountId32, value: u128) -> Vec<u8> {
    let mut call = vec![5u8, 3, 0];
    call.extend_from_slice(&dest.0);
    call.extend_from_slice(&Compact(value).encode());
    call
}

/// `balances.transferAllowDeath(dest, value)` as call bytes.
pub fn transfer_allow_death(dest: &AccountId32, value: u128) -> Vec<u8> {
    let mut call = transfer_keep_alive(dest, value);
    call[1] = 0;
    call
}

/// Signs `call` as polkadot.js does: the payload is the call, then each extension's value
/// (era, compact nonce, compact tip, metadata-hash mode), then each implicit value (spec and
/// transaction version, genesis hash, birth block hash, no metadata hash); hashed with
/// blake2-256 when longer than 256 bytes. Returns the whole extrinsic, length prefix included.
pub fn sign_like_polkadot_js(
    pair: &Sr25519Pair,
    context: &SigningContext,
    call: &[u8],
    nonce: u32,
    tip: u128,
) -> Vec<u8> {
    let era = Era::Immortal.encode();
    let mut extra = era.clone();
    extra.extend_from_slice(&Compact(nonce).encode());
    extra.extend_from_slice(&Compact(tip).encode());
    extra.push(0); // CheckMetadataHash: mode Disabled

    let mut payload = call.to_vec();
    payload.extend_from_slice(&extra);
    payload.extend_from_slice(&context.spec_version.to_le_bytes());
    payload.extend_from_slice(&context.transaction_version.to_le_bytes());
    payload.extend_from_slice(&context.genesis_hash.0); // CheckGenesis
    payload.extend_from_slice(&context.genesis_hash.0); // CheckMortality: immortal → genesis
    payload.push(0); // CheckMetadataHash: None
    let signature = if payload.len() > 256 {
        pair.sign(&dfs_core::hashing::blake2_256(&payload))
    } else {
        pair.sign(&payload)
    };

    let mut body = vec![0x84, 0x00];
    body.extend_from_slice(&pair.public().0);
    body.push(0x01); // MultiSignature::Sr25519
    body.extend_from_slice(&signature.0);
    body.extend_from_slice(&extra);
    body.extend_from_slice(call);
    let mut extrinsic = Compact(body.len() as u32).encode();
    extrinsic.extend_from_slice(&body);
    extrinsic
}
