//! Generic chain data types, in the module paths Substrate's metadata shows.

pub mod block;
pub mod digest;
pub mod era;
pub mod header;
pub mod unchecked_extrinsic;

pub use block::{Block, OpaqueExtrinsic};
pub use digest::{
    ConsensusEngineId, Digest, DigestItem, AURA_ENGINE_ID, BABE_ENGINE_ID, GRANDPA_ENGINE_ID,
    POW_ENGINE_ID,
};
pub use era::Era;
pub use header::{BlockNumber, Header};
pub use unchecked_extrinsic::{using_signing_payload, UncheckedExtrinsic};
