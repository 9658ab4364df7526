//! Host functions for components.
//!
//! A [`HostFunc`] is an *entrypoint* with the one fixed signature of
//! [`VMLoweringCallee`] (so a lowering calls any host function the same way, from
//! either tier), a *typecheck* run when a component that imports it is instantiated,
//! and the boxed closure. The entrypoint lifts the arguments straight from the calling
//! instance's flat values and memory, calls the closure and lowers its results back:
//! `func_new` closures see [`Val`]s, `func_wrap` closures Rust values
//! ([`super::typed`]).

use super::abi::{AbiCx, FlatSrc};
use super::resources::ResourceType;
use super::types::{FuncType, ResourceKey};
use super::values::Val;
use crate::store::{StoreContextMut, StoreInner, StoreOpaque};
use crate::vm::ValRaw;
use crate::vm::component::{VMComponentContext, VMLoweringCallee};
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
    pub(crate) func: Box<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for HostFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HostFunc")
    }
}

/// The store, component instance and lowering of a call through a lowering.
pub(crate) struct LoweringCall {
    pub(crate) store: NonNull<StoreOpaque>,
    pub(crate) ty: std::sync::Arc<FuncType>,
    pub(crate) cx: AbiCx,
}

impl LoweringCall {
    /// Reads what a lowering entrypoint needs from its context.
    ///
    /// # Safety
    /// `vmctx` must be a live component context of a store, `lowering` one of its
    /// lowerings.
    pub(crate) unsafe fn new(
        vmctx: NonNull<VMComponentContext>,
        lowering: u32,
        adapter: bool,
    ) -> LoweringCall {
        // SAFETY: forwarded to the caller.
        unsafe {
            let header = &(*vmctx.as_ptr()).header;
            let store = NonNull::new_unchecked(header.store.cast::<StoreOpaque>());
            let instance = header.instance;
            let c: &super::store::ComponentStore = &(*store.as_ptr()).components;
            let data = &c.instances[instance as usize];
            let l = &data.def.lowerings[lowering as usize];
            let cx = super::func::abi_cx(
                store,
                instance,
                vmctx,
                &data.def.offsets,
                &l.options,
                adapter,
            );
            LoweringCall {
                store,
                ty: l.ty.clone(),
                cx,
            }
        }
    }

    /// Lifts the arguments (flat, or from the argument area in memory).
    pub(crate) fn lift_params(&mut self, args: &[ValRaw]) -> Result<Vec<Val>> {
        let ty = self.ty.clone();
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
        let ty = self.ty.clone();
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
            let mut out = Vec::with_capacity(ty.flat_results.len());
            self.cx.lower_flat(rty, v, &mut out)?;
            args[..out.len()].copy_from_slice(&out);
            Ok(())
        }
    }
}

/// Runs `f` as the body of an entrypoint: an error or panic is recorded in the store
/// and reported as `false`, as the array-call ABI asks.
///
/// # Safety
/// `store` must be live.
pub(crate) unsafe fn entry_guard(
    store: NonNull<StoreOpaque>,
    f: impl FnOnce() -> Result<()>,
) -> bool {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    // SAFETY: forwarded; no other borrow of the store's context is live here.
    unsafe {
        let context = (*store.as_ptr()).context.as_ptr();
        match result {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                (*context).set_pending_error(e);
                false
            }
            Err(panic) => {
                (*context).pending_panic = Some(panic);
                false
            }
        }
    }
}

/// The closure of a `func_new` host function.
type DynamicFn<T> = dyn Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync;

impl HostFunc {
    /// A host function over dynamically typed values; it accepts any function type.
    pub(crate) fn new_dynamic<T: 'static>(
        func: impl Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static,
    ) -> HostFunc {
        let func: Box<DynamicFn<T>> = Box::new(func);
        HostFunc {
            entrypoint: dynamic_entry::<T>,
            typecheck: Box::new(|_, _| Ok(())),
            func: Box::new(func),
        }
    }
}

/// Placeholder results handed to a `func_new` closure to overwrite.
fn placeholder(n: usize) -> Vec<Val> {
    vec![Val::Bool(false); n]
}

unsafe extern "C" fn dynamic_entry<T: 'static>(
    vmctx: NonNull<VMComponentContext>,
    data: *const (),
    lowering: u32,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    // SAFETY: `data` is the `HostFunc` this entrypoint was made for, kept alive by the
    // lowering instance; `vmctx` is the lowering instance's live context; `args` holds
    // `len` values.
    unsafe {
        let host = &*data.cast::<HostFunc>();
        let mut call = LoweringCall::new(vmctx, lowering, false);
        let store = call.store;
        entry_guard(store, || {
            let args = core::slice::from_raw_parts_mut(args.as_ptr(), len);
            let func = host
                .func
                .downcast_ref::<Box<DynamicFn<T>>>()
                .expect("entrypoint matches its closure");
            let scope = super::func::push_scope(store);
            call.cx.scope = scope;
            let result = (|| {
                let params = call.lift_params(args)?;
                let mut results = placeholder(call.ty.result.is_some() as usize);
                func(
                    StoreContextMut::from_raw(store.cast::<StoreInner<T>>()),
                    &params,
                    &mut results,
                )?;
                call.lower_result(results.first(), args)
            })();
            super::func::pop_scope(store, scope, result)
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
