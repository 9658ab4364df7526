//! Host functions for components.
//!
//! A [`HostFunc`] is an *entrypoint* with the one fixed signature of
//! [`VMLoweringCallee`] (so a lowering calls any host function the same way, from
//! either tier), a *typecheck* run when a component that imports it is instantiated,
//! and the boxed closure. The entrypoint lifts the arguments straight from the calling
//! instance's flat values and memory, calls the closure and lowers its results back:
//! `func_new` closures see [`Val`]s, `func_wrap` closures Rust values
//! ([`super::typed`]).

use super::abi::{AbiCx, FlatDst, FlatSrc};
use super::resources::ResourceType;
use super::store::LoweringInfo;
use super::types::{FuncType, ResourceKey};
use super::values::Val;
use crate::store::{StoreContextMut, StoreInner, StoreOpaque};
use crate::vm::ValRaw;
use crate::vm::component::{VMComponentContext, VMLowering, VMLoweringCallee};
use anyhow::{Result, bail};
use core::ptr::NonNull;
use std::any::Any;

/// Resolves the abstract resources of an import's type during a typecheck.
pub(crate) type ResourceLookup<'a> = &'a dyn Fn(ResourceKey) -> Option<ResourceType>;

/// Checks a host function's Rust types against an import's function type.
pub(crate) type Typecheck = Box<dyn Fn(&FuncType, ResourceLookup<'_>) -> Result<()> + Send + Sync>;

/// A host function, not tied to a store.
pub struct HostFunc {
    pub(crate) entrypoint: VMLoweringCallee,
    pub(crate) typecheck: Typecheck,
    /// The closure, of the type `entrypoint` was made for (known statically there, so
    /// no type check per call). Owned: freed when the function is dropped. A raw
    /// pointer, not a `Box`, so that moving the `HostFunc` does not invalidate the
    /// pointers calls use.
    closure: NonNull<dyn Any + Send + Sync>,
}

// SAFETY: the closure is `Send + Sync` and owned by the `HostFunc`.
unsafe impl Send for HostFunc {}
// SAFETY: the closure is `Sync`; `&HostFunc` only calls it through `&`.
unsafe impl Sync for HostFunc {}

impl Drop for HostFunc {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::into_raw` in `from_parts`, freed once here.
        drop(unsafe { Box::from_raw(self.closure.as_ptr()) });
    }
}

impl HostFunc {
    /// A host function with entrypoint `entrypoint`, which expects its closure to be a
    /// `C`.
    pub(crate) fn from_parts<C: Any + Send + Sync>(
        entrypoint: VMLoweringCallee,
        typecheck: Typecheck,
        closure: C,
    ) -> HostFunc {
        let func: Box<dyn Any + Send + Sync> = Box::new(closure);
        HostFunc {
            entrypoint,
            typecheck,
            closure: NonNull::from(Box::leak(func)),
        }
    }

    /// The closure.
    ///
    /// # Safety
    /// `C` must be the type given to [`HostFunc::from_parts`].
    pub(crate) unsafe fn closure<C>(&self) -> &C {
        // SAFETY: forwarded to the caller; the closure lives as long as `self`.
        unsafe { &*self.closure.as_ptr().cast::<C>() }
    }
}

impl std::fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostFunc")
    }
}

/// The store, component instance and lowering of a call through a lowering.
pub(crate) struct LoweringCall {
    pub(crate) store: NonNull<StoreOpaque>,
    /// The lowering's type (owned by the component definition, which the instance
    /// keeps alive for the whole call).
    ty: NonNull<FuncType>,
    pub(crate) cx: AbiCx,
}

impl LoweringCall {
    /// Reads what a lowering entrypoint needs from its `VMLowering`.
    ///
    /// # Safety
    /// `lowering` must be a live lowering of a component instance.
    pub(crate) unsafe fn new(lowering: NonNull<VMLowering>, adapter: bool) -> LoweringCall {
        // SAFETY: forwarded to the caller; `info` is the lowering's `LoweringInfo`, kept
        // alive by the instance.
        unsafe {
            let info = &*(*lowering.as_ptr()).info.cast::<LoweringInfo>();
            let mut cx = info.cx;
            cx.adapter = adapter;
            LoweringCall {
                store: cx.store,
                ty: NonNull::from(&*info.ty),
                cx,
            }
        }
    }

    /// The lowering's type.
    pub(crate) fn ty<'a>(&self) -> &'a FuncType {
        // SAFETY: the type belongs to the lowering instance's definition, which outlives
        // every call through the lowering.
        unsafe { self.ty.as_ref() }
    }

    /// Lifts the arguments (flat, or from the argument area in memory).
    pub(crate) fn lift_params(&mut self, args: &[ValRaw]) -> Result<Vec<Val>> {
        let ty = self.ty();
        if ty.params_in_memory() {
            let ptr = args[0].get_i32() as u32;
            self.cx.check_ptr(ptr, &ty.params_tuple)?;
            let Val::Tuple(vals) = self.cx.load(&ty.params_tuple, ptr)? else {
                unreachable!("a tuple type lifts to a tuple")
            };
            Ok(vals)
        } else {
            let mut src = FlatSrc { vals: args, pos: 0 };
            ty.params
                .iter()
                .map(|(_, t)| self.cx.lift_flat(t, &mut src))
                .collect()
        }
    }

    /// Lowers the result into the caller (flat, or through the result pointer it
    /// passed as its last argument).
    pub(crate) fn lower_result(&mut self, result: Option<&Val>, args: &mut [ValRaw]) -> Result<()> {
        let ty = self.ty();
        let (Some(rty), Some(v)) = (&ty.result, result) else {
            if ty.result.is_some() {
                bail!("the host function returned no result");
            }
            return Ok(());
        };
        v.typecheck(rty)?;
        if ty.results_in_memory() {
            let n = ty.lowered_core_signature().0.len();
            let ptr = args[n - 1].get_i32() as u32;
            self.cx.check_ptr(ptr, rty)?;
            self.cx.store(rty, v, ptr)
        } else {
            let n = ty.flat_results.len();
            let mut out = FlatDst::new(args);
            self.cx.lower_flat(rty, v, &mut out)?;
            out.check(n)
        }
    }
}

/// The frame of every lowering entrypoint: reads the lowering, then runs `body` with
/// the call (its context in a call scope when the type has handles), the arguments and
/// the scope, inside `vm::catch_unwind_and_record`.
///
/// # Safety
/// `lowering` must be a live lowering of a component instance, and `args` hold `len`
/// values.
pub(crate) unsafe fn lowering_entry(
    lowering: NonNull<VMLowering>,
    args: NonNull<ValRaw>,
    len: usize,
    adapter: bool,
    body: impl FnOnce(&mut LoweringCall, &mut [ValRaw], usize) -> Result<()>,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe {
        let mut call = LoweringCall::new(lowering, adapter);
        let store = call.store;
        // The context is boxed in the store, and no borrow of it is live when the body
        // returns.
        crate::vm::catch_unwind_and_record((*store.as_ptr()).context.as_ptr(), || {
            let args = core::slice::from_raw_parts_mut(args.as_ptr(), len);
            super::func::with_scope(store, call.ty().needs_scope, |scope| {
                call.cx.scope = scope;
                body(&mut call, args, scope)
            })
        })
    }
}

/// The host function a lowering calls.
///
/// # Safety
/// `lowering` must be a live lowering whose `data` is a `HostFunc`.
pub(crate) unsafe fn host_of<'a>(lowering: NonNull<VMLowering>) -> &'a HostFunc {
    // SAFETY: forwarded; the lowering instance keeps the function alive.
    unsafe { &*(*lowering.as_ptr()).data.cast::<HostFunc>() }
}

/// The closure of a `func_new` host function.
type DynamicFn<T> = dyn Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync;

impl HostFunc {
    /// A host function over dynamically typed values; it accepts any function type.
    pub(crate) fn new_dynamic<T: 'static>(
        func: impl Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> HostFunc {
        let func: Box<DynamicFn<T>> = Box::new(func);
        HostFunc::from_parts(dynamic_entry::<T>, Box::new(|_, _| Ok(())), func)
    }
}

/// Placeholder results handed to a `func_new` closure to overwrite.
fn placeholder(n: usize) -> Vec<Val> {
    vec![Val::Bool(false); n]
}

unsafe extern "C" fn dynamic_entry<T: 'static>(
    _vmctx: NonNull<VMComponentContext>,
    lowering: NonNull<VMLowering>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    // SAFETY: the lowering's `data` is the `HostFunc` this entrypoint was made for, kept
    // alive by the lowering instance; `args` holds `len` values.
    unsafe {
        let func = host_of(lowering).closure::<Box<DynamicFn<T>>>();
        lowering_entry(lowering, args, len, false, |call, args, _| {
            let params = call.lift_params(args)?;
            let mut results = placeholder(call.ty().result.is_some() as usize);
            let store = StoreContextMut::from_raw(call.store.cast::<StoreInner<T>>());
            func(store, &params, &mut results)?;
            call.lower_result(results.first(), args)
        })
    }
}

/// Checks a host-provided item against the type a component imports it with.
pub(crate) fn typecheck_func(
    host: &HostFunc,
    expected: &FuncType,
    lookup: ResourceLookup<'_>,
) -> Result<()> {
    (host.typecheck)(expected, lookup)
}
