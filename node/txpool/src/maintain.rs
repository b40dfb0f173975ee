//! Keeping the pool up to date with the chain, from its events: the block author only asks
//! for ready transactions; it never tells the pool what it included.
//!
//! When the best block changes, the pool walks the route from the block it last caught up
//! with: blocks leaving the best chain (retracted) give their transactions back to the pool,
//! blocks joining it (enacted) take theirs out and meet their tags, and a batch of the
//! remaining transactions is validated again. Finality ends the watchers of included
//! transactions. A lagging event stream only means more blocks on the next route.

use std::{collections::HashSet, sync::Arc};

use dfs_chain::{BlockRef, ChainEvent};
use dfs_core::H256;
use dfs_runtime_primitives::{transaction_validity::TransactionTag, TransactionSource};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::{Pool, PoolError, TxStatus};

/// How many enacted blocks one catch-up looks at: what the pool remembers of included tags.
/// A longer jump (a node that synced many blocks) only catches up with the newest.
const MAX_ENACTED: usize = 64;

/// Keeps `pool` up to date with the chain whose events come from `events`, until the chain
/// is dropped.
pub async fn run(pool: Arc<Pool>, mut events: broadcast::Receiver<ChainEvent>) {
    loop {
        let work: Box<dyn FnOnce(&Pool) + Send> = match events.recv().await {
            Ok(ChainEvent::Imported { is_best: true, .. }) | Err(RecvError::Lagged(_)) => {
                Box::new(|pool: &Pool| pool.catch_up())
            }
            Ok(ChainEvent::Finalized { block, .. }) => {
                Box::new(move |pool: &Pool| pool.finalize_block(block))
            }
            Ok(ChainEvent::Imported { .. }) => continue,
            Err(RecvError::Closed) => return,
        };
        let pool = pool.clone();
        // The work locks the pool and may run the runtime: off the async threads.
        if let Err(error) = tokio::task::spawn_blocking(move || work(&pool)).await {
            tracing::error!(target: "txpool", %error, "pool maintenance failed");
        }
    }
}

impl Pool {
    /// Brings the pool up to date with the chain's best block.
    pub fn catch_up(&self) {
        let (from, to) = (self.maintained(), self.api().best());
        if from.hash == to.hash {
            return;
        }
        match self.api().tree_route(&from.hash, &to.hash) {
            Ok(route) => {
                let mut resubmit = Vec::new();
                for block in &route.retracted {
                    self.retract_block(*block);
                    match self.api().block_body(&block.hash) {
                        Ok(Some(body)) => resubmit.extend(body),
                        Ok(None) => {}
                        Err(error) => {
                            tracing::warn!(target: "txpool", %error, "reading a retracted block")
                        }
                    }
                }
                let skip = route.enacted.len().saturating_sub(MAX_ENACTED);
                let mut parent = match skip.checked_sub(1) {
                    Some(index) => route.enacted[index],
                    None => route.common.unwrap_or(from),
                };
                let mut enacted_txs = HashSet::new();
                for block in &route.enacted[skip..] {
                    let included = self.included_of(*block, parent);
                    enacted_txs.extend(included.iter().map(|(hash, _)| *hash));
                    self.enact_block(*block, &included);
                    parent = *block;
                }
                // What the retracted blocks held and the new chain does not, goes back in.
                resubmit
                    .retain(|tx| !enacted_txs.contains(&H256(dfs_core::hashing::blake2_256(tx))));
                if !resubmit.is_empty() {
                    let count = resubmit.len();
                    let hashes: Vec<H256> =
                        resubmit.iter().map(|tx| H256(dfs_core::hashing::blake2_256(tx))).collect();
                    let submissions = resubmit.into_iter().map(|tx| (tx, None)).collect();
                    let results = self.submit_many(TransactionSource::InBlock, submissions);
                    let back = results.iter().filter(|result| result.is_ok()).count();
                    // Watchers heard `retracted`; those whose transaction did not come back
                    // hear that it is gone, their last status.
                    for (hash, result) in hashes.iter().zip(&results) {
                        let status = match result {
                            Ok(_) | Err(PoolError::AlreadyImported) => continue,
                            Err(PoolError::Invalid(_) | PoolError::Runtime(_)) => TxStatus::Invalid,
                            Err(_) => TxStatus::Dropped,
                        };
                        self.conclude(hash, status);
                    }
                    tracing::debug!(target: "txpool", count, back, "resubmitted retracted transactions");
                }
            }
            Err(error) => {
                tracing::warn!(target: "txpool", %error, "no route to the new best block; the pool only revalidates")
            }
        }
        self.revalidate(to);
        self.set_maintained(to);
    }

    /// The extrinsics of `block` with the tags each provides: known from the pool (held or
    /// recently retired as stale), or, for transactions this pool never held, from
    /// validating them at `parent`.
    fn included_of(&self, block: BlockRef, parent: BlockRef) -> Vec<(H256, Vec<TransactionTag>)> {
        let body = match self.api().block_body(&block.hash) {
            Ok(Some(body)) => body,
            Ok(None) => return Vec::new(),
            Err(error) => {
                tracing::warn!(target: "txpool", %error, ?block, "reading an enacted block");
                return Vec::new();
            }
        };
        let hashes: Vec<H256> =
            body.iter().map(|tx| H256(dfs_core::hashing::blake2_256(tx))).collect();
        let mut tags: Vec<Vec<TransactionTag>> = Vec::with_capacity(body.len());
        let mut unknown = Vec::new();
        for (index, hash) in hashes.iter().enumerate() {
            match self.known_provides(hash) {
                Some(provides) => tags.push(provides),
                None => {
                    tags.push(Vec::new());
                    unknown.push(index);
                }
            }
        }
        if !unknown.is_empty() {
            let txs: Vec<&[u8]> = unknown.iter().map(|i| &body[*i][..]).collect();
            let validities = self.validate(&parent, TransactionSource::InBlock, &txs);
            for (index, validity) in unknown.iter().zip(validities) {
                if let Ok(Ok(valid)) = validity {
                    tags[*index] = valid.provides;
                }
            }
        }
        hashes.into_iter().zip(tags).collect()
    }
}
