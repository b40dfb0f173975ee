//! Block authoring by slots (Aura-style).
//!
//! Time is cut into slots; in each slot whose turn is ours (`slot % authorities ==` our
//! index), the author builds a block on the best block: the slot goes into an `aura`
//! pre-runtime digest, the timestamp inherent comes first, then ready pool transactions,
//! best first, until the runtime reports the block full or the time budget runs out. The
//! header is sealed with the author's sr25519 key and imported without executing it again.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use codec::{Decode, Encode};
use dfs_core::{pair::Sr25519Pair, StateVersion, H256};
use dfs_executor::ExecutorError;
use dfs_io::state::OverlayedChanges;
use dfs_runtime_primitives::{
    generic::{Block, Digest, DigestItem, Header, OpaqueExtrinsic},
    ApplyExtrinsicResult, InherentData, InvalidTransaction, TransactionValidityError,
};

use crate::{
    chain::{seal, BlockRef, BuiltBlock, Chain, ChainError, ImportSource, AURA_ENGINE_ID},
    txpool::{PoolTx, TxPool},
};

/// How many transactions may fail to fit before the block is closed.
const MAX_SKIPPED_TRANSACTIONS: usize = 8;
/// Pool transactions applied per runtime call: a runtime instance costs about as much as
/// applying a transaction, and a chunk takes ~10 ms, fine steps for the time budget.
const APPLY_CHUNK: usize = 256;
/// The inherent-data identifier of the timestamp.
const TIMESTAMP_INHERENT: [u8; 8] = *b"timstap0";

/// The authoring settings.
pub struct AuthorConfig {
    /// The slot length.
    pub slot: Duration,
    /// The author's key.
    pub key: Sr25519Pair,
    /// Whether to finalize own blocks (a single-authority chain): a third of a slot after
    /// their import, so clients see them in the best chain before they are final, as with
    /// a finality gadget.
    pub finalize_own: bool,
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Authors blocks in our slots until the process ends.
pub async fn run(chain: Arc<Chain>, pool: Arc<TxPool>, config: AuthorConfig) {
    let slot_ms = config.slot.as_millis().max(1) as u64;
    let config = Arc::new(config);
    let mut last_slot = 0;
    loop {
        let now = now_ms();
        let next_slot_start = (now / slot_ms + 1) * slot_ms;
        tokio::time::sleep(Duration::from_millis(next_slot_start - now)).await;
        let slot = now_ms() / slot_ms;
        if slot <= last_slot {
            continue;
        }
        last_slot = slot;
        // Two thirds of the slot for building, the rest for import and propagation.
        let deadline = Instant::now() + config.slot * 2 / 3;
        let (task_chain, task_pool, task_config) = (chain.clone(), pool.clone(), config.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            author_slot(&task_chain, &task_pool, &task_config, slot, slot * slot_ms, deadline)
        })
        .await;
        match outcome {
            Ok(Ok(Some(block))) if config.finalize_own => {
                let chain = chain.clone();
                let delay = config.slot / 3;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    if let Err(error) = chain.finalize(&block.hash) {
                        tracing::error!(target: "authoring", %error, "finalizing an own block failed");
                    }
                });
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::error!(target: "authoring", %error, slot, "authoring failed")
            }
            Err(error) => tracing::error!(target: "authoring", %error, slot, "authoring task died"),
        }
    }
}

/// Builds, seals and imports the block of `slot` if it is ours. Returns the block, or
/// `None` when the slot belongs to another authority.
pub fn author_slot(
    chain: &Chain,
    pool: &TxPool,
    config: &AuthorConfig,
    slot: u64,
    timestamp: u64,
    deadline: Instant,
) -> Result<Option<BlockRef>, ChainError> {
    let parent = chain.best();
    let authorities = chain.authorities(&parent.hash)?;
    let ours = config.key.account_id();
    let Some(index) = authorities.iter().position(|key| *key == ours) else {
        tracing::debug!(target: "authoring", "not an authority: not authoring");
        return Ok(None);
    };
    if slot % authorities.len() as u64 != index as u64 {
        return Ok(None);
    }
    let parent_header = chain.expect_header(&parent.hash)?;
    if let Some(parent_slot) = crate::chain::slot_of(&parent_header) {
        if parent_slot >= slot {
            // A block may only follow its parent's slot: seen after a restart with longer
            // slots than the chain was built with, until wall-clock time catches up.
            tracing::warn!(
                target: "authoring",
                "not authoring in slot {slot}: the best block #{} is from slot {parent_slot}; \
                 was the chain built with a shorter --dev-block-time?",
                parent_header.number
            );
            return Ok(None);
        }
    }
    let started = Instant::now();
    let (built, skipped) = build_block(chain, pool, &parent_header, slot, timestamp, deadline)?;
    let mut block = built.block;
    block.header = seal(block.header, &config.key);
    let hash = block.header.hash();
    let number = block.header.number;
    let count = block.extrinsics.len();
    let included: Vec<H256> = block
        .extrinsics
        .iter()
        .map(|xt| H256(dfs_core::hashing::blake2_256(&xt.encode())))
        .collect();
    crate::metrics::BLOCK_AUTHORING.observe(started.elapsed());
    tracing::info!(
        target: "authoring",
        "🎁 Prepared block for proposing at {number} ({} ms) hash: {hash}; extrinsics ({count}), skipped {skipped}",
        started.elapsed().as_millis()
    );
    chain.import(
        ImportSource::Own(BuiltBlock { block, changes: built.changes, nodes: built.nodes }),
        false,
    )?;
    let this = BlockRef { hash, number };
    pool.on_block_imported(this, &included);
    pool.revalidate(this);
    Ok(Some(this))
}

/// Builds (but does not seal) the block of `slot` on `parent`. Also returns how many ready
/// transactions did not fit.
fn build_block(
    chain: &Chain,
    pool: &TxPool,
    parent: &Header,
    slot: u64,
    timestamp: u64,
    deadline: Instant,
) -> Result<(BuiltBlock, usize), ChainError> {
    let parent_hash = parent.hash();
    let state = chain.state_at(&parent_hash)?;
    let executor = chain.executor();
    let mut overlay = OverlayedChanges::default();
    let header = Header {
        parent_hash,
        number: parent.number + 1,
        state_root: H256::default(),
        extrinsics_root: H256::default(),
        digest: Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())] },
    };
    executor.call_at(&state, &mut overlay, "Core_initialize_block", &header.encode())?;

    let mut data = InherentData::default();
    data.put(TIMESTAMP_INHERENT, &timestamp);
    let inherents_output = executor.call_at(
        &state,
        &mut overlay,
        "BlockBuilder_inherent_extrinsics",
        &data.encode(),
    )?;
    let inherents = Vec::<OpaqueExtrinsic>::decode(&mut &inherents_output[..])
        .map_err(|_| ChainError::BadOutput("BlockBuilder_inherent_extrinsics"))?;
    let mut extrinsics = Vec::new();
    for inherent in inherents {
        let bytes = inherent.encode();
        let result = apply(chain, &state, &mut overlay, &bytes)?;
        if !matches!(result, Ok(Ok(()))) {
            return Err(ChainError::InvalidBlock {
                number: header.number,
                hash: H256::default(),
                reason: format!("an inherent failed: {result:?}"),
            });
        }
        extrinsics.push(inherent);
    }

    let mut skipped = 0;
    let ready = pool.ready();
    'chunks: for chunk in ready.chunks(APPLY_CHUNK) {
        if Instant::now() >= deadline {
            tracing::debug!(target: "authoring", "time budget spent; closing the block");
            break;
        }
        let results = apply_chunk(chain, &state, &mut overlay, pool, chunk)?;
        for (tx, result) in chunk.iter().zip(results) {
            match result {
                Ok(_dispatch_outcome) => {
                    let opaque = OpaqueExtrinsic::decode(&mut &tx.bytes[..])
                        .map_err(|_| ChainError::BadOutput("pool transaction encoding"))?;
                    extrinsics.push(opaque);
                }
                Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => {
                    skipped += 1;
                }
                // What it waits for was not applied (e.g. replaced): not invalid, not yet.
                Err(TransactionValidityError::Invalid(InvalidTransaction::Future)) => {}
                Err(TransactionValidityError::Invalid(invalid)) => {
                    tracing::debug!(target: "authoring", hash = ?tx.hash, ?invalid, "dropping an invalid transaction");
                    pool.report_invalid(&tx.hash);
                }
                Err(TransactionValidityError::Unknown(_)) => {}
            }
        }
        if skipped >= MAX_SKIPPED_TRANSACTIONS {
            break 'chunks;
        }
    }

    let finalized = executor.call_at(&state, &mut overlay, "BlockBuilder_finalize_block", &[])?;
    let header = Header::decode(&mut &finalized[..])
        .map_err(|_| ChainError::BadOutput("BlockBuilder_finalize_block"))?;
    let changes = overlay.drain_committed();
    let (root, nodes) = state.commit(&changes, StateVersion::V1)?;
    if root != header.state_root {
        return Err(ChainError::InvalidBlock {
            number: header.number,
            hash: header.hash(),
            reason: format!("built state root {root:?} differs from the header's"),
        });
    }
    Ok((BuiltBlock { block: Block { header, extrinsics }, changes, nodes }, skipped))
}

fn apply(
    chain: &Chain,
    state: &dfs_executor::state::TrieBackend<'_>,
    overlay: &mut OverlayedChanges,
    bytes: &[u8],
) -> Result<ApplyExtrinsicResult, ChainError> {
    let output = chain.executor().call_at(state, overlay, "BlockBuilder_apply_extrinsic", bytes)?;
    ApplyExtrinsicResult::decode(&mut &output[..])
        .map_err(|_| ChainError::BadOutput("BlockBuilder_apply_extrinsic"))
}

/// Applies a chunk of pool transactions in one runtime call. Should the call fail (the
/// runtime trapped on one of them), nothing of it stays and the chunk is applied one
/// transaction at a time, so that the culprit is found and dropped and the rest get in.
fn apply_chunk(
    chain: &Chain,
    state: &dfs_executor::state::TrieBackend<'_>,
    overlay: &mut OverlayedChanges,
    pool: &TxPool,
    chunk: &[Arc<PoolTx>],
) -> Result<Vec<ApplyExtrinsicResult>, ChainError> {
    match transactional(overlay, |overlay| apply_many(chain, state, overlay, chunk)) {
        Ok(results) => return Ok(results),
        Err(error) if !runtime_failed_on_input(&error) => return Err(error),
        Err(error) => {
            tracing::warn!(target: "authoring", %error, "applying a chunk of transactions failed; applying them one by one");
        }
    }
    let mut results = Vec::with_capacity(chunk.len());
    for tx in chunk {
        match transactional(overlay, |overlay| apply(chain, state, overlay, &tx.bytes)) {
            Ok(result) => results.push(result),
            Err(error) if !runtime_failed_on_input(&error) => return Err(error),
            Err(error) => {
                tracing::warn!(target: "authoring", hash = ?tx.hash, %error, "dropping a transaction the runtime fails on");
                pool.report_invalid(&tx.hash);
                // Neither included nor reported again below.
                results.push(Err(TransactionValidityError::Unknown(
                    dfs_runtime_primitives::UnknownTransaction::CannotLookup,
                )));
            }
        }
    }
    Ok(results)
}

/// Runs `f` in a storage transaction of `overlay`: its changes stay if it succeeds and are
/// undone if it fails.
fn transactional<T>(
    overlay: &mut OverlayedChanges,
    f: impl FnOnce(&mut OverlayedChanges) -> Result<T, ChainError>,
) -> Result<T, ChainError> {
    overlay.start_transaction();
    let result = f(overlay);
    if result.is_ok() {
        overlay.commit_transaction();
    } else {
        overlay.rollback_transaction();
    }
    result
}

/// Whether `error` is the runtime failing on what it was given (a trap, running out of
/// time or memory, an output it should not produce), rather than the node's own trouble
/// (an unreadable state), which no choice of transactions avoids.
fn runtime_failed_on_input(error: &ChainError) -> bool {
    matches!(
        error,
        ChainError::BadOutput(_)
            | ChainError::Executor(
                ExecutorError::Trap { .. }
                    | ExecutorError::Timeout(_)
                    | ExecutorError::OutOfMemory(_)
                    | ExecutorError::InvalidOutput(_)
            )
    )
}

/// Applies pool transactions in one runtime call (`DfsBlockBuilder_apply_extrinsics`); each
/// invalid one leaves no trace in `overlay`. The results come in the transactions' order.
fn apply_many(
    chain: &Chain,
    state: &dfs_executor::state::TrieBackend<'_>,
    overlay: &mut OverlayedChanges,
    transactions: &[Arc<PoolTx>],
) -> Result<Vec<ApplyExtrinsicResult>, ChainError> {
    // A SCALE Vec of extrinsics: the count, then each extrinsic's own encoding.
    let mut input = codec::Compact(transactions.len() as u32).encode();
    for tx in transactions {
        input.extend_from_slice(&tx.bytes);
    }
    let output =
        chain.executor().call_at(state, overlay, "DfsBlockBuilder_apply_extrinsics", &input)?;
    let results = Vec::<ApplyExtrinsicResult>::decode(&mut &output[..])
        .map_err(|_| ChainError::BadOutput("DfsBlockBuilder_apply_extrinsics"))?;
    if results.len() != transactions.len() {
        return Err(ChainError::BadOutput("DfsBlockBuilder_apply_extrinsics"));
    }
    Ok(results)
}
