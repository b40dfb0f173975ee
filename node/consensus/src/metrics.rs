//! Authoring metrics, under Substrate's names: `substrate_proposer_block_constructed` (how
//! long building a block took) and `substrate_proposer_number_of_transactions`.

use std::{sync::Arc, time::Duration};

use prometheus::{Histogram, HistogramOpts, IntGauge, Registry};

/// The authoring metrics; [`ConsensusMetrics::default`] records nothing.
#[derive(Clone, Default)]
pub struct ConsensusMetrics(Option<Arc<Metrics>>);

struct Metrics {
    block_constructed: Histogram,
    transactions: IntGauge,
}

impl ConsensusMetrics {
    /// Metrics registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let block_constructed = Histogram::with_opts(
            HistogramOpts::new(
                "substrate_proposer_block_constructed",
                "Histogram of time taken to construct new block",
            )
            .buckets(prometheus::exponential_buckets(0.005, 2.0, 12)?),
        )?;
        let transactions = IntGauge::new(
            "substrate_proposer_number_of_transactions",
            "Number of transactions included in block",
        )?;
        registry.register(Box::new(block_constructed.clone()))?;
        registry.register(Box::new(transactions.clone()))?;
        Ok(ConsensusMetrics(Some(Arc::new(Metrics { block_constructed, transactions }))))
    }

    pub(crate) fn observe_proposal(&self, elapsed: Duration, extrinsics: usize) {
        if let Some(metrics) = &self.0 {
            metrics.block_constructed.observe(elapsed.as_secs_f64());
            metrics.transactions.set(extrinsics as i64);
        }
    }
}
