//! The runtime API calls the node makes, typed in one place: each is a type naming the
//! entry point (`<Api>_<method>`), the SCALE argument it takes and the result it returns,
//! so no call site spells an entry point or decodes an output by hand.
//!
//! Clients' `state_call` passes names and bytes through untyped, as Substrate does.

use codec::{Compact, Decode, Encode, Output};
use dfs_core::{AccountId32, H256};
use dfs_runtime_primitives::{
    generic::{Block, Header, OpaqueExtrinsic},
    ApplyExtrinsicResult, ExtrinsicInclusionMode, InherentData, RuntimeVersion, TransactionSource,
    TransactionValidity,
};

use dfs_executor::{CallKind, Executor};
use dfs_io::state::{Backend, OverlayedChanges};
use dfs_pallet_transaction_payment::{FeeDetails, RuntimeDispatchInfo};
use dfs_support::benchmarking::{BenchmarkInfo, BenchmarkOrigin};

use crate::{ChainError, ChainResult};

/// Calls `C` on `state` as block work, its changes going into `overlay` (the block builder's
/// way: several calls build up one block).
pub fn call_in_overlay<C: RuntimeApiCall>(
    executor: &Executor,
    state: &dyn Backend,
    overlay: &mut OverlayedChanges,
    args: &C::Args<'_>,
) -> ChainResult<C::Output> {
    let output = executor.call_at(state, overlay, C::METHOD, &args.encode(), CallKind::Block)?;
    C::decode_output(&output)
}

/// One runtime API entry point with its argument and result types.
pub trait RuntimeApiCall {
    /// The exported name, `<Api>_<method>`.
    const METHOD: &'static str;
    /// The argument, SCALE-encoded as the runtime decodes it (a tuple for several).
    type Args<'a>: Encode;
    /// The result.
    type Output: Decode;

    /// Decodes the runtime's output.
    fn decode_output(output: &[u8]) -> ChainResult<Self::Output> {
        Self::Output::decode(&mut &output[..]).map_err(|_| ChainError::BadOutput(Self::METHOD))
    }
}

/// An extrinsic's encoding (length prefix included), passed through as it is.
#[derive(Clone, Copy, Debug)]
pub struct EncodedExtrinsic<'a>(pub &'a [u8]);

impl Encode for EncodedExtrinsic<'_> {
    fn size_hint(&self) -> usize {
        self.0.len()
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        dest.write(self.0);
    }
}

/// A SCALE `Vec` of extrinsics given by their encodings (each length-prefixed already): the
/// pool's and the author's batches, encoded without copying each transaction twice.
#[derive(Clone, Copy, Debug)]
pub struct EncodedExtrinsics<'a>(pub &'a [&'a [u8]]);

impl Encode for EncodedExtrinsics<'_> {
    fn size_hint(&self) -> usize {
        5 + self.0.iter().map(|tx| tx.len()).sum::<usize>()
    }

    fn encode_to<T: Output + ?Sized>(&self, dest: &mut T) {
        Compact(self.0.len() as u32).encode_to(dest);
        for tx in self.0 {
            dest.write(tx);
        }
    }
}

macro_rules! runtime_api_calls {
    ($(
        $(#[$doc:meta])*
        $name:ident = $method:literal, ($args:ty) -> $output:ty;
    )*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        impl RuntimeApiCall for $name {
            const METHOD: &'static str = $method;
            type Args<'a> = $args;
            type Output = $output;
        }
    )*};
}

runtime_api_calls! {
    /// The runtime's version (`Core` v5).
    CoreVersion = "Core_version", (()) -> RuntimeVersion;
    /// Executes and checks a whole block (seal removed); traps if it is invalid.
    CoreExecuteBlock = "Core_execute_block", (Block<OpaqueExtrinsic>) -> ();
    /// Starts building a block with this header.
    CoreInitializeBlock = "Core_initialize_block", (Header) -> ExtrinsicInclusionMode;
    /// The inherent extrinsics for the given inherent data.
    InherentExtrinsics = "BlockBuilder_inherent_extrinsics", (InherentData) -> Vec<OpaqueExtrinsic>;
    /// Applies extrinsics in order, each result in its position (a DFS API).
    ApplyExtrinsics = "DfsBlockBuilder_apply_extrinsics", (EncodedExtrinsics<'a>) -> Vec<ApplyExtrinsicResult>;
    /// Finishes the block being built and returns its header.
    FinalizeBlock = "BlockBuilder_finalize_block", (()) -> Header;
    /// Validates transactions after a block, each alone (a DFS API).
    ValidateTransactions = "DfsTransactionQueue_validate_transactions",
        ((TransactionSource, EncodedExtrinsics<'a>, H256)) -> Vec<TransactionValidity>;
    /// The slot length in milliseconds.
    AuraSlotDuration = "AuraApi_slot_duration", (()) -> u64;
    /// The block authorities' sr25519 keys, in round-robin order.
    AuraAuthorities = "AuraApi_authorities", (()) -> Vec<AccountId32>;
    /// Metadata V14, SCALE `Vec<u8>` of the prefixed metadata.
    Metadata = "Metadata_metadata", (()) -> Vec<u8>;
    /// The next nonce of an account.
    AccountNonce = "AccountNonceApi_account_nonce", (AccountId32) -> u32;
    /// The default genesis configuration (`None`) or a named preset's patch, as JSON.
    GenesisPreset = "GenesisBuilder_get_preset", (Option<Vec<u8>>) -> Option<Vec<u8>>;
    /// Builds the genesis state from a JSON configuration or patch.
    GenesisBuildState = "GenesisBuilder_build_state", (Vec<u8>) -> Result<(), String>;
    /// Weight, class and fee of an extrinsic of the given length (signatures unchecked).
    QueryInfo = "TransactionPaymentApi_query_info", ((EncodedExtrinsic<'a>, u32)) -> RuntimeDispatchInfo;
    /// The fee of an extrinsic of the given length, part by part.
    QueryFeeDetails = "TransactionPaymentApi_query_fee_details", ((EncodedExtrinsic<'a>, u32)) -> FeeDetails;
    /// The pallets' benchmarks (runtimes built with `runtime-benchmarks` only).
    BenchmarkList = "DfsBenchmark_benchmarks", (()) -> Vec<BenchmarkInfo>;
    /// Sets up a benchmark (pallet, name, component value, all as root) for signers; their
    /// calls, with how each is dispatched.
    BenchmarkSetup = "DfsBenchmark_setup",
        ((Vec<u8>, Vec<u8>, u32, bool, Vec<AccountId32>)) -> Result<Vec<(BenchmarkOrigin, Vec<u8>)>, String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_extrinsics_are_a_scale_vec_of_the_encodings() {
        let (a, b) = (vec![8u8, 1, 2], vec![4u8, 9]);
        let list = [&a[..], &b[..]];
        assert_eq!(EncodedExtrinsics(&list).encode(), [vec![8u8], a.clone(), b.clone()].concat());
        let decoded = Vec::<OpaqueExtrinsic>::decode(&mut &EncodedExtrinsics(&list).encode()[..]);
        assert_eq!(decoded.unwrap().len(), 2);
        assert_eq!(EncodedExtrinsic(&a).encode(), a);
    }
}
