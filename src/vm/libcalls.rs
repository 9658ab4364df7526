//! Runtime functions compiled code calls for what is not worth inlining: raising traps,
//! growing and bulk-copying memories and tables, segment operations.
//!
//! Every function takes the calling context first: the instance's `VMContext`, for
//! the component trampolines' `raise_cannot_leave` the `VMComponentContext`, for
//! `unwind` the `VMStoreContext`. `raise_trap`, `raise_cannot_leave` and `unwind` never
//! return: they leave compiled code for its entry (see `vm::unwind`). The other
//! functions that can trap record the trap in the store (`pending_error`, `trap_flag`)
//! and return; the compiled caller checks `trap_flag` afterwards and calls `unwind`.
//!
//! `for_each_libcall!` is the one list of them: the JIT derives its symbol table and
//! its Cranelift declarations from it, so adding a libcall is one line there plus its
//! function here.

use super::component::VMComponentContext;
use super::{Instance, Memory, Table, Trap, VMContext, VMRef, VMStoreContext};

/// Calls `$mac!` with every libcall as `name(param: kind, ...) -> kind;`, where a kind
/// is `vmctx` (`*mut VMContext`), `cvmctx` (`*mut VMComponentContext`), `i32` (`u32`)
/// or `ptr` (`*mut u8`). `name` is the function of this module; its symbol is
/// `tierwasm_<name>`. Users check each function's type against its line, so the list
/// and the functions cannot drift apart.
#[cfg_attr(
    not(feature = "jit"),
    allow(unused_macros, reason = "only the JIT derives code from the list")
)]
macro_rules! for_each_libcall {
    ($mac:ident) => {
        $mac! {
            raise_trap(vmctx: vmctx, code: i32);
            unwind(store: ptr);
            memory_grow(vmctx: vmctx, mem: i32, delta: i32) -> i32;
            memory_fill(vmctx: vmctx, mem: i32, dst: i32, val: i32, len: i32);
            memory_copy(vmctx: vmctx, mem: i32, dst: i32, src: i32, len: i32);
            memory_init(vmctx: vmctx, mem: i32, data: i32, dst: i32, src: i32, len: i32);
            data_drop(vmctx: vmctx, data: i32);
            table_get(vmctx: vmctx, table: i32, index: i32) -> ptr;
            table_set(vmctx: vmctx, table: i32, index: i32, value: ptr);
            table_size(vmctx: vmctx, table: i32) -> i32;
            table_grow(vmctx: vmctx, table: i32, init: ptr, delta: i32) -> i32;
            table_fill(vmctx: vmctx, table: i32, dst: i32, value: ptr, len: i32);
            table_copy(vmctx: vmctx, dst_table: i32, src_table: i32, dst: i32, src: i32, len: i32);
            table_init(vmctx: vmctx, table: i32, elem: i32, dst: i32, src: i32, len: i32);
            elem_drop(vmctx: vmctx, elem: i32);
            raise_cannot_leave(vmctx: cvmctx);
        }
    };
}
#[cfg(feature = "jit")]
pub(crate) use for_each_libcall;

/// The Rust type of a libcall parameter or result kind of `for_each_libcall!`.
#[cfg_attr(
    not(feature = "jit"),
    allow(unused_macros, reason = "only the JIT derives code from the list")
)]
macro_rules! libcall_rust_type {
    (vmctx) => { *mut $crate::vm::VMContext };
    (cvmctx) => { *mut $crate::vm::component::VMComponentContext };
    (i32) => { u32 };
    (ptr) => { *mut u8 };
}
#[cfg(feature = "jit")]
pub(crate) use libcall_rust_type;

/// The instance of a context.
///
/// # Safety
/// `vmctx` must be a live instance context.
unsafe fn instance<'a>(vmctx: *mut VMContext) -> &'a mut Instance {
    // SAFETY: forwarded; no other borrow of the instance is live during a libcall.
    unsafe { &mut *(*vmctx).header.instance }
}

/// Records `trap` for the store of `vmctx` and raises the trap flag.
///
/// # Safety
/// `vmctx` must be a live instance context.
pub unsafe fn record_trap(vmctx: *mut VMContext, trap: Trap) {
    // SAFETY: the store context outlives its instances.
    unsafe {
        let store = (*vmctx).header.store_context;
        (*store).set_pending_error(anyhow::Error::new(trap));
        (*store).trap_flag = 1;
    }
}

fn check(vmctx: *mut VMContext, r: Result<(), Trap>) {
    if let Err(t) = r {
        // SAFETY: callers pass the live context they were called with.
        unsafe { record_trap(vmctx, t) };
    }
}

/// Raises trap number `code` (see `Trap::code`): records it and leaves compiled code.
///
/// # Safety
/// `vmctx` must be a live instance context; only compiled code may call this.
pub unsafe extern "C" fn raise_trap(vmctx: *mut VMContext, code: u32) {
    let trap = Trap::from_code(code).unwrap_or(Trap::UnreachableCodeReached);
    // SAFETY: the store context outlives its instances; the caller is compiled code.
    unsafe { raise((*vmctx).header.store_context, trap) }
}

/// Records `trap` in `store` and leaves compiled code for its entry.
///
/// # Safety
/// `store` must be live; only compiled code (through a libcall) may be between here and
/// the entry.
unsafe fn raise(store: *mut VMStoreContext, trap: Trap) -> ! {
    // SAFETY: forwarded; the error is moved into the store, so nothing here is left to
    // drop when the jump skips this frame.
    unsafe {
        (*store).set_pending_error(anyhow::Error::new(trap));
        super::unwind::unwind()
    }
}

/// Leaves compiled code for its entry after a trap already recorded in `store` (by a
/// libcall, which also raised the trap flag, or by a callee of the array-call ABI).
///
/// # Safety
/// `store` must be a live `VMStoreContext`; only compiled code may call this.
pub unsafe extern "C" fn unwind(store: *mut u8) {
    // SAFETY: as the contract says; nothing here is left to drop.
    unsafe {
        (*store.cast::<VMStoreContext>()).trap_flag = 0;
        super::unwind::unwind()
    }
}

/// Records the trap of a component instance that called out while it may not leave
/// (compiled lowering trampolines call this), and leaves compiled code.
///
/// # Safety
/// `vmctx` must be a live component context; only compiled code may call this.
pub unsafe extern "C" fn raise_cannot_leave(vmctx: *mut VMComponentContext) {
    // SAFETY: the store context outlives its component instances; the caller is
    // compiled code.
    unsafe { raise((*vmctx).header.store_context, Trap::CannotLeaveComponent) }
}

/// `memory.grow`: the old size in pages, or `u32::MAX`.
///
/// # Safety
/// `vmctx` must be a live instance context with memory `mem`.
pub unsafe extern "C" fn memory_grow(vmctx: *mut VMContext, mem: u32, delta: u32) -> u32 {
    // SAFETY: forwarded; the memory is owned by the store, not borrowed elsewhere now.
    unsafe {
        (*instance(vmctx).memory(mem))
            .grow(delta as u64)
            .map_or(u32::MAX, |old| old as u32)
    }
}

/// `memory.fill`.
///
/// # Safety
/// As `memory_grow`.
pub unsafe extern "C" fn memory_fill(
    vmctx: *mut VMContext,
    mem: u32,
    dst: u32,
    val: u32,
    len: u32,
) {
    // SAFETY: `vmctx` is live with memory `mem` (the contract), and the store owns that
    // memory, unborrowed during a libcall; `fill` checks the bounds.
    let r = unsafe {
        Memory::fill(
            instance(vmctx).memory(mem),
            dst as u64,
            val as u8,
            len as u64,
        )
    };
    check(vmctx, r);
}

/// `memory.copy` within memory `mem`.
///
/// # Safety
/// As `memory_grow`.
pub unsafe extern "C" fn memory_copy(
    vmctx: *mut VMContext,
    mem: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: `vmctx` is live with memory `mem` (the contract), so `m` is a live memory;
    // `copy` checks the bounds and handles the overlap.
    let r = unsafe {
        let m = instance(vmctx).memory(mem);
        Memory::copy(m, dst as u64, m, src as u64, len as u64)
    };
    check(vmctx, r);
}

/// `memory.init`.
///
/// # Safety
/// As `memory_grow`, with data segment `data`.
pub unsafe extern "C" fn memory_init(
    vmctx: *mut VMContext,
    mem: u32,
    data: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: the contract gives a live instance with memory `mem` and data segment
    // `data`, and the store keeps its memories live; `memory_init` checks the bounds.
    let r = unsafe {
        Instance::memory_init(
            (*vmctx).header.instance,
            mem,
            data,
            dst as u64,
            src as u64,
            len as u64,
        )
    };
    check(vmctx, r);
}

/// `data.drop`.
///
/// # Safety
/// As `memory_init`.
pub unsafe extern "C" fn data_drop(vmctx: *mut VMContext, data: u32) {
    // SAFETY: `vmctx` is a live instance context (the contract), and nothing else
    // borrows its instance during a libcall.
    unsafe { instance(vmctx).data_drop(data) }
}

/// `table.get`.
///
/// # Safety
/// `vmctx` must be a live instance context with table `table`.
pub unsafe extern "C" fn table_get(vmctx: *mut VMContext, table: u32, index: u32) -> *mut u8 {
    // SAFETY: the contract gives a live instance with table `table`, whose `Table`
    // the store owns; `get` checks the index.
    match unsafe { (*instance(vmctx).table(table)).get(index as u64) } {
        Ok(r) => r.0.cast(),
        Err(t) => {
            // SAFETY: `vmctx` is the live context this libcall was called with.
            unsafe { record_trap(vmctx, t) };
            core::ptr::null_mut()
        }
    }
}

/// `table.set`.
///
/// # Safety
/// As `table_get`.
pub unsafe extern "C" fn table_set(vmctx: *mut VMContext, table: u32, index: u32, value: *mut u8) {
    // SAFETY: as in `table_get`: `table(table)` is a live table, `set` checks the index.
    let r = unsafe { (*instance(vmctx).table(table)).set(index as u64, VMRef(value.cast())) };
    check(vmctx, r);
}

/// `table.size`.
///
/// # Safety
/// As `table_get`.
pub unsafe extern "C" fn table_size(vmctx: *mut VMContext, table: u32) -> u32 {
    // SAFETY: as in `table_get`: `table(table)` is a live table.
    unsafe { (*instance(vmctx).table(table)).size() as u32 }
}

/// `table.grow`: the old size, or `u32::MAX`.
///
/// # Safety
/// As `table_get`.
pub unsafe extern "C" fn table_grow(
    vmctx: *mut VMContext,
    table: u32,
    init: *mut u8,
    delta: u32,
) -> u32 {
    // SAFETY: as in `table_get`: `table(table)` is a live table, not borrowed elsewhere
    // during a libcall.
    unsafe {
        (*instance(vmctx).table(table))
            .grow(delta as u64, VMRef(init.cast()))
            .map_or(u32::MAX, |old| old as u32)
    }
}

/// `table.fill`.
///
/// # Safety
/// As `table_get`.
pub unsafe extern "C" fn table_fill(
    vmctx: *mut VMContext,
    table: u32,
    dst: u32,
    value: *mut u8,
    len: u32,
) {
    // SAFETY: as in `table_get`: `table(table)` is a live table; `fill` checks the
    // bounds.
    let r = unsafe {
        Table::fill(
            instance(vmctx).table(table),
            dst as u64,
            VMRef(value.cast()),
            len as u64,
        )
    };
    check(vmctx, r);
}

/// `table.copy`.
///
/// # Safety
/// As `table_get`, for both tables.
pub unsafe extern "C" fn table_copy(
    vmctx: *mut VMContext,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: the contract gives both tables of a live instance; `copy` checks the
    // bounds and handles the two being one table.
    let r = unsafe {
        let i = instance(vmctx);
        Table::copy(
            i.table(dst_table),
            dst as u64,
            i.table(src_table),
            src as u64,
            len as u64,
        )
    };
    check(vmctx, r);
}

/// `table.init`.
///
/// # Safety
/// As `table_get`, with element segment `elem`.
pub unsafe extern "C" fn table_init(
    vmctx: *mut VMContext,
    table: u32,
    elem: u32,
    dst: u32,
    src: u32,
    len: u32,
) {
    // SAFETY: the contract gives a live instance with table `table` and element
    // segment `elem`, whose tables the store keeps live; `table_init` checks the bounds.
    let r = unsafe {
        Instance::table_init(
            (*vmctx).header.instance,
            table,
            elem,
            dst as u64,
            src as u64,
            len as u64,
        )
    };
    check(vmctx, r);
}

/// `elem.drop`.
///
/// # Safety
/// As `table_init`.
pub unsafe extern "C" fn elem_drop(vmctx: *mut VMContext, elem: u32) {
    // SAFETY: `vmctx` is a live instance context (the contract), and nothing else
    // borrows its instance during a libcall.
    unsafe { instance(vmctx).elem_drop(elem) }
}
