//! Compiled lowering trampolines: for each core signature of a `canon lower`, a
//! Cranelift function in the wasm calling convention that does what the interpreter's
//! array-call entry of a lowering does — check that the component instance may leave,
//! spill the arguments into a `[ValRaw]` buffer on the stack, call the lowering's
//! callee through its `VMLowering`, and return the results (or leave for the entry
//! through `vm::unwind`).
//!
//! Compiled code calls an import through the import's `VMFuncRef::wasm_call` when there
//! is one, so a lowering with a compiled trampoline is entered without the generic
//! array-call packing at the call site. The trampolines only read the `vm` layout
//! (`VMTrampolineContext`, `VMComponentContextHeader`, `VMLowering`), so one per
//! signature serves every component and instance of an engine: they are among its
//! `jit::stubs`.

use super::stubs::StubCx;
use super::translate::{call_array_and_return, or_leave, vm_flags};
use crate::module::FuncType;
use crate::vm::component::{
    FLAG_MAY_LEAVE, VMComponentContextHeader, VMLowering, VMTrampolineContext,
};
use cranelift_codegen::ir::{InstBuilder, Value, types};
use cranelift_frontend::FunctionBuilder;

/// Body of the lowering trampoline of core signature `ty` (a `jit::stubs` stub), whose
/// entry block has parameters `params`: (trampoline context, caller vmctx, arguments).
pub(crate) fn build_lowering_trampoline(
    b: &mut FunctionBuilder<'_>,
    params: &[Value],
    ty: &FuncType,
    cx: &mut StubCx<'_>,
) {
    let ptr = cx.ptr;
    let tctx = params[0];
    let vmctx = b
        .ins()
        .load(ptr, vm_flags(), tctx, VMTrampolineContext::VMCTX as i32);

    // A component instance that may not leave (a post-return is running) traps.
    let flags = b.ins().load(
        types::I32,
        vm_flags(),
        vmctx,
        VMComponentContextHeader::FLAGS as i32,
    );
    let may_leave = b.ins().band_imm_s(flags, i64::from(FLAG_MAY_LEAVE));
    or_leave(b, cx, may_leave, |l| l.raise_cannot_leave, |_| vec![vmctx]);

    // The callee through the lowering, with the lowering as its caller context.
    let lowering = b
        .ins()
        .load(ptr, vm_flags(), tctx, VMTrampolineContext::LOWERING as i32);
    let callee = b
        .ins()
        .load(ptr, vm_flags(), lowering, VMLowering::CALLEE as i32);
    call_array_and_return(b, cx, ty, callee, [vmctx, lowering], &params[2..], |b| {
        b.ins().load(
            ptr,
            vm_flags(),
            vmctx,
            VMComponentContextHeader::STORE_CONTEXT as i32,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_lowerings_are_unsupported() {
        let t = crate::jit::Stubs::new().unwrap();
        let v = FuncType::new(vec![crate::module::ValType::V128], vec![]);
        let e = t
            .get(crate::jit::stubs::StubKind::Lowering, &v)
            .unwrap_err();
        assert!(e.to_string().starts_with("unsupported:"), "{e}");
    }
}
