//! Fixed-size hash types.

use alloc::string::String;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::{build::Fields, Path, Type, TypeInfo};

/// A 256-bit hash: block hashes, state roots, extrinsic hashes.
///
/// Encodes as its 32 raw bytes. Its type information carries the path
/// `primitive_types::H256`, which is what Substrate's metadata shows and what
/// clients expect.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen,
)]
pub struct H256(pub [u8; 32]);

impl H256 {
    /// The all-zero hash.
    pub const fn zero() -> Self {
        H256([0; 32])
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, hex::FromHexError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.strip_prefix("0x").unwrap_or(text), &mut out)?;
        Ok(H256(out))
    }
}

impl From<[u8; 32]> for H256 {
    fn from(bytes: [u8; 32]) -> Self {
        H256(bytes)
    }
}

impl From<H256> for [u8; 32] {
    fn from(hash: H256) -> Self {
        hash.0
    }
}

impl AsRef<[u8]> for H256 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl AsMut<[u8]> for H256 {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl core::fmt::Debug for H256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl core::fmt::Display for H256 {
    /// Short form as Substrate's logs print it: `0x1234…cdef`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if f.alternate() {
            return write!(f, "0x{}", hex::encode(self.0));
        }
        write!(f, "0x{}…{}", hex::encode(&self.0[..2]), hex::encode(&self.0[30..]))
    }
}

impl TypeInfo for H256 {
    type Identity = Self;

    fn type_info() -> Type {
        Type::builder()
            .path(Path::new("H256", "primitive_types"))
            .composite(Fields::unnamed().field(|f| f.ty::<[u8; 32]>().type_name("[u8; 32]")))
    }
}

impl serde::Serialize for H256 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&alloc::format!("0x{}", hex::encode(self.0)))
    }
}

impl<'de> serde::Deserialize<'de> for H256 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize<'_>>::deserialize(deserializer)?;
        H256::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_display() {
        let text = "0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314";
        let hash = H256::from_hex(text).unwrap();
        assert_eq!(alloc::format!("{hash:?}"), text);
        assert_eq!(alloc::format!("{hash}"), "0x0317…1314");
        assert!(H256::from_hex("0x1234").is_err());
        assert_eq!(hash.encode(), hash.0.to_vec());
    }

    #[test]
    fn type_path_is_primitive_types() {
        let info = H256::type_info();
        assert_eq!(info.path.segments, ["primitive_types", "H256"]);
    }
}
