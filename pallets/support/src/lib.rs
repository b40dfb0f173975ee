//! The FRAME-style framework DFS pallets and runtime are written in.
//!
//! A pallet is a module annotated with [`pallet`]: a `Config` trait, typed
//! storage ([`storage`]), events, errors, calls with explicit indices and
//! weights, hooks and a genesis configuration. [`construct_runtime!`] composes
//! pallets into a runtime with `RuntimeCall`, `RuntimeEvent`, the genesis
//! configuration, dispatch and metadata (frame-metadata V14 and V15).
//!
//! The vocabulary is deliberately small: `config`, `pallet`, `storage`,
//! `event`, `error`, `call` (with `call_index`, `weight` and `compact`),
//! `hooks`, `genesis_config`, `genesis_build` and `constant`. Anything else is
//! a compile error pointing at the attribute.
//!
//! Pallets use concrete primitive types ([`AccountId`], [`Balance`],
//! [`BlockNumber`]) where nothing varies, and meet other pallets through small
//! traits in [`traits`] rather than through each other's `Config`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
extern crate self as dfs_support;

pub mod benchmarking;
pub mod dispatch;
pub mod hashers;
pub mod metadata;
pub mod signed_extension;
pub mod storage;
pub mod traits;

pub use dfs_support_macros::{construct_runtime, pallet};

/// The account id type of DFS.
pub type AccountId = dfs_core::AccountId32;
/// The balance type of DFS (12 decimals).
pub type Balance = u128;
/// The block number type of DFS.
pub type BlockNumber = dfs_runtime_primitives::generic::BlockNumber;
/// The account nonce type of DFS.
pub type Nonce = u32;
/// The hash type of DFS.
pub type Hash = dfs_core::H256;

/// Returns early with `Err(error.into())` unless `condition` holds.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $error:expr $(,)?) => {
        if !$condition {
            return Err($error.into());
        }
    };
}

/// Returns early with `Err(error.into())`.
#[macro_export]
macro_rules! fail {
    ($error:expr $(,)?) => {
        return Err($error.into())
    };
}

/// Everything a pallet module needs in scope.
pub mod prelude {
    pub use crate::{
        dispatch::{
            ensure_none, ensure_root, ensure_signed, DispatchClass, DispatchInfo,
            DispatchResultWithPostInfo, Origin, Pays, PostDispatchInfo, RawOrigin,
        },
        ensure, fail,
        hashers::{Blake2_128Concat, Identity, Twox64Concat},
        storage::{
            OptionQuery, StorageDoubleMap, StorageMap, StorageValue, ValueQuery, ValueQueryOr,
        },
        traits::{
            BuildGenesisConfig, ConstU128, ConstU16, ConstU32, ConstU64, ConstU8, Get, Hooks,
        },
        AccountId, Balance, BlockNumber, Hash, Nonce,
    };
    pub use alloc::{boxed::Box, string::String, vec, vec::Vec};
    pub use codec::{Compact, Decode, Encode, MaxEncodedLen};
    pub use dfs_runtime_primitives::{DispatchError, DispatchResult, Weight};
    pub use scale_info::TypeInfo;
}

/// Items the macros' generated code refers to; not for direct use.
#[doc(hidden)]
pub mod __private {
    pub use alloc::{boxed::Box, format, string::String, vec, vec::Vec};
    pub use codec;
    pub use core;
    pub use dfs_io;
    pub use dfs_runtime_primitives;
    pub use frame_metadata;
    pub use log;
    pub use scale_info;
    pub use serde;
    pub use serde_json;

    /// A type with no values, for the hidden variant that carries a pallet's type parameter.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Never {}
}
