//! Building a block: the inherents first, then ready pool transactions, best first, until
//! the runtime reports the block full or the time budget runs out.

use std::{sync::Arc, time::Instant};

use dfs_chain::{
    runtime_exhausted_budget, runtime_failed_on_input, BlockBuilder, BlockRef, Chain, ChainError,
};
use dfs_core::H256;
use dfs_io::state::StorageChanges;
use dfs_runtime_primitives::{
    generic::{Block, DigestItem, Header, OpaqueExtrinsic},
    ApplyExtrinsicResult, InherentData, InvalidTransaction, TransactionValidityError,
    UnknownTransaction, TIMESTAMP_INHERENT_IDENTIFIER,
};
use dfs_trie::MemoryDB;
use dfs_txpool::{Pool, PoolTx};

use crate::ConsensusError;

/// How many transactions may fail to fit before the block is closed.
const MAX_SKIPPED_TRANSACTIONS: usize = 8;
/// Pool transactions applied per runtime call: a runtime instance costs about as much as
/// applying a transaction, and a chunk takes ~10 ms, fine steps for the time budget.
const APPLY_CHUNK: usize = 256;

/// A block built and executed, not yet sealed.
pub struct Proposal {
    /// The block, its header unsealed.
    pub block: Block<OpaqueExtrinsic>,
    /// The storage changes of its execution.
    pub changes: StorageChanges,
    /// The trie nodes its state adds and drops.
    pub nodes: MemoryDB,
    /// Ready transactions that did not fit.
    pub skipped: usize,
    /// Pool transactions found invalid (already reported to the pool).
    pub invalid: usize,
}

/// Builds the block of `slot` on `parent`, with `timestamp` and the pre-runtime `digest`,
/// taking ready transactions from `pool` until `deadline`. Transactions found invalid are
/// reported to the pool, which removes them with their dependents.
pub fn propose(
    chain: &Chain,
    pool: &Pool,
    parent: &Header,
    digest: Vec<DigestItem>,
    timestamp: u64,
    deadline: Instant,
) -> Result<Proposal, ConsensusError> {
    let mut builder = BlockBuilder::new(chain, parent, digest)?;
    let mut data = InherentData::default();
    data.put(TIMESTAMP_INHERENT_IDENTIFIER, &timestamp);
    builder.push_inherents(&data)?;

    let (mut skipped, mut invalid) = (0, Vec::new());
    let ready = pool.ready();
    for chunk in ready.chunks(APPLY_CHUNK) {
        if Instant::now() >= deadline {
            tracing::debug!(target: "authoring", "time budget spent; closing the block");
            break;
        }
        let results = apply_chunk(&mut builder, chunk, &mut invalid)?;
        for (tx, result) in chunk.iter().zip(results) {
            match result {
                Ok(_dispatch_outcome) => {}
                Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => {
                    skipped += 1;
                }
                // What it waits for was not applied (e.g. found invalid): not invalid itself;
                // it leaves with what it depends on, if that was invalid.
                Err(TransactionValidityError::Invalid(InvalidTransaction::Future)) => {}
                Err(TransactionValidityError::Invalid(reason)) => {
                    tracing::debug!(target: "authoring", hash = ?tx.hash, ?reason, "an invalid transaction");
                    invalid.push((tx.hash, reason));
                }
                Err(TransactionValidityError::Unknown(_)) => {}
            }
        }
        if skipped >= MAX_SKIPPED_TRANSACTIONS {
            break;
        }
    }
    pool.report_invalid(BlockRef { hash: parent.hash(), number: parent.number }, &invalid);

    let built = builder.build()?;
    Ok(Proposal {
        block: built.block,
        changes: built.changes,
        nodes: built.nodes,
        skipped,
        invalid: invalid.len(),
    })
}

/// Applies a chunk of pool transactions in one runtime call. Should the call fail (the
/// runtime trapped on one of them), nothing of it stays and the chunk is applied one
/// transaction at a time, so that the culprit is found (added to `invalid`) and the rest
/// get in.
fn apply_chunk(
    builder: &mut BlockBuilder<'_>,
    chunk: &[Arc<PoolTx>],
    invalid: &mut Vec<(H256, InvalidTransaction)>,
) -> Result<Vec<ApplyExtrinsicResult>, ChainError> {
    let encodings: Vec<&[u8]> = chunk.iter().map(|tx| &tx.bytes[..]).collect();
    match builder.apply(&encodings) {
        Ok(results) => return Ok(results),
        Err(error) if !failed_on_input(&error) => return Err(error),
        Err(error) => {
            tracing::warn!(target: "authoring", %error, "applying a chunk of transactions failed; applying them one by one");
        }
    }
    let mut results = Vec::with_capacity(chunk.len());
    for tx in chunk {
        match builder.apply(&[&tx.bytes[..]]) {
            Ok(mut one) => results.push(one.remove(0)),
            Err(error) if !failed_on_input(&error) => return Err(error),
            Err(error) => {
                tracing::warn!(target: "authoring", hash = ?tx.hash, %error, "dropping a transaction the runtime fails on");
                invalid.push((tx.hash, InvalidTransaction::Call));
                // Neither included nor reported again by the caller.
                results
                    .push(Err(TransactionValidityError::Unknown(UnknownTransaction::CannotLookup)));
            }
        }
    }
    Ok(results)
}

/// Whether `error` is the runtime failing on the transactions it was given (a trap, an
/// output it should not produce, or, to the author, running out of its time or memory on
/// them), rather than the node's own trouble (an unreadable state), which no choice of
/// transactions avoids.
fn failed_on_input(error: &ChainError) -> bool {
    match error {
        ChainError::BadOutput(_) => true,
        ChainError::Executor(error) => {
            runtime_failed_on_input(error) || runtime_exhausted_budget(error)
        }
        _ => false,
    }
}
