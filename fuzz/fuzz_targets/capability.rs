//! Capabilities: a sharing token from anyone is decoded and its signature, expiry and
//! scope verified, or refused, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(capability) = dfs_client::capability::Capability::decode_checked(data) {
        let _ = capability.verify(1_800_000_000, None);
        let _ = capability.verify(0, Some(&dfs_core::H256([7; 32])));
    }
});
