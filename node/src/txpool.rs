//! The transaction pool: transactions waiting for a block.
//!
//! Each submitted transaction is validated by the runtime at the best block (submissions
//! queue up and are validated up to 256 per call, `DfsTransactionQueue_validate_transactions`,
//! which answers for each as `TaggedTransactionQueue_validate_transaction` would), with a
//! priority, the tags it `provides` (e.g. account and nonce) and `requires` (the previous
//! nonce), and a longevity. A transaction whose requirements are all met — on chain or by
//! another ready transaction — is *ready*; otherwise it waits in the *future* queue until
//! they are. Blocks take ready transactions best priority first, never before what they
//! require. Invalid transactions are refused and banned for a while; both queues are
//! bounded by count and bytes. After each block, included transactions leave the pool,
//! those the block made stale or outdated are dropped, and a batch of the rest is
//! re-validated. Watchers (`author_submitAndWatchExtrinsic`) hear every status change.

use std::{
    cmp::Reverse,
    collections::{BTreeSet, BinaryHeap, HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use codec::{Decode, Encode};
use dfs_core::H256;
use dfs_runtime_primitives::{
    generic::BlockNumber, transaction_validity::TransactionTag, InvalidTransaction,
    TransactionSource, TransactionValidity, TransactionValidityError, UnknownTransaction,
};
use tokio::sync::{mpsc, oneshot};

use crate::chain::{BlockRef, Chain, ChainError};

/// How long an invalid transaction stays banned.
const BAN_TIME: Duration = Duration::from_secs(30 * 60);
/// How many pool transactions are re-validated after each block.
const REVALIDATION_BATCH: usize = 256;
/// How many blocks of included tags are remembered to promote future transactions.
const INCLUDED_TAG_MEMORY: BlockNumber = 64;

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
}

impl Default for PoolLimits {
    fn default() -> Self {
        // Substrate's defaults (`--pool-limit`, `--pool-kbytes`).
        PoolLimits {
            ready_count: 8192,
            ready_bytes: 20 * 1024 * 1024,
            future_count: 819,
            future_bytes: 2 * 1024 * 1024,
            max_transaction_bytes: 5 * 1024 * 1024,
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
    /// Its block is final; the last status.
    Finalized(H256),
    /// Replaced by another transaction (the hash) providing the same tags.
    Usurped(H256),
    /// No longer valid.
    Invalid,
}

impl TxStatus {
    /// Whether no status follows this one.
    pub fn is_final(&self) -> bool {
        matches!(self, TxStatus::Finalized(_) | TxStatus::Usurped(_) | TxStatus::Invalid)
    }
}

/// A transaction to submit (its encoding, length prefix included) and where to send its
/// status changes, if anywhere.
pub type Submission = (Vec<u8>, Option<mpsc::UnboundedSender<TxStatus>>);

/// Why the pool refused a transaction; each maps to Substrate's JSON-RPC error code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PoolError {
    /// The runtime says it is invalid (code 1010).
    #[error("Invalid Transaction")]
    Invalid(InvalidTransaction),
    /// The runtime cannot tell (code 1011).
    #[error("Unknown Transaction Validity")]
    Unknown(UnknownTransaction),
    /// It was invalid recently (code 1012).
    #[error("Transaction is temporarily banned")]
    Banned,
    /// It is in the pool already (code 1013).
    #[error("Transaction Already Imported")]
    AlreadyImported,
    /// A transaction providing the same tags pays more (code 1014).
    #[error("Priority is too low: ({old} vs {new})")]
    TooLowPriority {
        /// The priority in the pool.
        old: u64,
        /// The priority submitted.
        new: u64,
    },
    /// The pool is full, or the transaction too large (code 1016).
    #[error("Immediately Dropped")]
    ImmediatelyDropped(String),
    /// The bytes are not an extrinsic, or the runtime call failed.
    #[error("{0}")]
    Runtime(String),
}

impl From<ChainError> for PoolError {
    fn from(error: ChainError) -> Self {
        PoolError::Runtime(error.to_string())
    }
}

/// Submissions waiting for validation, at most: beyond, submitters wait their turn.
const SUBMISSION_BACKLOG: usize = 4_096;
/// Transactions validated per runtime call.
const VALIDATION_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<H256, PoolError>>;

/// The way RPC submissions reach the pool: a validation thread takes whatever has queued
/// up (up to 256) and validates it in one runtime call. Submitters wait without holding a
/// thread, validation keeps to one core (the other one builds blocks), and a transaction
/// costs no runtime instance of its own.
#[derive(Clone)]
pub struct SubmissionQueue {
    sender: mpsc::Sender<(Submission, Reply)>,
}

impl SubmissionQueue {
    /// Starts the validation thread for `pool`; it stops when every handle is dropped.
    pub fn start(pool: Arc<TxPool>) -> std::io::Result<Self> {
        let (sender, mut receiver) = mpsc::channel::<(Submission, Reply)>(SUBMISSION_BACKLOG);
        std::thread::Builder::new().name("dfs-tx-validation".into()).spawn(move || {
            yield_to_block_production();
            while let Some(first) = receiver.blocking_recv() {
                let mut batch = vec![first];
                while batch.len() < VALIDATION_BATCH {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (submissions, replies): (Vec<Submission>, Vec<Reply>) =
                    batch.into_iter().unzip();
                let count = submissions.len();
                let started = Instant::now();
                // A bug must not take submissions down for good: the batch fails, the
                // thread goes on.
                let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    pool.submit_many(submissions)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(target: "txpool", "validating {count} submissions panicked");
                    vec![Err(PoolError::Runtime("validation failed".into())); count]
                });
                for (result, reply) in results.into_iter().zip(replies) {
                    // The submitter may have gone (a closed connection): nothing to tell.
                    let _ = reply.send(result);
                }
                tracing::debug!(
                    target: "txpool",
                    "validated {count} submissions in {} µs",
                    started.elapsed().as_micros()
                );
            }
        })?;
        Ok(SubmissionQueue { sender })
    }

    /// Submits a transaction and waits for the pool's answer.
    pub async fn submit(
        &self,
        bytes: Vec<u8>,
        watch: Option<mpsc::UnboundedSender<TxStatus>>,
    ) -> Result<H256, PoolError> {
        let stopped = || PoolError::Runtime("the transaction pool is shutting down".into());
        let (reply, answer) = oneshot::channel();
        self.sender.send(((bytes, watch), reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Lowers this thread's scheduling priority a little (Linux `nice` 5), so that when the
/// cores are contended, block production wins over taking in more transactions: a full
/// pool can wait, a slot cannot. Best effort: elsewhere, or refused, nothing changes.
fn yield_to_block_production() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id; no memory is shared.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, 5);
    }
}

/// A transaction in the pool.
#[derive(Debug)]
pub struct PoolTx {
    /// Its hash (blake2-256 of its full encoding).
    pub hash: H256,
    /// Its full encoding, length prefix included.
    pub bytes: Vec<u8>,
    priority: u64,
    requires: Vec<TransactionTag>,
    provides: Vec<TransactionTag>,
    valid_till: BlockNumber,
    /// Arrival order, to break priority ties first come first served.
    order: u64,
}

#[derive(Default)]
struct PoolInner {
    txs: HashMap<H256, Arc<PoolTx>>,
    /// Which pool transaction provides each tag.
    providers: HashMap<TransactionTag, H256>,
    /// The transactions waiting for a requirement (the future queue); every other pool
    /// transaction is ready.
    future: HashSet<H256>,
    /// The future transactions by each tag they require, so that a newly ready transaction
    /// promotes exactly those waiting for what it provides.
    dependents: HashMap<TransactionTag, Vec<H256>>,
    /// Tags provided by recently included transactions, with the block number.
    included_tags: HashMap<TransactionTag, BlockNumber>,
    banned: HashMap<H256, Instant>,
    watchers: HashMap<H256, Vec<mpsc::UnboundedSender<TxStatus>>>,
    /// Watched transactions in blocks not yet final: block → transactions.
    awaiting_finality: HashMap<H256, (BlockNumber, Vec<H256>)>,
    ready_bytes: usize,
    future_bytes: usize,
    next_order: u64,
    /// Round-robin cursor for re-validation.
    revalidated_up_to: u64,
}

impl PoolInner {
    fn notify(&mut self, hash: &H256, status: TxStatus) {
        let done = status.is_final();
        if let Some(watchers) = self.watchers.get_mut(hash) {
            watchers.retain(|watcher| watcher.send(status.clone()).is_ok());
        }
        if done || self.watchers.get(hash).is_some_and(Vec::is_empty) {
            self.watchers.remove(hash);
        }
    }

    fn requirement_met(&self, tag: &TransactionTag) -> bool {
        self.included_tags.contains_key(tag)
            || self.providers.get(tag).is_some_and(|hash| self.is_ready(hash))
    }

    /// Whether `hash` is a ready pool transaction.
    fn is_ready(&self, hash: &H256) -> bool {
        self.txs.contains_key(hash) && !self.future.contains(hash)
    }

    fn remove(&mut self, hash: &H256) -> Option<Arc<PoolTx>> {
        let tx = self.txs.remove(hash)?;
        for tag in &tx.provides {
            if self.providers.get(tag) == Some(hash) {
                self.providers.remove(tag);
            }
        }
        if self.future.contains(hash) {
            self.leave_future(&tx);
        } else {
            self.ready_bytes -= tx.bytes.len();
        }
        Some(tx)
    }

    /// Whether every requirement of `tx` is met, on chain or by a ready pool transaction.
    fn is_satisfied(&self, tx: &PoolTx) -> bool {
        tx.requires.iter().all(|tag| self.requirement_met(tag))
    }

    /// Adds `tx` (its readiness as [`PoolInner::is_satisfied`] says). A ready one may be what
    /// future ones wait for: those it unblocks are promoted.
    fn insert(&mut self, tx: PoolTx, ready: bool) {
        if ready {
            self.ready_bytes += tx.bytes.len();
        } else {
            self.future_bytes += tx.bytes.len();
            self.future.insert(tx.hash);
            for tag in &tx.requires {
                self.dependents.entry(tag.clone()).or_default().push(tx.hash);
            }
        }
        for tag in &tx.provides {
            self.providers.insert(tag.clone(), tx.hash);
        }
        let hash = tx.hash;
        let provides = ready.then(|| tx.provides.clone());
        self.txs.insert(hash, Arc::new(tx));
        self.notify(&hash, if ready { TxStatus::Ready } else { TxStatus::Future });
        if let Some(provides) = provides {
            self.promote_from(provides);
        }
    }

    /// Takes `tx` out of the future queue (it was there).
    fn leave_future(&mut self, tx: &PoolTx) {
        self.future.remove(&tx.hash);
        self.future_bytes -= tx.bytes.len();
        for tag in &tx.requires {
            if let Some(waiting) = self.dependents.get_mut(tag) {
                waiting.retain(|hash| *hash != tx.hash);
                if waiting.is_empty() {
                    self.dependents.remove(tag);
                }
            }
        }
    }

    /// Moves future transactions to ready once all their requirements are met, starting
    /// from those waiting for `tags` (newly met), then from what those provide, and so on.
    fn promote_from(&mut self, mut tags: Vec<TransactionTag>) {
        while let Some(tag) = tags.pop() {
            let waiting = self.dependents.get(&tag).cloned().unwrap_or_default();
            for hash in waiting {
                let Some(tx) = self.txs.get(&hash).cloned() else { continue };
                if !self.future.contains(&hash) || !self.is_satisfied(&tx) {
                    continue;
                }
                self.leave_future(&tx);
                self.ready_bytes += tx.bytes.len();
                self.notify(&hash, TxStatus::Ready);
                tags.extend(tx.provides.iter().cloned());
            }
        }
    }

    /// Moves every future transaction whose requirements are met to ready (after a block,
    /// whose included tags may meet any of them).
    fn promote(&mut self) {
        let met: Vec<TransactionTag> =
            self.dependents.keys().filter(|tag| self.requirement_met(tag)).cloned().collect();
        self.promote_from(met);
    }

    fn ready_count(&self) -> usize {
        self.txs.len() - self.future.len()
    }

    fn future_count(&self) -> usize {
        self.future.len()
    }
}

/// The transaction pool.
pub struct TxPool {
    chain: Arc<Chain>,
    limits: PoolLimits,
    inner: Mutex<PoolInner>,
}

impl TxPool {
    /// An empty pool over `chain`.
    pub fn new(chain: Arc<Chain>, limits: PoolLimits) -> Self {
        TxPool { chain, limits, inner: Mutex::new(PoolInner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolInner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many transactions are ready.
    pub fn ready_count(&self) -> usize {
        self.lock().ready_count()
    }

    /// How many transactions wait for a requirement.
    pub fn future_count(&self) -> usize {
        self.lock().future_count()
    }

    /// Whether a pool transaction provides `tag`.
    pub fn provides(&self, tag: &[u8]) -> bool {
        self.lock().providers.contains_key(tag)
    }

    /// Every transaction in the pool, ready ones first (`author_pendingExtrinsics`).
    pub fn pending(&self) -> Vec<Vec<u8>> {
        let inner = self.lock();
        let mut txs: Vec<&Arc<PoolTx>> = inner.txs.values().collect();
        txs.sort_by_key(|tx| (inner.future.contains(&tx.hash), tx.order));
        txs.into_iter().map(|tx| tx.bytes.clone()).collect()
    }

    /// Validates several transactions at `at` in one runtime call
    /// (`DfsTransactionQueue_validate_transactions`), each as
    /// `TaggedTransactionQueue_validate_transaction` would alone.
    fn validate_many(
        &self,
        at: &BlockRef,
        txs: &[&[u8]],
    ) -> Result<Vec<TransactionValidity>, PoolError> {
        let mut input = TransactionSource::External.encode();
        codec::Compact(txs.len() as u32).encode_to(&mut input);
        for tx in txs {
            input.extend_from_slice(tx);
        }
        input.extend_from_slice(at.hash.as_bytes());
        let output =
            self.chain.call(&at.hash, "DfsTransactionQueue_validate_transactions", &input)?;
        let malformed = || PoolError::Runtime("malformed validation results".into());
        let results =
            Vec::<TransactionValidity>::decode(&mut &output[..]).map_err(|_| malformed())?;
        if results.len() != txs.len() {
            return Err(malformed());
        }
        Ok(results)
    }

    /// Submits several transactions, validated together in one runtime call; the results
    /// come in the submissions' order. Transactions depending on one another may come in
    /// the same batch: each is validated against the chain, the pool orders them.
    pub fn submit_many(&self, submissions: Vec<Submission>) -> Vec<Result<H256, PoolError>> {
        let mut results: Vec<Result<H256, PoolError>> = Vec::with_capacity(submissions.len());
        let mut admissible = Vec::new();
        for (index, (bytes, watch)) in submissions.into_iter().enumerate() {
            match self.precheck(&bytes) {
                Ok(hash) => {
                    results.push(Ok(hash));
                    admissible.push((index, hash, bytes, watch));
                }
                Err(error) => results.push(Err(error)),
            }
        }
        if admissible.is_empty() {
            return results;
        }
        let best = self.chain.best();
        let txs: Vec<&[u8]> = admissible.iter().map(|(_, _, bytes, _)| &bytes[..]).collect();
        match self.validate_many(&best, &txs) {
            Ok(validities) => {
                for ((index, hash, bytes, watch), validity) in
                    admissible.into_iter().zip(validities)
                {
                    results[index] = self.admit(hash, bytes, validity, best, watch);
                }
            }
            Err(error) => {
                for (index, ..) in admissible {
                    results[index] = Err(error.clone());
                }
            }
        }
        results
    }

    /// The checks before validation: size, encoding, not already in the pool, not banned.
    /// Returns the transaction's hash.
    fn precheck(&self, bytes: &[u8]) -> Result<H256, PoolError> {
        if bytes.len() > self.limits.max_transaction_bytes {
            return Err(PoolError::ImmediatelyDropped(format!(
                "{} bytes is more than the pool's limit of {}",
                bytes.len(),
                self.limits.max_transaction_bytes
            )));
        }
        // The bytes must be one length-prefixed extrinsic, nothing more.
        let mut input = bytes;
        match Vec::<u8>::decode(&mut input) {
            Ok(_) if input.is_empty() => {}
            _ => {
                return Err(PoolError::Runtime(
                    "the bytes are not one SCALE-encoded extrinsic (length prefix and body)".into(),
                ))
            }
        }
        let hash = H256(dfs_core::hashing::blake2_256(bytes));
        let mut inner = self.lock();
        if inner.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported);
        }
        match inner.banned.get(&hash) {
            Some(until) if *until > Instant::now() => return Err(PoolError::Banned),
            Some(_) => {
                inner.banned.remove(&hash);
            }
            None => {}
        }
        Ok(hash)
    }

    /// Takes a validated transaction into the pool (or bans it, if invalid).
    fn admit(
        &self,
        hash: H256,
        bytes: Vec<u8>,
        validity: TransactionValidity,
        best: BlockRef,
        watch: Option<mpsc::UnboundedSender<TxStatus>>,
    ) -> Result<H256, PoolError> {
        let valid = match validity {
            Ok(valid) => valid,
            Err(TransactionValidityError::Invalid(invalid)) => {
                self.lock().banned.insert(hash, Instant::now() + BAN_TIME);
                return Err(PoolError::Invalid(invalid));
            }
            Err(TransactionValidityError::Unknown(unknown)) => {
                return Err(PoolError::Unknown(unknown))
            }
        };
        let mut inner = self.lock();
        // The same bytes twice in one batch: the second finds the first here.
        if inner.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported);
        }
        // Another transaction providing the same tags (the same account and nonce): keep the
        // better-paying one.
        let rivals: HashSet<H256> =
            valid.provides.iter().filter_map(|tag| inner.providers.get(tag).copied()).collect();
        for rival in &rivals {
            if let Some(existing) = inner.txs.get(rival) {
                if existing.priority >= valid.priority {
                    return Err(PoolError::TooLowPriority {
                        old: existing.priority,
                        new: valid.priority,
                    });
                }
            }
        }
        for rival in rivals {
            inner.remove(&rival);
            inner.notify(&rival, TxStatus::Usurped(hash));
        }
        let tx = PoolTx {
            hash,
            priority: valid.priority,
            requires: valid.requires,
            provides: valid.provides,
            valid_till: best.number.saturating_add(valid.longevity.min(u64::from(u32::MAX)) as u32),
            order: inner.next_order,
            bytes,
        };
        let ready = inner.is_satisfied(&tx);
        let (count, bytes_used, count_limit, bytes_limit) = if ready {
            (
                inner.ready_count(),
                inner.ready_bytes,
                self.limits.ready_count,
                self.limits.ready_bytes,
            )
        } else {
            (
                inner.future_count(),
                inner.future_bytes,
                self.limits.future_count,
                self.limits.future_bytes,
            )
        };
        if count >= count_limit || bytes_used + tx.bytes.len() > bytes_limit {
            return Err(PoolError::ImmediatelyDropped(format!(
                "the {} queue is full",
                if ready { "ready" } else { "future" }
            )));
        }
        inner.next_order += 1;
        if let Some(watch) = watch {
            inner.watchers.entry(hash).or_default().push(watch);
        }
        inner.insert(tx, ready);
        Ok(hash)
    }

    /// Ready transactions in the order a block should take them: highest priority first,
    /// each only after the transactions it requires.
    pub fn ready(&self) -> Vec<Arc<PoolTx>> {
        let inner = self.lock();
        let ready: Vec<&Arc<PoolTx>> =
            inner.txs.values().filter(|tx| !inner.future.contains(&tx.hash)).collect();
        // Requirements among ready transactions; the rest are met on chain.
        let mut waiting: HashMap<H256, usize> = HashMap::new();
        let mut unlocks: HashMap<H256, Vec<H256>> = HashMap::new();
        let mut heap = BinaryHeap::new();
        for tx in &ready {
            let pool_providers: BTreeSet<H256> = tx
                .requires
                .iter()
                .filter(|tag| !inner.included_tags.contains_key(*tag))
                .filter_map(|tag| inner.providers.get(tag).copied())
                .collect();
            if pool_providers.is_empty() {
                heap.push((tx.priority, Reverse(tx.order), tx.hash));
            } else {
                waiting.insert(tx.hash, pool_providers.len());
                for provider in pool_providers {
                    unlocks.entry(provider).or_default().push(tx.hash);
                }
            }
        }
        let mut ordered = Vec::with_capacity(ready.len());
        while let Some((_, _, hash)) = heap.pop() {
            let Some(tx) = inner.txs.get(&hash) else { continue };
            ordered.push(tx.clone());
            for unlocked in unlocks.remove(&hash).unwrap_or_default() {
                if let Some(count) = waiting.get_mut(&unlocked) {
                    *count -= 1;
                    if *count == 0 {
                        waiting.remove(&unlocked);
                        if let Some(next) = inner.txs.get(&unlocked) {
                            heap.push((next.priority, Reverse(next.order), next.hash));
                        }
                    }
                }
            }
        }
        ordered
    }

    /// Removes a transaction the block builder found invalid, and bans it.
    pub fn report_invalid(&self, hash: &H256) {
        let mut inner = self.lock();
        inner.remove(hash);
        inner.banned.insert(*hash, Instant::now() + BAN_TIME);
        inner.notify(hash, TxStatus::Invalid);
    }

    /// Updates the pool for a newly imported best block holding `included`.
    pub fn on_block_imported(&self, block: BlockRef, included: &[H256]) {
        let mut inner = self.lock();
        let mut included_watched = Vec::new();
        for hash in included {
            if let Some(tx) = inner.remove(hash) {
                for tag in &tx.provides {
                    inner.included_tags.insert(tag.clone(), block.number);
                }
            }
            if inner.watchers.contains_key(hash) {
                inner.notify(hash, TxStatus::InBlock(block.hash));
                included_watched.push(*hash);
            }
        }
        if !included_watched.is_empty() {
            inner.awaiting_finality.insert(block.hash, (block.number, included_watched));
        }
        // Transactions providing a tag the block provided are stale; outdated ones expire.
        let stale: Vec<H256> = inner
            .txs
            .values()
            .filter(|tx| {
                tx.valid_till < block.number
                    || tx
                        .provides
                        .iter()
                        .any(|tag| inner.included_tags.get(tag) == Some(&block.number))
            })
            .map(|tx| tx.hash)
            .collect();
        for hash in stale {
            inner.remove(&hash);
            inner.notify(&hash, TxStatus::Invalid);
        }
        let horizon = block.number.saturating_sub(INCLUDED_TAG_MEMORY);
        inner.included_tags.retain(|_, number| *number >= horizon);
        let now = Instant::now();
        inner.banned.retain(|_, until| *until > now);
        inner.promote();
    }

    /// Re-validates a batch of pool transactions at `block`, dropping those now invalid.
    pub fn revalidate(&self, block: BlockRef) {
        let batch: Vec<(H256, Vec<u8>)> = {
            let mut inner = self.lock();
            let cursor = inner.revalidated_up_to;
            let mut candidates: Vec<&Arc<PoolTx>> =
                inner.txs.values().filter(|tx| tx.order >= cursor).collect();
            candidates.sort_by_key(|tx| tx.order);
            candidates.truncate(REVALIDATION_BATCH);
            let batch: Vec<(H256, Vec<u8>)> =
                candidates.iter().map(|tx| (tx.hash, tx.bytes.clone())).collect();
            inner.revalidated_up_to = match candidates.last() {
                Some(last) if batch.len() == REVALIDATION_BATCH => last.order + 1,
                _ => 0,
            };
            batch
        };
        if batch.is_empty() {
            return;
        }
        let txs: Vec<&[u8]> = batch.iter().map(|(_, bytes)| &bytes[..]).collect();
        let validities = match self.validate_many(&block, &txs) {
            Ok(validities) => validities,
            Err(error) => {
                tracing::debug!(target: "txpool", %error, "re-validation failed");
                return;
            }
        };
        let mut inner = self.lock();
        for ((hash, _), validity) in batch.iter().zip(validities) {
            if let Err(TransactionValidityError::Invalid(_)) = validity {
                inner.remove(hash);
                inner.notify(hash, TxStatus::Invalid);
            }
        }
    }

    /// Tells watchers whose transactions are in `block` or its ancestors that they are final.
    pub fn on_block_finalized(&self, block: BlockRef) {
        let mut inner = self.lock();
        let done: Vec<H256> = inner
            .awaiting_finality
            .iter()
            .filter(|(_, (number, _))| *number <= block.number)
            .map(|(hash, _)| *hash)
            .collect();
        for block_hash in done {
            if let Some((_, txs)) = inner.awaiting_finality.remove(&block_hash) {
                for tx in txs {
                    inner.notify(&tx, TxStatus::Finalized(block_hash));
                }
            }
        }
    }
}
