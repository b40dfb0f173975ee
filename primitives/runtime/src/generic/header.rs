//! The block header.

use codec::{Decode, Encode};
use dfs_core::H256;
use dfs_io::hashing::blake2_256;
use scale_info::TypeInfo;

use super::digest::Digest;

/// The block number type of DFS.
pub type BlockNumber = u32;

/// A block header, encoded exactly as Substrate's: the number is compact.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct Header {
    /// The hash of the parent block.
    pub parent_hash: H256,
    /// The block number.
    #[codec(compact)]
    pub number: BlockNumber,
    /// The state root after the block's execution.
    pub state_root: H256,
    /// The ordered trie root of the block's extrinsics.
    pub extrinsics_root: H256,
    /// Consensus data.
    pub digest: Digest,
}

impl Header {
    /// The block hash: blake2-256 of the encoded header, seal included.
    pub fn hash(&self) -> H256 {
        H256(self.using_encoded(blake2_256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generic::digest::{DigestItem, AURA_ENGINE_ID};

    #[test]
    fn layout_and_hash() {
        let header = Header {
            parent_hash: H256([1; 32]),
            number: 300,
            state_root: H256([2; 32]),
            extrinsics_root: H256([3; 32]),
            digest: Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, vec![9])] },
        };
        let encoded = header.encode();
        assert_eq!(&encoded[..32], &[1; 32]);
        assert_eq!(&encoded[32..34], &[0xb1, 0x04]); // Compact(300)
        assert_eq!(&encoded[34..66], &[2; 32]);
        assert_eq!(&encoded[66..98], &[3; 32]);
        assert_eq!(&encoded[98..], &hex::decode("04066175726104 09".replace(' ', "")).unwrap()[..]);
        assert_eq!(header.hash(), H256(blake2_256(&encoded)));
        assert_eq!(Header::decode(&mut &encoded[..]).unwrap(), header);
    }
}
