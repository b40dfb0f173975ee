//! The pool's metrics, under Substrate's names: `substrate_ready_transactions_number`,
//! `substrate_sub_txpool_validations_scheduled` and `_finished`, and
//! `dfs_txpool_future_transactions` and `dfs_txpool_watchers`.

use std::sync::Arc;

use prometheus::{IntCounter, IntGauge, Registry};

/// The pool's metrics; [`PoolMetrics::default`] records nothing.
#[derive(Clone, Default)]
pub struct PoolMetrics(Option<Arc<Metrics>>);

struct Metrics {
    ready: IntGauge,
    future: IntGauge,
    watchers: IntGauge,
    scheduled: IntCounter,
    finished: IntCounter,
}

impl PoolMetrics {
    /// Metrics registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Metrics {
            ready: IntGauge::new(
                "substrate_ready_transactions_number",
                "Number of transactions in the ready queue",
            )?,
            future: IntGauge::new(
                "dfs_txpool_future_transactions",
                "Number of transactions waiting for a requirement",
            )?,
            watchers: IntGauge::new(
                "dfs_txpool_watchers",
                "Number of clients watching transactions (author_submitAndWatchExtrinsic)",
            )?,
            scheduled: IntCounter::new(
                "substrate_sub_txpool_validations_scheduled",
                "Total number of transactions scheduled for validation",
            )?,
            finished: IntCounter::new(
                "substrate_sub_txpool_validations_finished",
                "Total number of transactions that finished validation",
            )?,
        };
        registry.register(Box::new(metrics.ready.clone()))?;
        registry.register(Box::new(metrics.future.clone()))?;
        registry.register(Box::new(metrics.watchers.clone()))?;
        registry.register(Box::new(metrics.scheduled.clone()))?;
        registry.register(Box::new(metrics.finished.clone()))?;
        Ok(PoolMetrics(Some(Arc::new(metrics))))
    }

    pub(crate) fn set_counts(&self, ready: usize, future: usize) {
        if let Some(metrics) = &self.0 {
            metrics.ready.set(ready as i64);
            metrics.future.set(future as i64);
        }
    }

    pub(crate) fn set_watchers(&self, watchers: usize) {
        if let Some(metrics) = &self.0 {
            metrics.watchers.set(watchers as i64);
        }
    }

    pub(crate) fn validations_scheduled(&self, count: usize) {
        if let Some(metrics) = &self.0 {
            metrics.scheduled.inc_by(count as u64);
        }
    }

    pub(crate) fn validations_finished(&self, count: usize) {
        if let Some(metrics) = &self.0 {
            metrics.finished.inc_by(count as u64);
        }
    }
}
