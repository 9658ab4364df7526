//! The array-call trampoline of each compiled function: the one host ABI of
//! `vm::VMArrayCallFn` (arguments and results in a buffer of `VMVal`s), calling the
//! function's wasm-call entry. It always returns `true`: a trap leaves through
//! `vm::unwind`, whose entry returns the `false`.

use super::Env;
use super::func_env::{declare_func, load_array_slot, store_array_slot};
use crate::jit::{array_signature, clif_type};
use crate::module::DefinedFuncIndex;
use cranelift_codegen::Context;
use cranelift_codegen::ir::{Function, InstBuilder, UserFuncName, types};
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
