//! Building a block on a parent through the runtime, as an author does: initialize, apply the
//! inherents, apply extrinsics in chunks, finalize, and compute the state the block leaves.
//! One place for the runtime calls and their order; the block author (with its pool and
//! deadline) and the weight harness (with its measured calls) decide what goes in.

use codec::{Decode, Encode};
use dfs_core::{StateVersion, H256};
use dfs_executor::state::TrieBackend;
use dfs_io::state::{OverlayedChanges, StorageChanges};
use dfs_runtime_primitives::{
    generic::{Block, Digest, DigestItem, Header, OpaqueExtrinsic},
    ApplyExtrinsicResult, InherentData,
};
use dfs_trie::MemoryDB;

use crate::{
    runtime_api::{
        call_in_overlay, ApplyExtrinsics, CoreInitializeBlock, EncodedExtrinsics, FinalizeBlock,
        InherentExtrinsics, RuntimeApiCall,
    },
    Chain, ChainError, ChainResult, StateReader,
};

/// A block being built on a parent's state.
pub struct BlockBuilder<'a> {
    chain: &'a Chain,
    state: TrieBackend<'a>,
    overlay: OverlayedChanges,
    extrinsics: Vec<OpaqueExtrinsic>,
}

/// A block built and executed, its header unsealed.
pub struct BuiltBlock {
    /// The block.
    pub block: Block<OpaqueExtrinsic>,
    /// The storage changes of its execution.
    pub changes: StorageChanges,
    /// The trie nodes its state adds and drops.
    pub nodes: MemoryDB,
}

impl<'a> BlockBuilder<'a> {
    /// Starts the block after `parent`, with the pre-runtime `digest` items (a consensus
    /// engine's slot claim).
    pub fn new(chain: &'a Chain, parent: &Header, digest: Vec<DigestItem>) -> ChainResult<Self> {
        let parent_hash = parent.hash();
        let state = chain.state_at(&parent_hash)?;
        let mut overlay = OverlayedChanges::default();
        let header = Header {
            parent_hash,
            number: parent.number + 1,
            state_root: H256::default(),
            extrinsics_root: H256::default(),
            digest: Digest { logs: digest },
        };
        call_in_overlay::<CoreInitializeBlock>(chain.executor(), &state, &mut overlay, &header)?;
        Ok(BlockBuilder { chain, state, overlay, extrinsics: Vec::new() })
    }

    /// Asks the runtime for the inherents of `data` and applies them; each must apply, or
    /// the block cannot be built.
    pub fn push_inherents(&mut self, data: &InherentData) -> ChainResult<()> {
        let executor = self.chain.executor();
        let inherents =
            call_in_overlay::<InherentExtrinsics>(executor, &self.state, &mut self.overlay, data)?;
        let encodings: Vec<Vec<u8>> = inherents.iter().map(Encode::encode).collect();
        let slices: Vec<&[u8]> = encodings.iter().map(Vec::as_slice).collect();
        let results = self.apply(&slices)?;
        match results.iter().find(|result| !matches!(result, Ok(Ok(())))) {
            Some(failed) => Err(ChainError::Refused(format!("an inherent failed: {failed:?}"))),
            None => Ok(()),
        }
    }

    /// Applies `extrinsics` (encodings, length prefix included) in one runtime call; each
    /// that applies (`Ok` outside, whatever its dispatch's outcome) joins the block. Should
    /// the call fail, none of its changes stay. The results come in the extrinsics' order.
    pub fn apply(&mut self, extrinsics: &[&[u8]]) -> ChainResult<Vec<ApplyExtrinsicResult>> {
        let executor = self.chain.executor();
        self.overlay.start_transaction();
        let results = call_in_overlay::<ApplyExtrinsics>(
            executor,
            &self.state,
            &mut self.overlay,
            &EncodedExtrinsics(extrinsics),
        )
        .and_then(|results| match results.len() == extrinsics.len() {
            true => Ok(results),
            false => Err(ChainError::BadOutput(ApplyExtrinsics::METHOD)),
        })
        .and_then(|results| {
            let mut applied = Vec::new();
            for (bytes, result) in extrinsics.iter().zip(&results) {
                if result.is_ok() {
                    let opaque = OpaqueExtrinsic::decode(&mut &bytes[..])
                        .map_err(|_| ChainError::BadOutput(ApplyExtrinsics::METHOD))?;
                    applied.push(opaque);
                }
            }
            Ok((results, applied))
        });
        match results {
            Ok((results, applied)) => {
                self.overlay.commit_transaction();
                self.extrinsics.extend(applied);
                Ok(results)
            }
            Err(error) => {
                self.overlay.rollback_transaction();
                Err(error)
            }
        }
    }

    /// How many extrinsics the block holds so far, inherents included.
    pub fn len(&self) -> usize {
        self.extrinsics.len()
    }

    /// Whether the block holds no extrinsic yet.
    pub fn is_empty(&self) -> bool {
        self.extrinsics.is_empty()
    }

    /// Finalizes the block: its header from the runtime, its state changes and trie nodes.
    /// The state root computed here must be the one the runtime put in the header.
    pub fn build(mut self) -> ChainResult<BuiltBlock> {
        let executor = self.chain.executor();
        let header =
            call_in_overlay::<FinalizeBlock>(executor, &self.state, &mut self.overlay, &())?;
        let changes = self.overlay.drain_committed();
        let (root, nodes) =
            self.state.commit(&changes, StateVersion::V1).map_err(ChainError::State)?;
        if root != header.state_root {
            return Err(ChainError::Refused(format!(
                "the built state root {root:?} differs from the header's {:?}",
                header.state_root
            )));
        }
        Ok(BuiltBlock { block: Block { header, extrinsics: self.extrinsics }, changes, nodes })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use dfs_core::pair::dev_sr25519;
    use dfs_executor::{Executor, ExecutorConfig};
    use dfs_io::state::InMemoryBackend;
    use dfs_runtime::signing::{sign, transfer_keep_alive, SigningContext};
    use dfs_runtime_primitives::{well_known_keys, TIMESTAMP_INHERENT_IDENTIFIER};

    use super::*;
    use crate::{
        db::{Db, Pruning},
        runtime_api::{GenesisBuildState, GenesisPreset},
        BlockImport, BlockImportParams, BlockOrigin, HeaderReader, ImportOutcome, StateAction,
    };

    /// A development chain in memory.
    fn dev_chain() -> Chain {
        let executor = Arc::new(Executor::new(ExecutorConfig::default()).unwrap());
        let code = dfs_runtime::wasm::WASM_BINARY.unwrap().to_vec();
        let state = InMemoryBackend::new([(well_known_keys::CODE.to_vec(), code)].into());
        let mut overlay = OverlayedChanges::default();
        let development = Some(b"development".to_vec());
        let preset =
            call_in_overlay::<GenesisPreset>(&executor, &state, &mut overlay, &development)
                .unwrap()
                .unwrap();
        call_in_overlay::<GenesisBuildState>(&executor, &state, &mut overlay, &preset)
            .unwrap()
            .unwrap();
        let mut genesis = state.into_entries();
        for (key, value) in overlay.drain_committed() {
            match value {
                Some(value) => genesis.insert(key, value),
                None => genesis.remove(&key),
            };
        }
        let db = Db::open_in_memory(Pruning::Archive).unwrap();
        Chain::open(db, executor, genesis, Default::default()).unwrap()
    }

    fn timestamp(millis: u64) -> InherentData {
        let mut data = InherentData::default();
        data.put(TIMESTAMP_INHERENT_IDENTIFIER, &millis);
        data
    }

    #[test]
    fn a_built_block_holds_what_applied_and_another_node_imports_it() {
        let (author, validator) = (dev_chain(), dev_chain());
        let genesis = author.expect_header(&author.genesis()).unwrap();
        let context = SigningContext::for_genesis(author.genesis());
        let alice = dev_sr25519("Alice");
        let bob = dev_sr25519("Bob").account_id();
        let transfer =
            |nonce| sign(&alice, &context, &transfer_keep_alive(&bob, 1 << 40), nonce, 0);
        let mut builder = BlockBuilder::new(&author, &genesis, Vec::new()).unwrap();
        builder.push_inherents(&timestamp(1_700_000_000_000)).unwrap();
        assert_eq!(builder.len(), 1, "the timestamp");
        // Nonce 0 applies; nonce 0 again is stale and stays out; a length prefix running past
        // the input fails the whole call, which leaves nothing behind.
        let results = builder.apply(&[&transfer(0), &transfer(0)]).unwrap();
        assert!(matches!(results[..], [Ok(Ok(())), Err(_)]), "{results:?}");
        assert!(builder.apply(&[&transfer(1), &[0xfc]]).is_err());
        assert_eq!(builder.len(), 2);
        let results = builder.apply(&[&transfer(1)]).unwrap();
        assert!(matches!(results[..], [Ok(Ok(()))]), "nonce 1 still applies: {results:?}");
        let built = builder.build().unwrap();
        assert_eq!(built.block.extrinsics.len(), 3);
        // A validator executes the block itself and reaches the same state.
        let outcome = validator.import_block(BlockImportParams {
            origin: BlockOrigin::Network,
            header: built.block.header.clone(),
            post_digests: Vec::new(),
            body: built.block.extrinsics,
            justifications: None,
            state: StateAction::Execute,
            finalize: false,
        });
        assert!(matches!(outcome, Ok(ImportOutcome::Imported { .. })), "{outcome:?}");
        assert_eq!(validator.best().hash, built.block.header.hash());
    }
}
