//! Merkle trees over the 1 KiB leaves of a shard: what storage providers commit to and
//! are challenged on.
//!
//! A shard is cut into 1 KiB leaves (the last may be shorter; an empty shard has one
//! empty leaf). Leaves hash as `blake2_256(0x00 ++ leaf)`, inner nodes as
//! `blake2_256(0x01 ++ left ++ right)` — the prefixes keep a leaf from passing for a
//! node. A level with an odd number of nodes carries its last node up unchanged. A
//! proof of leaf `i` lists the sibling hashes from the leaf up; verifying it needs only
//! the root, the leaf count, the index and the leaf's bytes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use dfs_core::H256;
use scale_info::TypeInfo;

/// The size of a leaf.
pub const LEAF_SIZE: usize = 1024;

/// The hash of a leaf.
pub fn leaf_hash(leaf: &[u8]) -> H256 {
    let mut input = Vec::with_capacity(1 + leaf.len());
    input.push(0);
    input.extend_from_slice(leaf);
    H256(dfs_io::hashing::blake2_256(&input))
}

fn node_hash(left: &H256, right: &H256) -> H256 {
    let mut input = [0u8; 65];
    input[0] = 1;
    input[1..33].copy_from_slice(&left.0);
    input[33..].copy_from_slice(&right.0);
    H256(dfs_io::hashing::blake2_256(&input))
}

/// How many leaves `data` has.
pub fn leaf_count(data_len: usize) -> u32 {
    data_len.div_ceil(LEAF_SIZE).max(1) as u32
}

/// The leaf at `index` of `data`.
pub fn leaf(data: &[u8], index: u32) -> Option<&[u8]> {
    let start = (index as usize).checked_mul(LEAF_SIZE)?;
    if data.is_empty() && index == 0 {
        return Some(&[]);
    }
    if start >= data.len() {
        return None;
    }
    Some(&data[start..(start + LEAF_SIZE).min(data.len())])
}

fn leaf_hashes(data: &[u8]) -> Vec<H256> {
    if data.is_empty() {
        return alloc::vec![leaf_hash(&[])];
    }
    data.chunks(LEAF_SIZE).map(leaf_hash).collect()
}

fn next_level(level: &[H256]) -> Vec<H256> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node_hash(left, right),
            [single] => *single,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

/// The Merkle root of `data`.
pub fn merkle_root(data: &[u8]) -> H256 {
    let mut level = leaf_hashes(data);
    while level.len() > 1 {
        level = next_level(&level);
    }
    level[0]
}

/// The sibling hashes from a leaf to the root.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct MerkleProof {
    /// Siblings from the leaf's level upward (levels where the node had none are skipped).
    pub siblings: Vec<H256>,
}

/// The proof of leaf `index` of `data`, if it has such a leaf.
pub fn merkle_proof(data: &[u8], index: u32) -> Option<MerkleProof> {
    let mut level = leaf_hashes(data);
    let mut position = index as usize;
    if position >= level.len() {
        return None;
    }
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = position ^ 1;
        if sibling < level.len() {
            siblings.push(level[sibling]);
        }
        level = next_level(&level);
        position /= 2;
    }
    Some(MerkleProof { siblings })
}

/// Whether `leaf` is leaf `index` of the data with `leaf_count` leaves and root `root`.
pub fn verify(root: &H256, leaf_count: u32, index: u32, leaf: &[u8], proof: &MerkleProof) -> bool {
    if index >= leaf_count || leaf.len() > LEAF_SIZE {
        return false;
    }
    let mut hash = leaf_hash(leaf);
    let (mut position, mut width) = (index as usize, leaf_count as usize);
    let mut siblings = proof.siblings.iter();
    while width > 1 {
        let sibling = position ^ 1;
        if sibling < width {
            let Some(other) = siblings.next() else { return false };
            hash =
                if position % 2 == 0 { node_hash(&hash, other) } else { node_hash(other, &hash) };
        }
        position /= 2;
        width = width.div_ceil(2);
    }
    siblings.next().is_none() && hash == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn every_leaf_proves_for_many_sizes() {
        for len in [0usize, 1, 1023, 1024, 1025, 3 * 1024, 5 * 1024 + 7, 16 * 1024, 17 * 1024] {
            let data = data(len);
            let root = merkle_root(&data);
            let count = leaf_count(len);
            for index in 0..count {
                let proof = merkle_proof(&data, index).unwrap();
                let leaf = leaf(&data, index).unwrap();
                assert!(verify(&root, count, index, leaf, &proof), "len {len} leaf {index}");
                // The wrong leaf, index or root fails.
                let mut wrong = leaf.to_vec();
                wrong.push(1);
                assert!(!verify(&root, count, index, &wrong, &proof));
                if count > 1 {
                    assert!(!verify(&root, count, (index + 1) % count, leaf, &proof));
                }
                assert!(!verify(&H256([1; 32]), count, index, leaf, &proof));
            }
            assert!(merkle_proof(&data, count).is_none());
        }
    }

    #[test]
    fn a_single_leaf_is_its_own_root_and_nodes_differ_from_leaves() {
        assert_eq!(merkle_root(b"abc"), leaf_hash(b"abc"));
        let two = data(2048);
        let root = merkle_root(&two);
        // A forged "leaf" equal to the concatenated child hashes does not verify.
        let mut forged = leaf_hash(&two[..1024]).0.to_vec();
        forged.extend_from_slice(&leaf_hash(&two[1024..]).0);
        assert!(!verify(&root, 1, 0, &forged, &MerkleProof { siblings: vec![] }));
    }

    #[test]
    fn padded_or_truncated_proofs_fail() {
        let data = data(4096);
        let root = merkle_root(&data);
        let mut proof = merkle_proof(&data, 1).unwrap();
        proof.siblings.push(H256::zero());
        assert!(!verify(&root, 4, 1, leaf(&data, 1).unwrap(), &proof));
        proof.siblings.truncate(1);
        assert!(!verify(&root, 4, 1, leaf(&data, 1).unwrap(), &proof));
    }
}
