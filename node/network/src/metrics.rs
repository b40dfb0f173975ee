//! Network and sync metrics under Substrate's names (`substrate_sub_libp2p_peers_count`,
//! `substrate_sub_libp2p_is_major_syncing`), and `dfs_*` for the rest.

use std::sync::Arc;

use prometheus::{IntCounter, IntGauge, Registry};

/// The network's metrics; [`NetworkMetrics::default`] records nothing.
#[derive(Clone, Default)]
pub struct NetworkMetrics(Option<Arc<Metrics>>);

struct Metrics {
    peers: IntGauge,
    major_syncing: IntGauge,
    banned: IntCounter,
    synced_blocks: IntCounter,
}

impl NetworkMetrics {
    /// Metrics registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let peers = IntGauge::new("substrate_sub_libp2p_peers_count", "Number of connected peers")?;
        let major_syncing = IntGauge::new(
            "substrate_sub_libp2p_is_major_syncing",
            "Whether the node is performing a major sync or not.",
        )?;
        let banned =
            IntCounter::new("dfs_network_peers_banned_total", "Peers banned for misbehaviour")?;
        let synced_blocks = IntCounter::new(
            "dfs_sync_imported_blocks_total",
            "Blocks downloaded from peers and imported",
        )?;
        registry.register(Box::new(peers.clone()))?;
        registry.register(Box::new(major_syncing.clone()))?;
        registry.register(Box::new(banned.clone()))?;
        registry.register(Box::new(synced_blocks.clone()))?;
        Ok(NetworkMetrics(Some(Arc::new(Metrics { peers, major_syncing, banned, synced_blocks }))))
    }

    pub(crate) fn set_peers(&self, count: usize) {
        if let Some(metrics) = &self.0 {
            metrics.peers.set(count as i64);
        }
    }

    pub(crate) fn set_major_syncing(&self, syncing: bool) {
        if let Some(metrics) = &self.0 {
            metrics.major_syncing.set(i64::from(syncing));
        }
    }

    pub(crate) fn banned(&self) {
        if let Some(metrics) = &self.0 {
            metrics.banned.inc();
        }
    }

    pub(crate) fn synced_blocks(&self, count: usize) {
        if let Some(metrics) = &self.0 {
            metrics.synced_blocks.inc_by(count as u64);
        }
    }
}
