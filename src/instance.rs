//! `Instance`: instantiation (import checks, memories, tables, globals, segments, start)
//! and access to exports.

use crate::extern_::{Extern, Global, Memory, Table};
use crate::func::{Func, TypedFunc, WasmTyList, invoke};
use crate::module::{
    ConstExpr, ConstOp, DataMode, ElemItems, ElemMode, EntityType, ExportIndex, FuncIndex,
    ModuleInfo,
};
use crate::module_api::Module;
use crate::store::{AsContext, AsContextMut, StoreContextMut, StoreId, StoreOpaque};
use crate::tiering::FuncStats;
use crate::vm::{self, InstanceParts, StoreBox, VMFuncRef, VMRef, ValRaw, VmBox};
use anyhow::{Result, anyhow, bail};
use core::ptr::NonNull;

/// What the store keeps per instance.
pub(crate) struct InstanceData {
    pub(crate) handle: VmBox<vm::Instance>,
    pub(crate) module: Module,
}

/// An instance of a module in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) store_id: StoreId,
    pub(crate) index: usize,
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new(
        mut store: impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        instantiate(&mut store.as_context_mut(), module, imports)
    }

    fn data<'a>(&self, store: &'a StoreOpaque) -> &'a InstanceData {
        &store.instances[self.index]
    }

    /// The module this is an instance of.
    pub fn module(&self, store: impl AsContext) -> Module {
        self.data(store.as_context().opaque()).module.clone()
    }

    /// An export by name.
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let ctx = store.as_context();
        let o = ctx.opaque();
        if o.check(self.store_id).is_err() {
            return None;
        }
        let data = self.data(o);
        let index = *data.module.info().export_map.get(name)?;
        Some(export_item(o, data, index))
    }

    /// Every export, in order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let ctx = store.as_context();
        let o = ctx.opaque();
        let data = self.data(o);
        data.module
            .info()
            .exports
            .iter()
            .map(|(n, i)| (n.clone(), export_item(o, data, *i)))
            .collect()
    }

    /// An exported function.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// An exported function with Rust types.
    pub fn get_typed_func<P: WasmTyList, R: WasmTyList>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<P, R>> {
        let ctx = store.as_context();
        let f = self
            .get_func(ctx, name)
            .ok_or_else(|| anyhow!("no exported function named `{name}`"))?;
        f.typed(ctx)
    }

    /// An exported memory.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// An exported global.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// An exported table.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// Tier and counters of every defined function.
    pub fn tier_stats(&self, store: impl AsContext) -> Vec<FuncStats> {
        let ctx = store.as_context();
        let data = self.data(ctx.opaque());
        let info = data.module.info();
        let inst = data.handle.get();
        info.defined_funcs()
            .map(|d| {
                let c = inst.counters(d);
                let func_index = info.func_index(d).as_u32();
                FuncStats {
                    func_index,
                    name: info.func_names.get(&func_index).cloned(),
                    tier: data.module.inner.tiers.tier_of(d),
                    calls: c.calls,
                    loop_iterations: c.loop_iterations(),
                    compile_time: data.module.inner.tiers.compile_time(d),
                    osr_entries: c.osr_entries,
                }
            })
            .collect()
    }
}

fn export_item(o: &StoreOpaque, data: &InstanceData, index: ExportIndex) -> Extern {
    let inst = data.handle.get();
    match index {
        ExportIndex::Func(f) => {
            Extern::Func(Func::from_raw(o.id, inst.func_ref(FuncIndex::from_u32(f))))
        }
        ExportIndex::Memory(m) => Extern::Memory(find_memory(o, inst.memory(m))),
        ExportIndex::Table(t) => Extern::Table(find_table(o, inst.table(t))),
        ExportIndex::Global(g) => Extern::Global(find_global(o, inst.global(g))),
    }
}

fn find_memory(o: &StoreOpaque, p: *mut vm::Memory) -> Memory {
    let index = o
        .memories
        .iter()
        .position(|m| m.as_ptr() == p)
        .expect("memory owned by the store");
    Memory {
        store_id: o.id,
        index,
    }
}
fn find_table(o: &StoreOpaque, p: *mut vm::Table) -> Table {
    let index = o
        .tables
        .iter()
        .position(|t| t.as_ptr() == p)
        .expect("table owned by the store");
    Table {
        store_id: o.id,
        index,
    }
}
fn find_global(o: &StoreOpaque, p: *mut vm::Global) -> Global {
    let index = o
        .globals
        .iter()
        .position(|g| g.as_ptr() == p)
        .expect("global owned by the store");
    Global {
        store_id: o.id,
        index,
    }
}

/// Checks an import against its expected type (the spec's import matching rules).
fn check_import(
    o: &StoreOpaque,
    module: &ModuleInfo,
    expected: &EntityType,
    actual: &Extern,
) -> Result<()> {
    fn limits_match(min: u64, max: Option<u64>, want_min: u64, want_max: Option<u64>) -> bool {
        min >= want_min
            && match want_max {
                None => true,
                Some(wm) => max.is_some_and(|m| m <= wm),
            }
    }
    match (expected, actual) {
        (EntityType::Func(t), Extern::Func(f)) => {
            o.check(f.store_id)?;
            let want = &module.types[*t as usize];
            // SAFETY: the function belongs to this store (checked), so it is live.
            let have = o
                .engine
                .signature(unsafe { (*f.funcref.as_ptr()).type_index });
            if &have != want {
                bail!("function types incompatible: expected {want}, found {have}");
            }
        }
        (EntityType::Memory(want), Extern::Memory(m)) => {
            o.check(m.store_id)?;
            let have = o.memories[m.index].get().ty();
            if !limits_match(have.minimum, have.maximum, want.minimum, want.maximum) {
                bail!("memory types incompatible: expected {want:?}, found {have:?}");
            }
        }
        (EntityType::Table(want), Extern::Table(t)) => {
            o.check(t.store_id)?;
            let have = o.tables[t.index].get().ty();
            if have.element != want.element
                || !limits_match(have.minimum, have.maximum, want.minimum, want.maximum)
            {
                bail!("table types incompatible: expected {want:?}, found {have:?}");
            }
        }
        (EntityType::Global(want), Extern::Global(g)) => {
            o.check(g.store_id)?;
            let have = o.globals[g.index].get().ty;
            if have != *want {
                bail!("global types incompatible: expected {want:?}, found {have:?}");
            }
        }
        (want, have) => bail!("expected {}, found {}", want.kind_name(), have.kind_name()),
    }
    Ok(())
}

/// Evaluates a constant expression in the context of a (partly built) instance.
fn eval_const(expr: &ConstExpr, inst: &vm::Instance) -> Result<ValRaw> {
    let mut stack: smallvec::SmallVec<[ValRaw; 4]> = smallvec::SmallVec::new();
    for op in &expr.ops {
        let v = match *op {
            ConstOp::I32(v) => ValRaw::i32(v),
            ConstOp::I64(v) => ValRaw::i64(v),
            ConstOp::F32(v) => ValRaw::f32(v),
            ConstOp::F64(v) => ValRaw::f64(v),
            ConstOp::V128(v) => ValRaw::v128(v),
            ConstOp::RefNull => ValRaw::vmref(VMRef::NULL),
            ConstOp::RefFunc(f) => {
                ValRaw::vmref(VMRef(inst.func_ref(FuncIndex::from_u32(f)).as_ptr().cast()))
            }
            // SAFETY: globals referenced by constant expressions are attached before the
            // expression is evaluated (imports first, then definitions in order).
            ConstOp::GlobalGet(g) => unsafe { (*inst.global(g)).def.value },
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let (b, a) = (stack.pop(), stack.pop());
                let (a, b) = (
                    a.ok_or_else(|| anyhow!("bad constant"))?.get_i32(),
                    b.ok_or_else(|| anyhow!("bad constant"))?.get_i32(),
                );
                ValRaw::i32(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let (b, a) = (stack.pop(), stack.pop());
                let (a, b) = (
                    a.ok_or_else(|| anyhow!("bad constant"))?.get_i64(),
                    b.ok_or_else(|| anyhow!("bad constant"))?.get_i64(),
                );
                ValRaw::i64(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
        };
        stack.push(v);
    }
    stack
        .pop()
        .ok_or_else(|| anyhow!("empty constant expression"))
}

/// Instantiates `module`. On a trap during segment initialisation or `start`, the
/// instance stays in the store (its functions may already be in shared tables) and the
/// error is returned.
pub(crate) fn instantiate<T>(
    store: &mut StoreContextMut<'_, T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    let info = module.inner.info.clone();
    let m = &module.inner;
    let o = store.opaque_mut();
    if !crate::Engine::same(&m.engine, &o.engine) {
        bail!("module was compiled for a different engine than the store's");
    }
    let resolved = resolve_imports(o, &info, imports)?;
    let store_context = o.context.as_ptr();
    let store_ptr = store.raw().as_ptr().cast::<()>();
    let o = store.opaque_mut();
    let mut handle = vm::Instance::new(InstanceParts {
        module: info.clone(),
        offsets: m.offsets.clone(),
        sig_ids: &m.sig_ids,
        imported_funcs: &resolved.funcs,
        array_call: m.tiers.array_call(),
        store_context,
        store: store_ptr,
        interp_code: m.tiers.interp_code(),
        tier_data: m.tiers.clone(),
        func_slots: &m.tiers.slots,
    });
    let inst = handle.get_mut();
    let kept = (o.memories.len(), o.tables.len(), o.globals.len());
    if let Err(e) = define_entities(o, inst, &info, &resolved) {
        // What was made lives in the context that is dropped with `handle`.
        o.memories.truncate(kept.0);
        o.tables.truncate(kept.1);
        o.globals.truncate(kept.2);
        return Err(e);
    }
    let index = o.instances.len();
    inst.handle = index;
    let vm_inst = handle.as_ptr();
    o.instances.push(crate::instance::InstanceData {
        handle,
        module: module.clone(),
    });
    let instance = Instance {
        store_id: o.id,
        index,
    };

    // From here on, effects are visible to other instances even if a later step traps.
    // SAFETY: the instance is registered in the store and fully attached.
    unsafe { init_active_segments(vm_inst, &info)? };
    if let Some(start) = info.start {
        // SAFETY: the instance is live in the store.
        let funcref = unsafe { (*vm_inst).func_ref(FuncIndex::from_u32(start)) };
        invoke(store.raw().cast(), funcref, &mut [])?;
    }
    Ok(instance)
}

/// The store objects a module's imports resolve to, by kind in import order.
struct ResolvedImports {
    funcs: Vec<NonNull<VMFuncRef>>,
    memories: Vec<NonNull<vm::Memory>>,
    tables: Vec<NonNull<vm::Table>>,
    globals: Vec<NonNull<vm::Global>>,
}

/// Checks each import against its type and resolves it to the store's object.
fn resolve_imports(
    o: &StoreOpaque,
    info: &ModuleInfo,
    imports: &[Extern],
) -> Result<ResolvedImports> {
    if imports.len() != info.imports.len() {
        bail!(
            "expected {} imports, found {}",
            info.imports.len(),
            imports.len()
        );
    }
    let mut r = ResolvedImports {
        funcs: Vec::new(),
        memories: Vec::new(),
        tables: Vec::new(),
        globals: Vec::new(),
    };
    for (import, item) in info.imports.iter().zip(imports) {
        check_import(o, info, &import.ty, item).map_err(|e| {
            anyhow!(
                "incompatible import type for `{}::{}`: {e}",
                import.module,
                import.name
            )
        })?;
        match item {
            Extern::Func(f) => r.funcs.push(f.funcref),
            Extern::Memory(mem) => r.memories.push(mem.ptr(o)?),
            Extern::Table(t) => r.tables.push(t.ptr(o)?),
            Extern::Global(g) => r.globals.push(g.ptr(o)?),
        }
    }
    Ok(r)
}

/// Attaches the imported memories, tables and globals to `inst`, creates the defined
/// ones in the store, and evaluates the element segments.
fn define_entities(
    o: &mut StoreOpaque,
    inst: &mut vm::Instance,
    info: &ModuleInfo,
    imports: &ResolvedImports,
) -> Result<()> {
    let reservation = o.engine.config().memory_reservation;
    for (i, p) in imports.memories.iter().enumerate() {
        inst.set_memory(i as u32, *p);
    }
    for (i, p) in imports.tables.iter().enumerate() {
        inst.set_table(i as u32, *p);
    }
    for (i, p) in imports.globals.iter().enumerate() {
        inst.set_global(i as u32, *p);
    }
    for (i, ty) in info
        .memories
        .iter()
        .enumerate()
        .skip(info.num_imported_memories as usize)
    {
        let mem = inst.define_memory(i as u32, vm::Memory::new(*ty, reservation)?);
        o.memories.push(StoreBox::InInstance(mem));
    }
    for (d, init) in info.global_inits.iter().enumerate() {
        let i = info.num_imported_globals as usize + d;
        let value = eval_const(init, inst)?;
        let g = inst.define_global(i as u32, vm::Global::new(info.globals[i], value));
        o.globals.push(StoreBox::InInstance(g));
    }
    for (d, init) in info.table_inits.iter().enumerate() {
        let i = info.num_imported_tables as usize + d;
        let value = match init {
            Some(e) => eval_const(e, inst)?.get_ref(),
            None => VMRef::NULL,
        };
        let t = inst.define_table(i as u32, vm::Table::new(info.tables[i], value)?);
        o.tables.push(StoreBox::InInstance(t));
    }
    let mut elements = Vec::with_capacity(info.elements.len());
    for seg in &info.elements {
        let items: Box<[VMRef]> = match &seg.items {
            ElemItems::Funcs(f) => f
                .iter()
                .map(|&f| VMRef(inst.func_ref(FuncIndex::from_u32(f)).as_ptr().cast()))
                .collect(),
            ElemItems::Exprs(e) => e
                .iter()
                .map(|e| eval_const(e, inst).map(|v| v.get_ref()))
                .collect::<Result<_>>()?,
        };
        elements.push(items);
    }
    inst.set_elements(elements);
    Ok(())
}

/// Copies the active element and data segments into their tables and memories, and drops
/// them (and the declared ones).
///
/// # Safety
/// `vm_inst` is registered in its store and fully attached.
unsafe fn init_active_segments(vm_inst: *mut vm::Instance, info: &ModuleInfo) -> Result<()> {
    for (i, seg) in info.elements.iter().enumerate() {
        match &seg.mode {
            ElemMode::Active { table, offset } => {
                // SAFETY: the caller guarantees a live, attached instance; `table` and `i`
                // are validated indices of its module.
                unsafe {
                    let offset = eval_const(offset, &*vm_inst)?.get_i32() as u32 as u64;
                    let len = seg.items.len() as u64;
                    vm::Instance::table_init(vm_inst, *table, i as u32, offset, 0, len)
                        .map_err(anyhow::Error::new)?;
                    (*vm_inst).elem_drop(i as u32);
                }
            }
            // SAFETY: as above; `i` is a segment of its module.
            ElemMode::Declared => unsafe { (*vm_inst).elem_drop(i as u32) },
            ElemMode::Passive => {}
        }
    }
    for (i, seg) in info.data.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &seg.mode {
            // SAFETY: as for the element segments: `memory` and `i` are validated indices
            // of the module of a live, attached instance.
            unsafe {
                let offset = eval_const(offset, &*vm_inst)?.get_i32() as u32 as u64;
                let len = seg.range.len() as u64;
                vm::Instance::memory_init(vm_inst, *memory, i as u32, offset, 0, len)
                    .map_err(anyhow::Error::new)?;
                (*vm_inst).data_drop(i as u32);
            }
        }
    }
    Ok(())
}
