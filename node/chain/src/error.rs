//! Why chain operations fail, and whom a failed import blames.

use dfs_core::H256;
use dfs_executor::ExecutorError;
use dfs_runtime_primitives::generic::BlockNumber;

use crate::db::DbError;

/// Why reading the chain or running the runtime failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The runtime failed.
    #[error(transparent)]
    Executor(#[from] ExecutorError),
    /// Reading a kept state failed (a missing or corrupt trie node).
    #[error(transparent)]
    State(#[from] dfs_io::state::BackendError),
    /// No such block here.
    #[error("unknown block {0:?}")]
    UnknownBlock(H256),
    /// The block's state is no longer kept (pruned).
    #[error("the state of block {0:?} is not available (pruned); run with --state-pruning archive to keep every state")]
    StatePruned(H256),
    /// The runtime's output did not decode as the API's result type.
    #[error("the runtime's `{0}` returned undecodable output")]
    BadOutput(&'static str),
    /// An operation the chain refuses (e.g. finalizing a block off the best chain).
    #[error("{0}")]
    Refused(String),
}

/// A `Result` with [`ChainError`].
pub type ChainResult<T> = Result<T, ChainError>;

/// Why a block was not imported, and whom that blames.
///
/// Only [`ImportError::BadBlock`] is the block's fault: whoever produced or relayed it may
/// be penalised. A failure of this node (its disk, its executor running out of time or
/// memory, its own state) is [`ImportError::Node`] and never held against the block.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The block is invalid: a bad seal, a wrong author, a number that does not follow its
    /// parent, an execution that fails or gives another state root.
    #[error("invalid block #{number} ({hash:?}): {reason}")]
    BadBlock {
        /// Its number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// Why.
        reason: String,
    },
    /// The block's parent is not known here: not the block's fault (its ancestors must be
    /// fetched first).
    #[error("block #{number} ({hash:?}) has an unknown parent {parent:?}")]
    UnknownParent {
        /// Its number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// The parent it names.
        parent: H256,
    },
    /// The block does not extend the finalized chain: nothing final is ever reverted. Not
    /// necessarily malicious (an old fork), so it blames nobody.
    #[error("block #{number} ({hash:?}) does not extend the finalized chain: {reason}")]
    Stale {
        /// Its number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// Why.
        reason: String,
    },
    /// This node failed while importing (database, executor resources, its own state).
    #[error("importing block #{number} ({hash:?}) failed on this node: {source}")]
    Node {
        /// Its number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// What failed.
        source: ChainError,
    },
}

impl ImportError {
    /// Whether the block itself is at fault (and so whoever sent it).
    pub fn blames_block(&self) -> bool {
        matches!(self, ImportError::BadBlock { .. })
    }
}

/// Whether a runtime failure is the fault of what the runtime was given (a block, a
/// transaction): it trapped on it (a failed check panics) or returned garbage. Running out
/// of time or memory depends on this node's load and limits (see
/// [`runtime_exhausted_budget`]), and a missing state node, a runtime that does not load or
/// an instance that cannot be had are this node's trouble.
pub fn runtime_failed_on_input(error: &ExecutorError) -> bool {
    match error {
        ExecutorError::Trap { .. } | ExecutorError::InvalidOutput(_) => true,
        ExecutorError::InvalidCode(_)
        | ExecutorError::MethodNotFound(_)
        | ExecutorError::Timeout(_)
        | ExecutorError::OutOfMemory(_)
        | ExecutorError::Backend(_)
        | ExecutorError::Instantiation { .. } => false,
    }
}

/// Whether the runtime ran out of this node's time or memory budget for the call. To a block
/// author that is the transaction's fault: it includes nothing its own budget cannot run. To
/// an importer it is not the block's: another node's budget may differ, and a slow or loaded
/// node must not blame its peers for its own limits.
pub fn runtime_exhausted_budget(error: &ExecutorError) -> bool {
    matches!(error, ExecutorError::Timeout(_) | ExecutorError::OutOfMemory(_))
}
