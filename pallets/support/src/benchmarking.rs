//! Benchmarks: how a pallet sets up the costliest case of each of its calls, for the harness
//! that measures them (`dfs-node benchmark`, behind `bash scripts/bench.sh weights`) and
//! writes the pallet's `weights.rs`.
//!
//! A pallet lists [`Benchmark`]s, one per weight function. Each prepares the state one
//! extrinsic needs (the signer's balance, an account to create, keys to remove) and returns
//! the call; the harness signs a block of such extrinsics, one per signer, executes and
//! imports it as a node does (signature checks, the state root, the database write), and
//! takes the time per extrinsic beyond the extrinsic base as the call's weight. A component
//! (a remark's length, a number of keys) is measured at its low and high ends: the weight
//! is the line through them.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use dfs_core::AccountId32;

/// Who a benchmarked call is dispatched as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BenchmarkOrigin {
    /// Signed, each extrinsic by its own signer.
    Signed,
    /// Root, through sudo: the harness signs the `sudo` wrappers with the sudo key.
    Root,
}

/// A component a call's cost grows with, and the range it is measured over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Component {
    /// Its name, the weight function's parameter (`b`, `i`, `p`).
    pub name: &'static str,
    /// The low end.
    pub low: u32,
    /// The high end.
    pub high: u32,
}

/// One weight function of a pallet and how to set up its costliest case.
pub struct Benchmark<Call> {
    /// The weight function's name.
    pub name: &'static str,
    /// The component it is linear in, if any.
    pub component: Option<Component>,
    /// How the call is dispatched.
    pub origin: BenchmarkOrigin,
    /// Prepares what the `index`-th extrinsic of a block, by `signer`, needs, with the
    /// component at `component`, and returns its call.
    pub setup: fn(signer: &AccountId32, index: u32, component: u32) -> Call,
}

/// A benchmark as the runtime lists it to the harness.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BenchmarkInfo {
    /// The pallet (its crate's short name, e.g. `balances`).
    pub pallet: Vec<u8>,
    /// The weight function.
    pub name: Vec<u8>,
    /// The component: its name, low and high ends.
    pub component: Option<(Vec<u8>, u32, u32)>,
    /// How the call is dispatched.
    pub origin: BenchmarkOrigin,
}

impl<Call> Benchmark<Call> {
    /// What the harness is told of it.
    pub fn info(&self, pallet: &str) -> BenchmarkInfo {
        BenchmarkInfo {
            pallet: pallet.as_bytes().to_vec(),
            name: self.name.as_bytes().to_vec(),
            component: self.component.map(|c| (c.name.as_bytes().to_vec(), c.low, c.high)),
            origin: self.origin,
        }
    }
}

/// How many accounts of its own every signer brings to the state, whatever the benchmark:
/// the state is the same size for every benchmark (trie depth changes what every
/// extrinsic costs), and a benchmark needing an account that exists takes one of these.
pub const BACKGROUND_ACCOUNTS: u32 = 2;

/// The `index`-th background account of `signer` (see [`BACKGROUND_ACCOUNTS`]); the runtime
/// endows it before any setup runs.
pub fn background_account(signer: &AccountId32, index: u32) -> AccountId32 {
    account(b"background", signer, index)
}

/// A deterministic account for a benchmark's setup, distinct per `purpose`, signer and
/// index (a recipient to create, say).
pub fn account(purpose: &[u8], signer: &AccountId32, index: u32) -> AccountId32 {
    let mut seed = Vec::with_capacity(purpose.len() + 36);
    seed.extend_from_slice(purpose);
    seed.extend_from_slice(&signer.0);
    seed.extend_from_slice(&index.to_le_bytes());
    AccountId32(dfs_core::hashing::blake2_256(&seed))
}
