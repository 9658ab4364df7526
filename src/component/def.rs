//! What a parsed component is: [`ComponentDef`], the static description every
//! instantiation replays (its initializers, canonical functions, resource types and
//! `VMComponentContext` layout), and the index-space kinds and references it is made
//! of. `parse` builds it; `instance` replays it.

use super::types::{FuncType, ResourceKey};
use crate::Module;
use crate::vm::component::VMComponentOffsets;
use anyhow::{Result, bail};
use std::sync::Arc;
use wasmparser::{ComponentExternalKind, ExternalKind};

/// The kinds of component-level index spaces.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Func,
    Instance,
    Type,
    Component,
    Module,
    Value,
}

impl Kind {
    pub(crate) fn from_external(k: ComponentExternalKind) -> Kind {
        match k {
            ComponentExternalKind::Func => Kind::Func,
            ComponentExternalKind::Instance => Kind::Instance,
            ComponentExternalKind::Type => Kind::Type,
            ComponentExternalKind::Component => Kind::Component,
            ComponentExternalKind::Module => Kind::Module,
            ComponentExternalKind::Value => Kind::Value,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Func => "function",
            Kind::Instance => "instance",
            Kind::Type => "type",
            Kind::Component => "component",
            Kind::Module => "module",
            Kind::Value => "value",
        }
    }
}

/// The kinds of core index spaces.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CoreKind {
    Func,
    Table,
    Memory,
    Global,
}

impl CoreKind {
    pub(crate) fn from_external(k: ExternalKind) -> Result<CoreKind> {
        Ok(match k {
            ExternalKind::Func | ExternalKind::FuncExact => CoreKind::Func,
            ExternalKind::Table => CoreKind::Table,
            ExternalKind::Memory => CoreKind::Memory,
            ExternalKind::Global => CoreKind::Global,
            ExternalKind::Tag => bail!("unsupported: exception-handling tags"),
        })
    }
}

/// The static type of an imported or exported item.
#[derive(Clone, Debug)]
pub(crate) enum EntityTy {
    Module,
    Func(Arc<FuncType>),
    /// A type; for resources, the keys it binds (the created one and the one it refers to).
    Type(Vec<ResourceKey>),
    Instance(Arc<Vec<(String, EntityTy)>>),
    Component,
}

impl EntityTy {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            EntityTy::Module => Kind::Module,
            EntityTy::Func(_) => Kind::Func,
            EntityTy::Type(_) => Kind::Type,
            EntityTy::Instance(_) => Kind::Instance,
            EntityTy::Component => Kind::Component,
        }
    }

    /// Every resource key bound by this item, with the export path that leads to it.
    pub(crate) fn resource_paths(
        &self,
        path: &mut Vec<String>,
        out: &mut Vec<(ResourceKey, Vec<String>)>,
    ) {
        match self {
            EntityTy::Type(keys) => {
                for k in keys {
                    out.push((*k, path.clone()));
                }
            }
            EntityTy::Instance(exports) => {
                for (name, ty) in exports.iter() {
                    path.push(name.clone());
                    ty.resource_paths(path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}

/// A reference to an item of a component-level index space.
#[derive(Copy, Clone, Debug)]
pub(crate) struct ItemRef {
    pub(crate) kind: Kind,
    pub(crate) index: u32,
}

/// A reference to an item of a core index space.
#[derive(Copy, Clone, Debug)]
pub(crate) struct CoreItemRef {
    pub(crate) kind: CoreKind,
    pub(crate) index: u32,
}

/// How strings are encoded in a core memory.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum StringEncoding {
    /// UTF-8.
    #[default]
    Utf8,
    /// UTF-16 (little-endian).
    Utf16,
    /// Latin-1, or UTF-16 when a string needs it (`latin1+utf16`).
    CompactUtf16,
}

/// Canonical options, resolved to slots of the `VMComponentContext`.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct CanonOptions {
    pub(crate) memory: Option<u32>,
    pub(crate) realloc: Option<u32>,
    pub(crate) post_return: Option<u32>,
    pub(crate) encoding: StringEncoding,
    /// An option of a later feature (`async`, `callback`, `gc`): calls are refused.
    pub(crate) unsupported: Option<&'static str>,
}

/// One `canon lift`.
#[derive(Debug)]
pub(crate) struct LiftDef {
    pub(crate) ty: Arc<FuncType>,
    pub(crate) core_func: u32,
    pub(crate) options: CanonOptions,
}

/// One `canon lower`.
#[derive(Debug)]
pub(crate) struct LowerDef {
    pub(crate) ty: Arc<FuncType>,
    pub(crate) func: u32,
    pub(crate) options: CanonOptions,
}

/// A core function that a component makes out of the canonical ABI.
#[derive(Copy, Clone, Debug)]
pub(crate) enum TrampolineDef {
    /// `canon lower` number `n`.
    Lower(u32),
    ResourceNew(ResourceKey),
    ResourceDrop(ResourceKey),
    ResourceRep(ResourceKey),
    /// A built-in of a later feature (`unsupported[n]`): it exists, with its core type,
    /// and traps with an `unsupported` error when called.
    Unsupported(u32),
}

/// A resource type the component defines.
#[derive(Copy, Clone, Debug)]
pub(crate) struct ResourceDef {
    pub(crate) key: ResourceKey,
    /// Core function index of the destructor.
    pub(crate) dtor: Option<u32>,
}

/// One step of instantiation: appends one item to one index space.
#[derive(Debug)]
pub(crate) enum Init {
    /// `imports[i]`.
    Import(u32),
    /// A core module (`modules[i]`), defined here or aliased from an outer component.
    CoreModule(u32),
    CoreInstantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    CoreInstanceFromExports(Vec<(String, CoreItemRef)>),
    CoreAlias {
        instance: u32,
        name: String,
        kind: CoreKind,
    },
    /// A nested component (`components[i]`).
    Component(u32),
    /// A core module that an enclosing component received at run time (an outer alias
    /// of an import): `count` levels out, index `index`.
    OuterModule {
        count: u32,
        index: u32,
    },
    /// As `OuterModule`, for a component.
    OuterComponent {
        count: u32,
        index: u32,
    },
    Instantiate {
        component: u32,
        args: Vec<(String, ItemRef)>,
        /// Resources of the new instance's exports, as the parent names them.
        bindings: Vec<(ResourceKey, Vec<String>)>,
    },
    InstanceFromExports(Vec<(String, ItemRef)>),
    Alias {
        instance: u32,
        name: String,
        kind: Kind,
        /// For a resource type: its key here.
        keys: Vec<ResourceKey>,
    },
    /// A type that is not a resource (nothing to do at run time but take an index).
    Type,
    /// `alias outer 0 i (type)`: type `i` of this component again.
    TypeAlias(u32),
    /// A resource type defined here (`resources[i]`).
    DefineResource(u32),
    /// `lifts[i]`.
    Lift(u32),
    /// `trampolines[i]`, a new core function.
    Trampoline(u32),
    Export {
        name: String,
        item: ItemRef,
        keys: Vec<ResourceKey>,
    },
}

/// A validated component, ready to be instantiated any number of times.
pub(crate) struct ComponentDef {
    pub(crate) inits: Vec<Init>,
    pub(crate) imports: Vec<(String, EntityTy)>,
    /// The exports, by name, with what they refer to and their type.
    pub(crate) exports: Vec<(String, ItemRef, EntityTy)>,
    pub(crate) modules: Vec<Module>,
    pub(crate) components: Vec<Arc<ComponentDef>>,
    pub(crate) lifts: Vec<LiftDef>,
    pub(crate) lowerings: Vec<LowerDef>,
    pub(crate) trampolines: Vec<TrampolineDef>,
    /// Core memory index of each memory slot.
    pub(crate) memories: Vec<u32>,
    /// Core function index of each realloc slot.
    pub(crate) reallocs: Vec<u32>,
    /// Core function index of each post-return slot.
    pub(crate) post_returns: Vec<u32>,
    pub(crate) resources: Vec<ResourceDef>,
    /// Built-ins that are not implemented: what they are, and their core type.
    pub(crate) unsupported: Vec<(String, crate::FuncType)>,
    /// Outer aliases (here or in nested components) reach run-time items of enclosing
    /// components: a value of this component must capture them.
    pub(crate) uses_outer: bool,
    pub(crate) offsets: VMComponentOffsets,
}

impl std::fmt::Debug for ComponentDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentDef")
            .field(
                "imports",
                &self.imports.iter().map(|i| &i.0).collect::<Vec<_>>(),
            )
            .field(
                "exports",
                &self.exports.iter().map(|e| &e.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The type of an export for users: kinds and function types.
pub(crate) fn describe(ty: &EntityTy) -> String {
    match ty {
        EntityTy::Func(f) => f.to_string(),
        EntityTy::Instance(_) => "instance".into(),
        EntityTy::Type(k) if !k.is_empty() => "resource type".into(),
        EntityTy::Type(_) => "type".into(),
        EntityTy::Module => "core module".into(),
        EntityTy::Component => "component".into(),
    }
}
