//! The host functions the runtime imports, under Substrate's names and signatures.
//!
//! Slices travel as one `u64` packing `len << 32 | ptr`; fixed-size outputs as a pointer
//! to a block the host allocated in the runtime's heap. Every pointer the runtime passes
//! is bounds-checked; a bad one ends the call with an error.

use std::sync::Arc;

use codec::{Decode, Encode};
use dfs_core::{ed25519, sr25519, StateVersion};
use dfs_io::state::Externalities;
use wasmtime::{AsContextMut, Caller, Linker, Memory, StoreLimits};

use crate::{
    allocator::{AllocatorError, HeapAllocator},
    verified::VerifiedSignatures,
};

/// Why a host function ended the call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The heap is exhausted.
    #[error("out of memory")]
    OutOfMemory,
    /// The runtime passed a pointer or length outside its memory.
    #[error("the runtime passed a pointer outside its memory")]
    OutOfBounds,
    /// The runtime's heap bookkeeping is broken, or it freed a bad pointer.
    #[error("allocator: {0}")]
    Allocator(String),
    /// An argument does not decode.
    #[error("invalid argument to {0}")]
    InvalidArgument(&'static str),
    /// A host function was called outside of a call (no externalities).
    #[error("no externalities")]
    NoExternalities,
}

/// Per-call state of an instance.
pub struct HostState {
    pub heap: Option<HeapAllocator>,
    pub memory: Option<Memory>,
    pub limits: StoreLimits,
    /// The first error a host function raised, for a precise report after the trap.
    pub error: Option<HostError>,
    /// Signatures queued for batch verification, while a batch is open.
    pub batch: Option<dfs_io::signature_batch::SignatureBatch>,
    /// The last error the runtime logged (a panic message, a failed API call), to explain
    /// a trap.
    pub last_error_log: Option<String>,
    /// Signatures found valid by earlier calls.
    pub verified: Arc<VerifiedSignatures>,
}

impl HostState {
    pub fn new(limits: StoreLimits, verified: Arc<VerifiedSignatures>) -> Self {
        HostState {
            heap: None,
            memory: None,
            limits,
            error: None,
            batch: None,
            last_error_log: None,
            verified,
        }
    }
}

type HostResult<T> = Result<T, wasmtime::Error>;

fn fail<T>(caller: &mut Caller<'_, HostState>, error: HostError) -> HostResult<T> {
    let message = error.to_string();
    caller.data_mut().error.get_or_insert(error);
    Err(wasmtime::Error::msg(message))
}

fn memory(caller: &mut Caller<'_, HostState>) -> HostResult<Memory> {
    match caller.data().memory {
        Some(memory) => Ok(memory),
        None => fail(caller, HostError::OutOfBounds),
    }
}

/// Allocates `size` bytes in the runtime's heap.
pub fn allocate(
    mut store: impl AsContextMut<Data = HostState>,
    size: u32,
) -> Result<u32, HostError> {
    let mut context = store.as_context_mut();
    let memory = context.data().memory.ok_or(HostError::OutOfBounds)?;
    let mut heap = context.data_mut().heap.take().ok_or(HostError::OutOfBounds)?;
    let result = heap.allocate(&memory, &mut context, size);
    context.data_mut().heap = Some(heap);
    result.map_err(|error| match error {
        AllocatorError::OutOfMemory | AllocatorError::TooLarge(_) => HostError::OutOfMemory,
        other => HostError::Allocator(other.to_string()),
    })
}

fn deallocate(caller: &mut Caller<'_, HostState>, ptr: u32) -> HostResult<()> {
    let memory = memory(caller)?;
    let Some(mut heap) = caller.data_mut().heap.take() else {
        return fail(caller, HostError::OutOfBounds);
    };
    let result = heap.deallocate(&memory, &mut *caller, ptr);
    caller.data_mut().heap = Some(heap);
    match result {
        Ok(()) => Ok(()),
        Err(error) => fail(caller, HostError::Allocator(error.to_string())),
    }
}

/// The pointer and length a slice argument packs as `len << 32 | ptr`.
fn unpack(packed: u64) -> (usize, usize) {
    ((packed & 0xffff_ffff) as usize, (packed >> 32) as usize)
}

/// Copies the slice `len << 32 | ptr` out of the runtime's memory.
fn read(caller: &mut Caller<'_, HostState>, packed: u64) -> HostResult<Vec<u8>> {
    let memory = memory(caller)?;
    let (ptr, len) = unpack(packed);
    match memory.data(&*caller).get(ptr..ptr + len) {
        Some(bytes) => Ok(bytes.to_vec()),
        None => fail(caller, HostError::OutOfBounds),
    }
}

/// Runs `f` on the externalities with slices `packed` (each `len << 32 | ptr`) of the
/// runtime's memory, borrowed in place: storage calls are the runtime's most frequent, and
/// copying their keys and values out first would cost an allocation each.
fn with_slices<const N: usize, R>(
    caller: &mut Caller<'_, HostState>,
    packed: [u64; N],
    f: impl FnOnce([&[u8]; N], &mut dyn Externalities) -> R,
) -> HostResult<R> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    let mut slices: [&[u8]; N] = [&[]; N];
    for (slice, packed) in slices.iter_mut().zip(packed) {
        let (ptr, len) = unpack(packed);
        match data.get(ptr..ptr + len) {
            Some(bytes) => *slice = bytes,
            None => return fail(caller, HostError::OutOfBounds),
        }
    }
    match dfs_io::externalities::with_externalities(|ext| f(slices, ext)) {
        Some(result) => Ok(result),
        None => fail(caller, HostError::NoExternalities),
    }
}

/// Writes `value` SCALE-encoded as an `Option<Vec<u8>>` into a new heap block, without
/// building the encoding first; returns `len << 32 | ptr`.
fn write_option(caller: &mut Caller<'_, HostState>, value: Option<&[u8]>) -> HostResult<u64> {
    let Some(value) = value else { return write_slice(caller, &[0]) };
    let Ok(length) = u32::try_from(value.len()) else {
        return fail(caller, HostError::OutOfMemory);
    };
    // `Some`, the compact length (kept off the heap), the value.
    let (length, length_len) = compact_u32(length);
    let pieces: [&[u8]; 3] = [&[1], &length[..length_len], value];
    let ptr = write_pieces(caller, &pieces)?;
    Ok(((1 + length_len + value.len()) as u64) << 32 | u64::from(ptr))
}

/// SCALE's compact encoding of `n` (in the first bytes of the array) and its length,
/// without the allocation `Encode` makes.
fn compact_u32(n: u32) -> ([u8; 5], usize) {
    let mut out = [0u8; 5];
    let len = match n {
        0..=0x3f => {
            out[0] = (n as u8) << 2;
            1
        }
        0x40..=0x3fff => {
            out[..2].copy_from_slice(&(((n as u16) << 2) | 0b01).to_le_bytes());
            2
        }
        0x4000..=0x3fff_ffff => {
            out[..4].copy_from_slice(&((n << 2) | 0b10).to_le_bytes());
            4
        }
        _ => {
            out[0] = 0b11;
            out[1..5].copy_from_slice(&n.to_le_bytes());
            5
        }
    };
    (out, len)
}

fn read_array<const N: usize>(caller: &mut Caller<'_, HostState>, ptr: u32) -> HostResult<[u8; N]> {
    let bytes = read(caller, (N as u64) << 32 | u64::from(ptr))?;
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// Copies `bytes` into a new heap block; returns `len << 32 | ptr`.
fn write_slice(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> HostResult<u64> {
    let ptr = write_block(caller, bytes)?;
    Ok((bytes.len() as u64) << 32 | u64::from(ptr))
}

/// Copies `bytes` into a new heap block; returns its address.
fn write_block(caller: &mut Caller<'_, HostState>, bytes: &[u8]) -> HostResult<u32> {
    write_pieces(caller, &[bytes])
}

/// Copies `pieces`, one after another, into a new heap block; returns its address. (An
/// encoding can go in as its parts, without being assembled first.)
fn write_pieces(caller: &mut Caller<'_, HostState>, pieces: &[&[u8]]) -> HostResult<u32> {
    let total: usize = pieces.iter().map(|piece| piece.len()).sum();
    let Ok(size) = u32::try_from(total) else { return fail(caller, HostError::OutOfMemory) };
    let ptr = match allocate(&mut *caller, size) {
        Ok(ptr) => ptr,
        Err(error) => return fail(caller, error),
    };
    let memory = memory(caller)?;
    let mut at = ptr as usize;
    for piece in pieces {
        if memory.write(&mut *caller, at, piece).is_err() {
            return fail(caller, HostError::OutOfBounds);
        }
        at += piece.len();
    }
    Ok(ptr)
}

fn with_ext<R>(
    caller: &mut Caller<'_, HostState>,
    f: impl FnOnce(&mut dyn Externalities) -> R,
) -> HostResult<R> {
    match dfs_io::externalities::with_externalities(f) {
        Some(result) => Ok(result),
        None => fail(caller, HostError::NoExternalities),
    }
}

fn state_version(caller: &mut Caller<'_, HostState>, version: u32) -> HostResult<StateVersion> {
    match version {
        0 => Ok(StateVersion::V0),
        1 => Ok(StateVersion::V1),
        _ => fail(caller, HostError::InvalidArgument("state version")),
    }
}

/// Registers every host function with the linker.
pub fn define(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "env",
        "ext_allocator_malloc_version_1",
        |mut caller: Caller<'_, HostState>, size: u32| match allocate(&mut caller, size) {
            Ok(ptr) => Ok(ptr),
            Err(error) => fail(&mut caller, error),
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_allocator_free_version_1",
        |mut caller: Caller<'_, HostState>, ptr: u32| deallocate(&mut caller, ptr),
    )?;

    // Storage.
    linker.func_wrap(
        "env",
        "ext_storage_get_version_1",
        |mut caller: Caller<'_, HostState>, key: u64| {
            let value = with_slices(&mut caller, [key], |[key], ext| ext.storage(key))?;
            write_option(&mut caller, value.as_deref())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_read_version_1",
        |mut caller: Caller<'_, HostState>, key: u64, value_out: u64, offset: u32| {
            let (out_ptr, out_len) = unpack(value_out);
            let memory = memory(&mut caller)?;
            if memory.data(&caller).get(out_ptr..out_ptr + out_len).is_none() {
                return fail(&mut caller, HostError::OutOfBounds);
            }
            let read = with_slices(&mut caller, [key], |[key], ext| {
                ext.read_storage(key, offset, out_len)
            })?;
            let remaining = read.map(|(remaining, bytes)| {
                memory.data_mut(&mut caller)[out_ptr..out_ptr + bytes.len()]
                    .copy_from_slice(&bytes);
                remaining
            });
            write_slice(&mut caller, &remaining.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_set_version_1",
        |mut caller: Caller<'_, HostState>, key: u64, value: u64| {
            with_slices(&mut caller, [key, value], |[key, value], ext| {
                ext.set_storage(key, Some(value))
            })
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_version_1",
        |mut caller: Caller<'_, HostState>, key: u64| {
            with_slices(&mut caller, [key], |[key], ext| ext.set_storage(key, None))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_exists_version_1",
        |mut caller: Caller<'_, HostState>, key: u64| {
            with_slices(&mut caller, [key], |[key], ext| u32::from(ext.storage(key).is_some()))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_append_version_1",
        |mut caller: Caller<'_, HostState>, key: u64, item: u64| {
            with_slices(&mut caller, [key, item], |[key, item], ext| ext.append_storage(key, item))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_2",
        |mut caller: Caller<'_, HostState>, prefix: u64, limit: u64| {
            let prefix = read(&mut caller, prefix)?;
            let limit_bytes = read(&mut caller, limit)?;
            let Ok(limit) = Option::<u32>::decode(&mut &limit_bytes[..]) else {
                return fail(&mut caller, HostError::InvalidArgument("clear_prefix limit"));
            };
            let outcome = with_ext(&mut caller, |ext| ext.clear_prefix(&prefix, limit))?;
            // KillStorageResult: AllRemoved(u32) = 0, SomeRemaining(u32) = 1.
            let result = (u8::from(!outcome.complete), outcome.removed).encode();
            write_slice(&mut caller, &result)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_next_key_version_1",
        |mut caller: Caller<'_, HostState>, key: u64| {
            let key = read(&mut caller, key)?;
            let next = with_ext(&mut caller, |ext| ext.next_storage_key(&key))?;
            write_slice(&mut caller, &next.encode())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_root_version_2",
        |mut caller: Caller<'_, HostState>, version: u32| {
            let version = state_version(&mut caller, version)?;
            let root = with_ext(&mut caller, |ext| ext.storage_root(version))?;
            write_slice(&mut caller, &root.0)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_start_transaction_version_1",
        |mut caller: Caller<'_, HostState>| {
            with_ext(&mut caller, |ext| ext.start_transaction()).map(drop)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_rollback_transaction_version_1",
        |mut caller: Caller<'_, HostState>| {
            if !with_ext(&mut caller, |ext| ext.rollback_transaction())? {
                return fail(
                    &mut caller,
                    HostError::InvalidArgument("rollback without a transaction"),
                );
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_commit_transaction_version_1",
        |mut caller: Caller<'_, HostState>| {
            if !with_ext(&mut caller, |ext| ext.commit_transaction())? {
                return fail(
                    &mut caller,
                    HostError::InvalidArgument("commit without a transaction"),
                );
            }
            Ok(())
        },
    )?;

    // Hashing.
    macro_rules! hash_function {
        ($name:literal, $hash:path) => {
            linker.func_wrap("env", $name, |mut caller: Caller<'_, HostState>, data: u64| {
                let data = read(&mut caller, data)?;
                write_block(&mut caller, &$hash(&data))
            })?;
        };
    }
    hash_function!("ext_hashing_blake2_128_version_1", dfs_core::hashing::blake2_128);
    hash_function!("ext_hashing_blake2_256_version_1", dfs_core::hashing::blake2_256);
    hash_function!("ext_hashing_twox_64_version_1", dfs_core::hashing::twox_64);
    hash_function!("ext_hashing_twox_128_version_1", dfs_core::hashing::twox_128);
    hash_function!("ext_hashing_twox_256_version_1", dfs_core::hashing::twox_256);

    // Signatures.
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_verify_version_2",
        |mut caller: Caller<'_, HostState>, signature: u32, message: u64, public: u32| {
            let signature = sr25519::Signature(read_array::<64>(&mut caller, signature)?);
            let message = read(&mut caller, message)?;
            let public = sr25519::Public(read_array::<32>(&mut caller, public)?);
            Ok(u32::from(caller.data().verified.sr25519(&signature, &message, &public)))
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_ed25519_verify_version_1",
        |mut caller: Caller<'_, HostState>, signature: u32, message: u64, public: u32| {
            let signature = ed25519::Signature(read_array::<64>(&mut caller, signature)?);
            let message = read(&mut caller, message)?;
            let public = ed25519::Public(read_array::<32>(&mut caller, public)?);
            Ok(u32::from(caller.data().verified.ed25519(&signature, &message, &public)))
        },
    )?;

    // Batched verification: the runtime opens a batch before a block's extrinsics, the
    // `*_batch_verify` calls queue into it, and finishing verifies them all at once.
    linker.func_wrap(
        "env",
        "ext_crypto_start_batch_verify_version_1",
        |mut caller: Caller<'_, HostState>| {
            caller.data_mut().batch = Some(Default::default());
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_sr25519_batch_verify_version_1",
        |mut caller: Caller<'_, HostState>, signature: u32, message: u64, public: u32| {
            let signature = sr25519::Signature(read_array::<64>(&mut caller, signature)?);
            let message = read(&mut caller, message)?;
            let public = sr25519::Public(read_array::<32>(&mut caller, public)?);
            let state = caller.data_mut();
            Ok(match state.batch.as_mut() {
                // Known valid (the pool checked it): nothing left to verify.
                Some(_) if state.verified.knows_sr25519(&signature, &message, &public) => 1,
                Some(batch) => {
                    batch.push_sr25519(signature, message, public);
                    1
                }
                None => u32::from(state.verified.sr25519(&signature, &message, &public)),
            })
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_ed25519_batch_verify_version_1",
        |mut caller: Caller<'_, HostState>, signature: u32, message: u64, public: u32| {
            let signature = ed25519::Signature(read_array::<64>(&mut caller, signature)?);
            let message = read(&mut caller, message)?;
            let public = ed25519::Public(read_array::<32>(&mut caller, public)?);
            Ok(match caller.data_mut().batch.as_mut() {
                Some(batch) => {
                    batch.push_ed25519(signature, message, public);
                    1
                }
                None => u32::from(caller.data().verified.ed25519(&signature, &message, &public)),
            })
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_crypto_finish_batch_verify_version_1",
        |mut caller: Caller<'_, HostState>| {
            let batch = caller.data_mut().batch.take();
            u32::from(batch.is_some_and(|batch| batch.verify()))
        },
    )?;

    // Tries.
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_ordered_root_version_2",
        |mut caller: Caller<'_, HostState>, input: u64, version: u32| {
            let input = read(&mut caller, input)?;
            let version = state_version(&mut caller, version)?;
            let Ok(values) = Vec::<Vec<u8>>::decode(&mut &input[..]) else {
                return fail(&mut caller, HostError::InvalidArgument("ordered_root input"));
            };
            write_block(&mut caller, &dfs_trie::ordered_trie_root(version, values).0)
        },
    )?;

    // Logging and misc.
    linker.func_wrap(
        "env",
        "ext_logging_log_version_1",
        |mut caller: Caller<'_, HostState>, level: u32, target: u64, message: u64| {
            let target = read(&mut caller, target)?;
            let message = read(&mut caller, message)?;
            let target = String::from_utf8_lossy(&target);
            let message = String::from_utf8_lossy(&message);
            if level == 1 {
                caller.data_mut().last_error_log = Some(format!("{target}: {message}"));
            }
            match level {
                1 => tracing::error!(target: "runtime", %target, "{message}"),
                2 => tracing::warn!(target: "runtime", %target, "{message}"),
                3 => tracing::info!(target: "runtime", %target, "{message}"),
                4 => tracing::debug!(target: "runtime", %target, "{message}"),
                _ => tracing::trace!(target: "runtime", %target, "{message}"),
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_logging_max_level_version_1",
        |_: Caller<'_, HostState>| -> u32 {
            // Off = 0 … Trace = 5, as the host's filter allows.
            if tracing::enabled!(target: "runtime", tracing::Level::TRACE) {
                5
            } else if tracing::enabled!(target: "runtime", tracing::Level::DEBUG) {
                4
            } else {
                3
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_runtime_version_version_1",
        |mut caller: Caller<'_, HostState>, code: u64| {
            let code = read(&mut caller, code)?;
            let version = dfs_io::wasm_sections::custom_section(
                &code,
                dfs_io::wasm_sections::RUNTIME_VERSION_SECTION,
            )
            .map(<[u8]>::to_vec);
            write_slice(&mut caller, &version.encode())
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_lengths_match_scale() {
        for n in [0, 1, 63, 64, 16_383, 16_384, (1 << 30) - 1, 1 << 30, u32::MAX] {
            let (bytes, len) = compact_u32(n);
            assert_eq!(&bytes[..len], &codec::Compact(n).encode()[..], "{n}");
        }
    }
}
