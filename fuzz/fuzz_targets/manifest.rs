//! `Manifest::decode_checked`: a manifest from a provider or a gateway is decoded and its
//! fields checked against each other, or refused, never a panic or an unbounded allocation.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(manifest) = dfs_client::manifest::Manifest::decode_checked(data) {
        let _ = manifest.file_id();
    }
});
