//! Whether a transaction may enter the pool and a block, and if not, why.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Why a transaction is invalid for good (at this block it can never be valid).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum InvalidTransaction {
    /// The call is not allowed (e.g. filtered, or an inherent sent as a transaction).
    Call,
    /// The sender cannot pay the fee.
    Payment,
    /// The nonce is ahead of the account's: the transaction may become valid later.
    Future,
    /// The nonce was already used.
    Stale,
    /// The signature does not match the payload, signer, genesis or runtime version.
    BadProof,
    /// The era's birth block is not known (too old, or on another fork).
    AncientBirthBlock,
    /// The transaction does not fit in a block's remaining weight or length.
    ExhaustsResources,
    /// A pallet-specific reason.
    Custom(u8),
    /// An inherent that must succeed failed.
    BadMandatory,
    /// An inherent was submitted as a transaction.
    MandatoryValidation,
    /// The signer is not allowed (e.g. the zero account).
    BadSigner,
    /// The implicit data of a transaction extension could not be computed.
    IndeterminateImplicit,
    /// The origin is not known to the runtime.
    UnknownOrigin,
}

/// Why validity could not be determined.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum UnknownTransaction {
    /// An account could not be looked up.
    CannotLookup,
    /// No validator for this unsigned call.
    NoUnsignedValidator,
    /// A pallet-specific reason.
    Custom(u8),
}

/// An invalid or undeterminable transaction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum TransactionValidityError {
    /// Invalid for good.
    Invalid(InvalidTransaction),
    /// Validity could not be determined.
    Unknown(UnknownTransaction),
}

impl From<InvalidTransaction> for TransactionValidityError {
    fn from(error: InvalidTransaction) -> Self {
        TransactionValidityError::Invalid(error)
    }
}

impl From<UnknownTransaction> for TransactionValidityError {
    fn from(error: UnknownTransaction) -> Self {
        TransactionValidityError::Unknown(error)
    }
}

/// Where a transaction being validated came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum TransactionSource {
    /// Already in a block being imported.
    InBlock,
    /// Submitted by the node itself.
    Local,
    /// From the network or RPC.
    External,
}

/// A tag a transaction requires or provides (e.g. `(sender, nonce)`), ordering the pool.
pub type TransactionTag = Vec<u8>;

/// What the pool needs to know about a valid transaction.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct ValidTransaction {
    /// Higher goes first.
    pub priority: u64,
    /// Tags that other transactions must provide before this one is ready.
    pub requires: Vec<TransactionTag>,
    /// Tags this transaction provides.
    pub provides: Vec<TransactionTag>,
    /// For how many blocks the validity holds.
    pub longevity: u64,
    /// Whether to gossip it to peers.
    pub propagate: bool,
}

impl Default for ValidTransaction {
    fn default() -> Self {
        ValidTransaction {
            priority: 0,
            requires: Vec::new(),
            provides: Vec::new(),
            longevity: u64::MAX,
            propagate: true,
        }
    }
}

impl ValidTransaction {
    /// Combines the validity of two checks: priorities add, tags join, the shorter longevity
    /// and the stricter propagation win.
    pub fn combine_with(mut self, mut other: ValidTransaction) -> Self {
        ValidTransaction {
            priority: self.priority.saturating_add(other.priority),
            requires: {
                self.requires.append(&mut other.requires);
                self.requires
            },
            provides: {
                self.provides.append(&mut other.provides);
                self.provides
            },
            longevity: self.longevity.min(other.longevity),
            propagate: self.propagate && other.propagate,
        }
    }
}

/// The answer of `validate_transaction`.
pub type TransactionValidity = Result<ValidTransaction, TransactionValidityError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_substrate_indices() {
        let bad_proof: TransactionValidityError = InvalidTransaction::BadProof.into();
        assert_eq!(bad_proof.encode(), [0, 4]);
        assert_eq!(
            TransactionValidityError::from(InvalidTransaction::Custom(7)).encode(),
            [0, 7, 7]
        );
        assert_eq!(
            TransactionValidityError::from(UnknownTransaction::CannotLookup).encode(),
            [1, 0]
        );
        assert_eq!(InvalidTransaction::UnknownOrigin.encode(), [12]);
        let validity: TransactionValidity = Err(InvalidTransaction::Stale.into());
        assert_eq!(validity.encode(), [1, 0, 3]);
    }

    #[test]
    fn combining_validities() {
        let a = ValidTransaction {
            priority: 5,
            provides: vec![vec![1]],
            longevity: 10,
            ..Default::default()
        };
        let b = ValidTransaction {
            priority: 7,
            requires: vec![vec![2]],
            propagate: false,
            ..Default::default()
        };
        let both = a.combine_with(b);
        assert_eq!(both.priority, 12);
        assert_eq!((both.requires, both.provides), (vec![vec![2]], vec![vec![1]]));
        assert_eq!((both.longevity, both.propagate), (10, false));
    }
}
