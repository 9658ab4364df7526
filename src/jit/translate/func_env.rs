//! The function environment: the only translation code that knows the VM layout. Every
//! load and store of a `VMContext`, `VMStoreContext`, `VMMemoryDefinition`,
//! `VMTableDefinition`, `VMGlobalDefinition` or `VMFuncRef` field, every slot of an
//! array-call buffer, and every reference to a function or libcall goes through a method
//! here (as wasmtime's `func_environ.rs`), so the operator code names no offset.
//!
//! It also owns what a function keeps of that state: its `vmctx` and store context, memory
//! 0's definition, base and length (in a variable, or in Cranelift's pinned register,
//! see `Env::pinned_isa`), and the functions and signatures already imported.

use super::super::libcalls::Libcalls;
use super::super::wasm_signature;
use super::Env;
use crate::module::{DefinedFuncIndex, FuncIndex};
use crate::vm::{
    VMContextHeader, VMFuncRef, VMGlobalDefinition, VMMemoryDefinition, VMNativeEntry,
    VMSharedTypeIndex, VMStoreContext, VMTableDefinition,
};
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, MemFlagsData, SigRef, StackSlot,
    StackSlotData, StackSlotKind, Type, UserExternalName, Value, types,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_module::FuncId;
use rustc_hash::FxHashMap as HashMap;

/// Bytes per value in an array-call buffer (a `VMVal`).
pub(super) const ARRAY_SLOT: usize = 16;

/// Flags of accesses to VM structures: aligned, never trapping.
pub(crate) fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags of loads of VM fields that never change while the instance lives (the store
/// context pointer, memory, global and function pointers, a memory's base, which never
/// moves), or that the function reads only at entry (the stack limit, memory 0's length
/// before the first call): the optimizer may merge them, hoist them out of loops, load
/// them only on the paths that use them, or drop them when nothing does.
fn fixed_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Imports function `id` of the JIT module into `func` (what `Module::declare_func_in_func`
/// does, without needing the module itself, so that threads can share it).
pub(super) fn declare_func(env: &Env<'_>, func: &mut Function, id: FuncId) -> FuncRef {
    let decl = env.decls.get_function_decl(id);
    let signature = func.import_signature(decl.signature.clone());
    let name = func.declare_imported_user_function(UserExternalName {
        namespace: 0,
        index: id.as_u32(),
    });
    func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: decl.linkage.is_final(),
        patchable: false,
    })
}

/// Loads the `VMStoreContext` pointer of `vmctx`, as a load the optimizer may move (see
/// `fixed_flags`).
pub(super) fn load_store_context(b: &mut FunctionBuilder<'_>, ptr: Type, vmctx: Value) -> Value {
    b.ins().load(
        ptr,
        fixed_flags(),
        vmctx,
        VMContextHeader::STORE_CONTEXT as i32,
    )
}

/// Ends a block after a call to a libcall that never returns (`raise_trap`, `unwind`).
pub(super) fn unreachable_after_libcall(b: &mut FunctionBuilder<'_>) {
    b.ins()
        .trap(cranelift_codegen::ir::TrapCode::user(1).expect("valid code"));
}

/// Loads value `i` of type `ty` from array-call buffer `buf`.
pub(super) fn load_array_slot(
    b: &mut FunctionBuilder<'_>,
    ty: Type,
    buf: Value,
    i: usize,
) -> Value {
    b.ins().load(ty, vm_flags(), buf, (i * ARRAY_SLOT) as i32)
}

/// Stores `v` as value `i` of array-call buffer `buf`.
pub(super) fn store_array_slot(b: &mut FunctionBuilder<'_>, v: Value, buf: Value, i: usize) {
    b.ins().store(vm_flags(), v, buf, (i * ARRAY_SLOT) as i32);
}

/// A VM structure (a `VMMemoryDefinition`, `VMTableDefinition` or `VMGlobalDefinition`)
/// at `offset` bytes from `base`: inside `vmctx` for what the instance defines, behind a
/// pointer loaded from `vmctx` for what it imports.
#[derive(Copy, Clone)]
pub(super) struct VmStruct {
    base: Value,
    offset: i32,
}

impl VmStruct {
    /// The address of field `field` (an offset in the structure) as a base and offset.
    fn field(self, field: usize) -> (Value, i32) {
        (self.base, self.offset + field as i32)
    }
}

/// What one function knows of its VM state, and the references it imported.
pub(super) struct FuncEnv<'e> {
    env: &'e Env<'e>,
    /// The function's own `VMContext` and its store's `VMStoreContext`.
    pub(super) vmctx: Value,
    store_ctx: Value,
    /// `VMMemoryDefinition` of memory 0 and its (never moving) base.
    mem_def: Option<VmStruct>,
    mem_base: Option<Value>,
    /// Current length of memory 0, reloaded after anything that may grow it (calls,
    /// `memory.grow`); SSA construction carries it across blocks.
    mem_len: Option<Variable>,
    /// When memory 0's length lives in the pinned register: where the register's value
    /// on entry is kept, which belongs to the caller and is put back before returning.
    pin: Option<StackSlot>,
    /// Functions and signatures already imported into this function.
    func_refs: HashMap<FuncId, FuncRef>,
    sig_refs: HashMap<u32, SigRef>,
    /// Whether the function calls anything (other than `raise_trap` on the way out).
    pub(super) calls: bool,
}

impl<'e> FuncEnv<'e> {
    /// The environment of a function whose `vmctx` is not known yet (`enter`); `pin`:
    /// memory 0's length is kept in the pinned register.
    pub(super) fn new(env: &'e Env<'e>, pin: bool) -> FuncEnv<'e> {
        FuncEnv {
            env,
            vmctx: Value::from_u32(0),
            store_ctx: Value::from_u32(0),
            mem_def: None,
            mem_base: None,
            mem_len: None,
            pin: pin.then_some(StackSlot::from_u32(0)),
            func_refs: HashMap::default(),
            sig_refs: HashMap::default(),
            calls: false,
        }
    }

    /// At function entry: keeps `vmctx`, loads the store context, and saves the caller's
    /// pinned register when this function uses it.
    pub(super) fn enter(&mut self, b: &mut FunctionBuilder<'_>, vmctx: Value) {
        let ptr = self.env.ptr;
        self.vmctx = vmctx;
        self.store_ctx = load_store_context(b, ptr, vmctx);
        if self.pin.is_some() {
            // The caller's value, put back by every return (the stack-overflow one too).
            // Kept in a stack slot rather than a value: the optimizer must not move the
            // read of the register past the function's own writes to it.
            let slot = b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                ptr.bytes(),
                3,
            ));
            let saved = b.ins().get_pinned_reg(ptr);
            b.ins().stack_store(ptr, saved, slot, 0);
            self.pin = Some(slot);
        }
    }

    /// Gives the caller its pinned register back (before a return).
    pub(super) fn leave(&mut self, b: &mut FunctionBuilder<'_>) {
        if let Some(slot) = self.pin {
            let saved = b.ins().stack_load(self.env.ptr, self.env.ptr, slot, 0);
            b.ins().set_pinned_reg(saved);
        }
    }

    /// The store's stack limit, read at entry only: pure, so that a function without a
    /// stack check (see `drop_leaf_stack_check`) does not keep the load.
    pub(super) fn stack_limit(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        self.load_ptr(
            b,
            fixed_flags(),
            self.store_ctx,
            VMStoreContext::STACK_LIMIT,
        )
    }

    /// The store's trap flag, raised by a libcall that trapped.
    pub(super) fn trap_flag(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        b.ins().load(
            types::I32,
            vm_flags(),
            self.store_ctx,
            VMStoreContext::TRAP_FLAG as i32,
        )
    }

    /// The fuel left (i64).
    pub(super) fn fuel(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        b.ins().load(
            types::I64,
            vm_flags(),
            self.store_ctx,
            VMStoreContext::FUEL as i32,
        )
    }

    pub(super) fn set_fuel(&mut self, b: &mut FunctionBuilder<'_>, v: Value) {
        b.ins()
            .store(vm_flags(), v, self.store_ctx, VMStoreContext::FUEL as i32);
    }

    // ---- memory 0 ----

    /// At function entry, when the module has a memory: its definition and base (loaded
    /// where first needed, as they are pure, so a path that touches no memory loads
    /// nothing) and its length.
    pub(super) fn enter_memory(&mut self, b: &mut FunctionBuilder<'_>) {
        const _: () = assert!(core::mem::offset_of!(crate::vm::Memory, def) == 0);
        let ptr = self.env.ptr;
        let offsets = &self.env.offsets;
        let def = self.vm_struct(b, offsets.defined_memory(0), offsets.memory(0));
        let (base, at) = def.field(VMMemoryDefinition::BASE);
        self.mem_base = Some(b.ins().load(ptr, fixed_flags(), base, at));
        self.mem_def = Some(def);
        self.mem_len = Some(b.declare_var(ptr));
        self.load_mem_len(b, true);
    }

    /// The memory, table or global whose `vmctx` slot is at `slot`, and which sits at
    /// `defined` in `vmctx` when the instance defines it.
    fn vm_struct(&self, b: &mut FunctionBuilder<'_>, defined: Option<u32>, slot: u32) -> VmStruct {
        match defined {
            Some(offset) => VmStruct {
                base: self.vmctx,
                offset: offset as i32,
            },
            None => VmStruct {
                base: self.load_ptr(b, fixed_flags(), self.vmctx, slot as usize),
                offset: 0,
            },
        }
    }

    /// Loads the pointer-sized field at `offset` of the VM structure at `base`.
    fn load_ptr(
        &self,
        b: &mut FunctionBuilder<'_>,
        flags: MemFlagsData,
        base: Value,
        offset: usize,
    ) -> Value {
        b.ins().load(self.env.ptr, flags, base, offset as i32)
    }

    /// Memory 0's base.
    pub(super) fn mem_base(&self) -> Value {
        self.mem_base.expect("validated: a memory exists")
    }

    /// Memory 0's length as last loaded, for bounds checks.
    pub(super) fn mem_len(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        if self.pin.is_some() {
            return b.ins().get_pinned_reg(self.env.ptr);
        }
        let var = self.mem_len.expect("validated: a memory exists");
        b.use_var(var)
    }

    /// Memory 0's length now, for `memory.size`. The cached value will not do: outside
    /// the pinned register it may be the entry load, which is pure, so the optimizer may
    /// place it (and the size computed from it) after a later `memory.grow` or call.
    pub(super) fn current_mem_len(&mut self, b: &mut FunctionBuilder<'_>) -> Value {
        match (self.pin, self.mem_def) {
            (None, Some(def)) => self.load_len(b, def, vm_flags()),
            _ => self.mem_len(b),
        }
    }

    /// Loads the length field of memory definition `def`.
    fn load_len(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        def: VmStruct,
        flags: MemFlagsData,
    ) -> Value {
        let (base, at) = def.field(VMMemoryDefinition::CURRENT_LENGTH);
        b.ins().load(self.env.ptr, flags, base, at)
    }

    /// Reloads the cached memory length (after a call or `memory.grow`).
    pub(super) fn reload_mem_len(&mut self, b: &mut FunctionBuilder<'_>) {
        self.load_mem_len(b, false)
    }

    /// Loads memory 0's length into the `mem_len` variable. At function entry the load
    /// is pure (see `fixed_flags`): the length cannot change before the first call, which
    /// reloads it, so the optimizer may sink the load to the first bounds check or drop
    /// it if there is none.
    fn load_mem_len(&mut self, b: &mut FunctionBuilder<'_>, entry: bool) {
        if let (Some(def), Some(var)) = (self.mem_def, self.mem_len) {
            let len = self.load_len(b, def, if entry { fixed_flags() } else { vm_flags() });
            if self.pin.is_some() {
                b.ins().set_pinned_reg(len);
            } else {
                b.def_var(var, len);
            }
        }
    }

    // ---- globals, tables, functions ----

    /// The `VMGlobalDefinition` of global `global`, whose value is at its start.
    fn global_def(&mut self, b: &mut FunctionBuilder<'_>, global: u32) -> VmStruct {
        const _: () = assert!(core::mem::offset_of!(VMGlobalDefinition, value) == 0);
        const _: () = assert!(core::mem::offset_of!(crate::vm::Global, def) == 0);
        let offsets = &self.env.offsets;
        self.vm_struct(b, offsets.defined_global(global), offsets.global(global))
    }

    pub(super) fn global_get(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        global: u32,
        ty: Type,
    ) -> Value {
        let (base, at) = self.global_def(b, global).field(0);
        b.ins().load(ty, vm_flags(), base, at)
    }

    pub(super) fn global_set(&mut self, b: &mut FunctionBuilder<'_>, global: u32, v: Value) {
        let (base, at) = self.global_def(b, global).field(0);
        b.ins().store(vm_flags(), v, base, at);
    }

    /// The `VMTableDefinition` of table `table`.
    pub(super) fn table_def(&mut self, b: &mut FunctionBuilder<'_>, table: u32) -> VmStruct {
        const _: () = assert!(core::mem::offset_of!(crate::vm::Table, def) == 0);
        let offsets = &self.env.offsets;
        self.vm_struct(b, offsets.defined_table(table), offsets.table(table))
    }

    /// The number of elements of table definition `def`.
    pub(super) fn table_len(&mut self, b: &mut FunctionBuilder<'_>, def: VmStruct) -> Value {
        let (base, at) = def.field(VMTableDefinition::CURRENT_ELEMENTS);
        b.ins().load(self.env.ptr, vm_flags(), base, at)
    }

    /// Element `index` (pointer-sized, in bounds) of table definition `def`.
    pub(super) fn table_element(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        def: VmStruct,
        index: Value,
    ) -> Value {
        let ptr = self.env.ptr;
        let (def_base, at) = def.field(VMTableDefinition::BASE);
        let base = b.ins().load(ptr, vm_flags(), def_base, at);
        let offset = b.ins().imul_imm_s(index, ptr.bytes() as i64);
        let slot = b.ins().iadd(base, offset);
        b.ins().load(ptr, vm_flags(), slot, 0)
    }

    /// The `VMFuncRef` of function `func` (of the module's index space).
    pub(super) fn func_ref_of(&mut self, b: &mut FunctionBuilder<'_>, func: FuncIndex) -> Value {
        self.load_ptr(
            b,
            fixed_flags(),
            self.vmctx,
            self.env.offsets.func(func) as usize,
        )
    }

    /// The tier seam: the published native entry of defined function `d` (a
    /// `*const VMNativeEntry`), null while the interpreter runs it. Read at each call, not
    /// hoisted, since publication may happen at any time; the entry is reached through the
    /// loaded pointer, so the address dependency orders the two loads on every target.
    pub(super) fn func_slot(&mut self, b: &mut FunctionBuilder<'_>, d: DefinedFuncIndex) -> Value {
        let slots = self.load_ptr(b, fixed_flags(), self.vmctx, VMContextHeader::FUNC_SLOTS);
        self.load_ptr(
            b,
            vm_flags(),
            slots,
            d.index() * self.env.ptr.bytes() as usize,
        )
    }

    /// The wasm-call entry of the `VMNativeEntry` at `entry`.
    pub(super) fn entry_wasm_call(&mut self, b: &mut FunctionBuilder<'_>, entry: Value) -> Value {
        self.load_ptr(b, vm_flags(), entry, VMNativeEntry::WASM_CALL)
    }

    /// The shared type index of `VMFuncRef` `fref` (i32).
    pub(super) fn funcref_type(&mut self, b: &mut FunctionBuilder<'_>, fref: Value) -> Value {
        b.ins().load(
            types::I32,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, type_index) as i32,
        )
    }

    /// The wasm-call entry of `VMFuncRef` `fref` (null when it has none).
    pub(super) fn funcref_wasm_call(&mut self, b: &mut FunctionBuilder<'_>, fref: Value) -> Value {
        self.load_ptr(
            b,
            vm_flags(),
            fref,
            core::mem::offset_of!(VMFuncRef, wasm_call),
        )
    }

    /// The callee `vmctx` of `VMFuncRef` `fref`.
    pub(super) fn funcref_vmctx(&mut self, b: &mut FunctionBuilder<'_>, fref: Value) -> Value {
        self.load_ptr(b, vm_flags(), fref, core::mem::offset_of!(VMFuncRef, vmctx))
    }

    /// The engine-wide id of type `type_index`, as `VMFuncRef::type_index` holds it.
    pub(super) fn sig_id(&self, type_index: u32) -> VMSharedTypeIndex {
        self.env.sig_ids[type_index as usize]
    }

    /// The address of the array-call stub of type `type_index` (see `jit::stubs`).
    pub(super) fn array_call_stub(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        type_index: u32,
    ) -> Value {
        let f = self.func_ref(b, self.env.stub_ids[type_index as usize]);
        b.ins().func_addr(self.env.ptr, f)
    }

    /// `id` imported into this function (once).
    pub(super) fn func_ref(&mut self, b: &mut FunctionBuilder<'_>, id: FuncId) -> FuncRef {
        if let Some(r) = self.func_refs.get(&id) {
            return *r;
        }
        let r = declare_func(self.env, b.func, id);
        self.func_refs.insert(id, r);
        r
    }

    /// The wasm-call signature of type `ty`, imported once.
    pub(super) fn sig_ref(&mut self, b: &mut FunctionBuilder<'_>, ty: u32) -> SigRef {
        if let Some(r) = self.sig_refs.get(&ty) {
            return *r;
        }
        let sig = wasm_signature(
            &self.env.module.types[ty as usize],
            self.env.call_conv,
            self.env.ptr,
        );
        let r = b.import_signature(sig);
        self.sig_refs.insert(ty, r);
        r
    }

    /// Calls the libcall `pick` chooses with this function's `vmctx` and `args`; its
    /// result, if it has one.
    pub(super) fn libcall(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        pick: impl FnOnce(&Libcalls) -> FuncId,
        args: &[Value],
    ) -> Option<Value> {
        self.calls = true;
        let fref = self.func_ref(b, pick(self.env.libcalls));
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let call = b.ins().call(fref, &all);
        b.inst_results(call).first().copied()
    }

    /// Records trap `code` (`raise_trap`), which does not count as a call: it is only
    /// made on the way out.
    pub(super) fn raise_trap(&mut self, b: &mut FunctionBuilder<'_>, code: Value) {
        let f = self.func_ref(b, self.env.libcalls.raise_trap);
        b.ins().call(f, &[self.vmctx, code]);
        unreachable_after_libcall(b);
    }

    /// Leaves for the entry after a trap already recorded (`unwind`); like
    /// `raise_trap`, not counted as a call.
    pub(super) fn unwind(&mut self, b: &mut FunctionBuilder<'_>) {
        let f = self.func_ref(b, self.env.libcalls.unwind);
        b.ins().call(f, &[self.store_ctx]);
        unreachable_after_libcall(b);
    }
}
