//! The node's long-running tasks, and which of them must not die.
//!
//! An *essential* task (authoring, the pool's maintenance, the RPC server, the metrics
//! server, later the network) ending or panicking stops the node with an error naming it:
//! a node that silently stopped authoring or answering is worse than one that exits and is
//! restarted. Other tasks only log their panics.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use tokio::{sync::mpsc, task::JoinHandle};

/// Why an essential task is gone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the essential task `{name}` {reason}; the node cannot go on without it")]
pub struct EssentialTaskFailed {
    /// The task.
    pub name: &'static str,
    /// What happened to it.
    pub reason: String,
}

/// Spawns and watches the node's tasks.
pub struct TaskManager {
    failures: mpsc::UnboundedSender<EssentialTaskFailed>,
    failed: mpsc::UnboundedReceiver<EssentialTaskFailed>,
    shutting_down: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Default for TaskManager {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskManager {
    /// A manager with no tasks; call from within a Tokio runtime.
    pub fn new() -> Self {
        let (failures, failed) = mpsc::unbounded_channel();
        TaskManager { failures, failed, shutting_down: Arc::default(), tasks: Vec::new() }
    }

    /// Spawns a task that must run as long as the node: its end or its panic is reported
    /// by [`TaskManager::essential_failed`].
    pub fn spawn_essential(
        &mut self,
        name: &'static str,
        task: impl Future<Output = ()> + Send + 'static,
    ) {
        let handle = tokio::spawn(task);
        let (failures, shutting_down) = (self.failures.clone(), self.shutting_down.clone());
        self.tasks.push(tokio::spawn(async move {
            let reason = match handle.await {
                Ok(()) => "ended".to_string(),
                Err(error) if error.is_panic() => {
                    let panic = error.into_panic();
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".into());
                    format!("panicked: {message}")
                }
                Err(_) => "was cancelled".to_string(),
            };
            if !shutting_down.load(Ordering::Relaxed) {
                tracing::error!(target: "dfs", "essential task `{name}` {reason}");
                let _ = failures.send(EssentialTaskFailed { name, reason });
            }
        }));
    }

    /// Spawns a task the node can do without: a panic is logged.
    pub fn spawn(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task);
        self.tasks.push(tokio::spawn(async move {
            if let Err(error) = handle.await {
                if error.is_panic() {
                    tracing::error!(target: "dfs", "task `{name}` panicked");
                }
            }
        }));
    }

    /// Resolves with the first essential task that failed.
    pub async fn essential_failed(&mut self) -> EssentialTaskFailed {
        match self.failed.recv().await {
            Some(failure) => failure,
            // The manager holds a sender: the channel never closes while it lives.
            None => std::future::pending().await,
        }
    }

    /// From now on tasks ending are the shutdown, not failures.
    pub fn shutting_down(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn an_essential_task_that_panics_or_ends_is_reported_by_name() {
        let mut tasks = TaskManager::new();
        tasks.spawn("idle", std::future::pending());
        tasks.spawn_essential("authoring", async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            panic!("the slot clock broke");
        });
        let failure = tasks.essential_failed().await;
        assert_eq!(failure.name, "authoring");
        assert_eq!(failure.reason, "panicked: the slot clock broke");
        assert!(failure.to_string().contains("cannot go on"));

        tasks.spawn_essential("rpc", async {});
        assert_eq!(tasks.essential_failed().await.reason, "ended");
    }

    #[tokio::test]
    async fn tasks_ending_during_shutdown_are_no_failures() {
        let mut tasks = TaskManager::new();
        tasks.shutting_down();
        tasks.spawn_essential("rpc", async {});
        let outcome =
            tokio::time::timeout(Duration::from_millis(100), tasks.essential_failed()).await;
        assert!(outcome.is_err(), "no failure reported");
    }
}
