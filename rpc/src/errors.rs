//! What every namespace may answer besides its own errors: bad parameters, a busy server, a
//! response over the limit, an unsafe call. Each namespace's error type converts its own
//! cases to error objects with Substrate's codes, in its module.

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

/// JSON-RPC's invalid-parameters code.
pub const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC's internal-error code.
pub const INTERNAL_ERROR: i32 = -32603;
/// The code of a call refused because unsafe methods are not served (as Substrate).
pub const UNSAFE_CALL: i32 = -32601;
/// jsonrpsee's "server is busy" code: the call was not run; try again later.
pub const SERVER_BUSY: i32 = -32009;
/// jsonrpsee's "response too big" code.
pub const TOO_BIG_RESPONSE: i32 = -32008;
/// Substrate's client error: reading the chain or running the runtime failed.
pub const CLIENT_ERROR: i32 = 4003;

/// A parameter the server will not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// It does not parse.
    #[error("{0}")]
    Invalid(String),
    /// It decodes to more bytes than allowed.
    #[error("{len} bytes is more than the {max} allowed")]
    TooLarge {
        /// Its decoded length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list holds more entries than allowed.
    #[error("{count} entries is more than the {max} allowed in one call")]
    TooMany {
        /// Its length.
        count: usize,
        /// The limit.
        max: usize,
    },
}

impl From<ParamError> for ErrorObjectOwned {
    fn from(error: ParamError) -> Self {
        ErrorObject::owned(INVALID_PARAMS, error.to_string(), None::<()>)
    }
}

/// Why a call was not answered, whatever its namespace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// Every worker is busy and the queue full: the call did not run.
    #[error("Server is busy, try again later")]
    Busy,
    /// The answer would be larger than the response limit; it was not built whole.
    #[error("Response is too big: the answer exceeds the limit of {limit} bytes")]
    TooBig {
        /// The limit.
        limit: usize,
    },
    /// The method is unsafe and this server serves only safe ones.
    #[error("RPC call is unsafe to be called externally")]
    Unsafe,
    /// The call failed inside the server (a bug, logged): retrying will not help.
    #[error("Internal error")]
    Internal,
}

impl From<ServiceError> for ErrorObjectOwned {
    fn from(error: ServiceError) -> Self {
        let code = match error {
            ServiceError::Busy => SERVER_BUSY,
            ServiceError::TooBig { .. } => TOO_BIG_RESPONSE,
            ServiceError::Unsafe => UNSAFE_CALL,
            ServiceError::Internal => INTERNAL_ERROR,
        };
        ErrorObject::owned(code, error.to_string(), None::<()>)
    }
}
