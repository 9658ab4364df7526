//! Instantiation: replays a [`ComponentDef`]'s initializers against a store, filling
//! the index spaces with run-time items (core instances through the core API, nested
//! component instances recursively), binding abstract resources to run-time resource
//! types, and laying out the instance's `VMComponentContext`.

use super::func::{
    Func, Options, lowering_callee, lowering_trampoline, resource_drop_trampoline,
    resource_new_trampoline, resource_rep_trampoline, unsupported_trampoline,
};
use super::parse::{ComponentDef, CoreKind, EntityTy, Init, ItemRef, Kind, TrampolineDef};
use super::resources::ResourceType;
use super::store::{
    ComponentFuncId, ComponentInstanceData, ComponentInstanceId, FuncData, GuestResource,
    LoweringInfo, LoweringTarget,
};
use super::types::{FlatType, ResourceKey};
use crate::store::{AsContext, StoreContextMut, StoreId};
use crate::vm::component::{VMComponentContextBox, VMLowering};
use crate::vm::{VMArrayCallFn, VMFuncRef, VmBox, VmPtr};
use crate::{Extern, Module};
use anyhow::{Context, Result, anyhow, bail};
use core::ptr::NonNull;
use std::collections::HashMap;
use std::sync::Arc;

/// A run-time item of a component-level index space.
#[derive(Clone)]
pub(crate) enum Item {
    Func(ComponentFuncId),
    Instance(Arc<Exports>),
    /// A type: its run-time resource type, for resources.
    Type(Option<ResourceType>),
    Component(ComponentValue),
    Module(Module),
}

/// A component as a run-time value: its definition, and the items of enclosing
/// instantiations it reaches with outer aliases.
#[derive(Clone)]
pub(crate) struct ComponentValue {
    pub(crate) def: Arc<ComponentDef>,
    pub(crate) outer: Option<Arc<OuterEnv>>,
}

/// The module and component index spaces of an enclosing instantiation, as they were
/// when a nested component became a value.
pub(crate) struct OuterEnv {
    modules: Vec<Module>,
    components: Vec<ComponentValue>,
    parent: Option<Arc<OuterEnv>>,
}

impl OuterEnv {
    /// The environment `count` levels out (1 is this one).
    fn level(self: &Arc<Self>, count: u32) -> Result<&Arc<OuterEnv>> {
        let mut env = self;
        for _ in 1..count {
            env = env
                .parent
                .as_ref()
                .ok_or_else(|| anyhow!("outer alias reaches past the outermost component"))?;
        }
        Ok(env)
    }
}

impl Item {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Item::Func(_) => Kind::Func,
            Item::Instance(_) => Kind::Instance,
            Item::Type(_) => Kind::Type,
            Item::Component(_) => Kind::Component,
            Item::Module(_) => Kind::Module,
        }
    }
}

/// The exports of a component instance, in order.
#[derive(Clone, Default)]
pub(crate) struct Exports {
    pub(crate) items: Vec<(String, Item)>,
}

impl Exports {
    pub(crate) fn get(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|(n, _)| n == name).map(|(_, i)| i)
    }

    /// The item at an export path.
    pub(crate) fn at_path(&self, path: &[String]) -> Option<&Item> {
        let (first, rest) = path.split_first()?;
        let item = self.get(first)?;
        if rest.is_empty() {
            return Some(item);
        }
        match item {
            Item::Instance(e) => e.at_path(rest),
            _ => None,
        }
    }
}

/// A core instance: instantiated from a module, or made of other items.
#[derive(Clone)]
enum CoreInstance {
    Real(crate::Instance),
    Synthetic(Vec<(String, Extern)>),
}

/// An instance of a component.
#[derive(Copy, Clone, Debug)]
pub struct Instance {
    pub(crate) store_id: StoreId,
    pub(crate) index: ComponentInstanceId,
}

impl Instance {
    fn exports<'a>(&self, store: &'a crate::store::StoreOpaque) -> Result<&'a Arc<Exports>> {
        store.check(self.store_id)?;
        store
            .components
            .instance(self.index)
            .exports
            .as_ref()
            .ok_or_else(|| anyhow!("instance is not fully instantiated"))
    }

    /// An exported function by name; `"iface#name"` reaches into an exported instance
    /// (`"wasi:cli/run@0.2.0#run"`).
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        let ctx = store.as_context();
        let exports = self.exports(ctx.opaque()).ok()?;
        let path: Vec<String> = match name.split_once('#') {
            Some((i, f)) => vec![i.to_string(), f.to_string()],
            None => vec![name.to_string()],
        };
        match exports.at_path(&path)? {
            Item::Func(index) => Some(Func {
                store_id: self.store_id,
                index: *index,
            }),
            _ => None,
        }
    }

    /// A function exported by an exported instance.
    pub fn get_instance_func(
        &self,
        store: impl AsContext,
        instance: &str,
        name: &str,
    ) -> Option<Func> {
        let ctx = store.as_context();
        let exports = self.exports(ctx.opaque()).ok()?;
        match exports.at_path(&[instance.to_string(), name.to_string()])? {
            Item::Func(index) => Some(Func {
                store_id: self.store_id,
                index: *index,
            }),
            _ => None,
        }
    }

    /// A typed exported function.
    pub fn get_typed_func<P, R>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<super::TypedFunc<P, R>>
    where
        P: super::typed::ComponentNamedList + super::typed::Lower,
        R: super::typed::ComponentNamedList + super::typed::Lift,
    {
        let ctx = store.as_context();
        let f = self
            .get_func(ctx, name)
            .ok_or_else(|| anyhow!("no exported function named `{name}`"))?;
        f.typed(ctx)
    }

    /// The names and kinds of the exports.
    pub fn export_names(&self, store: impl AsContext) -> Vec<(String, &'static str)> {
        let ctx = store.as_context();
        match self.exports(ctx.opaque()) {
            Ok(e) => e
                .items
                .iter()
                .map(|(n, i)| (n.clone(), i.kind().name()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The exported resource type named `name`, if any.
    pub fn get_resource(&self, store: impl AsContext, name: &str) -> Option<ResourceType> {
        let ctx = store.as_context();
        match self.exports(ctx.opaque()).ok()?.get(name)? {
            Item::Type(t) => *t,
            _ => None,
        }
    }
}

/// The index spaces of one instantiation.
#[derive(Default)]
struct Env {
    funcs: Vec<ComponentFuncId>,
    instances: Vec<Arc<Exports>>,
    types: Vec<Option<ResourceType>>,
    components: Vec<ComponentValue>,
    modules: Vec<Module>,
    /// What outer aliases of run-time items reach.
    outer: Option<Arc<OuterEnv>>,
    core_funcs: Vec<crate::Func>,
    core_memories: Vec<crate::Memory>,
    core_tables: Vec<crate::Table>,
    core_globals: Vec<crate::Global>,
    core_instances: Vec<CoreInstance>,
}

impl Env {
    /// The enclosing environment `count` levels out, for an outer alias.
    fn outer_level(&self, count: u32) -> Result<&Arc<OuterEnv>> {
        self.outer
            .as_ref()
            .ok_or_else(|| anyhow!("outer alias without an enclosing component"))?
            .level(count)
    }

    fn item(&self, r: ItemRef) -> Result<Item> {
        let i = r.index as usize;
        let missing = || anyhow!("{} index {} out of range", r.kind.name(), r.index);
        Ok(match r.kind {
            Kind::Func => Item::Func(*self.funcs.get(i).ok_or_else(missing)?),
            Kind::Instance => Item::Instance(self.instances.get(i).ok_or_else(missing)?.clone()),
            Kind::Type => Item::Type(*self.types.get(i).ok_or_else(missing)?),
            Kind::Component => Item::Component(self.components.get(i).ok_or_else(missing)?.clone()),
            Kind::Module => Item::Module(self.modules.get(i).ok_or_else(missing)?.clone()),
            Kind::Value => bail!("unsupported: component values"),
        })
    }

    fn push(&mut self, item: Item) {
        match item {
            Item::Func(f) => self.funcs.push(f),
            Item::Instance(e) => self.instances.push(e),
            Item::Type(t) => self.types.push(t),
            Item::Component(c) => self.components.push(c),
            Item::Module(m) => self.modules.push(m),
        }
    }

    fn core_item(&self, kind: CoreKind, index: u32) -> Result<Extern> {
        let i = index as usize;
        let missing = || anyhow!("core item index {index} out of range");
        Ok(match kind {
            CoreKind::Func => Extern::Func(*self.core_funcs.get(i).ok_or_else(missing)?),
            CoreKind::Memory => Extern::Memory(*self.core_memories.get(i).ok_or_else(missing)?),
            CoreKind::Table => Extern::Table(*self.core_tables.get(i).ok_or_else(missing)?),
            CoreKind::Global => Extern::Global(*self.core_globals.get(i).ok_or_else(missing)?),
        })
    }

    fn push_core(&mut self, e: Extern) {
        match e {
            Extern::Func(f) => self.core_funcs.push(f),
            Extern::Memory(m) => self.core_memories.push(m),
            Extern::Table(t) => self.core_tables.push(t),
            Extern::Global(g) => self.core_globals.push(g),
        }
    }
}

fn core_export<T>(
    store: &StoreContextMut<'_, T>,
    inst: &CoreInstance,
    name: &str,
) -> Option<Extern> {
    match inst {
        CoreInstance::Real(i) => i.get_export(store, name),
        CoreInstance::Synthetic(items) => items.iter().find(|(n, _)| n == name).map(|(_, e)| *e),
    }
}

/// Binds the resources that `ty` (an import or new instance, as this component types
/// it) names to the run-time types found in `item`.
fn bind_resources(
    resources: &mut HashMap<ResourceKey, ResourceType>,
    ty: &EntityTy,
    item: &Item,
) -> Result<()> {
    let mut paths = Vec::new();
    ty.resource_paths(&mut Vec::new(), &mut paths);
    for (key, path) in paths {
        let found = if path.is_empty() {
            Some(item)
        } else {
            match item {
                Item::Instance(e) => e.at_path(&path),
                _ => None,
            }
        };
        match found {
            Some(Item::Type(Some(rt))) => bind(resources, key, *rt)?,
            _ => bail!("expected a resource type at `{}`", path.join("/")),
        }
    }
    Ok(())
}

fn bind(
    resources: &mut HashMap<ResourceKey, ResourceType>,
    key: ResourceKey,
    rt: ResourceType,
) -> Result<()> {
    if let Some(old) = resources.insert(key, rt)
        && old != rt
    {
        bail!("resource type bound twice to different types");
    }
    Ok(())
}

/// Checks a run-time item against the type an import expects (kinds, function types
/// of host functions, instance exports present).
fn check_import(name: &str, ty: &EntityTy, item: &Item) -> Result<()> {
    if ty.kind() != item.kind() {
        bail!(
            "import `{name}` expects a {}, found a {}",
            ty.kind().name(),
            item.kind().name()
        );
    }
    match (ty, item) {
        (EntityTy::Instance(expected), Item::Instance(given)) => {
            for (n, t) in expected.iter() {
                let Some(i) = given.get(n) else {
                    bail!("instance `{name}` has no export named `{n}`");
                };
                check_import(&format!("{name}/{n}"), t, i)?;
            }
        }
        (EntityTy::Type(keys), Item::Type(None)) if !keys.is_empty() => {
            bail!("import `{name}` expects a resource type");
        }
        _ => {}
    }
    Ok(())
}

/// Instantiates `def` with `imports` (one item per import, in order); returns the new
/// component instance's index.
pub(crate) fn instantiate<T>(
    store: &mut StoreContextMut<'_, T>,
    component: &ComponentValue,
    imports: Vec<Item>,
) -> Result<ComponentInstanceId> {
    let def = &component.def;
    let store_raw = store.raw();
    let o = store.opaque_mut();
    let index = o.components.next_instance_id();
    let vmctx = VMComponentContextBox::new(
        &def.offsets,
        o.context.as_ptr(),
        store_raw.as_ptr().cast(),
        index.as_u32(),
    );
    o.components.push_instance(ComponentInstanceData {
        def: def.clone(),
        vmctx,
        handles: Default::default(),
        resources: HashMap::new(),
        lowering_data: Vec::new(),
        lowering_info: Vec::new(),
        exports: None,
    });
    if imports.len() != def.imports.len() {
        bail!(
            "expected {} imports, got {}",
            def.imports.len(),
            imports.len()
        );
    }
    let mut env = Env {
        outer: component.outer.clone(),
        ..Env::default()
    };
    let mut exports = Exports::default();
    for init in &def.inits {
        run_init(store, def, index, &imports, &mut env, &mut exports, init)?;
    }
    store.opaque_mut().components.instance_mut(index).exports = Some(Arc::new(exports));
    Ok(index)
}

fn run_init<T>(
    store: &mut StoreContextMut<'_, T>,
    def: &Arc<ComponentDef>,
    index: ComponentInstanceId,
    imports: &[Item],
    env: &mut Env,
    exports: &mut Exports,
    init: &Init,
) -> Result<()> {
    match init {
        Init::Import(i) => {
            let (name, ty) = &def.imports[*i as usize];
            let item = imports[*i as usize].clone();
            check_import(name, ty, &item)?;
            let o = store.opaque_mut();
            bind_resources(&mut o.components.instance_mut(index).resources, ty, &item)
                .with_context(|| format!("import `{name}`"))?;
            env.push(item);
        }
        Init::CoreModule(m) => env.modules.push(def.modules[*m as usize].clone()),
        Init::CoreInstantiate { module, args } => {
            init_core_instantiate(store, env, module, args)?;
        }
        Init::CoreInstanceFromExports(items) => {
            let items = items
                .iter()
                .map(|(n, r)| Ok((n.clone(), env.core_item(r.kind, r.index)?)))
                .collect::<Result<_>>()?;
            env.core_instances.push(CoreInstance::Synthetic(items));
        }
        Init::CoreAlias {
            instance,
            name,
            kind,
        } => {
            let inst = env
                .core_instances
                .get(*instance as usize)
                .ok_or_else(|| anyhow!("core instance index out of range"))?;
            let e = core_export(store, inst, name)
                .ok_or_else(|| anyhow!("core instance has no export named `{name}`"))?;
            let found = match e {
                Extern::Func(_) => CoreKind::Func,
                Extern::Memory(_) => CoreKind::Memory,
                Extern::Table(_) => CoreKind::Table,
                Extern::Global(_) => CoreKind::Global,
            };
            if found != *kind {
                bail!("core export `{name}` is a {found:?}, not a {kind:?}");
            }
            env.push_core(e);
        }
        Init::Component(c) => {
            let child = def.components[*c as usize].clone();
            // Capture the enclosing index spaces only when the child reaches them.
            let outer = child.uses_outer.then(|| {
                Arc::new(OuterEnv {
                    modules: env.modules.clone(),
                    components: env.components.clone(),
                    parent: env.outer.clone(),
                })
            });
            env.components.push(ComponentValue { def: child, outer });
        }
        Init::OuterModule { count, index } => {
            let outer = env.outer_level(*count)?;
            let m = outer
                .modules
                .get(*index as usize)
                .ok_or_else(|| anyhow!("outer module index out of range"))?
                .clone();
            env.modules.push(m);
        }
        Init::OuterComponent { count, index } => {
            let outer = env.outer_level(*count)?;
            let c = outer
                .components
                .get(*index as usize)
                .ok_or_else(|| anyhow!("outer component index out of range"))?
                .clone();
            env.components.push(c);
        }
        Init::Instantiate {
            component,
            args,
            bindings,
        } => {
            init_instantiate(store, index, env, component, args, bindings)?;
        }
        Init::InstanceFromExports(items) => {
            let items = items
                .iter()
                .map(|(n, r)| Ok((n.clone(), env.item(*r)?)))
                .collect::<Result<_>>()?;
            env.instances.push(Arc::new(Exports { items }));
        }
        Init::Alias {
            instance,
            name,
            kind,
            keys,
        } => {
            init_alias(store, index, env, instance, name, kind, keys)?;
        }
        Init::Type => env.types.push(None),
        Init::TypeAlias(i) => {
            let t = *env
                .types
                .get(*i as usize)
                .ok_or_else(|| anyhow!("type index out of range"))?;
            env.types.push(t);
        }
        Init::DefineResource(r) => {
            init_define_resource(store, def, index, env, r)?;
        }
        Init::Lift(l) => {
            init_lift(store, def, index, env, l)?;
        }
        Init::Trampoline(t) => {
            init_trampoline(store, def, index, env, t)?;
        }
        Init::Export { name, item, keys } => {
            let value = env.item(*item)?;
            if let Item::Type(Some(rt)) = &value {
                let o = store.opaque_mut();
                for k in keys {
                    bind(&mut o.components.instance_mut(index).resources, *k, *rt)?;
                }
            }
            exports.items.push((name.clone(), value.clone()));
            env.push(value);
        }
    }
    Ok(())
}

/// Instantiates a core module with core instances as its arguments.
fn init_core_instantiate<T>(
    store: &mut StoreContextMut<'_, T>,
    env: &mut Env,
    module: &u32,
    args: &[(String, u32)],
) -> Result<()> {
    let module = env
        .modules
        .get(*module as usize)
        .ok_or_else(|| anyhow!("core module index out of range"))?
        .clone();
    let mut externs = Vec::new();
    for imp in module.imports() {
        let (_, arg) = args
            .iter()
            .find(|(n, _)| n == imp.module)
            .ok_or_else(|| anyhow!("missing instantiation argument `{}`", imp.module))?;
        let inst = env
            .core_instances
            .get(*arg as usize)
            .ok_or_else(|| anyhow!("core instance index out of range"))?;
        let e = core_export(store, inst, imp.name).ok_or_else(|| {
            anyhow!(
                "instantiation argument `{}` has no export named `{}`",
                imp.module,
                imp.name
            )
        })?;
        externs.push(e);
    }
    let inst = crate::Instance::new(&mut *store, &module, &externs)?;
    env.core_instances.push(CoreInstance::Real(inst));
    Ok(())
}

/// Instantiates a nested component and binds the resources it exports.
fn init_instantiate<T>(
    store: &mut StoreContextMut<'_, T>,
    index: ComponentInstanceId,
    env: &mut Env,
    component: &u32,
    args: &[(String, ItemRef)],
    bindings: &[(ResourceKey, Vec<String>)],
) -> Result<()> {
    let child = env
        .components
        .get(*component as usize)
        .ok_or_else(|| anyhow!("component index out of range"))?
        .clone();
    let mut child_imports = Vec::new();
    for (name, _) in &child.def.imports {
        let (_, r) = args
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| anyhow!("missing instantiation argument `{name}`"))?;
        child_imports.push(env.item(*r)?);
    }
    let child_index = instantiate(store, &child, child_imports)?;
    let child_exports = store
        .opaque()
        .components
        .instance(child_index)
        .exports
        .clone()
        .expect("instantiated");
    let o = store.opaque_mut();
    let resources = &mut o.components.instance_mut(index).resources;
    for (key, path) in bindings {
        match child_exports.at_path(path) {
            Some(Item::Type(Some(rt))) => bind(resources, *key, *rt)?,
            _ => bail!("expected a resource type at `{}`", path.join("/")),
        }
    }
    env.instances.push(child_exports);
    Ok(())
}

/// An export of a component instance, binding exported resource types.
fn init_alias<T>(
    store: &mut StoreContextMut<'_, T>,
    index: ComponentInstanceId,
    env: &mut Env,
    instance: &u32,
    name: &str,
    kind: &Kind,
    keys: &[ResourceKey],
) -> Result<()> {
    let inst = env
        .instances
        .get(*instance as usize)
        .ok_or_else(|| anyhow!("instance index out of range"))?;
    let item = inst
        .get(name)
        .ok_or_else(|| anyhow!("instance has no export named `{name}`"))?
        .clone();
    if item.kind() != *kind {
        bail!(
            "export `{name}` is a {}, not a {}",
            item.kind().name(),
            kind.name()
        );
    }
    if let Item::Type(Some(rt)) = &item {
        let o = store.opaque_mut();
        for k in keys {
            bind(&mut o.components.instance_mut(index).resources, *k, *rt)?;
        }
    }
    env.push(item);
    Ok(())
}

/// Defines a resource type of this instance, with its destructor.
fn init_define_resource<T>(
    store: &mut StoreContextMut<'_, T>,
    def: &Arc<ComponentDef>,
    index: ComponentInstanceId,
    env: &mut Env,
    r: &u32,
) -> Result<()> {
    let rdef = def.resources[*r as usize];
    let dtor = match rdef.dtor {
        Some(f) => Some(
            env.core_funcs
                .get(f as usize)
                .ok_or_else(|| anyhow!("destructor index out of range"))?
                .funcref,
        ),
        None => None,
    };
    let o = store.opaque_mut();
    let g = o.components.push_guest_resource(GuestResource {
        instance: index,
        dtor,
    });
    let rt = ResourceType::guest(o.id, g);
    o.components
        .instance_mut(index)
        .vmctx
        .set_resource_dtor(*r, dtor);
    bind(
        &mut o.components.instance_mut(index).resources,
        rdef.key,
        rt,
    )?;
    env.types.push(Some(rt));
    Ok(())
}

/// `canon lift`: a component function of this instance over a core function.
fn init_lift<T>(
    store: &mut StoreContextMut<'_, T>,
    def: &Arc<ComponentDef>,
    index: ComponentInstanceId,
    env: &mut Env,
    l: &u32,
) -> Result<()> {
    let ldef = &def.lifts[*l as usize];
    fill_options(store, def, index, env, &ldef.options)?;
    let core = env
        .core_funcs
        .get(ldef.core_func as usize)
        .ok_or_else(|| anyhow!("core function index out of range"))?
        .funcref;
    if ldef.options.unsupported.is_none() && !ldef.ty.is_async {
        check_core_signature(store, core, ldef.ty.lifted_core_signature(), "lifted")?;
    }
    let o = store.opaque_mut();
    let func = o.components.push_func(FuncData::Lifted {
        instance: index,
        lift: *l,
        core,
    });
    env.funcs.push(func);
    Ok(())
}

/// A core function made by this instance: a `canon lower` or a built-in.
fn init_trampoline<T>(
    store: &mut StoreContextMut<'_, T>,
    def: &Arc<ComponentDef>,
    index: ComponentInstanceId,
    env: &mut Env,
    t: &u32,
) -> Result<()> {
    let tdef = def.trampolines[*t as usize];
    let (array_call, sig): (VMArrayCallFn, (Vec<FlatType>, Vec<FlatType>)) = match tdef {
        TrampolineDef::Lower(lw) => {
            let ldef = &def.lowerings[lw as usize];
            fill_options(store, def, index, env, &ldef.options)?;
            let func = *env
                .funcs
                .get(ldef.func as usize)
                .ok_or_else(|| anyhow!("function index out of range"))?;
            let target = match store.opaque().components.func(func) {
                FuncData::Host(h, _) => {
                    let o = store.opaque();
                    let resources = &o.components.instance(index).resources;
                    super::func::typecheck_func(h, &ldef.ty, &|k| resources.get(&k).copied())
                        .context("host function type mismatch")?;
                    LoweringTarget::Host(h.clone())
                }
                FuncData::Lifted { .. } => LoweringTarget::Func(func),
            };
            let target = VmBox::new(target);
            // SAFETY: the `VmBox` keeps the target alive and in place.
            let (callee, data) = lowering_callee(unsafe { &*target.as_ptr() }, target.as_ptr());
            let store_ptr = store.raw().cast::<crate::store::StoreOpaque>();
            // The option slots `fill_options` just filled.
            let vmctx = &store.opaque().components.instance(index).vmctx;
            let cx = Options::new(store_ptr, index, vmctx, &ldef.options, false);
            let info = VmBox::new(LoweringInfo {
                ty: ldef.ty.clone(),
                cx,
            });
            let inst = &mut store.opaque_mut().components.instance_mut(index);
            // `data` and `info` stay alive in the instance's data as long as the
            // instance.
            inst.vmctx.set_lowering(
                lw,
                *t,
                VMLowering {
                    callee,
                    data,
                    info: info.as_ptr().cast_const().cast(),
                },
            );
            inst.lowering_data.push(target);
            inst.lowering_info.push(info);
            (lowering_trampoline, ldef.ty.lowered_core_signature())
        }
        TrampolineDef::ResourceNew(_) => (
            resource_new_trampoline,
            (vec![FlatType::I32], vec![FlatType::I32]),
        ),
        TrampolineDef::ResourceRep(_) => (
            resource_rep_trampoline,
            (vec![FlatType::I32], vec![FlatType::I32]),
        ),
        TrampolineDef::ResourceDrop(_) => (resource_drop_trampoline, (vec![FlatType::I32], vec![])),
        TrampolineDef::Unsupported(_) => (unsupported_trampoline, (vec![], vec![])),
    };
    let core_ty = match tdef {
        TrampolineDef::Unsupported(u) => def.unsupported[u as usize].1.clone(),
        _ => crate::FuncType::new(
            sig.0.iter().map(|t| t.core()).collect::<Vec<_>>(),
            sig.1.iter().map(|t| t.core()).collect::<Vec<_>>(),
        ),
    };
    let type_index = store.engine().signature_id(&core_ty);
    // Lowerings get a compiled wasm-call entry when the engine compiles code.
    let wasm_call = match tdef {
        TrampolineDef::Lower(_) => crate::tiering::lowering_trampoline(store.engine(), &core_ty),
        _ => None,
    };
    let funcref = store
        .opaque_mut()
        .components
        .instance_mut(index)
        .vmctx
        .set_trampoline(
            *t,
            array_call,
            wasm_call.and_then(|p| VmPtr::from_raw(p.cast_mut().cast())),
            type_index,
        );
    env.core_funcs
        .push(crate::Func::from_raw(store.opaque().id, funcref));
    Ok(())
}

/// Checks that a core function has the signature a lift expects of it.
fn check_core_signature<T>(
    store: &StoreContextMut<'_, T>,
    core: NonNull<VMFuncRef>,
    (params, results): (Vec<FlatType>, Vec<FlatType>),
    what: &str,
) -> Result<()> {
    let want = crate::FuncType::new(
        params.iter().map(|t| t.core()).collect::<Vec<_>>(),
        results.iter().map(|t| t.core()).collect::<Vec<_>>(),
    );
    // SAFETY: the funcref belongs to this store and is live.
    let have = unsafe { (*core.as_ptr()).type_index };
    if store.engine().signature_id(&want) != have {
        bail!(
            "{what} core function has type {}, expected {want}",
            store.engine().signature(have)
        );
    }
    Ok(())
}

/// Fills the `VMComponentContext` slots of a lift's or lower's canonical options.
fn fill_options<T>(
    store: &mut StoreContextMut<'_, T>,
    def: &ComponentDef,
    index: ComponentInstanceId,
    env: &Env,
    options: &super::parse::CanonOptions,
) -> Result<()> {
    let missing = || anyhow!("canonical option index out of range");
    if let Some(m) = options.memory {
        let mem = env
            .core_memories
            .get(def.memories[m as usize] as usize)
            .ok_or_else(missing)?;
        // `def` is the first field of the memory.
        let def_ptr = mem.ptr(store.opaque())?.cast();
        let o = store.opaque_mut();
        o.components
            .instance_mut(index)
            .vmctx
            .set_memory(m, def_ptr);
    }
    if let Some(r) = options.realloc {
        let f = env
            .core_funcs
            .get(def.reallocs[r as usize] as usize)
            .ok_or_else(missing)?;
        check_core_signature(
            store,
            f.funcref,
            (vec![FlatType::I32; 4], vec![FlatType::I32]),
            "realloc",
        )?;
        let o = store.opaque_mut();
        o.components
            .instance_mut(index)
            .vmctx
            .set_realloc(r, f.funcref);
    }
    if let Some(p) = options.post_return {
        let f = env
            .core_funcs
            .get(def.post_returns[p as usize] as usize)
            .ok_or_else(missing)?;
        let o = store.opaque_mut();
        o.components
            .instance_mut(index)
            .vmctx
            .set_post_return(p, f.funcref);
    }
    Ok(())
}
