//! `system_*`: the node's identity and health, the network's view, and account nonces.

use std::sync::Arc;

use codec::Encode;
use dfs_chain::{runtime_api::AccountNonce, Chain, ChainError, HeaderReader, StateReader};
use dfs_core::AccountId32;
use dfs_executor::CallKind;
use dfs_txpool::Pool;
use jsonrpsee::{proc_macros::rpc, types::ErrorObjectOwned};
use serde_json::Value;

use crate::{
    errors::{ParamError, ServiceError, CLIENT_ERROR},
    types::{Bytes, Health, SyncState},
    workers::Workers,
};

/// What the network tells of itself: the interface a networking layer implements for RPC.
pub trait NetworkStatus: Send + Sync {
    /// This node's libp2p peer id.
    fn local_peer_id(&self) -> String;
    /// The addresses this node listens on, with its peer id.
    fn listen_addresses(&self) -> Vec<String>;
    /// How many peers are connected.
    fn peer_count(&self) -> usize;
    /// Whether the node is catching up with its peers.
    fn is_syncing(&self) -> bool;
    /// Whether the node should have peers (false for a lone development chain).
    fn should_have_peers(&self) -> bool;
    /// The highest block number peers announced, if any.
    fn highest_known_block(&self) -> Option<u32>;
    /// Connected peers, in Substrate's `system_peers` shape.
    fn peers(&self) -> Vec<Value>;
    /// Adds a reserved peer by its address (`…/p2p/<peer id>`).
    fn add_reserved_peer(&self, address: &str) -> Result<(), String>;
    /// Removes a reserved peer by its peer id.
    fn remove_reserved_peer(&self, peer_id: &str) -> Result<(), String>;
}

/// What the node says of itself.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// The chain spec's name.
    pub chain_name: String,
    /// The chain spec's type (`Development`, `Local`, `Live`).
    pub chain_type: Value,
    /// The chain spec's properties.
    pub properties: Value,
    /// The node's name.
    pub node_name: String,
    /// The node's version.
    pub version: String,
    /// Whether this node authors blocks.
    pub is_authority: bool,
}

/// Why a `system_*` call failed.
#[derive(Debug, thiserror::Error)]
pub enum SystemRpcError {
    /// Reading the chain failed (4003).
    #[error("Client error: {0}")]
    Client(#[from] ChainError),
    /// A parameter the server will not take.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The call was not served.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<SystemRpcError> for ErrorObjectOwned {
    fn from(error: SystemRpcError) -> Self {
        let message = error.to_string();
        match error {
            SystemRpcError::Client(_) => ErrorObjectOwned::owned(CLIENT_ERROR, message, None::<()>),
            SystemRpcError::Param(error) => error.into(),
            SystemRpcError::Service(error) => error.into(),
        }
    }
}

/// The `system_*` namespace.
#[rpc(server)]
pub trait SystemApi {
    /// The node's name.
    #[method(name = "system_name")]
    fn name(&self) -> Result<String, SystemRpcError>;
    /// The node's version.
    #[method(name = "system_version")]
    fn version(&self) -> Result<String, SystemRpcError>;
    /// The chain's name.
    #[method(name = "system_chain")]
    fn chain(&self) -> Result<String, SystemRpcError>;
    /// The chain's type.
    #[method(name = "system_chainType")]
    fn chain_type(&self) -> Result<Value, SystemRpcError>;
    /// The chain's properties (token symbol and decimals, SS58 format).
    #[method(name = "system_properties")]
    fn properties(&self) -> Result<Value, SystemRpcError>;
    /// Peers, syncing, whether the node should have peers.
    #[method(name = "system_health")]
    fn health(&self) -> Result<Health, SystemRpcError>;
    /// The node's libp2p peer id.
    #[method(name = "system_localPeerId")]
    fn local_peer_id(&self) -> Result<String, SystemRpcError>;
    /// The addresses the node listens on.
    #[method(name = "system_localListenAddresses")]
    fn local_listen_addresses(&self) -> Result<Vec<String>, SystemRpcError>;
    /// Connected peers (unsafe).
    #[method(name = "system_peers")]
    fn peers(&self) -> Result<Vec<Value>, SystemRpcError>;
    /// Adds a reserved peer: `/ip4/…/tcp/…/p2p/<peer id>` (unsafe).
    #[method(name = "system_addReservedPeer")]
    fn add_reserved_peer(&self, peer: String) -> Result<(), SystemRpcError>;
    /// Removes a reserved peer by its peer id (unsafe).
    #[method(name = "system_removeReservedPeer")]
    fn remove_reserved_peer(&self, peer_id: String) -> Result<(), SystemRpcError>;
    /// The node's roles.
    #[method(name = "system_nodeRoles")]
    fn node_roles(&self) -> Result<Vec<String>, SystemRpcError>;
    /// Where syncing stands.
    #[method(name = "system_syncState")]
    fn sync_state(&self) -> Result<SyncState, SystemRpcError>;
    /// The next nonce of an account, counting its transactions in the pool.
    #[method(name = "system_accountNextIndex", aliases = ["account_nextIndex"])]
    async fn account_next_index(&self, account: String) -> Result<u32, SystemRpcError>;
}

/// The `system_*` namespace.
pub struct SystemRpc {
    info: NodeInfo,
    chain: Arc<Chain>,
    pool: Arc<Pool>,
    network: Arc<dyn NetworkStatus>,
    workers: Workers,
}

impl SystemRpc {
    /// The namespace.
    pub fn new(
        info: NodeInfo,
        chain: Arc<Chain>,
        pool: Arc<Pool>,
        network: Arc<dyn NetworkStatus>,
        workers: Workers,
    ) -> Self {
        SystemRpc { info, chain, pool, network, workers }
    }
}

/// An account as a client names it: SS58 text, or 32 bytes of hex.
pub fn account_param(text: &str) -> Result<AccountId32, ParamError> {
    if let Ok(account) = text.parse::<AccountId32>() {
        return Ok(account);
    }
    let invalid = || ParamError::Invalid("an account is an SS58 address or 32 bytes of hex".into());
    let bytes: Bytes =
        serde_json::from_value(Value::String(text.to_string())).map_err(|_| invalid())?;
    <[u8; 32]>::try_from(&bytes.0[..]).map(AccountId32).map_err(|_| invalid())
}

#[jsonrpsee::core::async_trait]
impl SystemApiServer for SystemRpc {
    fn name(&self) -> Result<String, SystemRpcError> {
        Ok(self.info.node_name.clone())
    }

    fn version(&self) -> Result<String, SystemRpcError> {
        Ok(self.info.version.clone())
    }

    fn chain(&self) -> Result<String, SystemRpcError> {
        Ok(self.info.chain_name.clone())
    }

    fn chain_type(&self) -> Result<Value, SystemRpcError> {
        Ok(self.info.chain_type.clone())
    }

    fn properties(&self) -> Result<Value, SystemRpcError> {
        Ok(self.info.properties.clone())
    }

    fn health(&self) -> Result<Health, SystemRpcError> {
        Ok(Health {
            peers: self.network.peer_count(),
            is_syncing: self.network.is_syncing(),
            should_have_peers: self.network.should_have_peers(),
        })
    }

    fn local_peer_id(&self) -> Result<String, SystemRpcError> {
        Ok(self.network.local_peer_id())
    }

    fn local_listen_addresses(&self) -> Result<Vec<String>, SystemRpcError> {
        Ok(self.network.listen_addresses())
    }

    fn peers(&self) -> Result<Vec<Value>, SystemRpcError> {
        Ok(self.network.peers())
    }

    fn add_reserved_peer(&self, peer: String) -> Result<(), SystemRpcError> {
        self.network.add_reserved_peer(&peer).map_err(|error| ParamError::Invalid(error).into())
    }

    fn remove_reserved_peer(&self, peer_id: String) -> Result<(), SystemRpcError> {
        self.network
            .remove_reserved_peer(&peer_id)
            .map_err(|error| ParamError::Invalid(error).into())
    }

    fn node_roles(&self) -> Result<Vec<String>, SystemRpcError> {
        Ok(vec![if self.info.is_authority { "Authority" } else { "Full" }.to_string()])
    }

    fn sync_state(&self) -> Result<SyncState, SystemRpcError> {
        let best = self.chain.best().number;
        Ok(SyncState {
            starting_block: 0,
            current_block: best,
            highest_block: self.network.highest_known_block().unwrap_or(best).max(best),
        })
    }

    async fn account_next_index(&self, account: String) -> Result<u32, SystemRpcError> {
        let account = account_param(&account)?;
        let (chain, pool) = (self.chain.clone(), self.pool.clone());
        self.workers
            .run(move || {
                let best = chain.best().hash;
                let mut nonce =
                    chain.runtime_api_as::<AccountNonce>(&best, &account, CallKind::Offchain)?;
                // Count this account's transactions waiting in the pool, in nonce order.
                while pool.provides(&(account, nonce).encode()) {
                    nonce = nonce.saturating_add(1);
                }
                Ok(nonce)
            })
            .await?
    }
}
