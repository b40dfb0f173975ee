//! Segment encryption: XChaCha20-Poly1305 under the file key.
//!
//! The nonce is the segment index (so no two segments of a file share one under its
//! random key) and the associated data binds the file salt, the segment index and the
//! segment count: a segment moved to another position, another file, or past the end
//! fails authentication.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use zeroize::Zeroize;

/// Bytes the authentication tag adds to each segment.
pub const TAG_LEN: usize = 16;

/// A file's 256-bit key.
#[derive(Clone, PartialEq, Eq)]
pub struct FileKey(pub [u8; 32]);

impl Drop for FileKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(<secret>)")
    }
}

impl FileKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system provides randomness");
        FileKey(key)
    }
}

fn nonce(index: u64) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..8].copy_from_slice(&index.to_le_bytes());
    XNonce::from(nonce)
}

fn associated_data(file_salt: &[u8; 16], index: u64, count: u64) -> [u8; 32] {
    let mut data = [0u8; 32];
    data[..16].copy_from_slice(file_salt);
    data[16..24].copy_from_slice(&index.to_le_bytes());
    data[24..].copy_from_slice(&count.to_le_bytes());
    data
}

/// Encrypts segment `index` of `count`.
pub fn encrypt_segment(
    key: &FileKey,
    file_salt: &[u8; 16],
    index: u64,
    count: u64,
    plain: &[u8],
) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let aad = associated_data(file_salt, index, count);
    cipher
        .encrypt(&nonce(index), Payload { msg: plain, aad: &aad })
        .expect("XChaCha20-Poly1305 encrypts any length a segment can have")
}

/// Decrypts and authenticates segment `index` of `count`; `None` if the key is wrong or the
/// ciphertext, its position or its file differ from what was encrypted.
pub fn decrypt_segment(
    key: &FileKey,
    file_salt: &[u8; 16],
    index: u64,
    count: u64,
    cipher_text: &[u8],
) -> Option<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let aad = associated_data(file_salt, index, count);
    cipher.decrypt(&nonce(index), Payload { msg: cipher_text, aad: &aad }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_bound_to_key_position_and_file() {
        let key = FileKey::generate();
        let salt = [3u8; 16];
        let cipher = encrypt_segment(&key, &salt, 2, 5, b"hello");
        assert_eq!(cipher.len(), 5 + TAG_LEN);
        assert_eq!(decrypt_segment(&key, &salt, 2, 5, &cipher).as_deref(), Some(&b"hello"[..]));
        assert!(decrypt_segment(&FileKey::generate(), &salt, 2, 5, &cipher).is_none());
        assert!(decrypt_segment(&key, &salt, 3, 5, &cipher).is_none(), "moved");
        assert!(decrypt_segment(&key, &[4u8; 16], 2, 5, &cipher).is_none(), "other file");
        assert!(
            decrypt_segment(&key, &salt, 2, 6, &cipher).is_none(),
            "truncated or extended file"
        );
        let mut tampered = cipher.clone();
        tampered[0] ^= 1;
        assert!(decrypt_segment(&key, &salt, 2, 5, &tampered).is_none());
    }
}
