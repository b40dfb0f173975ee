//! `author_*`: submitting and watching transactions, the pool's contents, and the keystore.
//!
//! A transaction's hex is measured against the pool's size limit before it is decoded. A
//! watch ends when its client goes, and the pool then forgets the watcher.

use std::sync::Arc;

use dfs_core::H256;
use dfs_keystore::{KeyTypeId, Keystore, KeystoreError, Scheme};
use dfs_txpool::{Pool, PoolError, SubmissionQueue, TxStatus};
use jsonrpsee::{
    core::SubscriptionResult, proc_macros::rpc, types::ErrorObjectOwned, Extensions,
    PendingSubscriptionSink,
};
use serde::{Deserialize, Serialize, Serializer};
use tokio::sync::mpsc;

use crate::{
    config::Limits,
    errors::{ParamError, ServiceError},
    subscription::{connection_of, notify},
    types::{Bytes, HexBytes},
    workers::Workers,
};

/// Why an `author_*` call failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthorRpcError {
    /// The pool refused the transaction (1010–1016, Substrate's pool codes).
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The keystore failed (5000 and up, Substrate's author error base).
    #[error("Keystore error: {0}")]
    Keystore(#[from] KeystoreError),
    /// A parameter the server will not take.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The call was not served.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<AuthorRpcError> for ErrorObjectOwned {
    fn from(error: AuthorRpcError) -> Self {
        match error {
            AuthorRpcError::Pool(error) => pool_error(error),
            AuthorRpcError::Keystore(error) => {
                ErrorObjectOwned::owned(5000, format!("Keystore error: {error}"), None::<()>)
            }
            AuthorRpcError::Param(error) => error.into(),
            AuthorRpcError::Service(error) => error.into(),
        }
    }
}

/// A pool refusal with the code and data Substrate gives it.
fn pool_error(error: PoolError) -> ErrorObjectOwned {
    let message = error.to_string();
    match error {
        PoolError::Invalid(invalid) => ErrorObjectOwned::owned(
            1010,
            message,
            Some(format!("Transaction is invalid: {invalid:?}")),
        ),
        PoolError::Unknown(unknown) => ErrorObjectOwned::owned(
            1011,
            message,
            Some(format!("Transaction validity cannot be determined: {unknown:?}")),
        ),
        PoolError::Banned => ErrorObjectOwned::owned(1012, message, None::<()>),
        PoolError::AlreadyImported => {
            ErrorObjectOwned::owned(1013, message, Some("The transaction is already in the pool"))
        }
        PoolError::TooLowPriority { .. } => ErrorObjectOwned::owned(
            1014,
            message,
            Some("The transaction has too low priority to replace another transaction already in the pool."),
        ),
        PoolError::ImmediatelyDropped(reason) => ErrorObjectOwned::owned(1016, message, Some(reason)),
        PoolError::Runtime(reason) => {
            ErrorObjectOwned::owned(1002, format!("Verification Error: {reason}"), None::<()>)
        }
        PoolError::Unavailable(reason) => {
            ErrorObjectOwned::owned(1002, format!("Verification Error: {reason}"), None::<()>)
        }
    }
}

/// A transaction status in Substrate's JSON shape.
#[derive(Debug, Clone)]
pub struct TransactionStatus(pub TxStatus);

impl Serialize for TransactionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (key, hash) = match &self.0 {
            TxStatus::Future => return serializer.serialize_str("future"),
            TxStatus::Ready => return serializer.serialize_str("ready"),
            TxStatus::Dropped => return serializer.serialize_str("dropped"),
            TxStatus::Invalid => return serializer.serialize_str("invalid"),
            TxStatus::InBlock(hash) => ("inBlock", hash),
            TxStatus::Retracted(hash) => ("retracted", hash),
            TxStatus::Finalized(hash) => ("finalized", hash),
            TxStatus::Usurped(hash) => ("usurped", hash),
            TxStatus::FinalityTimeout(hash) => ("finalityTimeout", hash),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(key, hash)?;
        map.end()
    }
}

/// A transaction to remove, by hash or by its encoding.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExtrinsicOrHash {
    /// By hash.
    Hash(H256),
    /// By encoding (length prefix included).
    Extrinsic(Bytes),
}

/// The `author_*` namespace.
#[rpc(server)]
pub trait AuthorApi {
    /// Submits a transaction; answers its hash.
    #[method(name = "author_submitExtrinsic")]
    async fn submit_extrinsic(&self, extrinsic: HexBytes) -> Result<H256, AuthorRpcError>;

    /// The pool's transactions, ready ones first.
    #[method(name = "author_pendingExtrinsics")]
    async fn pending_extrinsics(&self) -> Result<Vec<Bytes>, AuthorRpcError>;

    /// Removes transactions (and those depending on them) from the pool (unsafe).
    #[method(name = "author_removeExtrinsic")]
    async fn remove_extrinsic(
        &self,
        bytes_or_hash: Vec<ExtrinsicOrHash>,
    ) -> Result<Vec<H256>, AuthorRpcError>;

    /// Stores a key in the keystore (unsafe).
    #[method(name = "author_insertKey")]
    async fn insert_key(
        &self,
        key_type: String,
        suri: String,
        public: Option<Bytes>,
    ) -> Result<(), AuthorRpcError>;

    /// Generates new session keys and answers their public keys (unsafe).
    #[method(name = "author_rotateKeys")]
    async fn rotate_keys(&self) -> Result<Bytes, AuthorRpcError>;

    /// Whether the keystore holds a key (unsafe).
    #[method(name = "author_hasKey")]
    async fn has_key(&self, public: Bytes, key_type: String) -> Result<bool, AuthorRpcError>;

    /// Submits a transaction and reports its status until it is final or gone.
    #[subscription(
        name = "author_submitAndWatchExtrinsic" => "author_extrinsicUpdate",
        unsubscribe = "author_unwatchExtrinsic",
        item = TransactionStatus,
        with_extensions
    )]
    async fn watch_extrinsic(&self, extrinsic: HexBytes) -> SubscriptionResult;
}

/// The `author_*` namespace.
pub struct AuthorRpc {
    pool: Arc<Pool>,
    submissions: SubmissionQueue,
    keystore: Keystore,
    workers: Workers,
    limits: Limits,
}

impl AuthorRpc {
    /// The namespace.
    pub fn new(
        pool: Arc<Pool>,
        submissions: SubmissionQueue,
        keystore: Keystore,
        workers: Workers,
        limits: Limits,
    ) -> Self {
        AuthorRpc { pool, submissions, keystore, workers, limits }
    }

    fn decode(&self, extrinsic: &HexBytes) -> Result<Vec<u8>, ParamError> {
        extrinsic.decode_limited(self.pool.limits().max_transaction_bytes)
    }
}

#[jsonrpsee::core::async_trait]
impl AuthorApiServer for AuthorRpc {
    async fn submit_extrinsic(&self, extrinsic: HexBytes) -> Result<H256, AuthorRpcError> {
        let bytes = self.decode(&extrinsic)?;
        drop(extrinsic);
        Ok(self.submissions.submit(bytes, None).await?)
    }

    async fn pending_extrinsics(&self) -> Result<Vec<Bytes>, AuthorRpcError> {
        let pool = self.pool.clone();
        let limits = *pool.limits();
        // Hex doubles each byte; a little room for quotes and commas.
        let max_bytes = self.limits.max_response_bytes / 2;
        let max_count = limits.ready_count.saturating_add(limits.future_count);
        let (pending, truncated) =
            self.workers.run(move || pool.pending(max_count, max_bytes)).await?;
        if truncated {
            return Err(ServiceError::TooBig { limit: self.limits.max_response_bytes }.into());
        }
        Ok(pending.into_iter().map(Bytes).collect())
    }

    async fn remove_extrinsic(
        &self,
        bytes_or_hash: Vec<ExtrinsicOrHash>,
    ) -> Result<Vec<H256>, AuthorRpcError> {
        if bytes_or_hash.len() > self.limits.max_items {
            return Err(ParamError::TooMany {
                count: bytes_or_hash.len(),
                max: self.limits.max_items,
            }
            .into());
        }
        let hashes: Vec<H256> = bytes_or_hash
            .into_iter()
            .map(|item| match item {
                ExtrinsicOrHash::Hash(hash) => hash,
                ExtrinsicOrHash::Extrinsic(bytes) => H256(dfs_core::hashing::blake2_256(&bytes.0)),
            })
            .collect();
        let pool = self.pool.clone();
        Ok(self.workers.run(move || pool.remove(&hashes)).await?)
    }

    async fn insert_key(
        &self,
        key_type: String,
        suri: String,
        _public: Option<Bytes>,
    ) -> Result<(), AuthorRpcError> {
        let key_type: KeyTypeId = key_type.parse()?;
        let keystore = self.keystore.clone();
        self.workers
            .run(move || keystore.insert(key_type, &suri, key_type.default_scheme()))
            .await??;
        Ok(())
    }

    async fn rotate_keys(&self) -> Result<Bytes, AuthorRpcError> {
        let keystore = self.keystore.clone();
        let public =
            self.workers.run(move || keystore.generate(KeyTypeId::AURA, Scheme::Sr25519)).await??;
        tracing::info!(target: "rpc", "rotated the session keys");
        Ok(Bytes(public.to_vec()))
    }

    async fn has_key(&self, public: Bytes, key_type: String) -> Result<bool, AuthorRpcError> {
        let key_type: KeyTypeId = key_type.parse()?;
        Ok(self.keystore.has_key(key_type, &public.0))
    }

    async fn watch_extrinsic(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        extrinsic: HexBytes,
    ) -> SubscriptionResult {
        let connection = connection_of(ext);
        let bytes = match self.decode(&extrinsic) {
            Ok(bytes) => bytes,
            Err(error) => {
                pending.reject(ErrorObjectOwned::from(error)).await;
                return Ok(());
            }
        };
        drop(extrinsic);
        let (sender, mut statuses) = mpsc::unbounded_channel();
        if let Err(error) = self.submissions.submit(bytes, Some(sender)).await {
            pending.reject(pool_error(error)).await;
            return Ok(());
        }
        let Ok(sink) = pending.accept().await else { return Ok(()) };
        loop {
            // The client leaving ends the watch at once, not at the next status: the
            // receiver is dropped and the pool forgets the watcher.
            let status = tokio::select! {
                _ = sink.closed() => return Ok(()),
                status = statuses.recv() => match status {
                    Some(status) => status,
                    None => return Ok(()),
                },
            };
            let last = status.is_final();
            if !notify(&sink, connection.as_ref(), &TransactionStatus(status)).await || last {
                return Ok(());
            }
        }
    }
}
