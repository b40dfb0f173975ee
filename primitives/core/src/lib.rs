//! Core primitives of DFS, shared by the runtime, the node and the client.
//!
//! Everything here is `no_std + alloc` so the Wasm runtime can use it, and
//! byte-for-byte compatible with Substrate so that polkadot.js, polkadot-api,
//! subxt and py-substrate-interface work against DFS unmodified:
//!
//! - [`hashing`]: blake2 and xxHash ("twox") as Substrate defines them.
//! - [`H256`]: the 256-bit hash type of block hashes and state roots.
//! - [`crypto`]: [`AccountId32`] and its SS58 text form.
//! - [`sr25519`] and [`ed25519`]: public keys, signatures and verification.
//! - [`hex_text`]: bytes as `0x` hex text, as JSON-RPC and chain specs write them.
//! - `pair` (with `std`): secret keys, Substrate's SURI derivation (`//Alice`), signing.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod crypto;
pub mod hash;
pub mod hashing;
pub mod hex_text;
mod keys;
#[cfg(feature = "std")]
pub mod pair;

pub use crypto::{AccountId32, DFS_SS58_PREFIX};

/// Which trie layout a state root is computed with (Substrate's `StateVersion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateVersion {
    /// Every value inline.
    V0,
    /// Values of 33 bytes or more stored by hash.
    #[default]
    V1,
}
pub use hash::H256;
pub use keys::{ecdsa, ed25519, sr25519};
