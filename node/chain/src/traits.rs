//! The chain's seams: what readers, consensus engines, sync and the pool see of it.

use dfs_core::H256;
use dfs_executor::{state::TrieBackend, CallKind};
use dfs_runtime_primitives::generic::{BlockNumber, Header, OpaqueExtrinsic};

use crate::{
    import::{BlockImportParams, ImportOutcome, IncomingBlock},
    runtime_api::RuntimeApiCall,
    BlockRef, ChainError, ChainResult, ImportError, TreeRoute,
};

/// Headers and the chain's pointers.
pub trait HeaderReader: Send + Sync {
    /// The genesis hash.
    fn genesis(&self) -> H256;
    /// The best block.
    fn best(&self) -> BlockRef;
    /// The last finalized block.
    fn finalized(&self) -> BlockRef;
    /// The header of block `hash`, if known.
    fn header(&self, hash: &H256) -> ChainResult<Option<Header>>;
    /// The hash of the best chain's block at `number`, if there is one.
    fn hash_at(&self, number: BlockNumber) -> ChainResult<Option<H256>>;

    /// The header of `hash`, or [`ChainError::UnknownBlock`].
    fn expect_header(&self, hash: &H256) -> ChainResult<Header> {
        self.header(hash)?.ok_or(ChainError::UnknownBlock(*hash))
    }

    /// The route from block `from` to block `to` through their last common ancestor.
    fn tree_route(&self, from: &H256, to: &H256) -> ChainResult<TreeRoute> {
        let mut from_header = self.expect_header(from)?;
        let mut to_header = self.expect_header(to)?;
        let (mut from_hash, mut to_hash) = (*from, *to);
        let mut route = TreeRoute::default();
        while to_header.number > from_header.number {
            route.enacted.push(BlockRef { hash: to_hash, number: to_header.number });
            to_hash = to_header.parent_hash;
            to_header = self.expect_header(&to_hash)?;
        }
        while from_header.number > to_header.number {
            route.retracted.push(BlockRef { hash: from_hash, number: from_header.number });
            from_hash = from_header.parent_hash;
            from_header = self.expect_header(&from_hash)?;
        }
        while from_hash != to_hash {
            if from_header.number == 0 {
                return Err(ChainError::Refused(format!(
                    "{from:?} and {to:?} share no ancestor: they are not on one chain"
                )));
            }
            route.retracted.push(BlockRef { hash: from_hash, number: from_header.number });
            route.enacted.push(BlockRef { hash: to_hash, number: to_header.number });
            from_hash = from_header.parent_hash;
            to_hash = to_header.parent_hash;
            from_header = self.expect_header(&from_hash)?;
            to_header = self.expect_header(&to_hash)?;
        }
        route.common = Some(BlockRef { hash: from_hash, number: from_header.number });
        route.enacted.reverse();
        Ok(route)
    }
}

/// Block bodies and justifications, beside the headers.
pub trait BlockReader: HeaderReader {
    /// The extrinsics of block `hash`, if known.
    fn body(&self, hash: &H256) -> ChainResult<Option<Vec<OpaqueExtrinsic>>>;
    /// The justifications (finality proofs) of block `hash`, if any.
    fn justifications(&self, hash: &H256) -> ChainResult<Option<Vec<u8>>>;
}

/// Block states and runtime calls on them.
pub trait StateReader: Send + Sync {
    /// The state of block `hash`: [`ChainError::StatePruned`] if it is no longer kept.
    fn state_at(&self, hash: &H256) -> ChainResult<TrieBackend<'_>>;

    /// Calls runtime API `method` with SCALE `input` on the state of `at`, as `kind` (block
    /// work or an offchain query, which gets a smaller budget); changes are discarded.
    fn call(&self, at: &H256, method: &str, input: &[u8], kind: CallKind) -> ChainResult<Vec<u8>>;

    /// Calls the typed runtime API `C` at `at` as block work.
    fn runtime_api<C: RuntimeApiCall>(
        &self,
        at: &H256,
        args: &C::Args<'_>,
    ) -> ChainResult<C::Output>
    where
        Self: Sized,
    {
        self.runtime_api_as::<C>(at, args, CallKind::Block)
    }

    /// Calls the typed runtime API `C` at `at` as `kind`.
    fn runtime_api_as<C: RuntimeApiCall>(
        &self,
        at: &H256,
        args: &C::Args<'_>,
        kind: CallKind,
    ) -> ChainResult<C::Output>
    where
        Self: Sized,
    {
        let output = self.call(at, C::METHOD, &codec::Encode::encode(args), kind)?;
        C::decode_output(&output)
    }
}

/// What a consensus engine checks of a block from outside before it is executed.
pub trait Verifier: Send + Sync {
    /// Checks `block` (its seal, slot and author, say) and prepares it for import, or says
    /// why it is refused.
    fn verify(&self, block: IncomingBlock) -> Result<BlockImportParams, ImportError>;
}

/// Executes and stores verified blocks. Finality gadgets and other engines wrap one.
pub trait BlockImport: Send + Sync {
    /// Imports `params`: executes the block unless already executed, checks the result and
    /// stores it in one atomic write.
    fn import_block(&self, params: BlockImportParams) -> Result<ImportOutcome, ImportError>;
}

/// Makes blocks final.
pub trait Finalizer: Send + Sync {
    /// Makes `hash` (a best-chain block) and its ancestors final, storing `justification`
    /// with it if given.
    fn finalize(&self, hash: &H256, justification: Option<Vec<u8>>) -> ChainResult<()>;
}
