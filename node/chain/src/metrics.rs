//! The chain's metrics, under Substrate's names (zombienet and dashboards key on them):
//! `substrate_block_height{status="best"|"finalized"}` and
//! `substrate_block_verification_and_import_time`.

use std::{sync::Arc, time::Duration};

use prometheus::{Histogram, HistogramOpts, IntGaugeVec, Opts, Registry};

/// The chain's metrics; [`ChainMetrics::default`] records nothing (tools, tests).
#[derive(Clone, Default)]
pub struct ChainMetrics(Option<Arc<Metrics>>);

struct Metrics {
    block_height: IntGaugeVec,
    import_time: Histogram,
}

impl ChainMetrics {
    /// Metrics registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let block_height = IntGaugeVec::new(
            Opts::new("substrate_block_height", "Block height info of the chain"),
            &["status"],
        )?;
        let import_time = Histogram::with_opts(
            HistogramOpts::new(
                "substrate_block_verification_and_import_time",
                "Time taken to verify and import blocks",
            )
            .buckets(prometheus::exponential_buckets(0.001, 2.0, 14)?),
        )?;
        registry.register(Box::new(block_height.clone()))?;
        registry.register(Box::new(import_time.clone()))?;
        Ok(ChainMetrics(Some(Arc::new(Metrics { block_height, import_time }))))
    }

    pub(crate) fn set_heights(&self, best: u32, finalized: u32) {
        if let Some(metrics) = &self.0 {
            metrics.block_height.with_label_values(&["best"]).set(i64::from(best));
            metrics.block_height.with_label_values(&["finalized"]).set(i64::from(finalized));
        }
    }

    pub(crate) fn observe_import(&self, elapsed: Duration) {
        if let Some(metrics) = &self.0 {
            metrics.import_time.observe(elapsed.as_secs_f64());
        }
    }
}
