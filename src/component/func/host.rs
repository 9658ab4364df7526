//! Calls in to the host (guest → host): a [`HostFunc`] is an *entrypoint* with the one
//! fixed signature of [`VMLoweringCallee`] (so a lowering calls any host function the
//! same way, from either tier), a *typecheck* run when a component that imports it is
//! instantiated, and the boxed closure. The entrypoint lifts the arguments straight
//! from the calling instance's flat values and memory, calls the closure and lowers its
//! results back. Both entry kinds are here: `func_new` closures see [`Val`]s
//! ([`HostFunc::new_dynamic`]), `func_wrap` closures Rust values
//! ([`HostFunc::new_typed`]). A lowering of another component's function enters the
//! same way ([`lifted_entry`]) and calls out through [`super::call`].

use super::Options;
use super::call::{call_lifted_with, lift_result, lower_args};
use crate::component::abi::{FlatDst, FlatSrc};
use crate::component::resources::{ResourceType, with_scope};
use crate::component::store::{LoweringInfo, LoweringTarget};
use crate::component::transcode::StringBridge;
use crate::component::typed::{ComponentNamedList, Lift, Lower};
use crate::component::types::{FuncType, ResourceKey};
use crate::component::values::Val;
use crate::store::{StoreContextMut, StoreInner, StoreOpaque};
use crate::vm::ValRaw;
use crate::vm::component::{VMComponentContext, VMLowering, VMLoweringCallee};
use anyhow::{Result, bail};
use core::ptr::NonNull;
use std::any::Any;
use std::sync::Arc;

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
    pub(crate) opts: Options,
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
            let mut opts = info.cx;
            opts.adapter = adapter;
            LoweringCall {
                store: opts.store,
                ty: NonNull::from(&*info.ty),
                opts,
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
        let mut cx = self.opts.lift();
        if ty.params_in_memory() {
            let ptr = args[0].get_i32() as u32;
            cx.check_ptr(ptr, &ty.params_tuple)?;
            let Val::Tuple(vals) = cx.load(&ty.params_tuple, ptr)? else {
                unreachable!("a tuple type lifts to a tuple")
            };
            Ok(vals)
        } else {
            let mut src = FlatSrc { vals: args, pos: 0 };
            ty.params
                .iter()
                .map(|(_, t)| cx.lift_flat(t, &mut src))
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
        let mut cx = self.opts.lower();
        if ty.results_in_memory() {
            let n = ty.lowered_core_signature().0.len();
            let ptr = args[n - 1].get_i32() as u32;
            cx.check_ptr(ptr, rty)?;
            cx.store(rty, v, ptr)
        } else {
            let n = ty.flat_results.len();
            let mut out = FlatDst::new(args);
            cx.lower_flat(rty, v, &mut out)?;
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
            with_scope(store, call.ty().needs_scope, |scope| {
                call.opts.scope = scope;
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

/// The closure of a `func_wrap` host function.
type TypedFn<T, P, R> = dyn Fn(StoreContextMut<'_, T>, P) -> Result<R> + Send + Sync;

impl HostFunc {
    /// A host function over Rust types; instantiation checks them against the import.
    pub(crate) fn new_typed<T, P, R>(
        func: impl Fn(StoreContextMut<'_, T>, P) -> Result<R> + Send + Sync + 'static,
    ) -> HostFunc
    where
        T: 'static,
        P: ComponentNamedList + Lift + 'static,
        R: ComponentNamedList + Lower + 'static,
    {
        let func: Box<TypedFn<T, P, R>> = Box::new(func);
        HostFunc::from_parts(
            typed_entry::<T, P, R>,
            Box::new(|ty, lookup| {
                P::typecheck(&ty.params_tuple, lookup)
                    .map_err(|e| anyhow::anyhow!("parameters: {e}"))?;
                R::typecheck(&ty.results_tuple, lookup).map_err(|e| anyhow::anyhow!("results: {e}"))
            }),
            func,
        )
    }
}

unsafe extern "C" fn typed_entry<T, P, R>(
    _vmctx: NonNull<VMComponentContext>,
    lowering: NonNull<VMLowering>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool
where
    T: 'static,
    P: ComponentNamedList + Lift + 'static,
    R: ComponentNamedList + Lower + 'static,
{
    // SAFETY: the lowering's `data` is the `HostFunc` this entrypoint was made for,
    // kept alive by the lowering instance; `args` holds `len` values.
    unsafe {
        let func = host_of(lowering).closure::<Box<TypedFn<T, P, R>>>();
        lowering_entry(lowering, args, len, false, |call, args, _| {
            let ty = call.ty();
            let params = if ty.params_in_memory() {
                let ptr = args[0].get_i32() as u32;
                let mut cx = call.opts.lift();
                cx.check_ptr(ptr, &ty.params_tuple)?;
                P::load(&mut cx, &ty.params_tuple, ptr)?
            } else {
                let mut src = FlatSrc { vals: args, pos: 0 };
                P::lift_flat(&mut call.opts.lift(), &ty.params_tuple, &mut src)?
            };
            let store = StoreContextMut::from_raw(call.store.cast::<StoreInner<T>>());
            let r = func(store, params)?;
            if ty.results_in_memory() {
                let n = ty.lowered_core_signature().0.len();
                let ptr = args[n - 1].get_i32() as u32;
                let mut cx = call.opts.lower();
                cx.check_ptr(ptr, &ty.results_tuple)?;
                r.store(&mut cx, &ty.results_tuple, ptr)
            } else {
                let mut out = FlatDst::new(args);
                r.lower_flat(&mut call.opts.lower(), &ty.results_tuple, &mut out)?;
                out.check(ty.flat_results.len())
            }
        })
    }
}

/// The lowering callee when the callee is a component function: lifts the arguments
/// from the calling component, calls the function, lowers its result back.
pub(crate) unsafe extern "C" fn lifted_entry(
    _vmctx: NonNull<VMComponentContext>,
    lowering: NonNull<VMLowering>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    // SAFETY: the lowering's `data` is its `LoweringTarget` and `info` its
    // `LoweringInfo`, kept alive by the instance; `args` holds `len` values.
    unsafe {
        let LoweringTarget::Func(func) = *(*lowering.as_ptr()).data.cast::<LoweringTarget>() else {
            unreachable!("lifted_entry is only used for component functions")
        };
        lowering_entry(lowering, args, len, true, |call, args, scope| {
            // Strings go from one memory to the other through the bridge; the result
            // reaches the caller before the callee's post-return runs.
            let bridge = StringBridge::default();
            let bridge_ptr = NonNull::from(&bridge);
            call.opts.bridge = Some(bridge_ptr);
            let params = call.lift_params(args)?;
            call_lifted_with(
                call.store,
                func,
                scope,
                Some(bridge_ptr),
                |cx, ty, flat| lower_args(cx, ty, &params, flat),
                |cx, ty, flat| {
                    let result = lift_result(cx, ty, flat)?;
                    call.lower_result(result.as_ref(), args)
                },
            )
        })
    }
}

/// The lowering callee and its data for `target`, which lives at `at`.
pub(crate) fn lowering_callee(
    target: &LoweringTarget,
    at: *const LoweringTarget,
) -> (crate::vm::component::VMLoweringCallee, *const ()) {
    match target {
        LoweringTarget::Host(h) => (h.entrypoint, Arc::as_ptr(h).cast()),
        LoweringTarget::Func(_) => (lifted_entry, at.cast()),
    }
}
