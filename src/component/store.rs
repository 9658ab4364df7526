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

/// Declares a typed index into one of the component store's tables.
macro_rules! store_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub(crate) struct $name(u32);
    )*};
}

store_id! {
    /// A component instance of a store ([`ComponentStore::instance`]).
    ComponentInstanceId;
    /// A component function of a store ([`ComponentStore::func`]).
    ComponentFuncId;
    /// A resource type a component instance of a store defined
    /// ([`ComponentStore::guest_resource`]).
    GuestResourceId;
}

impl ComponentInstanceId {
    /// The id kept in the instance's `VMComponentContext` header.
    pub(crate) fn from_u32(index: u32) -> ComponentInstanceId {
        ComponentInstanceId(index)
    }
    /// The raw index, for the `VMComponentContext` header.
    pub(crate) fn as_u32(self) -> u32 {
        self.0
    }
}

impl GuestResourceId {
    /// The raw index, for messages.
    pub(crate) fn as_u32(self) -> u32 {
        self.0
    }
}

/// Everything components keep in a store.
#[derive(Default)]
pub(crate) struct ComponentStore {
    instances: Vec<ComponentInstanceData>,
    funcs: Vec<FuncData>,
    guest_resources: Vec<GuestResource>,
    /// Resources the host holds (`ResourceAny`).
    pub(crate) host_handles: HandleTable,
    /// One scope per component call in progress (innermost last).
    pub(crate) scopes: Vec<CallScope>,
    /// Destructors of host-defined resource types.
    pub(crate) host_dtors: HashMap<ResourceType, HostDtor>,
}

impl ComponentStore {
    /// The id the next instance pushed gets.
    pub(crate) fn next_instance_id(&self) -> ComponentInstanceId {
        ComponentInstanceId(self.instances.len() as u32)
    }

    /// Adds an instance; returns its id.
    pub(crate) fn push_instance(&mut self, data: ComponentInstanceData) -> ComponentInstanceId {
        let id = self.next_instance_id();
        self.instances.push(data);
        id
    }

    /// Component instance `id`.
    pub(crate) fn instance(&self, id: ComponentInstanceId) -> &ComponentInstanceData {
        &self.instances[id.0 as usize]
    }

    /// Component instance `id`, mutably.
    pub(crate) fn instance_mut(&mut self, id: ComponentInstanceId) -> &mut ComponentInstanceData {
        &mut self.instances[id.0 as usize]
    }

    /// Adds a component function; returns its id.
    pub(crate) fn push_func(&mut self, data: FuncData) -> ComponentFuncId {
        self.funcs.push(data);
        ComponentFuncId(self.funcs.len() as u32 - 1)
    }

    /// Component function `id`.
    pub(crate) fn func(&self, id: ComponentFuncId) -> &FuncData {
        &self.funcs[id.0 as usize]
    }

    /// Adds a guest resource type; returns its id.
    pub(crate) fn push_guest_resource(&mut self, data: GuestResource) -> GuestResourceId {
        self.guest_resources.push(data);
        GuestResourceId(self.guest_resources.len() as u32 - 1)
    }

    /// Guest resource type `id`.
    pub(crate) fn guest_resource(&self, id: GuestResourceId) -> &GuestResource {
        &self.guest_resources[id.0 as usize]
    }
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
    /// A component function of this store.
    Func(ComponentFuncId),
}

/// A component function.
pub(crate) enum FuncData {
    /// `canon lift` of a core function by component instance `instance`.
    Lifted {
        instance: ComponentInstanceId,
        lift: u32,
        core: NonNull<VMFuncRef>,
    },
    /// A host function (imported from a linker), with the type it was imported at.
    Host(Arc<HostFunc>, Arc<FuncType>),
}

/// A resource type a component instance defined.
pub(crate) struct GuestResource {
    /// The defining component instance.
    pub(crate) instance: ComponentInstanceId,
    pub(crate) dtor: Option<NonNull<VMFuncRef>>,
}
