//! Secret keys: SURI parsing, Substrate's key derivation, signing and dev accounts.
//!
//! A secret URI (SURI) is `[phrase | 0x<seed hex>][/soft | //hard]*[///password]`,
//! read exactly as Substrate reads it, so `//Alice` here is the same key as
//! `//Alice` in polkadot.js or `subkey`. When the phrase is left out the
//! well-known development phrase is used.

use alloc::{string::String, vec::Vec};
use codec::Encode;
use schnorrkel::derive::Derivation;
use zeroize::Zeroize;

use crate::{
    crypto::AccountId32,
    hashing::blake2_256,
    keys::{ed25519, sr25519},
};

/// The development phrase behind `//Alice`, `//Bob` and the other dev accounts.
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// The six development accounts, in Substrate's order.
pub const DEV_ACCOUNT_NAMES: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// Why a secret URI could not be turned into a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretUriError {
    /// The phrase is not a valid English BIP-39 mnemonic.
    InvalidPhrase,
    /// `0x` seed text that is not 32 bytes of hex.
    InvalidSeed,
    /// A derivation path element is empty (`//` followed by nothing).
    InvalidPath,
    /// ed25519 keys only support hard derivation (`//`).
    SoftDerivationUnsupported,
}

impl core::fmt::Display for SecretUriError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SecretUriError::InvalidPhrase => "the phrase is not a valid English BIP-39 mnemonic",
            SecretUriError::InvalidSeed => "a 0x seed must be exactly 32 bytes of hex",
            SecretUriError::InvalidPath => "a derivation path element is empty",
            SecretUriError::SoftDerivationUnsupported => {
                "ed25519 supports only hard derivation (//name)"
            }
        })
    }
}

impl std::error::Error for SecretUriError {}

/// One step of a derivation path, holding its 32-byte chain code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeriveJunction {
    /// `/name`: a public key can be derived from the parent public key.
    Soft([u8; 32]),
    /// `//name`: only the parent secret can derive it.
    Hard([u8; 32]),
}

impl DeriveJunction {
    /// The junction for one path element; numbers are encoded as `u64`, text as a SCALE string,
    /// and codes longer than 32 bytes are hashed with blake2-256.
    pub fn new(element: &str, hard: bool) -> Self {
        let encoded = match element.parse::<u64>() {
            Ok(number) => number.encode(),
            Err(_) => element.encode(),
        };
        let mut code = [0u8; 32];
        if encoded.len() > 32 {
            code = blake2_256(&encoded);
        } else {
            code[..encoded.len()].copy_from_slice(&encoded);
        }
        if hard {
            DeriveJunction::Hard(code)
        } else {
            DeriveJunction::Soft(code)
        }
    }
}

/// A parsed secret URI.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUri {
    /// The mnemonic, or `0x` seed hex.
    pub phrase: String,
    /// The derivation path, outermost first.
    pub junctions: Vec<DeriveJunction>,
    /// The BIP-39 password, if any.
    pub password: Option<String>,
}

impl core::fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print the secret parts.
        write!(f, "SecretUri {{ junctions: {} }}", self.junctions.len())
    }
}

impl Drop for SecretUri {
    fn drop(&mut self) {
        self.phrase.zeroize();
        if let Some(password) = self.password.as_mut() {
            password.zeroize();
        }
    }
}

impl core::str::FromStr for SecretUri {
    type Err = SecretUriError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (rest, password) = match text.find("///") {
            Some(at) => (&text[..at], Some(String::from(&text[at + 3..]))),
            None => (text, None),
        };
        let (phrase, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        let phrase = phrase.trim();
        let phrase = if phrase.is_empty() { DEV_PHRASE } else { phrase };
        let mut junctions = Vec::new();
        let mut remaining = path;
        while !remaining.is_empty() {
            let hard = remaining.starts_with("//");
            remaining = &remaining[if hard { 2 } else { 1 }..];
            let end = remaining.find('/').unwrap_or(remaining.len());
            let element = &remaining[..end];
            if element.is_empty() {
                return Err(SecretUriError::InvalidPath);
            }
            junctions.push(DeriveJunction::new(element, hard));
            remaining = &remaining[end..];
        }
        Ok(SecretUri { phrase: String::from(phrase), junctions, password })
    }
}

impl SecretUri {
    /// The 64-byte BIP-39 seed of the phrase (Substrate's PBKDF2 over the entropy),
    /// or the given 32-byte seed padded with zeros.
    fn seed(&self) -> Result<[u8; 64], SecretUriError> {
        let mut seed = [0u8; 64];
        if let Some(hex_seed) = self.phrase.strip_prefix("0x") {
            hex::decode_to_slice(hex_seed, &mut seed[..32])
                .map_err(|_| SecretUriError::InvalidSeed)?;
            return Ok(seed);
        }
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, self.phrase.as_str())
            .map_err(|_| SecretUriError::InvalidPhrase)?;
        let entropy = mnemonic.to_entropy();
        let password = self.password.as_deref().unwrap_or("");
        substrate_bip39::seed_from_entropy(&entropy, password)
            .map_err(|_| SecretUriError::InvalidPhrase)
    }
}

/// An sr25519 key pair.
#[derive(Clone)]
pub struct Sr25519Pair(schnorrkel::Keypair);

impl Sr25519Pair {
    /// The key pair of a secret URI such as `//Alice` or a mnemonic with a path.
    pub fn from_suri(suri: &str) -> Result<Self, SecretUriError> {
        Self::from_suri_with_seed(suri).map(|(pair, _)| pair)
    }

    /// The key pair of a secret URI and its 32-byte seed, which exists unless the path has a
    /// soft junction (soft derivation yields no seed).
    pub fn from_suri_with_seed(suri: &str) -> Result<(Self, Option<[u8; 32]>), SecretUriError> {
        let uri: SecretUri = suri.parse()?;
        let seed = uri.seed()?;
        let mini = schnorrkel::MiniSecretKey::from_bytes(&seed[..32])
            .map_err(|_| SecretUriError::InvalidSeed)?;
        let mut current_seed = Some(mini.to_bytes());
        let mut secret = mini.expand(schnorrkel::ExpansionMode::Ed25519);
        for junction in &uri.junctions {
            secret = match junction {
                DeriveJunction::Soft(code) => {
                    current_seed = None;
                    secret.derived_key_simple(schnorrkel::derive::ChainCode(*code), []).0
                }
                DeriveJunction::Hard(code) => {
                    let mini = secret
                        .hard_derive_mini_secret_key(
                            Some(schnorrkel::derive::ChainCode(*code)),
                            b"",
                        )
                        .0;
                    current_seed = current_seed.map(|_| mini.to_bytes());
                    mini.expand(schnorrkel::ExpansionMode::Ed25519)
                }
            };
        }
        Ok((Sr25519Pair(secret.to_keypair()), current_seed))
    }

    /// The key pair of a 32-byte mini secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        // A 32-byte slice is always a valid mini secret.
        let mini = schnorrkel::MiniSecretKey::from_bytes(seed)
            .expect("MiniSecretKey accepts any 32 bytes");
        Sr25519Pair(mini.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
    }

    /// A fresh random key pair and its 12-word mnemonic.
    pub fn generate() -> (Self, String) {
        let phrase = generate_mnemonic();
        let pair = Self::from_suri(&phrase).expect("a freshly generated mnemonic is valid");
        (pair, phrase)
    }

    /// The public key.
    pub fn public(&self) -> sr25519::Public {
        sr25519::Public(self.0.public.to_bytes())
    }

    /// The account of this key.
    pub fn account_id(&self) -> AccountId32 {
        AccountId32(self.0.public.to_bytes())
    }

    /// Signs `message` under Substrate's signing context.
    pub fn sign(&self, message: &[u8]) -> sr25519::Signature {
        let context = schnorrkel::signing_context(sr25519::SIGNING_CONTEXT);
        sr25519::Signature(self.0.sign(context.bytes(message)).to_bytes())
    }
}

/// An ed25519 key pair.
#[derive(Clone)]
pub struct Ed25519Pair {
    seed: [u8; 32],
    signing: ed25519_zebra::SigningKey,
}

impl Drop for Ed25519Pair {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl Ed25519Pair {
    /// The key pair of a secret URI; only hard junctions are allowed.
    pub fn from_suri(suri: &str) -> Result<Self, SecretUriError> {
        let uri: SecretUri = suri.parse()?;
        let full_seed = uri.seed()?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&full_seed[..32]);
        for junction in &uri.junctions {
            match junction {
                DeriveJunction::Soft(_) => return Err(SecretUriError::SoftDerivationUnsupported),
                DeriveJunction::Hard(code) => {
                    seed = ("Ed25519HDKD", seed, *code).using_encoded(blake2_256);
                }
            }
        }
        Ok(Self::from_seed(&seed))
    }

    /// The key pair of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Ed25519Pair { seed: *seed, signing: ed25519_zebra::SigningKey::from(*seed) }
    }

    /// The public key.
    pub fn public(&self) -> ed25519::Public {
        ed25519::Public(ed25519_zebra::VerificationKeyBytes::from(&self.signing).into())
    }

    /// The account of this key.
    pub fn account_id(&self) -> AccountId32 {
        AccountId32(self.public().0)
    }

    /// The 32-byte secret seed, as `key inspect` shows it.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// Signs `message` (ed25519 signatures are deterministic).
    pub fn sign(&self, message: &[u8]) -> ed25519::Signature {
        ed25519::Signature(self.signing.sign(message).into())
    }
}

/// A new random 12-word English mnemonic.
pub fn generate_mnemonic() -> String {
    use rand_core::RngCore;
    let mut entropy = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut entropy);
    let mnemonic = bip39::Mnemonic::from_entropy_in(bip39::Language::English, &entropy)
        .expect("16 bytes is a valid BIP-39 entropy length");
    entropy.zeroize();
    mnemonic.to_string()
}

/// The sr25519 key of a dev account by name (`"Alice"`, …, or any `//Name`).
pub fn dev_sr25519(name: &str) -> Sr25519Pair {
    Sr25519Pair::from_suri(&alloc::format!("//{name}")).expect("dev SURIs are well formed")
}

/// The account of a dev account by name.
pub fn dev_account(name: &str) -> AccountId32 {
    dev_sr25519(name).account_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(account: AccountId32) -> String {
        hex::encode(account.0)
    }

    #[test]
    fn alice_sr25519_public_key_is_substrates() {
        assert_eq!(
            hex_of(dev_account("Alice")),
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(
            dev_account("Alice").to_string(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
    }

    #[test]
    fn dev_accounts_sr25519() {
        let expected = [
            ("Bob", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
            ("Charlie", "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
            ("Dave", "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
            ("Eve", "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"),
            ("Ferdie", "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"),
        ];
        for (name, key) in expected {
            assert_eq!(hex_of(dev_account(name)), key, "{name}");
        }
    }

    #[test]
    fn alice_ed25519_public_key_is_substrates() {
        let alice = Ed25519Pair::from_suri("//Alice").unwrap();
        assert_eq!(
            hex::encode(alice.public().0),
            "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee"
        );
    }

    #[test]
    fn alice_seed_is_substrates() {
        let (_, seed) = Sr25519Pair::from_suri_with_seed("//Alice").unwrap();
        assert_eq!(
            hex::encode(seed.unwrap()),
            "e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a"
        );
        assert_eq!(Sr25519Pair::from_suri_with_seed("//Alice/soft").unwrap().1, None);
    }

    #[test]
    fn explicit_phrase_equals_omitted_phrase() {
        let explicit = Sr25519Pair::from_suri(&alloc::format!("{DEV_PHRASE}//Alice")).unwrap();
        assert_eq!(explicit.public(), dev_sr25519("Alice").public());
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let alice = dev_sr25519("Alice");
        let signature = alice.sign(b"payload");
        assert!(sr25519::verify(&signature, b"payload", &alice.public()));
        assert!(!sr25519::verify(&signature, b"payloaD", &alice.public()));
        assert!(!sr25519::verify(&signature, b"payload", &dev_sr25519("Bob").public()));
        let mut bad = signature;
        bad.0[5] ^= 1;
        assert!(!sr25519::verify(&bad, b"payload", &alice.public()));

        let ed = Ed25519Pair::from_suri("//Alice").unwrap();
        let signature = ed.sign(b"payload");
        assert!(ed25519::verify(&signature, b"payload", &ed.public()));
        assert!(!ed25519::verify(&signature, b"other", &ed.public()));
    }

    #[test]
    fn malformed_keys_and_signatures_are_false_not_panics() {
        let junk_key = sr25519::Public([0xff; 32]);
        assert!(!sr25519::verify(&sr25519::Signature([0; 64]), b"m", &junk_key));
        assert!(!ed25519::verify(&ed25519::Signature([0xff; 64]), b"m", &ed25519::Public([2; 32])));
    }

    #[test]
    fn suri_errors() {
        assert_eq!(
            Sr25519Pair::from_suri("not a real phrase at all//x").err(),
            Some(SecretUriError::InvalidPhrase)
        );
        assert_eq!(Sr25519Pair::from_suri("0x1234").err(), Some(SecretUriError::InvalidSeed));
        assert_eq!(Sr25519Pair::from_suri("//Alice//").err(), Some(SecretUriError::InvalidPath));
        assert_eq!(
            Ed25519Pair::from_suri("//Alice/soft").err(),
            Some(SecretUriError::SoftDerivationUnsupported)
        );
    }

    #[test]
    fn generated_keys_round_trip_through_their_phrase() {
        let (pair, phrase) = Sr25519Pair::generate();
        assert_eq!(phrase.split(' ').count(), 12);
        assert_eq!(Sr25519Pair::from_suri(&phrase).unwrap().public(), pair.public());
    }

    #[test]
    fn numeric_and_long_junctions() {
        assert_eq!(
            DeriveJunction::new("1", true),
            DeriveJunction::Hard({
                let mut c = [0u8; 32];
                c[0] = 1;
                c
            })
        );
        let long = "x".repeat(40);
        let DeriveJunction::Soft(code) = DeriveJunction::new(&long, false) else {
            panic!("soft expected")
        };
        assert_eq!(code, blake2_256(&long.encode()));
    }
}
