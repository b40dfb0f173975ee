//! A bounded memory of signatures already verified as valid.
//!
//! A transaction's signature is checked when the pool validates it and again when the author
//! applies it to a block, in two separate runtime calls. Verification is a pure function of
//! (scheme, public key, signature, message), so a positive answer can be remembered: the
//! second check becomes a hash and a lookup instead of a curve operation (~50 µs for
//! sr25519). Entries are keyed by the blake2-256 of exactly those bytes; a hit would
//! require a blake2-256 collision to be wrong. Only valid signatures are remembered, so a
//! flood of bad ones cannot evict much besides the oldest entries, and it costs nothing to
//! consensus: a node without the memory computes the same answers.

use std::sync::Mutex;

use dfs_core::{ed25519, hashing::blake2_256, sr25519};

use dfs_io::bounded::BoundedMap;

/// Signature schemes, as part of the key (the same bytes under another scheme are another
/// question).
#[derive(Clone, Copy)]
enum Scheme {
    Sr25519 = 1,
    Ed25519 = 2,
}

/// The remembered valid signatures, oldest evicted first.
pub struct VerifiedSignatures {
    capacity: usize,
    known: Mutex<BoundedMap<[u8; 32], ()>>,
}

impl VerifiedSignatures {
    /// A memory of at most `capacity` signatures (0 disables it).
    pub fn new(capacity: usize) -> Self {
        VerifiedSignatures { capacity, known: Mutex::new(BoundedMap::new(capacity)) }
    }

    /// Whether `signature` by `public` over `message` is a valid sr25519 signature.
    pub fn sr25519(
        &self,
        signature: &sr25519::Signature,
        message: &[u8],
        public: &sr25519::Public,
    ) -> bool {
        self.verify(Scheme::Sr25519, &signature.0, message, &public.0, || {
            sr25519::verify(signature, message, public)
        })
    }

    /// Whether `signature` by `public` over `message` is a valid ed25519 signature.
    pub fn ed25519(
        &self,
        signature: &ed25519::Signature,
        message: &[u8],
        public: &ed25519::Public,
    ) -> bool {
        self.verify(Scheme::Ed25519, &signature.0, message, &public.0, || {
            ed25519::verify(signature, message, public)
        })
    }

    /// Whether this sr25519 signature was found valid before (and is still remembered).
    pub fn knows_sr25519(
        &self,
        signature: &sr25519::Signature,
        message: &[u8],
        public: &sr25519::Public,
    ) -> bool {
        self.capacity > 0
            && self.lock().contains(&key(Scheme::Sr25519, &signature.0, message, &public.0))
    }

    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn verify(
        &self,
        scheme: Scheme,
        signature: &[u8; 64],
        message: &[u8],
        public: &[u8; 32],
        check: impl FnOnce() -> bool,
    ) -> bool {
        if self.capacity == 0 {
            return check();
        }
        let key = key(scheme, signature, message, public);
        if self.lock().contains(&key) {
            return true;
        }
        // Verified outside the lock: other threads keep using the memory meanwhile.
        let valid = check();
        if valid {
            self.lock().insert(key, ());
        }
        valid
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoundedMap<[u8; 32], ()>> {
        // A panic cannot happen halfway through an insertion: a poisoned lock still holds
        // consistent entries.
        dfs_io::sync::lock(&self.known)
    }
}

/// The memory's key: the blake2-256 of scheme, public key, signature and message (the first
/// three have fixed lengths, so the concatenation is unambiguous).
fn key(scheme: Scheme, signature: &[u8; 64], message: &[u8], public: &[u8; 32]) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(1 + 32 + 64 + message.len());
    bytes.push(scheme as u8);
    bytes.extend_from_slice(public);
    bytes.extend_from_slice(signature);
    bytes.extend_from_slice(message);
    blake2_256(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfs_core::pair::dev_sr25519;

    #[test]
    fn remembers_valid_signatures_only_and_only_for_the_same_bytes() {
        let alice = dev_sr25519("Alice");
        let memory = VerifiedSignatures::new(16);
        let signature = alice.sign(b"pay bob");
        assert!(memory.sr25519(&signature, b"pay bob", &alice.public()));
        assert!(memory.knows_sr25519(&signature, b"pay bob", &alice.public()));
        // Another message, another key, or a corrupted signature is a new question, and
        // a wrong answer is not remembered.
        assert!(!memory.knows_sr25519(&signature, b"pay eve", &alice.public()));
        assert!(!memory.sr25519(&signature, b"pay eve", &alice.public()));
        let bob = dev_sr25519("Bob");
        assert!(!memory.sr25519(&signature, b"pay bob", &bob.public()));
        let mut corrupted = signature;
        corrupted.0[10] ^= 1;
        assert!(!memory.sr25519(&corrupted, b"pay bob", &alice.public()));
        assert_eq!(memory.len(), 1);
    }

    #[test]
    fn forgets_the_oldest_beyond_its_capacity() {
        let alice = dev_sr25519("Alice");
        let memory = VerifiedSignatures::new(3);
        let messages: Vec<Vec<u8>> = (0u8..5).map(|i| vec![i]).collect();
        let signatures: Vec<_> = messages.iter().map(|m| alice.sign(m)).collect();
        for (signature, message) in signatures.iter().zip(&messages) {
            assert!(memory.sr25519(signature, message, &alice.public()));
        }
        assert_eq!(memory.len(), 3);
        assert!(!memory.knows_sr25519(&signatures[0], &messages[0], &alice.public()));
        assert!(!memory.knows_sr25519(&signatures[1], &messages[1], &alice.public()));
        assert!(memory.knows_sr25519(&signatures[4], &messages[4], &alice.public()));
    }

    #[test]
    fn a_disabled_memory_still_verifies() {
        let alice = dev_sr25519("Alice");
        let memory = VerifiedSignatures::new(0);
        let signature = alice.sign(b"x");
        assert!(memory.sr25519(&signature, b"x", &alice.public()));
        assert!(!memory.knows_sr25519(&signature, b"x", &alice.public()));
        assert!(memory.is_empty());
    }
}
