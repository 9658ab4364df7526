//! Resources: runtime resource types, the per-component-instance handle table of the
//! canonical ABI, and the host-side views of resource values (`Resource<T>` for
//! host-defined types, `ResourceAny` for any type, `ResourceTable` to keep host state).

use super::store::{ComponentInstanceId, GuestResourceId};
use crate::store::{StoreId, StoreOpaque};
use crate::vm::ValRaw;
use crate::vm::component::{self as vmc, FLAG_MAY_ENTER};
use anyhow::{Result, anyhow, bail};
use core::ptr::NonNull;
use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;

/// A runtime resource type. Guest-defined resource types are generative: each
/// instantiation of a component that defines one makes a new type.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct ResourceType {
    kind: ResourceKind,
}

#[derive(Copy, Clone, PartialEq, Eq, Hash)]
enum ResourceKind {
    Host(TypeId),
    Guest {
        store: StoreId,
        index: GuestResourceId,
    },
}

impl ResourceType {
    /// The resource type the host defines with Rust type `T`.
    pub fn host<T: 'static>() -> ResourceType {
        ResourceType {
            kind: ResourceKind::Host(TypeId::of::<T>()),
        }
    }

    pub(crate) fn guest(store: StoreId, index: GuestResourceId) -> ResourceType {
        ResourceType {
            kind: ResourceKind::Guest { store, index },
        }
    }

    /// The index of a guest-defined type in its store's list.
    pub(crate) fn guest_index(&self) -> Option<GuestResourceId> {
        match self.kind {
            ResourceKind::Guest { index, .. } => Some(index),
            ResourceKind::Host(_) => None,
        }
    }

    /// True for a type defined by a component (not by the host).
    pub fn is_guest(&self) -> bool {
        self.guest_index().is_some()
    }

    fn describe(&self) -> &'static str {
        match self.kind {
            ResourceKind::Host(_) => "host-defined resource",
            ResourceKind::Guest { .. } => "guest-defined resource",
        }
    }
}

impl fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ResourceKind::Host(id) => write!(f, "ResourceType::host({id:?})"),
            ResourceKind::Guest { index, .. } => {
                write!(f, "ResourceType::guest({})", index.as_u32())
            }
        }
    }
}

/// Most handles a table holds (the canonical ABI's limit).
const MAX_HANDLES: usize = (1 << 28) - 1;

/// One entry of a handle table.
#[derive(Clone, Debug)]
pub(crate) struct Handle {
    pub(crate) ty: ResourceType,
    pub(crate) rep: u32,
    /// `Some(scope)` for a borrow: the call scope whose borrow count it holds.
    pub(crate) borrow_scope: Option<usize>,
    /// Borrows of this (owned) handle lent out to calls in progress.
    pub(crate) lends: u32,
}

impl Handle {
    pub(crate) fn own(ty: ResourceType, rep: u32) -> Handle {
        Handle {
            ty,
            rep,
            borrow_scope: None,
            lends: 0,
        }
    }

    pub(crate) fn is_own(&self) -> bool {
        self.borrow_scope.is_none()
    }
}

/// A component instance's table of resource handles: indices start at 1, and freed
/// indices are reused last-freed-first, as the canonical ABI prescribes.
#[derive(Default, Debug)]
pub(crate) struct HandleTable {
    slots: Vec<Option<Handle>>,
    free: Vec<u32>,
}

impl HandleTable {
    pub(crate) fn add(&mut self, h: Handle) -> Result<u32> {
        if self.slots.is_empty() {
            self.slots.push(None); // index 0 is never used
        }
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(h);
            return Ok(i);
        }
        if self.slots.len() > MAX_HANDLES {
            return Err(trap("resource handle table is full"));
        }
        self.slots.push(Some(h));
        Ok(self.slots.len() as u32 - 1)
    }

    pub(crate) fn get(&self, i: u32) -> Result<&Handle> {
        self.slots
            .get(i as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| unknown_handle(i))
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Result<&mut Handle> {
        self.slots
            .get_mut(i as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| unknown_handle(i))
    }

    pub(crate) fn remove(&mut self, i: u32) -> Result<Handle> {
        let h = self
            .slots
            .get_mut(i as usize)
            .and_then(Option::take)
            .ok_or_else(|| unknown_handle(i))?;
        self.free.push(i);
        Ok(h)
    }

    /// The handle at `i`, which must be of type `ty`.
    pub(crate) fn get_typed(&self, i: u32, ty: ResourceType) -> Result<&Handle> {
        let h = self.get(i)?;
        check_type(i, h, ty)?;
        Ok(h)
    }

    /// Removes an owned handle of type `ty` (to move it out, as `lift_own`).
    pub(crate) fn take_own(&mut self, i: u32, ty: ResourceType) -> Result<Handle> {
        let h = self.get(i)?;
        check_type(i, h, ty)?;
        if h.lends != 0 {
            return Err(trap("cannot remove owned resource while borrowed"));
        }
        if !h.is_own() {
            return Err(trap(format!(
                "cannot lift own resource from a borrow (handle index {i})"
            )));
        }
        self.remove(i)
    }
}

fn check_type(i: u32, h: &Handle, ty: ResourceType) -> Result<()> {
    if h.ty != ty {
        let detail = if h.ty.is_guest() && ty.is_guest() {
            format!(
                "expected {} but found a different {}",
                ty.describe(),
                h.ty.describe()
            )
        } else {
            format!("expected {} but found {}", ty.describe(), h.ty.describe())
        };
        return Err(trap(format!(
            "handle index {i} used with the wrong type, {detail}"
        )));
    }
    Ok(())
}

fn unknown_handle(i: u32) -> anyhow::Error {
    trap(format!("unknown handle index {i}"))
}

/// A trap raised by the canonical ABI: a `Trap::CanonicalAbi` whose context says what
/// went wrong (in the wording other engines use, which the reference tests match).
pub(crate) fn trap(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(crate::Trap::CanonicalAbi).context(msg.into())
}

/// A call's borrow bookkeeping: borrows handed to the callee must all be dropped before
/// it returns, and owned handles the caller lent are released when it does.
#[derive(Default, Debug)]
pub(crate) struct CallScope {
    /// Borrow handles created in the callee's table for this call, not yet dropped.
    pub(crate) borrows: u32,
    /// `(component instance, handle)` of owned guest handles lent for this call.
    pub(crate) lenders: Vec<(ComponentInstanceId, u32)>,
    /// Owned host-table handles lent for this call.
    pub(crate) host_lends: Vec<u32>,
    /// Host-table borrow entries that live until the call returns.
    pub(crate) host_borrows: Vec<u32>,
}

/// The scope of calls whose types hold no handles (none is pushed for them).
pub(crate) const NO_SCOPE: usize = usize::MAX;

/// Runs `f` inside a new call scope when the call's types hold handles (borrows need
/// one); otherwise directly, with [`NO_SCOPE`].
pub(crate) fn with_scope<R>(
    store: NonNull<StoreOpaque>,
    needed: bool,
    f: impl FnOnce(usize) -> Result<R>,
) -> Result<R> {
    if !needed {
        return f(NO_SCOPE);
    }
    let scope = push_scope(store);
    let r = f(scope);
    pop_scope(store, scope, r)
}

/// Opens a call scope; returns its index.
pub(crate) fn push_scope(store: NonNull<StoreOpaque>) -> usize {
    // SAFETY: the store is live; the borrow is short.
    let scopes = unsafe { &mut (*store.as_ptr()).components.scopes };
    scopes.push(CallScope::default());
    scopes.len() - 1
}

/// Closes call scope `scope`: the callee must have dropped every borrow it received,
/// and what was lent is released. Returns `result`, or the scope's own trap.
pub(crate) fn pop_scope<R>(
    store: NonNull<StoreOpaque>,
    scope: usize,
    result: Result<R>,
) -> Result<R> {
    // SAFETY: the store is live; no other borrow of it is held.
    let c = unsafe { &mut (*store.as_ptr()).components };
    let Some(s) = c.scopes.pop() else {
        return result;
    };
    debug_assert_eq!(c.scopes.len(), scope);
    for (inst, i) in s.lenders {
        if let Ok(h) = c.instance_mut(inst).handles.get_mut(i) {
            h.lends = h.lends.saturating_sub(1);
        }
    }
    for i in s.host_lends {
        if let Ok(h) = c.host_handles.get_mut(i) {
            h.lends = h.lends.saturating_sub(1);
        }
    }
    for i in s.host_borrows {
        let _ = c.host_handles.remove(i);
    }
    let result = result?;
    if s.borrows > 0 {
        return Err(trap("borrow handles still remain at the end of the call"));
    }
    Ok(result)
}

/// Removes handle `i` (of type `ty`) from instance `inst`'s table, with the effects of
/// `resource.drop`.
pub(crate) fn drop_handle(
    store: NonNull<StoreOpaque>,
    inst: ComponentInstanceId,
    i: u32,
    ty: ResourceType,
) -> Result<()> {
    // SAFETY: the store is live; the borrow ends before any destructor runs.
    let (rep, own) = unsafe {
        let c = &mut (*store.as_ptr()).components;
        let handles = &mut c.instance_mut(inst).handles;
        let h = handles.get_typed(i, ty)?;
        if h.lends != 0 {
            return Err(trap("cannot remove owned resource while borrowed"));
        }
        let h = handles.remove(i)?;
        if let Some(scope) = h.borrow_scope {
            if let Some(s) = c.scopes.get_mut(scope) {
                s.borrows = s.borrows.saturating_sub(1);
            }
            return Ok(());
        }
        (h.rep, h.is_own())
    };
    debug_assert!(own);
    run_dtor(store, ty, rep, Some(inst))
}

/// Runs the destructor of a resource of type `ty` with representation `rep`, dropped
/// by component instance `dropper` (or the host).
pub(crate) fn run_dtor(
    store: NonNull<StoreOpaque>,
    ty: ResourceType,
    rep: u32,
    dropper: Option<ComponentInstanceId>,
) -> Result<()> {
    // SAFETY: the store is live; no borrow of it is held while the destructor runs.
    unsafe {
        let c = &(*store.as_ptr()).components;
        match ty.guest_index() {
            Some(g) => {
                let res = &c.guest_resource(g);
                let Some(dtor) = res.dtor else {
                    return Ok(());
                };
                let owner = c.instance(res.instance).vmctx.as_ptr();
                if dropper != Some(res.instance) && vmc::flags(owner) & FLAG_MAY_ENTER == 0 {
                    return Err(trap("cannot enter component instance"));
                }
                let mut buf = [ValRaw::i32(rep as i32)];
                crate::func::invoke(store, dtor, &mut buf)
            }
            None => match c.host_dtors.get(&ty).cloned() {
                Some(d) => d(store, rep),
                None => Ok(()),
            },
        }
    }
}

/// A resource handle held by the host: any resource type, owned or borrowed. It refers
/// to an entry of its store's host handle table; an owned one must be given back to a
/// component or dropped with [`ResourceAny::resource_drop`].
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct ResourceAny {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
    pub(crate) ty: ResourceType,
    pub(crate) own: bool,
}

impl fmt::Debug for ResourceAny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}<{:?}>#{}",
            if self.own { "own" } else { "borrow" },
            self.ty,
            self.index
        )
    }
}

impl ResourceAny {
    /// The resource's type.
    pub fn ty(&self) -> ResourceType {
        self.ty
    }

    /// True if the host owns the resource (false for a borrow).
    pub fn owned(&self) -> bool {
        self.own
    }

    /// Drops the resource: for an owned one, runs its destructor (the defining
    /// component's, or the host's for a host-defined type).
    pub fn resource_drop(self, mut store: impl crate::AsContextMut) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let raw = ctx.raw().cast::<crate::store::StoreOpaque>();
        let o = ctx.opaque_mut();
        if o.id != self.store {
            bail!("resource used with the wrong store");
        }
        let h = o.components.host_handles.get(self.index)?;
        if h.ty != self.ty || h.is_own() != self.own {
            bail!("resource was already consumed");
        }
        if h.lends != 0 {
            return Err(trap("cannot remove owned resource while borrowed"));
        }
        let h = o.components.host_handles.remove(self.index)?;
        if !self.own {
            return Ok(());
        }
        run_dtor(raw, self.ty, h.rep, None)
    }
}

/// A handle to a resource of the host-defined type `T`: its representation is a `u32`
/// the host chooses (typically an index into a [`ResourceTable`]).
pub struct Resource<T> {
    rep: u32,
    own: bool,
    _marker: PhantomData<fn() -> T>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Resource<T> {}

impl<T> PartialEq for Resource<T> {
    fn eq(&self, other: &Self) -> bool {
        self.rep == other.rep && self.own == other.own
    }
}

impl<T> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Resource<{}>({}{})",
            std::any::type_name::<T>(),
            if self.own { "own " } else { "borrow " },
            self.rep
        )
    }
}

impl<T: 'static> Resource<T> {
    /// An owned handle with representation `rep`.
    pub fn new_own(rep: u32) -> Resource<T> {
        Resource {
            rep,
            own: true,
            _marker: PhantomData,
        }
    }

    /// A borrowed handle with representation `rep`.
    pub fn new_borrow(rep: u32) -> Resource<T> {
        Resource {
            rep,
            own: false,
            _marker: PhantomData,
        }
    }

    /// The representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// True for an owned handle.
    pub fn owned(&self) -> bool {
        self.own
    }

    /// The same owned handle as a [`ResourceAny`] held by `store`, to put inside a
    /// dynamically typed [`Val`](super::Val) (e.g. the payload of a variant).
    pub fn try_into_resource_any(self, mut store: impl crate::AsContextMut) -> Result<ResourceAny> {
        if !self.own {
            bail!("only an owned resource can become a `ResourceAny`");
        }
        let mut ctx = store.as_context_mut();
        let o = ctx.opaque_mut();
        let ty = ResourceType::host::<T>();
        let index = o.components.host_handles.add(Handle::own(ty, self.rep))?;
        Ok(ResourceAny {
            store: o.id,
            index,
            ty,
            own: true,
        })
    }
}

/// Host state behind host-defined resources: a slab of values of any type, whose
/// indices serve as resource representations.
#[derive(Default)]
pub struct ResourceTable {
    entries: Vec<Option<Box<dyn Any + Send>>>,
    free: Vec<u32>,
}

impl fmt::Debug for ResourceTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceTable({} live)", self.len())
    }
}

impl ResourceTable {
    /// An empty table.
    pub fn new() -> ResourceTable {
        ResourceTable::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// True if no entry is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores `value` and returns an owned handle to it.
    pub fn push<T: Send + 'static>(&mut self, value: T) -> Result<Resource<T>> {
        let value: Box<dyn Any + Send> = Box::new(value);
        let rep = match self.free.pop() {
            Some(i) => {
                self.entries[i as usize] = Some(value);
                i
            }
            None => {
                if self.entries.len() >= u32::MAX as usize {
                    bail!("resource table is full");
                }
                self.entries.push(Some(value));
                self.entries.len() as u32 - 1
            }
        };
        Ok(Resource::new_own(rep))
    }

    fn entry(&self, rep: u32) -> Result<&(dyn Any + Send)> {
        self.entries
            .get(rep as usize)
            .and_then(|e| e.as_deref())
            .ok_or_else(|| anyhow!("unknown resource {rep}"))
    }

    /// The value behind `resource`.
    pub fn get<T: 'static>(&self, resource: &Resource<T>) -> Result<&T> {
        self.entry(resource.rep)?
            .downcast_ref()
            .ok_or_else(|| anyhow!("resource {} has another type", resource.rep))
    }

    /// The value behind `resource`, mutably.
    pub fn get_mut<T: 'static>(&mut self, resource: &Resource<T>) -> Result<&mut T> {
        let rep = resource.rep;
        self.entries
            .get_mut(rep as usize)
            .and_then(|e| e.as_deref_mut())
            .ok_or_else(|| anyhow!("unknown resource {rep}"))?
            .downcast_mut()
            .ok_or_else(|| anyhow!("resource {rep} has another type"))
    }

    /// Removes and returns the value behind `resource`.
    pub fn delete<T: 'static>(&mut self, resource: Resource<T>) -> Result<T> {
        self.get::<T>(&resource)?;
        let value = self.entries[resource.rep as usize]
            .take()
            .expect("checked above");
        self.free.push(resource.rep);
        Ok(*value.downcast().expect("checked above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_indices_start_at_one_and_reuse_last_freed_first() {
        let ty = ResourceType::host::<u8>();
        let mut t = HandleTable::default();
        assert_eq!(t.add(Handle::own(ty, 10)).unwrap(), 1);
        assert_eq!(t.add(Handle::own(ty, 20)).unwrap(), 2);
        assert_eq!(t.add(Handle::own(ty, 30)).unwrap(), 3);
        t.remove(1).unwrap();
        t.remove(3).unwrap();
        assert_eq!(t.add(Handle::own(ty, 40)).unwrap(), 3);
        assert_eq!(t.add(Handle::own(ty, 50)).unwrap(), 1);
        assert_eq!(t.add(Handle::own(ty, 60)).unwrap(), 4);
        let e = t.get(0).unwrap_err().to_string();
        assert!(e.contains("unknown handle index 0"), "{e}");
        let e = t
            .get_typed(1, ResourceType::host::<u16>())
            .unwrap_err()
            .to_string();
        assert!(e.contains("wrong type"), "{e}");
    }

    #[test]
    fn resource_table_round_trip() {
        let mut t = ResourceTable::new();
        let a = t.push(String::from("a")).unwrap();
        let b = t.push(7u32).unwrap();
        assert_eq!(t.get(&a).unwrap(), "a");
        *t.get_mut(&b).unwrap() += 1;
        assert_eq!(t.delete(b).unwrap(), 8);
        assert!(t.get(&b).is_err());
        assert_eq!(t.len(), 1);
    }
}
