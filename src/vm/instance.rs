//! The Rust side of an instance: owns its `VMContext` and the state that only the
//! runtime (not compiled code) touches, such as element and data segments.

use super::vmctx::VMCONTEXT_ALIGN;
use super::{
    FUNCTION_CONTEXT_MAGIC, FuncSlots, Global, Memory, Table, Trap, VMArrayCallFn, VMCONTEXT_MAGIC,
    VMContext, VMContextHeader, VMFuncCounters, VMFuncRef, VMFunctionContext, VMOffsets, VMRef,
    VMSharedTypeIndex, VMStoreContext, VmPtr,
};
use crate::module::{DefinedFuncIndex, FuncIndex, ModuleInfo};
use core::ptr::NonNull;
use std::alloc::Layout;
use std::any::Any;
use std::ops::Range;
use std::sync::Arc;

/// What the embedding layer supplies to build an instance's context.
pub struct InstanceParts<'a> {
    /// The module.
    pub module: Arc<ModuleInfo>,
    /// Its layout.
    pub offsets: VMOffsets,
    /// Canonical signature id of each of the module's types.
    pub sig_ids: &'a [VMSharedTypeIndex],
    /// The resolved imported functions, in import order.
    pub imported_funcs: &'a [NonNull<VMFuncRef>],
    /// The array-call entry of this instance's defined functions.
    pub array_call: VMArrayCallFn,
    /// The store's shared context.
    pub store_context: *mut VMStoreContext,
    /// The store, opaque.
    pub store: *mut (),
    /// Interpreter data of the module, opaque.
    pub interp_code: *const (),
    /// Keeps the tier data behind `interp_code` (and compiled code) alive.
    pub tier_data: Arc<dyn Any + Send + Sync>,
    /// The module's slot table. A function published there when the instance is made
    /// gets a `VMFuncRef` that calls its native code, with this instance's context.
    pub func_slots: &'a FuncSlots,
}

/// A live instance.
pub struct Instance {
    vmctx: NonNull<VMContext>,
    offsets: VMOffsets,
    module: Arc<ModuleInfo>,
    /// Evaluated element segments; a dropped segment is empty.
    elements: Vec<Box<[VMRef]>>,
    /// Byte ranges of data segments in the module's bytes; a dropped segment is empty.
    data: Vec<Range<usize>>,
    /// The embedding layer's handle for this instance (its index in the store).
    pub handle: usize,
    /// How many of the memories and tables in the context (`VMOffsets::defined_memories`,
    /// `defined_tables`) were made, so far: `Drop` drops these.
    memories_made: u32,
    tables_made: u32,
    _tier_data: Arc<dyn Any + Send + Sync>,
}

// SAFETY: an instance belongs to one store and moves with it.
unsafe impl Send for Instance {}
// SAFETY: shared access only reads.
unsafe impl Sync for Instance {}

impl Instance {
    /// Allocates the context and fills in its header and function references. Memories,
    /// tables and globals are attached afterwards with the `set_*` methods (globals may
    /// need this instance's function references to be initialised).
    pub fn new(parts: InstanceParts<'_>) -> super::VmBox<Instance> {
        let o = &parts.offsets;
        let layout =
            Layout::from_size_align(o.size as usize, VMCONTEXT_ALIGN).expect("vmctx layout");
        // SAFETY: the size is at least the header, so non-zero.
        let raw = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(vmctx) = NonNull::new(raw.cast::<VMContext>()) else {
            std::alloc::handle_alloc_error(layout)
        };
        let data = parts.module.data.iter().map(|d| d.range.clone()).collect();
        let instance = super::VmBox::new(Instance {
            vmctx,
            offsets: parts.offsets.clone(),
            module: parts.module.clone(),
            elements: Vec::new(),
            data,
            handle: 0,
            memories_made: 0,
            tables_made: 0,
            _tier_data: parts.tier_data,
        });
        let v = vmctx.as_ptr();
        // SAFETY: `v` is a fresh zeroed allocation of `o.size` bytes laid out by `o`; every
        // write below is to a field inside it.
        unsafe {
            (*v).header = VMContextHeader {
                magic: VMCONTEXT_MAGIC,
                _pad: 0,
                store_context: parts.store_context,
                store: parts.store,
                instance: instance.as_ptr(),
                interp_code: parts.interp_code,
                func_slots: parts.func_slots.as_ptr(),
            };
            for (i, f) in parts.imported_funcs.iter().enumerate() {
                let i = FuncIndex::from_u32(i as u32);
                *VMContext::field::<VmPtr<VMFuncRef>>(v, o.func(i)) = VmPtr::new(*f);
            }
            let module = &parts.module;
            for d in module.defined_funcs() {
                let func_index = module.func_index(d);
                let ctx = VMContext::field::<VMFunctionContext>(v, o.defined_func_context(d));
                ctx.write(VMFunctionContext {
                    magic: FUNCTION_CONTEXT_MAGIC,
                    func_index: func_index.as_u32(),
                    vmctx: VmPtr::new(vmctx),
                });
                let type_index = parts.sig_ids[module.functions[func_index.index()] as usize];
                let fref = VMContext::field::<VMFuncRef>(v, o.defined_func_ref(d));
                fref.write(match parts.func_slots.get(d) {
                    Some(native) => VMFuncRef {
                        array_call: native.array_call,
                        wasm_call: Some(native.wasm_call),
                        type_index,
                        vmctx: VmPtr::new(vmctx.cast()),
                    },
                    None => VMFuncRef {
                        array_call: parts.array_call,
                        wasm_call: None,
                        type_index,
                        vmctx: VmPtr::new(NonNull::new_unchecked(ctx).cast()),
                    },
                });
                *VMContext::field::<VmPtr<VMFuncRef>>(v, o.func(func_index)) =
                    VmPtr::new(NonNull::new_unchecked(fref));
            }
        }
        instance
    }

    /// The context, with provenance over the whole allocation.
    #[inline]
    pub fn vmctx(&self) -> *mut VMContext {
        self.vmctx.as_ptr()
    }

    /// The layout of the context.
    #[inline]
    pub fn offsets(&self) -> &VMOffsets {
        &self.offsets
    }

    /// The function reference of function `i` (imported or defined).
    #[inline]
    pub fn func_ref(&self, i: FuncIndex) -> NonNull<VMFuncRef> {
        assert!(
            i.as_u32() < self.offsets.num_funcs,
            "function index out of range"
        );
        // SAFETY: `i < num_funcs` (checked), and every entry was written in `new`.
        unsafe { NonNull::new_unchecked(VMContext::func_ref(self.vmctx(), &self.offsets, i)) }
    }

    /// The memory at index `i`.
    #[inline]
    pub fn memory(&self, i: u32) -> *mut Memory {
        // SAFETY: `set_memory` wrote every entry before the instance ran.
        unsafe { (*VMContext::field::<*mut Memory>(self.vmctx(), self.offsets.memory(i))).cast() }
    }

    /// The table at index `i`.
    #[inline]
    pub fn table(&self, i: u32) -> *mut Table {
        // SAFETY: `set_table` wrote every entry before the instance ran.
        unsafe { *VMContext::field::<*mut Table>(self.vmctx(), self.offsets.table(i)) }
    }

    /// The global at index `i`.
    #[inline]
    pub fn global(&self, i: u32) -> *mut Global {
        // SAFETY: `set_global` wrote every entry before the instance ran.
        unsafe { *VMContext::field::<*mut Global>(self.vmctx(), self.offsets.global(i)) }
    }

    /// Attaches memory `i`.
    pub fn set_memory(&mut self, i: u32, m: NonNull<Memory>) {
        assert!(i < self.offsets.num_memories, "memory index out of range");
        // SAFETY: `i < num_memories` (checked); the pointer is also a pointer to its definition.
        unsafe {
            *VMContext::field::<*mut Memory>(self.vmctx(), self.offsets.memory(i)) = m.as_ptr()
        };
    }

    /// Attaches table `i`.
    pub fn set_table(&mut self, i: u32, t: NonNull<Table>) {
        assert!(i < self.offsets.num_tables, "table index out of range");
        // SAFETY: `i < num_tables` (checked).
        unsafe {
            *VMContext::field::<*mut Table>(self.vmctx(), self.offsets.table(i)) = t.as_ptr()
        };
    }

    /// Moves defined memory `i` into the context and attaches it. Defined memories are
    /// made in index order.
    pub fn define_memory(&mut self, i: u32, m: Memory) -> NonNull<Memory> {
        let at = self.offsets.defined_memory(i).expect("a defined memory");
        let d = i - self.offsets.num_imported_memories;
        assert_eq!(d, self.memories_made, "memories made in order");
        // SAFETY: `at` is the slot of defined memory `i`, not written yet (made in order).
        let p = unsafe { self.place(at, m) };
        self.memories_made += 1;
        self.set_memory(i, p);
        p
    }

    /// Moves defined table `i` into the context and attaches it (in index order).
    pub fn define_table(&mut self, i: u32, t: Table) -> NonNull<Table> {
        let at = self.offsets.defined_table(i).expect("a defined table");
        let d = i - self.offsets.num_imported_tables;
        assert_eq!(d, self.tables_made, "tables made in order");
        // SAFETY: `at` is the slot of defined table `i`, not written yet (made in order).
        let p = unsafe { self.place(at, t) };
        self.tables_made += 1;
        self.set_table(i, p);
        p
    }

    /// Moves defined global `i` into the context and attaches it.
    pub fn define_global(&mut self, i: u32, g: Global) -> NonNull<Global> {
        const _: () = assert!(!core::mem::needs_drop::<Global>());
        let at = self.offsets.defined_global(i).expect("a defined global");
        // SAFETY: `at` is the slot of defined global `i`; a `Global` has no drop glue, so
        // overwriting one drops nothing.
        let p = unsafe { self.place(at, g) };
        self.set_global(i, p);
        p
    }

    /// Writes `value` at offset `at` of the context.
    ///
    /// # Safety
    /// `at` is a `VMOffsets` slot for a `T` (so in bounds and aligned) whose old
    /// contents need no drop.
    unsafe fn place<T>(&mut self, at: u32, value: T) -> NonNull<T> {
        // SAFETY: the caller guarantees the slot; `field` keeps the context's provenance.
        unsafe {
            let p = VMContext::field::<T>(self.vmctx(), at);
            p.write(value);
            NonNull::new_unchecked(p)
        }
    }

    /// Attaches global `i`.
    pub fn set_global(&mut self, i: u32, g: NonNull<Global>) {
        assert!(i < self.offsets.num_globals, "global index out of range");
        // SAFETY: `i < num_globals` (checked).
        unsafe {
            *VMContext::field::<*mut Global>(self.vmctx(), self.offsets.global(i)) = g.as_ptr()
        };
    }

    /// Installs the evaluated element segments.
    pub fn set_elements(&mut self, elements: Vec<Box<[VMRef]>>) {
        self.elements = elements;
    }

    /// The tier-up counters of defined function `d`.
    pub fn counters(&self, d: DefinedFuncIndex) -> VMFuncCounters {
        assert!(d.as_u32() < self.module.num_defined_funcs());
        // SAFETY: `d < num_defined` (checked); counters are plain data inside the context.
        unsafe { *VMContext::field::<VMFuncCounters>(self.vmctx(), self.offsets.counter(d)) }
    }

    /// `elem.drop`.
    pub fn elem_drop(&mut self, elem: u32) {
        self.elements[elem as usize] = Box::new([]);
    }

    /// `data.drop`.
    pub fn data_drop(&mut self, data: u32) {
        self.data[data as usize] = 0..0;
    }

    /// `table.init`.
    ///
    /// # Safety
    /// `this` must point to a live instance whose tables are live.
    pub unsafe fn table_init(
        this: *mut Instance,
        table: u32,
        elem: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        // SAFETY: the caller guarantees liveness; the segment and table never alias.
        unsafe {
            let t = (*this).table(table);
            let items: &[VMRef] = &(&(*this).elements)[elem as usize];
            Table::init(t, dst, items, src, len)
        }
    }

    /// `memory.init`.
    ///
    /// # Safety
    /// `this` must point to a live instance whose memories are live.
    pub unsafe fn memory_init(
        this: *mut Instance,
        memory: u32,
        data: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        // SAFETY: the caller guarantees liveness; module bytes never alias linear memory.
        unsafe {
            let m = (*this).memory(memory);
            let range = (&(*this).data)[data as usize].clone();
            let module: &ModuleInfo = &(*this).module;
            let bytes = &module.bytes[range];
            Memory::init(m, dst, bytes, src, len)
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let o = &self.offsets;
        // SAFETY: the first `memories_made` memories and `tables_made` tables were
        // written by `define_*` and are dropped once, here, with the context; the store
        // that pointed at them is being dropped too.
        unsafe {
            for d in 0..self.memories_made {
                let at = o.defined_memory(o.num_imported_memories + d);
                let at = at.expect("a defined memory");
                core::ptr::drop_in_place(VMContext::field::<Memory>(self.vmctx(), at));
            }
            for d in 0..self.tables_made {
                let at = o.defined_table(o.num_imported_tables + d);
                let at = at.expect("a defined table");
                core::ptr::drop_in_place(VMContext::field::<Table>(self.vmctx(), at));
            }
        }
        let layout =
            Layout::from_size_align(o.size as usize, VMCONTEXT_ALIGN).expect("vmctx layout");
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.vmctx.as_ptr().cast(), layout) };
    }
}
