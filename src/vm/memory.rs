//! Linear memories: a reservation made once (so the base never moves), grown in place.
//!
//! Both tiers check every access against the current length (no guard pages), so a
//! memory reserves only what it may grow to: its maximum, capped by
//! `Config::memory_reservation` (but never less than its minimum). Compiled code keeps
//! the base across calls, so a memory is never moved: growing past the reservation fails
//! (`memory.grow` returns -1), as the spec allows.

use super::VmSafe;
use crate::module::MemoryType;
use anyhow::{Result, bail};

/// Size of a wasm page.
pub const WASM_PAGE_SIZE: usize = 65536;
/// Pages in a 32-bit memory's full index space.
const MAX_PAGES_32: u64 = 65536;

/// Default of `Config::memory_reservation`: 1 GiB, so several memories without a
/// maximum fit in a process under an address-space limit (7 under 8 GB), while a program
/// can still grow one to 16384 pages.
pub const DEFAULT_MEMORY_RESERVATION: usize = 1 << 30;

/// The pages a memory of type `ty` may reach with `reservation` bytes of address space:
/// its maximum (or the 32-bit index space) capped by the reservation, but at least its
/// minimum.
pub fn reachable_pages(ty: &MemoryType, reservation: usize) -> Result<u64> {
    let max_pages = ty.maximum.unwrap_or(MAX_PAGES_32).min(MAX_PAGES_32);
    if ty.minimum > max_pages {
        bail!("memory minimum of {} pages exceeds the maximum", ty.minimum);
    }
    let reserved = (reservation / WASM_PAGE_SIZE) as u64;
    Ok(max_pages.min(reserved).max(ty.minimum))
}

/// What running code reads to access a memory: base address and current size in bytes.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory.
    pub base: *mut u8,
    /// Accessible bytes.
    pub current_length: usize,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMMemoryDefinition {}

#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMMemoryDefinition {
    /// Offset of `base`.
    pub const BASE: usize = core::mem::offset_of!(VMMemoryDefinition, base);
    /// Offset of `current_length`.
    pub const CURRENT_LENGTH: usize = core::mem::offset_of!(VMMemoryDefinition, current_length);
}

/// A linear memory. `def` is the first field, so a pointer to the `VMMemoryDefinition`
/// stored in a `VMContext` is also a pointer to the `Memory` (same allocation).
#[repr(C)]
pub struct Memory {
    /// Read by running code.
    pub def: VMMemoryDefinition,
    ty: MemoryType,
    /// Pages it may grow to (see [`reachable_pages`]).
    reach: u64,
    storage: Storage,
}
// SAFETY: repr(C); running code only reads `def`.
unsafe impl VmSafe for Memory {}

enum Storage {
    /// Reserved address space; `committed` bytes are read-write.
    #[cfg(not(miri))]
    Reserved {
        _allocation: region::Allocation,
        committed: usize,
    },
    /// A heap buffer (Miri cannot map memory): grows by reallocation.
    #[cfg(miri)]
    Heap { layout: std::alloc::Layout },
}

impl Memory {
    /// Creates a memory of `ty.minimum` pages, able to grow as far as
    /// [`reachable_pages`] says for `reservation` bytes.
    pub fn new(ty: MemoryType, reservation: usize) -> Result<Memory> {
        let reach = reachable_pages(&ty, reservation)?;
        let initial = ty.minimum as usize * WASM_PAGE_SIZE;
        #[cfg(not(miri))]
        {
            // Reserve the whole reachable range up front so the base never moves; at
            // least one page so the base is a real mapping even for empty memories.
            let reserve = (reach as usize * WASM_PAGE_SIZE).max(WASM_PAGE_SIZE);
            let mut allocation = region::alloc(reserve, region::Protection::NONE)
                .map_err(|e| anyhow::anyhow!("cannot reserve {reserve} bytes for a memory: {e}"))?;
            let base = allocation.as_mut_ptr::<u8>();
            if initial > 0 {
                // SAFETY: `base..base+initial` lies inside the reservation just made.
                unsafe { region::protect(base, initial, region::Protection::READ_WRITE) }
                    .map_err(|e| anyhow::anyhow!("cannot commit {initial} bytes of memory: {e}"))?;
            }
            Ok(Memory {
                def: VMMemoryDefinition {
                    base,
                    current_length: initial,
                },
                ty,
                reach,
                storage: Storage::Reserved {
                    _allocation: allocation,
                    committed: initial,
                },
            })
        }
        #[cfg(miri)]
        {
            let layout = std::alloc::Layout::from_size_align(initial.max(16), 16)?;
            // SAFETY: the layout has a non-zero size.
            let base = unsafe { std::alloc::alloc_zeroed(layout) };
            if base.is_null() {
                bail!("cannot allocate {initial} bytes of memory");
            }
            Ok(Memory {
                def: VMMemoryDefinition {
                    base,
                    current_length: initial,
                },
                ty,
                reach,
                storage: Storage::Heap { layout },
            })
        }
    }

    /// The memory's type, with its current size as minimum.
    pub fn ty(&self) -> MemoryType {
        MemoryType {
            minimum: self.pages(),
            ..self.ty
        }
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        (self.def.current_length / WASM_PAGE_SIZE) as u64
    }

    /// Current size in bytes.
    pub fn byte_len(&self) -> usize {
        self.def.current_length
    }

    /// Pages the memory may grow to: its maximum, capped by its reservation.
    #[cfg(test)]
    pub fn reachable_pages(&self) -> u64 {
        self.reach
    }

    /// `memory.grow`: the previous size in pages, or `None` if it cannot grow (past its
    /// maximum or its reservation).
    pub fn grow(&mut self, delta_pages: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta_pages).filter(|&n| n <= self.reach)?;
        if delta_pages == 0 {
            return Some(old);
        }
        let new_len = new as usize * WASM_PAGE_SIZE;
        match &mut self.storage {
            #[cfg(not(miri))]
            Storage::Reserved { committed, .. } => {
                // SAFETY: `new_len <= reach * page`, which is inside the reservation.
                unsafe {
                    region::protect(
                        self.def.base.add(*committed),
                        new_len - *committed,
                        region::Protection::READ_WRITE,
                    )
                }
                .ok()?;
                *committed = new_len;
            }
            #[cfg(miri)]
            Storage::Heap { layout } => {
                // SAFETY: `base` was allocated with `layout`; the new size is non-zero.
                let base = unsafe { std::alloc::realloc(self.def.base, *layout, new_len) };
                if base.is_null() {
                    return None;
                }
                // SAFETY: the grown tail is inside the new allocation.
                unsafe {
                    base.add(self.def.current_length)
                        .write_bytes(0, new_len - self.def.current_length)
                };
                *layout = std::alloc::Layout::from_size_align(new_len, 16).ok()?;
                self.def.base = base;
            }
        }
        self.def.current_length = new_len;
        Some(old)
    }

    /// The bytes of the memory.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `base..base+current_length` is committed and owned by this memory.
        unsafe { core::slice::from_raw_parts(self.def.base, self.def.current_length) }
    }

    /// The bytes of the memory, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as `data`, and `&mut self` gives exclusive access.
        unsafe { core::slice::from_raw_parts_mut(self.def.base, self.def.current_length) }
    }

    /// `memory.fill`.
    ///
    /// # Safety
    /// `mem` must point to a live memory, not borrowed elsewhere.
    pub unsafe fn fill(mem: *mut Memory, dst: u64, val: u8, len: u64) -> Result<(), super::Trap> {
        // SAFETY: the caller guarantees `mem` is live.
        let def = unsafe { &(*mem).def };
        let end = dst.checked_add(len).ok_or(super::Trap::MemoryOutOfBounds)?;
        if end > def.current_length as u64 {
            return Err(super::Trap::MemoryOutOfBounds);
        }
        // SAFETY: bounds checked above.
        unsafe { def.base.add(dst as usize).write_bytes(val, len as usize) };
        Ok(())
    }

    /// `memory.copy` between two memories (possibly the same one).
    ///
    /// # Safety
    /// Both pointers must point to live memories.
    pub unsafe fn copy(
        dst_mem: *mut Memory,
        dst: u64,
        src_mem: *mut Memory,
        src: u64,
        len: u64,
    ) -> Result<(), super::Trap> {
        // SAFETY: the caller guarantees both are live.
        let (d, s) = unsafe { (&(*dst_mem).def, &(*src_mem).def) };
        let dend = dst.checked_add(len).ok_or(super::Trap::MemoryOutOfBounds)?;
        let send = src.checked_add(len).ok_or(super::Trap::MemoryOutOfBounds)?;
        if dend > d.current_length as u64 || send > s.current_length as u64 {
            return Err(super::Trap::MemoryOutOfBounds);
        }
        // SAFETY: bounds checked; `copy` handles overlap.
        unsafe {
            core::ptr::copy(
                s.base.add(src as usize),
                d.base.add(dst as usize),
                len as usize,
            )
        };
        Ok(())
    }

    /// Copies `bytes[src..src+len]` to `dst` (`memory.init`, data segments).
    ///
    /// # Safety
    /// `mem` must point to a live memory.
    pub unsafe fn init(
        mem: *mut Memory,
        dst: u64,
        bytes: &[u8],
        src: u64,
        len: u64,
    ) -> Result<(), super::Trap> {
        // SAFETY: the caller guarantees `mem` is live.
        let def = unsafe { &(*mem).def };
        let send = src.checked_add(len).ok_or(super::Trap::MemoryOutOfBounds)?;
        let dend = dst.checked_add(len).ok_or(super::Trap::MemoryOutOfBounds)?;
        if send > bytes.len() as u64 || dend > def.current_length as u64 {
            return Err(super::Trap::MemoryOutOfBounds);
        }
        // SAFETY: bounds checked; the segment bytes never alias linear memory.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr().add(src as usize),
                def.base.add(dst as usize),
                len as usize,
            )
        };
        Ok(())
    }
}

#[cfg(miri)]
impl Drop for Memory {
    fn drop(&mut self) {
        let Storage::Heap { layout } = self.storage;
        // SAFETY: allocated with this layout in `new`/`grow`.
        unsafe { std::alloc::dealloc(self.def.base, layout) };
    }
}

// SAFETY: the memory owns its mapping; it moves between threads with its store.
unsafe impl Send for Memory {}
// SAFETY: shared access only reads.
unsafe impl Sync for Memory {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_in_place_within_maximum() {
        let mut m = Memory::new(MemoryType::new(1, Some(3)), DEFAULT_MEMORY_RESERVATION).unwrap();
        let base = m.def.base;
        m.data_mut()[65535] = 7;
        assert_eq!(m.grow(1), Some(1));
        assert_eq!(m.pages(), 2);
        assert_eq!(m.data()[65535], 7);
        assert_eq!(m.data()[65536 + 10], 0);
        assert_eq!(m.grow(2), None);
        assert_eq!(m.grow(0), Some(2));
        #[cfg(not(miri))]
        assert_eq!(base, m.def.base);
        let _ = base;
    }

    #[test]
    fn reservation_caps_what_a_memory_can_reach() {
        const P: usize = WASM_PAGE_SIZE;
        let reach =
            |min, max, reservation| reachable_pages(&MemoryType::new(min, max), reservation);
        // No maximum: the reservation decides (whole pages only).
        assert_eq!(reach(1, None, 10 * P).unwrap(), 10);
        assert_eq!(reach(1, None, 10 * P + P / 2).unwrap(), 10);
        assert_eq!(reach(0, None, DEFAULT_MEMORY_RESERVATION).unwrap(), 16384);
        // A smaller maximum reserves only the maximum.
        assert_eq!(reach(1, Some(3), 10 * P).unwrap(), 3);
        // Never beyond the 32-bit index space, whatever the reservation.
        assert_eq!(reach(1, None, usize::MAX).unwrap(), MAX_PAGES_32);
        assert_eq!(reach(1, Some(1 << 20), usize::MAX).unwrap(), MAX_PAGES_32);
        // The minimum is always there, even past the reservation.
        assert_eq!(reach(20, None, 10 * P).unwrap(), 20);
        assert_eq!(reach(2, Some(5), 0).unwrap(), 2);
        assert!(reach(5, Some(2), 10 * P).is_err());
    }

    #[test]
    fn grow_stops_at_the_reservation() {
        let mut m = Memory::new(MemoryType::new(1, None), 3 * WASM_PAGE_SIZE).unwrap();
        assert_eq!(m.reachable_pages(), 3);
        assert_eq!(m.grow(2), Some(1));
        m.data_mut()[3 * WASM_PAGE_SIZE - 1] = 9;
        assert_eq!(m.grow(1), None);
        assert_eq!(m.pages(), 3);
        assert_eq!(m.ty().maximum, None, "the type keeps its declared maximum");
        let big = Memory::new(MemoryType::new(4, None), WASM_PAGE_SIZE).unwrap();
        assert_eq!((big.pages(), big.reachable_pages()), (4, 4));
    }

    #[test]
    fn bulk_ops_check_bounds() {
        let mut m = Memory::new(MemoryType::new(1, None), DEFAULT_MEMORY_RESERVATION).unwrap();
        let p: *mut Memory = &mut m;
        // SAFETY: `p` points at `m`, alive for the whole test.
        unsafe {
            Memory::fill(p, 10, 0xAB, 4).unwrap();
            Memory::copy(p, 100, p, 10, 4).unwrap();
            assert_eq!(
                Memory::fill(p, 65535, 0, 2),
                Err(crate::vm::Trap::MemoryOutOfBounds)
            );
            Memory::init(p, 0, b"hello", 1, 4).unwrap();
            assert_eq!(
                Memory::init(p, 0, b"hello", 3, 4),
                Err(crate::vm::Trap::MemoryOutOfBounds)
            );
        }
        assert_eq!(&m.data()[100..104], &[0xAB; 4]);
        assert_eq!(&m.data()[0..4], b"ello");
    }
}
