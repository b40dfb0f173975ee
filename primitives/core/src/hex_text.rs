//! Bytes as `0x`-prefixed hex text, the way Substrate's JSON-RPC, chain specs and logs
//! write them: one pair of helpers instead of a `format!` at every site.

use alloc::{string::String, vec::Vec};

/// `bytes` as lowercase hex after `0x`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 + 2 * bytes.len());
    text.push_str("0x");
    text.push_str(&hex::encode(bytes));
    text
}

/// The bytes of hex `text`, with or without a `0x` prefix.
pub fn from_hex(text: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(text.strip_prefix("0x").unwrap_or(text))
}

/// How many bytes hex `text` (with or without `0x`) decodes to, without decoding it: lets a
/// caller refuse oversized input before paying for it.
pub fn decoded_len(text: &str) -> usize {
    text.strip_prefix("0x").unwrap_or(text).len() / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_prefix() {
        assert_eq!(to_hex(&[0xde, 0xad]), "0xdead");
        assert_eq!(to_hex(&[]), "0x");
        assert_eq!(from_hex("0xdead").unwrap(), [0xde, 0xad]);
        assert_eq!(from_hex("DEAD").unwrap(), [0xde, 0xad]);
        assert!(from_hex("0xd").is_err());
        assert!(from_hex("0xzz").is_err());
        assert_eq!(decoded_len("0xdeadbeef"), 4);
    }
}
