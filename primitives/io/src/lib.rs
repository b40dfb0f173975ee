//! The runtime's window on the host: storage, hashing, signature checks, trie roots, logging.
//!
//! Each function has two bodies. Built with `std` (native tests, tools), it acts on
//! the externalities set by [`externalities::set_and_run_with_externalities`] and
//! runs the crypto natively. Built for Wasm, it calls the node's host function of
//! the same meaning, under Substrate's name and signature
//! (`ext_storage_get_version_1`, `ext_crypto_sr25519_verify_version_2`, …), so
//! the Wasm runtime never carries its own crypto or trie code.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(feature = "std", deny(unsafe_code))]

extern crate alloc;

#[cfg(feature = "std")]
pub mod bounded;
#[cfg(feature = "std")]
#[allow(unsafe_code)]
pub mod externalities;
#[cfg(feature = "std")]
mod native_batch;
#[cfg(feature = "std")]
pub mod signature_batch;
#[cfg(feature = "std")]
pub mod state;
#[cfg(feature = "std")]
pub mod sync;
#[cfg(not(feature = "std"))]
#[allow(unsafe_code, missing_docs)]
mod wasm;
pub mod wasm_sections;

pub use dfs_core::StateVersion;

/// Key-value storage of the current state.
pub mod storage {
    use alloc::vec::Vec;

    #[cfg(feature = "std")]
    fn ext<R>(f: impl FnOnce(&mut dyn crate::state::Externalities) -> R) -> R {
        crate::externalities::with_externalities(f)
            .expect("runtime storage used outside of `set_and_run_with_externalities`")
    }

    /// The value at `key`.
    pub fn get(key: &[u8]) -> Option<Vec<u8>> {
        #[cfg(feature = "std")]
        return ext(|e| e.storage(key));
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_get(key);
    }

    /// Copies the value at `key` from byte `offset` on into `out`, as far as it fits; returns
    /// how many bytes the value holds from `offset` on (`None`: no value). Reads a value's
    /// head without transferring the whole value.
    pub fn read(key: &[u8], out: &mut [u8], offset: u32) -> Option<u32> {
        #[cfg(feature = "std")]
        return ext(|e| e.read_storage(key, offset, out.len())).map(|(remaining, bytes)| {
            out[..bytes.len()].copy_from_slice(&bytes);
            remaining
        });
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_read(key, out, offset);
    }

    /// Sets the value at `key`.
    pub fn set(key: &[u8], value: &[u8]) {
        #[cfg(feature = "std")]
        ext(|e| e.set_storage(key, Some(value)));
        #[cfg(not(feature = "std"))]
        crate::wasm::storage_set(key, value);
    }

    /// Deletes the value at `key`.
    pub fn clear(key: &[u8]) {
        #[cfg(feature = "std")]
        ext(|e| e.set_storage(key, None));
        #[cfg(not(feature = "std"))]
        crate::wasm::storage_clear(key);
    }

    /// Whether `key` holds a value.
    pub fn exists(key: &[u8]) -> bool {
        #[cfg(feature = "std")]
        return ext(|e| e.storage(key).is_some());
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_exists(key);
    }

    /// Appends one encoded item to the SCALE `Vec` at `key`.
    pub fn append(key: &[u8], item: &[u8]) {
        #[cfg(feature = "std")]
        ext(|e| e.append_storage(key, item));
        #[cfg(not(feature = "std"))]
        crate::wasm::storage_append(key, item);
    }

    /// Deletes up to `limit` keys under `prefix`; returns how many, and whether all are gone.
    pub fn clear_prefix(prefix: &[u8], limit: Option<u32>) -> (u32, bool) {
        #[cfg(feature = "std")]
        return ext(|e| {
            let outcome = e.clear_prefix(prefix, limit);
            (outcome.removed, outcome.complete)
        });
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_clear_prefix(prefix, limit);
    }

    /// The smallest key strictly after `key`.
    pub fn next_key(key: &[u8]) -> Option<Vec<u8>> {
        #[cfg(feature = "std")]
        return ext(|e| e.next_storage_key(key));
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_next_key(key);
    }

    /// The state root with all changes so far.
    pub fn root(version: crate::StateVersion) -> [u8; 32] {
        #[cfg(feature = "std")]
        return ext(|e| e.storage_root(version).0);
        #[cfg(not(feature = "std"))]
        return crate::wasm::storage_root(version);
    }

    /// Opens a storage transaction layer; `false` when too deeply nested.
    pub fn start_transaction() -> bool {
        #[cfg(feature = "std")]
        return ext(|e| e.start_transaction());
        #[cfg(not(feature = "std"))]
        return crate::wasm::start_transaction();
    }

    /// Discards the changes of the top transaction layer.
    pub fn rollback_transaction() {
        #[cfg(feature = "std")]
        ext(|e| e.rollback_transaction());
        #[cfg(not(feature = "std"))]
        crate::wasm::rollback_transaction();
    }

    /// Keeps the changes of the top transaction layer.
    pub fn commit_transaction() {
        #[cfg(feature = "std")]
        ext(|e| e.commit_transaction());
        #[cfg(not(feature = "std"))]
        crate::wasm::commit_transaction();
    }
}

/// Hash functions, run natively by the host.
pub mod hashing {
    macro_rules! host_hash {
        ($($(#[$doc:meta])* $name:ident -> $len:literal;)*) => {$(
            $(#[$doc])*
            pub fn $name(data: &[u8]) -> [u8; $len] {
                #[cfg(feature = "std")]
                return dfs_core::hashing::$name(data);
                #[cfg(not(feature = "std"))]
                return crate::wasm::$name(data);
            }
        )*};
    }

    host_hash! {
        /// Blake2b-128.
        blake2_128 -> 16;
        /// Blake2b-256.
        blake2_256 -> 32;
        /// xxHash64, seed 0.
        twox_64 -> 8;
        /// xxHash64, seeds 0 and 1.
        twox_128 -> 16;
        /// xxHash64, seeds 0 to 3.
        twox_256 -> 32;
    }
}

/// Signature verification, run natively by the host.
pub mod crypto {
    use dfs_core::{ed25519, sr25519};

    /// Whether `signature` by `public` signs `message` (sr25519, context `substrate`).
    pub fn sr25519_verify(
        signature: &sr25519::Signature,
        message: &[u8],
        public: &sr25519::Public,
    ) -> bool {
        #[cfg(feature = "std")]
        return sr25519::verify(signature, message, public);
        #[cfg(not(feature = "std"))]
        return crate::wasm::sr25519_verify(signature, message, public);
    }

    /// Whether `signature` by `public` signs `message` (ed25519).
    pub fn ed25519_verify(
        signature: &ed25519::Signature,
        message: &[u8],
        public: &ed25519::Public,
    ) -> bool {
        #[cfg(feature = "std")]
        return ed25519::verify(signature, message, public);
        #[cfg(not(feature = "std"))]
        return crate::wasm::ed25519_verify(signature, message, public);
    }
}

/// Batched signature verification, for importing blocks: the extrinsics' signatures are
/// collected while the block executes and verified together at the end (schnorrkel batch
/// verification, on all the host's cores), which is several times faster than one by one.
///
/// Only the `*_batch_verify` functions join the batch; everything else verifies at once.
/// A batch whose signatures are not all valid fails as a whole.
pub mod batch {
    use dfs_core::{ed25519, sr25519};

    /// Starts collecting signatures.
    pub fn start() {
        #[cfg(feature = "std")]
        crate::native_batch::start();
        #[cfg(not(feature = "std"))]
        crate::wasm::start_batch_verify();
    }

    /// Verifies an sr25519 signature: queued if a batch is open (answering `true` for now),
    /// at once otherwise.
    pub fn sr25519_verify(
        signature: &sr25519::Signature,
        message: &[u8],
        public: &sr25519::Public,
    ) -> bool {
        #[cfg(feature = "std")]
        return crate::native_batch::sr25519(signature, message, public);
        #[cfg(not(feature = "std"))]
        return crate::wasm::sr25519_batch_verify(signature, message, public);
    }

    /// Verifies an ed25519 signature: queued if a batch is open, at once otherwise.
    pub fn ed25519_verify(
        signature: &ed25519::Signature,
        message: &[u8],
        public: &ed25519::Public,
    ) -> bool {
        #[cfg(feature = "std")]
        return crate::native_batch::ed25519(signature, message, public);
        #[cfg(not(feature = "std"))]
        return crate::wasm::ed25519_batch_verify(signature, message, public);
    }

    /// Verifies every queued signature and closes the batch: `true` if all are valid.
    /// Without an open batch, `false`.
    pub fn finish() -> bool {
        #[cfg(feature = "std")]
        return crate::native_batch::finish();
        #[cfg(not(feature = "std"))]
        return crate::wasm::finish_batch_verify();
    }
}

/// Trie roots computed by the host.
pub mod trie {
    use alloc::vec::Vec;

    /// The ordered trie root of `values` (keys are `Compact(index)`): the extrinsics root.
    pub fn blake2_256_ordered_root(values: Vec<Vec<u8>>, version: crate::StateVersion) -> [u8; 32] {
        #[cfg(feature = "std")]
        return dfs_trie::ordered_trie_root(version, values).0;
        #[cfg(not(feature = "std"))]
        return crate::wasm::ordered_root(values, version);
    }
}

/// Miscellaneous host services.
pub mod misc {
    use alloc::vec::Vec;

    /// The encoded `RuntimeVersion` embedded in a Wasm runtime blob, read without running it.
    pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
        #[cfg(feature = "std")]
        return crate::wasm_sections::custom_section(
            code,
            crate::wasm_sections::RUNTIME_VERSION_SECTION,
        )
        .map(<[u8]>::to_vec);
        #[cfg(not(feature = "std"))]
        return crate::wasm::runtime_version(code);
    }
}

/// Logging through the host, under the `log` facade's levels.
pub mod logging {
    /// Emits a log line from the runtime.
    pub fn log(level: log::Level, target: &str, message: &[u8]) {
        #[cfg(feature = "std")]
        log::log!(target: target, level, "{}", String::from_utf8_lossy(message));
        #[cfg(not(feature = "std"))]
        crate::wasm::log(level, target, message);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use state::TestExternalities;

    #[test]
    fn storage_functions_act_on_the_current_externalities() {
        let mut ext = TestExternalities::default();
        ext.execute_with(|| {
            storage::set(b"k", b"v");
            assert_eq!(storage::get(b"k"), Some(b"v".to_vec()));
            assert!(storage::exists(b"k"));
            storage::append(b"list", &[1]);
            storage::append(b"list", &[2]);
            assert_eq!(storage::get(b"list"), Some(vec![8, 1, 2]));
            assert!(storage::start_transaction());
            storage::clear(b"k");
            storage::rollback_transaction();
            assert!(storage::exists(b"k"));
            assert_eq!(storage::next_key(b"k"), Some(b"list".to_vec()));
            assert_eq!(storage::clear_prefix(b"", None), (2, true));
        });
    }

    #[test]
    #[should_panic(expected = "outside of")]
    fn storage_without_externalities_is_a_clear_error() {
        storage::get(b"k");
    }

    #[test]
    fn host_hashes_match_core() {
        assert_eq!(hashing::twox_128(b"System"), dfs_core::hashing::twox_128(b"System"));
        assert_eq!(hashing::blake2_256(b""), dfs_core::hashing::blake2_256(b""));
    }
}
