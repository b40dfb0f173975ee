//! Why the pool refuses a transaction.

use dfs_runtime_primitives::{InvalidTransaction, UnknownTransaction};

/// Why the pool refused a transaction; each maps to Substrate's JSON-RPC error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The runtime says it is invalid (code 1010).
    #[error("Invalid Transaction")]
    Invalid(InvalidTransaction),
    /// The runtime cannot tell (code 1011).
    #[error("Unknown Transaction Validity")]
    Unknown(UnknownTransaction),
    /// It was invalid recently (code 1012).
    #[error("Transaction is temporarily banned")]
    Banned,
    /// It is in the pool already (code 1013).
    #[error("Transaction Already Imported")]
    AlreadyImported,
    /// A transaction providing the same tags pays as much or more (code 1014).
    #[error("Priority is too low: ({old} vs {new})")]
    TooLowPriority {
        /// The priority in the pool.
        old: u64,
        /// The priority submitted.
        new: u64,
    },
    /// The pool is full of transactions paying as much or more, or the transaction is too
    /// large (code 1016).
    #[error("Immediately Dropped")]
    ImmediatelyDropped(String),
    /// The bytes are not an extrinsic, or the runtime failed on this transaction.
    #[error("{0}")]
    Runtime(String),
    /// This node could not validate it now (its chain or executor failed); try again.
    #[error("the pool could not validate the transaction: {0}")]
    Unavailable(String),
}
