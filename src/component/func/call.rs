//! Calls out to guests (host → guest): [`Func::call`] over dynamic values,
//! [`TypedFunc::call`] over Rust types, and the protocol both share with calls from
//! another component ([`call_lifted_with`]): the may-enter check, lowering the
//! arguments into the callee, the core call, lifting the result, post-return.

use super::{Func, LiftContext, LowerContext, Options, TypedFunc};
use crate::component::abi::{FlatDst, FlatSrc};
use crate::component::resources::{trap, with_scope};
use crate::component::store::{ComponentFuncId, FuncData};
use crate::component::transcode::StringBridge;
use crate::component::typed::{ComponentNamedList, Lift, Lower};
use crate::component::types::{FuncType, Type};
use crate::component::values::Val;
use crate::store::{AsContextMut, StoreOpaque};
use crate::vm::ValRaw;
use crate::vm::component::{self as vmc, FLAG_MAY_ENTER, FLAG_MAY_LEAVE};
use anyhow::{Result, bail};
use core::ptr::NonNull;
use smallvec::{SmallVec, smallvec};

impl Func {
    /// Calls the function with dynamically typed values. `results` must have room for
    /// the result (one element, or none). Post-return runs before this returns.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let ctx = store.as_context_mut();
        ctx.opaque().check(self.store_id)?;
        let ty = self.ty(&ctx)?;
        if params.len() != ty.params.len() {
            bail!(
                "expected {} arguments, got {}",
                ty.params.len(),
                params.len()
            );
        }
        if results.len() != ty.result.is_some() as usize {
            bail!(
                "expected room for {} results, got {}",
                ty.result.is_some() as usize,
                results.len()
            );
        }
        for (i, (v, (name, t))) in params.iter().zip(ty.params.iter()).enumerate() {
            v.typecheck(t)
                .map_err(|e| anyhow::anyhow!("argument {i} (`{name}`): {e}"))?;
        }
        // The store's own pointer (not one derived from a reference): host functions
        // called meanwhile make their own accesses through it.
        let store = ctx.raw().cast::<StoreOpaque>();
        let out = with_scope(store, ty.needs_scope, |scope| {
            call_lifted(store, self.index, params, scope)
        })?;
        if let (Some(slot), Some(v)) = (results.first_mut(), out) {
            *slot = v;
        }
        Ok(())
    }
}

impl<P, R> TypedFunc<P, R>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    /// Calls the function. Post-return runs before this returns.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R> {
        let ctx = store.as_context_mut();
        ctx.opaque().check(self.func.store_id)?;
        // The store's own pointer (see `Func::call`).
        let store = ctx.raw().cast::<crate::store::StoreOpaque>();
        with_scope(store, self.ty.needs_scope, |scope| {
            call_lifted_with(
                store,
                self.func.index,
                scope,
                None,
                |cx, ty, flat| {
                    if ty.params_in_memory() {
                        let ptr = alloc_params(cx, ty)?;
                        params.store(cx, &ty.params_tuple, ptr)?;
                        flat.push(ValRaw::i32(ptr as i32));
                        Ok(())
                    } else {
                        params.lower_flat(cx, &ty.params_tuple, flat)
                    }
                },
                |cx, ty, flat| {
                    if ty.results_in_memory() {
                        let ptr = flat[0].get_i32() as u32;
                        cx.check_ptr(ptr, &ty.results_tuple)?;
                        R::load(cx, &ty.results_tuple, ptr)
                    } else {
                        R::lift_flat(cx, &ty.results_tuple, &mut FlatSrc { vals: flat, pos: 0 })
                    }
                },
            )
        })
    }
}

/// Calls component function `func` from the host with `args` (lowered into the
/// callee) inside call scope `scope`; returns its result, lifted.
pub(crate) fn call_lifted(
    store: NonNull<StoreOpaque>,
    func: ComponentFuncId,
    args: &[Val],
    scope: usize,
) -> Result<Option<Val>> {
    call_lifted_with(
        store,
        func,
        scope,
        None,
        |cx, ty, flat| lower_args(cx, ty, args, flat),
        lift_result,
    )
}

/// Lowers `args` into the callee of a call of type `ty`.
pub(super) fn lower_args(
    cx: &mut LowerContext,
    ty: &FuncType,
    args: &[Val],
    flat: &mut FlatDst<'_>,
) -> Result<()> {
    if ty.params_in_memory() {
        let ptr = alloc_params(cx, ty)?;
        let Type::Tuple(t) = &ty.params_tuple else {
            unreachable!("params are a tuple")
        };
        for (e, v) in t.elems.iter().zip(args) {
            cx.store(&e.ty, v, ptr + e.offset)?;
        }
        flat.push(ValRaw::i32(ptr as i32));
    } else {
        for ((_, t), v) in ty.params.iter().zip(args) {
            cx.lower_flat(t, v, flat)?;
        }
    }
    Ok(())
}

/// Lifts the result of a call of type `ty` from the callee's core results.
pub(super) fn lift_result(
    cx: &mut LiftContext,
    ty: &FuncType,
    flat: &[ValRaw],
) -> Result<Option<Val>> {
    match &ty.result {
        None => Ok(None),
        Some(rt) if ty.results_in_memory() => {
            let ptr = flat[0].get_i32() as u32;
            cx.check_ptr(ptr, rt)?;
            Ok(Some(cx.load(rt, ptr)?))
        }
        Some(rt) => Ok(Some(cx.lift_flat(rt, &mut FlatSrc { vals: flat, pos: 0 })?)),
    }
}

/// Allocates the argument area of a call whose parameters go through memory.
fn alloc_params(cx: &mut LowerContext, ty: &FuncType) -> Result<u32> {
    let tuple = &ty.params_tuple;
    cx.realloc(0, 0, tuple.align(), tuple.size(), "arguments")
}

/// The call protocol of a lifted function, with the lowering of the arguments and the
/// lifting of the result supplied by the caller (dynamic `Val`s or Rust types):
/// enter (may-enter check), lower, call, lift, post-return. `bridge` is set for a call
/// from another component (an adapter): the callee's strings go through it.
pub(crate) fn call_lifted_with<R>(
    store: NonNull<StoreOpaque>,
    func: ComponentFuncId,
    scope: usize,
    bridge: Option<NonNull<StringBridge>>,
    lower: impl FnOnce(&mut LowerContext, &FuncType, &mut FlatDst<'_>) -> Result<()>,
    lift: impl FnOnce(&mut LiftContext, &FuncType, &[ValRaw]) -> Result<R>,
) -> Result<R> {
    // SAFETY: the store is live; borrows of it are short and none is held while wasm
    // runs (`invoke`).
    unsafe {
        let c = &(*store.as_ptr()).components;
        let (instance, lift_index, core) = match &c.func(func) {
            FuncData::Lifted {
                instance,
                lift,
                core,
            } => (*instance, *lift, *core),
            FuncData::Host(..) => {
                bail!(
                    "unsupported: calling, from the host, a host function that a component re-exports"
                )
            }
        };
        let data = c.instance(instance);
        let def = data.def.clone();
        let vmctx = data.vmctx.as_ptr();
        let l = &def.lifts[lift_index as usize];
        let ty = &*l.ty;
        let post_return = l
            .options
            .post_return
            .and_then(|p| data.vmctx.post_return(p));
        if let Some(what) = l.options.unsupported {
            bail!("unsupported: calling a function lifted with {what}");
        }
        if ty.is_async {
            bail!("unsupported: calling an `async` component function");
        }
        if vmc::flags(vmctx) & FLAG_MAY_ENTER == 0 {
            return Err(trap("cannot enter component instance"));
        }
        let adapter = bridge.is_some();
        let mut opts = Options::new(store, instance, &data.vmctx, &l.options, adapter);
        opts.scope = scope;
        opts.bridge = bridge;

        let n_params = if ty.params_in_memory() {
            1
        } else {
            ty.flat_params.len()
        };
        let n_results = if ty.results_in_memory() {
            1
        } else {
            ty.flat_results.len()
        };
        let mut flat: SmallVec<[ValRaw; 8]> = smallvec![ValRaw::zero(); n_params.max(n_results)];
        let mut dst = FlatDst::new(&mut flat);
        lower(&mut opts.lower(), ty, &mut dst)?;
        dst.check(n_params)?;

        // The call; the instance cannot be re-entered meanwhile.
        vmc::set_flag(vmctx, FLAG_MAY_ENTER, false);
        let called = crate::func::invoke(store, core, &mut flat);
        vmc::set_flag(vmctx, FLAG_MAY_ENTER, true);
        called?;

        let result = lift(&mut opts.lift(), ty, &flat)?;

        // Post-return, with the core results; it may not call out.
        if let Some(f) = post_return {
            let mut buf = flat[..n_results].to_vec();
            if buf.is_empty() {
                buf.push(ValRaw::zero());
            }
            vmc::set_flag(vmctx, FLAG_MAY_LEAVE | FLAG_MAY_ENTER, false);
            let r = crate::func::invoke(store, f, &mut buf);
            vmc::set_flag(vmctx, FLAG_MAY_LEAVE | FLAG_MAY_ENTER, true);
            r?;
        }
        Ok(result)
    }
}
