//! The transaction pool: transactions waiting for a block.
//!
//! Each submitted transaction is validated by the runtime at the best block (submissions
//! queue up and are validated in batches, `DfsTransactionQueue_validate_transactions`,
//! which answers for each as `TaggedTransactionQueue_validate_transaction` would), giving a
//! priority, the tags it `provides` (e.g. account and nonce) and `requires` (the previous
//! nonce), and a longevity. A transaction whose requirements are all met, on chain or by
//! another ready transaction, is *ready*; otherwise it waits in the *future* queue until
//! they are. Blocks take ready transactions best priority first, never before what they
//! require.
//!
//! # Rules that keep the pool honest under attack
//!
//! - Removing a transaction for any reason but its inclusion or staleness (invalid,
//!   expired, evicted, failed at revalidation) removes every transaction that depended on
//!   it, so no dead transaction stays ready: an account that spends its balance in nonce `n`
//!   cannot leave `n+1..n+k` clogging the pool. A stale transaction (its nonce used on
//!   chain, by it or a rival) retires as if included: what depends on it is met on chain.
//! - Both queues are bounded by count and bytes; a full queue evicts its lowest-priority
//!   transactions for a better newcomer (never the newcomer's own ancestors), and refuses
//!   the newcomer otherwise. A replacement (the same tags, a higher priority) checks room
//!   before it removes the transaction it replaces.
//! - Validation runs in batches bounded by count and bytes; a batch the runtime fails on is
//!   split until the failing transaction is found, so it fails alone.
//! - The ban list of invalid transactions is bounded; watchers whose client is gone are
//!   forgotten.
//!
//! # Seams
//!
//! The pool sees the chain through [`ChainApi`] (validate a batch, read a block's body, the
//! best block, routes between blocks); [`FullChainApi`] is the node's chain, and
//! `test_utils` (feature `test-utils`) an in-memory one. It is kept up to date from chain events ([`maintain`]):
//! imported blocks remove what they included, retracted ones give their transactions back,
//! finalized ones finish watchers; the block author only asks for ready transactions.

mod api;
mod error;
pub mod maintain;
pub mod metrics;
mod pool;
mod submission;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;
#[cfg(test)]
mod tests;

pub use api::{ApiError, ChainApi, FullChainApi};
pub use error::PoolError;
pub use pool::{Pool, PoolTx, Submission};
pub use submission::{AdmittedHook, SubmissionQueue};

use dfs_core::H256;

/// Bounds of the pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    /// Most ready transactions.
    pub ready_count: usize,
    /// Most bytes of ready transactions.
    pub ready_bytes: usize,
    /// Most future transactions.
    pub future_count: usize,
    /// Most bytes of future transactions.
    pub future_bytes: usize,
    /// Largest accepted transaction.
    pub max_transaction_bytes: usize,
    /// Most banned transaction hashes remembered (the oldest are forgotten first).
    pub banned_count: usize,
}

impl Default for PoolLimits {
    fn default() -> Self {
        // Substrate's pool defaults; the node's command line (`--pool-limit`,
        // `--pool-kbytes`) sets larger ready queues by default.
        PoolLimits {
            ready_count: 8192,
            ready_bytes: 20 * 1024 * 1024,
            future_count: 819,
            future_bytes: 2 * 1024 * 1024,
            max_transaction_bytes: 5 * 1024 * 1024,
            banned_count: 65_536,
        }
    }
}

/// The life of a watched transaction, as `author_extrinsicUpdate` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxStatus {
    /// Waiting for a requirement.
    Future,
    /// Ready for a block.
    Ready,
    /// Included in a block.
    InBlock(H256),
    /// Its block left the best chain; it is back in the pool or gone.
    Retracted(H256),
    /// Its block is final; the last status.
    Finalized(H256),
    /// Replaced by another transaction (the hash) providing the same tags.
    Usurped(H256),
    /// Its block (the hash) was not finalized within 512 blocks; the last status.
    FinalityTimeout(H256),
    /// Pushed out of a full pool by better-paying transactions.
    Dropped,
    /// No longer valid.
    Invalid,
}

impl TxStatus {
    /// Whether no status follows this one.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TxStatus::Finalized(_)
                | TxStatus::FinalityTimeout(_)
                | TxStatus::Usurped(_)
                | TxStatus::Dropped
                | TxStatus::Invalid
        )
    }
}
