//! A chain in memory, driven only through `dfs_runtime::apis::call`, and transactions
//! built byte by byte the way polkadot.js builds them (COMPAT.md §3).

use codec::{Decode, Encode};
use dfs_core::H256;
use dfs_io::state::TestExternalities;
use dfs_runtime::apis;
use dfs_runtime_primitives::{
    generic::{Digest, Header},
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

pub use dfs_runtime::signing::{
    sign as sign_like_polkadot_js, transfer_allow_death, transfer_keep_alive, SigningContext,
};

/// The signing context of `chain`.
pub fn context_of(chain: &Chain) -> SigningContext {
    SigningContext::for_genesis(chain.genesis_hash)
}
