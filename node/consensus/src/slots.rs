//! The slot worker: time is cut into slots, and in each slot whose turn is ours the worker
//! builds a block on the best block, seals it and imports it.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use dfs_chain::{
    runtime_api::AuraAuthorities, BlockImport, BlockImportParams, BlockOrigin, BlockRef, Chain,
    Finalizer, HeaderReader, ImportOutcome, StateAction, StateReader,
};
use dfs_core::pair::Sr25519Pair;
use dfs_txpool::Pool;

use crate::{
    aura::{pre_digest, seal, slot_author, slot_of},
    metrics::ConsensusMetrics,
    proposer::propose,
    ConsensusError,
};

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

/// How long, at most, the author waits for the pool to catch up with the block it builds
/// on, as a share of the slot: a pool that lags (a huge block to digest) costs a few
/// transactions, never the slot.
const POOL_WAIT_SHARE: u32 = 12;

/// Authors blocks in our slots for as long as the node runs. A slot that fails is logged
/// and the next one tried: authoring gives up only with the process.
pub async fn run(
    chain: Arc<Chain>,
    pool: Arc<Pool>,
    config: AuthorConfig,
    metrics: ConsensusMetrics,
) {
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
        let parent = chain.best();
        if !pool.wait_maintained(&parent.hash, config.slot / POOL_WAIT_SHARE).await {
            tracing::warn!(
                target: "authoring",
                "the pool has not caught up with #{} yet: building from what it holds",
                parent.number
            );
        }
        let (task_chain, task_pool, task_config, task_metrics) =
            (chain.clone(), pool.clone(), config.clone(), metrics.clone());
        let outcome = tokio::task::spawn_blocking(move || {
            author_slot(
                &task_chain,
                &task_pool,
                &task_config,
                &task_metrics,
                parent,
                slot,
                slot * slot_ms,
                deadline,
            )
        })
        .await;
        match outcome {
            Ok(Ok(Some(block))) if config.finalize_own => {
                let chain = chain.clone();
                let delay = config.slot / 3;
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    // Finalizing waits for the import lock and writes (and prunes) the
                    // database: off the async threads.
                    let finalized =
                        tokio::task::spawn_blocking(move || chain.finalize(&block.hash, None));
                    match finalized.await {
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => {
                            tracing::error!(target: "authoring", %error, "finalizing an own block failed")
                        }
                        Err(error) => {
                            tracing::error!(target: "authoring", %error, "finalizing an own block died")
                        }
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

/// Builds, seals and imports the block of `slot` on `parent` if the slot is ours. Returns
/// the block, or `None` when the slot belongs to another authority.
#[allow(clippy::too_many_arguments)]
pub fn author_slot(
    chain: &Chain,
    pool: &Pool,
    config: &AuthorConfig,
    metrics: &ConsensusMetrics,
    parent: BlockRef,
    slot: u64,
    timestamp: u64,
    deadline: Instant,
) -> Result<Option<BlockRef>, ConsensusError> {
    let authorities = chain.runtime_api::<AuraAuthorities>(&parent.hash, &())?;
    let ours = config.key.account_id();
    if !authorities.contains(&ours) {
        tracing::debug!(target: "authoring", "not an authority: not authoring");
        return Ok(None);
    }
    if slot_author(slot, &authorities) != Some(&ours) {
        return Ok(None);
    }
    let parent_header = chain.expect_header(&parent.hash)?;
    if let Some(parent_slot) = slot_of(&parent_header) {
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
    let proposal =
        propose(chain, pool, &parent_header, vec![pre_digest(slot)], timestamp, deadline)?;
    let header = proposal.block.header;
    let seal = seal(&header, &config.key);
    let count = proposal.block.extrinsics.len();
    metrics.observe_proposal(started.elapsed(), count);
    let params = BlockImportParams {
        origin: BlockOrigin::Own,
        header,
        post_digests: vec![seal],
        body: proposal.block.extrinsics,
        justifications: None,
        state: StateAction::Executed { changes: proposal.changes, nodes: proposal.nodes },
        finalize: false,
    };
    let hash = params.post_hash();
    let number = params.header.number;
    tracing::info!(
        target: "authoring",
        "🎁 Prepared block for proposing at {number} ({} ms) hash: {hash}; extrinsics ({count}), skipped {}, invalid {}",
        started.elapsed().as_millis(),
        proposal.skipped,
        proposal.invalid,
    );
    match chain.import_block(params)? {
        ImportOutcome::Imported { block, .. } | ImportOutcome::AlreadyKnown(block) => {
            Ok(Some(block))
        }
    }
}
