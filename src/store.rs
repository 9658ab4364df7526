//! `Store<T>`: owns every runtime object (instances, memories, tables, globals, host
//! functions, extern references) and the embedder's data `T`.
//!
//! The store lives on the heap and is reached through one raw pointer: handles such as
//! `StoreContextMut` and `Caller` carry that pointer and make short-lived references on
//! each access. A host function may re-enter wasm, which may call the host again; none of
//! those activations holds a reference across the call, so they never invalidate each
//! other (the discipline Miri's aliasing checks ask for).

use crate::engine::Engine;
use crate::instance::InstanceData;
use crate::tiering::StoreTiers;
use crate::vm::{
    self, StoreBox, VMCONTEXT_MAGIC, VMContext, VMContextHeader, VMStoreContext, VmBox,
};
use anyhow::{Result, bail};
use core::marker::PhantomData;
use core::ptr::NonNull;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a store, so handles from one store are refused by another.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct StoreId(u64);

impl StoreId {
    fn next() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// The data behind an `ExternRef`: owned by the store, referenced by pointer from wasm.
pub(crate) struct ExternData {
    pub(crate) value: Box<dyn Any + Send + Sync>,
}

/// The type-erased part of a store.
#[doc(hidden)]
pub struct StoreOpaque {
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) context: VmBox<VMStoreContext>,
    /// Owns the tiers' per-store state that `context` points to.
    pub(crate) _tiers: StoreTiers,
    pub(crate) instances: Vec<InstanceData>,
    /// Declared after `instances`, which own and drop the entries that are
    /// `StoreBox::InInstance`.
    pub(crate) memories: Vec<StoreBox<vm::Memory>>,
    pub(crate) tables: Vec<StoreBox<vm::Table>>,
    pub(crate) globals: Vec<StoreBox<vm::Global>>,
    pub(crate) host_funcs: Vec<Box<dyn Any>>,
    pub(crate) extern_refs: Vec<VmBox<ExternData>>,
    /// Component instances, functions and resources.
    #[cfg(feature = "component")]
    pub(crate) components: crate::component::store::ComponentStore,
    /// A context with only a header: the "caller" of calls made by the host.
    default_caller: VmBox<VMContextHeader>,
}

impl StoreOpaque {
    /// Fails unless `id` is this store's.
    pub(crate) fn check(&self, id: StoreId) -> Result<()> {
        if id != self.id {
            bail!("object used with the wrong store");
        }
        Ok(())
    }

    /// The caller context for calls from the host.
    pub(crate) fn default_caller(&self) -> NonNull<VMContext> {
        // SAFETY: a `VMContext` is its header.
        unsafe { NonNull::new_unchecked(self.default_caller.as_ptr().cast()) }
    }

    /// Takes the error of a call that returned `false`; resumes a caught host panic.
    pub(crate) fn take_error(&mut self) -> anyhow::Error {
        let ctx = self.context.get_mut();
        if let Some(panic) = ctx.pending_panic.take() {
            std::panic::resume_unwind(panic);
        }
        ctx.pending_error
            .take()
            .unwrap_or_else(|| anyhow::anyhow!("wasm call failed without an error"))
    }
}

/// Store state plus the embedder's data. `repr(C)` with `opaque` first, so a pointer to a
/// `StoreInner<T>` is also a pointer to its `StoreOpaque`.
#[repr(C)]
pub(crate) struct StoreInner<T> {
    pub(crate) opaque: StoreOpaque,
    pub(crate) data: T,
}

/// Owns wasm objects and the embedder's data `T`.
pub struct Store<T> {
    inner: NonNull<StoreInner<T>>,
}

// SAFETY: a store owns everything it points to; moving it moves all of it.
unsafe impl<T: Send> Send for Store<T> {}
// SAFETY: `&Store` only gives shared access.
unsafe impl<T: Sync> Sync for Store<T> {}

impl<T> Store<T> {
    /// A new store with `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let tiers = StoreTiers::new(engine);
        let context = VmBox::new(VMStoreContext {
            interp_state: tiers.interp_state(),
            ..Default::default()
        });
        let default_caller = VmBox::new(VMContextHeader {
            magic: VMCONTEXT_MAGIC,
            _pad: 0,
            store_context: context.as_ptr(),
            store: core::ptr::null_mut(),
            instance: core::ptr::null_mut(),
            interp_code: core::ptr::null(),
            func_slots: core::ptr::null(),
        });
        let inner = Box::new(StoreInner {
            opaque: StoreOpaque {
                id: StoreId::next(),
                engine: engine.clone(),
                context,
                _tiers: tiers,
                instances: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                host_funcs: Vec::new(),
                extern_refs: Vec::new(),
                #[cfg(feature = "component")]
                components: Default::default(),
                default_caller,
            },
            data,
        });
        let inner = NonNull::from(Box::leak(inner));
        // SAFETY: freshly allocated; nothing else refers to it yet.
        unsafe { (*inner.as_ptr()).opaque.default_caller.get_mut().store = inner.as_ptr().cast() };
        Store { inner }
    }

    /// The store's identity (tests of types that carry it).
    #[cfg(all(test, feature = "component"))]
    pub(crate) fn opaque_id(&self) -> StoreId {
        // SAFETY: the store is alive while `self` is.
        unsafe { (*self.inner.as_ptr()).opaque.id }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        // SAFETY: the store is alive while `self` is.
        unsafe { &(*self.inner.as_ptr()).opaque.engine }
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        // SAFETY: the store is alive while `self` is.
        unsafe { &(*self.inner.as_ptr()).data }
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is exclusive.
        unsafe { &mut (*self.inner.as_ptr()).data }
    }

    /// Consumes the store, returning its data.
    pub fn into_data(self) -> T {
        let inner = self.inner;
        core::mem::forget(self);
        // SAFETY: the pointer came from `Box::leak`; ownership is taken back once.
        let inner = unsafe { Box::from_raw(inner.as_ptr()) };
        inner.data
    }

    /// Sets the fuel left (fails unless `Config::consume_fuel` is on).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        self.as_context_mut().set_fuel(fuel)
    }

    /// The fuel left (fails unless `Config::consume_fuel` is on).
    pub fn get_fuel(&self) -> Result<u64> {
        self.as_context().get_fuel()
    }
}

impl<T> Drop for Store<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` and is freed once, here.
        drop(unsafe { Box::from_raw(self.inner.as_ptr()) });
    }
}

/// Shared access to a store.
pub struct StoreContext<'a, T> {
    pub(crate) inner: NonNull<StoreInner<T>>,
    _marker: PhantomData<&'a T>,
}

/// Exclusive access to a store.
pub struct StoreContextMut<'a, T> {
    pub(crate) inner: NonNull<StoreInner<T>>,
    _marker: PhantomData<&'a mut T>,
}

impl<T> Clone for StoreContext<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for StoreContext<'_, T> {}

impl<'a, T> StoreContext<'a, T> {
    /// The store state.
    pub(crate) fn opaque(&self) -> &'a StoreOpaque {
        // SAFETY: shared access for `'a`, guaranteed by how the context was made.
        unsafe { &(*self.inner.as_ptr()).opaque }
    }

    /// The embedder's data.
    pub fn data(&self) -> &'a T {
        // SAFETY: shared access for `'a`, guaranteed by how the context was made.
        unsafe { &(*self.inner.as_ptr()).data }
    }

    /// The engine.
    pub fn engine(&self) -> &'a Engine {
        &self.opaque().engine
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64> {
        let o = self.opaque();
        if !o.engine.config().consume_fuel {
            bail!("fuel is not enabled in this store's Config");
        }
        Ok(o.context.get().fuel.max(0) as u64)
    }
}

impl<'a, T> StoreContextMut<'a, T> {
    /// Makes a context from the store pointer.
    ///
    /// # Safety
    /// The store must be alive for `'a`, and the caller must not create overlapping
    /// exclusive access through other means.
    pub(crate) unsafe fn from_raw(inner: NonNull<StoreInner<T>>) -> Self {
        StoreContextMut {
            inner,
            _marker: PhantomData,
        }
    }

    /// The raw store pointer.
    pub(crate) fn raw(&self) -> NonNull<StoreInner<T>> {
        self.inner
    }

    /// The store state.
    pub(crate) fn opaque(&self) -> &StoreOpaque {
        // SAFETY: the context grants access for as long as `self` is borrowed.
        unsafe { &(*self.inner.as_ptr()).opaque }
    }

    /// The store state, mutably.
    pub(crate) fn opaque_mut(&mut self) -> &mut StoreOpaque {
        // SAFETY: the context grants exclusive access while `self` is borrowed mutably.
        unsafe { &mut (*self.inner.as_ptr()).opaque }
    }

    /// The embedder's data.
    pub fn data(&self) -> &T {
        // SAFETY: the context grants exclusive access, so a shared borrow of `self` is sound.
        unsafe { &(*self.inner.as_ptr()).data }
    }

    /// The embedder's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        // SAFETY: the context grants exclusive access while `self` is borrowed mutably.
        unsafe { &mut (*self.inner.as_ptr()).data }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.opaque().engine
    }

    /// Sets the fuel left.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        let o = self.opaque_mut();
        if !o.engine.config().consume_fuel {
            bail!("fuel is not enabled in this store's Config");
        }
        o.context.get_mut().fuel = fuel.min(i64::MAX as u64) as i64;
        Ok(())
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64> {
        self.as_context().get_fuel()
    }
}

/// Types that give shared access to a store (`Store`, `Caller`, contexts, references).
pub trait AsContext {
    /// The embedder's data type.
    type Data;
    /// Shared access.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Types that give exclusive access to a store.
pub trait AsContextMut: AsContext {
    /// Exclusive access.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: self.inner,
            _marker: PhantomData,
        }
    }
}
impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut {
            inner: self.inner,
            _marker: PhantomData,
        }
    }
}
impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        *self
    }
}
impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext {
            inner: self.inner,
            _marker: PhantomData,
        }
    }
}
impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut {
            inner: self.inner,
            _marker: PhantomData,
        }
    }
}
impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}
impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}
