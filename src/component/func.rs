//! Calls across the component boundary: component functions (`Func`), calls of lifted
//! functions from the host or from another component, the trampolines that core code
//! calls (lowerings and resource built-ins), call scopes for borrows, and
//! post-return.

use super::abi::{AbiCx, FlatDst, FlatSrc};
use super::host::lowering_entry;
use super::parse::{CanonOptions, TrampolineDef};
use super::resources::{CallScope, trap};
use super::store::{FuncData, LoweringTarget};
use super::transcode::StringBridge;
use super::types::{FuncType, Type};
use super::values::Val;
use crate::store::{AsContext, AsContextMut, StoreId, StoreOpaque};
use crate::vm::component::{
    self as vmc, FLAG_MAY_ENTER, FLAG_MAY_LEAVE, VMComponentContext, VMComponentContextBox,
    VMLowering,
};
use crate::vm::{VMContext, VMOpaqueContext, ValRaw};
use anyhow::{Result, bail};
use core::ptr::NonNull;
use smallvec::{SmallVec, smallvec};
use std::sync::Arc;

/// A component function of a store: lifted from a component's core code, or a host
/// function a component imported.
#[derive(Copy, Clone, Debug)]
pub struct Func {
    pub(crate) store_id: StoreId,
    pub(crate) index: u32,
}

impl Func {
    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> Result<Arc<FuncType>> {
        let ctx = store.as_context();
        let o = ctx.opaque();
        o.check(self.store_id)?;
        match &o.components.funcs[self.index as usize] {
            FuncData::Lifted { instance, lift, .. } => Ok(o.components.instances
                [*instance as usize]
                .def
                .lifts[*lift as usize]
                .ty
                .clone()),
            FuncData::Host(_, ty) => Ok(ty.clone()),
        }
    }

    /// Parameter names and types.
    pub fn params(&self, store: impl AsContext) -> Result<Vec<(String, Type)>> {
        Ok(self.ty(store)?.params.to_vec())
    }

    /// The result type, if any.
    pub fn result(&self, store: impl AsContext) -> Result<Option<Type>> {
        Ok(self.ty(store)?.result.clone())
    }

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

    /// A typed view of the function; fails if the types do not match.
    pub fn typed<P, R>(&self, store: impl AsContext) -> Result<super::typed::TypedFunc<P, R>>
    where
        P: super::typed::ComponentNamedList + super::typed::Lower,
        R: super::typed::ComponentNamedList + super::typed::Lift,
    {
        super::typed::TypedFunc::new(*self, store)
    }
}

/// The [`AbiCx`] of component instance `instance` (whose context is `vmctx`) with
/// canonical options `options`.
pub(crate) fn abi_cx(
    store: NonNull<StoreOpaque>,
    instance: u32,
    vmctx: &VMComponentContextBox,
    options: &CanonOptions,
    adapter: bool,
) -> AbiCx {
    AbiCx {
        store,
        instance,
        memory: options.memory.and_then(|m| vmctx.memory(m)),
        realloc: options.realloc.and_then(|r| vmctx.realloc(r)),
        encoding: options.encoding,
        adapter,
        scope: 0,
        bridge: None,
    }
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
        if let Ok(h) = c.instances[inst as usize].handles.get_mut(i) {
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

/// Calls component function `func` from the host with `args` (lowered into the
/// callee) inside call scope `scope`; returns its result, lifted.
pub(crate) fn call_lifted(
    store: NonNull<StoreOpaque>,
    func: u32,
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
fn lower_args(cx: &mut AbiCx, ty: &FuncType, args: &[Val], flat: &mut FlatDst<'_>) -> Result<()> {
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
fn lift_result(cx: &mut AbiCx, ty: &FuncType, flat: &[ValRaw]) -> Result<Option<Val>> {
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
pub(crate) fn alloc_params(cx: &mut AbiCx, ty: &FuncType) -> Result<u32> {
    let tuple = &ty.params_tuple;
    cx.realloc(0, 0, tuple.align(), tuple.size(), "arguments")
}

/// The call protocol of a lifted function, with the lowering of the arguments and the
/// lifting of the result supplied by the caller (dynamic `Val`s or Rust types):
/// enter (may-enter check), lower, call, lift, post-return. `bridge` is set for a call
/// from another component (an adapter): the callee's strings go through it.
pub(crate) fn call_lifted_with<R>(
    store: NonNull<StoreOpaque>,
    func: u32,
    scope: usize,
    bridge: Option<NonNull<StringBridge>>,
    lower: impl FnOnce(&mut AbiCx, &FuncType, &mut FlatDst<'_>) -> Result<()>,
    lift: impl FnOnce(&mut AbiCx, &FuncType, &[ValRaw]) -> Result<R>,
) -> Result<R> {
    // SAFETY: the store is live; borrows of it are short and none is held while wasm
    // runs (`invoke`).
    unsafe {
        let c = &(*store.as_ptr()).components;
        let (instance, lift_index, core) = match &c.funcs[func as usize] {
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
        let data = &c.instances[instance as usize];
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
        let mut cx = abi_cx(store, instance, &data.vmctx, &l.options, adapter);
        cx.scope = scope;
        cx.bridge = bridge;

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
        lower(&mut cx, ty, &mut dst)?;
        dst.check(n_params)?;

        // The call; the instance cannot be re-entered meanwhile.
        vmc::set_flag(vmctx, FLAG_MAY_ENTER, false);
        let called = crate::func::invoke(store, core, &mut flat);
        vmc::set_flag(vmctx, FLAG_MAY_ENTER, true);
        called?;

        let result = lift(&mut cx, ty, &flat)?;

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

/// Records `e` as the pending error of a trampoline that is about to return `false`.
///
/// # Safety
/// `vmctx` must be live.
unsafe fn fail(vmctx: NonNull<VMComponentContext>, e: anyhow::Error) -> bool {
    // SAFETY: the caller guarantees `vmctx` is live, and a live context's store context
    // outlives it.
    unsafe {
        let ctx = (*vmctx.as_ptr()).header.store_context;
        (*ctx).set_pending_error(e);
    }
    false
}

/// `Err(false)`, with the trap recorded, when the instance may not call out now.
///
/// # Safety
/// `vmctx` must be live.
unsafe fn check_may_leave(vmctx: NonNull<VMComponentContext>) -> Result<(), bool> {
    // SAFETY: the caller guarantees `vmctx` is live, all `flags` and `fail` need.
    unsafe {
        if vmc::flags(vmctx) & FLAG_MAY_LEAVE == 0 {
            return Err(fail(
                vmctx,
                anyhow::Error::new(crate::Trap::CannotLeaveComponent),
            ));
        }
    }
    Ok(())
}

/// The store, index and data of the component instance of a trampoline's context.
///
/// # Safety
/// `vmctx` must be a live component context.
unsafe fn instance_of<'a>(
    vmctx: NonNull<VMComponentContext>,
) -> (
    *mut StoreOpaque,
    u32,
    &'a super::store::ComponentInstanceData,
) {
    // SAFETY: forwarded; the instance lives as long as its store, and no `&mut` to the
    // store is live while a trampoline starts.
    unsafe {
        let store = (*vmctx.as_ptr()).header.store.cast::<StoreOpaque>();
        let inst = (*vmctx.as_ptr()).header.instance;
        let c: &super::store::ComponentStore = &(*store).components;
        (store, inst, &c.instances[inst as usize])
    }
}

/// The array-call entry of every lowered function: checks that the instance may call
/// out, then calls the lowering's callee through its `VMLowering`.
pub(crate) unsafe extern "C" fn lowering_trampoline(
    callee: NonNull<VMOpaqueContext>,
    _caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    len: usize,
) -> bool {
    // SAFETY: `callee` is the context of a lowering trampoline of a live component
    // instance (set up by instantiation); the lowering's callee has the fixed signature.
    unsafe {
        let (vmctx, lowering) = vmc::trampoline_lowering(callee);
        if let Err(ok) = check_may_leave(vmctx) {
            return ok;
        }
        ((*lowering.as_ptr()).callee)(vmctx, lowering, args, len)
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
            call.cx.bridge = Some(bridge_ptr);
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

/// The data of a resource built-in: the instance and the resource's runtime type.
///
/// # Safety
/// `callee` must be a resource built-in's trampoline context.
unsafe fn resource_builtin(
    callee: NonNull<VMOpaqueContext>,
) -> (
    NonNull<VMComponentContext>,
    *mut StoreOpaque,
    u32,
    Result<super::ResourceType>,
) {
    // SAFETY: the caller guarantees `callee` is a resource built-in's trampoline context,
    // whose component context is live while the built-in runs.
    unsafe {
        let (vmctx, index) = vmc::trampoline_context(callee);
        let (store, inst, data) = instance_of(vmctx);
        let key = match data.def.trampolines[index as usize] {
            TrampolineDef::ResourceNew(k)
            | TrampolineDef::ResourceDrop(k)
            | TrampolineDef::ResourceRep(k) => k,
            TrampolineDef::Lower(_) | TrampolineDef::Unsupported(_) => {
                unreachable!("a resource built-in")
            }
        };
        (vmctx, store, inst, data.resource(key))
    }
}

/// A built-in of a later feature: traps with an `unsupported` error.
pub(crate) unsafe extern "C" fn unsupported_trampoline(
    callee: NonNull<VMOpaqueContext>,
    _caller: NonNull<VMContext>,
    _args: NonNull<ValRaw>,
    _len: usize,
) -> bool {
    // SAFETY: `callee` is the context of a trampoline of a live component instance.
    unsafe {
        let (vmctx, index) = vmc::trampoline_context(callee);
        if let Err(ok) = check_may_leave(vmctx) {
            return ok;
        }
        let def = &instance_of(vmctx).2.def;
        let what = match def.trampolines[index as usize] {
            TrampolineDef::Unsupported(u) => def.unsupported[u as usize].0.clone(),
            _ => unreachable!("an unsupported built-in"),
        };
        fail(
            vmctx,
            anyhow::anyhow!("unsupported: canonical built-in {what}"),
        )
    }
}

/// The body shared by the resource built-ins: decodes the trampoline context, checks
/// may-leave when `leaves`, runs `f` with the store, the instance, the resource's type
/// and the `i32` argument, and writes its `i32` result back (if any).
///
/// # Safety
/// `callee` must be a resource built-in's trampoline context; `args` holds one value.
unsafe fn resource_builtin_call(
    callee: NonNull<VMOpaqueContext>,
    args: NonNull<ValRaw>,
    leaves: bool,
    f: impl FnOnce(NonNull<StoreOpaque>, u32, super::ResourceType, u32) -> Result<Option<u32>>,
) -> bool {
    // SAFETY: forwarded to the caller.
    unsafe {
        let (vmctx, store, inst, ty) = resource_builtin(callee);
        if leaves && let Err(ok) = check_may_leave(vmctx) {
            return ok;
        }
        let arg = (*args.as_ptr()).get_i32() as u32;
        match ty.and_then(|ty| f(NonNull::new_unchecked(store), inst, ty, arg)) {
            Ok(Some(result)) => {
                *args.as_ptr() = ValRaw::i32(result as i32);
                true
            }
            Ok(None) => true,
            Err(e) => fail(vmctx, e),
        }
    }
}

/// `resource.new`: a new owned handle for a representation.
pub(crate) unsafe extern "C" fn resource_new_trampoline(
    callee: NonNull<VMOpaqueContext>,
    _caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    _len: usize,
) -> bool {
    // SAFETY: `callee` is this built-in's context and `args` holds one value; the store
    // borrow ends before anything else runs.
    unsafe {
        resource_builtin_call(callee, args, true, |store, inst, ty, rep| {
            let c = &mut (*store.as_ptr()).components;
            let h = super::resources::Handle::own(ty, rep);
            Ok(Some(c.instances[inst as usize].handles.add(h)?))
        })
    }
}

/// `resource.rep`: the representation behind a handle.
pub(crate) unsafe extern "C" fn resource_rep_trampoline(
    callee: NonNull<VMOpaqueContext>,
    _caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    _len: usize,
) -> bool {
    // SAFETY: as `resource_new_trampoline`.
    unsafe {
        resource_builtin_call(callee, args, false, |store, inst, ty, i| {
            let c = &(*store.as_ptr()).components;
            Ok(Some(
                c.instances[inst as usize].handles.get_typed(i, ty)?.rep,
            ))
        })
    }
}

/// `resource.drop`: removes a handle; dropping an owned handle runs the destructor.
pub(crate) unsafe extern "C" fn resource_drop_trampoline(
    callee: NonNull<VMOpaqueContext>,
    _caller: NonNull<VMContext>,
    args: NonNull<ValRaw>,
    _len: usize,
) -> bool {
    // SAFETY: as `resource_new_trampoline`.
    unsafe {
        resource_builtin_call(callee, args, true, |store, inst, ty, i| {
            drop_handle(store, inst, i, ty).map(|()| None)
        })
    }
}

/// Removes handle `i` (of type `ty`) from instance `inst`'s table, with the effects of
/// `resource.drop`.
pub(crate) fn drop_handle(
    store: NonNull<StoreOpaque>,
    inst: u32,
    i: u32,
    ty: super::ResourceType,
) -> Result<()> {
    // SAFETY: the store is live; the borrow ends before any destructor runs.
    let (rep, own) = unsafe {
        let c = &mut (*store.as_ptr()).components;
        let handles = &mut c.instances[inst as usize].handles;
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
    ty: super::ResourceType,
    rep: u32,
    dropper: Option<u32>,
) -> Result<()> {
    // SAFETY: the store is live; no borrow of it is held while the destructor runs.
    unsafe {
        let c = &(*store.as_ptr()).components;
        match ty.guest_index() {
            Some(g) => {
                let res = &c.guest_resources[g as usize];
                let Some(dtor) = res.dtor else {
                    return Ok(());
                };
                let owner = c.instances[res.instance as usize].vmctx.as_ptr();
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
