//! The hashers of storage map keys, with Substrate's metadata names.

use alloc::vec::Vec;
use frame_metadata::v14::StorageHasher as HasherMetadata;

/// Turns an encoded map key into the key suffix stored in the trie.
pub trait StorageHasher: 'static {
    /// How metadata names this hasher.
    const METADATA: HasherMetadata;
    /// Hashes the encoded key.
    fn hash(encoded_key: &[u8]) -> Vec<u8>;
}

/// A hasher that keeps the encoded key after its hash, so keys can be read back from storage.
pub trait ReversibleStorageHasher: StorageHasher {
    /// The encoded key inside a hashed key, or `None` if the hashed key is too short.
    fn reverse(hashed: &[u8]) -> Option<&[u8]>;
}

macro_rules! concat_hasher {
    ($(#[$doc:meta])* $name:ident, $hash:path, $len:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl StorageHasher for $name {
            const METADATA: HasherMetadata = HasherMetadata::$name;
            fn hash(encoded_key: &[u8]) -> Vec<u8> {
                let mut out = Vec::with_capacity($len + encoded_key.len());
                out.extend_from_slice(&$hash(encoded_key));
                out.extend_from_slice(encoded_key);
                out
            }
        }

        impl ReversibleStorageHasher for $name {
            fn reverse(hashed: &[u8]) -> Option<&[u8]> {
                hashed.get($len..)
            }
        }
    };
}

macro_rules! opaque_hasher {
    ($(#[$doc:meta])* $name:ident, $hash:path) => {
        $(#[$doc])*
        pub struct $name;

        impl StorageHasher for $name {
            const METADATA: HasherMetadata = HasherMetadata::$name;
            fn hash(encoded_key: &[u8]) -> Vec<u8> {
                $hash(encoded_key).to_vec()
            }
        }
    };
}

concat_hasher!(
    /// `blake2_128(key) ++ key`: the safe default for keys users choose.
    Blake2_128Concat,
    dfs_io::hashing::blake2_128,
    16
);
concat_hasher!(
    /// `twox_64(key) ++ key`: fast, for keys users cannot choose (counters, hashes).
    Twox64Concat,
    dfs_io::hashing::twox_64,
    8
);
opaque_hasher!(
    /// `blake2_128(key)`, not reversible.
    Blake2_128,
    dfs_io::hashing::blake2_128
);
opaque_hasher!(
    /// `blake2_256(key)`, not reversible.
    Blake2_256,
    dfs_io::hashing::blake2_256
);
opaque_hasher!(
    /// `twox_128(key)`, not reversible.
    Twox128,
    dfs_io::hashing::twox_128
);
opaque_hasher!(
    /// `twox_256(key)`, not reversible.
    Twox256,
    dfs_io::hashing::twox_256
);

/// The key itself: only for keys that are already hashes.
pub struct Identity;

impl StorageHasher for Identity {
    const METADATA: HasherMetadata = HasherMetadata::Identity;
    fn hash(encoded_key: &[u8]) -> Vec<u8> {
        encoded_key.to_vec()
    }
}

impl ReversibleStorageHasher for Identity {
    fn reverse(hashed: &[u8]) -> Option<&[u8]> {
        Some(hashed)
    }
}
