//! Header and digest decoding: what a block announcement or request hands a node first.
//! Whatever the bytes, decoding ends in a header or an error, and a decoded header's
//! hash, digest items, slot and seal can be read without a panic; a header re-encodes to
//! the bytes it was decoded from.

#![no_main]

use codec::{Decode, DecodeLimit, Encode};
use dfs_runtime_primitives::generic::{Header, AURA_ENGINE_ID};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let Ok(header) = Header::decode_with_depth_limit(32, &mut input) else { return };
    let consumed = &data[..data.len() - input.len()];
    assert_eq!(header.encode(), consumed, "a header re-encodes to its bytes");
    let _ = header.hash();
    let _ = dfs_consensus::aura::slot_of(&header);
    for item in &header.digest.logs {
        let _ = item.encode();
    }
    let mut digest = header.digest.clone();
    let _ = digest.pop_seal(AURA_ENGINE_ID);
    let _ = Header::decode(&mut &header.encode()[..]).expect("what was encoded decodes");
});
