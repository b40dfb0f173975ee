//! The chain's protocols on the wire: their names (prefixed with the genesis hash), their
//! messages (SCALE) and each message's size bound.

use codec::{Decode, DecodeLimit, Encode};
use dfs_core::H256;
use dfs_runtime_primitives::generic::{BlockNumber, Header, OpaqueExtrinsic};
use libp2p::StreamProtocol;

use crate::config::Roles;

/// Most nested SCALE depth a peer's message may have.
const DECODE_DEPTH: u32 = 32;

/// The largest handshake frame.
pub const MAX_HANDSHAKE: usize = 1024;
/// The largest block announcement (a header with its digest).
pub const MAX_ANNOUNCE: usize = 64 * 1024;
/// The largest frame of gossiped transactions.
pub const MAX_TRANSACTIONS: usize = 16 * 1024 * 1024;
/// The largest finality message.
pub const MAX_FINALITY: usize = 1024 * 1024;
/// The largest block request.
pub const MAX_REQUEST: usize = 1024;
/// The largest block response: a full 10 MiB block with its header, justification and
/// framing fits with room to spare.
pub const MAX_RESPONSE: usize = 16 * 1024 * 1024;
/// What a responder aims to stay under when it adds blocks to a response (the first block
/// always goes in, whatever its size, as long as it fits [`MAX_RESPONSE`]).
pub const RESPONSE_BUDGET: usize = 8 * 1024 * 1024;
/// Most blocks one request asks for.
pub const MAX_BLOCKS_PER_REQUEST: u32 = 128;

/// The notification protocols a peer and this node keep a stream open on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Notifications {
    /// New blocks' headers. Its handshake makes the peer a peer of the chain.
    BlockAnnounces,
    /// Transactions to pass on.
    Transactions,
    /// Finality votes.
    Finality,
}

impl Notifications {
    /// Every notification protocol.
    pub const ALL: [Notifications; 3] =
        [Notifications::BlockAnnounces, Notifications::Transactions, Notifications::Finality];

    /// The largest message.
    pub fn max_message(self) -> usize {
        match self {
            Notifications::BlockAnnounces => MAX_ANNOUNCE,
            Notifications::Transactions => MAX_TRANSACTIONS,
            Notifications::Finality => MAX_FINALITY,
        }
    }

    /// Its place in per-protocol arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The chain's protocol names.
#[derive(Clone, Debug)]
pub struct ProtocolNames {
    notifications: [StreamProtocol; 3],
    /// Block requests.
    pub sync: StreamProtocol,
    /// Kademlia, so that two chains' DHTs never mix.
    pub kademlia: StreamProtocol,
}

impl ProtocolNames {
    /// The names of the chain of `genesis`.
    pub fn new(genesis: &H256) -> Self {
        let prefix = format!("/{}", hex::encode(genesis.as_bytes()));
        let name = |suffix: &str| {
            StreamProtocol::try_from_owned(format!("{prefix}/{suffix}"))
                .expect("a protocol name starts with a slash")
        };
        ProtocolNames {
            notifications: [name("block-announces/1"), name("transactions/1"), name("grandpa/1")],
            sync: name("sync/1"),
            kademlia: name("kad"),
        }
    }

    /// The name of notification protocol `protocol`.
    pub fn notifications(&self, protocol: Notifications) -> &StreamProtocol {
        &self.notifications[protocol.index()]
    }
}

/// What each side sends first on every notification stream.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Handshake {
    /// The sender's roles.
    pub roles: Roles,
    /// Its best block's number.
    pub best_number: BlockNumber,
    /// Its best block's hash.
    pub best_hash: H256,
    /// Its chain's genesis hash.
    pub genesis_hash: H256,
}

/// A new block, announced by its header.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockAnnounce {
    /// The block's header.
    pub header: Header,
    /// Whether it is the sender's new best block.
    pub is_best: bool,
}

/// Where a block request starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum FromBlock {
    /// The block of this hash.
    Hash(H256),
    /// The responder's best-chain block at this number.
    Number(BlockNumber),
}

/// Which way a block request walks from its first block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Direction {
    /// Children: higher numbers on the responder's best chain.
    Ascending,
    /// Parents.
    Descending,
}

/// Which parts of each block a request wants (bits).
pub mod fields {
    /// The header.
    pub const HEADER: u8 = 1;
    /// The extrinsics.
    pub const BODY: u8 = 2;
    /// The justifications.
    pub const JUSTIFICATIONS: u8 = 4;
    /// All of a block.
    pub const FULL: u8 = HEADER | BODY | JUSTIFICATIONS;
}

/// A request for blocks.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockRequest {
    /// [`fields`] bits.
    pub fields: u8,
    /// The first block.
    pub from: FromBlock,
    /// Which way to go.
    pub direction: Direction,
    /// How many blocks at most (the responder caps it at [`MAX_BLOCKS_PER_REQUEST`]).
    pub max: u32,
}

/// One block of a response, with the parts asked for.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BlockData {
    /// The block's hash.
    pub hash: H256,
    /// Its header.
    pub header: Option<Header>,
    /// Its extrinsics.
    pub body: Option<Vec<OpaqueExtrinsic>>,
    /// Its justifications.
    pub justifications: Option<Vec<u8>>,
}

/// The answer to a [`BlockRequest`]: the blocks found, in the order asked, possibly fewer
/// than asked (none if the first is unknown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct BlockResponse {
    /// The blocks.
    pub blocks: Vec<BlockData>,
}

/// Decodes a whole message from a peer: depth-limited, and every byte must be used.
pub fn decode<T: Decode>(bytes: &[u8]) -> Result<T, codec::Error> {
    T::decode_all_with_depth_limit(DECODE_DEPTH, &mut &bytes[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_genesis_hash() {
        let names = ProtocolNames::new(&H256([0xab; 32]));
        let prefix = format!("/{}", "ab".repeat(32));
        assert_eq!(
            names.notifications(Notifications::BlockAnnounces).as_ref(),
            format!("{prefix}/block-announces/1")
        );
        assert_eq!(names.sync.as_ref(), format!("{prefix}/sync/1"));
        assert_ne!(names.sync, ProtocolNames::new(&H256([0xac; 32])).sync);
    }

    #[test]
    fn messages_decode_whole_or_not_at_all() {
        let request = BlockRequest {
            fields: fields::FULL,
            from: FromBlock::Number(7),
            direction: Direction::Ascending,
            max: 64,
        };
        let bytes = request.encode();
        assert_eq!(decode::<BlockRequest>(&bytes).unwrap(), request);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode::<BlockRequest>(&trailing).is_err());
        assert!(decode::<BlockRequest>(&bytes[..bytes.len() - 1]).is_err());
        // A response claiming a billion blocks in a few bytes is refused, not allocated.
        assert!(decode::<BlockResponse>(&[0xfe, 0xff, 0xff, 0xff]).is_err());
    }
}
