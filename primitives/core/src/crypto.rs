//! Accounts and their SS58 text form.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::hashing::blake2_512;

/// The SS58 address format of DFS until a registered one is chosen (Substrate's generic 42).
pub const DFS_SS58_PREFIX: u16 = 42;

/// A 32-byte account identifier: an sr25519 or ed25519 public key.
///
/// Metadata shows it as `sp_core::crypto::AccountId32`, a one-field composite
/// of `[u8; 32]`, which polkadot.js and polkadot-api key on.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
)]
#[scale_info(replace_segment("dfs_core", "sp_core"))]
pub struct AccountId32(pub [u8; 32]);

impl AccountId32 {
    /// Wraps a raw 32-byte public key.
    pub const fn new(bytes: [u8; 32]) -> Self {
        AccountId32(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The SS58 address under `prefix`.
    pub fn to_ss58(&self, prefix: u16) -> String {
        ss58_encode(prefix, &self.0)
    }

    /// Parses an SS58 address of any prefix, or `0x`-prefixed hex of 32 bytes.
    pub fn from_text(text: &str) -> Result<Self, Ss58Error> {
        if let Some(hex_text) = text.strip_prefix("0x") {
            let mut out = [0u8; 32];
            hex::decode_to_slice(hex_text, &mut out).map_err(|_| Ss58Error::BadHex)?;
            return Ok(AccountId32(out));
        }
        ss58_decode(text).map(|(_, key)| AccountId32(key))
    }
}

impl From<[u8; 32]> for AccountId32 {
    fn from(bytes: [u8; 32]) -> Self {
        AccountId32(bytes)
    }
}

impl AsRef<[u8]> for AccountId32 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Display for AccountId32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_ss58(DFS_SS58_PREFIX))
    }
}

impl core::fmt::Debug for AccountId32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} (0x{}…)", self.to_ss58(DFS_SS58_PREFIX), hex::encode(&self.0[..4]))
    }
}

impl core::str::FromStr for AccountId32 {
    type Err = Ss58Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_text(text)
    }
}

impl serde::Serialize for AccountId32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_ss58(DFS_SS58_PREFIX))
    }
}

impl<'de> serde::Deserialize<'de> for AccountId32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        AccountId32::from_text(&text).map_err(serde::de::Error::custom)
    }
}

/// Why an SS58 address or account text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ss58Error {
    /// Not valid base-58 text.
    BadBase58,
    /// The decoded bytes are not a prefix, a 32-byte key and a 2-byte checksum.
    BadLength,
    /// The first byte is not a valid prefix encoding (it must be below 128).
    BadPrefix,
    /// The checksum does not match: a typo, or bytes from another format.
    BadChecksum,
    /// `0x` text that is not 32 bytes of hex.
    BadHex,
}

impl core::fmt::Display for Ss58Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Ss58Error::BadBase58 => "not valid base-58",
            Ss58Error::BadLength => "wrong length for an SS58 address of a 32-byte key",
            Ss58Error::BadPrefix => "invalid SS58 prefix",
            Ss58Error::BadChecksum => "SS58 checksum mismatch",
            Ss58Error::BadHex => "expected 0x followed by 64 hex digits",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Ss58Error {}

const SS58_CHECKSUM_PREAMBLE: &[u8] = b"SS58PRE";

fn ss58_prefix_bytes(prefix: u16) -> Vec<u8> {
    // Prefixes 0..=63 take one byte; 64..=16383 take two bytes whose first has
    // bit 6 set, the bits of the prefix spread over both as Substrate defines.
    let prefix = prefix & 0b0011_1111_1111_1111;
    if prefix < 64 {
        alloc::vec![prefix as u8]
    } else {
        let first = ((prefix & 0b0000_0000_1111_1100) as u8) >> 2;
        let second = ((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6);
        alloc::vec![first | 0b0100_0000, second]
    }
}

fn ss58_checksum(body: &[u8]) -> [u8; 2] {
    let mut input = Vec::with_capacity(SS58_CHECKSUM_PREAMBLE.len() + body.len());
    input.extend_from_slice(SS58_CHECKSUM_PREAMBLE);
    input.extend_from_slice(body);
    let hash = blake2_512(&input);
    [hash[0], hash[1]]
}

/// Encodes a 32-byte public key as an SS58 address with the given prefix.
pub fn ss58_encode(prefix: u16, key: &[u8; 32]) -> String {
    let mut body = ss58_prefix_bytes(prefix);
    body.extend_from_slice(key);
    let checksum = ss58_checksum(&body);
    body.extend_from_slice(&checksum);
    bs58::encode(body).into_string()
}

/// Decodes an SS58 address of a 32-byte key into its prefix and key.
pub fn ss58_decode(text: &str) -> Result<(u16, [u8; 32]), Ss58Error> {
    // An address of a 32-byte key is at most 36 bytes, about 50 base-58 digits:
    // refuse long input before decoding it.
    if text.len() > 64 {
        return Err(Ss58Error::BadLength);
    }
    let data = bs58::decode(text).into_vec().map_err(|_| Ss58Error::BadBase58)?;
    let (prefix_len, prefix) = match data.first() {
        Some(&b @ 0..=63) => (1, u16::from(b)),
        Some(&b @ 64..=127) => {
            let second = *data.get(1).ok_or(Ss58Error::BadLength)?;
            let lower = (b << 2) | (second >> 6);
            let upper = second & 0b0011_1111;
            (2, u16::from(lower) | (u16::from(upper) << 8))
        }
        Some(_) => return Err(Ss58Error::BadPrefix),
        None => return Err(Ss58Error::BadLength),
    };
    if data.len() != prefix_len + 32 + 2 {
        return Err(Ss58Error::BadLength);
    }
    let (body, checksum) = data.split_at(prefix_len + 32);
    if ss58_checksum(body) != checksum {
        return Err(Ss58Error::BadChecksum);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&body[prefix_len..]);
    Ok((prefix, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    fn alice() -> [u8; 32] {
        let mut key = [0u8; 32];
        hex::decode_to_slice(ALICE, &mut key).unwrap();
        key
    }

    #[test]
    fn alice_address_under_prefix_42() {
        assert_eq!(ss58_encode(42, &alice()), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        let (prefix, key) =
            ss58_decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").unwrap();
        assert_eq!((prefix, key), (42, alice()));
    }

    #[test]
    fn polkadot_and_kusama_prefixes() {
        // Alice on Polkadot (0) and Kusama (2), as every wallet shows her.
        assert_eq!(ss58_encode(0, &alice()), "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5");
        assert_eq!(ss58_encode(2, &alice()), "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F");
    }

    #[test]
    fn two_byte_prefixes_round_trip() {
        for prefix in [64u16, 255, 1284, 16383] {
            let address = ss58_encode(prefix, &alice());
            assert_eq!(ss58_decode(&address).unwrap(), (prefix, alice()), "prefix {prefix}");
        }
    }

    #[test]
    fn corrupted_addresses_are_refused() {
        let good = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let typo = good.replace('Q', "R");
        assert_eq!(ss58_decode(&typo), Err(Ss58Error::BadChecksum));
        assert_eq!(ss58_decode("0OIl"), Err(Ss58Error::BadBase58));
        assert_eq!(ss58_decode(""), Err(Ss58Error::BadLength));
        assert_eq!(ss58_decode(&good[..40]), Err(Ss58Error::BadLength));
        assert_eq!(ss58_decode(&"1".repeat(100)), Err(Ss58Error::BadLength));
    }

    #[test]
    fn account_text_forms() {
        let account: AccountId32 =
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".parse().unwrap();
        assert_eq!(account.0, alice());
        let from_hex: AccountId32 = alloc::format!("0x{ALICE}").parse().unwrap();
        assert_eq!(from_hex, account);
        assert_eq!(account.to_string(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(AccountId32::type_info().path.segments, ["sp_core", "crypto", "AccountId32"]);
    }
}
