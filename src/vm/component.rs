//! `VMComponentContext`: the per-component-instance block of memory that lowering
//! trampolines of both tiers read, and `VMComponentOffsets`, the one place that says
//! where everything in it lives (the same idea as `VMContext` + `VMOffsets`).
//! `VMComponentContextBox` owns the block, and its typed setters (`set_lowering`,
//! `set_trampoline`, `set_memory`, …) are the only writers of its slots.
//!
//! Layout (offsets from the start, computed once per component definition):
//!
//! ```text
//! VMComponentContextHeader   magic, flags (may_leave / may_enter), store context,
//!                            store, component instance index
//! lowerings          [VMLowering; n]            what each `canon lower` calls: {callee, data}
//! trampoline_refs    [VMFuncRef; t]             the core functions handed to core instances
//!                                               (lowerings and resource built-ins)
//! trampoline_ctxs    [VMTrampolineContext; t]   callee context of each of those
//! memories           [*mut VMMemoryDefinition; m]   canonical-option memories
//! reallocs           [*mut VMFuncRef; r]        canonical-option `realloc` functions
//! post_returns       [*mut VMFuncRef; p]        canonical-option `post-return` functions
//! resource_dtors     [*mut VMFuncRef; d]        destructors of the resources defined here
//! ```

use super::{
    VMArrayCallFn, VMFuncRef, VMMemoryDefinition, VMOpaqueContext, VMSharedTypeIndex,
    VMStoreContext, VMWasmCallFunction, ValRaw, VmPtr, VmSafe,
};
use core::mem::offset_of;
use core::ptr::NonNull;
use std::alloc::Layout;

/// Magic in every `VMComponentContextHeader`.
pub const VMCOMPONENT_MAGIC: u32 = u32::from_le_bytes(*b"vmcc");
/// Magic of a [`VMTrampolineContext`] (the callee context of a component trampoline).
pub const TRAMPOLINE_CONTEXT_MAGIC: u32 = u32::from_le_bytes(*b"ctrm");

/// `flags` bit: the instance may call out (imports, built-ins). Cleared while a
/// post-return function runs.
pub const FLAG_MAY_LEAVE: u32 = 1 << 0;
/// `flags` bit: the instance may be entered (no call of it is in progress).
pub const FLAG_MAY_ENTER: u32 = 1 << 1;

/// Opaque type of a component instance's context; handled through pointers.
#[repr(C)]
pub struct VMComponentContext {
    /// The fixed header; the arrays follow at `VMComponentOffsets`.
    pub header: VMComponentContextHeader,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMComponentContext {}

/// The fixed start of every `VMComponentContext`.
#[repr(C)]
pub struct VMComponentContextHeader {
    /// Always [`VMCOMPONENT_MAGIC`].
    pub magic: u32,
    /// [`FLAG_MAY_LEAVE`] | [`FLAG_MAY_ENTER`].
    pub flags: u32,
    /// The store's shared context (trap flag, fuel, stack limit).
    pub store_context: *mut VMStoreContext,
    /// The owning store, opaque to this layer.
    pub store: *mut (),
    /// Index of the component instance in its store.
    pub instance: u32,
    /// Padding (kept zero).
    pub _pad: u32,
}

#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMComponentContextHeader {
    /// Offset of `flags`.
    pub const FLAGS: usize = offset_of!(VMComponentContextHeader, flags);
    /// Offset of `store_context`.
    pub const STORE_CONTEXT: usize = offset_of!(VMComponentContextHeader, store_context);
}

/// What a lowered function calls: the callee's entrypoint and its data.
///
/// `callee(vmctx, lowering, args_and_results, len)`: `vmctx` is the lowering
/// instance's context, `lowering` the `VMLowering` being called (its `data` says what
/// the callee is; its `info`, the lowering's type and resolved canonical options), and
/// the flat core arguments and results pass through `args_and_results` as in the
/// array-call ABI. `false` means a trap was recorded.
pub type VMLoweringCallee = unsafe extern "C" fn(
    vmctx: NonNull<VMComponentContext>,
    lowering: NonNull<VMLowering>,
    args_and_results: NonNull<ValRaw>,
    len: usize,
) -> bool;

/// One `canon lower`: its callee, the callee's data, and the lowering's own details.
#[repr(C)]
pub struct VMLowering {
    /// Entrypoint.
    pub callee: VMLoweringCallee,
    /// What the callee calls (a host function, or the lifted function of another
    /// component), opaque to this layer.
    pub data: *const (),
    /// The lowering's type and resolved canonical options, opaque to this layer.
    pub info: *const (),
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMLowering {}

#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMLowering {
    /// Offset of `callee`.
    pub const CALLEE: usize = offset_of!(VMLowering, callee);
}

/// The callee context of a component trampoline (a lowering or resource built-in handed
/// to core code as a function): which trampoline of which component instance.
#[repr(C)]
pub struct VMTrampolineContext {
    /// Always [`TRAMPOLINE_CONTEXT_MAGIC`].
    pub magic: u32,
    /// Index of the trampoline.
    pub index: u32,
    /// The component instance's context.
    pub vmctx: *mut VMComponentContext,
    /// For a lowering: its `VMLowering` in the same context (null otherwise).
    pub lowering: *mut VMLowering,
    /// The function reference core code calls this trampoline through.
    pub func_ref: *mut VMFuncRef,
    /// Calls through the array-call entry (a lowering's tier-up counter).
    pub calls: u64,
}
// SAFETY: repr(C), fields are integers and pointers: no drop glue, a fixed layout.
unsafe impl VmSafe for VMTrampolineContext {}

#[cfg_attr(
    not(feature = "jit"),
    allow(dead_code, reason = "used by compiled code only")
)]
impl VMTrampolineContext {
    /// Offset of `vmctx`.
    pub const VMCTX: usize = offset_of!(VMTrampolineContext, vmctx);
    /// Offset of `lowering`.
    pub const LOWERING: usize = offset_of!(VMTrampolineContext, lowering);
}

const PTR: u32 = size_of::<usize>() as u32;

/// Where each array of a component's `VMComponentContext` lives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VMComponentOffsets {
    /// Number of lowerings.
    pub num_lowerings: u32,
    /// Number of trampolines (lowerings first, then resource built-ins).
    pub num_trampolines: u32,
    /// Number of canonical-option memories.
    pub num_memories: u32,
    /// Number of canonical-option reallocs.
    pub num_reallocs: u32,
    /// Number of post-return functions.
    pub num_post_returns: u32,
    /// Number of resources defined by the component.
    pub num_resources: u32,
    /// Offset of `lowerings`.
    pub lowerings: u32,
    /// Offset of `trampoline_refs`.
    pub trampoline_refs: u32,
    /// Offset of `trampoline_ctxs`.
    pub trampoline_ctxs: u32,
    /// Offset of `memories`.
    pub memories: u32,
    /// Offset of `reallocs`.
    pub reallocs: u32,
    /// Offset of `post_returns`.
    pub post_returns: u32,
    /// Offset of `resource_dtors`.
    pub resource_dtors: u32,
    /// Total size in bytes.
    pub size: u32,
}

impl VMComponentOffsets {
    /// Computes the layout from the counts.
    pub fn new(
        num_lowerings: u32,
        num_trampolines: u32,
        num_memories: u32,
        num_reallocs: u32,
        num_post_returns: u32,
        num_resources: u32,
    ) -> VMComponentOffsets {
        let mut at = size_of::<VMComponentContextHeader>() as u32;
        let mut array = |count: u32, elem: u32| {
            at = at.next_multiple_of(PTR);
            let start = at;
            at += count * elem;
            start
        };
        let lowerings = array(num_lowerings, size_of::<VMLowering>() as u32);
        let trampoline_refs = array(num_trampolines, size_of::<VMFuncRef>() as u32);
        let trampoline_ctxs = array(num_trampolines, size_of::<VMTrampolineContext>() as u32);
        let memories = array(num_memories, PTR);
        let reallocs = array(num_reallocs, PTR);
        let post_returns = array(num_post_returns, PTR);
        let resource_dtors = array(num_resources, PTR);
        VMComponentOffsets {
            num_lowerings,
            num_trampolines,
            num_memories,
            num_reallocs,
            num_post_returns,
            num_resources,
            lowerings,
            trampoline_refs,
            trampoline_ctxs,
            memories,
            reallocs,
            post_returns,
            resource_dtors,
            size: at.next_multiple_of(16),
        }
    }

    /// Offset of `lowerings[i]`.
    pub fn lowering(&self, i: u32) -> u32 {
        self.lowerings + i * size_of::<VMLowering>() as u32
    }
    /// Offset of `trampoline_refs[i]`.
    pub fn trampoline_ref(&self, i: u32) -> u32 {
        self.trampoline_refs + i * size_of::<VMFuncRef>() as u32
    }
    /// Offset of `trampoline_ctxs[i]`.
    pub fn trampoline_ctx(&self, i: u32) -> u32 {
        self.trampoline_ctxs + i * size_of::<VMTrampolineContext>() as u32
    }
    /// Offset of `memories[i]`.
    pub fn memory(&self, i: u32) -> u32 {
        self.memories + i * PTR
    }
    /// Offset of `reallocs[i]`.
    pub fn realloc(&self, i: u32) -> u32 {
        self.reallocs + i * PTR
    }
    /// Offset of `post_returns[i]`.
    pub fn post_return(&self, i: u32) -> u32 {
        self.post_returns + i * PTR
    }
    /// Offset of `resource_dtors[i]`.
    pub fn resource_dtor(&self, i: u32) -> u32 {
        self.resource_dtors + i * PTR
    }
}

/// Owns one component instance's context allocation, and alone writes it: the typed
/// setters below fill each slot (once, checked in debug builds) while the instance
/// is being made; trampolines of both tiers only read it afterwards.
pub struct VMComponentContextBox {
    ptr: NonNull<VMComponentContext>,
    layout: Layout,
    offsets: VMComponentOffsets,
    /// Offsets of the slots written so far (debug builds: each is written once).
    #[cfg(debug_assertions)]
    written: std::collections::HashSet<u32>,
}

// SAFETY: the context belongs to one store and moves with it.
unsafe impl Send for VMComponentContextBox {}
// SAFETY: shared access only reads.
unsafe impl Sync for VMComponentContextBox {}

impl VMComponentContextBox {
    /// A zeroed context laid out by `offsets`, with its header filled in and every
    /// trampoline context pointing back at it.
    pub fn new(
        offsets: &VMComponentOffsets,
        store_context: *mut VMStoreContext,
        store: *mut (),
        instance: u32,
    ) -> VMComponentContextBox {
        let layout = Layout::from_size_align(offsets.size as usize, 16).expect("layout");
        // SAFETY: the size is at least the header, so non-zero.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<VMComponentContext>()) else {
            std::alloc::handle_alloc_error(layout)
        };
        let b = VMComponentContextBox {
            ptr,
            layout,
            offsets: offsets.clone(),
            #[cfg(debug_assertions)]
            written: Default::default(),
        };
        // SAFETY: a fresh zeroed allocation laid out by `offsets`; each write is inside it.
        unsafe {
            (*ptr.as_ptr()).header = VMComponentContextHeader {
                magic: VMCOMPONENT_MAGIC,
                flags: FLAG_MAY_LEAVE | FLAG_MAY_ENTER,
                store_context,
                store,
                instance,
                _pad: 0,
            };
            for i in 0..offsets.num_trampolines {
                b.slot::<VMTrampolineContext>(offsets.trampoline_ctx(i))
                    .write(VMTrampolineContext {
                        magic: TRAMPOLINE_CONTEXT_MAGIC,
                        index: i,
                        vmctx: ptr.as_ptr(),
                        lowering: core::ptr::null_mut(),
                        func_ref: b.slot::<VMFuncRef>(offsets.trampoline_ref(i)),
                        calls: 0,
                    });
            }
        }
        b
    }

    /// The context, with provenance over the whole allocation.
    pub fn as_ptr(&self) -> NonNull<VMComponentContext> {
        self.ptr
    }

    /// Pointer to the slot at `offset` (inside the allocation: every caller computes
    /// it through `self.offsets` from an index checked against its array's length).
    fn slot<T>(&self, offset: u32) -> *mut T {
        debug_assert!(offset as usize + size_of::<T>() <= self.layout.size());
        // SAFETY: `offset` is inside the allocation (see above).
        unsafe {
            self.ptr
                .as_ptr()
                .cast::<u8>()
                .add(offset as usize)
                .cast::<T>()
        }
    }

    /// Notes (debug builds) that the slot at `offset` is written, once.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn write_once(&mut self, offset: u32) {
        #[cfg(debug_assertions)]
        assert!(
            self.written.insert(offset),
            "VMComponentContext slot at {offset} written twice"
        );
        #[cfg(not(debug_assertions))]
        let _ = offset;
    }

    /// Sets `lowerings[i]`, and points lowering trampoline `trampoline`'s context at it.
    pub fn set_lowering(&mut self, i: u32, trampoline: u32, lowering: VMLowering) {
        assert!(i < self.offsets.num_lowerings && trampoline < self.offsets.num_trampolines);
        let at = self.offsets.lowering(i);
        self.write_once(at);
        let l = self.slot::<VMLowering>(at);
        let ctx = self.slot::<VMTrampolineContext>(self.offsets.trampoline_ctx(trampoline));
        // SAFETY: both slots are in bounds (checked above) and the trampoline context
        // was initialised by `new`.
        unsafe {
            l.write(lowering);
            (*ctx).lowering = l;
        }
    }

    /// Sets `trampoline_refs[i]`: the function core code calls for trampoline `i`, with
    /// trampoline `i`'s context as its callee context. Returns the function reference.
    pub fn set_trampoline(
        &mut self,
        i: u32,
        array_call: VMArrayCallFn,
        wasm_call: Option<VmPtr<VMWasmCallFunction>>,
        type_index: VMSharedTypeIndex,
    ) -> NonNull<VMFuncRef> {
        assert!(i < self.offsets.num_trampolines);
        let at = self.offsets.trampoline_ref(i);
        self.write_once(at);
        let ctx = self.slot::<VMOpaqueContext>(self.offsets.trampoline_ctx(i));
        let fref = self.slot::<VMFuncRef>(at);
        // SAFETY: the slot is in bounds (checked above); both pointers are non-null,
        // derived from the allocation.
        unsafe {
            fref.write(VMFuncRef {
                array_call,
                wasm_call,
                type_index,
                vmctx: VmPtr::new(NonNull::new_unchecked(ctx)),
            });
            NonNull::new_unchecked(fref)
        }
    }

    /// Writes pointer slot `offset` (of an array of `len` with index `i`) once.
    fn set_ptr<T>(&mut self, i: u32, len: u32, offset: u32, value: *mut T) {
        assert!(i < len);
        self.write_once(offset);
        // SAFETY: the slot is in bounds (`i < len`).
        unsafe { self.slot::<*mut T>(offset).write(value) }
    }

    /// Sets `memories[i]`.
    pub fn set_memory(&mut self, i: u32, memory: NonNull<VMMemoryDefinition>) {
        let (n, at) = (self.offsets.num_memories, self.offsets.memory(i));
        self.set_ptr(i, n, at, memory.as_ptr());
    }

    /// Sets `reallocs[i]`.
    pub fn set_realloc(&mut self, i: u32, realloc: NonNull<VMFuncRef>) {
        let (n, at) = (self.offsets.num_reallocs, self.offsets.realloc(i));
        self.set_ptr(i, n, at, realloc.as_ptr());
    }

    /// Sets `post_returns[i]`.
    pub fn set_post_return(&mut self, i: u32, post_return: NonNull<VMFuncRef>) {
        let (n, at) = (self.offsets.num_post_returns, self.offsets.post_return(i));
        self.set_ptr(i, n, at, post_return.as_ptr());
    }

    /// Sets `resource_dtors[i]` (null for a resource without a destructor).
    pub fn set_resource_dtor(&mut self, i: u32, dtor: Option<NonNull<VMFuncRef>>) {
        let (n, at) = (self.offsets.num_resources, self.offsets.resource_dtor(i));
        let dtor = dtor.map_or(core::ptr::null_mut(), NonNull::as_ptr);
        self.set_ptr(i, n, at, dtor);
    }

    /// Reads pointer slot `offset` (of an array of `len` with index `i`).
    fn get_ptr<T>(&self, i: u32, len: u32, offset: u32) -> Option<NonNull<T>> {
        assert!(i < len);
        // SAFETY: the slot is in bounds (`i < len`) and initialised (zeroed by `new`).
        NonNull::new(unsafe { *self.slot::<*mut T>(offset) })
    }

    /// `memories[i]`, once set.
    pub fn memory(&self, i: u32) -> Option<NonNull<VMMemoryDefinition>> {
        self.get_ptr(i, self.offsets.num_memories, self.offsets.memory(i))
    }

    /// `reallocs[i]`, once set.
    pub fn realloc(&self, i: u32) -> Option<NonNull<VMFuncRef>> {
        self.get_ptr(i, self.offsets.num_reallocs, self.offsets.realloc(i))
    }

    /// `post_returns[i]`, once set.
    pub fn post_return(&self, i: u32) -> Option<NonNull<VMFuncRef>> {
        self.get_ptr(
            i,
            self.offsets.num_post_returns,
            self.offsets.post_return(i),
        )
    }

    /// The callee context of trampoline `i` (as a core function's callee sees it).
    #[cfg(test)]
    pub fn trampoline_context(&self, i: u32) -> NonNull<VMOpaqueContext> {
        assert!(i < self.offsets.num_trampolines);
        // SAFETY: derived from the non-null allocation, in bounds (checked above).
        unsafe { NonNull::new_unchecked(self.slot(self.offsets.trampoline_ctx(i))) }
    }
}

impl Drop for VMComponentContextBox {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), self.layout) };
    }
}

/// Reads the flags of a context.
///
/// # Safety
/// `vmctx` must be live.
pub unsafe fn flags(vmctx: NonNull<VMComponentContext>) -> u32 {
    // SAFETY: the caller guarantees `vmctx` is live, so its header can be read.
    unsafe { (*vmctx.as_ptr()).header.flags }
}

/// Sets or clears flag bits of a context.
///
/// # Safety
/// `vmctx` must be live.
pub unsafe fn set_flag(vmctx: NonNull<VMComponentContext>, bit: u32, on: bool) {
    // SAFETY: the caller guarantees `vmctx` is live; the borrow of `flags` ends here.
    unsafe {
        let f = &mut (*vmctx.as_ptr()).header.flags;
        if on {
            *f |= bit;
        } else {
            *f &= !bit;
        }
    }
}

/// The `VMLowering` of a lowering trampoline's callee context.
///
/// # Safety
/// `ctx` must be the callee context of a lowering trampoline.
pub unsafe fn trampoline_lowering(
    ctx: NonNull<VMOpaqueContext>,
) -> (NonNull<VMComponentContext>, NonNull<VMLowering>) {
    // SAFETY: forwarded; instantiation sets `lowering` for every lowering trampoline.
    unsafe {
        let t = ctx.cast::<VMTrampolineContext>().as_ptr();
        debug_assert_eq!((*t).magic, TRAMPOLINE_CONTEXT_MAGIC);
        (
            NonNull::new_unchecked((*t).vmctx),
            NonNull::new_unchecked((*t).lowering),
        )
    }
}

/// Counts a call of the trampoline whose callee context is `ctx`; returns the count.
///
/// # Safety
/// `ctx` must be the callee context of a component trampoline, used by one thread.
pub unsafe fn count_trampoline_call(ctx: NonNull<VMOpaqueContext>) -> u64 {
    // SAFETY: forwarded; the counter is plain data of the trampoline's context.
    unsafe {
        let t = ctx.cast::<VMTrampolineContext>().as_ptr();
        (*t).calls += 1;
        (*t).calls
    }
}

/// Gives the trampoline whose callee context is `ctx` a compiled wasm-call entry: core
/// code calling it through its function reference takes that from its next call.
///
/// # Safety
/// `ctx` must be the callee context of a component trampoline, used by one thread;
/// `wasm_call` must do what the trampoline's array-call entry does.
pub unsafe fn set_trampoline_wasm_call(
    ctx: NonNull<VMOpaqueContext>,
    wasm_call: VmPtr<VMWasmCallFunction>,
) {
    // SAFETY: forwarded; `func_ref` points at the trampoline's reference in the same
    // live context.
    unsafe {
        let t = ctx.cast::<VMTrampolineContext>().as_ptr();
        (*(*t).func_ref).wasm_call = Some(wasm_call);
    }
}

/// Casts a trampoline's callee context back.
///
/// # Safety
/// `ctx` must be the callee context of a component trampoline.
pub unsafe fn trampoline_context(
    ctx: NonNull<VMOpaqueContext>,
) -> (NonNull<VMComponentContext>, u32) {
    // SAFETY: forwarded; the context was written by `VMComponentContextBox::new`.
    unsafe {
        let t = ctx.cast::<VMTrampolineContext>().as_ptr();
        debug_assert_eq!((*t).magic, TRAMPOLINE_CONTEXT_MAGIC);
        (NonNull::new_unchecked((*t).vmctx), (*t).index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_aligned_and_disjoint() {
        let o = VMComponentOffsets::new(2, 5, 1, 1, 1, 3);
        assert_eq!(o.lowerings as usize, size_of::<VMComponentContextHeader>());
        assert!(o.trampoline_refs >= o.lowerings + 2 * 3 * PTR);
        assert!(o.trampoline_ctxs >= o.trampoline_refs + 5 * 4 * PTR);
        assert!(o.memories >= o.trampoline_ctxs + 5 * 3 * PTR);
        assert!(o.resource_dtors >= o.post_returns + PTR);
        assert!(o.size >= o.resource_dtors + 3 * PTR);
        assert_eq!(o.size % 16, 0);
        assert_eq!(VMComponentContextHeader::FLAGS, 4);
        assert_eq!(VMComponentContextHeader::STORE_CONTEXT, 8);
        assert_eq!(offset_of!(VMLowering, data), PTR as usize);
        assert_eq!(offset_of!(VMLowering, info), 2 * PTR as usize);
        assert_eq!(VMTrampolineContext::VMCTX, 8);
        assert_eq!(VMTrampolineContext::LOWERING, 16);
    }

    #[test]
    fn trampoline_contexts_point_back() {
        let o = VMComponentOffsets::new(1, 2, 0, 0, 0, 0);
        let b = VMComponentContextBox::new(&o, core::ptr::null_mut(), core::ptr::null_mut(), 7);
        // SAFETY: the context is live and laid out by `o`.
        unsafe {
            let (vmctx, index) = trampoline_context(b.trampoline_context(1));
            assert_eq!(vmctx, b.as_ptr());
            assert_eq!(index, 1);
            assert_eq!(flags(vmctx), FLAG_MAY_LEAVE | FLAG_MAY_ENTER);
            set_flag(vmctx, FLAG_MAY_LEAVE, false);
            assert_eq!(flags(vmctx), FLAG_MAY_ENTER);
            assert_eq!((*vmctx.as_ptr()).header.instance, 7);
        }
    }
}
