//! The chain as a DFS node keeps it: blocks and states in the database, runtime calls at any
//! kept block, and the import pipeline that every block goes through.
//!
//! # Seams
//!
//! The rest of the node reaches the chain through small traits ([`traits`]), so that
//! consensus engines, sync and the transaction pool can wrap or replace a piece without
//! touching the others:
//!
//! - [`HeaderReader`] and [`BlockReader`]: headers, the best and finalized blocks, bodies,
//!   justifications, routes between blocks.
//! - [`StateReader`]: a block's state, and runtime calls on it ([`runtime_api`] types them).
//! - [`Verifier`]: what a consensus engine checks before a block is executed (its seal, its
//!   slot, its author), turning an [`IncomingBlock`] into [`BlockImportParams`].
//! - [`BlockImport`]: executes and stores a verified block. [`Chain`] is the innermost one;
//!   finality gadgets wrap it.
//! - [`Finalizer`]: makes a block and its ancestors final.
//!
//! [`ImportPipeline`] puts a verifier and a block import together for blocks from outside
//! (a file today, peers later). Its [`ImportError`] says whom a failure blames: the block
//! ([`ImportError::BadBlock`], whoever sent it is at fault) or this node
//! ([`ImportError::Node`]: a disk or executor fault, never held against a block or a peer).
//!
//! # Storage
//!
//! [`db::Db`] keeps headers, bodies, justifications and reference-counted trie nodes in
//! RocksDB columns declared in one list ([`db::columns`]); each block import is one atomic
//! write. [`db::Db::open_in_memory`] gives the same database in memory, for tests.

pub mod chain;
pub mod db;
mod error;
pub mod import;
pub mod metrics;
pub mod runtime_api;
pub mod traits;

pub use chain::Chain;
pub use error::{runtime_failed_on_input, ChainError, ChainResult, ImportError};
pub use import::{
    BlockImportParams, BlockOrigin, ImportOutcome, ImportPipeline, IncomingBlock, StateAction,
};
pub use traits::{BlockImport, BlockReader, Finalizer, HeaderReader, StateReader, Verifier};

use std::sync::Arc;

use dfs_core::H256;
use dfs_runtime_primitives::generic::{BlockNumber, Header};

/// A block on this node's chain, by hash and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockRef {
    /// The block hash.
    pub hash: H256,
    /// The block number.
    pub number: BlockNumber,
}

/// The way from one block to another through their last common ancestor: the blocks that
/// leave the path (`retracted`, newest first) and the blocks that join it (`enacted`,
/// oldest first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeRoute {
    /// Blocks from the start back to (not including) the common ancestor, newest first.
    pub retracted: Vec<BlockRef>,
    /// The last common ancestor.
    pub common: Option<BlockRef>,
    /// Blocks from (not including) the common ancestor up to the end, oldest first.
    pub enacted: Vec<BlockRef>,
}

/// Something that happened to the chain.
#[derive(Debug, Clone)]
pub enum ChainEvent {
    /// A block was imported.
    Imported {
        /// The block.
        block: BlockRef,
        /// Its header.
        header: Arc<Header>,
        /// Where it came from.
        origin: BlockOrigin,
        /// Whether it is the new best block.
        is_best: bool,
        /// When it became best other than as a child of the previous best block: the route
        /// from the previous best block to it (a reorganisation).
        reorg: Option<Arc<TreeRoute>>,
        /// The storage keys it changed.
        changed_keys: Arc<Vec<Vec<u8>>>,
    },
    /// A block became final.
    Finalized {
        /// The block.
        block: BlockRef,
        /// Its header.
        header: Arc<Header>,
    },
}
