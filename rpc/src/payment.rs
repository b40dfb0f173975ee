//! `payment_*`: fee estimates (clients mostly ask `state_call` for them; py-substrate-interface
//! falls back to these).

use std::sync::Arc;

use dfs_chain::{
    runtime_api::{EncodedExtrinsic, QueryFeeDetails, QueryInfo, RuntimeApiCall},
    Chain, ChainError, HeaderReader, StateReader,
};
use dfs_core::H256;
use dfs_executor::CallKind;
use dfs_support::dispatch::DispatchClass;
use jsonrpsee::{proc_macros::rpc, types::ErrorObjectOwned};
use serde_json::{json, Value};

use crate::{
    config::Limits,
    errors::{ParamError, ServiceError},
    types::HexBytes,
    workers::Workers,
};

/// Why a `payment_*` call failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentRpcError {
    /// The runtime could not answer (1, Substrate's payment runtime error).
    #[error("Unable to query dispatch info.: {0}")]
    Runtime(#[from] ChainError),
    /// A parameter the server will not take.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The call was not served.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<PaymentRpcError> for ErrorObjectOwned {
    fn from(error: PaymentRpcError) -> Self {
        match error {
            PaymentRpcError::Runtime(_) => {
                ErrorObjectOwned::owned(1, error.to_string(), None::<()>)
            }
            PaymentRpcError::Param(error) => error.into(),
            PaymentRpcError::Service(error) => error.into(),
        }
    }
}

/// The `payment_*` namespace.
#[rpc(server)]
pub trait PaymentApi {
    /// An extrinsic's weight, class and fee.
    #[method(name = "payment_queryInfo")]
    async fn query_info(
        &self,
        extrinsic: HexBytes,
        at: Option<H256>,
    ) -> Result<Value, PaymentRpcError>;

    /// An extrinsic's fee, part by part.
    #[method(name = "payment_queryFeeDetails")]
    async fn query_fee_details(
        &self,
        extrinsic: HexBytes,
        at: Option<H256>,
    ) -> Result<Value, PaymentRpcError>;
}

/// The `payment_*` namespace over the node's chain.
pub struct PaymentRpc {
    chain: Arc<Chain>,
    workers: Workers,
    limits: Limits,
}

impl PaymentRpc {
    /// The namespace.
    pub fn new(chain: Arc<Chain>, workers: Workers, limits: Limits) -> Self {
        PaymentRpc { chain, workers, limits }
    }

    /// Asks the runtime's payment API `C` about an extrinsic (its bytes as sent and their
    /// length) at `at` or the best block, on a worker.
    async fn ask<C>(
        &self,
        extrinsic: HexBytes,
        at: Option<H256>,
    ) -> Result<C::Output, PaymentRpcError>
    where
        C: for<'a> RuntimeApiCall<Args<'a> = (EncodedExtrinsic<'a>, u32)> + 'static,
        C::Output: Send + 'static,
    {
        let xt = extrinsic.decode_limited(self.limits.max_request_bytes)?;
        let chain = self.chain.clone();
        let at = at.unwrap_or_else(|| chain.best().hash);
        let output = self
            .workers
            .run(move || {
                let args = (EncodedExtrinsic(&xt), xt.len() as u32);
                chain.runtime_api_as::<C>(&at, &args, CallKind::Offchain)
            })
            .await??;
        Ok(output)
    }
}

#[jsonrpsee::core::async_trait]
impl PaymentApiServer for PaymentRpc {
    async fn query_info(
        &self,
        extrinsic: HexBytes,
        at: Option<H256>,
    ) -> Result<Value, PaymentRpcError> {
        let info = self.ask::<QueryInfo>(extrinsic, at).await?;
        let class = match info.class {
            DispatchClass::Normal => "normal",
            DispatchClass::Operational => "operational",
            DispatchClass::Mandatory => "mandatory",
        };
        Ok(json!({
            "weight": { "refTime": info.weight.ref_time, "proofSize": info.weight.proof_size },
            "class": class,
            "partialFee": info.partial_fee.to_string(),
        }))
    }

    async fn query_fee_details(
        &self,
        extrinsic: HexBytes,
        at: Option<H256>,
    ) -> Result<Value, PaymentRpcError> {
        let details = self.ask::<QueryFeeDetails>(extrinsic, at).await?;
        let number = |v: u128| format!("{v:#x}");
        Ok(json!({
            "inclusionFee": details.inclusion_fee.map(|fee| json!({
                "baseFee": number(fee.base_fee),
                "lenFee": number(fee.len_fee),
                "adjustedWeightFee": number(fee.adjusted_weight_fee),
            })),
            "tip": number(details.tip),
        }))
    }
}
