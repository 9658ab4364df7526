//! `Linker`: names host functions, host resource types, modules, components and
//! nested instances, and instantiates components against them.

use super::Component;
use super::func::HostFunc;
use super::instance::{Exports, Instance, Item, instantiate};
use super::parse::EntityTy;
use super::resources::ResourceType;
use super::store::{FuncData, HostDtor};
use super::typed::{ComponentNamedList, Lift, Lower};
use super::values::Val;
use crate::store::{AsContextMut, StoreContextMut, StoreInner, StoreOpaque};
use crate::{Engine, Module};
use anyhow::{Context, Result, bail};
use core::ptr::NonNull;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What a name in a linker stands for.
enum Definition {
    Func(Arc<HostFunc>),
    Instance(BTreeMap<String, Definition>),
    Resource(ResourceType, Option<HostDtor>),
    Module(Module),
    Component(Component),
}

impl Definition {
    fn kind(&self) -> &'static str {
        match self {
            Definition::Func(_) => "function",
            Definition::Instance(_) => "instance",
            Definition::Resource(..) => "resource type",
            Definition::Module(_) => "module",
            Definition::Component(_) => "component",
        }
    }
}

/// Defines the imports of components and instantiates them.
pub struct Linker<T> {
    engine: Engine,
    root: BTreeMap<String, Definition>,
    allow_shadowing: bool,
    _marker: core::marker::PhantomData<fn(T)>,
}

/// One namespace (the root, or a nested instance) of a [`Linker`].
pub struct LinkerInstance<'a, T> {
    map: &'a mut BTreeMap<String, Definition>,
    allow_shadowing: bool,
    _marker: core::marker::PhantomData<fn(T)>,
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            root: BTreeMap::new(),
            allow_shadowing: false,
            _marker: core::marker::PhantomData,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Lets a later definition replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    /// The root namespace (imports of a component that are not inside an instance).
    pub fn root(&mut self) -> LinkerInstance<'_, T> {
        LinkerInstance {
            map: &mut self.root,
            allow_shadowing: self.allow_shadowing,
            _marker: core::marker::PhantomData,
        }
    }

    /// The namespace of an imported instance named `name` (created if needed), e.g.
    /// `"wasi:cli/stdout@0.2.0"`.
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        let shadow = self.allow_shadowing;
        let map = instance_map(&mut self.root, name)?;
        Ok(LinkerInstance {
            map,
            allow_shadowing: shadow,
            _marker: core::marker::PhantomData,
        })
    }

    /// Instantiates `component`, resolving its imports by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        component: &Component,
    ) -> Result<Instance> {
        let mut ctx = store.as_context_mut();
        if !Engine::same(ctx.engine(), component.engine())
            || !Engine::same(&self.engine, component.engine())
        {
            bail!("the component, linker and store must use the same engine");
        }
        let def = component.def();
        let mut imports = Vec::with_capacity(def.imports.len());
        for (name, ty) in &def.imports {
            let item = resolve(&mut ctx, self.lookup(name), name, ty)?;
            imports.push(item);
        }
        let value = super::instance::ComponentValue {
            def: def.clone(),
            outer: None,
        };
        let index = instantiate(&mut ctx, &value, imports)
            .with_context(|| "cannot instantiate component".to_string())?;
        Ok(Instance {
            store_id: ctx.opaque().id,
            index,
        })
    }
}

impl<T> Linker<T> {
    /// The definition of import `name`: the one of that exact name, else one of a
    /// semver-compatible version (an import of `wasi:io/poll@0.2.0` finds
    /// `wasi:io/poll@0.2.6`), as wasmtime matches them.
    fn lookup(&self, name: &str) -> Option<&Definition> {
        if let Some(d) = self.root.get(name) {
            return Some(d);
        }
        let (package, version) = name.rsplit_once('@')?;
        let want = compat_key(version)?;
        self.root
            .iter()
            .filter_map(|(n, d)| {
                let (p, v) = n.rsplit_once('@')?;
                (p == package && compat_key(v)? == want).then_some((version_key(v)?, d))
            })
            .max_by_key(|(v, _)| *v)
            .map(|(_, d)| d)
    }
}

/// `major.minor.patch` as numbers (none for pre-releases and other forms).
fn version_key(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    let key = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(key)
}

/// What semver-compatible versions share: the major version, or for `0.y.z` the minor
/// one; `0.0.z` is compatible with itself only (none).
fn compat_key(v: &str) -> Option<(u64, u64)> {
    match version_key(v)? {
        (0, 0, _) => None,
        (0, minor, _) => Some((0, minor)),
        (major, _, _) => Some((major, 0)),
    }
}

fn instance_map<'a>(
    root: &'a mut BTreeMap<String, Definition>,
    name: &str,
) -> Result<&'a mut BTreeMap<String, Definition>> {
    let d = root
        .entry(name.to_string())
        .or_insert_with(|| Definition::Instance(BTreeMap::new()));
    match d {
        Definition::Instance(m) => Ok(m),
        other => bail!("`{name}` is already defined as a {}", other.kind()),
    }
}

/// Turns a linker definition into the run-time item an import of type `ty` receives.
fn resolve<T: 'static>(
    store: &mut StoreContextMut<'_, T>,
    def: Option<&Definition>,
    name: &str,
    ty: &EntityTy,
) -> Result<Item> {
    // Plain (non-resource) type imports need no definition.
    if let (EntityTy::Type(keys), None) = (ty, def)
        && keys.is_empty()
    {
        return Ok(Item::Type(None));
    }
    let Some(def) = def else {
        bail!("import `{name}` has not been defined in the linker");
    };
    Ok(match (ty, def) {
        (EntityTy::Func(f), Definition::Func(h)) => {
            let c = &mut store.opaque_mut().components;
            Item::Func(c.push_func(FuncData::Host(h.clone(), f.clone())))
        }
        (EntityTy::Instance(exports), Definition::Instance(map)) => {
            let mut items = Vec::new();
            for (n, t) in exports.iter() {
                let path = format!("{name}/{n}");
                items.push((n.clone(), resolve(store, map.get(n), &path, t)?));
            }
            Item::Instance(Arc::new(Exports { items }))
        }
        (EntityTy::Type(_), Definition::Resource(rt, dtor)) => {
            if let Some(d) = dtor {
                store
                    .opaque_mut()
                    .components
                    .host_dtors
                    .insert(*rt, d.clone());
            }
            Item::Type(Some(*rt))
        }
        (EntityTy::Module, Definition::Module(m)) => Item::Module(m.clone()),
        (EntityTy::Component, Definition::Component(c)) => {
            Item::Component(super::instance::ComponentValue {
                def: c.def().clone(),
                outer: None,
            })
        }
        (ty, def) => bail!(
            "import `{name}` expects a {}, but the linker defines a {}",
            ty.kind().name(),
            def.kind()
        ),
    })
}

impl<T: 'static> LinkerInstance<'_, T> {
    fn insert(&mut self, name: &str, d: Definition) -> Result<()> {
        if !self.allow_shadowing && self.map.contains_key(name) {
            bail!("`{name}` is already defined");
        }
        self.map.insert(name.to_string(), d);
        Ok(())
    }

    /// Defines a host function over Rust types: `P` is a tuple of the parameters and
    /// `R` a tuple of the result (`()` or `(T,)`); both are checked against the
    /// component's import when it is instantiated.
    pub fn func_wrap<P, R>(
        &mut self,
        name: &str,
        func: impl Fn(StoreContextMut<'_, T>, P) -> Result<R> + Send + Sync + 'static,
    ) -> Result<()>
    where
        P: ComponentNamedList + Lift + 'static,
        R: ComponentNamedList + Lower + 'static,
    {
        self.insert(name, Definition::Func(Arc::new(HostFunc::new_typed(func))))
    }

    /// Defines a host function over dynamically typed values; it takes whatever type
    /// the component imports it with (the parameters arrive as `Val`s of that type, and
    /// `results` has room for its result).
    pub fn func_new(
        &mut self,
        name: &str,
        func: impl Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        self.insert(
            name,
            Definition::Func(Arc::new(HostFunc::new_dynamic(func))),
        )
    }

    /// Defines a host resource type; `dtor` runs with the representation when a
    /// component drops an owned handle of it.
    pub fn resource(
        &mut self,
        name: &str,
        ty: ResourceType,
        dtor: impl Fn(StoreContextMut<'_, T>, u32) -> Result<()> + Send + Sync + 'static,
    ) -> Result<()> {
        if ty.is_guest() {
            bail!("`resource` defines host resource types (`ResourceType::host::<T>()`)");
        }
        let dtor: HostDtor = Arc::new(move |store: NonNull<StoreOpaque>, rep| {
            // SAFETY: the destructor is registered in a store with data `T` (the
            // linker's), and runs while that store is live with no other borrow held.
            let ctx = unsafe { StoreContextMut::from_raw(store.cast::<StoreInner<T>>()) };
            dtor(ctx, rep)
        });
        self.insert(name, Definition::Resource(ty, Some(dtor)))
    }

    /// Defines a core module (for components that import one).
    pub fn module(&mut self, name: &str, module: &Module) -> Result<()> {
        self.insert(name, Definition::Module(module.clone()))
    }

    /// Defines a component (for components that import one).
    pub fn component(&mut self, name: &str, component: &Component) -> Result<()> {
        self.insert(name, Definition::Component(component.clone()))
    }

    /// The namespace of a nested instance `name` (created if needed).
    pub fn instance(&mut self, name: &str) -> Result<LinkerInstance<'_, T>> {
        let shadow = self.allow_shadowing;
        let map = instance_map(self.map, name)?;
        Ok(LinkerInstance {
            map,
            allow_shadowing: shadow,
            _marker: core::marker::PhantomData,
        })
    }
}
