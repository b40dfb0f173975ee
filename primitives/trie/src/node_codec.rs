//! The encoding of trie nodes, as Substrate defines it.
//!
//! A node is a header byte (kind in the top bits, partial-key length in the
//! rest, continued in further bytes when it does not fit), the partial key
//! packed two nibbles a byte (an odd count gets a zero nibble in front), then:
//! for branches a little-endian `u16` bitmap of the children present; the
//! value as `Compact(len) ++ bytes`, or as its 32-byte hash when the layout
//! stores large values apart (V1); and for branches each child as
//! `Compact(len) ++ (encoded child if shorter than 32 bytes, else its hash)`.

use alloc::vec::Vec;
use codec::{Compact, Decode, Encode};
use core::{borrow::Borrow, marker::PhantomData, ops::Range};
use hash_db::Hasher;
use trie_db::{
    nibble_ops,
    node::{NibbleSlicePlan, NodeHandlePlan, NodePlan, Value, ValuePlan},
    ChildReference,
};

const EMPTY_TRIE: u8 = 0b0000_0000;
const LEAF: u8 = 0b01 << 6;
const BRANCH_WITHOUT_VALUE: u8 = 0b10 << 6;
const BRANCH_WITH_VALUE: u8 = 0b11 << 6;
const LEAF_WITH_HASHED_VALUE: u8 = 0b001 << 5;
const BRANCH_WITH_HASHED_VALUE: u8 = 0b0001 << 4;
/// Reserved by trie-db for compact proofs; never the start of a stored node.
const ESCAPE_COMPACT_HEADER: u8 = EMPTY_TRIE | 0b01;
const BITMAP_LENGTH: usize = 2;

/// Why bytes are not a valid trie node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeCodecError {
    /// The header, a padding nibble or the bitmap is not a valid encoding.
    BadFormat,
    /// The node ends early or a length does not decode.
    Truncated,
}

impl core::fmt::Display for NodeCodecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            NodeCodecError::BadFormat => "malformed trie node",
            NodeCodecError::Truncated => "truncated trie node",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NodeCodecError {}

impl From<codec::Error> for NodeCodecError {
    fn from(_: codec::Error) -> Self {
        NodeCodecError::Truncated
    }
}

/// Node kinds with their partial-key length in nibbles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeHeader {
    Empty,
    Leaf(usize),
    Branch { has_value: bool, nibbles: usize },
    LeafWithHashedValue(usize),
    BranchWithHashedValue(usize),
}

impl NodeHeader {
    fn encode_to(self, out: &mut Vec<u8>) {
        // (prefix bits, how many top bits the prefix takes, nibble count)
        let (prefix, prefix_bits, nibbles) = match self {
            NodeHeader::Empty => return out.push(EMPTY_TRIE),
            NodeHeader::Leaf(n) => (LEAF, 2, n),
            NodeHeader::Branch { has_value: true, nibbles } => (BRANCH_WITH_VALUE, 2, nibbles),
            NodeHeader::Branch { has_value: false, nibbles } => (BRANCH_WITHOUT_VALUE, 2, nibbles),
            NodeHeader::LeafWithHashedValue(n) => (LEAF_WITH_HASHED_VALUE, 3, n),
            NodeHeader::BranchWithHashedValue(n) => (BRANCH_WITH_HASHED_VALUE, 4, n),
        };
        let max_in_header = 255usize >> prefix_bits;
        if nibbles < max_in_header {
            out.push(prefix | nibbles as u8);
            return;
        }
        out.push(prefix | max_in_header as u8);
        let mut rest = nibbles - max_in_header;
        while rest >= 255 {
            out.push(255);
            rest -= 255;
        }
        out.push(rest as u8);
    }

    fn decode(input: &mut SliceReader<'_>) -> Result<Self, NodeCodecError> {
        let first = input.byte()?;
        if first == EMPTY_TRIE {
            return Ok(NodeHeader::Empty);
        }
        let header = match first & (0b11 << 6) {
            LEAF => NodeHeader::Leaf(decode_nibble_count(first, 2, input)?),
            BRANCH_WITH_VALUE => NodeHeader::Branch {
                has_value: true,
                nibbles: decode_nibble_count(first, 2, input)?,
            },
            BRANCH_WITHOUT_VALUE => NodeHeader::Branch {
                has_value: false,
                nibbles: decode_nibble_count(first, 2, input)?,
            },
            _ if first & (0b111 << 5) == LEAF_WITH_HASHED_VALUE => {
                NodeHeader::LeafWithHashedValue(decode_nibble_count(first, 3, input)?)
            }
            _ if first & (0b1111 << 4) == BRANCH_WITH_HASHED_VALUE => {
                NodeHeader::BranchWithHashedValue(decode_nibble_count(first, 4, input)?)
            }
            _ => return Err(NodeCodecError::BadFormat),
        };
        Ok(header)
    }
}

fn decode_nibble_count(
    first: u8,
    prefix_bits: u32,
    input: &mut SliceReader<'_>,
) -> Result<usize, NodeCodecError> {
    let max_in_header = 255u8 >> prefix_bits;
    let mut count = usize::from(first & max_in_header);
    if count < usize::from(max_in_header) {
        return Ok(count);
    }
    // Each continuation byte is bounded by the node's length, so this loop is too.
    loop {
        let next = input.byte()?;
        count += usize::from(next);
        if next < 255 {
            return Ok(count);
        }
    }
}

/// A reader over a node's bytes that hands out ranges, so decoded plans can point into the node.
struct SliceReader<'a> {
    data: &'a [u8],
    offset: usize,
}

impl SliceReader<'_> {
    fn take(&mut self, count: usize) -> Result<Range<usize>, NodeCodecError> {
        let end = self.offset.checked_add(count).ok_or(NodeCodecError::Truncated)?;
        if end > self.data.len() {
            return Err(NodeCodecError::Truncated);
        }
        let range = self.offset..end;
        self.offset = end;
        Ok(range)
    }

    fn byte(&mut self) -> Result<u8, NodeCodecError> {
        let range = self.take(1)?;
        Ok(self.data[range.start])
    }

    fn compact_len(&mut self) -> Result<usize, NodeCodecError> {
        let mut rest = &self.data[self.offset..];
        let before = rest.len();
        let len = <Compact<u32>>::decode(&mut rest)?.0;
        self.offset += before - rest.len();
        Ok(len as usize)
    }
}

/// Substrate's node codec, generic over the hasher (blake2-256 for DFS).
#[derive(Default, Clone)]
pub struct NodeCodec<H>(PhantomData<H>);

impl<H: Hasher> NodeCodec<H> {
    fn decode_partial(
        input: &mut SliceReader<'_>,
        nibbles: usize,
    ) -> Result<NibbleSlicePlan, NodeCodecError> {
        let padded = nibbles % nibble_ops::NIBBLE_PER_BYTE != 0;
        let range = input.take(nibbles.div_ceil(nibble_ops::NIBBLE_PER_BYTE))?;
        // The pad nibble in front of an odd-length key must be zero: one node, one encoding.
        if padded && nibble_ops::pad_left(input.data[range.start]) != 0 {
            return Err(NodeCodecError::BadFormat);
        }
        Ok(NibbleSlicePlan::new(range, nibble_ops::number_padding(nibbles)))
    }

    fn decode_value(
        input: &mut SliceReader<'_>,
        hashed: bool,
    ) -> Result<ValuePlan, NodeCodecError> {
        if hashed {
            Ok(ValuePlan::Node(input.take(H::LENGTH)?))
        } else {
            let len = input.compact_len()?;
            Ok(ValuePlan::Inline(input.take(len)?))
        }
    }

    fn header_and_partial(
        header: NodeHeader,
        partial: impl Iterator<Item = u8>,
        capacity: usize,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(capacity);
        header.encode_to(&mut out);
        out.extend(partial);
        out
    }

    fn encode_value(value: Value<'_>, out: &mut Vec<u8>) {
        match value {
            Value::Inline(bytes) => {
                Compact(bytes.len() as u32).encode_to(out);
                out.extend_from_slice(bytes);
            }
            Value::Node(hash) => out.extend_from_slice(hash),
        }
    }
}

impl<H: Hasher> trie_db::NodeCodec for NodeCodec<H> {
    const ESCAPE_HEADER: Option<u8> = Some(ESCAPE_COMPACT_HEADER);
    type Error = NodeCodecError;
    type HashOut = H::Out;

    fn hashed_null_node() -> H::Out {
        H::hash(<Self as trie_db::NodeCodec>::empty_node())
    }

    fn decode_plan(data: &[u8]) -> Result<NodePlan, Self::Error> {
        let mut input = SliceReader { data, offset: 0 };
        let plan = match NodeHeader::decode(&mut input)? {
            NodeHeader::Empty => NodePlan::Empty,
            NodeHeader::Leaf(nibbles) | NodeHeader::LeafWithHashedValue(nibbles) => {
                let hashed = data[0] & (0b111 << 5) == LEAF_WITH_HASHED_VALUE;
                let partial = Self::decode_partial(&mut input, nibbles)?;
                let value = Self::decode_value(&mut input, hashed)?;
                NodePlan::Leaf { partial, value }
            }
            header @ (NodeHeader::Branch { nibbles, .. }
            | NodeHeader::BranchWithHashedValue(nibbles)) => {
                let partial = Self::decode_partial(&mut input, nibbles)?;
                let bitmap_range = input.take(BITMAP_LENGTH)?;
                let bitmap =
                    u16::from_le_bytes([data[bitmap_range.start], data[bitmap_range.start + 1]]);
                if bitmap == 0 {
                    // A branch without children would be a leaf: not a canonical encoding.
                    return Err(NodeCodecError::BadFormat);
                }
                let value = match header {
                    NodeHeader::Branch { has_value: false, .. } => None,
                    NodeHeader::Branch { has_value: true, .. } => {
                        Some(Self::decode_value(&mut input, false)?)
                    }
                    _ => Some(Self::decode_value(&mut input, true)?),
                };
                let mut children: [Option<NodeHandlePlan>; 16] = Default::default();
                for (index, child) in children.iter_mut().enumerate() {
                    if bitmap & (1 << index) != 0 {
                        let len = input.compact_len()?;
                        let range = input.take(len)?;
                        *child = Some(if len == H::LENGTH {
                            NodeHandlePlan::Hash(range)
                        } else {
                            NodeHandlePlan::Inline(range)
                        });
                    }
                }
                NodePlan::NibbledBranch { partial, value, children }
            }
        };
        Ok(plan)
    }

    fn is_empty_node(data: &[u8]) -> bool {
        data == [EMPTY_TRIE]
    }

    fn empty_node() -> &'static [u8] {
        &[EMPTY_TRIE]
    }

    fn leaf_node(partial: impl Iterator<Item = u8>, nibbles: usize, value: Value<'_>) -> Vec<u8> {
        let header = match value {
            Value::Node(_) => NodeHeader::LeafWithHashedValue(nibbles),
            Value::Inline(_) => NodeHeader::Leaf(nibbles),
        };
        let mut out = Self::header_and_partial(header, partial, 40 + nibbles / 2);
        Self::encode_value(value, &mut out);
        out
    }

    fn extension_node(
        _partial: impl Iterator<Item = u8>,
        _nibbles: usize,
        _child: ChildReference<H::Out>,
    ) -> Vec<u8> {
        unreachable!("the layout sets USE_EXTENSION = false, so trie-db never asks for extensions")
    }

    fn branch_node(
        _children: impl Iterator<Item = impl Borrow<Option<ChildReference<H::Out>>>>,
        _value: Option<Value<'_>>,
    ) -> Vec<u8> {
        unreachable!("the layout sets USE_EXTENSION = false, so trie-db asks for nibbled branches")
    }

    fn branch_node_nibbled(
        partial: impl Iterator<Item = u8>,
        nibbles: usize,
        children: impl Iterator<Item = impl Borrow<Option<ChildReference<H::Out>>>>,
        value: Option<Value<'_>>,
    ) -> Vec<u8> {
        let header = match value {
            None => NodeHeader::Branch { has_value: false, nibbles },
            Some(Value::Inline(_)) => NodeHeader::Branch { has_value: true, nibbles },
            Some(Value::Node(_)) => NodeHeader::BranchWithHashedValue(nibbles),
        };
        let mut out = Self::header_and_partial(header, partial, 64 + nibbles / 2);
        let bitmap_at = out.len();
        out.extend_from_slice(&[0; BITMAP_LENGTH]);
        if let Some(value) = value {
            Self::encode_value(value, &mut out);
        }
        let mut bitmap = 0u16;
        for (index, child) in children.enumerate() {
            match child.borrow() {
                Some(ChildReference::Hash(hash)) => {
                    bitmap |= 1 << index;
                    hash.as_ref().encode_to(&mut out);
                }
                Some(ChildReference::Inline(data, len)) => {
                    bitmap |= 1 << index;
                    data.as_ref()[..*len].encode_to(&mut out);
                }
                None => {}
            }
        }
        out[bitmap_at..bitmap_at + BITMAP_LENGTH].copy_from_slice(&bitmap.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_bytes(header: NodeHeader) -> Vec<u8> {
        let mut out = Vec::new();
        header.encode_to(&mut out);
        out
    }

    #[test]
    fn header_lengths_match_other_implementations() {
        // Vectors shared by Substrate, smoldot, gossamer and Kagome.
        assert_eq!(header_bytes(NodeHeader::Leaf(62)), [0x7e]);
        assert_eq!(header_bytes(NodeHeader::Leaf(63)), [0x7f, 0x00]);
        assert_eq!(header_bytes(NodeHeader::Leaf(64)), [0x7f, 0x01]);
        assert_eq!(header_bytes(NodeHeader::Leaf(318)), [0x7f, 0xff, 0x00]);
        assert_eq!(header_bytes(NodeHeader::Leaf(573)), [0x7f, 0xff, 0xff, 0x00]);
        assert_eq!(
            header_bytes(NodeHeader::Branch { has_value: true, nibbles: 317 }),
            [0xff, 0xfe]
        );
    }

    #[test]
    fn headers_round_trip() {
        for nibbles in [0usize, 1, 14, 15, 16, 30, 31, 32, 62, 63, 64, 300, 1000, 70_000] {
            for header in [
                NodeHeader::Leaf(nibbles),
                NodeHeader::Branch { has_value: true, nibbles },
                NodeHeader::Branch { has_value: false, nibbles },
                NodeHeader::LeafWithHashedValue(nibbles),
                NodeHeader::BranchWithHashedValue(nibbles),
            ] {
                let bytes = header_bytes(header);
                let mut reader = SliceReader { data: &bytes, offset: 0 };
                assert_eq!(NodeHeader::decode(&mut reader), Ok(header));
                assert_eq!(reader.offset, bytes.len());
            }
        }
    }
}
