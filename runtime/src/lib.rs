//! The DFS runtime: the chain's state transition function.
//!
//! It composes the pallets (system, timestamp, balances, transaction payment,
//! sudo), fixes the extrinsic format and its signed extensions in Substrate's
//! order, and answers Substrate's runtime APIs (`Core`, `Metadata`,
//! `BlockBuilder`, `TaggedTransactionQueue`, `AccountNonceApi`,
//! `TransactionPaymentApi`, `GenesisBuilder`) through [`apis::call`]: SCALE
//! bytes in, SCALE bytes out, the same entry points the Wasm build exports.
//!
//! The same crate is built natively (tests, tools) and, for the chain, to Wasm.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod apis;
// Natively for the tests of every benchmark's setup; in Wasm only in benchmark runtimes.
#[cfg(any(feature = "std", feature = "runtime-benchmarks"))]
pub mod benchmarks;
pub mod genesis;
#[cfg(feature = "std")]
pub mod signing;

use alloc::vec::Vec;
use dfs_pallet_system::{
    extensions::{
        CheckGenesis, CheckMetadataHash, CheckMortality, CheckNonZeroSender, CheckNonce,
        CheckSpecVersion, CheckTxVersion, CheckWeight,
    },
    limits::{BlockLength, BlockWeights, RuntimeDbWeight},
};
use dfs_pallet_transaction_payment::{
    ChargeTransactionPayment, LinearFee, Multiplier, TargetedFeeAdjustment,
};
use dfs_runtime_primitives::{
    generic,
    weight_v2::{WEIGHT_REF_TIME_PER_NANOS, WEIGHT_REF_TIME_PER_SECOND},
    RuntimeVersion, Weight,
};
use dfs_support::{
    parameter_types,
    traits::{ConstU128, ConstU16, ConstU32, ConstU64, ConstU8},
    Balance, BlockNumber,
};

/// One DFS coin: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a coin.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a coin.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The least an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// The target time between blocks, in milliseconds.
pub const SLOT_DURATION_MS: u64 = 6_000;
/// The least time between two blocks' timestamps, in milliseconds.
pub const MINIMUM_PERIOD_MS: u64 = 250;

/// The chain's runtime identity; an upgrade must keep it.
pub const SPEC_NAME: &str = "dfs";
/// The implementation's name.
pub const IMPL_NAME: &str = "dfs-node";
/// The version of the authorship interface.
pub const AUTHORING_VERSION: u32 = 1;
/// Raised with every runtime change; an upgrade must raise it.
pub const SPEC_VERSION: u32 = 100;
/// The implementation's version.
pub const IMPL_VERSION: u32 = 1;
/// Raised when the extrinsic format or call indices change.
pub const TRANSACTION_VERSION: u32 = 1;
/// State trie V1, extrinsics root V0.
pub const SYSTEM_VERSION: u8 = 1;

/// The runtime's identity and API versions.
pub fn version() -> RuntimeVersion {
    RuntimeVersion {
        spec_name: SPEC_NAME.into(),
        impl_name: IMPL_NAME.into(),
        authoring_version: AUTHORING_VERSION,
        spec_version: SPEC_VERSION,
        impl_version: IMPL_VERSION,
        apis: apis::RUNTIME_API_VERSIONS.to_vec(),
        transaction_version: TRANSACTION_VERSION,
        system_version: SYSTEM_VERSION,
    }
}

/// The length of the encoded [`version`]: short names and few APIs, so every compact
/// length prefix is one byte (checked below at compile time).
const VERSION_ENCODED_LEN: usize = 1
    + SPEC_NAME.len()
    + 1
    + IMPL_NAME.len()
    + 3 * 4
    + 1
    + apis::RUNTIME_API_VERSIONS.len() * 12
    + 4
    + 1;

const _: () = assert!(
    SPEC_NAME.len() < 64 && IMPL_NAME.len() < 64 && apis::RUNTIME_API_VERSIONS.len() < 64,
    "one-byte compact prefixes"
);

/// The SCALE encoding of [`version`], computed at compile time so the Wasm blob can carry
/// it in a custom section that hosts read without running any code.
pub const fn encoded_version() -> [u8; VERSION_ENCODED_LEN] {
    const fn put(out: &mut [u8; VERSION_ENCODED_LEN], at: usize, bytes: &[u8]) -> usize {
        let mut i = 0;
        while i < bytes.len() {
            out[at + i] = bytes[i];
            i += 1;
        }
        at + bytes.len()
    }
    let mut out = [0u8; VERSION_ENCODED_LEN];
    let mut at = put(&mut out, 0, &[(SPEC_NAME.len() as u8) << 2]);
    at = put(&mut out, at, SPEC_NAME.as_bytes());
    at = put(&mut out, at, &[(IMPL_NAME.len() as u8) << 2]);
    at = put(&mut out, at, IMPL_NAME.as_bytes());
    at = put(&mut out, at, &AUTHORING_VERSION.to_le_bytes());
    at = put(&mut out, at, &SPEC_VERSION.to_le_bytes());
    at = put(&mut out, at, &IMPL_VERSION.to_le_bytes());
    at = put(&mut out, at, &[(apis::RUNTIME_API_VERSIONS.len() as u8) << 2]);
    let mut index = 0;
    while index < apis::RUNTIME_API_VERSIONS.len() {
        let (id, version) = apis::RUNTIME_API_VERSIONS[index];
        at = put(&mut out, at, &id);
        at = put(&mut out, at, &version.to_le_bytes());
        index += 1;
    }
    at = put(&mut out, at, &TRANSACTION_VERSION.to_le_bytes());
    put(&mut out, at, &[SYSTEM_VERSION]);
    out
}

/// The runtime version, in the custom section `runtime_version` of the Wasm blob.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[link_section = "runtime_version"]
#[used]
static RUNTIME_VERSION_SECTION: [u8; VERSION_ENCODED_LEN] = encoded_version();

/// The Wasm blob of this runtime, when the build produced one.
#[cfg(feature = "std")]
pub mod wasm {
    include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));
}

// Weights come from the benchmark harness (`bash scripts/bench.sh weights`): each pallet's
// `weights.rs` holds its calls' weights, and the system pallet's the extrinsic base and the
// empty block's weight, measured on the reference machine (2 cores) by importing blocks of
// signed extrinsics as a node does and given a margin of a quarter (see those files).

/// The weight of an empty block (the timestamp inherent, hooks, finalization).
pub const BLOCK_EXECUTION_WEIGHT: Weight = dfs_pallet_system::weights::BLOCK_EXECUTION_WEIGHT;
/// The weight every extrinsic costs beyond its call: decoding, signature, nonce, fee,
/// events.
pub const EXTRINSIC_BASE_WEIGHT: Weight = dfs_pallet_system::weights::EXTRINSIC_BASE_WEIGHT;
/// Two seconds of compute per six-second block; no proof-size limit on a solo chain.
pub const MAXIMUM_BLOCK_WEIGHT: Weight =
    Weight::from_parts(2 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX);
/// The share of a block ordinary transactions may fill.
pub const NORMAL_DISPATCH_RATIO_PERCENT: u64 = 75;
/// Ten MiB of extrinsics per block, derived from the weights rather than taken from
/// Substrate's 5 MiB: a block's normal share must hold more of the smallest common
/// transaction, a transfer between existing accounts (~150 bytes), than its weight admits
/// (with the weights measured in 2026-11, ~82 µs in all: 1.5 s / 82 µs ≈ 18 300), or length
/// and not measured cost caps the chain. 7.5 MiB of normal length holds ~52 400, headroom
/// for faster imports; a runtime test keeps this true when the weights change. A full block
/// is at most 1.7 MB/s of chain growth, and its hex in `chain_getBlock` (~20.5 MiB at most)
/// fits the node's default RPC response limit.
pub const MAXIMUM_BLOCK_LENGTH: u32 = 10 * 1024 * 1024;

parameter_types! {
    /// Block weight limits.
    pub const RuntimeBlockWeights: BlockWeights = BlockWeights::with_normal_ratio(
        BLOCK_EXECUTION_WEIGHT,
        EXTRINSIC_BASE_WEIGHT,
        MAXIMUM_BLOCK_WEIGHT,
        NORMAL_DISPATCH_RATIO_PERCENT,
    );
    /// Block length limits: [`MAXIMUM_BLOCK_LENGTH`], of which the normal share.
    pub const RuntimeBlockLength: BlockLength =
        BlockLength::with_normal_ratio(MAXIMUM_BLOCK_LENGTH, NORMAL_DISPATCH_RATIO_PERCENT as u32);
    /// RocksDB read and write weights (Substrate's reference values).
    pub const RocksDbWeight: RuntimeDbWeight = RuntimeDbWeight {
        read: 25_000 * WEIGHT_REF_TIME_PER_NANOS,
        write: 100_000 * WEIGHT_REF_TIME_PER_NANOS,
    };
    /// The runtime version.
    pub const Version: RuntimeVersion = version();
    /// Fees aim to keep normal blocks a quarter full.
    pub const TargetBlockFullness: u32 = 25;
    /// How fast the fee multiplier reacts.
    pub const AdjustmentVariable: Multiplier = Multiplier::from_rational(3, 100_000);
    /// Fees never drop below their base level.
    pub const MinimumMultiplier: Multiplier = Multiplier::one();
    /// Nor rise above a million times it.
    pub const MaximumMultiplier: Multiplier = Multiplier::from_u32(1_000_000);
}

impl dfs_pallet_system::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type BlockHashCount = ConstU32<2400>;
    type DbWeight = RocksDbWeight;
    type Version = Version;
    type SS58Prefix = ConstU16<{ dfs_core::DFS_SS58_PREFIX }>;
    type WeightInfo = dfs_pallet_system::weights::DfsWeight;
}

impl dfs_pallet_timestamp::Config for Runtime {
    /// Well below the slot: the slot schedule spaces blocks (the node checks it), and a dev
    /// chain may run faster slots than `SLOT_DURATION_MS` without its clock running ahead.
    type MinimumPeriod = ConstU64<MINIMUM_PERIOD_MS>;
}

impl dfs_pallet_aura::Config for Runtime {
    type SlotDuration = ConstU64<SLOT_DURATION_MS>;
}

impl dfs_pallet_balances::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type MaxLocks = ConstU32<50>;
    type WeightInfo = dfs_pallet_balances::weights::DfsWeight;
}

impl dfs_pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    /// One unit per picosecond of reference time: a transfer costs about a ten-thousandth
    /// of a coin.
    type WeightToFee = LinearFee<ConstU128<1>, ConstU128<1>>;
    /// A micro-coin per byte.
    type LengthToFee = LinearFee<ConstU128<MICRO_UNIT>, ConstU128<1>>;
    type FeeMultiplierUpdate = TargetedFeeAdjustment<
        TargetBlockFullness,
        AdjustmentVariable,
        MinimumMultiplier,
        MaximumMultiplier,
    >;
    type OperationalFeeMultiplier = ConstU8<5>;
}

impl dfs_pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
}

dfs_support::construct_runtime! {
    pub enum Runtime {
        System: dfs_pallet_system = 0,
        Timestamp: dfs_pallet_timestamp = 1,
        Aura: dfs_pallet_aura = 2,
        Balances: dfs_pallet_balances = 5,
        TransactionPayment: dfs_pallet_transaction_payment = 6,
        Sudo: dfs_pallet_sudo = 9,
    }
}

/// The signed extensions, in the order wallets expect (COMPAT.md §3).
pub type SignedExtra = (
    CheckNonZeroSender<Runtime>,
    CheckSpecVersion<Runtime>,
    CheckTxVersion<Runtime>,
    CheckGenesis<Runtime>,
    CheckMortality<Runtime>,
    CheckNonce<Runtime>,
    CheckWeight<Runtime>,
    ChargeTransactionPayment<Runtime>,
    CheckMetadataHash<Runtime>,
);

/// The address of a signer.
pub type Address = dfs_pallet_system::executive::Address;
/// An extrinsic as it travels.
pub type UncheckedExtrinsic =
    dfs_pallet_system::executive::UncheckedExtrinsicOf<RuntimeCall, SignedExtra>;
/// A block header.
pub type Header = generic::Header;
/// A block.
pub type Block = generic::Block<UncheckedExtrinsic>;
/// The block executive.
pub type Executive =
    dfs_pallet_system::executive::Executive<Runtime, SignedExtra, UnsignedValidator>;

/// Unsigned transactions DFS accepts into its pool: none yet (the timestamp is an
/// inherent; proof-of-work solutions will be the first).
pub type UnsignedValidator = dfs_pallet_system::executive::NoUnsignedTransactions<RuntimeCall>;

/// Block number of the runtime.
pub type Number = BlockNumber;

/// The signed extensions a wallet would attach for `nonce`, `tip` and `era`.
pub fn signed_extra(nonce: u32, tip: Balance, era: generic::Era) -> SignedExtra {
    (
        CheckNonZeroSender::new(),
        CheckSpecVersion::new(),
        CheckTxVersion::new(),
        CheckGenesis::new(),
        CheckMortality::from(era),
        CheckNonce::from(nonce),
        CheckWeight::new(),
        ChargeTransactionPayment::from(tip),
        CheckMetadataHash::new(dfs_pallet_system::extensions::Mode::Disabled),
    )
}

/// Every pallet's metadata parts in index order.
pub fn pallets() -> Vec<dfs_support::metadata::PalletDescription> {
    Runtime::pallet_descriptions()
}
