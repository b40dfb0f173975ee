//! The digest of a block header: consensus data carried beside the header fields.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// A four-byte consensus engine id such as `*b"aura"` or `*b"FRNK"`.
pub type ConsensusEngineId = [u8; 4];

/// The Aura engine id: slot pre-digests and author seals.
pub const AURA_ENGINE_ID: ConsensusEngineId = *b"aura";
/// The GRANDPA engine id: authority-set changes and finality.
pub const GRANDPA_ENGINE_ID: ConsensusEngineId = *b"FRNK";
/// The BABE engine id.
pub const BABE_ENGINE_ID: ConsensusEngineId = *b"BABE";
/// The proof-of-work engine id.
pub const POW_ENGINE_ID: ConsensusEngineId = *b"pow_";

/// One item of a header digest, with Substrate's variant indices.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub enum DigestItem {
    /// Data for the consensus engine put in before the runtime runs (e.g. the Aura slot).
    #[codec(index = 6)]
    PreRuntime(ConsensusEngineId, Vec<u8>),
    /// A message from the runtime to the consensus engine (e.g. a new authority set).
    #[codec(index = 4)]
    Consensus(ConsensusEngineId, Vec<u8>),
    /// The block author's seal, added after the runtime ran; not seen by the runtime.
    #[codec(index = 5)]
    Seal(ConsensusEngineId, Vec<u8>),
    /// Anything else.
    #[codec(index = 0)]
    Other(Vec<u8>),
    /// The runtime code or heap pages changed in this block.
    #[codec(index = 8)]
    RuntimeEnvironmentUpdated,
}

impl DigestItem {
    /// The pre-runtime data of `engine`, if this is such an item.
    pub fn pre_runtime(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            DigestItem::PreRuntime(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }

    /// The seal of `engine`, if this is such an item.
    pub fn seal(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        match self {
            DigestItem::Seal(id, data) if *id == engine => Some(data),
            _ => None,
        }
    }
}

/// The list of digest items of a header.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("dfs_runtime_primitives", "sp_runtime"))]
pub struct Digest {
    /// The items, in order.
    pub logs: Vec<DigestItem>,
}

impl Digest {
    /// Appends an item.
    pub fn push(&mut self, item: DigestItem) {
        self.logs.push(item);
    }

    /// The first pre-runtime item of `engine`.
    pub fn pre_runtime(&self, engine: ConsensusEngineId) -> Option<&[u8]> {
        self.logs.iter().find_map(|item| item.pre_runtime(engine))
    }

    /// Removes and returns the last item if it is a seal of `engine`.
    pub fn pop_seal(&mut self, engine: ConsensusEngineId) -> Option<Vec<u8>> {
        match self.logs.last() {
            Some(DigestItem::Seal(id, _)) if *id == engine => match self.logs.pop() {
                Some(DigestItem::Seal(_, data)) => Some(data),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aura_items_match_compat_bytes() {
        // COMPAT.md §4: pre-digest `06 61757261 20 <slot u64 LE>`, seal `05 61757261 0101 <sig64>`.
        let slot = 0x0102_0304_0506_0708u64;
        let pre = DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode());
        let mut expected = hex::decode("066175726120").unwrap();
        expected.extend_from_slice(&slot.to_le_bytes());
        assert_eq!(pre.encode(), expected);

        let seal = DigestItem::Seal(AURA_ENGINE_ID, [7u8; 64].to_vec());
        let encoded = seal.encode();
        assert_eq!(&encoded[..7], &hex::decode("056175726101 01".replace(' ', "")).unwrap()[..]);
        assert_eq!(encoded.len(), 7 + 64);
        assert_eq!(DigestItem::RuntimeEnvironmentUpdated.encode(), [8]);
    }

    #[test]
    fn pop_seal_only_takes_a_trailing_seal_of_the_engine() {
        let mut digest = Digest::default();
        digest.push(DigestItem::PreRuntime(AURA_ENGINE_ID, vec![1]));
        digest.push(DigestItem::Seal(AURA_ENGINE_ID, vec![2]));
        assert_eq!(digest.pop_seal(BABE_ENGINE_ID), None);
        assert_eq!(digest.pop_seal(AURA_ENGINE_ID), Some(vec![2]));
        assert_eq!(digest.pop_seal(AURA_ENGINE_ID), None);
        assert_eq!(digest.pre_runtime(AURA_ENGINE_ID), Some(&[1u8][..]));
    }
}
