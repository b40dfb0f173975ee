//! What the pool needs of the chain, and the real chain's answer.

use std::sync::Arc;

use codec::Encode;
use dfs_chain::{
    runtime_api::{EncodedExtrinsics, RuntimeApiCall, ValidateTransactions},
    BlockReader, BlockRef, Chain, ChainError, HeaderReader, StateReader, TreeRoute,
};
use dfs_core::H256;
use dfs_executor::CallKind;
use dfs_runtime_primitives::{TransactionSource, TransactionValidity};

/// Why the chain could not answer the pool.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The runtime failed on what it was given (it trapped on one of the transactions, or
    /// answered garbage): a smaller batch may pass.
    #[error("the runtime failed on the batch: {0}")]
    Runtime(String),
    /// The chain itself failed (a missing state, the database): no batch would pass now.
    #[error("the chain failed: {0}")]
    Chain(String),
}

/// The chain as the pool sees it: a small interface, so that the pool's rules are tested
/// against an in-memory chain (`test_utils`, feature `test-utils`).
pub trait ChainApi: Send + Sync + 'static {
    /// The best block.
    fn best(&self) -> BlockRef;
    /// Validates each of `txs` (encodings, length prefix included) after block `at`, alone,
    /// as if submitted from `source`: one result per transaction, in order.
    fn validate(
        &self,
        at: &BlockRef,
        source: TransactionSource,
        txs: &[&[u8]],
    ) -> Result<Vec<TransactionValidity>, ApiError>;
    /// The encodings of block `hash`'s extrinsics, if the block is known.
    fn block_body(&self, hash: &H256) -> Result<Option<Vec<Vec<u8>>>, ApiError>;
    /// The route between two known blocks.
    fn tree_route(&self, from: &H256, to: &H256) -> Result<TreeRoute, ApiError>;
}

/// The node's chain behind [`ChainApi`].
pub struct FullChainApi(pub Arc<Chain>);

fn chain_error(error: ChainError) -> ApiError {
    match error {
        ChainError::Executor(error) if dfs_chain::runtime_failed_on_input(&error) => {
            ApiError::Runtime(error.to_string())
        }
        ChainError::BadOutput(method) => ApiError::Runtime(format!("{method} answered garbage")),
        other => ApiError::Chain(other.to_string()),
    }
}

impl ChainApi for FullChainApi {
    fn best(&self) -> BlockRef {
        self.0.best()
    }

    fn validate(
        &self,
        at: &BlockRef,
        source: TransactionSource,
        txs: &[&[u8]],
    ) -> Result<Vec<TransactionValidity>, ApiError> {
        let input = (source, EncodedExtrinsics(txs), at.hash).encode();
        let output = self
            .0
            .call(&at.hash, ValidateTransactions::METHOD, &input, CallKind::Block)
            .map_err(chain_error)?;
        let results = ValidateTransactions::decode_output(&output).map_err(chain_error)?;
        if results.len() != txs.len() {
            return Err(ApiError::Runtime(format!(
                "{} results for {} transactions",
                results.len(),
                txs.len()
            )));
        }
        Ok(results)
    }

    fn block_body(&self, hash: &H256) -> Result<Option<Vec<Vec<u8>>>, ApiError> {
        let body = self.0.body(hash).map_err(chain_error)?;
        Ok(body.map(|extrinsics| extrinsics.iter().map(Encode::encode).collect()))
    }

    fn tree_route(&self, from: &H256, to: &H256) -> Result<TreeRoute, ApiError> {
        self.0.tree_route(from, to).map_err(chain_error)
    }
}
