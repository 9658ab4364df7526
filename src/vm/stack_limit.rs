//! The native stack limit of running wasm, one for both tiers: `Config::max_wasm_stack`
//! below the outermost host → wasm entry, but never closer than [`HOST_STACK_RESERVE`]
//! plus the largest compiled frame to the end of the calling thread's real stack
//! (queried, not assumed), so runaway recursion traps with `StackOverflow` instead of
//! hitting the guard page and aborting. (A compiled function checks the limit after its
//! frame is allocated, so its frame may reach below the limit.)
//! Host → wasm re-entries are also counted ([`MAX_HOST_DEPTH`]), the same on both tiers.

use std::cell::Cell;

/// Native stack kept free below the limit: for a host function called by wasm at the
/// limit, the trap path, and the Rust frames of a re-entry that is then refused.
pub const HOST_STACK_RESERVE: usize = 64 << 10;

/// Native stack wasm may use when the thread's stack cannot be queried (an unsupported
/// platform): what the smallest common thread stacks still have room for.
pub const UNKNOWN_THREAD_BUDGET: usize = 512 << 10;

/// Host → wasm entries that may be active at once in a store (a host function calling
/// wasm that calls the host ...); the next one traps with `StackOverflow`.
pub const MAX_HOST_DEPTH: u32 = 500;

/// An approximation of the native stack pointer: the address of a local.
#[inline(always)]
pub fn native_sp() -> usize {
    let marker = 0u8;
    core::hint::black_box(&marker as *const u8).addr()
}

/// The stack limit for wasm entered from the host at `sp` on the current thread with
/// `max_wasm_stack`, when compiled frames are at most `largest_frame` bytes; `None` when
/// the thread has no room left at all (the entry must trap).
pub fn wasm_stack_limit(sp: usize, max_wasm_stack: usize, largest_frame: usize) -> Option<usize> {
    if cfg!(miri) {
        // Miri has no native stack to overflow (nor meaningful local addresses): only
        // the re-entry count bounds recursion through the host.
        return Some(0);
    }
    let thread_end = thread_stack_end(sp);
    limit_for(
        sp,
        max_wasm_stack,
        thread_end.map(|end| end.saturating_add(largest_frame)),
    )
}

thread_local! {
    /// The end of the stack this thread last queried, and the highest stack pointer seen
    /// on that stack since; `(0, 0)` before the first query.
    static KNOWN_STACK: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// The lowest address of the stack `sp` is on. The query costs about as much as a call
/// into wasm, so its answer is kept per thread and reused while `sp` lies between that
/// end and a stack pointer seen above it (memory of this thread's stack all along); a
/// stack pointer elsewhere (a stack switched to by `stacker::grow`, a coroutine) asks
/// again.
fn thread_stack_end(sp: usize) -> Option<usize> {
    KNOWN_STACK.with(|known| {
        let (end, high) = known.get();
        if end < sp && sp <= high {
            return Some(end);
        }
        let new_end = native_sp().checked_sub(stacker::remaining_stack()?)?;
        // The query is relative to its own stack pointer: a few bytes off each time.
        let same_stack = new_end.abs_diff(end) < 4096;
        known.set(if same_stack {
            (end, high.max(sp))
        } else {
            (new_end, sp)
        });
        Some(if same_stack { end } else { new_end })
    })
}

/// [`wasm_stack_limit`] given the lowest address a frame may start at (the end of the
/// thread's stack plus the largest frame), if known.
fn limit_for(sp: usize, max_wasm_stack: usize, thread_end: Option<usize>) -> Option<usize> {
    match thread_end {
        Some(end) => {
            let floor = end.checked_add(HOST_STACK_RESERVE)?;
            (sp > floor).then(|| sp.saturating_sub(max_wasm_stack).max(floor))
        }
        None => Some(sp.saturating_sub(max_wasm_stack.min(UNKNOWN_THREAD_BUDGET))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    #[test]
    fn the_configured_budget_applies_when_the_thread_has_more() {
        let end = 0x7000_0000;
        let sp = end + 8 * MIB;
        assert_eq!(limit_for(sp, MIB, Some(end)), Some(sp - MIB));
    }

    #[test]
    fn the_thread_end_minus_the_reserve_caps_a_larger_budget() {
        let end = 0x7000_0000;
        let sp = end + 256 * 1024;
        let floor = end + HOST_STACK_RESERVE;
        assert_eq!(limit_for(sp, MIB, Some(end)), Some(floor));
        assert_eq!(limit_for(sp, usize::MAX, Some(end)), Some(floor));
    }

    #[test]
    fn no_room_left_means_no_limit_to_run_with() {
        let end = 0x7000_0000;
        assert_eq!(limit_for(end + HOST_STACK_RESERVE, MIB, Some(end)), None);
        assert_eq!(limit_for(end + 100, MIB, Some(end)), None);
        assert_eq!(limit_for(100, MIB, Some(usize::MAX - 10)), None);
    }

    #[test]
    fn an_unknown_thread_gets_a_modest_budget() {
        let sp = 64 * MIB;
        assert_eq!(limit_for(sp, MIB, None), Some(sp - UNKNOWN_THREAD_BUDGET));
        assert_eq!(limit_for(sp, 4096, None), Some(sp - 4096));
        assert_eq!(limit_for(100, MIB, None), Some(0));
    }

    #[test]
    fn the_stack_end_is_kept_per_thread() {
        let here = thread_stack_end(native_sp());
        assert_eq!(thread_stack_end(native_sp()), here);
        // Deeper on the same stack: the same end, without asking again.
        assert_eq!(thread_stack_end(native_sp() - 4096), here);
        let there = std::thread::spawn(|| thread_stack_end(native_sp()))
            .join()
            .unwrap();
        if here.is_some() {
            assert_ne!(there, here, "another thread, another stack");
        }
    }

    #[test]
    fn the_current_thread_is_queried() {
        let sp = native_sp();
        let limit = wasm_stack_limit(sp, usize::MAX, 0).expect("room on a test thread");
        if !cfg!(miri) {
            // Far below `sp`, but not below the thread's stack: a test thread has a few
            // MiB at most.
            assert!(limit < sp && sp - limit < 64 * MIB, "{sp:#x} {limit:#x}");
            // A large frame moves the limit up by its size.
            let framed = wasm_stack_limit(sp, usize::MAX, 100_000).unwrap();
            assert!(
                framed.abs_diff(limit + 100_000) < 4096,
                "{framed:#x} {limit:#x}"
            );
        }
    }
}
