//! The `extern "C"` functions core code calls through the component's trampolines
//! (`VMFuncRef::array_call`): the entry of every lowered function (may-leave check,
//! then its `VMLowering`'s callee, see [`super::host`]), and the canonical built-ins
//! (`resource.new`, `resource.rep`, `resource.drop`, and the unsupported ones). Each
//! records its error in the store and returns `false` to trap.

use crate::component::ResourceType;
use crate::component::parse::TrampolineDef;
use crate::component::resources::{Handle, drop_handle};
use crate::component::store::{ComponentInstanceData, ComponentInstanceId, ComponentStore};
use crate::store::StoreOpaque;
use crate::vm::component::{self as vmc, FLAG_MAY_LEAVE, VMComponentContext};
use crate::vm::{VMContext, VMOpaqueContext, ValRaw};
use anyhow::Result;
use core::ptr::NonNull;

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
    ComponentInstanceId,
    &'a ComponentInstanceData,
) {
    // SAFETY: forwarded; the instance lives as long as its store, and no `&mut` to the
    // store is live while a trampoline starts.
    unsafe {
        let store = (*vmctx.as_ptr()).header.store.cast::<StoreOpaque>();
        let inst = ComponentInstanceId::from_u32((*vmctx.as_ptr()).header.instance);
        let c: &ComponentStore = &(*store).components;
        (store, inst, c.instance(inst))
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
        let calls = vmc::count_trampoline_call(callee);
        if calls == 1 || calls.is_power_of_two() {
            tier_up_lowering(callee, vmctx, calls);
        }
        ((*lowering.as_ptr()).callee)(vmctx, lowering, args, len)
    }
}

/// Asks tiering for the compiled trampoline of a lowering that had `calls` calls, and
/// gives it to the lowering's function reference (core code calling through it takes it
/// from the next call; this call goes on here).
///
/// # Safety
/// `callee` must be a lowering trampoline's context in the live component context
/// `vmctx`, used by this thread's store.
#[cold]
unsafe fn tier_up_lowering(
    callee: NonNull<VMOpaqueContext>,
    vmctx: NonNull<VMComponentContext>,
    calls: u64,
) {
    // SAFETY: the caller guarantees the contexts are live; the store outlives them.
    unsafe {
        let (store, _, _) = instance_of(vmctx);
        let engine = &(*store).engine;
        let t = callee.cast::<vmc::VMTrampolineContext>().as_ptr();
        let ty = || engine.signature((*(*t).func_ref).type_index);
        if let Some(code) = crate::tiering::hot_lowering_trampoline(engine, calls, ty)
            .and_then(|p| crate::vm::VmPtr::from_raw(p.cast_mut().cast()))
        {
            vmc::set_trampoline_wasm_call(callee, code);
        }
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
    ComponentInstanceId,
    Result<ResourceType>,
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
    f: impl FnOnce(NonNull<StoreOpaque>, ComponentInstanceId, ResourceType, u32) -> Result<Option<u32>>,
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
            let h = Handle::own(ty, rep);
            Ok(Some(c.instance_mut(inst).handles.add(h)?))
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
            Ok(Some(c.instance(inst).handles.get_typed(i, ty)?.rep))
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
