//! Substrate's state trie for DFS: a base-16 Patricia-Merkle trie hashed with blake2-256.
//!
//! The node format ([`NodeCodec`]) and the two layouts are Substrate's, byte for
//! byte, so state roots, extrinsics roots and `state_getReadProof` proofs match
//! what Substrate and its tools compute:
//!
//! - [`LayoutV1`] (state version 1) stores values of 33 bytes or more as
//!   separate nodes referenced by hash. The state uses it.
//! - [`LayoutV0`] keeps every value inline. The extrinsics root of runtimes with
//!   `system_version` below 2 uses it, as Substrate does.
//!
//! The tree algorithms come from `trie-db`; this crate supplies the format,
//! the hasher and the few operations the runtime and node need.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod node_codec;

use alloc::{boxed::Box, collections::BTreeMap, vec::Vec};
use core::marker::PhantomData;

use codec::{Compact, Encode};
use dfs_core::{hashing::blake2_256, H256};
use hash_db::{HashDBRef, Hasher};
pub use node_codec::{NodeCodec, NodeCodecError};
pub use trie_db::{Trie, TrieConfiguration, TrieMut};
use trie_db::{TrieDBBuilder, TrieDBMutBuilder, TrieLayout};

/// The blake2-256 hasher of trie nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Blake2Hasher;

/// A `std::hash::Hasher` for keys that are already hashes: it takes their first eight bytes.
#[derive(Default)]
pub struct HashKeyHasher(u64);

impl core::hash::Hasher for HashKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (index, byte) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*byte) << (index * 8);
        }
    }
}

impl Hasher for Blake2Hasher {
    type Out = H256;
    type StdHasher = HashKeyHasher;
    const LENGTH: usize = 32;

    fn hash(data: &[u8]) -> H256 {
        H256(blake2_256(data))
    }
}

/// Substrate's trie layout for state version 0: every value inline.
pub struct LayoutV0<H = Blake2Hasher>(PhantomData<H>);

/// Substrate's trie layout for state version 1: values of 33 bytes or more stored by hash.
pub struct LayoutV1<H = Blake2Hasher>(PhantomData<H>);

/// The length from which V1 stores a value as its own node (Substrate's `TRIE_VALUE_NODE_THRESHOLD`).
pub const TRIE_VALUE_NODE_THRESHOLD: u32 = 33;

impl<H: Hasher> TrieLayout for LayoutV0<H> {
    const USE_EXTENSION: bool = false;
    const ALLOW_EMPTY: bool = true;
    const MAX_INLINE_VALUE: Option<u32> = None;
    type Hash = H;
    type Codec = NodeCodec<H>;
}

impl<H: Hasher> TrieLayout for LayoutV1<H> {
    const USE_EXTENSION: bool = false;
    const ALLOW_EMPTY: bool = true;
    const MAX_INLINE_VALUE: Option<u32> = Some(TRIE_VALUE_NODE_THRESHOLD);
    type Hash = H;
    type Codec = NodeCodec<H>;
}

impl<H: Hasher> TrieConfiguration for LayoutV0<H> {
    fn encode_index(index: u32) -> Vec<u8> {
        Compact(index).encode()
    }
}

impl<H: Hasher> TrieConfiguration for LayoutV1<H> {
    fn encode_index(index: u32) -> Vec<u8> {
        Compact(index).encode()
    }
}

pub use dfs_core::StateVersion;

/// An in-memory node store keyed by node hash, with reference counts.
pub type MemoryDB = memory_db::MemoryDB<Blake2Hasher, memory_db::HashKey<Blake2Hasher>, Vec<u8>>;

/// Why a trie operation failed: a node missing from the store, or a corrupt node.
pub type TrieError = trie_db::TrieError<H256, NodeCodecError>;

/// The root of the empty trie: `blake2_256([0])`.
pub fn empty_root() -> H256 {
    <Blake2Hasher as Hasher>::hash(&[0])
}

/// The root of a trie holding `entries` (in any order; later duplicates win).
pub fn trie_root<I, K, V>(version: StateVersion, entries: I) -> H256
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]> + Ord,
    V: AsRef<[u8]>,
{
    let sorted: BTreeMap<K, V> = entries.into_iter().collect();
    match version {
        StateVersion::V0 => LayoutV0::<Blake2Hasher>::trie_root(sorted),
        StateVersion::V1 => LayoutV1::<Blake2Hasher>::trie_root(sorted),
    }
}

/// The root of a list keyed by `Compact(index)`: the extrinsics root of a block.
pub fn ordered_trie_root<I, V>(version: StateVersion, values: I) -> H256
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    trie_root(
        version,
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| (Compact(index as u32).encode(), value)),
    )
}

/// Applies `changes` (a value, or `None` to delete) to the trie at `root` in `db`, returning
/// the new root. New nodes are inserted into `db`; nodes no longer referenced are removed
/// (reference-counted, so nodes shared with other roots survive).
pub fn apply_changes<'a, I>(
    db: &mut dyn hash_db::HashDB<Blake2Hasher, Vec<u8>>,
    version: StateVersion,
    root: H256,
    changes: I,
) -> Result<H256, Box<TrieError>>
where
    I: IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
{
    fn apply<'a, L: TrieLayout<Hash = Blake2Hasher, Codec = NodeCodec<Blake2Hasher>>>(
        db: &mut dyn hash_db::HashDB<Blake2Hasher, Vec<u8>>,
        mut root: H256,
        changes: impl IntoIterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Result<H256, Box<TrieError>> {
        {
            let mut trie = if root == empty_root() {
                TrieDBMutBuilder::<L>::new(db, &mut root).build()
            } else {
                TrieDBMutBuilder::<L>::from_existing(db, &mut root).build()
            };
            for (key, value) in changes {
                match value {
                    Some(value) => {
                        trie.insert(key, value)?;
                    }
                    None => {
                        trie.remove(key)?;
                    }
                }
            }
        }
        Ok(root)
    }
    match version {
        StateVersion::V0 => apply::<LayoutV0>(db, root, changes),
        StateVersion::V1 => apply::<LayoutV1>(db, root, changes),
    }
}

/// Reads the value at `key` from the trie at `root`.
pub fn read_value(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &H256,
    key: &[u8],
) -> Result<Option<Vec<u8>>, Box<TrieError>> {
    // Reading does not depend on the layout version: both decode the same nodes.
    TrieDBBuilder::<LayoutV1>::new(db, root).build().get(key)
}

/// A read proof for `keys` at `root`: every node a lookup of those keys visits,
/// deduplicated and sorted (the shape of Substrate's `StorageProof` and of
/// `state_getReadProof`'s `proof` list).
pub fn read_proof<'k>(
    db: &dyn HashDBRef<Blake2Hasher, Vec<u8>>,
    root: &H256,
    keys: impl IntoIterator<Item = &'k [u8]>,
) -> Result<Vec<Vec<u8>>, Box<TrieError>> {
    let mut recorder = trie_db::recorder::Recorder::<LayoutV1>::new();
    {
        let trie = TrieDBBuilder::<LayoutV1>::new(db, root).with_recorder(&mut recorder).build();
        for key in keys {
            trie.get(key)?;
        }
    }
    let mut nodes: Vec<Vec<u8>> = recorder.drain().into_iter().map(|record| record.data).collect();
    nodes.sort();
    nodes.dedup();
    Ok(nodes)
}

/// Checks `key` against a read proof: `Ok(Some(value))` or `Ok(None)` (proven absent) when the
/// proof holds every node on the key's path from `root`, an error otherwise.
pub fn verify_read_proof(
    root: &H256,
    proof: &[Vec<u8>],
    key: &[u8],
) -> Result<Option<Vec<u8>>, Box<TrieError>> {
    let mut db = MemoryDB::default();
    for node in proof {
        hash_db::HashDB::insert(&mut db, hash_db::EMPTY_PREFIX, node);
    }
    read_value(&db, root, key)
}

#[cfg(test)]
mod tests;
