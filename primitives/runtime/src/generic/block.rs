//! Blocks: a header and its extrinsics.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

use super::header::Header;

/// A block with extrinsics of type `Extrinsic`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct Block<Extrinsic> {
    /// The header.
    pub header: Header,
    /// The extrinsics, in order.
    pub extrinsics: Vec<Extrinsic>,
}

/// An extrinsic kept as its encoded bytes (without re-checking it): how the node sees blocks.
///
/// Encodes like `Vec<u8>` of the extrinsic's own encoding without its length
/// prefix, which makes it byte-identical to the extrinsic it holds.
#[derive(Clone, PartialEq, Eq, Debug, Default, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct OpaqueExtrinsic(pub Vec<u8>);

impl Encode for OpaqueExtrinsic {
    fn size_hint(&self) -> usize {
        self.0.size_hint()
    }

    fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
        self.0.encode_to(dest)
    }
}

impl Decode for OpaqueExtrinsic {
    fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
        Ok(OpaqueExtrinsic(Vec::<u8>::decode(input)?))
    }
}

impl OpaqueExtrinsic {
    /// The extrinsic's full encoding, length prefix included (what its hash is taken over).
    pub fn encoded_with_prefix(&self) -> Vec<u8> {
        self.encode()
    }
}
