//! Aura: authors take turns by slot, each block carries its slot in a pre-runtime digest and
//! its author's sr25519 seal over the header.
//!
//! The rules live here once: the slot author ([`slot_author`]), the digests ([`pre_digest`],
//! [`slot_of`], [`seal`]) and the checks a block from outside must pass before it is
//! executed ([`AuraVerifier`]).

use std::sync::Arc;

use codec::{Decode, Encode};
use dfs_chain::{
    runtime_api::AuraAuthorities, BlockImportParams, Chain, HeaderReader, ImportError,
    IncomingBlock, StateAction, StateReader, Verifier,
};
use dfs_core::{pair::Sr25519Pair, sr25519, AccountId32};
use dfs_runtime_primitives::generic::{DigestItem, Header, AURA_ENGINE_ID};

/// The authority whose turn `slot` is: round robin over `authorities`, in order.
pub fn slot_author(slot: u64, authorities: &[AccountId32]) -> Option<&AccountId32> {
    let count = u64::try_from(authorities.len()).ok().filter(|count| *count > 0)?;
    authorities.get(usize::try_from(slot % count).ok()?)
}

/// The pre-runtime digest item announcing `slot`.
pub fn pre_digest(slot: u64) -> DigestItem {
    DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())
}

/// The Aura slot in `header`'s pre-runtime digest.
pub fn slot_of(header: &Header) -> Option<u64> {
    let mut data = header.digest.pre_runtime(AURA_ENGINE_ID)?;
    u64::decode(&mut data).ok()
}

/// The seal of `header` (not yet sealed) by `pair`: its signature over the header's hash.
pub fn seal(header: &Header, pair: &Sr25519Pair) -> DigestItem {
    DigestItem::Seal(AURA_ENGINE_ID, pair.sign(header.hash().as_bytes()).0.to_vec())
}

/// Checks Aura blocks from outside: the seal is the slot author's signature over the
/// unsealed header, the slot follows the parent's, and the author is the slot's.
pub struct AuraVerifier {
    chain: Arc<Chain>,
}

impl AuraVerifier {
    /// A verifier reading parents and authorities from `chain`.
    pub fn new(chain: Arc<Chain>) -> Self {
        AuraVerifier { chain }
    }
}

impl Verifier for AuraVerifier {
    fn verify(&self, incoming: IncomingBlock) -> Result<BlockImportParams, ImportError> {
        let block = incoming.block;
        let hash = block.header.hash();
        let number = block.header.number;
        let bad = |reason: String| ImportError::BadBlock { number, hash, reason };
        let node = |source| ImportError::Node { number, hash, source };
        let parent_hash = block.header.parent_hash;
        let parent = self
            .chain
            .header(&parent_hash)
            .map_err(node)?
            .ok_or(ImportError::UnknownParent { number, hash, parent: parent_hash })?;
        let mut header = block.header;
        let seal =
            header.digest.pop_seal(AURA_ENGINE_ID).ok_or_else(|| bad("no aura seal".into()))?;
        let slot = slot_of(&header).ok_or_else(|| bad("no aura slot digest".into()))?;
        if parent.number > 0 && slot_of(&parent).is_some_and(|parent_slot| slot <= parent_slot) {
            return Err(bad(format!("slot {slot} does not follow its parent's")));
        }
        let authorities =
            self.chain.runtime_api::<AuraAuthorities>(&parent_hash, &()).map_err(node)?;
        let author = slot_author(slot, &authorities)
            .ok_or_else(|| bad("the runtime has no authorities".into()))?;
        let signature = <[u8; 64]>::try_from(&seal[..])
            .map_err(|_| bad("the seal is not a 64-byte signature".into()))?;
        if !sr25519::verify(
            &sr25519::Signature(signature),
            header.hash().as_bytes(),
            &sr25519::Public(author.0),
        ) {
            return Err(bad(format!("bad seal: not signed by slot {slot}'s author")));
        }
        Ok(BlockImportParams {
            origin: incoming.origin,
            header,
            post_digests: vec![DigestItem::Seal(AURA_ENGINE_ID, seal)],
            body: block.extrinsics,
            justifications: incoming.justifications,
            state: StateAction::Execute,
            finalize: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_take_turns_by_slot() {
        let authorities: Vec<AccountId32> = (0..3u8).map(|i| AccountId32([i; 32])).collect();
        assert_eq!(slot_author(0, &authorities), Some(&authorities[0]));
        assert_eq!(slot_author(4, &authorities), Some(&authorities[1]));
        assert_eq!(slot_author(u64::MAX, &authorities), Some(&authorities[0]));
        assert_eq!(slot_author(7, &[]), None);
    }

    #[test]
    fn digests_carry_the_slot_and_the_seal_verifies() {
        let pair = dfs_core::pair::dev_sr25519("Alice");
        let mut header = Header {
            parent_hash: Default::default(),
            number: 1,
            state_root: Default::default(),
            extrinsics_root: Default::default(),
            digest: Default::default(),
        };
        header.digest.push(pre_digest(42));
        assert_eq!(slot_of(&header), Some(42));
        // COMPAT.md §4: `06 61757261 20 <slot u64 LE>`.
        assert_eq!(pre_digest(42).encode()[..6], [6, b'a', b'u', b'r', b'a', 32]);
        let DigestItem::Seal(_, signature) = seal(&header, &pair) else { panic!("a seal") };
        assert!(sr25519::verify(
            &sr25519::Signature(signature.try_into().unwrap()),
            header.hash().as_bytes(),
            &pair.public()
        ));
    }
}
