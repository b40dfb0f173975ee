//! What the network is told at start: its key, addresses, peers to seek out and limits.

use std::time::Duration;

use dfs_core::H256;
use libp2p::{identity, multiaddr::Protocol, Multiaddr};

use crate::{NetworkError, PeerId};

/// A node's roles, as its handshake announces them (Substrate's bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub struct Roles(pub u8);

impl Roles {
    /// A full node.
    pub const FULL: Roles = Roles(1);
    /// An authority: it authors blocks and votes.
    pub const AUTHORITY: Roles = Roles(4);

    /// Whether this is an authority.
    pub fn is_authority(self) -> bool {
        self.0 & Self::AUTHORITY.0 != 0
    }

    /// The role's name, as `system_peers` and `system_nodeRoles` give it.
    pub fn name(self) -> &'static str {
        if self.is_authority() {
            "AUTHORITY"
        } else if self.0 & 2 != 0 {
            "LIGHT"
        } else {
            "FULL"
        }
    }
}

/// The network's settings.
#[derive(Clone, Debug)]
pub struct NetworkConfig {
    /// The ed25519 secret of the node key: the peer id derives from it.
    pub node_key: [u8; 32],
    /// The chain's genesis hash: it prefixes every protocol name.
    pub genesis_hash: H256,
    /// What this node does.
    pub roles: Roles,
    /// The node's name, told to peers through identify.
    pub node_name: String,
    /// Addresses to listen on (`/ip4/0.0.0.0/tcp/30333`, `/ip4/127.0.0.1/tcp/30334/ws`).
    pub listen_addresses: Vec<String>,
    /// Addresses to tell peers besides those it listens on.
    pub public_addresses: Vec<String>,
    /// Peers to start from: `/ip4/…/tcp/…/p2p/<peer id>`.
    pub boot_nodes: Vec<String>,
    /// Peers to stay connected to, whatever the limits.
    pub reserved_nodes: Vec<String>,
    /// Accept and dial reserved peers only.
    pub reserved_only: bool,
    /// Most inbound peers.
    pub in_peers: u32,
    /// Most outbound peers this node dials on its own (reserved peers come on top).
    pub out_peers: u32,
    /// Find peers on the local network with mDNS.
    pub mdns: bool,
    /// Find peers through Kademlia (off for nodes that only talk to reserved peers).
    pub kademlia: bool,
    /// How long a peer that fell below the reputation threshold stays banned.
    pub ban_duration: Duration,
}

impl NetworkConfig {
    /// A configuration with Substrate's defaults: 32 peers in, 8 out, mDNS and Kademlia on,
    /// listening on `/ip4/0.0.0.0/tcp/30333`.
    pub fn new(node_key: [u8; 32], genesis_hash: H256) -> Self {
        NetworkConfig {
            node_key,
            genesis_hash,
            roles: Roles::FULL,
            node_name: String::new(),
            listen_addresses: vec!["/ip4/0.0.0.0/tcp/30333".into()],
            public_addresses: Vec::new(),
            boot_nodes: Vec::new(),
            reserved_nodes: Vec::new(),
            reserved_only: false,
            in_peers: 32,
            out_peers: 8,
            mdns: true,
            kademlia: true,
            ban_duration: Duration::from_secs(300),
        }
    }
}

/// The libp2p key pair of an ed25519 secret.
pub(crate) fn keypair(secret: [u8; 32]) -> Result<identity::Keypair, NetworkError> {
    let mut bytes = secret;
    let secret = identity::ed25519::SecretKey::try_from_bytes(&mut bytes)
        .map_err(|error| NetworkError::Config(format!("the node key is not ed25519: {error}")))?;
    Ok(identity::Keypair::from(identity::ed25519::Keypair::from(secret)))
}

/// A multiaddress from text.
pub(crate) fn parse_address(text: &str) -> Result<Multiaddr, NetworkError> {
    text.trim()
        .parse()
        .map_err(|error| NetworkError::Config(format!("`{text}` is not a multiaddress: {error}")))
}

/// A peer's address (`…/p2p/<peer id>`), split into the peer id and where to dial it.
pub(crate) fn parse_peer_address(text: &str) -> Result<(PeerId, Multiaddr), NetworkError> {
    let mut address = parse_address(text)?;
    match address.pop() {
        Some(Protocol::P2p(peer)) => Ok((PeerId(peer), address)),
        _ => Err(NetworkError::Config(format!("`{text}` does not end in /p2p/<peer id>"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_addresses_split_and_bad_ones_are_refused() {
        let peer = PeerId::from_ed25519_secret([7; 32]).unwrap();
        let (parsed, address) =
            parse_peer_address(&format!("/ip4/127.0.0.1/tcp/30333/ws/p2p/{peer}")).unwrap();
        assert_eq!(parsed, peer);
        assert_eq!(address.to_string(), "/ip4/127.0.0.1/tcp/30333/ws");
        assert!(parse_peer_address("/ip4/127.0.0.1/tcp/30333").is_err());
        assert!(parse_peer_address("not an address").is_err());
        assert!("12D3KooWnotapeer".parse::<PeerId>().is_err());
    }

    #[test]
    fn the_peer_id_is_the_ed25519_key_s() {
        // Substrate's (and zombienet's) peer id of node key 0x00…01.
        let mut secret = [0u8; 32];
        secret[31] = 1;
        let peer = PeerId::from_ed25519_secret(secret).unwrap();
        assert!(peer.to_string().starts_with("12D3KooW"));
        assert_eq!(peer, PeerId::from_ed25519_secret(secret).unwrap());
    }
}
