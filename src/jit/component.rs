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
//! signature serves every component and instance of an engine.

use super::libcalls::{Libcalls, symbols};
use super::translate::unreachable_after_libcall;
use super::{array_signature, clif_type, host_isa, wasm_signature};
use crate::module::{FuncType, ValType};
use crate::vm::component::{
    FLAG_MAY_LEAVE, VMComponentContextHeader, VMLowering, VMTrampolineContext,
};
use anyhow::{Result, anyhow, bail};
use cranelift_codegen::ir::{
    InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use std::collections::HashMap;
use std::sync::Mutex;

/// The compiled lowering trampolines of an engine, one per core signature, compiled on
/// first use and kept for the engine's lifetime.
pub struct LoweringTrampolines {
    inner: Mutex<Inner>,
}

struct Inner {
    /// `None` only while being dropped.
    jit: Option<JITModule>,
    /// The libcalls, declared in the module (trampolines call `raise_cannot_leave`).
    libcalls: Libcalls,
    /// Entry address of each signature's trampoline.
    compiled: HashMap<FuncType, usize>,
}

// SAFETY: the JIT module is only used under the mutex; the code it owns is immutable
// once finalized and callable from any thread.
unsafe impl Send for LoweringTrampolines {}
// SAFETY: all state is behind the mutex, so shared access from threads is serialised.
unsafe impl Sync for LoweringTrampolines {}

impl LoweringTrampolines {
    /// An empty set (nothing is compiled until asked for).
    pub fn new() -> Result<LoweringTrampolines> {
        let isa = host_isa()?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        symbols(&mut builder);
        let mut jit = JITModule::new(builder);
        let ptr = jit.target_config().pointer_type();
        let call_conv = jit.isa().default_call_conv();
        let libcalls = Libcalls::declare(&mut jit, call_conv, ptr)?;
        Ok(LoweringTrampolines {
            inner: Mutex::new(Inner {
                jit: Some(jit),
                libcalls,
                compiled: HashMap::new(),
            }),
        })
    }

    /// The wasm-call entry of the trampoline for lowered core signature `ty`.
    pub fn get(&self, ty: &FuncType) -> Result<*const u8> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| anyhow!("lowering trampoline cache poisoned"))?;
        if let Some(&p) = inner.compiled.get(ty) {
            return Ok(p as *const u8);
        }
        let compiled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile(&mut inner, ty)))
                .unwrap_or_else(|_| {
                    Err(anyhow!("the JIT failed to compile a lowering trampoline"))
                })?;
        inner.compiled.insert(ty.clone(), compiled as usize);
        Ok(compiled)
    }
}

impl Drop for LoweringTrampolines {
    fn drop(&mut self) {
        if let Ok(inner) = self.inner.get_mut()
            && let Some(jit) = inner.jit.take()
        {
            // SAFETY: the engine that owns the trampolines is being dropped, and with it
            // every store and instance whose function references pointed at them.
            unsafe { jit.free_memory() };
        }
    }
}

/// Flags of accesses to VM structures: aligned, never trapping.
fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn compile(inner: &mut Inner, ty: &FuncType) -> Result<*const u8> {
    if ty.params().contains(&ValType::V128) || ty.results().contains(&ValType::V128) {
        bail!("unsupported: SIMD values in a lowered function");
    }
    let jit = inner.jit.as_mut().expect("live until dropped");
    let ptr = jit.target_config().pointer_type();
    let call_conv = jit.isa().default_call_conv();
    let sig = wasm_signature(ty, call_conv, ptr);
    let name = format!("lowering{}", inner.compiled.len());
    let id = jit.declare_function(&name, Linkage::Local, &sig)?;
    let result_types: Vec<Type> = ty.results().iter().map(|t| clif_type(*t, ptr)).collect();

    let frontend = jit.target_config();
    let mut ctx = jit.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params = b.block_params(entry).to_vec();
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
        let body = b.create_block();
        let leave = b.create_block();
        b.set_cold_block(leave);
        b.ins().brif(may_leave, body, &[], leave, &[]);
        b.seal_block(body);
        b.seal_block(leave);

        b.switch_to_block(leave);
        let f = jit.declare_func_in_func(inner.libcalls.raise_cannot_leave, b.func);
        b.ins().call(f, &[vmctx]);
        unreachable_after_libcall(&mut b);

        // Arguments into the buffer, the callee through the lowering.
        b.switch_to_block(body);
        let n = ty.params().len().max(ty.results().len()).max(1);
        let slot = b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (n * 16) as u32,
            4,
        ));
        let buf = b.ins().stack_addr(ptr, slot, 0);
        for (i, v) in params[2..].iter().enumerate() {
            b.ins().store(vm_flags(), *v, buf, (i * 16) as i32);
        }
        let lowering = b
            .ins()
            .load(ptr, vm_flags(), tctx, VMTrampolineContext::LOWERING as i32);
        let callee = b
            .ins()
            .load(ptr, vm_flags(), lowering, VMLowering::CALLEE as i32);
        let csig = b.import_signature(array_signature(call_conv, ptr));
        let len = b.ins().iconst(ptr, n as i64);
        let call = b
            .ins()
            .call_indirect(csig, callee, &[vmctx, lowering, buf, len]);
        let ok = b.inst_results(call)[0];
        let done = b.create_block();
        let failed = b.create_block();
        b.set_cold_block(failed);
        b.ins().brif(ok, done, &[], failed, &[]);
        b.seal_block(done);
        b.seal_block(failed);

        // The callee recorded its error.
        b.switch_to_block(failed);
        let store_ctx = b.ins().load(
            ptr,
            vm_flags(),
            vmctx,
            VMComponentContextHeader::STORE_CONTEXT as i32,
        );
        let f = jit.declare_func_in_func(inner.libcalls.unwind, b.func);
        b.ins().call(f, &[store_ctx]);
        unreachable_after_libcall(&mut b);

        b.switch_to_block(done);
        let results: Vec<Value> = result_types
            .iter()
            .enumerate()
            .map(|(i, t)| b.ins().load(*t, vm_flags(), buf, (i * 16) as i32))
            .collect();
        b.ins().return_(&results);
        b.finalize(frontend);
    }
    jit.define_function(id, &mut ctx)?;
    jit.clear_context(&mut ctx);
    jit.finalize_definitions()?;
    Ok(jit.get_finalized_function(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trampoline_per_signature() {
        let t = LoweringTrampolines::new().unwrap();
        let a = FuncType::new(vec![ValType::I32, ValType::I64], vec![ValType::F64]);
        let b = FuncType::new(vec![], vec![]);
        let pa = t.get(&a).unwrap();
        let pb = t.get(&b).unwrap();
        assert_ne!(pa, pb);
        assert_eq!(t.get(&a).unwrap(), pa);
    }
}
