//! Sharing: an owner-signed capability that hands a file's key to a grantee (or to whoever
//! holds a bearer secret) until an expiry. Anyone can verify it offline.
//!
//! The owner signs `"dfs-capability/1" ++ SCALE(body)` with sr25519. The key is wrapped with
//! XChaCha20-Poly1305 under a key-encryption key: for a grantee, derived from an X25519
//! exchange between a one-time key and the grantee's X25519 key; for a bearer, from the
//! bearer secret. The associated data binds the file id, the owner and the expiry, so a
//! wrapped key cannot be lifted into another capability.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use codec::{Decode, Encode};
use dfs_core::{hashing::blake2_256, pair::Sr25519Pair, sr25519, AccountId32, H256};
use serde::{Deserialize, Serialize};

use crate::cipher::FileKey;

const SIGNING_DOMAIN: &[u8] = b"dfs-capability/1";

/// Who may unwrap the key.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub enum Grant {
    /// Whoever holds the X25519 secret of `grantee`.
    Grantee {
        /// The grantee's X25519 public key.
        grantee: [u8; 32],
        /// The one-time X25519 public key of the exchange.
        ephemeral: [u8; 32],
        /// The wrapped file key.
        wrapped_key: Vec<u8>,
    },
    /// Whoever holds the bearer secret.
    Bearer {
        /// The wrapped file key.
        wrapped_key: Vec<u8>,
    },
}

/// The signed part of a capability.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct CapabilityBody {
    /// The file.
    pub file_id: H256,
    /// The file's owner, who signs.
    pub owner: AccountId32,
    /// Unix time (seconds) after which the capability is void.
    pub expires_at: u64,
    /// The wrapped key and who can unwrap it.
    pub grant: Grant,
}

/// A signed capability.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Capability {
    /// What is granted.
    pub body: CapabilityBody,
    /// The owner's signature over it.
    pub signature: sr25519::Signature,
}

/// Why a capability was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapabilityError {
    /// The signature is not the owner's over this body (forged or altered).
    #[error("the capability's signature is not valid: forged or altered")]
    BadSignature,
    /// Past its expiry.
    #[error("the capability expired at {expired_at} (now {now})")]
    Expired {
        /// Its expiry.
        expired_at: u64,
        /// The time of the check.
        now: u64,
    },
    /// It is for another file.
    #[error("the capability is for another file")]
    WrongFile,
    /// The key does not unwrap with what was given.
    #[error("the key cannot be unwrapped with this secret")]
    Unwrap,
    /// The encoding is not a capability.
    #[error("not a capability: {0}")]
    Decode(String),
}

fn associated_data(file_id: &H256, owner: &AccountId32, expires_at: u64) -> Vec<u8> {
    (file_id, owner, expires_at).encode()
}

fn wrap(kek: &[u8; 32], aad: &[u8], key: &FileKey) -> Vec<u8> {
    XChaCha20Poly1305::new(kek.into())
        .encrypt(&XNonce::default(), Payload { msg: &key.0, aad })
        .expect("wrapping 32 bytes cannot fail")
}

fn unwrap(kek: &[u8; 32], aad: &[u8], wrapped: &[u8]) -> Result<FileKey, CapabilityError> {
    // Each key-encryption key is used once (fresh ephemeral or per-capability secret), so a
    // fixed nonce is safe.
    let key = XChaCha20Poly1305::new(kek.into())
        .decrypt(&XNonce::default(), Payload { msg: wrapped, aad })
        .map_err(|_| CapabilityError::Unwrap)?;
    let mut out = [0u8; 32];
    if key.len() != 32 {
        return Err(CapabilityError::Unwrap);
    }
    out.copy_from_slice(&key);
    Ok(FileKey(out))
}

fn grantee_kek(shared: &[u8; 32], ephemeral: &[u8; 32], grantee: &[u8; 32]) -> [u8; 32] {
    blake2_256(&(b"dfs-grantee", shared, ephemeral, grantee).encode())
}

fn bearer_kek(secret: &[u8; 32], file_id: &H256) -> [u8; 32] {
    blake2_256(&(b"dfs-bearer", secret, file_id).encode())
}

impl Capability {
    /// Grants `key` of `file_id` to the holder of X25519 key `grantee` until `expires_at`.
    pub fn for_grantee(
        owner: &Sr25519Pair,
        file_id: H256,
        key: &FileKey,
        grantee: [u8; 32],
        expires_at: u64,
    ) -> Self {
        let ephemeral_secret = x25519_dalek::StaticSecret::random_from_rng(rand_core::OsRng);
        let ephemeral = x25519_dalek::PublicKey::from(&ephemeral_secret).to_bytes();
        let shared =
            ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(grantee)).to_bytes();
        let aad = associated_data(&file_id, &owner.account_id(), expires_at);
        let wrapped_key = wrap(&grantee_kek(&shared, &ephemeral, &grantee), &aad, key);
        Self::sign(
            owner,
            CapabilityBody {
                file_id,
                owner: owner.account_id(),
                expires_at,
                grant: Grant::Grantee { grantee, ephemeral, wrapped_key },
            },
        )
    }

    /// Grants `key` of `file_id` to whoever holds the returned bearer secret until `expires_at`.
    pub fn for_bearer(
        owner: &Sr25519Pair,
        file_id: H256,
        key: &FileKey,
        expires_at: u64,
    ) -> (Self, [u8; 32]) {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        let aad = associated_data(&file_id, &owner.account_id(), expires_at);
        let wrapped_key = wrap(&bearer_kek(&secret, &file_id), &aad, key);
        let capability = Self::sign(
            owner,
            CapabilityBody {
                file_id,
                owner: owner.account_id(),
                expires_at,
                grant: Grant::Bearer { wrapped_key },
            },
        );
        (capability, secret)
    }

    fn sign(owner: &Sr25519Pair, body: CapabilityBody) -> Self {
        let signature = owner.sign(&Self::signing_payload(&body));
        Capability { body, signature }
    }

    fn signing_payload(body: &CapabilityBody) -> Vec<u8> {
        let mut payload = SIGNING_DOMAIN.to_vec();
        body.encode_to(&mut payload);
        payload
    }

    /// Checks the owner's signature, the expiry against `now` (Unix seconds) and, if given,
    /// the file.
    pub fn verify(&self, now: u64, file_id: Option<&H256>) -> Result<(), CapabilityError> {
        let owner = sr25519::Public(self.body.owner.0);
        if !sr25519::verify(&self.signature, &Self::signing_payload(&self.body), &owner) {
            return Err(CapabilityError::BadSignature);
        }
        if now >= self.body.expires_at {
            return Err(CapabilityError::Expired { expired_at: self.body.expires_at, now });
        }
        if file_id.is_some_and(|id| *id != self.body.file_id) {
            return Err(CapabilityError::WrongFile);
        }
        Ok(())
    }

    /// Verifies, then unwraps the key with the grantee's X25519 secret.
    pub fn unwrap_as_grantee(
        &self,
        now: u64,
        grantee_secret: &[u8; 32],
    ) -> Result<FileKey, CapabilityError> {
        self.verify(now, None)?;
        let Grant::Grantee { grantee, ephemeral, wrapped_key } = &self.body.grant else {
            return Err(CapabilityError::Unwrap);
        };
        let secret = x25519_dalek::StaticSecret::from(*grantee_secret);
        if x25519_dalek::PublicKey::from(&secret).to_bytes() != *grantee {
            return Err(CapabilityError::Unwrap);
        }
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(*ephemeral)).to_bytes();
        let aad = associated_data(&self.body.file_id, &self.body.owner, self.body.expires_at);
        unwrap(&grantee_kek(&shared, ephemeral, grantee), &aad, wrapped_key)
    }

    /// Verifies, then unwraps the key with a bearer secret.
    pub fn unwrap_as_bearer(
        &self,
        now: u64,
        secret: &[u8; 32],
    ) -> Result<FileKey, CapabilityError> {
        self.verify(now, None)?;
        let Grant::Bearer { wrapped_key } = &self.body.grant else {
            return Err(CapabilityError::Unwrap);
        };
        let aad = associated_data(&self.body.file_id, &self.body.owner, self.body.expires_at);
        unwrap(&bearer_kek(secret, &self.body.file_id), &aad, wrapped_key)
    }

    /// Decodes a capability (bounded by the input).
    pub fn decode_checked(bytes: &[u8]) -> Result<Self, CapabilityError> {
        Capability::decode(&mut &bytes[..]).map_err(|e| CapabilityError::Decode(e.to_string()))
    }
}

/// A user's keys: sr25519 for signing and X25519 for receiving shared keys, from one seed.
pub struct UserKeys {
    seed: [u8; 32],
    /// The signing key.
    pub signing: Sr25519Pair,
}

impl UserKeys {
    /// The keys of `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        UserKeys { signing: Sr25519Pair::from_seed(&seed), seed }
    }

    /// Fresh random keys.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the operating system provides randomness");
        Self::from_seed(seed)
    }

    /// The seed.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// The X25519 secret (derived from the seed, domain-separated from the signing key).
    pub fn x25519_secret(&self) -> [u8; 32] {
        blake2_256(&(b"dfs-x25519", self.seed).encode())
    }

    /// The X25519 public key others wrap file keys for.
    pub fn x25519_public(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(self.x25519_secret()))
            .to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn a_grantee_unwraps_and_nobody_else_does() {
        let owner = UserKeys::generate();
        let grantee = UserKeys::generate();
        let key = FileKey::generate();
        let file = H256([5; 32]);
        let capability =
            Capability::for_grantee(&owner.signing, file, &key, grantee.x25519_public(), NOW + 60);
        assert_eq!(capability.verify(NOW, Some(&file)), Ok(()));
        assert_eq!(capability.unwrap_as_grantee(NOW, &grantee.x25519_secret()).unwrap(), key);
        let stranger = UserKeys::generate();
        assert_eq!(
            capability.unwrap_as_grantee(NOW, &stranger.x25519_secret()),
            Err(CapabilityError::Unwrap)
        );
        assert_eq!(capability.verify(NOW, Some(&H256([6; 32]))), Err(CapabilityError::WrongFile));
        // Round trip through its encoding.
        assert_eq!(Capability::decode_checked(&capability.encode()).unwrap(), capability);
    }

    #[test]
    fn a_bearer_unwraps_with_the_secret() {
        let owner = UserKeys::generate();
        let key = FileKey::generate();
        let (capability, secret) =
            Capability::for_bearer(&owner.signing, H256([1; 32]), &key, NOW + 1);
        assert_eq!(capability.unwrap_as_bearer(NOW, &secret).unwrap(), key);
        assert_eq!(capability.unwrap_as_bearer(NOW, &[0; 32]), Err(CapabilityError::Unwrap));
    }

    #[test]
    fn expired_forged_and_altered_capabilities_are_refused() {
        let owner = UserKeys::generate();
        let key = FileKey::generate();
        let (capability, secret) =
            Capability::for_bearer(&owner.signing, H256([1; 32]), &key, NOW + 10);
        assert_eq!(
            capability.verify(NOW + 10, None),
            Err(CapabilityError::Expired { expired_at: NOW + 10, now: NOW + 10 })
        );

        let mut extended = capability.clone();
        extended.body.expires_at += 1_000;
        assert_eq!(extended.verify(NOW, None), Err(CapabilityError::BadSignature));
        let mut other_file = capability.clone();
        other_file.body.file_id = H256([2; 32]);
        assert_eq!(other_file.unwrap_as_bearer(NOW, &secret), Err(CapabilityError::BadSignature));

        // Signed by someone else claiming to be the owner.
        let forger = UserKeys::generate();
        let mut forged = Capability::for_bearer(&forger.signing, H256([1; 32]), &key, NOW + 10).0;
        forged.body.owner = owner.signing.account_id();
        assert_eq!(forged.verify(NOW, None), Err(CapabilityError::BadSignature));
        assert!(Capability::decode_checked(&[1, 2, 3]).is_err());
    }
}
