//! The tier seam: one table per module that says, for each defined function, which native
//! code runs it (null: the interpreter does).
//!
//! Both tiers read it on every direct call: the interpreter's `call` op and compiled
//! code calling a function it was not compiled together with. Publishing compiled code
//! is therefore one atomic store (release), seen by every instance of the module in
//! every store and thread at their next call (acquire). Nothing is patched in place, and
//! a published entry is never withdrawn, so a call already running finishes where it is.
//!
//! ```text
//! FuncSlots (per module, shared)        VMContextHeader.func_slots ──┐
//!   slots   [AtomicPtr<VMNativeEntry>; num_defined] <──────────────┘  null or ──┐
//!   entries [OnceLock<VMNativeEntry>;  num_defined] <───────────────────────────┘
//!             VMNativeEntry { array_call, wasm_call }
//! ```

use super::{VMArrayCallFn, VMWasmCallFunction, VmPtr};
use crate::module::DefinedFuncIndex;
use core::mem::offset_of;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The native entries of one compiled function.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct VMNativeEntry {
    /// Entry with the array-call ABI (the host, the interpreter).
    pub array_call: VMArrayCallFn,
    /// Entry with the wasm calling convention (compiled callers).
    pub wasm_call: VmPtr<VMWasmCallFunction>,
}

impl VMNativeEntry {
    /// Offset of `wasm_call`, for compiled code.
    pub const WASM_CALL: usize = offset_of!(VMNativeEntry, wasm_call);
}

const _: () = assert!(VMNativeEntry::WASM_CALL == size_of::<usize>());

/// The slot table of one module.
pub struct FuncSlots {
    /// What each slot points at once published: written once, never moved.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    entries: Box<[OnceLock<VMNativeEntry>]>,
    /// What both tiers read: null until the function's native code is published.
    slots: Box<[AtomicPtr<VMNativeEntry>]>,
}

impl FuncSlots {
    /// A table of `num_defined` empty slots: every function starts interpreted.
    pub fn new(num_defined: u32) -> FuncSlots {
        let n = num_defined as usize;
        FuncSlots {
            entries: (0..n).map(|_| OnceLock::new()).collect(),
            slots: (0..n)
                .map(|_| AtomicPtr::new(core::ptr::null_mut()))
                .collect(),
        }
    }

    /// Publishes the native code of `d`. The first publication wins; a later one for the
    /// same function is ignored and returns `false`.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    pub fn publish(&self, d: DefinedFuncIndex, entry: VMNativeEntry) -> bool {
        let cell = &self.entries[d.index()];
        if cell.set(entry).is_err() {
            return false;
        }
        let published: *const VMNativeEntry = cell.get().expect("just set");
        self.slots[d.index()].store(published.cast_mut(), Ordering::Release);
        true
    }

    /// The native entries of `d`, if published.
    #[inline]
    pub fn get(&self, d: DefinedFuncIndex) -> Option<VMNativeEntry> {
        let p = self.slots[d.index()].load(Ordering::Acquire);
        // SAFETY: a non-null slot points into `entries`, which is written once before the
        // release store above and lives as long as `self`.
        (!p.is_null()).then(|| unsafe { *p })
    }

    /// The start of the slot array, for `VMContextHeader::func_slots`.
    pub fn as_ptr(&self) -> *const AtomicPtr<VMNativeEntry> {
        self.slots.as_ptr()
    }
}

/// Reads slot `d` of the table at `slots` (from a `VMContextHeader`).
///
/// # Safety
/// `slots` must be the `as_ptr` of a live `FuncSlots` with more than `d` slots.
#[inline(always)]
pub unsafe fn load_slot(
    slots: *const AtomicPtr<VMNativeEntry>,
    d: DefinedFuncIndex,
) -> *mut VMNativeEntry {
    // SAFETY: the caller guarantees `d` is in bounds of a live table.
    unsafe { (*slots.add(d.index())).load(Ordering::Acquire) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::NonNull;

    unsafe extern "C" fn never(
        _: NonNull<super::super::VMOpaqueContext>,
        _: NonNull<super::super::VMContext>,
        _: NonNull<super::super::ValRaw>,
        _: usize,
    ) -> bool {
        false
    }

    #[test]
    fn a_slot_is_published_once_and_read_by_pointer() {
        let slots = FuncSlots::new(3);
        let d = DefinedFuncIndex::from_u32(1);
        assert!(slots.get(d).is_none());
        let mut code = 0u8;
        let entry = VMNativeEntry {
            array_call: never,
            wasm_call: VmPtr::new(NonNull::from(&mut code).cast()),
        };
        assert!(slots.publish(d, entry));
        assert!(!slots.publish(d, entry), "a slot is written once");
        assert_eq!(
            slots.get(d).unwrap().wasm_call.as_ptr(),
            entry.wasm_call.as_ptr()
        );
        // SAFETY: `slots` is live and has three slots.
        let raw = unsafe { load_slot(slots.as_ptr(), d) };
        assert!(!raw.is_null());
        // SAFETY: as above.
        assert!(unsafe { load_slot(slots.as_ptr(), DefinedFuncIndex::from_u32(0)) }.is_null());
    }
}
