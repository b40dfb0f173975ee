//! The hash functions of Substrate's storage layout and of its block format.
//!
//! `blake2_*` is Blake2b with the output length in its parameter block (not a
//! truncated Blake2b-512), and `twox_*` is xxHash64 run with seeds 0, 1, 2, 3
//! and the little-endian outputs concatenated, exactly as Substrate does so
//! that storage keys and block hashes match byte for byte.

use blake2::digest::{consts::U16, consts::U32, consts::U8, Digest};
use core::hash::Hasher as _;

fn blake2<const N: usize, D: Digest>(data: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&D::digest(data));
    out
}

/// Blake2b with a 64-bit output.
pub fn blake2_64(data: &[u8]) -> [u8; 8] {
    blake2::<8, blake2::Blake2b<U8>>(data)
}

/// Blake2b with a 128-bit output.
pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    blake2::<16, blake2::Blake2b<U16>>(data)
}

/// Blake2b with a 256-bit output: block hashes, extrinsic hashes, trie nodes.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    blake2::<32, blake2::Blake2b<U32>>(data)
}

/// Blake2b with a 512-bit output (the SS58 checksum).
pub fn blake2_512(data: &[u8]) -> [u8; 64] {
    blake2::<64, blake2::Blake2b512>(data)
}

fn twox<const N: usize>(data: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (seed, chunk) in out.chunks_exact_mut(8).enumerate() {
        let mut hasher = twox_hash::XxHash64::with_seed(seed as u64);
        hasher.write(data);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

/// xxHash64 with seed 0, little-endian.
pub fn twox_64(data: &[u8]) -> [u8; 8] {
    twox::<8>(data)
}

/// Two xxHash64 runs (seeds 0 and 1): the pallet and item prefixes of storage keys.
pub fn twox_128(data: &[u8]) -> [u8; 16] {
    twox::<16>(data)
}

/// Four xxHash64 runs (seeds 0 to 3).
pub fn twox_256(data: &[u8]) -> [u8; 32] {
    twox::<32>(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_prefixes_match_substrate() {
        let system = twox_128(b"System");
        let account = twox_128(b"Account");
        let number = twox_128(b"Number");
        let events = twox_128(b"Events");
        assert_eq!(hex::encode(system), "26aa394eea5630e07c48ae0c9558cef7");
        assert_eq!(hex::encode(account), "b99d880ec681799c0cf30e8886371da9");
        assert_eq!(hex::encode(number), "02a5c1b19ab7a04f536c519aca4983ac");
        assert_eq!(hex::encode(events), "80d41e5e16056765bc8461851072c9d7");
    }

    #[test]
    fn blake2_256_of_empty_trie_node() {
        // The empty trie is the single byte 0x00; its hash is the empty state root.
        assert_eq!(
            hex::encode(blake2_256(&[0])),
            "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
        );
    }

    #[test]
    fn blake2_variants_have_distinct_parameter_blocks() {
        // Blake2b-128 is not a prefix of Blake2b-256: the output length is hashed in.
        assert_ne!(&blake2_256(b"abc")[..16], &blake2_128(b"abc")[..]);
        assert_eq!(
            hex::encode(blake2_512(b"abc")),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
             7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
    }

    #[test]
    fn twox_outputs_are_seed_concatenations() {
        let t256 = twox_256(b"Balances");
        assert_eq!(&t256[..16], &twox_128(b"Balances")[..]);
        assert_eq!(&t256[..8], &twox_64(b"Balances")[..]);
    }
}
