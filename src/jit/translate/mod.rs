//! Wasm → Cranelift IR, one function at a time, with `cranelift-frontend`: wasm locals
//! are `Variable`s, the operand stack is a `Vec<Value>`, each wasm block, loop and if is
//! a Cranelift block with parameters for the values it passes.
//!
//! Every trap is explicit: bounds checks, division checks and conversion checks branch
//! to a cold block that calls `raise_trap`, which leaves every compiled frame for the
//! entry from Rust in one jump (`vm::unwind`). So a wasm call that returns did not trap,
//! and nothing is tested after it; after a libcall that may trap, the trap flag is.
//!
//! Linear memory has no guard pages and no signal handler, so each access is checked
//! against the current length, unless the check is known to pass (`bounds_checks`, which
//! explains when). The length lives in a variable reloaded after calls (which may grow
//! the memory), or, in functions with many accesses, in Cranelift's pinned register
//! (`Env::pinned_isa`). Small functions that call nothing skip the stack-limit check, as
//! with Cranelift's own.
//!
//! Fuel is charged per basic block exactly where the interpreter charges it (function
//! entry, loop header, then/else arms, joins, the fall-through of a conditional branch),
//! at the cost per operator of `module::fuel`, so both tiers consume the same fuel.
//!
//! The parts, after wasmtime's `crates/cranelift/src/translate/`:
//! * `driver`: the `Translator` (one function's translation state), function setup,
//!   prologue, traps, fuel, returns and finishing;
//! * `visit` and `control`: one short method per operator or operator family;
//! * `func_env`: the only code that knows the VM layout (every VM field and libcall);
//! * `stack`: the operand and control stacks;
//! * `bounds_checks`: linear-memory bounds checks and when they are elided;
//! * `osr`: what makes a function an on-stack-replacement entry instead;
//! * `trampoline`: the array-call → wasm-call entry of each function.

mod bounds_checks;
mod control;
mod driver;
mod func_env;
mod osr;
mod stack;
mod trampoline;
mod visit;

pub(crate) use driver::{build_function, build_osr_function};
#[cfg(feature = "component")]
pub(crate) use func_env::vm_flags;
pub(crate) use trampoline::{build_array_call_stub, build_array_trampoline};
#[cfg(feature = "component")]
pub(crate) use trampoline::{call_array_and_return, or_leave};

use super::JitOptions;
use crate::module::ModuleInfo;
use crate::vm::{VMOffsets, VMSharedTypeIndex};
use anyhow::{Result, anyhow};
use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Type;
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_module::{FuncId, ModuleDeclarations, ModuleReloc};
use driver::Translator;

/// Everything a function translation needs to know about its module.
pub(crate) struct Env<'a> {
    pub(crate) module: &'a ModuleInfo,
    pub(crate) offsets: &'a VMOffsets,
    pub(crate) sig_ids: &'a [VMSharedTypeIndex],
    pub(crate) options: &'a JitOptions,
    /// Per defined function: its ids when compiled.
    pub(crate) ids: &'a [Option<super::FuncIds>],
    /// Per type: its array-call stub (`jit::stubs`), an import.
    pub(crate) stub_ids: &'a [FuncId],
    pub(crate) libcalls: &'a super::libcalls::Libcalls,
    pub(crate) call_conv: CallConv,
    pub(crate) ptr: Type,
    pub(crate) frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// Every function of the JIT module (signatures, linkage), read-only while workers
    /// compile.
    pub(crate) decls: &'a ModuleDeclarations,
    pub(crate) isa: &'a dyn TargetIsa,
    /// The same target with Cranelift's pinned register reserved (x86_64: r15, aarch64:
    /// x21), if it has one. Functions compiled with it keep memory 0's length there
    /// instead of in a variable (one register less for everything else, but no reload
    /// from the stack before each bounds check); they save the caller's value on entry
    /// and restore it on return, so to every other function the register is just
    /// callee-saved, as the platform ABI has it.
    pub(crate) pinned_isa: Option<&'a dyn TargetIsa>,
}

/// One function compiled to machine code, to be placed in the JIT module.
pub(crate) struct Artifact {
    pub(crate) id: FuncId,
    pub(crate) align: u64,
    pub(crate) bytes: Vec<u8>,
    pub(crate) relocs: Vec<ModuleReloc>,
    /// Bytes of its native frame below the saved frame pointer.
    pub(crate) frame_size: u32,
}

/// Compiles the function in `ctx` (`build_function`, with `pinned` its result, or
/// `build_array_trampoline`) to machine code and clears `ctx` for the next one.
pub(crate) fn compile(
    env: &Env<'_>,
    ctx: &mut Context,
    id: FuncId,
    pinned: bool,
) -> Result<Artifact> {
    let isa = match env.pinned_isa {
        Some(isa) if pinned => isa,
        _ => env.isa,
    };
    ctx.compile(isa, &mut ControlPlane::default())
        .map_err(|e| anyhow!("Cranelift: {:?}", e.inner))?;
    let code = ctx.compiled_code().expect("just compiled");
    let artifact = Artifact {
        id,
        align: code.buffer.alignment as u64,
        bytes: code.code_buffer().to_vec(),
        relocs: code
            .buffer
            .relocs()
            .iter()
            .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
            .collect(),
        frame_size: code
            .buffer
            .frame_layout()
            .map_or(0, |l| l.frame_to_fp_offset),
    };
    ctx.clear();
    Ok(artifact)
}
