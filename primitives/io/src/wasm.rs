//! Host function imports of the Wasm runtime, with Substrate's names and signatures.
//!
//! Pointers and lengths travel as `i32`, byte slices as one `i64` packing
//! `len << 32 | ptr`. Buffers the host returns were allocated through the
//! runtime's own allocator (which forwards to `ext_allocator_*`), so they are
//! taken over as `Vec`s and freed the normal way.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use dfs_core::{ed25519, sr25519};

use crate::StateVersion;

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_storage_get_version_1(key: u64) -> u64;
    fn ext_storage_set_version_1(key: u64, value: u64);
    fn ext_storage_clear_version_1(key: u64);
    fn ext_storage_exists_version_1(key: u64) -> u32;
    fn ext_storage_append_version_1(key: u64, value: u64);
    fn ext_storage_clear_prefix_version_2(prefix: u64, limit: u64) -> u64;
    fn ext_storage_next_key_version_1(key: u64) -> u64;
    fn ext_storage_root_version_2(version: u32) -> u64;
    fn ext_storage_start_transaction_version_1();
    fn ext_storage_rollback_transaction_version_1();
    fn ext_storage_commit_transaction_version_1();
    fn ext_hashing_blake2_128_version_1(data: u64) -> u32;
    fn ext_hashing_blake2_256_version_1(data: u64) -> u32;
    fn ext_hashing_twox_64_version_1(data: u64) -> u32;
    fn ext_hashing_twox_128_version_1(data: u64) -> u32;
    fn ext_hashing_twox_256_version_1(data: u64) -> u32;
    fn ext_crypto_sr25519_verify_version_2(signature: u32, message: u64, public: u32) -> u32;
    fn ext_crypto_ed25519_verify_version_1(signature: u32, message: u64, public: u32) -> u32;
    fn ext_trie_blake2_256_ordered_root_version_2(input: u64, version: u32) -> u32;
    fn ext_logging_log_version_1(level: u32, target: u64, message: u64);
    fn ext_misc_runtime_version_version_1(code: u64) -> u64;
    fn ext_crypto_start_batch_verify_version_1();
    fn ext_crypto_finish_batch_verify_version_1() -> u32;
    fn ext_crypto_sr25519_batch_verify_version_1(signature: u32, message: u64, public: u32) -> u32;
    fn ext_crypto_ed25519_batch_verify_version_1(signature: u32, message: u64, public: u32) -> u32;
}

fn pack(bytes: &[u8]) -> u64 {
    (bytes.len() as u64) << 32 | (bytes.as_ptr() as usize as u64)
}

/// Takes over a buffer the host allocated and returned as `len << 32 | ptr`.
fn unpack(packed: u64) -> Vec<u8> {
    let ptr = (packed & 0xffff_ffff) as usize as *mut u8;
    let len = (packed >> 32) as usize;
    if len == 0 {
        return Vec::new();
    }
    // SAFETY: the host allocated `len` bytes at `ptr` with our allocator and hands them over.
    unsafe { Vec::from_raw_parts(ptr, len, len) }
}

fn decode_option(packed: u64) -> Option<Vec<u8>> {
    Option::<Vec<u8>>::decode(&mut &unpack(packed)[..]).ok().flatten()
}

fn read_fixed<const N: usize>(ptr: u32) -> [u8; N] {
    let mut out = [0u8; N];
    // SAFETY: the host wrote N bytes at `ptr`, allocated with our allocator.
    unsafe {
        core::ptr::copy_nonoverlapping(ptr as usize as *const u8, out.as_mut_ptr(), N);
        drop(Vec::from_raw_parts(ptr as usize as *mut u8, N, N));
    }
    out
}

fn version_code(version: StateVersion) -> u32 {
    match version {
        StateVersion::V0 => 0,
        StateVersion::V1 => 1,
    }
}

pub fn storage_get(key: &[u8]) -> Option<Vec<u8>> {
    decode_option(unsafe { ext_storage_get_version_1(pack(key)) })
}

pub fn storage_set(key: &[u8], value: &[u8]) {
    unsafe { ext_storage_set_version_1(pack(key), pack(value)) }
}

pub fn storage_clear(key: &[u8]) {
    unsafe { ext_storage_clear_version_1(pack(key)) }
}

pub fn storage_exists(key: &[u8]) -> bool {
    unsafe { ext_storage_exists_version_1(pack(key)) != 0 }
}

pub fn storage_append(key: &[u8], item: &[u8]) {
    unsafe { ext_storage_append_version_1(pack(key), pack(item)) }
}

pub fn storage_clear_prefix(prefix: &[u8], limit: Option<u32>) -> (u32, bool) {
    let limit = limit.encode();
    let result = unpack(unsafe { ext_storage_clear_prefix_version_2(pack(prefix), pack(&limit)) });
    // KillStorageResult: AllRemoved(u32) = 0, SomeRemaining(u32) = 1.
    match (result.first(), result.get(1..5)) {
        (Some(0), Some(count)) => {
            (u32::from_le_bytes([count[0], count[1], count[2], count[3]]), true)
        }
        (Some(_), Some(count)) => {
            (u32::from_le_bytes([count[0], count[1], count[2], count[3]]), false)
        }
        _ => (0, false),
    }
}

pub fn storage_next_key(key: &[u8]) -> Option<Vec<u8>> {
    decode_option(unsafe { ext_storage_next_key_version_1(pack(key)) })
}

pub fn storage_root(version: StateVersion) -> [u8; 32] {
    let bytes = unpack(unsafe { ext_storage_root_version_2(version_code(version)) });
    let mut out = [0u8; 32];
    if bytes.len() == 32 {
        out.copy_from_slice(&bytes);
    }
    out
}

pub fn start_transaction() -> bool {
    unsafe { ext_storage_start_transaction_version_1() };
    true
}

pub fn rollback_transaction() {
    unsafe { ext_storage_rollback_transaction_version_1() }
}

pub fn commit_transaction() {
    unsafe { ext_storage_commit_transaction_version_1() }
}

pub fn blake2_128(data: &[u8]) -> [u8; 16] {
    read_fixed(unsafe { ext_hashing_blake2_128_version_1(pack(data)) })
}

pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    read_fixed(unsafe { ext_hashing_blake2_256_version_1(pack(data)) })
}

pub fn twox_64(data: &[u8]) -> [u8; 8] {
    read_fixed(unsafe { ext_hashing_twox_64_version_1(pack(data)) })
}

pub fn twox_128(data: &[u8]) -> [u8; 16] {
    read_fixed(unsafe { ext_hashing_twox_128_version_1(pack(data)) })
}

pub fn twox_256(data: &[u8]) -> [u8; 32] {
    read_fixed(unsafe { ext_hashing_twox_256_version_1(pack(data)) })
}

pub fn sr25519_verify(
    signature: &sr25519::Signature,
    message: &[u8],
    public: &sr25519::Public,
) -> bool {
    unsafe {
        ext_crypto_sr25519_verify_version_2(
            signature.0.as_ptr() as usize as u32,
            pack(message),
            public.0.as_ptr() as usize as u32,
        ) == 1
    }
}

pub fn ed25519_verify(
    signature: &ed25519::Signature,
    message: &[u8],
    public: &ed25519::Public,
) -> bool {
    unsafe {
        ext_crypto_ed25519_verify_version_1(
            signature.0.as_ptr() as usize as u32,
            pack(message),
            public.0.as_ptr() as usize as u32,
        ) == 1
    }
}

pub fn start_batch_verify() {
    unsafe { ext_crypto_start_batch_verify_version_1() }
}

pub fn finish_batch_verify() -> bool {
    unsafe { ext_crypto_finish_batch_verify_version_1() == 1 }
}

pub fn sr25519_batch_verify(
    signature: &sr25519::Signature,
    message: &[u8],
    public: &sr25519::Public,
) -> bool {
    unsafe {
        ext_crypto_sr25519_batch_verify_version_1(
            signature.0.as_ptr() as usize as u32,
            pack(message),
            public.0.as_ptr() as usize as u32,
        ) == 1
    }
}

pub fn ed25519_batch_verify(
    signature: &ed25519::Signature,
    message: &[u8],
    public: &ed25519::Public,
) -> bool {
    unsafe {
        ext_crypto_ed25519_batch_verify_version_1(
            signature.0.as_ptr() as usize as u32,
            pack(message),
            public.0.as_ptr() as usize as u32,
        ) == 1
    }
}

pub fn ordered_root(values: Vec<Vec<u8>>, version: StateVersion) -> [u8; 32] {
    let input = values.encode();
    read_fixed(unsafe {
        ext_trie_blake2_256_ordered_root_version_2(pack(&input), version_code(version))
    })
}

pub fn log(level: log::Level, target: &str, message: &[u8]) {
    // Substrate's RuntimeLogLevel: Error = 1 … Trace = 5, as `log::Level`'s discriminants.
    unsafe { ext_logging_log_version_1(level as u32, pack(target.as_bytes()), pack(message)) }
}

pub fn runtime_version(code: &[u8]) -> Option<Vec<u8>> {
    decode_option(unsafe { ext_misc_runtime_version_version_1(pack(code)) })
}

/// Every allocation of the Wasm runtime goes to the host's allocator, which manages the
/// heap inside the instance's memory (so buffers the host returns can be freed here).
#[cfg(target_arch = "wasm32")]
mod allocator {
    use core::alloc::{GlobalAlloc, Layout};

    #[link(wasm_import_module = "env")]
    extern "C" {
        fn ext_allocator_malloc_version_1(size: u32) -> u32;
        fn ext_allocator_free_version_1(ptr: u32);
    }

    /// The host allocator hands out 16-byte aligned blocks.
    const HOST_ALIGNMENT: usize = 16;

    struct HostAllocator;

    // SAFETY: the host allocator returns distinct, 16-byte aligned blocks of at least the
    // requested size, or traps; larger alignments are refused with a null pointer.
    unsafe impl GlobalAlloc for HostAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() > HOST_ALIGNMENT {
                return core::ptr::null_mut();
            }
            unsafe { ext_allocator_malloc_version_1(layout.size() as u32) as usize as *mut u8 }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            unsafe { ext_allocator_free_version_1(ptr as usize as u32) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: HostAllocator = HostAllocator;
}

/// A panic in the runtime logs its message through the host, then traps: the host sees a
/// failed call, never a corrupted state.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let message = alloc::format!("{info}");
    log(log::Level::Error, "runtime", message.as_bytes());
    core::arch::wasm32::unreachable()
}
