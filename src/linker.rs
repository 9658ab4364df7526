//! `Linker<T>`: resolves a module's imports by name.

use crate::engine::Engine;
use crate::extern_::Extern;
use crate::func::{Caller, Func, HostFuncDef, IntoFunc, host_def, host_def_dynamic};
use crate::instance::{Instance, instantiate};
use crate::module::FuncType;
use crate::module_api::Module;
use crate::store::{AsContext, AsContextMut};
use crate::values::Val;
use anyhow::{Result, anyhow, bail};
use std::collections::HashMap;
use std::sync::Arc;

enum Definition<T> {
    /// An item of a particular store.
    Extern(Extern),
    /// A host function, put into a store when an instance needs it.
    HostFunc(Arc<HostFuncDef<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(f) => Definition::HostFunc(f.clone()),
        }
    }
}

/// Names → definitions, used to instantiate modules.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T: 'static> Linker<T> {
    /// An empty linker.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same name.
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<()> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            bail!("import `{module}::{name}` is already defined");
        }
        self.defs.insert(key, def);
        Ok(())
    }

    /// Defines a host function from a closure over Rust types (optionally taking a
    /// `Caller<'_, T>` first).
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::HostFunc(Arc::new(host_def(func))))?;
        Ok(self)
    }

    /// Defines a host function of type `ty` from a closure over `Val`s.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.insert(
            module,
            name,
            Definition::HostFunc(Arc::new(host_def_dynamic(ty, func))),
        )?;
        Ok(self)
    }

    /// Defines an item of a store.
    pub fn define(
        &mut self,
        _store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))?;
        Ok(self)
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        for (name, item) in instance.exports(&store) {
            self.insert(module, &name, Definition::Extern(item))?;
        }
        Ok(self)
    }

    /// The item defined as `module::name`, put into `store` if it is a host function.
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(match def {
            Definition::Extern(e) => *e,
            Definition::HostFunc(f) => {
                Extern::Func(Func::from_def(&mut store.as_context_mut(), f.clone()))
            }
        })
    }

    /// Instantiates `module`, resolving each import by name.
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance> {
        let mut ctx = store.as_context_mut();
        let mut imports = Vec::with_capacity(module.info().imports.len());
        for import in &module.info().imports {
            let item = self
                .get(&mut ctx, &import.module, &import.name)
                .ok_or_else(|| {
                    anyhow!(
                        "unknown import: `{}::{}` has not been defined",
                        import.module,
                        import.name
                    )
                })?;
            imports.push(item);
        }
        instantiate(&mut ctx, module, &imports)
    }
}
