//! What goes through the import pipeline: blocks from outside ([`IncomingBlock`]), blocks
//! ready for a [`crate::BlockImport`] ([`BlockImportParams`]) and what an import achieved.
//!
//! A block this node authored skips the verifier: it is imported with its execution's
//! results ([`StateAction::Executed`]), so nothing runs twice.

use dfs_core::H256;
use dfs_io::state::StorageChanges;
use dfs_runtime_primitives::generic::{Block, DigestItem, Header, OpaqueExtrinsic};
use dfs_trie::MemoryDB;

use crate::types::{BlockOrigin, BlockRef};

/// A block from outside, not yet checked.
#[derive(Debug, Clone)]
pub struct IncomingBlock {
    /// The block, sealed as it travels.
    pub block: Block<OpaqueExtrinsic>,
    /// Its justifications, if it came with any.
    pub justifications: Option<Vec<u8>>,
    /// Where it comes from.
    pub origin: BlockOrigin,
}

/// What to do about a block's state.
pub enum StateAction {
    /// Execute the block on its parent's state and check the resulting state root.
    Execute,
    /// The block was executed already (by its author, this node): here is what that gave.
    Executed {
        /// The storage changes.
        changes: StorageChanges,
        /// The trie nodes its state adds and drops.
        nodes: MemoryDB,
    },
}

/// A block ready for [`BlockImport`](crate::traits::BlockImport): its header as the runtime
/// saw it (without the digest items added after execution, such as the author's seal), those
/// items, its body and what to do about its state.
pub struct BlockImportParams {
    /// Where it comes from.
    pub origin: BlockOrigin,
    /// The header the runtime executes: no seal.
    pub header: Header,
    /// Digest items added after execution (the seal), in order.
    pub post_digests: Vec<DigestItem>,
    /// The extrinsics.
    pub body: Vec<OpaqueExtrinsic>,
    /// Finality proofs that came with it.
    pub justifications: Option<Vec<u8>>,
    /// Execute it, or take its execution's results.
    pub state: StateAction,
    /// Make it final on import if it becomes the best block (a single-authority chain).
    pub finalize: bool,
}

impl BlockImportParams {
    /// The header as stored and hashed: post digests included.
    pub fn post_header(&self) -> Header {
        let mut header = self.header.clone();
        header.digest.logs.extend(self.post_digests.iter().cloned());
        header
    }

    /// The block's hash.
    pub fn post_hash(&self) -> H256 {
        self.post_header().hash()
    }
}

/// What an import achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The block is now stored.
    Imported {
        /// The block.
        block: BlockRef,
        /// Whether it became the best block.
        is_best: bool,
    },
    /// The block was stored already; nothing changed.
    AlreadyKnown(BlockRef),
}
