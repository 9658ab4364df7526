//! What both guests share: a bump allocator (with the canonical ABI's `cabi_realloc`)
//! and a panic handler, so that they need no WASI.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};

/// Allocates upwards from the end of the initial memory; never frees (calls are short).
pub struct Bump;

static mut NEXT: usize = 0;

// SAFETY: single-threaded wasm; the returned blocks are fresh and aligned.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: wasm32 is single-threaded, so the static is not shared.
        unsafe {
            let size = core::arch::wasm32::memory_size(0) * 65536;
            if NEXT == 0 {
                NEXT = size;
            }
            let start = (NEXT + l.align() - 1) & !(l.align() - 1);
            let end = start + l.size();
            if end > size && core::arch::wasm32::memory_grow(0, (end - size).div_ceil(65536)) == usize::MAX {
                return core::ptr::null_mut();
            }
            NEXT = end;
            start as *mut u8
        }
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator, called by every lift and lower that needs memory.
///
/// # Safety
/// Called by the runtime with a valid old block (or null) and a power-of-two `align`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    // SAFETY: forwarded to the caller.
    unsafe {
        let new = ALLOC.alloc(Layout::from_size_align_unchecked(new_len.max(1), align));
        if !old.is_null() && !new.is_null() {
            core::ptr::copy_nonoverlapping(old, new, old_len.min(new_len));
        }
        new
    }
}
