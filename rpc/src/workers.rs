//! The threads that answer RPC calls needing the disk, the state or the runtime.
//!
//! They are few (one per core), run at a lower scheduling priority than block production
//! and import, and take jobs from a bounded queue: a flood of heavy calls waits its turn or
//! is told the server is busy, and the threads building and importing blocks keep the
//! cores they need. A job whose caller has gone (a closed connection) is skipped.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc, Arc, Mutex,
    },
    thread,
};

use tokio::sync::oneshot;

use crate::errors::ServiceError;

type Job = Box<dyn FnOnce() + Send>;

/// The niceness of RPC worker threads: below the validation thread's 5, far below block
/// production's 0.
const WORKER_NICENESS: i32 = 10;

/// A bounded pool of low-priority threads.
#[derive(Clone)]
pub struct Workers {
    queue: mpsc::SyncSender<Job>,
    queued: Arc<AtomicUsize>,
    capacity: usize,
}

impl Workers {
    /// `threads` threads (at least one) taking jobs from a queue of `capacity`.
    pub fn start(threads: usize, capacity: usize) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::sync_channel::<Job>(capacity.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        let queued = Arc::new(AtomicUsize::new(0));
        for index in 0..threads.max(1) {
            let (jobs, queued) = (jobs.clone(), queued.clone());
            thread::Builder::new().name(format!("dfs-rpc-worker-{index}")).spawn(move || {
                dfs_executor::nice_current_thread(WORKER_NICENESS);
                loop {
                    // A panicking job cannot poison the receiver: it runs after the lock is
                    // released.
                    let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    queued.fetch_sub(1, Ordering::Relaxed);
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!(target: "rpc", "an RPC job panicked");
                    }
                }
            })?;
        }
        Ok(Workers { queue, queued, capacity })
    }

    /// Runs `job` on a worker and waits for its result; [`ServiceError::Busy`] at once if
    /// the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let (reply, answer) = oneshot::channel();
        let wrapped: Job = Box::new(move || {
            // The caller gave up (its connection closed): skip the work.
            if reply.is_closed() {
                return;
            }
            let _ = reply.send(job());
        });
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.queue.try_send(wrapped).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(ServiceError::Busy);
        }
        // A job that panicked drops its reply: the caller hears of an internal error rather
        // than hanging (the panic is logged where it happened).
        answer.await.map_err(|_| ServiceError::Internal)
    }

    /// How many jobs wait for a thread.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// The queue's capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_says_busy_at_once() {
        let workers = Workers::start(1, 2).unwrap();
        let (release, hold) = mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        // One job occupies the thread, two fill the queue.
        let mut running = Vec::new();
        for _ in 0..3 {
            let (workers, hold) = (workers.clone(), hold.clone());
            running.push(tokio::spawn(async move {
                workers.run(move || hold.lock().unwrap().recv().is_ok()).await
            }));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(workers.run(|| ()).await, Err(ServiceError::Busy));
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for job in running {
            assert_eq!(job.await.unwrap(), Ok(true));
        }
        assert_eq!(workers.run(|| 7).await, Ok(7));
    }
}
