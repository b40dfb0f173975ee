//! Chain data types of DFS, encoded exactly as Substrate encodes them.
//!
//! Headers, blocks and digests ([`generic`]), the extrinsic format v4 and its
//! signing payload ([`generic::UncheckedExtrinsic`]), mortality ([`generic::Era`]),
//! signer addresses ([`MultiAddress`]) and signatures ([`MultiSignature`]),
//! dispatch outcomes ([`DispatchError`]), transaction validity
//! ([`transaction_validity`]), [`Weight`] and [`RuntimeVersion`].
//!
//! Every type's `scale-info` path is Substrate's (`sp_runtime::…`,
//! `sp_weights::…`, `sp_version::…`): polkadot.js and polkadot-api find the
//! extrinsic, address, signature and error types by those paths.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod fixed_point;
pub mod generic;
pub mod multiaddress;
pub mod transaction_validity;
pub mod weight_v2;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use dfs_core::{ecdsa, ed25519, sr25519, AccountId32};
use scale_info::TypeInfo;

pub use fixed_point::FixedU128;
pub use multiaddress::MultiAddress;
pub use transaction_validity::{
    InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
    UnknownTransaction, ValidTransaction,
};
pub use weight_v2::Weight;

/// A signature of any scheme an account may use.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum MultiSignature {
    /// An ed25519 signature; the account is the public key.
    #[codec(index = 0)]
    Ed25519(ed25519::Signature),
    /// An sr25519 signature; the account is the public key.
    #[codec(index = 1)]
    Sr25519(sr25519::Signature),
    /// An ECDSA signature. DFS does not accept ECDSA signers: it never verifies.
    #[codec(index = 2)]
    Ecdsa(ecdsa::Signature),
}

impl MultiSignature {
    /// Whether this signs `message` for `signer`.
    ///
    /// Verification goes through [`dfs_io::crypto`]: native code in tests and tools, the
    /// node's host functions in the Wasm runtime.
    pub fn verify(&self, message: &[u8], signer: &AccountId32) -> bool {
        match self {
            MultiSignature::Sr25519(signature) => {
                dfs_io::crypto::sr25519_verify(signature, message, &sr25519::Public(signer.0))
            }
            MultiSignature::Ed25519(signature) => {
                dfs_io::crypto::ed25519_verify(signature, message, &ed25519::Public(signer.0))
            }
            MultiSignature::Ecdsa(_) => false,
        }
    }
}

impl MultiSignature {
    /// Like [`MultiSignature::verify`], but joins the open signature batch if there is one
    /// (block import); the batch's result then decides.
    pub fn batch_verify(&self, message: &[u8], signer: &AccountId32) -> bool {
        match self {
            MultiSignature::Sr25519(signature) => {
                dfs_io::batch::sr25519_verify(signature, message, &sr25519::Public(signer.0))
            }
            MultiSignature::Ed25519(signature) => {
                dfs_io::batch::ed25519_verify(signature, message, &ed25519::Public(signer.0))
            }
            MultiSignature::Ecdsa(_) => false,
        }
    }
}

impl From<sr25519::Signature> for MultiSignature {
    fn from(signature: sr25519::Signature) -> Self {
        MultiSignature::Sr25519(signature)
    }
}

impl From<ed25519::Signature> for MultiSignature {
    fn from(signature: ed25519::Signature) -> Self {
        MultiSignature::Ed25519(signature)
    }
}

/// A pallet's error inside a [`DispatchError`]: the pallet index and the error's index
/// (first byte; the other three are reserved for nested errors).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct ModuleError {
    /// The pallet's index in the runtime.
    pub index: u8,
    /// The error's index in the pallet's `Error` enum, then reserved bytes.
    pub error: [u8; 4],
    /// The error's name, for logs; not encoded.
    #[codec(skip)]
    pub message: Option<&'static str>,
}

/// Why a token operation failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum TokenError {
    /// The account lacks free funds for the operation.
    FundsUnavailable,
    /// The account would be removed while something depends on it.
    OnlyProvider,
    /// The balance would fall below the existential deposit.
    BelowMinimum,
    /// The account cannot be created.
    CannotCreate,
    /// The asset does not exist.
    UnknownAsset,
    /// The funds are frozen.
    Frozen,
    /// The operation is not supported.
    Unsupported,
    /// A hold cannot be created.
    CannotCreateHold,
    /// The operation would reap an account that must be kept alive.
    NotExpendable,
    /// The account is blocked.
    Blocked,
}

/// An arithmetic failure.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum ArithmeticError {
    /// A result below the type's minimum.
    Underflow,
    /// A result above the type's maximum.
    Overflow,
    /// Division by zero.
    DivisionByZero,
}

/// A failure of storage transaction layers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum TransactionalError {
    /// Too many nested transactional layers.
    LimitReached,
    /// No transactional layer was open.
    NoLayer,
}

/// Why a dispatched call failed, with Substrate's variant indices.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum DispatchError {
    /// Some other error; the text is only for logs and is not encoded.
    Other(#[codec(skip)] &'static str),
    /// An account lookup failed.
    CannotLookup,
    /// The origin is not allowed to make this call.
    BadOrigin,
    /// A pallet's own error.
    Module(ModuleError),
    /// The account still has consumers and cannot be removed.
    ConsumerRemaining,
    /// The account has no providers and cannot exist.
    NoProviders,
    /// Too many consumers of the account.
    TooManyConsumers,
    /// A token error.
    Token(TokenError),
    /// An arithmetic error.
    Arithmetic(ArithmeticError),
    /// A transactional-layer error.
    Transactional(TransactionalError),
    /// Resources exhausted.
    Exhausted,
    /// The state is corrupt.
    Corruption,
    /// A resource is unavailable.
    Unavailable,
    /// Root origin is not allowed for this call.
    RootNotAllowed,
    /// A trie error (not produced by DFS; kept for Substrate's numbering).
    Trie(TrieErrorCode),
}

/// Substrate's `sp_runtime::proving_trie::TrieError`, kept so [`DispatchError`]'s shape matches.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum TrieErrorCode {
    /// Attempted to create a trie with a state root not in the DB.
    InvalidStateRoot,
    /// Trie item is not found in the database.
    IncompleteDatabase,
    /// A value was found in the trie with a nonconforming encoding.
    ValueAtIncompleteKey,
    /// Hash is not value.
    DecoderError,
    /// Hash is not value.
    InvalidHash,
    /// The proof has a duplicate key.
    DuplicateKey,
    /// The proof has extraneous nodes.
    ExtraneousNode,
    /// The proof has extraneous values.
    ExtraneousValue,
    /// The proof has extraneous hash references.
    ExtraneousHashReference,
    /// A hash reference in the proof is invalid.
    InvalidChildReference,
    /// The value mismatches.
    ValueMismatch,
    /// The proof is missing trie nodes.
    IncompleteProof,
    /// The root node is not found.
    RootMismatch,
    /// A node could not be decoded.
    DecodeError,
}

impl From<TokenError> for DispatchError {
    fn from(error: TokenError) -> Self {
        DispatchError::Token(error)
    }
}

impl From<ArithmeticError> for DispatchError {
    fn from(error: ArithmeticError) -> Self {
        DispatchError::Arithmetic(error)
    }
}

impl From<&'static str> for DispatchError {
    fn from(text: &'static str) -> Self {
        DispatchError::Other(text)
    }
}

/// The result of dispatching a call.
pub type DispatchResult = Result<(), DispatchError>;

/// The result of applying an extrinsic: outer `Err` if it could not be included at all,
/// inner `Err` if it was included (and paid for) but its call failed.
pub type ApplyExtrinsicResult = Result<DispatchResult, TransactionValidityError>;

/// A runtime API's id (blake2-64 of its trait name) and version.
pub type ApiId = [u8; 8];

/// What a runtime is and which APIs it offers (`Core_version`, `state_getRuntimeVersion`).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_version"))]
pub struct RuntimeVersion {
    /// The chain's runtime identity (`dfs`); an upgrade must keep it.
    pub spec_name: String,
    /// The implementation's name.
    pub impl_name: String,
    /// The version of the authorship interface.
    pub authoring_version: u32,
    /// Grows with every runtime change; an upgrade must raise it.
    pub spec_version: u32,
    /// The implementation's version for the same spec.
    pub impl_version: u32,
    /// The runtime APIs and their versions.
    pub apis: Vec<(ApiId, u32)>,
    /// Grows when the extrinsic format or call indices change.
    pub transaction_version: u32,
    /// 1: state trie V1, extrinsics root V0 (as Substrate reads this field).
    pub system_version: u8,
}

impl RuntimeVersion {
    /// The version of `api` this runtime offers, if any.
    pub fn api_version(&self, api: &ApiId) -> Option<u32> {
        self.apis.iter().find(|(id, _)| id == api).map(|(_, version)| *version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfs_core::pair::{dev_sr25519, Ed25519Pair};

    #[test]
    fn dispatch_error_indices_match_substrate() {
        assert_eq!(DispatchError::Other("ignored").encode(), [0]);
        assert_eq!(DispatchError::BadOrigin.encode(), [2]);
        let module =
            DispatchError::Module(ModuleError { index: 5, error: [2, 0, 0, 0], message: None });
        assert_eq!(module.encode(), [3, 5, 2, 0, 0, 0]);
        assert_eq!(DispatchError::Token(TokenError::FundsUnavailable).encode(), [7, 0]);
        assert_eq!(DispatchError::Arithmetic(ArithmeticError::Overflow).encode(), [8, 1]);
        assert_eq!(DispatchError::RootNotAllowed.encode(), [13]);
        assert_eq!(DispatchError::Trie(TrieErrorCode::DecodeError).encode(), [14, 13]);
        let path = DispatchError::type_info().path.segments;
        assert_eq!(path, ["sp_runtime", "DispatchError"]);
    }

    #[test]
    fn multisignature_verifies_both_schemes() {
        let alice = dev_sr25519("Alice");
        let signature = MultiSignature::from(alice.sign(b"hello"));
        assert!(signature.verify(b"hello", &alice.account_id()));
        assert!(!signature.verify(b"hello", &dev_sr25519("Bob").account_id()));

        let ed = Ed25519Pair::from_suri("//Alice").unwrap();
        let signature = MultiSignature::from(ed.sign(b"hello"));
        assert!(signature.verify(b"hello", &ed.account_id()));
        assert!(!MultiSignature::Ecdsa(ecdsa::Signature([1; 65])).verify(b"x", &ed.account_id()));
        assert_eq!(MultiSignature::type_info().path.segments, ["sp_runtime", "MultiSignature"]);
    }

    #[test]
    fn runtime_version_layout() {
        let version = RuntimeVersion {
            spec_name: "dfs".into(),
            impl_name: "dfs-node".into(),
            authoring_version: 1,
            spec_version: 100,
            impl_version: 1,
            apis: vec![(*b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b", 5)],
            transaction_version: 1,
            system_version: 1,
        };
        let encoded = version.encode();
        assert_eq!(&encoded[..4], b"\x0cdfs");
        assert_eq!(*encoded.last().unwrap(), 1);
        assert_eq!(RuntimeVersion::decode(&mut &encoded[..]).unwrap(), version);
        assert_eq!(RuntimeVersion::type_info().path.segments, ["sp_version", "RuntimeVersion"]);
        assert_eq!(version.api_version(b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b"), Some(5));
    }

    #[test]
    fn multiaddress_lookup_and_encoding() {
        let alice = AccountId32([1; 32]);
        let id: MultiAddress<AccountId32, ()> = alice.into();
        assert_eq!(id.encode()[0], 0);
        assert_eq!(id.lookup(), Some(alice));
        assert_eq!(MultiAddress::<AccountId32, ()>::Address32([1; 32]).lookup(), Some(alice));
        assert_eq!(MultiAddress::<AccountId32, ()>::Raw(vec![1]).lookup(), None);
        assert_eq!(MultiAddress::<AccountId32, ()>::Index(()).encode(), [1]);
        let path = MultiAddress::<AccountId32, ()>::type_info().path.segments;
        assert_eq!(path, ["sp_runtime", "multiaddress", "MultiAddress"]);
    }
}

/// What `Core_initialize_block` tells the block builder: whether ordinary transactions may
/// follow the inherents.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum ExtrinsicInclusionMode {
    /// Inherents, then transactions.
    AllExtrinsics,
    /// Inherents only.
    OnlyInherents,
}

/// Encoded runtime metadata, as `Metadata_metadata` returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_core"))]
pub struct OpaqueMetadata(pub Vec<u8>);

/// The inherent-data identifier of the block's timestamp (milliseconds, `u64` LE).
pub const TIMESTAMP_INHERENT_IDENTIFIER: [u8; 8] = *b"timstap0";

/// Storage keys with a meaning of their own to the host and to clients.
pub mod well_known_keys {
    /// The runtime code (a Wasm blob); clients read it to tell runtimes apart.
    pub const CODE: &[u8] = b":code";
    /// The number of Wasm heap pages.
    pub const HEAP_PAGES: &[u8] = b":heappages";
    /// The index of the extrinsic being applied.
    pub const EXTRINSIC_INDEX: &[u8] = b":extrinsic_index";
}

/// Data the block author supplies for the inherents, by 8-byte identifier
/// (`timstap0` → the time as `u64` LE).
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_inherents"))]
pub struct InherentData {
    /// The entries.
    pub data: alloc::collections::BTreeMap<[u8; 8], Vec<u8>>,
}

impl InherentData {
    /// Adds an entry.
    pub fn put(&mut self, identifier: [u8; 8], value: &impl Encode) {
        self.data.insert(identifier, value.encode());
    }

    /// Decodes the entry `identifier`, if present and well formed.
    pub fn get<T: Decode>(&self, identifier: &[u8; 8]) -> Option<T> {
        self.data.get(identifier).and_then(|bytes| T::decode(&mut &bytes[..]).ok())
    }
}

/// The outcome of `BlockBuilder_check_inherents`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_inherents"))]
pub struct CheckInherentsResult {
    /// Whether every inherent is acceptable.
    pub okay: bool,
    /// Whether an error makes the block invalid for good.
    pub fatal_error: bool,
    /// Errors by inherent identifier (encoded `String` messages).
    pub errors: InherentData,
}
