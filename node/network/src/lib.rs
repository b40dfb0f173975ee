//! The peer-to-peer network of a DFS node.
//!
//! Built on libp2p: TCP and WebSocket transports, Noise, Yamux, identify, ping, Kademlia
//! (seeded from boot nodes) and mDNS. One event loop ([`service`]) owns the swarm; the rest
//! of the node holds a cloneable [`NetworkHandle`] and sees none of libp2p's types.
//!
//! # Protocols
//!
//! Every protocol name starts with the genesis hash, so two chains never mix
//! ([`protocol::ProtocolNames`]):
//!
//! - `/<genesis>/block-announces/1`, `/<genesis>/transactions/1`, `/<genesis>/grandpa/1`:
//!   notification protocols. Each side opens one stream per protocol to the other and
//!   sends its [`protocol::Handshake`] first (roles, best block, genesis), then messages,
//!   each a length-prefixed SCALE frame with a bound per protocol ([`framing`]). A peer
//!   becomes a peer of the chain once its block-announce handshake is read and its genesis
//!   matches.
//! - `/<genesis>/sync/1`: block requests, one stream per request ([`protocol::BlockRequest`],
//!   [`protocol::BlockResponse`]), answered from the chain with a byte budget that leaves
//!   room for a full 10 MiB block.
//!
//! # Peers
//!
//! Every message is decoded with bounds; data that does not decode, a block that does not
//! import, or a peer that does not answer lowers its reputation ([`peerset`]), and a peer
//! below the threshold is disconnected and banned for a while. Connections are limited in
//! and out (`--in-peers`, `--out-peers`); reserved peers are always dialled and, with
//! `--reserved-only`, are the only ones accepted.
//!
//! [`sync`] keeps the node on its peers' best chain: ranges downloaded from several peers at
//! once and imported in order, announced blocks fetched as they come, forks followed back to
//! a common ancestor.

pub mod config;
pub mod framing;
mod metrics;
pub mod peerset;
pub mod protocol;
pub mod service;
pub mod sync;

pub use config::{NetworkConfig, Roles};
pub use metrics::NetworkMetrics;
pub use peerset::ReputationChange;
pub use service::{start, NetworkError, NetworkEvent, NetworkHandle, PeerInfo};

use std::{fmt, str::FromStr};

/// A peer's identity (its libp2p peer id), without libp2p's types.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(libp2p::PeerId);

impl PeerId {
    /// The peer id of the ed25519 network key `secret`.
    pub fn from_ed25519_secret(secret: [u8; 32]) -> Result<Self, NetworkError> {
        Ok(PeerId(config::keypair(secret)?.public().to_peer_id()))
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for PeerId {
    type Err = NetworkError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse()
            .map(PeerId)
            .map_err(|error| NetworkError::Config(format!("`{text}` is not a peer id: {error}")))
    }
}
