//! The manifest: everything needed to find, check and rebuild a file's shards, except its
//! key. Its blake2-256 is the file id.

use codec::{Decode, Encode};
use dfs_core::{hashing::blake2_256, H256};
use serde::{Deserialize, Serialize};

use crate::codec::CodecId;

/// The manifest format version.
pub const MANIFEST_VERSION: u8 = 1;
/// The default segment size: 8 MiB.
pub const DEFAULT_SEGMENT_SIZE: u32 = 8 * 1024 * 1024;
/// The largest accepted segment size: 64 MiB (memory per segment is bounded by it).
pub const MAX_SEGMENT_SIZE: u32 = 64 * 1024 * 1024;

/// One shard: its content hash (its name in stores) and the Merkle root of its 1 KiB leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ShardInfo {
    /// blake2-256 of the shard's bytes.
    pub hash: H256,
    /// Merkle root over the shard's 1 KiB leaves (what storage proofs challenge).
    pub merkle_root: H256,
}

/// One segment of the file.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct SegmentInfo {
    /// Plaintext bytes in the segment.
    pub plain_len: u32,
    /// Ciphertext bytes (plaintext plus the 16-byte authentication tag).
    pub cipher_len: u32,
    /// Bytes in each shard.
    pub shard_len: u32,
    /// The `n` shards, in order.
    pub shards: Vec<ShardInfo>,
}

/// A file's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format version.
    pub version: u8,
    /// The file's size in bytes.
    pub file_size: u64,
    /// Plaintext bytes per segment (the last may hold fewer).
    pub segment_size: u32,
    /// Shards needed to rebuild a segment.
    pub k: u16,
    /// Shards per segment.
    pub n: u16,
    /// The erasure code.
    pub codec: CodecId,
    /// Random bytes binding every segment's encryption to this file.
    pub file_salt: [u8; 16],
    /// The segments, in order.
    pub segments: Vec<SegmentInfo>,
}

/// Why a manifest is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not a SCALE-encoded manifest.
    #[error("not a DFS manifest: {0}")]
    Decode(String),
    /// A version this client does not know.
    #[error(
        "manifest version {0} is not supported (this client reads version {MANIFEST_VERSION})"
    )]
    Version(u8),
    /// The fields contradict each other.
    #[error("inconsistent manifest: {0}")]
    Inconsistent(&'static str),
}

impl Manifest {
    /// The file id: blake2-256 of the encoded manifest.
    pub fn file_id(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }

    /// Decodes and checks a manifest (every length bounded by the input).
    pub fn decode_checked(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let manifest =
            Manifest::decode(&mut &bytes[..]).map_err(|e| ManifestError::Decode(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// Checks the fields against each other.
    pub fn check(&self) -> Result<(), ManifestError> {
        if self.version != MANIFEST_VERSION {
            return Err(ManifestError::Version(self.version));
        }
        if self.k == 0 || self.n <= self.k {
            return Err(ManifestError::Inconsistent("coding parameters need 0 < k < n"));
        }
        if self.segment_size == 0 || self.segment_size > MAX_SEGMENT_SIZE {
            return Err(ManifestError::Inconsistent("segment size out of range"));
        }
        let expected_segments = self.file_size.div_ceil(u64::from(self.segment_size));
        if self.segments.len() as u64 != expected_segments {
            return Err(ManifestError::Inconsistent("segment count does not match the file size"));
        }
        let mut total = 0u64;
        for segment in &self.segments {
            if segment.shards.len() != usize::from(self.n) {
                return Err(ManifestError::Inconsistent("a segment does not have n shards"));
            }
            if segment.plain_len == 0 || segment.plain_len > self.segment_size {
                return Err(ManifestError::Inconsistent("segment length out of range"));
            }
            if segment.cipher_len != segment.plain_len + crate::cipher::TAG_LEN as u32 {
                return Err(ManifestError::Inconsistent("ciphertext length mismatch"));
            }
            if u64::from(segment.shard_len) * u64::from(self.k) < u64::from(segment.cipher_len)
                || segment.shard_len > MAX_SEGMENT_SIZE
            {
                return Err(ManifestError::Inconsistent("shards too small for their segment"));
            }
            total += u64::from(segment.plain_len);
        }
        if total != self.file_size {
            return Err(ManifestError::Inconsistent(
                "segment sizes do not add up to the file size",
            ));
        }
        Ok(())
    }

    /// The manifest as readable JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
