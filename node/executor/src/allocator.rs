//! The heap allocator the host runs for the Wasm runtime, inside the instance's memory.
//!
//! Blocks are powers of two from 16 bytes to 32 MiB, each behind a 16-byte header
//! holding its size class (and, while free, the next free block of that class).
//! Freed blocks go to a free list per class; new ones are bumped from the top of
//! the heap, growing the memory when needed. Every header read back from memory
//! is checked: the runtime can scribble over its memory, and that must end in an
//! error, never in a host panic or an out-of-bounds access.

use wasmtime::{AsContextMut, Memory};

/// The smallest block: 16 bytes. With 16-byte headers every block is 16-byte aligned, as
/// `u128` (the balance type) needs on wasm32.
const MIN_BLOCK_LOG2: u32 = 4;
/// The largest block: 32 MiB.
const MAX_BLOCK_LOG2: u32 = 25;
const CLASSES: usize = (MAX_BLOCK_LOG2 - MIN_BLOCK_LOG2 + 1) as usize;
const HEADER: u32 = 16;
const OCCUPIED: u64 = 1 << 32;
const PAGE: u64 = 65_536;

/// Why an allocation or free failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocatorError {
    /// More than 32 MiB at once.
    #[error("allocation of {0} bytes exceeds the 32 MiB maximum")]
    TooLarge(u32),
    /// The memory limit is reached.
    #[error("out of memory: the runtime's heap reached its limit")]
    OutOfMemory,
    /// Freeing a pointer that is not a live allocation, or a corrupted header.
    #[error("invalid free of 0x{0:x}: not a live allocation")]
    InvalidFree(u32),
    /// The runtime overwrote the allocator's bookkeeping in its memory.
    #[error("the runtime corrupted its heap")]
    Corrupted,
}

/// The allocator's state for one instance.
pub struct HeapAllocator {
    bump: u32,
    free_lists: [u32; CLASSES],
    max_pages: u64,
}

fn class_of(size: u32) -> Result<usize, AllocatorError> {
    // Checked before rounding up: a size above 2^31 has no power of two in u32.
    if size > (1 << MAX_BLOCK_LOG2) {
        return Err(AllocatorError::TooLarge(size));
    }
    let log2 = size.max(1 << MIN_BLOCK_LOG2).next_power_of_two().trailing_zeros();
    Ok((log2 - MIN_BLOCK_LOG2) as usize)
}

fn read_u64(memory: &Memory, store: impl wasmtime::AsContext, at: u32) -> Option<u64> {
    let mut bytes = [0u8; 8];
    memory.read(store, at as usize, &mut bytes).ok()?;
    Some(u64::from_le_bytes(bytes))
}

fn write_u64(memory: &Memory, store: impl AsContextMut, at: u32, value: u64) -> Option<()> {
    memory.write(store, at as usize, &value.to_le_bytes()).ok()
}

impl HeapAllocator {
    /// A heap starting at `heap_base` (16-byte aligned up), growing to at most `max_pages`.
    pub fn new(heap_base: u32, max_pages: u64) -> Self {
        HeapAllocator { bump: heap_base.next_multiple_of(16), free_lists: [0; CLASSES], max_pages }
    }

    /// Allocates `size` bytes, returning the address of the block.
    pub fn allocate(
        &mut self,
        memory: &Memory,
        mut store: impl AsContextMut,
        size: u32,
    ) -> Result<u32, AllocatorError> {
        let class = class_of(size)?;
        let head = self.free_lists[class];
        if head != 0 {
            // Reuse a freed block; its header links to the next free one.
            let header = read_u64(memory, &store, head).ok_or(AllocatorError::Corrupted)?;
            let next = header as u32;
            if header >> 32 != 0 || (next != 0 && next >= self.bump) {
                return Err(AllocatorError::Corrupted);
            }
            self.free_lists[class] = next;
            write_u64(memory, &mut store, head, OCCUPIED | class as u64)
                .ok_or(AllocatorError::OutOfMemory)?;
            return Ok(head + HEADER);
        }
        let block = 1u64 << (class as u32 + MIN_BLOCK_LOG2);
        let header_at = u64::from(self.bump);
        let end = header_at + u64::from(HEADER) + block;
        if end > u64::from(u32::MAX) {
            return Err(AllocatorError::OutOfMemory);
        }
        let have = memory.data_size(&store) as u64;
        if end > have {
            let needed_pages = (end - have).div_ceil(PAGE);
            let current_pages = have / PAGE;
            if current_pages + needed_pages > self.max_pages {
                return Err(AllocatorError::OutOfMemory);
            }
            memory.grow(&mut store, needed_pages).map_err(|_| AllocatorError::OutOfMemory)?;
        }
        write_u64(memory, &mut store, header_at as u32, OCCUPIED | class as u64)
            .ok_or(AllocatorError::OutOfMemory)?;
        self.bump = end as u32;
        Ok(header_at as u32 + HEADER)
    }

    /// Frees the block at `ptr`.
    pub fn deallocate(
        &mut self,
        memory: &Memory,
        mut store: impl AsContextMut,
        ptr: u32,
    ) -> Result<(), AllocatorError> {
        let invalid = || AllocatorError::InvalidFree(ptr);
        let header_at = ptr.checked_sub(HEADER).ok_or_else(invalid)?;
        if header_at >= self.bump {
            return Err(invalid());
        }
        let header = read_u64(memory, &store, header_at).ok_or_else(invalid)?;
        let class = (header & 0xffff_ffff) as usize;
        if header & OCCUPIED == 0 || header >> 33 != 0 || class >= CLASSES {
            return Err(invalid());
        }
        write_u64(memory, &mut store, header_at, u64::from(self.free_lists[class]))
            .ok_or_else(invalid)?;
        self.free_lists[class] = header_at;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, MemoryType, Store};

    fn memory(pages: u32) -> (Store<()>, Memory) {
        let mut store = Store::new(&Engine::default(), ());
        let memory = Memory::new(&mut store, MemoryType::new(pages, None)).unwrap();
        (store, memory)
    }

    #[test]
    fn blocks_are_reused_by_size_class() {
        let (mut store, memory) = memory(1);
        let mut heap = HeapAllocator::new(1_000, 16);
        let a = heap.allocate(&memory, &mut store, 10).unwrap();
        let b = heap.allocate(&memory, &mut store, 10).unwrap();
        assert_ne!(a, b);
        assert_eq!(a % 16, 0);
        heap.deallocate(&memory, &mut store, a).unwrap();
        assert_eq!(heap.allocate(&memory, &mut store, 16).unwrap(), a);
        // A different class comes from the bump pointer.
        let c = heap.allocate(&memory, &mut store, 100).unwrap();
        assert!(c > b);
    }

    #[test]
    fn memory_grows_up_to_the_limit() {
        let (mut store, memory) = memory(1);
        let mut heap = HeapAllocator::new(0, 4);
        assert!(heap.allocate(&memory, &mut store, 100_000).is_ok());
        assert_eq!(memory.data_size(&store) as u64 / PAGE, 3);
        assert_eq!(heap.allocate(&memory, &mut store, 200_000), Err(AllocatorError::OutOfMemory));
        assert_eq!(
            heap.allocate(&memory, &mut store, 64 << 20),
            Err(AllocatorError::TooLarge(64 << 20))
        );
        // Sizes with no power of two in u32 (found by the host_functions fuzz target).
        for size in [(1 << 31) + 1, u32::MAX] {
            assert_eq!(
                heap.allocate(&memory, &mut store, size),
                Err(AllocatorError::TooLarge(size))
            );
        }
    }

    #[test]
    fn bad_frees_are_errors() {
        let (mut store, memory) = memory(1);
        let mut heap = HeapAllocator::new(64, 1);
        let a = heap.allocate(&memory, &mut store, 8).unwrap();
        heap.deallocate(&memory, &mut store, a).unwrap();
        assert_eq!(heap.deallocate(&memory, &mut store, a), Err(AllocatorError::InvalidFree(a)));
        assert!(heap.deallocate(&memory, &mut store, 4).is_err());
        assert!(heap.deallocate(&memory, &mut store, 60_000).is_err());
        // A header the runtime overwrote is refused.
        let b = heap.allocate(&memory, &mut store, 8).unwrap();
        memory.write(&mut store, (b - 16) as usize, &[0xff; 8]).unwrap();
        assert!(heap.deallocate(&memory, &mut store, b).is_err());
    }
}
