//! `state_*`: storage reads, runtime calls, metadata, versions, read proofs, and storage and
//! runtime-version subscriptions.
//!
//! Runtime calls from clients (`state_call`) run as
//! [`CallKind::Offchain`]: a smaller time and memory budget than block work, and instances of
//! their own. The runtime version is the chain's, remembered per runtime code. Lists of keys are bounded by count
//! and answers by bytes, refused before they are built past the response limit.

use std::sync::Arc;

use dfs_chain::{runtime_api::Metadata, Chain, ChainError, ChainEvent, HeaderReader, StateReader};
use dfs_core::H256;
use dfs_executor::CallKind;
use dfs_io::state::Backend;
use dfs_runtime_primitives::well_known_keys;
use jsonrpsee::{
    core::SubscriptionResult, proc_macros::rpc, types::ErrorObjectOwned, Extensions,
    PendingSubscriptionSink,
};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    config::Limits,
    errors::{ParamError, ServiceError, CLIENT_ERROR},
    storage_subscriptions::StorageSubscriptions,
    subscription::{connection_of, notify},
    types::{Bytes, HexBytes, ReadProof, RpcRuntimeVersion, StorageChangeSet},
    workers::Workers,
};

/// The most keys one `state_getKeysPaged` call returns (Substrate's limit).
pub const MAX_KEYS_PAGED: u32 = 1000;

/// Why a `state_*` call failed.
#[derive(Debug, thiserror::Error)]
pub enum StateRpcError {
    /// Reading the state or running the runtime failed (4003, Substrate's client error).
    #[error("Client error: {0}")]
    Client(#[from] ChainError),
    /// A count over the maximum (4002).
    #[error("count exceeds maximum value. value: {value}, max: {max}")]
    InvalidCount {
        /// The count asked.
        value: u32,
        /// The maximum.
        max: u32,
    },
    /// A parameter the server will not take.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The call was not served.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dfs_io::state::BackendError> for StateRpcError {
    fn from(error: dfs_io::state::BackendError) -> Self {
        StateRpcError::Client(ChainError::State(error))
    }
}

impl From<StateRpcError> for ErrorObjectOwned {
    fn from(error: StateRpcError) -> Self {
        let message = error.to_string();
        match error {
            StateRpcError::Client(_) => ErrorObjectOwned::owned(CLIENT_ERROR, message, None::<()>),
            StateRpcError::InvalidCount { .. } => {
                ErrorObjectOwned::owned(4002, message, None::<()>)
            }
            StateRpcError::Param(error) => error.into(),
            StateRpcError::Service(error) => error.into(),
        }
    }
}

/// The `state_*` namespace.
#[rpc(server)]
pub trait StateApi {
    /// Calls a runtime API with SCALE-encoded data at a block (the best without one).
    #[method(name = "state_call", aliases = ["state_callAt"])]
    async fn call(
        &self,
        method: String,
        data: HexBytes,
        at: Option<H256>,
    ) -> Result<Bytes, StateRpcError>;

    /// Up to `count` keys under `prefix`, after `start_key` if given.
    #[method(name = "state_getKeysPaged", aliases = ["state_getKeysPagedAt"])]
    async fn keys_paged(
        &self,
        prefix: Option<Bytes>,
        count: u32,
        start_key: Option<Bytes>,
        at: Option<H256>,
    ) -> Result<Vec<Bytes>, StateRpcError>;

    /// A storage value.
    #[method(name = "state_getStorage", aliases = ["state_getStorageAt"])]
    async fn storage(&self, key: Bytes, at: Option<H256>) -> Result<Option<Bytes>, StateRpcError>;

    /// A storage value's blake2-256 hash.
    #[method(name = "state_getStorageHash", aliases = ["state_getStorageHashAt"])]
    async fn storage_hash(
        &self,
        key: Bytes,
        at: Option<H256>,
    ) -> Result<Option<H256>, StateRpcError>;

    /// A storage value's length.
    #[method(name = "state_getStorageSize", aliases = ["state_getStorageSizeAt"])]
    async fn storage_size(
        &self,
        key: Bytes,
        at: Option<H256>,
    ) -> Result<Option<u64>, StateRpcError>;

    /// The runtime's metadata (V14).
    #[method(name = "state_getMetadata")]
    async fn metadata(&self, at: Option<H256>) -> Result<Bytes, StateRpcError>;

    /// The runtime version.
    #[method(name = "state_getRuntimeVersion", aliases = ["chain_getRuntimeVersion"])]
    async fn runtime_version(&self, at: Option<H256>) -> Result<RpcRuntimeVersion, StateRpcError>;

    /// The values of several keys at one block.
    #[method(name = "state_queryStorageAt")]
    async fn query_storage_at(
        &self,
        keys: Vec<Bytes>,
        at: Option<H256>,
    ) -> Result<Vec<StorageChangeSet>, StateRpcError>;

    /// A proof of several keys' values at a block.
    #[method(name = "state_getReadProof")]
    async fn read_proof(
        &self,
        keys: Vec<Bytes>,
        at: Option<H256>,
    ) -> Result<ReadProof, StateRpcError>;

    /// The runtime version, now and at each change.
    #[subscription(
        name = "state_subscribeRuntimeVersion" => "state_runtimeVersion",
        aliases = ["chain_subscribeRuntimeVersion"],
        unsubscribe = "state_unsubscribeRuntimeVersion",
        unsubscribe_aliases = ["chain_unsubscribeRuntimeVersion"],
        item = RpcRuntimeVersion,
        with_extensions
    )]
    async fn subscribe_runtime_version(&self) -> SubscriptionResult;

    /// Storage values, now (every key) and at each change (the keys changed). Without keys,
    /// every change of every key: an unsafe method.
    #[subscription(
        name = "state_subscribeStorage" => "state_storage",
        unsubscribe = "state_unsubscribeStorage",
        item = StorageChangeSet,
        with_extensions
    )]
    async fn subscribe_storage(&self, keys: Option<Vec<Bytes>>) -> SubscriptionResult;
}

/// The `state_*` namespace over the node's chain.
pub struct StateRpc {
    chain: Arc<Chain>,
    workers: Workers,
    limits: Limits,
    storage_subscriptions: Arc<StorageSubscriptions>,
}

impl StateRpc {
    /// The namespace over `chain`.
    pub fn new(
        chain: Arc<Chain>,
        workers: Workers,
        limits: Limits,
        storage_subscriptions: Arc<StorageSubscriptions>,
    ) -> Self {
        StateRpc { chain, workers, limits, storage_subscriptions }
    }

    fn at(&self, at: Option<H256>) -> H256 {
        at.unwrap_or_else(|| self.chain.best().hash)
    }

    fn check_count(&self, count: usize) -> Result<(), ParamError> {
        match count > self.limits.max_items {
            true => Err(ParamError::TooMany { count, max: self.limits.max_items }),
            false => Ok(()),
        }
    }
}

/// The values of `keys` at `at`, refused once the answer would pass `max_bytes`.
fn storage_values(
    chain: &Chain,
    at: H256,
    keys: Vec<Vec<u8>>,
    max_bytes: usize,
) -> Result<StorageChangeSet, StateRpcError> {
    let state = chain.state_at(&at)?;
    let mut changes = StorageChangeSet { block: at, changes: Vec::with_capacity(keys.len()) };
    let mut bytes = changes.json_len();
    for key in keys {
        let value = state.storage(&key)?;
        bytes += 16 + 2 * key.len() + value.as_ref().map_or(4, |v| 2 * v.len());
        if bytes > max_bytes {
            return Err(ServiceError::TooBig { limit: max_bytes }.into());
        }
        changes.changes.push((Bytes(key), value.map(Bytes)));
    }
    Ok(changes)
}

#[jsonrpsee::core::async_trait]
impl StateApiServer for StateRpc {
    async fn call(
        &self,
        method: String,
        data: HexBytes,
        at: Option<H256>,
    ) -> Result<Bytes, StateRpcError> {
        let data = data.decode_limited(self.limits.max_request_bytes)?;
        let (chain, at) = (self.chain.clone(), self.at(at));
        let output =
            self.workers.run(move || chain.call(&at, &method, &data, CallKind::Offchain)).await??;
        Ok(Bytes(output))
    }

    async fn keys_paged(
        &self,
        prefix: Option<Bytes>,
        count: u32,
        start_key: Option<Bytes>,
        at: Option<H256>,
    ) -> Result<Vec<Bytes>, StateRpcError> {
        if count > MAX_KEYS_PAGED {
            return Err(StateRpcError::InvalidCount { value: count, max: MAX_KEYS_PAGED });
        }
        let prefix = prefix.unwrap_or_default().0;
        let (chain, at) = (self.chain.clone(), self.at(at));
        self.workers
            .run(move || {
                let state = chain.state_at(&at)?;
                let mut keys = Vec::new();
                // Start after `start_key` when it lies within the prefix, else at the prefix.
                let mut cursor = match start_key {
                    Some(Bytes(start)) if start.starts_with(&prefix) => start,
                    _ => {
                        if !prefix.is_empty() && state.storage(&prefix)?.is_some() {
                            keys.push(Bytes(prefix.clone()));
                        }
                        prefix.clone()
                    }
                };
                while keys.len() < count as usize {
                    match state.next_storage_key(&cursor)? {
                        Some(next) if next.starts_with(&prefix) => {
                            keys.push(Bytes(next.clone()));
                            cursor = next;
                        }
                        _ => break,
                    }
                }
                Ok(keys)
            })
            .await?
    }

    async fn storage(&self, key: Bytes, at: Option<H256>) -> Result<Option<Bytes>, StateRpcError> {
        let (chain, at) = (self.chain.clone(), self.at(at));
        Ok(self.workers.run(move || chain.storage(&at, &key.0)).await??.map(Bytes))
    }

    async fn storage_hash(
        &self,
        key: Bytes,
        at: Option<H256>,
    ) -> Result<Option<H256>, StateRpcError> {
        let (chain, at) = (self.chain.clone(), self.at(at));
        Ok(self
            .workers
            .run(move || chain.state_at(&at)?.storage_hash(&key.0).map_err(ChainError::State))
            .await??)
    }

    async fn storage_size(
        &self,
        key: Bytes,
        at: Option<H256>,
    ) -> Result<Option<u64>, StateRpcError> {
        let (chain, at) = (self.chain.clone(), self.at(at));
        let value = self.workers.run(move || chain.storage(&at, &key.0)).await??;
        Ok(value.map(|value| value.len() as u64))
    }

    async fn metadata(&self, at: Option<H256>) -> Result<Bytes, StateRpcError> {
        let (chain, at) = (self.chain.clone(), self.at(at));
        let metadata = self
            .workers
            .run(move || chain.runtime_api_as::<Metadata>(&at, &(), CallKind::Offchain))
            .await??;
        Ok(Bytes(metadata))
    }

    async fn runtime_version(&self, at: Option<H256>) -> Result<RpcRuntimeVersion, StateRpcError> {
        let (chain, at) = (self.chain.clone(), self.at(at));
        let version = self.workers.run(move || chain.runtime_version(&at)).await??;
        Ok(RpcRuntimeVersion::from(&version))
    }

    async fn query_storage_at(
        &self,
        keys: Vec<Bytes>,
        at: Option<H256>,
    ) -> Result<Vec<StorageChangeSet>, StateRpcError> {
        self.check_count(keys.len())?;
        let (chain, at, max) = (self.chain.clone(), self.at(at), self.limits.max_response_bytes);
        let keys = keys.into_iter().map(|key| key.0).collect();
        let changes = self.workers.run(move || storage_values(&chain, at, keys, max)).await??;
        Ok(vec![changes])
    }

    async fn read_proof(
        &self,
        keys: Vec<Bytes>,
        at: Option<H256>,
    ) -> Result<ReadProof, StateRpcError> {
        self.check_count(keys.len())?;
        let (chain, at, max) = (self.chain.clone(), self.at(at), self.limits.max_response_bytes);
        self.workers
            .run(move || {
                // The state (its root checked present, not pruned) gives the root to prove against.
                let root = chain.state_at(&at)?.root();
                let proof = dfs_trie::read_proof(chain.db(), &root, keys.iter().map(|k| &k.0[..]))
                    .map_err(|e| ChainError::State(dfs_io::state::BackendError(e.to_string())))?;
                let bytes: usize = proof.iter().map(|node| 2 * node.len() + 4).sum();
                if bytes > max {
                    return Err(ServiceError::TooBig { limit: max }.into());
                }
                Ok(ReadProof { at, proof: proof.into_iter().map(Bytes).collect() })
            })
            .await?
    }

    async fn subscribe_runtime_version(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
    ) -> SubscriptionResult {
        let connection = connection_of(ext);
        let mut events = self.chain.subscribe();
        let Ok(sink) = pending.accept().await else { return Ok(()) };
        let mut last = None;
        let mut at = self.chain.best().hash;
        loop {
            let chain = self.chain.clone();
            if let Ok(Ok(version)) = self.workers.run(move || chain.runtime_version(&at)).await {
                if last.as_ref() != Some(&version) {
                    if !notify(&sink, connection.as_ref(), &RpcRuntimeVersion::from(&version)).await
                    {
                        return Ok(());
                    }
                    last = Some(version);
                }
            }
            at = loop {
                tokio::select! {
                    _ = sink.closed() => return Ok(()),
                    event = events.recv() => match event {
                        Ok(ChainEvent::Imported { block, is_best: true, changed_keys, .. })
                            if changed_keys.iter().any(|key| key == well_known_keys::CODE) => break block.hash,
                        // Missed events may have held an upgrade: look at the best block.
                        Err(RecvError::Lagged(_)) => break self.chain.best().hash,
                        Ok(_) => continue,
                        Err(RecvError::Closed) => return Ok(()),
                    },
                }
            };
        }
    }

    async fn subscribe_storage(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        keys: Option<Vec<Bytes>>,
    ) -> SubscriptionResult {
        let connection = connection_of(ext);
        let keys: Option<Vec<Vec<u8>>> = keys
            .filter(|keys| !keys.is_empty())
            .map(|keys| keys.into_iter().map(|key| key.0).collect());
        match &keys {
            None if !self.limits.unsafe_methods => {
                pending.reject(ErrorObjectOwned::from(ServiceError::Unsafe)).await;
                return Ok(());
            }
            Some(keys) => {
                if let Err(error) = self.check_count(keys.len()) {
                    pending.reject(ErrorObjectOwned::from(error)).await;
                    return Ok(());
                }
            }
            None => {}
        }
        // Registered before the first report is read, so no change between the two is lost.
        let registration = self.storage_subscriptions.register(keys.clone());
        let max = self.limits.max_response_bytes;
        // Every requested key first, absent ones as null: refused if that is too large.
        let first = match &keys {
            Some(keys) => {
                let (chain, at, keys) = (self.chain.clone(), self.chain.best().hash, keys.clone());
                match self.workers.run(move || storage_values(&chain, at, keys, max)).await {
                    Ok(Ok(changes)) => Some(changes),
                    Ok(Err(error)) => {
                        pending.reject(ErrorObjectOwned::from(error)).await;
                        return Ok(());
                    }
                    Err(error) => {
                        pending.reject(ErrorObjectOwned::from(error)).await;
                        return Ok(());
                    }
                }
            }
            None => None,
        };
        let Ok(sink) = pending.accept().await else { return Ok(()) };
        if let Some(first) = first {
            if !notify(&sink, connection.as_ref(), &first).await {
                return Ok(());
            }
        }
        loop {
            let (block, changed) = tokio::select! {
                _ = sink.closed() => return Ok(()),
                changed = registration.subscriber().next() => changed,
            };
            let (chain, keys) = (self.chain.clone(), changed.clone());
            let changes = match self
                .workers
                .run(move || storage_values(&chain, block, keys, max))
                .await
            {
                Ok(Ok(changes)) => changes,
                Ok(Err(error)) => {
                    tracing::debug!(target: "rpc", %error, "a storage notification was not sent");
                    continue;
                }
                Err(_) => {
                    // Busy: the changes wait for the next try, merged with what comes.
                    registration.subscriber().requeue(block, changed);
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            if !notify(&sink, connection.as_ref(), &changes).await {
                return Ok(());
            }
        }
    }
}
