//! A batch of signatures to verify together, as the host keeps it.
//!
//! Verification runs while the block executes: signatures are gathered in chunks, and each
//! full chunk goes to background workers (all cores but the one executing the block) which
//! verify it with schnorrkel's batch verification. Finishing splits the last partial chunk
//! among the workers and the executing thread, which then helps drain what is left. Block
//! import then costs about the larger of execution and verification instead of their sum.

use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Condvar, Mutex, OnceLock,
    },
    thread::JoinHandle,
};

use dfs_core::{ed25519, sr25519};

use crate::bounded::BoundedMap;

/// Signatures per chunk handed to a worker. Batch verification's multi-scalar
/// multiplication costs less per signature the more it holds (measured here: ~8 % less at
/// 1 024 than at 256); the tail left at the end of a block is split among all threads, so a
/// large chunk does not leave the workers idle there.
const CHUNK: usize = 1_024;

/// A tail shorter than this is verified by the executing thread alone: starting or waking a
/// worker would cost more than it saves.
const SHARED_TAIL: usize = 64;

type Sr25519Item = (sr25519::Signature, Vec<u8>, sr25519::Public);

/// Signatures queued during a block's execution.
#[derive(Default)]
pub struct SignatureBatch {
    /// The chunk being filled.
    sr25519: Vec<Sr25519Item>,
    ed25519: Vec<(ed25519::Signature, Vec<u8>, ed25519::Public)>,
    /// How many signatures were queued in all.
    queued: usize,
    /// Started with the first full chunk.
    workers: Option<Workers>,
}

/// Chunks waiting for a worker, and what the workers found.
#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Set when a chunk failed: nobody needs to verify the rest.
    failed: AtomicBool,
}

#[derive(Default)]
struct Queue {
    chunks: VecDeque<Vec<Sr25519Item>>,
    /// No more chunks will come.
    closed: bool,
}

struct Workers {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The queue is a plain list: a panicking holder cannot leave it half-updated.
        crate::sync::lock(&self.queue)
    }

    /// The next chunk, waiting for one unless the queue is closed (then `None` once empty).
    fn next(&self, wait: bool) -> Option<Vec<Sr25519Item>> {
        let mut queue = self.lock();
        loop {
            if let Some(chunk) = queue.chunks.pop_front() {
                return Some(chunk);
            }
            if queue.closed || !wait {
                return None;
            }
            queue = self.wake.wait(queue).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Verifies chunks until none is left (or one failed).
    fn drain(&self, wait: bool) {
        while let Some(chunk) = self.next(wait) {
            if self.failed.load(Ordering::Relaxed) {
                continue;
            }
            if !verify_sr25519_chunk(&chunk) {
                self.failed.store(true, Ordering::Relaxed);
            }
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
    }
}

impl SignatureBatch {
    /// Queues an sr25519 signature.
    pub fn push_sr25519(
        &mut self,
        signature: sr25519::Signature,
        message: Vec<u8>,
        public: sr25519::Public,
    ) {
        self.sr25519.push((signature, message, public));
        self.queued += 1;
        if self.sr25519.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.sr25519, Vec::with_capacity(CHUNK));
            self.hand_off(chunk);
        }
    }

    /// Queues an ed25519 signature.
    pub fn push_ed25519(
        &mut self,
        signature: ed25519::Signature,
        message: Vec<u8>,
        public: ed25519::Public,
    ) {
        self.ed25519.push((signature, message, public));
        self.queued += 1;
    }

    /// How many signatures are queued.
    pub fn len(&self) -> usize {
        self.queued
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hand_off(&mut self, chunk: Vec<Sr25519Item>) {
        let workers = self.workers.get_or_insert_with(Workers::start);
        workers.shared.lock().chunks.push_back(chunk);
        workers.shared.wake.notify_one();
    }

    /// Whether every queued signature is valid.
    pub fn verify(mut self) -> bool {
        let mut last = std::mem::take(&mut self.sr25519);
        let mut valid = true;
        if last.len() >= SHARED_TAIL {
            // One part for each worker and one for this thread, all through the queue: a
            // worker still busy with a chunk leaves its part to whoever is free first.
            let parts = Workers::count() + 1;
            let size = last.len().div_ceil(parts);
            while last.len() > size {
                let part = last.split_off(last.len() - size);
                self.hand_off(part);
            }
            self.hand_off(last);
        } else if !last.is_empty() {
            valid = verify_sr25519_chunk(&last);
        }
        if let Some(workers) = self.workers.take() {
            workers.shared.close();
            // This thread helps with what the workers have not started yet.
            workers.shared.drain(false);
            for thread in workers.threads {
                // A worker that panicked took its chunk's verdict with it: not valid.
                valid &= thread.join().is_ok();
            }
            valid &= !workers.shared.failed.load(Ordering::Relaxed);
        }
        valid
            && self
                .ed25519
                .iter()
                .all(|(signature, message, public)| ed25519::verify(signature, message, public))
    }
}

impl Workers {
    /// How many workers a batch starts.
    fn count() -> usize {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        cores.saturating_sub(1).max(1)
    }

    /// One worker per core but the one executing the block (at least one).
    fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let threads = (0..Self::count())
            .filter_map(|_| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name("dfs-signature-batch".into())
                    .spawn(move || shared.drain(true))
                    .ok()
            })
            .collect();
        Workers { shared, threads }
    }
}

impl Drop for SignatureBatch {
    /// A batch dropped unfinished (the block trapped): the workers stop after their chunk.
    fn drop(&mut self) {
        if let Some(workers) = self.workers.take() {
            workers.shared.failed.store(true, Ordering::Relaxed);
            workers.shared.close();
        }
    }
}

/// Decompressed public keys remembered across batches: how many.
///
/// Decompressing a key (an inverse square root) costs about a third of a signature's share
/// of a batch, and the same accounts sign again and again, block after block. 16 384 keys
/// take about 3 MiB.
const PUBLIC_KEYS: usize = 16_384;

/// The decompressed form of `public`: remembered, or decompressed (and then remembered).
/// `None` for bytes that are not a valid key.
fn public_key(public: &sr25519::Public) -> Option<schnorrkel::PublicKey> {
    static KEYS: OnceLock<Mutex<BoundedMap<[u8; 32], schnorrkel::PublicKey>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| Mutex::new(BoundedMap::new(PUBLIC_KEYS)));
    // Entries are whole keys: a panicking holder cannot leave one half-written.
    let lock = || keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(key) = lock().get(&public.0) {
        return Some(*key);
    }
    let key = schnorrkel::PublicKey::from_bytes(&public.0).ok()?;
    lock().insert(public.0, key);
    Some(key)
}

fn verify_sr25519_chunk(part: &[Sr25519Item]) -> bool {
    let mut transcripts = Vec::with_capacity(part.len());
    let mut signatures = Vec::with_capacity(part.len());
    let mut publics = Vec::with_capacity(part.len());
    let context = schnorrkel::signing_context(sr25519::SIGNING_CONTEXT);
    for (signature, message, public) in part {
        let (Ok(signature), Some(public)) =
            (schnorrkel::Signature::from_bytes(&signature.0), public_key(public))
        else {
            return false;
        };
        transcripts.push(context.bytes(message));
        signatures.push(signature);
        publics.push(public);
    }
    schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfs_core::pair::{dev_sr25519, Ed25519Pair};

    /// A batch of `count` sr25519 signatures, the one at `bad_at` (if any) over another
    /// message than the one queued, then one ed25519 signature, bad if `bad_ed25519`.
    fn batch(count: usize, bad_at: Option<usize>, bad_ed25519: bool) -> SignatureBatch {
        let alice = dev_sr25519("Alice");
        let mut batch = SignatureBatch::default();
        for i in 0..count {
            let message = (i as u32).to_le_bytes().to_vec();
            let signed = if bad_at == Some(i) { b"other".to_vec() } else { message.clone() };
            batch.push_sr25519(alice.sign(&signed), message, alice.public());
        }
        let bob = Ed25519Pair::from_suri("//Bob").unwrap();
        let signed: &[u8] = if bad_ed25519 { b"other" } else { b"x" };
        batch.push_ed25519(bob.sign(signed), b"x".to_vec(), bob.public());
        batch
    }

    #[test]
    fn a_batch_is_valid_only_if_every_signature_is() {
        // Below one chunk (a tail verified here, or shared), exactly chunks, and chunks plus
        // a tail.
        for count in [0, 5, SHARED_TAIL + 1, CHUNK, 3 * CHUNK + 7] {
            let valid = batch(count, None, false);
            assert_eq!(valid.len(), count + 1);
            assert!(valid.verify(), "{count} valid signatures");
            assert!(!batch(count, None, true).verify(), "{count}: a bad ed25519 signature");
            if count > 0 {
                // In the first chunk (a worker's, once there are chunks) and in the tail.
                assert!(!batch(count, Some(0), false).verify(), "{count}: bad first");
                assert!(!batch(count, Some(count - 1), false).verify(), "{count}: bad last");
            }
        }
    }

    #[test]
    fn an_abandoned_batch_stops_its_workers() {
        // Dropped with chunks in flight (a block that trapped): nothing hangs or panics.
        for _ in 0..3 {
            drop(batch(2 * CHUNK, None, false));
        }
    }
}
