//! RPC metrics, under Substrate's names: `substrate_rpc_calls_time`,
//! `substrate_rpc_calls_started`, `substrate_rpc_calls_finished`,
//! `substrate_rpc_sessions_opened` and `_closed`, plus `dfs_rpc_calls_rejected` (calls
//! answered "busy" by the per-connection bounds).

use std::{sync::Arc, time::Duration};

use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

/// The RPC metrics; [`RpcMetrics::default`] records nothing.
#[derive(Clone, Default)]
pub struct RpcMetrics(Option<Arc<Metrics>>);

struct Metrics {
    calls_time: HistogramVec,
    calls_started: IntCounterVec,
    calls_finished: IntCounterVec,
    calls_rejected: IntCounterVec,
    sessions_opened: IntCounter,
    sessions_closed: IntCounter,
}

impl RpcMetrics {
    /// Metrics registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Metrics {
            calls_time: HistogramVec::new(
                HistogramOpts::new(
                    "substrate_rpc_calls_time",
                    "Total time [μs] of processed RPC calls",
                )
                .buckets(prometheus::exponential_buckets(10.0, 4.0, 12)?),
                &["method"],
            )?,
            calls_started: IntCounterVec::new(
                Opts::new(
                    "substrate_rpc_calls_started",
                    "Number of received RPC calls (unique un-batched requests)",
                ),
                &["method"],
            )?,
            calls_finished: IntCounterVec::new(
                Opts::new(
                    "substrate_rpc_calls_finished",
                    "Number of processed RPC calls (unique un-batched requests)",
                ),
                &["method", "is_error"],
            )?,
            calls_rejected: IntCounterVec::new(
                Opts::new(
                    "dfs_rpc_calls_rejected",
                    "RPC calls answered busy: their connection had too much in flight",
                ),
                &["method"],
            )?,
            sessions_opened: IntCounter::new(
                "substrate_rpc_sessions_opened",
                "Number of persistent RPC sessions opened",
            )?,
            sessions_closed: IntCounter::new(
                "substrate_rpc_sessions_closed",
                "Number of persistent RPC sessions closed",
            )?,
        };
        registry.register(Box::new(metrics.calls_time.clone()))?;
        registry.register(Box::new(metrics.calls_started.clone()))?;
        registry.register(Box::new(metrics.calls_finished.clone()))?;
        registry.register(Box::new(metrics.calls_rejected.clone()))?;
        registry.register(Box::new(metrics.sessions_opened.clone()))?;
        registry.register(Box::new(metrics.sessions_closed.clone()))?;
        Ok(RpcMetrics(Some(Arc::new(metrics))))
    }

    pub(crate) fn started(&self, method: &str) {
        if let Some(metrics) = &self.0 {
            metrics.calls_started.with_label_values(&[method]).inc();
        }
    }

    pub(crate) fn finished(&self, method: &str, success: bool, elapsed: Duration) {
        if let Some(metrics) = &self.0 {
            let is_error = if success { "false" } else { "true" };
            metrics.calls_finished.with_label_values(&[method, is_error]).inc();
            metrics.calls_time.with_label_values(&[method]).observe(elapsed.as_micros() as f64);
        }
    }

    pub(crate) fn rejected(&self, method: &str) {
        if let Some(metrics) = &self.0 {
            metrics.calls_rejected.with_label_values(&[method]).inc();
        }
    }

    pub(crate) fn session_opened(&self) {
        if let Some(metrics) = &self.0 {
            metrics.sessions_opened.inc();
        }
    }

    pub(crate) fn session_closed(&self) {
        if let Some(metrics) = &self.0 {
            metrics.sessions_closed.inc();
        }
    }
}
