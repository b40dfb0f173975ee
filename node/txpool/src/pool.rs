//! The pool itself: validated transactions, their dependencies, limits and watchers.

use std::{
    cmp::Reverse,
    collections::{BTreeSet, BinaryHeap, HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use codec::Decode;
use dfs_chain::BlockRef;
use dfs_core::H256;
use dfs_io::bounded::BoundedMap;
use dfs_runtime_primitives::{
    generic::BlockNumber, transaction_validity::TransactionTag, InvalidTransaction,
    TransactionSource, TransactionValidity, TransactionValidityError, ValidTransaction,
};
use tokio::sync::{mpsc, watch};

use crate::{
    api::{ApiError, ChainApi},
    metrics::PoolMetrics,
    PoolError, PoolLimits, TxStatus,
};

/// How long an invalid transaction stays banned.
const BAN_TIME: Duration = Duration::from_secs(30 * 60);
/// How many pool transactions are re-validated after each block.
const REVALIDATION_BATCH: usize = 256;
/// How many blocks of included tags are remembered to promote future transactions.
const INCLUDED_TAG_MEMORY: BlockNumber = 64;
/// How many retired stale transactions' tags are remembered: when the pool then catches up
/// with the block that included them, it knows their tags without the runtime. A block's worth.
const RETIRED_MEMORY: usize = 65_536;
/// Blocks a watched transaction's block may stay unfinalized before its watchers are told
/// `finalityTimeout` and let go (Substrate's figure).
const FINALITY_TIMEOUT_BLOCKS: BlockNumber = 512;
/// Transactions validated per runtime call, at most.
pub(crate) const VALIDATION_BATCH: usize = 256;
/// Bytes of transactions validated per runtime call, at most: a batch of large transactions
/// is split rather than copied into one runtime instance whole.
pub(crate) const VALIDATION_BATCH_BYTES: usize = 4 << 20;

/// A transaction to submit (its encoding, length prefix included) and where to send its
/// status changes, if anywhere.
pub type Submission = (Vec<u8>, Option<mpsc::UnboundedSender<TxStatus>>);

/// A transaction in the pool.
#[derive(Debug, Clone)]
pub struct PoolTx {
    /// Its hash (blake2-256 of its full encoding).
    pub hash: H256,
    /// Its full encoding, length prefix included.
    pub bytes: Vec<u8>,
    /// Its priority: higher goes first and stays longer.
    pub priority: u64,
    /// The tags it needs met first.
    pub requires: Vec<TransactionTag>,
    /// The tags it meets.
    pub provides: Vec<TransactionTag>,
    /// The last block it is valid in.
    pub valid_till: BlockNumber,
    /// Arrival order, to break priority ties first come first served.
    order: u64,
}

impl PoolTx {
    /// Its place in eviction order: lowest priority first, newest first among equals.
    fn rank(&self) -> (u64, Reverse<u64>, H256) {
        (self.priority, Reverse(self.order), self.hash)
    }
}

/// Which queue a transaction sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// Every requirement met: may go into a block.
    Ready,
    /// Waiting for a requirement.
    Future,
}

#[derive(Default)]
struct QueueState {
    /// Eviction order: the worst transaction first.
    ranked: BTreeSet<(u64, Reverse<u64>, H256)>,
    bytes: usize,
}

/// The pool's state: every index kept consistent by the few methods that change it.
struct Inner {
    txs: HashMap<H256, Arc<PoolTx>>,
    /// The queue of each transaction.
    queue_of: HashMap<H256, Queue>,
    ready: QueueState,
    future: QueueState,
    /// Which pool transaction provides each tag.
    providers: HashMap<TransactionTag, H256>,
    /// The pool transactions requiring each tag.
    requirers: HashMap<TransactionTag, HashSet<H256>>,
    /// Tags provided by recently included transactions, with the block number.
    included_tags: HashMap<TransactionTag, BlockNumber>,
    /// The tags each recent block included, to forget them if it is retracted.
    included_by_block: HashMap<H256, (BlockNumber, Vec<TransactionTag>)>,
    banned: BoundedMap<H256, Instant>,
    /// Tags of transactions retired as stale, recently.
    retired: BoundedMap<H256, Vec<TransactionTag>>,
    watchers: HashMap<H256, Vec<mpsc::UnboundedSender<TxStatus>>>,
    /// Watched transactions in blocks not yet final: block → (number, transactions).
    awaiting_finality: HashMap<H256, (BlockNumber, Vec<H256>)>,
    next_order: u64,
    /// Round-robin cursor for re-validation.
    revalidated_up_to: u64,
    /// The queues' bounds: promotion stops at the ready queue's, eviction keeps both.
    limits: PoolLimits,
}

impl Inner {
    fn new(limits: &PoolLimits) -> Self {
        Inner {
            txs: HashMap::new(),
            queue_of: HashMap::new(),
            ready: QueueState::default(),
            future: QueueState::default(),
            providers: HashMap::new(),
            requirers: HashMap::new(),
            included_tags: HashMap::new(),
            included_by_block: HashMap::new(),
            banned: BoundedMap::new(limits.banned_count.max(1)),
            retired: BoundedMap::new(RETIRED_MEMORY),
            watchers: HashMap::new(),
            awaiting_finality: HashMap::new(),
            next_order: 0,
            revalidated_up_to: 0,
            limits: *limits,
        }
    }

    fn queue(&mut self, queue: Queue) -> &mut QueueState {
        match queue {
            Queue::Ready => &mut self.ready,
            Queue::Future => &mut self.future,
        }
    }

    fn count(&self, queue: Queue) -> usize {
        match queue {
            Queue::Ready => self.ready.ranked.len(),
            Queue::Future => self.future.ranked.len(),
        }
    }

    fn bytes(&self, queue: Queue) -> usize {
        match queue {
            Queue::Ready => self.ready.bytes,
            Queue::Future => self.future.bytes,
        }
    }

    fn notify(&mut self, hash: &H256, status: TxStatus) {
        let done = status.is_final();
        if let Some(watchers) = self.watchers.get_mut(hash) {
            watchers.retain(|watcher| watcher.send(status.clone()).is_ok());
        }
        if done || self.watchers.get(hash).is_some_and(Vec::is_empty) {
            self.watchers.remove(hash);
        }
    }

    /// Whether `hash` is banned now (an expired ban stays until a newer one pushes it out:
    /// removing from the bounded map is a scan).
    fn is_banned(&self, hash: &H256) -> bool {
        self.banned.get(hash).is_some_and(|until| *until > Instant::now())
    }

    fn ban(&mut self, hash: H256) {
        self.banned.insert(hash, Instant::now() + BAN_TIME);
    }

    /// Whether `tag` is met: on chain recently, or by a ready pool transaction.
    fn requirement_met(&self, tag: &TransactionTag) -> bool {
        self.included_tags.contains_key(tag)
            || self
                .providers
                .get(tag)
                .is_some_and(|hash| self.queue_of.get(hash) == Some(&Queue::Ready))
    }

    fn is_satisfied(&self, requires: &[TransactionTag]) -> bool {
        requires.iter().all(|tag| self.requirement_met(tag))
    }

    /// Adds `tx` to `queue`, indexing it everywhere.
    fn insert(&mut self, tx: PoolTx, queue: Queue) {
        let hash = tx.hash;
        for tag in &tx.provides {
            self.providers.insert(tag.clone(), hash);
        }
        for tag in &tx.requires {
            self.requirers.entry(tag.clone()).or_default().insert(hash);
        }
        let state = self.queue(queue);
        state.ranked.insert(tx.rank());
        state.bytes += tx.bytes.len();
        self.queue_of.insert(hash, queue);
        self.txs.insert(hash, Arc::new(tx));
    }

    /// Takes one transaction out of every index; its dependents are left as they are.
    fn remove(&mut self, hash: &H256) -> Option<Arc<PoolTx>> {
        let tx = self.txs.remove(hash)?;
        if let Some(queue) = self.queue_of.remove(hash) {
            let state = self.queue(queue);
            state.ranked.remove(&tx.rank());
            state.bytes -= tx.bytes.len();
        }
        for tag in &tx.provides {
            if self.providers.get(tag) == Some(hash) {
                self.providers.remove(tag);
            }
        }
        for tag in &tx.requires {
            if let Some(requirers) = self.requirers.get_mut(tag) {
                requirers.remove(hash);
                if requirers.is_empty() {
                    self.requirers.remove(tag);
                }
            }
        }
        Some(tx)
    }

    /// The transactions that must leave with `roots`: the roots, and every transaction that
    /// requires a tag only they provide (and the chain has not included), transitively.
    fn with_dependents(&self, roots: impl IntoIterator<Item = H256>) -> Vec<H256> {
        let mut gone: HashSet<H256> = HashSet::new();
        let mut order = Vec::new();
        let mut stack: Vec<H256> = roots.into_iter().collect();
        while let Some(hash) = stack.pop() {
            let Some(tx) = self.txs.get(&hash) else { continue };
            if !gone.insert(hash) {
                continue;
            }
            order.push(hash);
            for tag in &tx.provides {
                if self.included_tags.contains_key(tag) || self.providers.get(tag) != Some(&hash) {
                    continue;
                }
                if let Some(requirers) = self.requirers.get(tag) {
                    stack.extend(requirers.iter().filter(|r| !gone.contains(*r)));
                }
            }
        }
        order
    }

    /// Removes `roots` and their dependents; the roots hear `root_status`, the dependents
    /// `dependent_status`. Returns the hashes removed.
    fn remove_with_dependents(
        &mut self,
        roots: &[H256],
        root_status: TxStatus,
        dependent_status: TxStatus,
    ) -> Vec<H256> {
        let doomed = self.with_dependents(roots.iter().copied());
        let roots: HashSet<&H256> = roots.iter().collect();
        for hash in &doomed {
            self.remove(hash);
            let status =
                if roots.contains(hash) { root_status.clone() } else { dependent_status.clone() };
            self.notify(hash, status);
        }
        doomed
    }

    /// Removes transactions the chain has made stale (their tags, an account's nonce, are
    /// used on chain by them or by another transaction): like an inclusion, what they
    /// provide counts as met from block `number` on, so what depends on them stays.
    fn retire_stale(&mut self, hashes: &[H256], number: BlockNumber) {
        let mut met = Vec::new();
        for hash in hashes {
            if let Some(tx) = self.remove(hash) {
                for tag in &tx.provides {
                    self.included_tags.entry(tag.clone()).or_insert(number);
                }
                self.notify(hash, TxStatus::Invalid);
                self.retired.insert(*hash, tx.provides.clone());
                met.extend(tx.provides.iter().cloned());
            }
        }
        // Future transactions waiting on them are ready now.
        self.promote_from(met);
    }

    /// `queue`'s bounds: (transactions, bytes).
    fn limits_of(&self, queue: Queue) -> (usize, usize) {
        match queue {
            Queue::Ready => (self.limits.ready_count, self.limits.ready_bytes),
            Queue::Future => (self.limits.future_count, self.limits.future_bytes),
        }
    }

    /// Whether the ready queue holds one more transaction of `bytes`.
    fn ready_has_room(&self, bytes: usize) -> bool {
        let (count_limit, bytes_limit) = self.limits_of(Queue::Ready);
        self.count(Queue::Ready) < count_limit && self.bytes(Queue::Ready) + bytes <= bytes_limit
    }

    /// Moves future transactions whose requirements are now all met to ready, starting
    /// from those requiring `tags` and following what each promoted one provides, while the
    /// ready queue has room. What finds it full waits in future, requirements met, until a
    /// block frees room and meets its requirement on chain (`promote_all`): promotion never
    /// overfills the ready queue, which would evict the transactions it just made ready with
    /// everything depending on them, leaving an account's later nonces waiting for ever.
    fn promote_from(&mut self, mut tags: Vec<TransactionTag>) {
        while let Some(tag) = tags.pop() {
            let waiting: Vec<H256> = match self.requirers.get(&tag) {
                Some(requirers) => requirers.iter().copied().collect(),
                None => continue,
            };
            for hash in waiting {
                if self.queue_of.get(&hash) != Some(&Queue::Future) {
                    continue;
                }
                let Some(tx) = self.txs.get(&hash).cloned() else { continue };
                if !self.is_satisfied(&tx.requires) || !self.ready_has_room(tx.bytes.len()) {
                    continue;
                }
                self.move_to(&tx, Queue::Ready);
                self.notify(&hash, TxStatus::Ready);
                tags.extend(tx.provides.iter().cloned());
            }
        }
    }

    fn move_to(&mut self, tx: &PoolTx, to: Queue) {
        let Some(from) = self.queue_of.get(&tx.hash).copied() else { return };
        if from == to {
            return;
        }
        let state = self.queue(from);
        state.ranked.remove(&tx.rank());
        state.bytes -= tx.bytes.len();
        let state = self.queue(to);
        state.ranked.insert(tx.rank());
        state.bytes += tx.bytes.len();
        self.queue_of.insert(tx.hash, to);
    }

    /// A future transaction whose fresh validation requires `requires`: if those are all met
    /// (the chain met what it waited for without the pool seeing it), it takes them as its
    /// requirements and becomes ready, with what it unblocks.
    fn refresh_future(&mut self, hash: &H256, requires: Vec<TransactionTag>) {
        if self.queue_of.get(hash) != Some(&Queue::Future) || !self.is_satisfied(&requires) {
            return;
        }
        let Some(tx) = self.remove(hash) else { return };
        let tx = PoolTx { requires, ..PoolTx::clone(&tx) };
        let provides = tx.provides.clone();
        self.insert(tx, Queue::Ready);
        self.notify(hash, TxStatus::Ready);
        self.promote_from(provides);
    }

    /// Moves ready transactions requiring `tags` (no longer met) back to future, following
    /// what each of them provides.
    fn demote_from(&mut self, mut tags: Vec<TransactionTag>) {
        while let Some(tag) = tags.pop() {
            if self.requirement_met(&tag) {
                continue;
            }
            let requiring: Vec<H256> = match self.requirers.get(&tag) {
                Some(requirers) => requirers.iter().copied().collect(),
                None => continue,
            };
            for hash in requiring {
                if self.queue_of.get(&hash) != Some(&Queue::Ready) {
                    continue;
                }
                let Some(tx) = self.txs.get(&hash).cloned() else { continue };
                self.move_to(&tx, Queue::Future);
                self.notify(&hash, TxStatus::Future);
                tags.extend(tx.provides.iter().cloned());
            }
        }
    }

    /// Every future transaction whose requirements are met goes to ready (after a block,
    /// whose included tags may meet any of them).
    fn promote_all(&mut self) {
        let met: Vec<TransactionTag> = self
            .requirers
            .keys()
            .filter(|tag| self.included_tags.contains_key(*tag))
            .cloned()
            .collect();
        self.promote_from(met);
    }

    /// The roots to evict (each with its dependents) from `queue` to keep it within its
    /// limits with `needed` more (transactions, bytes), taking only transactions of lower
    /// priority than `priority` and none in `protected`; `None` if that cannot be done.
    /// `freed` counts what leaves anyway (replaced transactions).
    fn plan_room(
        &self,
        queue: Queue,
        needed: (usize, usize),
        freed: (usize, usize),
        priority: u64,
        protected: &HashSet<H256>,
    ) -> Option<Vec<H256>> {
        let (count_limit, bytes_limit) = self.limits_of(queue);
        let mut count = (self.count(queue) + needed.0).saturating_sub(freed.0);
        let mut bytes = (self.bytes(queue) + needed.1).saturating_sub(freed.1);
        let mut roots = Vec::new();
        let mut leaving: HashSet<H256> = HashSet::new();
        let ranked = match queue {
            Queue::Ready => &self.ready.ranked,
            Queue::Future => &self.future.ranked,
        };
        let mut candidates = ranked.iter();
        while count > count_limit || bytes > bytes_limit {
            let (candidate_priority, _, hash) = candidates.next()?;
            if *candidate_priority >= priority {
                return None;
            }
            if protected.contains(hash) || leaving.contains(hash) {
                continue;
            }
            let doomed = self.with_dependents([*hash]);
            if doomed.iter().any(|gone| protected.contains(gone)) {
                continue;
            }
            for gone in doomed {
                if !leaving.insert(gone) {
                    continue;
                }
                if self.queue_of.get(&gone) == Some(&queue) {
                    if let Some(tx) = self.txs.get(&gone) {
                        count -= 1;
                        bytes -= tx.bytes.len();
                    }
                }
            }
            roots.push(*hash);
        }
        Some(roots)
    }

    /// The pool transactions `requires` depends on, transitively: those a newcomer must
    /// not push out.
    fn ancestors(&self, requires: &[TransactionTag]) -> HashSet<H256> {
        let mut found = HashSet::new();
        let mut tags: Vec<&TransactionTag> = requires.iter().collect();
        while let Some(tag) = tags.pop() {
            if let Some(hash) = self.providers.get(tag) {
                if found.insert(*hash) {
                    if let Some(tx) = self.txs.get(hash) {
                        tags.extend(tx.requires.iter());
                    }
                }
            }
        }
        found
    }

    /// Evicts the worst transactions of each queue beyond its limits, with what depends on
    /// them (after demotions, a revalidation or a retraction moved transactions between
    /// queues); returns what left.
    fn enforce_limits(&mut self) -> Vec<H256> {
        let mut evicted = Vec::new();
        for queue in [Queue::Ready, Queue::Future] {
            let (count_limit, bytes_limit) = self.limits_of(queue);
            while self.count(queue) > count_limit || self.bytes(queue) > bytes_limit {
                let worst = match queue {
                    Queue::Ready => self.ready.ranked.first(),
                    Queue::Future => self.future.ranked.first(),
                };
                let Some(&(_, _, hash)) = worst else { break };
                evicted.extend(self.remove_with_dependents(
                    &[hash],
                    TxStatus::Dropped,
                    TxStatus::Dropped,
                ));
            }
        }
        evicted
    }

    fn forget_included(&mut self, horizon: BlockNumber) {
        self.included_tags.retain(|_, number| *number >= horizon);
        self.included_by_block.retain(|_, (number, _)| *number >= horizon);
    }
}

/// The transaction pool.
pub struct Pool {
    api: Arc<dyn ChainApi>,
    limits: PoolLimits,
    inner: Mutex<Inner>,
    /// The best block the pool was last brought up to date with.
    maintained: watch::Sender<BlockRef>,
    metrics: PoolMetrics,
}

impl Pool {
    /// An empty pool over `api`'s chain, up to date with its best block.
    pub fn new(api: Arc<dyn ChainApi>, limits: PoolLimits, metrics: PoolMetrics) -> Self {
        let (maintained, _) = watch::channel(api.best());
        Pool { inner: Mutex::new(Inner::new(&limits)), api, limits, maintained, metrics }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Poisoned only if a holder panicked, a bug the tests' invariant checks hunt for; the
        // node keeps serving from the pool rather than stopping every caller with it.
        dfs_io::sync::lock(&self.inner)
    }

    /// The chain the pool works over.
    pub fn api(&self) -> &Arc<dyn ChainApi> {
        &self.api
    }

    /// The limits.
    pub fn limits(&self) -> &PoolLimits {
        &self.limits
    }

    /// How many transactions are ready.
    pub fn ready_count(&self) -> usize {
        self.lock().count(Queue::Ready)
    }

    /// How many transactions wait for a requirement.
    pub fn future_count(&self) -> usize {
        self.lock().count(Queue::Future)
    }

    /// Whether a pool transaction provides `tag`.
    pub fn provides(&self, tag: &[u8]) -> bool {
        self.lock().providers.contains_key(tag)
    }

    /// Whether transaction `hash` is in the pool.
    pub fn contains(&self, hash: &H256) -> bool {
        self.lock().txs.contains_key(hash)
    }

    /// The tags transaction `hash` provides, if the pool holds it or recently retired it as
    /// stale.
    pub(crate) fn known_provides(&self, hash: &H256) -> Option<Vec<TransactionTag>> {
        let inner = self.lock();
        match inner.txs.get(hash) {
            Some(tx) => Some(tx.provides.clone()),
            None => inner.retired.get(hash).cloned(),
        }
    }

    /// Pool transactions, ready ones first, each in arrival order, up to `max_count`
    /// transactions and `max_bytes` bytes of encodings; `true` beside them if more were left
    /// out (`author_pendingExtrinsics` answers within the response limit this way).
    pub fn pending(&self, max_count: usize, max_bytes: usize) -> (Vec<Vec<u8>>, bool) {
        let inner = self.lock();
        let mut txs: Vec<&Arc<PoolTx>> = inner.txs.values().collect();
        txs.sort_by_key(|tx| (inner.queue_of.get(&tx.hash) == Some(&Queue::Future), tx.order));
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        for tx in &txs {
            if out.len() == max_count || bytes + tx.bytes.len() > max_bytes {
                return (out, true);
            }
            bytes += tx.bytes.len();
            out.push(tx.bytes.clone());
        }
        (out, false)
    }

    /// Validates several transactions at `at` from `source`, in batches bounded by count and
    /// bytes; a batch the runtime fails on is split until the failing transactions are
    /// found, so one bad transaction never fails the others.
    pub(crate) fn validate(
        &self,
        at: &BlockRef,
        source: TransactionSource,
        txs: &[&[u8]],
    ) -> Vec<Result<TransactionValidity, PoolError>> {
        let mut results = Vec::with_capacity(txs.len());
        // Each counted once here and once when its answer comes (batches split on failure
        // answer at their leaves).
        self.metrics.validations_scheduled(txs.len());
        let mut start = 0;
        while start < txs.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < txs.len()
                && end - start < VALIDATION_BATCH
                && (end == start || bytes + txs[end].len() <= VALIDATION_BATCH_BYTES)
            {
                bytes += txs[end].len();
                end += 1;
            }
            self.validate_batch(at, source, &txs[start..end], &mut results);
            start = end;
        }
        results
    }

    fn validate_batch(
        &self,
        at: &BlockRef,
        source: TransactionSource,
        txs: &[&[u8]],
        results: &mut Vec<Result<TransactionValidity, PoolError>>,
    ) {
        match self.api.validate(at, source, txs) {
            Ok(validities) => results.extend(validities.into_iter().map(Ok)),
            Err(ApiError::Runtime(reason)) if txs.len() == 1 => {
                tracing::debug!(target: "txpool", %reason, "the runtime fails on a transaction");
                results.push(Err(PoolError::Runtime(reason)));
            }
            Err(ApiError::Runtime(_)) => {
                let (left, right) = txs.split_at(txs.len() / 2);
                self.validate_batch(at, source, left, results);
                self.validate_batch(at, source, right, results);
                return;
            }
            Err(ApiError::Chain(reason)) => {
                results.extend(txs.iter().map(|_| Err(PoolError::Unavailable(reason.clone()))));
            }
        }
        self.metrics.validations_finished(txs.len());
    }

    /// Submits several transactions, validated together at the best block; the results
    /// come in the submissions' order. Transactions depending on one another may come in
    /// the same batch: each is validated against the chain, the pool orders them.
    pub fn submit_many(
        &self,
        source: TransactionSource,
        submissions: Vec<Submission>,
    ) -> Vec<Result<H256, PoolError>> {
        let mut results: Vec<Result<H256, PoolError>> = Vec::with_capacity(submissions.len());
        let mut admissible = Vec::new();
        for (index, (bytes, watch)) in submissions.into_iter().enumerate() {
            match self.precheck(source, &bytes) {
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
        let best = self.api.best();
        let txs: Vec<&[u8]> = admissible.iter().map(|(_, _, bytes, _)| &bytes[..]).collect();
        let validities = self.validate(&best, source, &txs);
        for ((index, hash, bytes, watch), validity) in admissible.into_iter().zip(validities) {
            results[index] = match validity {
                Ok(validity) => self.admit(hash, bytes, validity, best, watch),
                Err(PoolError::Runtime(reason)) => {
                    self.lock().ban(hash);
                    Err(PoolError::Runtime(reason))
                }
                Err(error) => Err(error),
            };
        }
        results
    }

    /// The checks before validation: size, encoding, not already in the pool, not banned
    /// (unless it comes back from a retracted block: the chain had it, and it is validated
    /// again anyway). Returns the transaction's hash.
    fn precheck(&self, source: TransactionSource, bytes: &[u8]) -> Result<H256, PoolError> {
        if bytes.len() > self.limits.max_transaction_bytes {
            return Err(PoolError::ImmediatelyDropped(format!(
                "{} bytes is more than the pool's limit of {}",
                bytes.len(),
                self.limits.max_transaction_bytes
            )));
        }
        // The bytes must be one length-prefixed extrinsic, nothing more.
        let mut input = bytes;
        match <Vec<u8>>::decode(&mut input) {
            Ok(_) if input.is_empty() => {}
            _ => {
                return Err(PoolError::Runtime(
                    "the bytes are not one SCALE-encoded extrinsic (length prefix and body)".into(),
                ))
            }
        }
        let hash = H256(dfs_core::hashing::blake2_256(bytes));
        let inner = self.lock();
        if inner.txs.contains_key(&hash) {
            return Err(PoolError::AlreadyImported);
        }
        if source != TransactionSource::InBlock && inner.is_banned(&hash) {
            return Err(PoolError::Banned);
        }
        Ok(hash)
    }

    /// Takes a validated transaction into the pool (or bans it, if invalid): it replaces
    /// transactions providing the same tags if it pays more, and evicts transactions paying
    /// less if its queue is full; nothing changes unless it gets in.
    fn admit(
        &self,
        hash: H256,
        bytes: Vec<u8>,
        validity: TransactionValidity,
        best: BlockRef,
        watch: Option<mpsc::UnboundedSender<TxStatus>>,
    ) -> Result<H256, PoolError> {
        let valid: ValidTransaction = match validity {
            Ok(valid) => valid,
            Err(TransactionValidityError::Invalid(invalid)) => {
                self.lock().ban(hash);
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
        // Transactions providing the same tags (the same account and nonce): the better
        // paying one stays.
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
        let queue = if inner.is_satisfied(&valid.requires) { Queue::Ready } else { Queue::Future };
        // Room: what the replaced transactions free, then what evicting worse ones frees.
        let mut freed = (0, 0);
        for rival in &rivals {
            if inner.queue_of.get(rival) == Some(&queue) {
                if let Some(tx) = inner.txs.get(rival) {
                    freed = (freed.0 + 1, freed.1 + tx.bytes.len());
                }
            }
        }
        let mut protected = inner.ancestors(&valid.requires);
        protected.extend(rivals.iter().copied());
        let evict = inner
            .plan_room(queue, (1, bytes.len()), freed, valid.priority, &protected)
            .ok_or_else(|| {
                PoolError::ImmediatelyDropped(format!(
                    "the {} queue is full of transactions paying as much or more",
                    match queue {
                        Queue::Ready => "ready",
                        Queue::Future => "future",
                    }
                ))
            })?;
        for rival in &rivals {
            inner.remove(rival);
            inner.notify(rival, TxStatus::Usurped(hash));
        }
        if !evict.is_empty() {
            let evicted =
                inner.remove_with_dependents(&evict, TxStatus::Dropped, TxStatus::Dropped);
            tracing::debug!(target: "txpool", ?hash, evicted = evicted.len(), "evicted to make room");
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
        inner.next_order += 1;
        if let Some(watch) = watch {
            inner.watchers.entry(hash).or_default().push(watch);
        }
        let provides = tx.provides.clone();
        inner.insert(tx, queue);
        match queue {
            Queue::Ready => {
                inner.notify(&hash, TxStatus::Ready);
                inner.promote_from(provides);
            }
            Queue::Future => {
                inner.notify(&hash, TxStatus::Future);
                // It took over tags a ready rival provided: what required them waits again.
                inner.demote_from(provides);
            }
        }
        // What it made wait again can overfill the future queue, and the newcomer may be the
        // worst there: then it did not get in after all, and says so (as Substrate does).
        let evicted = inner.enforce_limits();
        self.metrics.set_counts(inner.count(Queue::Ready), inner.count(Queue::Future));
        if evicted.contains(&hash) {
            return Err(PoolError::ImmediatelyDropped(
                "admitting it overfilled its queue, and it paid the least there".into(),
            ));
        }
        Ok(hash)
    }

    /// Ready transactions in the order a block should take them: highest priority first,
    /// each only after the transactions it requires.
    pub fn ready(&self) -> Vec<Arc<PoolTx>> {
        let inner = self.lock();
        let ready: Vec<&Arc<PoolTx>> = inner
            .txs
            .values()
            .filter(|tx| inner.queue_of.get(&tx.hash) == Some(&Queue::Ready))
            .collect();
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

    /// Waits until the pool has been brought up to date with block `at` (the block a new
    /// block is about to be built on), or `timeout` passes.
    pub async fn wait_maintained(&self, at: &H256, timeout: Duration) -> bool {
        let mut maintained = self.maintained.subscribe();
        let reached = maintained.wait_for(|block| block.hash == *at);
        tokio::time::timeout(timeout, reached).await.is_ok_and(|result| result.is_ok())
    }

    /// The best block the pool is up to date with.
    pub fn maintained(&self) -> BlockRef {
        *self.maintained.borrow()
    }

    /// Removes transactions the block builder found invalid (at the block built on
    /// `parent`). A stale one (its nonce already used on chain) leaves alone, as if
    /// included: what depends on it is met on chain. Any other is banned and leaves with
    /// every transaction that depended on it.
    pub fn report_invalid(&self, parent: BlockRef, invalid: &[(H256, InvalidTransaction)]) {
        if invalid.is_empty() {
            return;
        }
        let (mut stale, mut dead) = (Vec::new(), Vec::new());
        for &(hash, reason) in invalid {
            if reason == InvalidTransaction::Stale {
                stale.push(hash);
            } else {
                dead.push(hash);
            }
        }
        let mut inner = self.lock();
        inner.retire_stale(&stale, parent.number);
        let removed = inner.remove_with_dependents(&dead, TxStatus::Invalid, TxStatus::Invalid);
        // Stale ones are not banned: should the block that made them stale be retracted,
        // they come back with its transactions.
        for hash in &dead {
            inner.ban(*hash);
        }
        tracing::debug!(
            target: "txpool",
            stale = stale.len(),
            invalid = dead.len(),
            removed = removed.len(),
            "removed invalid transactions and their dependents"
        );
        self.metrics.set_counts(inner.count(Queue::Ready), inner.count(Queue::Future));
    }

    /// Removes transactions on request (`author_removeExtrinsic`), with their dependents;
    /// returns the hashes removed.
    pub fn remove(&self, hashes: &[H256]) -> Vec<H256> {
        let mut inner = self.lock();
        let removed = inner.remove_with_dependents(hashes, TxStatus::Dropped, TxStatus::Dropped);
        self.metrics.set_counts(inner.count(Queue::Ready), inner.count(Queue::Future));
        removed
    }

    /// Brings the pool up to date with best block `block`, whose extrinsics are `included`:
    /// those leave the pool (their tags now met on chain), transactions providing the same
    /// tags or past their longevity go (expired ones with their dependents), and future
    /// transactions the block unblocked become ready.
    pub(crate) fn enact_block(&self, block: BlockRef, included: &[(H256, Vec<TransactionTag>)]) {
        let mut inner = self.lock();
        let mut included_watched = Vec::new();
        let mut tags_of_block = Vec::new();
        for (hash, tags) in included {
            let provided = match inner.remove(hash) {
                Some(tx) => tx.provides.clone(),
                None => tags.clone(),
            };
            for tag in provided {
                inner.included_tags.insert(tag.clone(), block.number);
                tags_of_block.push(tag);
            }
            if inner.watchers.contains_key(hash) {
                inner.notify(hash, TxStatus::InBlock(block.hash));
                included_watched.push(*hash);
            }
        }
        if !included_watched.is_empty() {
            inner.awaiting_finality.insert(block.hash, (block.number, included_watched));
        }
        // Transactions providing a tag the block provided are stale (their dependents'
        // requirement is met on chain); outdated ones expire with their dependents.
        let stale: Vec<H256> =
            tags_of_block.iter().filter_map(|tag| inner.providers.get(tag).copied()).collect();
        inner.retire_stale(&stale, block.number);
        inner.included_by_block.insert(block.hash, (block.number, tags_of_block));
        let expired: Vec<H256> = inner
            .txs
            .values()
            .filter(|tx| tx.valid_till < block.number)
            .map(|tx| tx.hash)
            .collect();
        if !expired.is_empty() {
            inner.remove_with_dependents(&expired, TxStatus::Invalid, TxStatus::Invalid);
        }
        inner.forget_included(block.number.saturating_sub(INCLUDED_TAG_MEMORY));
        inner.promote_all();
        inner.enforce_limits();
        inner.time_out_finality(block.number.saturating_sub(FINALITY_TIMEOUT_BLOCKS));
        inner.forget_closed_watchers();
        self.metrics.set_counts(inner.count(Queue::Ready), inner.count(Queue::Future));
        self.metrics.set_watchers(inner.watcher_count());
    }

    /// Undoes what `block` (no longer on the best chain) did to the pool: its included tags
    /// are forgotten, ready transactions relying on them wait again, and watchers of its
    /// transactions hear it was retracted. Its transactions are resubmitted by the caller.
    pub(crate) fn retract_block(&self, block: BlockRef) {
        let mut inner = self.lock();
        if let Some((_, tags)) = inner.included_by_block.remove(&block.hash) {
            for tag in &tags {
                if inner.included_tags.get(tag) == Some(&block.number) {
                    inner.included_tags.remove(tag);
                }
            }
            inner.demote_from(tags);
        }
        if let Some((_, watched)) = inner.awaiting_finality.remove(&block.hash) {
            for hash in watched {
                inner.notify(&hash, TxStatus::Retracted(block.hash));
            }
        }
    }

    /// Records that the pool is up to date with `block`.
    pub(crate) fn set_maintained(&self, block: BlockRef) {
        self.maintained.send_replace(block);
    }

    /// Re-validates a batch of pool transactions at `block`: those now invalid leave with
    /// their dependents, stale ones retire, and future ones whose requirements the chain now
    /// meets (when the pool missed the block that met them) become ready.
    pub(crate) fn revalidate(&self, block: BlockRef) {
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
        let validities = self.validate(&block, TransactionSource::External, &txs);
        let (mut stale, mut dead, mut valid) = (Vec::new(), Vec::new(), Vec::new());
        for ((hash, _), validity) in batch.iter().zip(validities) {
            match validity {
                Ok(Ok(fresh)) => valid.push((*hash, fresh.requires)),
                Ok(Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))) => {
                    stale.push(*hash)
                }
                Ok(Err(TransactionValidityError::Invalid(_))) | Err(PoolError::Runtime(_)) => {
                    dead.push(*hash)
                }
                _ => {}
            }
        }
        let mut inner = self.lock();
        inner.retire_stale(&stale, block.number);
        inner.remove_with_dependents(&dead, TxStatus::Invalid, TxStatus::Invalid);
        for (hash, requires) in valid {
            inner.refresh_future(&hash, requires);
        }
        self.metrics.set_counts(inner.count(Queue::Ready), inner.count(Queue::Future));
    }

    /// Tells watchers whose transactions are in `block` or its ancestors that they are
    /// final, and forgets watchers whose clients are gone.
    pub(crate) fn finalize_block(&self, block: BlockRef) {
        let mut inner = self.lock();
        inner.end_finality_watches(block.number, TxStatus::Finalized);
        inner.forget_closed_watchers();
        self.metrics.set_watchers(inner.watcher_count());
    }

    /// How many watchers are registered (closed ones are forgotten after each block).
    pub fn watcher_count(&self) -> usize {
        self.lock().watcher_count()
    }

    /// Tells the watchers of `hash` (a transaction not in the pool) its last status.
    pub(crate) fn conclude(&self, hash: &H256, status: TxStatus) {
        debug_assert!(status.is_final());
        let mut inner = self.lock();
        inner.notify(hash, status);
        self.metrics.set_watchers(inner.watcher_count());
    }

    /// Forgets watchers whose clients are gone.
    pub fn forget_closed_watchers(&self) {
        let mut inner = self.lock();
        inner.forget_closed_watchers();
        self.metrics.set_watchers(inner.watcher_count());
    }

    /// Checks every index against the transactions (for tests): panics naming the first
    /// broken invariant.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn check_invariants(&self) {
        self.lock().check_invariants();
    }
}

impl Inner {
    fn watcher_count(&self) -> usize {
        self.watchers.values().map(Vec::len).sum()
    }

    fn forget_closed_watchers(&mut self) {
        self.watchers.retain(|_, watchers| {
            watchers.retain(|watcher| !watcher.is_closed());
            !watchers.is_empty()
        });
        let watchers = &self.watchers;
        self.awaiting_finality.retain(|_, (_, txs)| {
            txs.retain(|tx| watchers.contains_key(tx));
            !txs.is_empty()
        });
    }

    /// Watchers of transactions in blocks at or below `horizon` still not final hear
    /// `finalityTimeout` and are let go: without finality (several authorities and no
    /// finality gadget yet) they would be kept for ever.
    fn time_out_finality(&mut self, horizon: BlockNumber) {
        self.end_finality_watches(horizon, TxStatus::FinalityTimeout);
    }

    /// Watchers of transactions in blocks numbered `up_to` or lower hear `status` of their
    /// block, their last, and are no longer awaiting finality.
    fn end_finality_watches(&mut self, up_to: BlockNumber, status: fn(H256) -> TxStatus) {
        let ended: Vec<H256> = self
            .awaiting_finality
            .iter()
            .filter(|(_, (number, _))| *number <= up_to)
            .map(|(hash, _)| *hash)
            .collect();
        for block in ended {
            if let Some((_, txs)) = self.awaiting_finality.remove(&block) {
                for tx in txs {
                    self.notify(&tx, status(block));
                }
            }
        }
    }

    #[cfg(any(test, feature = "test-utils"))]
    fn check_invariants(&self) {
        let limits = &self.limits;
        assert_eq!(self.txs.len(), self.queue_of.len(), "every transaction has a queue");
        assert_eq!(
            self.ready.ranked.len() + self.future.ranked.len(),
            self.txs.len(),
            "every transaction is ranked once"
        );
        let mut bytes = (0, 0);
        for (hash, tx) in &self.txs {
            let queue = self.queue_of[hash];
            let ready = queue == Queue::Ready;
            let ranked = if ready { &self.ready.ranked } else { &self.future.ranked };
            assert!(ranked.contains(&tx.rank()), "{hash:?} ranked in its queue");
            if ready {
                bytes.0 += tx.bytes.len();
                assert!(
                    self.is_satisfied(&tx.requires),
                    "ready {hash:?} has every requirement met (no dead transaction stays ready)"
                );
            } else {
                bytes.1 += tx.bytes.len();
            }
            for tag in &tx.provides {
                assert!(self.providers.contains_key(tag), "{hash:?}'s tags have a provider");
            }
            for tag in &tx.requires {
                assert!(self.requirers[tag].contains(hash), "{hash:?} indexed as requirer");
            }
        }
        for (tag, hash) in &self.providers {
            assert!(self.txs[hash].provides.contains(tag), "providers point at providers");
        }
        for (tag, requirers) in &self.requirers {
            for hash in requirers {
                assert!(self.txs[hash].requires.contains(tag), "requirers point at requirers");
            }
        }
        assert_eq!((self.ready.bytes, self.future.bytes), bytes, "byte counts add up");
        assert!(self.ready.ranked.len() <= limits.ready_count, "ready count within its limit");
        assert!(self.ready.bytes <= limits.ready_bytes, "ready bytes within the limit");
        assert!(self.future.ranked.len() <= limits.future_count, "future count within its limit");
        assert!(self.future.bytes <= limits.future_bytes, "future bytes within the limit");
        assert!(self.banned.len() <= limits.banned_count.max(1), "the ban list is bounded");
    }
}
