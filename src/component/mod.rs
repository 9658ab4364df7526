//! The component model: components, their instantiation, the canonical ABI, host
//! functions and resources, on top of the core API and the shared `vm` layer.
//!
//! * [`Component`]: a validated component binary (or text), compiled once.
//! * [`Linker`]: host functions (`func_wrap` over Rust types, `func_new` over [`Val`]s),
//!   host resource types, modules and components, by import name.
//! * [`Instance`], [`Func`], [`TypedFunc`]: call a component's exports.
//! * [`Val`], [`Type`], the typed traits ([`ComponentType`], [`Lift`], [`Lower`]),
//!   [`Resource`], [`ResourceAny`], [`ResourceTable`].
//!
//! ```
//! use tierwasm::component::{Component, Linker};
//! use tierwasm::{Engine, Store};
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let component = Component::new(&engine, r#"
//!     (component
//!       (import "double" (func $double (param "x" u32) (result u32)))
//!       (core func $d (canon lower (func $double)))
//!       (core module $m
//!         (import "" "double" (func $double (param i32) (result i32)))
//!         (func (export "run") (param i32) (result i32)
//!           (call $double (i32.add (local.get 0) (i32.const 1)))))
//!       (core instance $i (instantiate $m (with "" (instance (export "double" (func $d))))))
//!       (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run"))))
//! "#)?;
//! let mut linker = Linker::<()>::new(&engine);
//! linker.root().func_wrap("double", |_store, (x,): (u32,)| Ok((x * 2,)))?;
//! let mut store = Store::new(&engine, ());
//! let instance = linker.instantiate(&mut store, &component)?;
//! let run = instance.get_typed_func::<(u32,), (u32,)>(&store, "run")?;
//! assert_eq!(run.call(&mut store, (20,))?, (42,));
//! # Ok(())
//! # }
//! ```

mod abi;
mod def;
mod func;
mod instance;
mod linker;
mod parse;
mod resources;
pub(crate) mod store;
#[cfg(test)]
mod tests;
mod transcode;
mod typed;
mod types;
mod values;
pub mod wave;

pub use abi::FlatSrc;
pub use def::StringEncoding;
pub use func::{Func, HostFunc, LiftContext, LowerContext, TypedFunc};
pub use instance::Instance;
pub use linker::{Linker, LinkerInstance};
pub use resources::{Resource, ResourceAny, ResourceTable, ResourceType};
pub use typed::{ComponentNamedList, ComponentType, Lift, Lower};
pub use types::{FuncType, Type};
pub use values::Val;

use crate::Engine;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

/// A compiled component: validated, its core modules prepared for every tier, ready to
/// be instantiated any number of times.
#[derive(Clone)]
pub struct Component {
    engine: Engine,
    def: Arc<parse::ComponentDef>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component").field("def", &self.def).finish()
    }
}

impl Component {
    /// Validates and compiles a component from its binary or text (`.wat`) form.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Component> {
        let wasm = wat::parse_bytes(bytes.as_ref())?;
        Component::from_binary(engine, &wasm)
    }

    /// Validates and compiles a component binary.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Component> {
        let def = parse::parse(engine, bytes)?;
        Ok(Component {
            engine: engine.clone(),
            def: Arc::new(def),
        })
    }

    /// Reads a component from a file (binary or text).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Component> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Component::new(engine, bytes).with_context(|| format!("in {}", path.display()))
    }

    /// True if `bytes` (binary) is a component rather than a core module.
    pub fn is_component(bytes: &[u8]) -> bool {
        wasmparser::Parser::is_component(bytes)
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn def(&self) -> &Arc<parse::ComponentDef> {
        &self.def
    }

    /// The imports: names and a description of their types.
    pub fn imports(&self) -> Vec<(String, String)> {
        self.def
            .imports
            .iter()
            .map(|(n, t)| (n.clone(), parse::describe(t)))
            .collect()
    }

    /// The exports: names and a description of their types.
    pub fn exports(&self) -> Vec<(String, String)> {
        self.def
            .exports
            .iter()
            .map(|(n, _, t)| (n.clone(), parse::describe(t)))
            .collect()
    }

    /// The type of an exported function, if `name` is one.
    pub fn export_func_type(&self, name: &str) -> Option<Arc<FuncType>> {
        self.def.exports.iter().find_map(|(n, _, t)| match t {
            parse::EntityTy::Func(f) if n == name => Some(f.clone()),
            _ => None,
        })
    }
}
