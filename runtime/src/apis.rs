//! The runtime APIs: Substrate's names, ids and versions, called with SCALE bytes.
//!
//! [`call`] is the single entry point, `"<Api>_<method>"` plus the SCALE-encoded
//! arguments in, the SCALE-encoded result out: what the node's executor calls in
//! the Wasm build and what native tests call directly. [`api_metadata`] describes
//! the same table for metadata V15.

use alloc::{format, string::String, vec::Vec};
use codec::{Compact, Decode, DecodeLimit, Encode, Input};
use dfs_core::{AccountId32, H256};
use dfs_pallet_transaction_payment::{FeeDetails, RuntimeDispatchInfo};
use dfs_runtime_primitives::{
    ApplyExtrinsicResult, CheckInherentsResult, ExtrinsicInclusionMode, InherentData,
    MultiSignature, OpaqueMetadata, RuntimeVersion, TransactionSource, TransactionValidity, Weight,
};
use dfs_support::{
    dispatch::GetDispatchInfo,
    metadata::{ExtrinsicDescription, RuntimeDescription},
    signed_extension::SignedExtension,
    Balance,
};
use frame_metadata::v15::{
    RuntimeApiMetadata, RuntimeApiMethodMetadata, RuntimeApiMethodParamMetadata,
};
use scale_info::{meta_type, TypeInfo};

use crate::{
    genesis, Address, Block, Executive, Header, Runtime, RuntimeCall, RuntimeError, RuntimeEvent,
    SignedExtra, Timestamp, TransactionPayment, UncheckedExtrinsic,
};

/// How deeply arguments (nested calls) may nest when decoded.
const MAX_DECODE_DEPTH: u32 = 256;

/// Why a runtime API call produced no result.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ApiError {
    /// No such API method.
    UnknownMethod,
    /// The arguments do not decode as the method's parameters.
    BadInput(&'static str),
    /// The call itself failed (e.g. a block that does not execute).
    Failed(String),
}

impl core::fmt::Display for ApiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ApiError::UnknownMethod => f.write_str("unknown runtime API method"),
            ApiError::BadInput(method) => write!(f, "bad input data for {method}"),
            ApiError::Failed(reason) => write!(f, "runtime API call failed: {reason}"),
        }
    }
}

/// An extrinsic passed through as its encoded bytes (length prefix included), so that a
/// malformed one gets a transaction-validity answer instead of failing the call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RawExtrinsic(pub Vec<u8>);

impl Decode for RawExtrinsic {
    fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
        let length = Compact::<u32>::decode(input)?.0 as usize;
        if let Some(remaining) = input.remaining_len()? {
            if length > remaining {
                return Err("extrinsic length exceeds the input".into());
            }
        }
        let mut bytes = Compact(length as u32).encode();
        let prefix = bytes.len();
        bytes.resize(prefix + length, 0);
        input.read(&mut bytes[prefix..])?;
        Ok(RawExtrinsic(bytes))
    }
}

impl TypeInfo for RawExtrinsic {
    type Identity = UncheckedExtrinsic;
    fn type_info() -> scale_info::Type {
        UncheckedExtrinsic::type_info()
    }
}

/// A genesis preset's name.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime", "sp_genesis_builder"))]
pub struct PresetId(pub Vec<u8>);

/// The result of `GenesisBuilder_build_state`.
pub type GenesisResult = Result<(), String>;

/// The earliest a block's timestamp may lead the importing node's clock.
pub const MAX_TIMESTAMP_DRIFT_MS: u64 = 30_000;

/// Declares the runtime APIs: the version table, the dispatcher and the V15 metadata.
macro_rules! runtime_apis {
    ($(
        $(#[doc = $api_doc:literal])*
        $api:ident = ($id:expr, $version:literal) {
            $(
                $(#[doc = $doc:literal])*
                fn $method:ident($($arg:ident: $arg_ty:ty),* $(,)?) -> $out:ty $body:block
            )*
        }
    )*) => {
        /// The ids (blake2-64 of the trait name) and versions of the APIs this runtime offers.
        pub const RUNTIME_API_VERSIONS: &[([u8; 8], u32)] = &[$(($id, $version)),*];

        /// Calls runtime API method `name` (e.g. `Core_version`) with SCALE-encoded `input`.
        pub fn call(name: &str, input: &[u8]) -> Result<Vec<u8>, ApiError> {
            $($(
                if name == concat!(stringify!($api), "_", stringify!($method)) {
                    let mut input = input;
                    #[allow(unused_parens)]
                    let ($($arg,)*): ($($arg_ty,)*) =
                        DecodeLimit::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut input)
                            .map_err(|_| ApiError::BadInput(concat!(stringify!($api), "_", stringify!($method))))?;
                    fn implementation($($arg: $arg_ty),*) -> Result<$out, ApiError> $body
                    return implementation($($arg),*).map(|value| value.encode());
                }
            )*)*
            Err(ApiError::UnknownMethod)
        }

        /// The exported entry points of the Wasm build: `<Api>_<method>(ptr, len) -> len << 32 | ptr`.
        #[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
        #[allow(non_snake_case)]
        pub mod exports {
            $(
                /// Entry points of this API.
                pub mod $api {
                    $(
                        /// See the runtime API of the same name.
                        #[export_name = concat!(stringify!($api), "_", stringify!($method))]
                        pub extern "C" fn $method(ptr: u32, len: u32) -> u64 {
                            super::super::export(concat!(stringify!($api), "_", stringify!($method)), ptr, len)
                        }
                    )*
                }
            )*
        }

        /// The runtime APIs, for metadata V15.
        pub fn api_metadata() -> Vec<RuntimeApiMetadata> {
            alloc::vec![$(
                RuntimeApiMetadata {
                    name: stringify!($api),
                    methods: alloc::vec![$(
                        RuntimeApiMethodMetadata {
                            name: stringify!($method),
                            inputs: alloc::vec![$(
                                RuntimeApiMethodParamMetadata { name: stringify!($arg), ty: meta_type::<$arg_ty>() }
                            ),*],
                            output: meta_type::<$out>(),
                            docs: alloc::vec![$($doc),*],
                        }
                    ),*],
                    docs: alloc::vec![$($api_doc),*],
                }
            ),*]
        }
    };
}

runtime_apis! {
    /// The runtime's version and block execution.
    Core = ([0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b], 5) {
        /// The runtime's version.
        fn version() -> RuntimeVersion {
            Ok(crate::version())
        }
        /// Executes and checks a whole block.
        fn execute_block(block: Block) -> () {
            Executive::execute_block(block).map_err(|error| ApiError::Failed(format!("{error:?}")))
        }
        /// Starts building a block on top of the current state.
        fn initialize_block(header: Header) -> ExtrinsicInclusionMode {
            Executive::initialize_block(&header);
            Ok(ExtrinsicInclusionMode::AllExtrinsics)
        }
    }

    /// The runtime's metadata.
    Metadata = ([0x37, 0xe3, 0x97, 0xfc, 0x7c, 0x91, 0xf5, 0xe4], 2) {
        /// Metadata V14.
        fn metadata() -> OpaqueMetadata {
            Ok(OpaqueMetadata(metadata_bytes(14).unwrap_or_default()))
        }
        /// Metadata of the given version, if supported.
        fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
            Ok(metadata_bytes(version).map(OpaqueMetadata))
        }
        /// The supported metadata versions.
        fn metadata_versions() -> Vec<u32> {
            Ok(dfs_support::metadata::SUPPORTED_VERSIONS.to_vec())
        }
    }

    /// Building blocks one extrinsic at a time.
    BlockBuilder = ([0x40, 0xfe, 0x3a, 0xd4, 0x01, 0xf8, 0x95, 0x9a], 6) {
        /// Applies an extrinsic to the block being built.
        fn apply_extrinsic(extrinsic: RawExtrinsic) -> ApplyExtrinsicResult {
            Ok(Executive::apply_extrinsic_bytes(&extrinsic.0))
        }
        /// Finishes the block being built.
        fn finalize_block() -> Header {
            Ok(Executive::finalize_block())
        }
        /// The inherents for the given inherent data.
        fn inherent_extrinsics(data: InherentData) -> Vec<UncheckedExtrinsic> {
            let now: u64 = data
                .get(&dfs_pallet_timestamp::INHERENT_IDENTIFIER)
                .ok_or(ApiError::BadInput("BlockBuilder_inherent_extrinsics: no timstap0 entry"))?;
            let call = Timestamp::create_inherent(now);
            Ok(alloc::vec![UncheckedExtrinsic::new_unsigned(RuntimeCall::Timestamp(call))])
        }
        /// Checks a block's inherents against the importing node's inherent data.
        fn check_inherents(block: Block, data: InherentData) -> CheckInherentsResult {
            Ok(check_inherents(&block, &data))
        }
    }

    /// Building blocks many extrinsics per call (a DFS API): the author applies the pool's
    /// transactions in chunks, sparing a runtime instance per transaction.
    DfsBlockBuilder = ([0x37, 0x22, 0xe3, 0xc9, 0x8a, 0xe3, 0xc4, 0xe8], 1) {
        /// Applies `extrinsics` in order, as `BlockBuilder_apply_extrinsic` would one by one:
        /// each result in the same position; an invalid one (`Err`) leaves no trace.
        fn apply_extrinsics(extrinsics: Vec<RawExtrinsic>) -> Vec<ApplyExtrinsicResult> {
            Ok(extrinsics.iter().map(|xt| Executive::apply_extrinsic_bytes(&xt.0)).collect())
        }
    }

    /// Transaction validation for the pool.
    TaggedTransactionQueue = ([0xd2, 0xbc, 0x98, 0x97, 0xee, 0xd0, 0x8f, 0x15], 3) {
        /// Whether a transaction may enter the pool after block `block_hash`.
        fn validate_transaction(source: TransactionSource, tx: RawExtrinsic, block_hash: H256) -> TransactionValidity {
            Ok(Executive::validate_transaction(source, &tx.0, block_hash))
        }
    }

    /// Transaction validation many per call (a DFS API): the pool validates submissions in
    /// batches, sparing a runtime instance per transaction.
    DfsTransactionQueue = ([0xdf, 0x25, 0x5a, 0x63, 0x20, 0x30, 0xe2, 0xa3], 1) {
        /// Validates each of `txs` after block `block_hash`, as
        /// `TaggedTransactionQueue_validate_transaction` would one by one: each against the
        /// same state, none seeing another.
        fn validate_transactions(source: TransactionSource, txs: Vec<RawExtrinsic>, block_hash: H256) -> Vec<TransactionValidity> {
            Ok(txs.iter().map(|tx| Executive::validate_transaction(source, &tx.0, block_hash)).collect())
        }
    }

    /// Account nonces.
    AccountNonceApi = ([0xbc, 0x9d, 0x89, 0x90, 0x4f, 0x5b, 0x92, 0x3f], 1) {
        /// The next nonce of `account`.
        fn account_nonce(account: AccountId32) -> u32 {
            Ok(dfs_pallet_system::Pallet::<Runtime>::account_nonce(&account))
        }
    }

    /// Block authorship by slots.
    AuraApi = ([0xdd, 0x71, 0x8d, 0x5c, 0xc5, 0x32, 0x62, 0xd4], 1) {
        /// The slot length in milliseconds.
        fn slot_duration() -> u64 {
            Ok(dfs_pallet_aura::Pallet::<Runtime>::slot_duration())
        }
        /// The authorities' sr25519 public keys, in round-robin order.
        fn authorities() -> Vec<AccountId32> {
            Ok(dfs_pallet_aura::Pallet::<Runtime>::authorities())
        }
    }

    /// Fee estimates; signatures are never checked.
    TransactionPaymentApi = ([0x37, 0xc8, 0xbb, 0x13, 0x50, 0xa9, 0xa2, 0xa8], 4) {
        /// Weight, class and fee of an extrinsic of `len` bytes.
        fn query_info(uxt: RawExtrinsic, len: u32) -> RuntimeDispatchInfo {
            let xt = decode_extrinsic(&uxt, "TransactionPaymentApi_query_info")?;
            Ok(TransactionPayment::query_info(xt.function.get_dispatch_info(), len, xt.is_signed()))
        }
        /// The fee of an extrinsic, part by part.
        fn query_fee_details(uxt: RawExtrinsic, len: u32) -> FeeDetails {
            let xt = decode_extrinsic(&uxt, "TransactionPaymentApi_query_fee_details")?;
            Ok(TransactionPayment::query_fee_details(xt.function.get_dispatch_info(), len, xt.is_signed()))
        }
        /// The price of a weight.
        fn query_weight_to_fee(weight: Weight) -> Balance {
            Ok(TransactionPayment::weight_to_fee(weight))
        }
        /// The price of a length.
        fn query_length_to_fee(length: u32) -> Balance {
            Ok(TransactionPayment::length_to_fee(length))
        }
    }

    /// Genesis configuration.
    GenesisBuilder = ([0xfb, 0xc5, 0x77, 0xb9, 0xd7, 0x47, 0xef, 0xd6], 1) {
        /// Builds the genesis state from a JSON configuration (or patch over the default).
        fn build_state(json: Vec<u8>) -> GenesisResult {
            Ok(genesis::build_state(&json))
        }
        /// The default configuration (`None`) or a named preset's patch, as JSON.
        fn get_preset(id: Option<PresetId>) -> Option<Vec<u8>> {
            Ok(match id {
                None => serde_json::to_vec(&genesis::default_config()).ok(),
                Some(PresetId(name)) => core::str::from_utf8(&name)
                    .ok()
                    .and_then(genesis::preset)
                    .and_then(|patch| serde_json::to_vec(&patch).ok()),
            })
        }
        /// The names of the built-in presets.
        fn preset_names() -> Vec<PresetId> {
            Ok(genesis::preset_names().into_iter().map(|name| PresetId(name.as_bytes().to_vec())).collect())
        }
    }
}

/// Runs an API call for the host: reads the input the host placed at `ptr`, returns the
/// output as `len << 32 | ptr`. A failed call logs why and traps.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
fn export(name: &'static str, ptr: u32, len: u32) -> u64 {
    export_with(name, ptr, len, call)
}

/// [`export`] through another dispatcher (the benchmark API's).
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
pub(crate) fn export_with(
    name: &'static str,
    ptr: u32,
    len: u32,
    dispatch: fn(&str, &[u8]) -> Result<Vec<u8>, ApiError>,
) -> u64 {
    let input: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the host wrote `len` bytes at `ptr` in this instance's memory for this call.
        unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
    };
    match dispatch(name, input) {
        Ok(output) => {
            let output = alloc::boxed::Box::leak(output.into_boxed_slice());
            ((output.len() as u64) << 32) | (output.as_ptr() as usize as u64)
        }
        Err(error) => {
            dfs_io::logging::log(
                log::Level::Error,
                "runtime",
                format!("{name}: {error}").as_bytes(),
            );
            core::arch::wasm32::unreachable()
        }
    }
}

fn decode_extrinsic(
    raw: &RawExtrinsic,
    method: &'static str,
) -> Result<UncheckedExtrinsic, ApiError> {
    UncheckedExtrinsic::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &raw.0[..])
        .map_err(|_| ApiError::BadInput(method))
}

fn check_inherents(block: &Block, data: &InherentData) -> CheckInherentsResult {
    let mut result =
        CheckInherentsResult { okay: true, fatal_error: false, errors: InherentData::default() };
    let mut fail = |message: &str| {
        result.okay = false;
        result.fatal_error = true;
        result.errors.put(dfs_pallet_timestamp::INHERENT_IDENTIFIER, &String::from(message));
    };
    let timestamp = block.extrinsics.iter().find_map(|xt| match &xt.function {
        RuntimeCall::Timestamp(dfs_pallet_timestamp::Call::set { now }) if !xt.is_signed() => {
            Some(*now)
        }
        _ => None,
    });
    match (timestamp, data.get::<u64>(&dfs_pallet_timestamp::INHERENT_IDENTIFIER)) {
        (None, _) => fail("the block has no timestamp"),
        (Some(_), None) => fail("no local time to check the block's timestamp against"),
        (Some(block_time), Some(local))
            if block_time > local.saturating_add(MAX_TIMESTAMP_DRIFT_MS) =>
        {
            fail("the block's timestamp is too far in the future")
        }
        _ => {}
    }
    result
}

/// The metadata description of this runtime.
pub fn description() -> RuntimeDescription {
    RuntimeDescription {
        pallets: crate::pallets(),
        extrinsic: ExtrinsicDescription {
            ty: meta_type::<UncheckedExtrinsic>(),
            address_ty: meta_type::<Address>(),
            call_ty: meta_type::<RuntimeCall>(),
            signature_ty: meta_type::<MultiSignature>(),
            extra_ty: meta_type::<SignedExtra>(),
            signed_extensions: SignedExtra::metadata(),
        },
        runtime_ty: meta_type::<Runtime>(),
        call_enum_ty: meta_type::<RuntimeCall>(),
        event_enum_ty: meta_type::<RuntimeEvent>(),
        error_enum_ty: meta_type::<RuntimeError>(),
        apis: api_metadata(),
    }
}

/// Encoded metadata (`"meta"` magic, version byte, body) of `version`, if supported.
pub fn metadata_bytes(version: u32) -> Option<Vec<u8>> {
    match version {
        14 => Some(description().v14().encode()),
        15 => Some(description().v15().encode()),
        _ => None,
    }
}
