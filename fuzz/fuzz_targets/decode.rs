//! Extrinsic and block decoding, alone and fast (the `extrinsic` and `block_import` targets
//! add validation and import, at a few thousand runs a second): the bytes are decoded as the
//! runtime's extrinsic, call and block, and as an opaque block. Decoding ends in a value or an
//! error; what decodes re-encodes to the bytes it came from (a second encoding of the same
//! extrinsic would be a second hash for one transaction), and decodes again to itself.

#![no_main]

use codec::{Decode, DecodeLimit, Encode};
use dfs_runtime::{Block, RuntimeCall, UncheckedExtrinsic};
use dfs_runtime_primitives::generic::{self, OpaqueExtrinsic};
use libfuzzer_sys::fuzz_target;

/// The depth limit the node decodes untrusted input with.
const DEPTH: u32 = 256;

fn round_trip<T: Decode + Encode + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let mut input = data;
    let Ok(value) = T::decode_with_depth_limit(DEPTH, &mut input) else { return };
    let consumed = &data[..data.len() - input.len()];
    let encoded = value.encode();
    assert_eq!(encoded, consumed, "{} re-encodes to its bytes", std::any::type_name::<T>());
    assert_eq!(T::decode(&mut &encoded[..]).as_ref(), Ok(&value));
}

fuzz_target!(|data: &[u8]| {
    round_trip::<UncheckedExtrinsic>(data);
    round_trip::<RuntimeCall>(data);
    round_trip::<Block>(data);
    round_trip::<generic::Block<OpaqueExtrinsic>>(data);
});
