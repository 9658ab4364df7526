//! The stubs of an engine: small functions in the wasm calling convention, one per
//! core signature and kind, compiled on first use into one JIT module the engine keeps.
//! They only read the `vm` layout, so one serves every module, instance and component
//! of the engine.
//!
//! * `StubKind::ArrayCall` (`translate::build_array_call_stub`): compiled code calls a
//!   callee that has no wasm-call entry (a host function, an interpreted function)
//!   through it, passing the callee's `VMFuncRef` in place of its vmctx; it calls the
//!   callee's array-call entry. So a call site is one indirect call whichever the callee
//!   is, without the array-call packing inline.
//! * `StubKind::Lowering` (`component::build_lowering_trampoline`): what the
//!   interpreter's array-call entry of a component lowering does, in the wasm calling
//!   convention.
//!
//! Compiled modules reach the array-call stubs as imported symbols (`Stubs::lookup`),
//! resolved when the module's code is placed.

use super::libcalls::{Libcalls, symbols};
use super::{host_isa, wasm_signature};
use crate::module::FuncType;
use anyhow::{Result, anyhow};
use cranelift_codegen::ir::{FuncRef, Function, Type};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use std::collections::HashMap;
use std::sync::Mutex;

/// A symbol resolver of a `JITBuilder`.
pub(crate) type SymbolLookup = Box<dyn Fn(&str) -> Option<*const u8> + Send>;

/// What a stub does (see the module doc).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum StubKind {
    /// Wasm call → array call of the `VMFuncRef` passed as vmctx.
    ArrayCall,
    /// A component lowering's entry.
    #[cfg(feature = "component")]
    Lowering,
}

/// The stubs of an engine, compiled on first use and kept for the engine's lifetime.
pub struct Stubs {
    inner: Mutex<Inner>,
}

struct Inner {
    /// `None` only while being dropped.
    jit: Option<JITModule>,
    /// The libcalls, declared in the module (stubs leave through `unwind`).
    libcalls: Libcalls,
    /// Entry address of each stub.
    compiled: HashMap<(StubKind, FuncType), usize>,
}

// SAFETY: the JIT module is only used under the mutex; the code it owns is immutable
// once finalized and callable from any thread.
unsafe impl Send for Stubs {}
// SAFETY: all state is behind the mutex, so shared access from threads is serialised.
unsafe impl Sync for Stubs {}

impl Stubs {
    /// An empty set (nothing is compiled until asked for).
    pub fn new() -> Result<Stubs> {
        let isa = host_isa()?;
        let mut builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
        symbols(&mut builder);
        let mut jit = JITModule::new(builder);
        let ptr = jit.target_config().pointer_type();
        let call_conv = jit.isa().default_call_conv();
        let libcalls = Libcalls::declare(&mut jit, call_conv, ptr)?;
        Ok(Stubs {
            inner: Mutex::new(Inner {
                jit: Some(jit),
                libcalls,
                compiled: HashMap::new(),
            }),
        })
    }

    /// The entry of the `kind` stub of core signature `ty`.
    pub(crate) fn get(&self, kind: StubKind, ty: &FuncType) -> Result<*const u8> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| anyhow!("the stub cache is poisoned"))?;
        if let Some(&p) = inner.compiled.get(&(kind, ty.clone())) {
            return Ok(p as *const u8);
        }
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compile(&mut inner, kind, ty)
        }))
        .unwrap_or_else(|_| Err(anyhow!("the JIT failed to compile a stub")))?;
        inner.compiled.insert((kind, ty.clone()), compiled as usize);
        Ok(compiled)
    }

    /// The name under which compiled modules import the array-call stub of engine-wide
    /// signature `sig` (see `Stubs::lookup`).
    pub(crate) fn import_name(sig: crate::vm::VMSharedTypeIndex) -> String {
        format!("tierwasm_stub{sig}")
    }

    /// A symbol resolver for a JIT module that imported array-call stubs under the names
    /// of `names` (signature by name); resolving compiles what is missing. `None` for
    /// other names, or if a stub does not compile (the module then fails to link).
    pub(crate) fn lookup(
        stubs: std::sync::Arc<Stubs>,
        names: HashMap<String, FuncType>,
    ) -> SymbolLookup {
        Box::new(move |name| {
            let ty = names.get(name)?;
            stubs.get(StubKind::ArrayCall, ty).ok()
        })
    }
}

impl Drop for Stubs {
    fn drop(&mut self) {
        if let Ok(inner) = self.inner.get_mut()
            && let Some(jit) = inner.jit.take()
        {
            // SAFETY: the engine that owns the stubs is being dropped, and with it every
            // module, store and instance whose code or function references use them.
            unsafe { jit.free_memory() };
        }
    }
}

/// What building a stub's body needs besides the function builder.
pub(crate) struct StubCx<'a> {
    pub(crate) ptr: Type,
    pub(crate) call_conv: CallConv,
    jit: &'a mut JITModule,
    libcalls: &'a Libcalls,
}

impl StubCx<'_> {
    /// The libcall `pick` chooses, imported into `func`.
    pub(crate) fn libcall(
        &mut self,
        func: &mut Function,
        pick: impl FnOnce(&Libcalls) -> FuncId,
    ) -> FuncRef {
        self.jit.declare_func_in_func(pick(self.libcalls), func)
    }
}

fn compile(inner: &mut Inner, kind: StubKind, ty: &FuncType) -> Result<*const u8> {
    #[cfg(feature = "component")]
    if kind == StubKind::Lowering {
        let v128 = crate::module::ValType::V128;
        if ty.params().contains(&v128) || ty.results().contains(&v128) {
            return Err(anyhow!("unsupported: SIMD values in a lowered function"));
        }
    }
    let n = inner.compiled.len();
    let jit = inner.jit.as_mut().expect("live until dropped");
    let ptr = jit.target_config().pointer_type();
    let call_conv = jit.isa().default_call_conv();
    let sig = wasm_signature(ty, call_conv, ptr);
    let id = jit.declare_function(&format!("stub{n}"), Linkage::Local, &sig)?;
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
        let mut cx = StubCx {
            ptr,
            call_conv,
            jit: &mut *jit,
            libcalls: &inner.libcalls,
        };
        match kind {
            StubKind::ArrayCall => {
                super::translate::build_array_call_stub(&mut b, &params, ty, &mut cx)
            }
            #[cfg(feature = "component")]
            StubKind::Lowering => {
                super::component::build_lowering_trampoline(&mut b, &params, ty, &mut cx)
            }
        }
        b.seal_all_blocks();
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
    use crate::module::ValType;

    #[test]
    fn one_stub_per_signature_and_kind() {
        let t = Stubs::new().unwrap();
        let a = FuncType::new(vec![ValType::I32, ValType::I64], vec![ValType::F64]);
        let b = FuncType::new(vec![], vec![]);
        let pa = t.get(StubKind::ArrayCall, &a).unwrap();
        let pb = t.get(StubKind::ArrayCall, &b).unwrap();
        assert_ne!(pa, pb);
        assert_eq!(t.get(StubKind::ArrayCall, &a).unwrap(), pa);
        #[cfg(feature = "component")]
        {
            let la = t.get(StubKind::Lowering, &a).unwrap();
            assert_ne!(la, pa);
            assert_eq!(t.get(StubKind::Lowering, &a).unwrap(), la);
        }
    }
}
