//! The Wasm blob: built, carrying its version where hosts read it without running code.

use codec::Encode;

#[test]
fn the_blob_carries_the_runtime_version() {
    let blob =
        dfs_runtime::wasm::WASM_BINARY.expect("the Wasm runtime is built (see runtime/build.rs)");
    assert_eq!(&blob[..4], b"\0asm");
    let section =
        dfs_io::wasm_sections::custom_section(blob, dfs_io::wasm_sections::RUNTIME_VERSION_SECTION)
            .expect("runtime_version section");
    assert_eq!(section, dfs_runtime::version().encode());
    assert_eq!(dfs_runtime::encoded_version().to_vec(), dfs_runtime::version().encode());
    // What set_code checks reads the same section.
    assert_eq!(dfs_io::misc::runtime_version(blob), Some(dfs_runtime::version().encode()));
}
