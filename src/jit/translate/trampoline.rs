//! Both ways between the two calling conventions of compiled code:
//!
//! * the array-call trampoline of each compiled function: the one host ABI of
//!   `vm::VMArrayCallFn` (arguments and results in a buffer of `VMVal`s), calling the
//!   function's wasm-call entry. It always returns `true`: a trap leaves through
//!   `vm::unwind`, whose entry returns the `false`;
//! * the array-call stub of each signature (a `jit::stubs` stub), in the wasm calling
//!   convention, through which compiled code calls callees that have no wasm-call entry.

use super::Env;
use super::func_env::{
    ARRAY_SLOT, declare_func, load_array_slot, load_store_context, store_array_slot,
    unreachable_after_libcall, vm_flags,
};
use crate::jit::libcalls::Libcalls;
use crate::jit::stubs::StubCx;
use crate::jit::{array_signature, clif_type};
use crate::module::{DefinedFuncIndex, FuncType};
use crate::vm::VMFuncRef;
use cranelift_codegen::Context;
use cranelift_codegen::ir::{
    Function, InstBuilder, StackSlotData, StackSlotKind, UserFuncName, Value, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::FuncId;

/// Builds the array-call trampoline of compiled function `d` (entry `wasm`) in `ctx.func`.
pub(crate) fn build_array_trampoline(
    env: &Env<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    d: DefinedFuncIndex,
    wasm: FuncId,
) {
    let module = env.module;
    let ty = module.func_type(module.func_index(d).as_u32()).clone();
    ctx.func = Function::with_name_signature(
        UserFuncName::user(1, d.as_u32()),
        array_signature(env.call_conv, env.ptr),
    );
    let callee = declare_func(env, &mut ctx.func, wasm);
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let p = b.block_params(entry).to_vec();
    let (vmctx, caller, args) = (p[0], p[1], p[2]);
    let mut call_args = vec![vmctx, caller];
    for (i, t) in ty.params().iter().enumerate() {
        call_args.push(load_array_slot(&mut b, clif_type(*t, env.ptr), args, i));
    }
    let call = b.ins().call(callee, &call_args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.iter().enumerate() {
        store_array_slot(&mut b, *r, args, i);
    }
    let t = b.ins().iconst(types::I8, 1);
    b.ins().return_(&[t]);
    b.seal_all_blocks();
    b.finalize(env.frontend);
}

/// Body of the array-call stub of signature `ty`, whose entry block has parameters
/// `params`: (callee `VMFuncRef`, caller vmctx, arguments).
pub(crate) fn build_array_call_stub(
    b: &mut FunctionBuilder<'_>,
    params: &[Value],
    ty: &FuncType,
    cx: &mut StubCx<'_>,
) {
    let ptr = cx.ptr;
    let (fref, caller) = (params[0], params[1]);
    let flags = vm_flags();
    let vmctx_at = core::mem::offset_of!(VMFuncRef, vmctx) as i32;
    let vmctx = b.ins().load(ptr, flags, fref, vmctx_at);
    let array_call_at = core::mem::offset_of!(VMFuncRef, array_call) as i32;
    let callee = b.ins().load(ptr, flags, fref, array_call_at);
    call_array_and_return(b, cx, ty, callee, [vmctx, caller], &params[2..], |b| {
        load_store_context(b, ptr, caller)
    });
}

/// Ends a stub: spills `args` into a buffer on the stack, calls array-call function
/// `callee` with `contexts` (callee and caller context) and the buffer, and returns the
/// results it left there; if it returns `false` (it recorded its error), leaves for the
/// entry (`vm::unwind`) with the store context `store_ctx` loads.
pub(crate) fn call_array_and_return(
    b: &mut FunctionBuilder<'_>,
    cx: &mut StubCx<'_>,
    ty: &FuncType,
    callee: Value,
    contexts: [Value; 2],
    args: &[Value],
    store_ctx: impl FnOnce(&mut FunctionBuilder<'_>) -> Value,
) {
    let ptr = cx.ptr;
    let n = ty.params().len().max(ty.results().len()).max(1);
    let slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (n * ARRAY_SLOT) as u32,
        4,
    ));
    let buf = b.ins().stack_addr(ptr, slot, 0);
    for (i, v) in args.iter().enumerate() {
        store_array_slot(b, *v, buf, i);
    }
    let sig = b.import_signature(array_signature(cx.call_conv, ptr));
    let len = b.ins().iconst(ptr, n as i64);
    let [callee_vmctx, caller] = contexts;
    let call = b
        .ins()
        .call_indirect(sig, callee, &[callee_vmctx, caller, buf, len]);
    let ok = b.inst_results(call)[0];
    // The callee recorded its error.
    or_leave(b, cx, ok, |l| l.unwind, |b| vec![store_ctx(b)]);
    let results: Vec<Value> = ty
        .results()
        .iter()
        .enumerate()
        .map(|(i, t)| load_array_slot(b, clif_type(*t, ptr), buf, i))
        .collect();
    b.ins().return_(&results);
}

/// Goes on when `ok` is non-zero; else, in a cold block, calls the libcall `pick` chooses
/// (one that never returns) with the arguments `args` makes there.
pub(crate) fn or_leave(
    b: &mut FunctionBuilder<'_>,
    cx: &mut StubCx<'_>,
    ok: Value,
    pick: impl FnOnce(&Libcalls) -> FuncId,
    args: impl FnOnce(&mut FunctionBuilder<'_>) -> Vec<Value>,
) {
    let go_on = b.create_block();
    let leave = b.create_block();
    b.set_cold_block(leave);
    b.ins().brif(ok, go_on, &[], leave, &[]);
    b.seal_block(go_on);
    b.seal_block(leave);
    b.switch_to_block(leave);
    let args = args(b);
    let f = cx.libcall(b.func, pick);
    b.ins().call(f, &args);
    unreachable_after_libcall(b);
    b.switch_to_block(go_on);
}
