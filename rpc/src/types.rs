//! Parameters and results in Substrate's JSON shapes.
//!
//! Parameters are parsed with bounds: hex is measured before it is decoded
//! ([`HexBytes::decode_limited`]), lists are counted before they are walked, and numbers
//! out of range are errors, not truncations.

use codec::Encode;
use dfs_core::{hex_text, H256};
use dfs_runtime_primitives::{generic::Header, RuntimeVersion};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::errors::ParamError;

/// Bytes as `0x` hex, decoded when read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex_text::to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        hex_text::from_hex(&text)
            .map(Bytes)
            .map_err(|e| serde::de::Error::custom(format!("invalid hex data: {e}")))
    }
}

/// Hex text kept as text until its size is checked: a transaction or a call's data may be
/// megabytes, and is decoded only if it fits the limit that applies.
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct HexBytes(pub String);

impl HexBytes {
    /// The bytes, if they take at most `max` bytes decoded.
    pub fn decode_limited(&self, max: usize) -> Result<Vec<u8>, ParamError> {
        let len = hex_text::decoded_len(&self.0);
        if len > max {
            return Err(ParamError::TooLarge { len, max });
        }
        hex_text::from_hex(&self.0)
            .map_err(|e| ParamError::Invalid(format!("invalid hex data: {e}")))
    }
}

/// A block number as JSON gives it: a number, `0x` hex or decimal text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberOrHex {
    /// A JSON number.
    Number(u64),
    /// A string: `0x` hex or decimal.
    Text(String),
}

impl<'de> Deserialize<'de> for NumberOrHex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer) {
            Ok(Raw::Number(n)) => Ok(NumberOrHex::Number(n)),
            Ok(Raw::Text(text)) => Ok(NumberOrHex::Text(text)),
            Err(_) => Err(serde::de::Error::custom(
                "a block number is a non-negative number or a hex string",
            )),
        }
    }
}

impl NumberOrHex {
    /// The number as a block number.
    pub fn to_block_number(&self) -> Result<u32, ParamError> {
        let out_of_range = || ParamError::Invalid("block number out of range".into());
        match self {
            NumberOrHex::Number(n) => u32::try_from(*n).map_err(|_| out_of_range()),
            NumberOrHex::Text(text) => match text.strip_prefix("0x") {
                Some(digits) => u32::from_str_radix(digits, 16),
                None => text.parse::<u32>(),
            }
            .map_err(|_| ParamError::Invalid(format!("invalid block number `{text:.20}`"))),
        }
    }
}

/// One value or a list of them (`chain_getBlockHash` takes either).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ListOrValue<T> {
    /// A list.
    List(Vec<T>),
    /// One value.
    Value(T),
}

/// A header in Substrate's JSON shape: the number as hex, digest items as SCALE hex.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcHeader {
    /// The parent's hash.
    pub parent_hash: H256,
    /// The number, `0x` hex.
    pub number: String,
    /// The state root.
    pub state_root: H256,
    /// The extrinsics root.
    pub extrinsics_root: H256,
    /// The digest.
    pub digest: RpcDigest,
}

/// A digest: its items, each SCALE-encoded as hex.
#[derive(Clone, Debug, Serialize)]
pub struct RpcDigest {
    /// The items.
    pub logs: Vec<Bytes>,
}

impl From<&Header> for RpcHeader {
    fn from(header: &Header) -> Self {
        RpcHeader {
            parent_hash: header.parent_hash,
            number: format!("{:#x}", header.number),
            state_root: header.state_root,
            extrinsics_root: header.extrinsics_root,
            digest: RpcDigest {
                logs: header.digest.logs.iter().map(|item| Bytes(item.encode())).collect(),
            },
        }
    }
}

/// A block with its justifications, as `chain_getBlock` answers.
#[derive(Clone, Debug, Serialize)]
pub struct RpcSignedBlock {
    /// The block.
    pub block: RpcBlock,
    /// Its justifications, SCALE hex, if any.
    pub justifications: Option<Bytes>,
}

/// A block: its header and its extrinsics (each with its length prefix, as hex).
#[derive(Clone, Debug, Serialize)]
pub struct RpcBlock {
    /// The header.
    pub header: RpcHeader,
    /// The extrinsics.
    pub extrinsics: Vec<Bytes>,
}

/// The runtime version in Substrate's JSON shape (both `systemVersion` and
/// `stateVersion`, as Substrate emits them).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcRuntimeVersion {
    spec_name: String,
    impl_name: String,
    authoring_version: u32,
    spec_version: u32,
    impl_version: u32,
    apis: Vec<(Bytes, u32)>,
    transaction_version: u32,
    system_version: u8,
    state_version: u8,
}

impl From<&RuntimeVersion> for RpcRuntimeVersion {
    fn from(version: &RuntimeVersion) -> Self {
        RpcRuntimeVersion {
            spec_name: version.spec_name.clone(),
            impl_name: version.impl_name.clone(),
            authoring_version: version.authoring_version,
            spec_version: version.spec_version,
            impl_version: version.impl_version,
            apis: version.apis.iter().map(|(id, v)| (Bytes(id.to_vec()), *v)).collect(),
            transaction_version: version.transaction_version,
            system_version: version.system_version,
            state_version: version.system_version,
        }
    }
}

/// Storage values at a block: `{"block", "changes": [[key, value|null], ...]}`.
#[derive(Clone, Debug, Serialize)]
pub struct StorageChangeSet {
    /// The block.
    pub block: H256,
    /// Each key with its value, `null` if absent.
    pub changes: Vec<(Bytes, Option<Bytes>)>,
}

impl StorageChangeSet {
    /// How many bytes its JSON takes, about (hex doubles; quotes and commas added).
    pub fn json_len(&self) -> usize {
        80 + self
            .changes
            .iter()
            .map(|(key, value)| 16 + 2 * key.0.len() + value.as_ref().map_or(4, |v| 2 * v.0.len()))
            .sum::<usize>()
    }
}

/// A read proof: the trie nodes proving some keys at a block.
#[derive(Clone, Debug, Serialize)]
pub struct ReadProof {
    /// The block.
    pub at: H256,
    /// The nodes.
    pub proof: Vec<Bytes>,
}

/// `system_health`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Connected peers.
    pub peers: usize,
    /// Whether the node is catching up with its peers.
    pub is_syncing: bool,
    /// Whether the node should have peers (anything but a lone dev chain).
    pub should_have_peers: bool,
}

/// `system_syncState`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    /// Where the current sync started.
    pub starting_block: u32,
    /// The best block.
    pub current_block: u32,
    /// The highest block known of peers.
    pub highest_block: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_from_json_numbers_hex_and_decimal_text() {
        let parse = |json: &str| {
            serde_json::from_str::<NumberOrHex>(json)
                .map_err(|e| e.to_string())
                .and_then(|n| n.to_block_number().map_err(|e| e.to_string()))
        };
        assert_eq!(parse("5"), Ok(5));
        assert_eq!(parse("\"0x1a\""), Ok(26));
        assert_eq!(parse("\"26\""), Ok(26));
        assert!(parse("4294967296").is_err());
        assert!(parse("-1").is_err());
        assert!(parse("\"0xzz\"").is_err());
        assert!(parse("{}").is_err());
        let list: ListOrValue<NumberOrHex> = serde_json::from_str("[1, \"0x2\"]").unwrap();
        assert!(matches!(list, ListOrValue::List(ref items) if items.len() == 2));
    }

    #[test]
    fn hex_is_measured_before_it_is_decoded() {
        let hex = HexBytes(format!("0x{}", "ab".repeat(1000)));
        assert_eq!(hex.decode_limited(1000).unwrap().len(), 1000);
        assert!(matches!(
            hex.decode_limited(999),
            Err(ParamError::TooLarge { len: 1000, max: 999 })
        ));
        assert!(HexBytes("0xabc".into()).decode_limited(10).is_err());
    }

    #[test]
    fn headers_have_substrate_s_shape() {
        let header = Header {
            parent_hash: H256([1; 32]),
            number: 26,
            state_root: H256([2; 32]),
            extrinsics_root: H256([3; 32]),
            digest: Default::default(),
        };
        let json = serde_json::to_value(RpcHeader::from(&header)).unwrap();
        assert_eq!(json["number"], "0x1a");
        assert_eq!(json["parentHash"], format!("0x{}", "01".repeat(32)));
        assert_eq!(json["digest"]["logs"], serde_json::json!([]));
    }
}
