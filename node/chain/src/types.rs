//! The chain's shared types: block references and origins, routes between blocks, chain
//! events.

use std::sync::Arc;

use dfs_core::H256;
use dfs_runtime_primitives::generic::{BlockNumber, Header};

/// Where a block comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOrigin {
    /// Authored by this node.
    Own,
    /// Read from a file (`import-blocks`).
    File,
    /// Received from a peer.
    Network,
}

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
