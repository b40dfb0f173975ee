//! `chain_*`: headers, blocks, hashes by number, and head subscriptions.

use std::sync::Arc;

use dfs_chain::{BlockReader, Chain, ChainError, ChainEvent, HeaderReader};
use dfs_core::H256;
use jsonrpsee::{
    core::SubscriptionResult, proc_macros::rpc, types::ErrorObjectOwned, Extensions,
    PendingSubscriptionSink,
};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    config::Limits,
    errors::{ParamError, ServiceError, CLIENT_ERROR},
    subscription::{connection_of, notify},
    types::{Bytes, ListOrValue, NumberOrHex, RpcBlock, RpcHeader, RpcSignedBlock},
    workers::Workers,
};

/// Why a `chain_*` call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainRpcError {
    /// Reading the chain failed (4003, Substrate's client error).
    #[error("Client error: {0}")]
    Client(#[from] ChainError),
    /// A parameter the server will not take.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The call was not served.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<ChainRpcError> for ErrorObjectOwned {
    fn from(error: ChainRpcError) -> Self {
        let message = error.to_string();
        match error {
            ChainRpcError::Client(_) => ErrorObjectOwned::owned(CLIENT_ERROR, message, None::<()>),
            ChainRpcError::Param(error) => error.into(),
            ChainRpcError::Service(error) => error.into(),
        }
    }
}

/// The `chain_*` namespace.
#[rpc(server)]
pub trait ChainApi {
    /// The hash of the best chain's block at a number (or of each of a list of numbers),
    /// the best block's without one.
    #[method(name = "chain_getBlockHash", aliases = ["chain_getHead"])]
    async fn block_hash(
        &self,
        number: Option<ListOrValue<NumberOrHex>>,
    ) -> Result<ListOrValue<Option<H256>>, ChainRpcError>;

    /// A block's header (the best block's without a hash).
    #[method(name = "chain_getHeader")]
    async fn header(&self, hash: Option<H256>) -> Result<Option<RpcHeader>, ChainRpcError>;

    /// A block with its justifications (the best block's without a hash).
    #[method(name = "chain_getBlock")]
    async fn block(&self, hash: Option<H256>) -> Result<Option<RpcSignedBlock>, ChainRpcError>;

    /// The last finalized block's hash.
    #[method(name = "chain_getFinalizedHead", aliases = ["chain_getFinalisedHead"])]
    fn finalized_head(&self) -> Result<H256, ChainRpcError>;

    /// Every imported block's header.
    #[subscription(
        name = "chain_subscribeAllHeads" => "chain_allHead",
        unsubscribe = "chain_unsubscribeAllHeads",
        item = RpcHeader,
        with_extensions
    )]
    async fn subscribe_all_heads(&self) -> SubscriptionResult;

    /// The best block's header, now and at each change.
    #[subscription(
        name = "chain_subscribeNewHeads" => "chain_newHead",
        aliases = ["chain_subscribeNewHead"],
        unsubscribe = "chain_unsubscribeNewHeads",
        unsubscribe_aliases = ["chain_unsubscribeNewHead"],
        item = RpcHeader,
        with_extensions
    )]
    async fn subscribe_new_heads(&self) -> SubscriptionResult;

    /// The finalized block's header, now and at each change.
    #[subscription(
        name = "chain_subscribeFinalizedHeads" => "chain_finalizedHead",
        aliases = ["chain_subscribeFinalisedHeads"],
        unsubscribe = "chain_unsubscribeFinalizedHeads",
        unsubscribe_aliases = ["chain_unsubscribeFinalisedHeads"],
        item = RpcHeader,
        with_extensions
    )]
    async fn subscribe_finalized_heads(&self) -> SubscriptionResult;
}

/// Which chain events a head subscription forwards.
#[derive(Clone, Copy)]
enum HeadKind {
    Best,
    Finalized,
    All,
}

/// The `chain_*` namespace over the node's chain.
pub struct ChainRpc {
    chain: Arc<Chain>,
    workers: Workers,
    limits: Limits,
}

impl ChainRpc {
    /// The namespace over `chain`, its reads run by `workers`.
    pub fn new(chain: Arc<Chain>, workers: Workers, limits: Limits) -> Self {
        ChainRpc { chain, workers, limits }
    }

    async fn follow_heads(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
        kind: HeadKind,
    ) {
        let connection = connection_of(ext);
        let mut events = self.chain.subscribe();
        let Ok(sink) = pending.accept().await else { return };
        // The current head first, as Substrate does.
        let current = match kind {
            HeadKind::Finalized => self.chain.finalized(),
            _ => self.chain.best(),
        };
        if let Ok(Some(header)) = self.chain.header(&current.hash) {
            if !notify(&sink, connection.as_ref(), &RpcHeader::from(&header)).await {
                return;
            }
        }
        loop {
            let header = tokio::select! {
                _ = sink.closed() => return,
                event = events.recv() => match event {
                    Ok(ChainEvent::Imported { header, is_best, .. })
                        if matches!(kind, HeadKind::All) || (is_best && matches!(kind, HeadKind::Best)) => header,
                    Ok(ChainEvent::Finalized { header, .. }) if matches!(kind, HeadKind::Finalized) => header,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
            };
            if !notify(&sink, connection.as_ref(), &RpcHeader::from(&*header)).await {
                return;
            }
        }
    }
}

#[jsonrpsee::core::async_trait]
impl ChainApiServer for ChainRpc {
    async fn block_hash(
        &self,
        number: Option<ListOrValue<NumberOrHex>>,
    ) -> Result<ListOrValue<Option<H256>>, ChainRpcError> {
        let numbers = match number {
            None => return Ok(ListOrValue::Value(Some(self.chain.best().hash))),
            Some(ListOrValue::Value(number)) => ListOrValue::Value(number.to_block_number()?),
            Some(ListOrValue::List(list)) => {
                if list.len() > self.limits.max_items {
                    return Err(ParamError::TooMany {
                        count: list.len(),
                        max: self.limits.max_items,
                    }
                    .into());
                }
                ListOrValue::List(
                    list.iter().map(NumberOrHex::to_block_number).collect::<Result<_, _>>()?,
                )
            }
        };
        let chain = self.chain.clone();
        self.workers
            .run(move || match numbers {
                ListOrValue::Value(number) => Ok(ListOrValue::Value(chain.hash_at(number)?)),
                ListOrValue::List(numbers) => Ok(ListOrValue::List(
                    numbers.into_iter().map(|n| chain.hash_at(n)).collect::<Result<_, _>>()?,
                )),
            })
            .await?
    }

    async fn header(&self, hash: Option<H256>) -> Result<Option<RpcHeader>, ChainRpcError> {
        let chain = self.chain.clone();
        let at = hash.unwrap_or_else(|| chain.best().hash);
        let header = self.workers.run(move || chain.header(&at)).await??;
        Ok(header.as_ref().map(RpcHeader::from))
    }

    async fn block(&self, hash: Option<H256>) -> Result<Option<RpcSignedBlock>, ChainRpcError> {
        let chain = self.chain.clone();
        let at = hash.unwrap_or_else(|| chain.best().hash);
        self.workers
            .run(move || {
                let Some(header) = chain.header(&at)? else { return Ok(None) };
                let body = chain.body(&at)?.unwrap_or_default();
                let justifications = chain.justifications(&at)?;
                Ok(Some(RpcSignedBlock {
                    block: RpcBlock {
                        header: RpcHeader::from(&header),
                        extrinsics: body
                            .iter()
                            .map(|xt| Bytes(codec::Encode::encode(xt)))
                            .collect(),
                    },
                    justifications: justifications.map(Bytes),
                }))
            })
            .await?
    }

    fn finalized_head(&self) -> Result<H256, ChainRpcError> {
        Ok(self.chain.finalized().hash)
    }

    async fn subscribe_all_heads(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
    ) -> SubscriptionResult {
        self.follow_heads(pending, ext, HeadKind::All).await;
        Ok(())
    }

    async fn subscribe_new_heads(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
    ) -> SubscriptionResult {
        self.follow_heads(pending, ext, HeadKind::Best).await;
        Ok(())
    }

    async fn subscribe_finalized_heads(
        &self,
        pending: PendingSubscriptionSink,
        ext: &Extensions,
    ) -> SubscriptionResult {
        self.follow_heads(pending, ext, HeadKind::Finalized).await;
        Ok(())
    }
}
