//! `VMContext`: the per-instance block of memory both tiers read, and `VMOffsets`, the
//! one place that says where everything in it lives.
//!
//! Layout (all offsets from the start of the allocation, computed once per module):
//!
//! ```text
//! VMContextHeader            magic, store context, store, instance back pointer, tier
//!                            data, the module's slot table (see `func_slots.rs`)
//! defined_globals   [Global; n]                     the globals, memories and tables
//! defined_memories  [Memory; n]                     this instance defines: what
//! defined_tables    [Table; n]                      `globals`, ... point at for these
//! funcs      [VmPtr<VMFuncRef>; num_funcs]          every function, imported or defined
//! memories   [VmPtr<Memory>; n]                     every memory, imported or defined
//! tables     [VmPtr<Table>; n]                      every table
//! globals    [VmPtr<Global>; n]                     every global
//! defined_func_refs      [VMFuncRef; num_defined]   what `funcs` points at for defined ones
//! defined_func_contexts  [VMFunctionContext; num_defined]
//! counters   [VMFuncCounters; num_defined]          tier-up counters
//! ```
//!
//! The instance's own memories, tables and globals live inside its context (as in
//! wasmtime), each with its definition (`VMMemoryDefinition`, ...) first: compiled code
//! reaches a defined one's base, length or value with one load from `vmctx`, where an
//! imported one costs a load of its pointer first. The store refers to them by pointer
//! (`vm::StoreBox::InInstance`) and keeps the instance alive as long as itself.

use super::{Global, Memory, Table, VMFuncRef, VMFunctionContext, VMNativeEntry, VmPtr, VmSafe};
use crate::module::{DefinedFuncIndex, FuncIndex, ModuleInfo};
use core::mem::offset_of;
use std::sync::atomic::AtomicPtr;

/// Opaque type of an instance's context; always handled through pointers.
#[repr(C)]
pub struct VMContext {
    /// The fixed header; the arrays follow at `VMOffsets`.
    pub header: VMContextHeader,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMContext {}

/// Magic in every `VMContextHeader`.
pub const VMCONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"vmcx");

/// The fixed start of every `VMContext`.
#[repr(C)]
pub struct VMContextHeader {
    /// Always [`VMCONTEXT_MAGIC`].
    pub magic: u32,
    /// Padding (kept zero).
    pub _pad: u32,
    /// Per-store mutable state compiled code reads (fuel, stack limit).
    pub store_context: *mut VMStoreContext,
    /// The owning store, opaque to this layer (the public API casts it back).
    pub store: *mut (),
    /// The Rust-side instance that owns this context.
    pub instance: *mut super::Instance,
    /// Per-module data of the interpreter tier, opaque to this layer.
    pub interp_code: *const (),
    /// The module's slot table: which native code runs each defined function.
    pub func_slots: *const AtomicPtr<VMNativeEntry>,
}

/// Offsets of the header fields, for native code.
#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMContextHeader {
    /// Offset of `store_context`.
    pub const STORE_CONTEXT: usize = offset_of!(VMContextHeader, store_context);
    /// Offset of `func_slots`.
    pub const FUNC_SLOTS: usize = offset_of!(VMContextHeader, func_slots);
}

/// Per-store state that running code reads and writes, shared by every instance.
///
/// Compiled code reads only the `repr(C)` prefix (`fuel`, `epoch_deadline`); the fields
/// after it are Rust-side state reached from any `VMContext` (the pending error of a
/// trapping call, the interpreter's per-store state).
#[repr(C)]
pub struct VMStoreContext {
    /// Fuel left; only consulted when `Config::consume_fuel` is on.
    pub fuel: i64,
    /// Reserved for epoch interruption (later).
    pub epoch_deadline: u64,
    /// Lowest native stack address compiled code may use (set on entry from the host).
    pub stack_limit: usize,
    /// Non-zero after a libcall trapped: its compiled caller checks it and leaves for
    /// the entry (`vm::unwind`); the `unwind` libcall clears it. The error itself is in
    /// `pending_error`.
    pub trap_flag: u32,
    /// Host → wasm entries currently active (Rust side only).
    pub entry_depth: u32,
    /// The error of the call that just returned `false` through the array-call ABI.
    pub pending_error: Option<anyhow::Error>,
    /// A host panic caught at an array-call boundary, resumed by the outermost call.
    pub pending_panic: Option<Box<dyn std::any::Any + Send>>,
    /// Per-store state of the interpreter tier, opaque to this layer.
    pub interp_state: *mut (),
}
// SAFETY: repr(C); compiled code reads only the plain-data prefix.
unsafe impl VmSafe for VMStoreContext {}

impl Default for VMStoreContext {
    fn default() -> Self {
        VMStoreContext {
            fuel: 0,
            epoch_deadline: 0,
            stack_limit: 0,
            trap_flag: 0,
            entry_depth: 0,
            pending_error: None,
            pending_panic: None,
            interp_state: core::ptr::null_mut(),
        }
    }
}

impl VMStoreContext {
    /// Offset of `fuel`.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    pub const FUEL: usize = offset_of!(VMStoreContext, fuel);
    /// Offset of `stack_limit`.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    pub const STACK_LIMIT: usize = offset_of!(VMStoreContext, stack_limit);
    /// Offset of `trap_flag`.
    #[cfg_attr(
        not(feature = "jit"),
        allow(dead_code, reason = "used by compiled code only")
    )]
    pub const TRAP_FLAG: usize = offset_of!(VMStoreContext, trap_flag);

    /// Records the error of a failing call (the first one wins until taken).
    pub fn set_pending_error(&mut self, e: anyhow::Error) {
        if self.pending_error.is_none() {
            self.pending_error = Some(e);
        }
    }
}

/// Tier-up counters of one defined function in one instance, as the interpreter keeps
/// them. Plain (non-atomic) words: a store runs on one thread at a time, so a count is
/// one add to memory.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct VMFuncCounters {
    /// Interpreted calls of the function.
    pub calls: u64,
    /// Loop iterations counted before the loop budget was last refilled.
    pub loop_iterations: u64,
    /// Interpreted calls that moved to compiled code at a loop header.
    pub osr_entries: u64,
    /// The loop budget: iterations left before the tier-up controller hears of the
    /// function's loops. One subtraction per iteration is all a loop header costs.
    pub loop_left: i64,
    /// What `loop_left` was last refilled to (0: never armed).
    pub loop_refill: i64,
}

impl VMFuncCounters {
    /// Loop iterations counted so far.
    pub fn loop_iterations(&self) -> u64 {
        self.loop_iterations + (self.loop_refill - self.loop_left).max(0) as u64
    }

    /// Refills the loop budget to `n` (after it ran out), keeping the count.
    pub fn refill_loops(&mut self, n: i64) {
        self.loop_iterations = self.loop_iterations();
        self.loop_left = n;
        self.loop_refill = n;
    }
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMFuncCounters {}

/// Where each array of a module's `VMContext` lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    /// Number of functions (imported + defined).
    pub num_funcs: u32,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Number of memories.
    pub num_memories: u32,
    /// Number of tables.
    pub num_tables: u32,
    /// Number of globals.
    pub num_globals: u32,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Offset of `funcs`.
    pub funcs: u32,
    /// Offset of `memories`.
    pub memories: u32,
    /// Offset of `tables`.
    pub tables: u32,
    /// Offset of `globals`.
    pub globals: u32,
    /// Offset of `defined_func_refs`.
    pub defined_func_refs: u32,
    /// Offset of `defined_func_contexts`.
    pub defined_func_contexts: u32,
    /// Offset of `counters`.
    pub counters: u32,
    /// Offset of `defined_memories`.
    pub defined_memories: u32,
    /// Offset of `defined_tables`.
    pub defined_tables: u32,
    /// Offset of `defined_globals`.
    pub defined_globals: u32,
    /// Total size in bytes.
    pub size: u32,
}

const PTR: u32 = size_of::<usize>() as u32;

/// Alignment of a `VMContext` allocation: enough for everything in it.
pub const VMCONTEXT_ALIGN: usize = 16;
const _: () = assert!(
    align_of::<Memory>() <= VMCONTEXT_ALIGN
        && align_of::<Table>() <= VMCONTEXT_ALIGN
        && align_of::<Global>() <= VMCONTEXT_ALIGN
);

impl VMOffsets {
    /// Computes the layout for a module.
    pub fn new(module: &ModuleInfo) -> VMOffsets {
        Self::with_counts(
            (module.functions.len() as u32, module.num_imported_funcs),
            (module.memories.len() as u32, module.num_imported_memories),
            (module.tables.len() as u32, module.num_imported_tables),
            (module.globals.len() as u32, module.num_imported_globals),
        )
    }

    /// Computes the layout from entity counts: (all, imported) for functions, memories,
    /// tables and globals.
    pub fn with_counts(
        (num_funcs, num_imported_funcs): (u32, u32),
        (num_memories, num_imported_memories): (u32, u32),
        (num_tables, num_imported_tables): (u32, u32),
        (num_globals, num_imported_globals): (u32, u32),
    ) -> VMOffsets {
        let num_defined = num_funcs - num_imported_funcs;
        let mut at = size_of::<VMContextHeader>() as u32;
        let mut array = |count: u32, elem: usize, align: usize| {
            at = at.next_multiple_of(align as u32);
            let start = at;
            at += count * elem as u32;
            start
        };
        let ptr = PTR as usize;
        // The instance's own globals and memories first, where most offsets fit in a
        // byte of displacement (global 0 is the C and Rust stack pointer).
        let defined_globals = array(
            num_globals - num_imported_globals,
            size_of::<Global>(),
            align_of::<Global>(),
        );
        let defined_memories = array(
            num_memories - num_imported_memories,
            size_of::<Memory>(),
            align_of::<Memory>(),
        );
        let defined_tables = array(
            num_tables - num_imported_tables,
            size_of::<Table>(),
            align_of::<Table>(),
        );
        let funcs = array(num_funcs, ptr, ptr);
        let memories = array(num_memories, ptr, ptr);
        let tables = array(num_tables, ptr, ptr);
        let globals = array(num_globals, ptr, ptr);
        let defined_func_refs = array(num_defined, size_of::<VMFuncRef>(), ptr);
        let defined_func_contexts = array(num_defined, size_of::<VMFunctionContext>(), ptr);
        let counters = array(num_defined, size_of::<VMFuncCounters>(), 8);
        let size = at.next_multiple_of(VMCONTEXT_ALIGN as u32);
        VMOffsets {
            num_funcs,
            num_imported_funcs,
            num_memories,
            num_tables,
            num_globals,
            num_imported_memories,
            num_imported_tables,
            num_imported_globals,
            funcs,
            memories,
            tables,
            globals,
            defined_func_refs,
            defined_func_contexts,
            counters,
            defined_memories,
            defined_tables,
            defined_globals,
            size,
        }
    }

    /// Offset of `funcs[i]`.
    #[inline]
    pub fn func(&self, i: FuncIndex) -> u32 {
        self.funcs + i.as_u32() * PTR
    }
    /// Offset of `memories[i]`.
    #[inline]
    pub fn memory(&self, i: u32) -> u32 {
        self.memories + i * PTR
    }
    /// Offset of `tables[i]`.
    #[inline]
    pub fn table(&self, i: u32) -> u32 {
        self.tables + i * PTR
    }
    /// Offset of `globals[i]`.
    #[inline]
    pub fn global(&self, i: u32) -> u32 {
        self.globals + i * PTR
    }
    /// Offset of the `VMFuncRef` of defined function `d` (index among defined ones).
    #[inline]
    pub fn defined_func_ref(&self, d: DefinedFuncIndex) -> u32 {
        self.defined_func_refs + d.as_u32() * size_of::<VMFuncRef>() as u32
    }
    /// Offset of the `VMFunctionContext` of defined function `d`.
    #[inline]
    pub fn defined_func_context(&self, d: DefinedFuncIndex) -> u32 {
        self.defined_func_contexts + d.as_u32() * size_of::<VMFunctionContext>() as u32
    }
    /// Offset of the counters of defined function `d`.
    #[inline]
    pub fn counter(&self, d: DefinedFuncIndex) -> u32 {
        self.counters + d.as_u32() * size_of::<VMFuncCounters>() as u32
    }
    /// Offset of memory `i`'s `Memory` when this instance defines it (its definition
    /// is at its start).
    #[inline]
    pub fn defined_memory(&self, i: u32) -> Option<u32> {
        let d = i.checked_sub(self.num_imported_memories)?;
        Some(self.defined_memories + d * size_of::<Memory>() as u32)
    }
    /// Offset of table `i`'s `Table` when this instance defines it.
    #[inline]
    pub fn defined_table(&self, i: u32) -> Option<u32> {
        let d = i.checked_sub(self.num_imported_tables)?;
        Some(self.defined_tables + d * size_of::<Table>() as u32)
    }
    /// Offset of global `i`'s `Global` when this instance defines it.
    #[inline]
    pub fn defined_global(&self, i: u32) -> Option<u32> {
        let d = i.checked_sub(self.num_imported_globals)?;
        Some(self.defined_globals + d * size_of::<Global>() as u32)
    }
}

/// Typed access to a `VMContext` through its offsets. Every function takes the context
/// as a raw pointer with provenance over the whole allocation.
impl VMContext {
    /// Pointer to the field at `offset`, typed.
    ///
    /// # Safety
    /// `vmctx` must point to a live context laid out by `offsets` that has a `T` at
    /// `offset`.
    #[inline]
    pub unsafe fn field<T>(vmctx: *mut VMContext, offset: u32) -> *mut T {
        // SAFETY: the caller guarantees `offset` is inside the allocation.
        unsafe { vmctx.cast::<u8>().add(offset as usize).cast::<T>() }
    }

    /// `funcs[i]`.
    ///
    /// # Safety
    /// As [`VMContext::field`], with `i < num_funcs`.
    #[inline]
    pub unsafe fn func_ref(
        vmctx: *mut VMContext,
        offsets: &VMOffsets,
        i: FuncIndex,
    ) -> *mut VMFuncRef {
        // SAFETY: the caller guarantees a live context and `i < num_funcs`, so the slot is
        // in bounds and holds an initialised `VmPtr`.
        unsafe { (*Self::field::<VmPtr<VMFuncRef>>(vmctx, offsets.func(i))).as_ptr() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_aligned_and_disjoint() {
        let o = VMOffsets::with_counts((5, 2), (1, 0), (2, 1), (3, 1));
        let size = |n: usize, t: usize| (n * t) as u32;
        assert_eq!(o.defined_globals as usize, size_of::<VMContextHeader>());
        assert_eq!(o.defined_globals % 16, 0);
        assert_eq!(o.defined_global(0), None);
        assert_eq!(
            o.defined_global(2),
            Some(o.defined_globals + size(1, size_of::<Global>()))
        );
        assert!(o.defined_memories >= o.defined_globals + size(2, size_of::<Global>()));
        assert_eq!(o.defined_memory(0), Some(o.defined_memories));
        assert!(o.defined_tables >= o.defined_memories + size(1, size_of::<Memory>()));
        assert_eq!(o.defined_table(0), None);
        assert_eq!(o.defined_table(1), Some(o.defined_tables));
        assert!(o.funcs >= o.defined_tables + size(1, size_of::<Table>()));
        assert!(o.memories >= o.funcs + 5 * PTR);
        assert!(o.tables >= o.memories + PTR);
        assert!(o.globals >= o.tables + 2 * PTR);
        assert!(o.defined_func_refs >= o.globals + 3 * PTR);
        assert!(o.defined_func_contexts >= o.defined_func_refs + 3 * 4 * PTR);
        assert!(o.counters >= o.defined_func_contexts + 3 * 16);
        assert_eq!(o.counters % 8, 0);
        assert!(o.size >= o.counters + 3 * 40);
        assert_eq!(o.size % 16, 0);
    }

    #[test]
    fn header_offsets_are_stable() {
        assert_eq!(VMContextHeader::STORE_CONTEXT, 8);
        assert_eq!(offset_of!(VMContextHeader, store), 16);
        assert_eq!(offset_of!(VMContextHeader, instance), 24);
        assert_eq!(offset_of!(VMContextHeader, interp_code), 32);
        assert_eq!(VMContextHeader::FUNC_SLOTS, 40);
        assert_eq!(VMStoreContext::FUEL, 0);
        assert_eq!(VMStoreContext::STACK_LIMIT, 16);
        assert_eq!(VMStoreContext::TRAP_FLAG, 24);
    }
}
