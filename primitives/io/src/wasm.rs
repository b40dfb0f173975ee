//! Host function imports of the Wasm runtime, with Substrate's names and signatures.
//!
//! Pointers and lengths travel as `i32`, byte slices as one `i64` packing
//! `len << 32 | ptr`. Buffers the host returns were allocated through the
//! runtime's own allocator (which forwards to `ext_allocator_*`), so they are
//! taken over as `Vec`s and freed the normal way.

use alloc::vec::Vec;
use codec::{Compact, Decode, Encode};
use dfs_core::{ed25519, sr25519};

use crate::StateVersion;

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_storage_get_version_1(key: u64) -> u64;
    fn ext_storage_read_version_1(key: u64, value_out: u64, offset: u32) -> u64;
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

/// Takes over a host buffer holding a SCALE `Option<Vec<u8>>` and returns the value in the
/// same buffer, its encoding prefix shifted out (no second allocation, no copy to a new one).
fn decode_option(packed: u64) -> Option<Vec<u8>> {
    let mut buffer = unpack(packed);
    let mut input = &buffer[..];
    if u8::decode(&mut input).ok()? != 1 {
        return None;
    }
    let length = Compact::<u32>::decode(&mut input).ok()?.0 as usize;
    if input.len() != length {
        return None;
    }
    let prefix = buffer.len() - length;
    buffer.drain(..prefix);
    Some(buffer)
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

pub fn storage_read(key: &[u8], out: &mut [u8], offset: u32) -> Option<u32> {
    // The host writes here: the pointer comes from the mutable borrow.
    let out_packed = (out.len() as u64) << 32 | (out.as_mut_ptr() as usize as u64);
    let result = unsafe { ext_storage_read_version_1(pack(key), out_packed, offset) };
    Option::<u32>::decode(&mut &unpack(result)[..]).ok().flatten()
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
    let Ok(account) = <&[u8; 32]>::try_from(data) else {
        return read_fixed(unsafe { ext_hashing_blake2_128_version_1(pack(data)) });
    };
    // Map keys of accounts (`Blake2_128Concat` of 32 bytes) are hashed several times per
    // transaction, each time through two host calls (the hash, the free): remember the
    // last few in the instance. A pure function: what is remembered is what the host would
    // answer.
    // SAFETY: a Wasm instance runs on one thread, and nothing else borrows the table.
    let table = unsafe { &mut *core::ptr::addr_of_mut!(ACCOUNT_HASHES) };
    let slot = &mut table[usize::from(account[0]) % ACCOUNT_HASH_SLOTS];
    if slot.0 && slot.1 == *account {
        return slot.2;
    }
    let hash = read_fixed(unsafe { ext_hashing_blake2_128_version_1(pack(data)) });
    *slot = (true, *account, hash);
    hash
}

/// Remembered `blake2_128` of 32-byte inputs, direct-mapped by their first byte.
const ACCOUNT_HASH_SLOTS: usize = 64;
static mut ACCOUNT_HASHES: [(bool, [u8; 32], [u8; 16]); ACCOUNT_HASH_SLOTS] =
    [(false, [0; 32], [0; 16]); ACCOUNT_HASH_SLOTS];

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

/// The runtime's allocator. Small blocks (up to 2 KiB: most of a runtime's allocations) are
/// carved out of 64 KiB pages inside large blocks taken from the host's allocator and
/// recycled through per-size free lists, all inside the instance: no host call for them.
/// Larger blocks, and the buffers the host returns (which this allocator adopts as `Vec`s),
/// belong to the host's allocator, which manages the heap of the instance's memory; a page
/// bitmap tells the two kinds apart on free.
#[cfg(target_arch = "wasm32")]
mod allocator {
    use core::{
        alloc::{GlobalAlloc, Layout},
        cell::UnsafeCell,
    };

    #[link(wasm_import_module = "env")]
    extern "C" {
        fn ext_allocator_malloc_version_1(size: u32) -> u32;
        fn ext_allocator_free_version_1(ptr: u32);
    }

    /// The host allocator hands out 16-byte aligned blocks; so does this one.
    const ALIGNMENT: usize = 16;
    /// Size classes 16, 32, …, 2048 bytes.
    const SMALLEST_LOG2: u32 = 4;
    const LARGEST_LOG2: u32 = 11;
    const CLASSES: usize = (LARGEST_LOG2 - SMALLEST_LOG2 + 1) as usize;
    /// Pages this allocator owns are marked in a bitmap over the 4 GiB address space.
    const PAGE_LOG2: u32 = 16;
    /// Taken from the host at a time: 15 whole 64 KiB pages fit in it, whatever its address.
    const REGION: usize = 1 << 20;

    struct Small {
        /// Heads of the free lists (0: empty); a free block holds the next one's address.
        free: [usize; CLASSES],
        /// The unused rest of the current pages.
        next: usize,
        end: usize,
        /// One bit per 64 KiB page: set when the page belongs to this allocator.
        owned: [u64; 1024],
    }

    struct RuntimeAllocator(UnsafeCell<Small>);

    // SAFETY: a Wasm instance runs on one thread.
    unsafe impl Sync for RuntimeAllocator {}

    fn class_of(size: usize) -> Option<usize> {
        let log2 = size.max(1).next_power_of_two().trailing_zeros().max(SMALLEST_LOG2);
        (log2 <= LARGEST_LOG2).then_some((log2 - SMALLEST_LOG2) as usize)
    }

    impl Small {
        fn owns(&self, ptr: usize) -> bool {
            let page = ptr >> PAGE_LOG2;
            self.owned[page / 64] & (1 << (page % 64)) != 0
        }

        /// A block of `class`, or null if the host has no more memory.
        unsafe fn allocate(&mut self, class: usize) -> *mut u8 {
            let head = self.free[class];
            if head != 0 {
                // SAFETY: a free block of ours holds the next free block's address.
                self.free[class] = unsafe { *(head as *const usize) };
                return head as *mut u8;
            }
            let size = 1usize << (class as u32 + SMALLEST_LOG2);
            if self.end - self.next < size && !unsafe { self.take_region() } {
                return core::ptr::null_mut();
            }
            let block = self.next;
            self.next += size;
            block as *mut u8
        }

        /// Takes a region from the host and makes its whole pages the current ones.
        unsafe fn take_region(&mut self) -> bool {
            let region = unsafe { ext_allocator_malloc_version_1(REGION as u32) } as usize;
            if region == 0 {
                return false;
            }
            let page = 1usize << PAGE_LOG2;
            let start = region.next_multiple_of(page);
            let end = (region + REGION) / page * page;
            for page in (start >> PAGE_LOG2)..(end >> PAGE_LOG2) {
                self.owned[page / 64] |= 1 << (page % 64);
            }
            // What is left of the previous pages is abandoned: the instance is short-lived.
            self.next = start;
            self.end = end;
            true
        }

        unsafe fn free(&mut self, ptr: usize, class: usize) {
            // SAFETY: the block is ours, at least 16 bytes, and no longer in use.
            unsafe { *(ptr as *mut usize) = self.free[class] };
            self.free[class] = ptr;
        }
    }

    // SAFETY: blocks are distinct, 16-byte aligned and at least the requested size (or the
    // pointer is null); larger alignments are refused with a null pointer. A block is freed
    // into the allocator that made it, told apart by its page.
    unsafe impl GlobalAlloc for RuntimeAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() > ALIGNMENT {
                return core::ptr::null_mut();
            }
            match class_of(layout.size()) {
                // SAFETY: one thread, no reentrancy (the host call below allocates nothing here).
                Some(class) => unsafe { (*self.0.get()).allocate(class) },
                None => unsafe {
                    ext_allocator_malloc_version_1(layout.size() as u32) as usize as *mut u8
                },
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let small = unsafe { &mut *self.0.get() };
            if small.owns(ptr as usize) {
                // The layout is the one it was allocated with: its class is the block's.
                if let Some(class) = class_of(layout.size()) {
                    unsafe { small.free(ptr as usize, class) };
                }
            } else {
                unsafe { ext_allocator_free_version_1(ptr as usize as u32) }
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let small = unsafe { &*self.0.get() };
            if small.owns(ptr as usize) && class_of(layout.size()) == class_of(new_size) {
                return ptr;
            }
            // SAFETY: as GlobalAlloc's default: a new block, the contents, the old one freed.
            unsafe {
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }

    #[global_allocator]
    static ALLOCATOR: RuntimeAllocator = RuntimeAllocator(UnsafeCell::new(Small {
        free: [0; CLASSES],
        next: 0,
        end: 0,
        owned: [0; 1024],
    }));
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
