//! The component part of a store: component instances (their contexts, handle tables
//! and resource bindings), component functions, guest resource types, the host's
//! handle table, and the stack of call scopes that tracks borrows.

use super::func::HostFunc;
use super::func::Options;
use super::parse::ComponentDef;
use super::resources::{CallScope, HandleTable, ResourceType};
use super::types::{FuncType, ResourceKey};
use crate::store::StoreOpaque;
use crate::vm::component::VMComponentContextBox;
use crate::vm::{VMFuncRef, VmBox};
use anyhow::Result;
use core::ptr::NonNull;
use std::collections::HashMap;
use std::sync::Arc;

/// Runs a host resource destructor on a type-erased store.
pub(crate) type HostDtor = Arc<dyn Fn(NonNull<StoreOpaque>, u32) -> Result<()> + Send + Sync>;

/// Everything components keep in a store.
#[derive(Default)]
pub(crate) struct ComponentStore {
    pub(crate) instances: Vec<ComponentInstanceData>,
    pub(crate) funcs: Vec<FuncData>,
    pub(crate) guest_resources: Vec<GuestResource>,
    /// Resources the host holds (`ResourceAny`).
    pub(crate) host_handles: HandleTable,
    /// One scope per component call in progress (innermost last).
    pub(crate) scopes: Vec<CallScope>,
    /// Destructors of host-defined resource types.
    pub(crate) host_dtors: HashMap<ResourceType, HostDtor>,
}

/// One component instance.
pub(crate) struct ComponentInstanceData {
    pub(crate) def: Arc<ComponentDef>,
    pub(crate) vmctx: VMComponentContextBox,
    pub(crate) handles: HandleTable,
    /// What each abstract resource of `def`'s types is in this instance.
    pub(crate) resources: HashMap<ResourceKey, ResourceType>,
    /// Callee data of this instance's lowerings (kept alive here). In `VmBox`es:
    /// `VMLowering` holds their addresses, which must stay valid (and not be
    /// invalidated by moves of a unique owner) as the vector grows.
    pub(crate) lowering_data: Vec<VmBox<LoweringTarget>>,
    /// Type and resolved options of each lowering (`VMLowering::info`).
    pub(crate) lowering_info: Vec<VmBox<LoweringInfo>>,
    /// The exports, once instantiation has finished.
    pub(crate) exports: Option<Arc<super::instance::Exports>>,
}

impl ComponentInstanceData {
    /// The runtime type of an abstract resource.
    pub(crate) fn resource(&self, key: ResourceKey) -> Result<ResourceType> {
        self.resources
            .get(&key)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("internal error: unbound resource type {key:?}"))
    }
}

/// A lowering as its callee needs it: its type and its canonical options, resolved
/// against the instance (memory, realloc, string encoding).
pub(crate) struct LoweringInfo {
    pub(crate) ty: Arc<FuncType>,
    pub(crate) cx: Options,
}

/// What a lowering calls.
pub(crate) enum LoweringTarget {
    /// A host function.
    Host(Arc<HostFunc>),
    /// A component function of this store (`funcs[i]`).
    Func(u32),
}

/// A component function.
pub(crate) enum FuncData {
    /// `canon lift` of a core function by component instance `instance`.
    Lifted {
        instance: u32,
        lift: u32,
        core: NonNull<VMFuncRef>,
    },
    /// A host function (imported from a linker), with the type it was imported at.
    Host(Arc<HostFunc>, Arc<FuncType>),
}

/// A resource type a component instance defined.
pub(crate) struct GuestResource {
    /// The defining component instance.
    pub(crate) instance: u32,
    pub(crate) dtor: Option<NonNull<VMFuncRef>>,
}
