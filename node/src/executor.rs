//! The executor the node runs its runtime with, sized for its pool.

use std::sync::Arc;

use anyhow::{anyhow, Result};
use dfs_executor::{Executor, ExecutorConfig};

/// A new executor for the node's runtime calls.
pub fn executor() -> Result<Arc<Executor>> {
    executor_for_pool(0)
}

/// An executor whose memory of verified signatures outlasts a transaction's stay in a pool
/// of `pool_limit` ready transactions. Every submission is remembered, whether or not it
/// then finds room in the pool, so a full pool under a flood of submissions turns the memory
/// over quickly: with it sized to the pool alone, the author found most signatures forgotten
/// by the time it included them and verified them again one by one (a 27 000-transfer block
/// took 2.4–2.8 s to build under a flood of submissions, 1.1–1.5 s with four times the pool).
pub fn executor_for_pool(pool_limit: usize) -> Result<Arc<Executor>> {
    let defaults = ExecutorConfig::default();
    let config = ExecutorConfig {
        verified_signatures: defaults.verified_signatures.max(pool_limit.saturating_mul(4)),
        ..defaults
    };
    Ok(Arc::new(Executor::new(config).map_err(|e| anyhow!("{e}"))?))
}
