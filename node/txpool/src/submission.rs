//! The way submissions (from RPC clients and from peers) reach the pool: one validation
//! thread takes whatever has queued up and validates it in one batch. Submitters wait without holding a thread, validation
//! keeps to one core (the other builds blocks), and a transaction costs no runtime instance
//! of its own.

use std::{sync::Arc, time::Instant};

use dfs_core::H256;
use dfs_runtime_primitives::TransactionSource;
use tokio::sync::{mpsc, oneshot};

use crate::{pool::VALIDATION_BATCH, Pool, PoolError, Submission, TxStatus};

/// Submissions waiting for validation, at most: beyond, submitters wait their turn.
const SUBMISSION_BACKLOG: usize = 4_096;

type Reply = oneshot::Sender<Result<H256, PoolError>>;

/// Told the full encodings of the transactions each batch admitted (the node passes them on
/// to its peers).
pub type AdmittedHook = Box<dyn Fn(&[Vec<u8>]) + Send>;

/// A handle to the validation thread; cheap to clone.
#[derive(Clone)]
pub struct SubmissionQueue {
    sender: mpsc::Sender<(Submission, Reply)>,
}

impl SubmissionQueue {
    /// Starts the validation thread for `pool`; it stops when every handle is dropped.
    /// `admitted`, if given, hears of every transaction the pool took.
    pub fn start(pool: Arc<Pool>, admitted: Option<AdmittedHook>) -> std::io::Result<Self> {
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
                let copies: Vec<Vec<u8>> = match admitted {
                    Some(_) => submissions.iter().map(|(bytes, _)| bytes.clone()).collect(),
                    None => Vec::new(),
                };
                // A bug must not take submissions down for good: the batch fails, the
                // thread goes on.
                let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    pool.submit_many(TransactionSource::External, submissions)
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(target: "txpool", "validating {count} submissions panicked");
                    vec![Err(PoolError::Unavailable("validation failed".into())); count]
                });
                if let Some(hook) = &admitted {
                    let taken: Vec<Vec<u8>> = copies
                        .into_iter()
                        .zip(&results)
                        .filter(|(_, result)| result.is_ok())
                        .map(|(bytes, _)| bytes)
                        .collect();
                    if !taken.is_empty() {
                        hook(&taken);
                    }
                }
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
        let stopped = || PoolError::Unavailable("the transaction pool is shutting down".into());
        let (reply, answer) = oneshot::channel();
        self.sender.send(((bytes, watch), reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Lowers this thread's scheduling priority a little (Linux `nice` 5), so that when the
/// cores are contended, block production wins over taking in more transactions: a full
/// pool can wait, a slot cannot. Best effort: elsewhere, or refused, nothing changes.
fn yield_to_block_production() {
    dfs_executor::nice_current_thread(5);
}
