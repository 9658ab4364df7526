//! The Cranelift tier: wasm → Cranelift IR (our own translator, `translate`), compiled
//! with `cranelift-jit` for the host (x86_64 and aarch64 from the same code).
//!
//! Compiled code reads and writes the very `VMContext` the interpreter uses, through the
//! same `VMOffsets`. Each compiled function gets:
//!
//! * a *wasm-call* entry, `fn(vmctx, caller_vmctx, params...) -> results` in Cranelift's
//!   `tail` calling convention (any number of results);
//! * an *array-call* trampoline with the one host ABI of `vm::VMArrayCallFn`, so the host
//!   and the interpreter call it like any other function.
//!
//! Calls from compiled code: to another compiled function of the module, directly; to
//! anything else (imports, interpreted functions, host functions, tables) through its
//! `VMFuncRef`, by `wasm_call` when it has one and otherwise through the array-call stub
//! of its signature (`stubs`), which calls its `array_call`. A trap
//! records its error in the store and leaves every compiled frame in one jump, to the
//! entry through which Rust called compiled code (`vm::unwind`), which returns `false`:
//! a wasm call that returns did not trap, so callers test nothing after it. No jump
//! crosses a Rust frame that has anything to drop.
//!
//! A module compiles on as many threads as the machine has (each with its own Cranelift
//! contexts; the results are placed in one code arena in function order), so that a
//! megabyte of code compiles in about the time wasmtime takes.
//!
//! To read the IR the translator emits (or to show that a change of the translator leaves
//! it unchanged: dump before and after, then `diff -r`), the ignored test
//! `jit::tests::dump_clif` writes the CLIF of every function of some modules (see
//! `clif_text`):
//! `TIERWASM_CLIF_DIR=/tmp/clif cargo test --release --lib dump_clif -- --ignored`.

#[cfg(feature = "component")]
pub mod component;
mod libcalls;
pub mod stubs;
#[cfg(test)]
mod tests;
mod translate;

pub use stubs::Stubs;

use crate::module::{DefinedFuncIndex, FuncType, ModuleInfo, ValType};
use crate::vm::{VMArrayCallFn, VMNativeEntry, VMOffsets, VMSharedTypeIndex, VmPtr};
use anyhow::{Context as _, Result, anyhow, bail};
use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What changes the compiled code.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct JitOptions {
    /// Emit fuel accounting, with the interpreter's semantics.
    pub fuel: bool,
}

/// A function's on-stack-replacement entry (see `translate::osr`).
#[derive(Clone, Debug)]
pub struct OsrEntry {
    /// `fn(vmctx, caller_vmctx, locals_and_results, loop_offset) -> bool`.
    pub entry: VMArrayCallFn,
    /// Wasm offsets of the loops it enters.
    pub loops: Box<[u32]>,
}

/// The compiled functions of a module. Owns the executable memory.
pub struct CompiledModule {
    /// Per defined function: its entries, if it was compiled.
    pub funcs: Box<[Option<VMNativeEntry>]>,
    /// The on-stack-replacement entry, for what `compile_osr` made.
    pub osr: Option<OsrEntry>,
    /// The largest native frame of its functions and trampolines, return address and
    /// saved frame pointer included: how far below the stack limit a frame may reach
    /// before its stack check runs.
    pub largest_frame: usize,
    jit: Option<JITModule>,
}

impl Drop for CompiledModule {
    fn drop(&mut self) {
        if let Some(jit) = self.jit.take() {
            // SAFETY: instances keep the module's tier data (and so this) alive while they
            // exist, so no code of this module can run any more.
            unsafe { jit.free_memory() };
        }
    }
}

// SAFETY: after `finalize_definitions` the JIT module is only kept to own its memory;
// the code pointers are immutable machine code, callable from any thread.
unsafe impl Send for CompiledModule {}
// SAFETY: shared access only reads the code pointers and sizes; the JIT module is
// touched only by `drop`, which has `&mut self`.
unsafe impl Sync for CompiledModule {}

fn host_isa() -> Result<OwnedTargetIsa> {
    host_isa_with(false)
}

/// The host's ISA (made once per process: tier-up compiles many small units); with
/// `pinned`, Cranelift's pinned register is reserved (see `translate::Env::pinned_isa`).
fn host_isa_with(pinned: bool) -> Result<OwnedTargetIsa> {
    static ISAS: [std::sync::OnceLock<Result<OwnedTargetIsa, String>>; 2] =
        [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    ISAS[pinned as usize]
        .get_or_init(|| make_host_isa(pinned).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow!(e))
}

fn make_host_isa(pinned: bool) -> Result<OwnedTargetIsa> {
    if !cfg!(tierwasm_jit_host) {
        // A trap leaves compiled code through entry code `vm::unwind` has for these only.
        bail!("unsupported: the JIT runs on unix x86_64 and aarch64 hosts only");
    }
    let mut flags = settings::builder();
    if pinned {
        flags
            .set("enable_pinned_reg", "true")
            .map_err(|e| anyhow!("{e}"))?;
    }
    flags
        .set("opt_level", "speed")
        .map_err(|e| anyhow!("{e}"))?;
    flags.set("is_pic", "false").map_err(|e| anyhow!("{e}"))?;
    // Functions with more results than return registers (valid since multi-value) return
    // the rest through a hidden area in the caller's frame; every caller is ours.
    flags
        .set("enable_multi_ret_implicit_sret", "true")
        .map_err(|e| anyhow!("{e}"))?;
    // Nothing unwinds through compiled code (traps return through every frame), so no
    // unwind tables.
    flags
        .set("unwind_info", "false")
        .map_err(|e| anyhow!("{e}"))?;
    flags
        .set(
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )
        .map_err(|e| anyhow!("{e}"))?;
    let isa_builder = cranelift_native::builder()
        .map_err(|e| anyhow!("unsupported: the JIT tier on this host ({e})"))?;
    isa_builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| anyhow!("cannot configure Cranelift: {e}"))
}

/// Cranelift type of a wasm value type (references are pointers).
pub(crate) fn clif_type(t: ValType, ptr: types::Type) -> types::Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::FuncRef | ValType::ExternRef => ptr,
    }
}

/// The wasm-call signature of a function type. Cranelift's `tail` convention, which
/// returns any number of values (the platform's C convention stops at two or so).
pub(crate) fn wasm_signature(ty: &FuncType, _call_conv: CallConv, ptr: types::Type) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.params.extend(
        ty.params()
            .iter()
            .map(|t| AbiParam::new(clif_type(*t, ptr))),
    );
    sig.returns.extend(
        ty.results()
            .iter()
            .map(|t| AbiParam::new(clif_type(*t, ptr))),
    );
    sig
}

/// The array-call signature (`vm::VMArrayCallFn`).
pub(crate) fn array_signature(call_conv: CallConv, ptr: types::Type) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.extend([
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
    ]);
    sig.returns.push(AbiParam::new(types::I8));
    sig
}

/// Where `compile_module` compiles.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CompileThreads {
    /// On the threads of rayon's global pool (as many as the machine has cores, unless
    /// `RAYON_NUM_THREADS` says otherwise), for modules with a few KiB of code besides
    /// their largest function: a module compiled before it runs.
    Machine,
    /// On the calling thread alone: tier-up's compile threads are the parallelism, and a
    /// compile must not take the core the program runs on.
    Caller,
}

/// Which compiled functions get an array-call entry, the one Rust code (the host, the
/// interpreter) calls them through.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArrayEntries {
    /// Every one: the interpreter may call any of them (tier-up, mixed tiers).
    All,
    /// Only those that escape the module's own direct calls (`escaping_funcs`): every
    /// function is compiled, so compiled code calls the others directly. wasmtime does
    /// the same; a trampoline is 1-3% of a module's compile time.
    Escaping,
}

/// Compiles the defined functions `d` of `module` for which `select(d)` holds.
///
/// A panic inside Cranelift (a bug, or a limit it does not report as an error) becomes
/// an error here: a module must never crash the process.
pub fn compile_module(
    module: &ModuleInfo,
    offsets: &VMOffsets,
    sig_ids: &[VMSharedTypeIndex],
    options: &JitOptions,
    stubs: &Arc<Stubs>,
    (threads, entries): (CompileThreads, ArrayEntries),
    select: impl Fn(u32) -> bool,
) -> Result<CompiledModule> {
    no_panic(|| {
        compile_inner(
            module,
            offsets,
            sig_ids,
            options,
            stubs,
            (threads, entries),
            select,
        )
    })
}

/// `f()`, with a panic inside Cranelift turned into an error.
fn no_panic<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|panic| Err(panic_error(panic)))
}

/// A JIT module with every selected function (and its trampoline) and every libcall
/// declared, ready for translation.
struct Declared {
    jit: JITModule,
    isa: OwnedTargetIsa,
    pinned_isa: Option<OwnedTargetIsa>,
    /// Per defined function: its ids when selected.
    ids: Vec<Option<FuncIds>>,
    /// Per type: its array-call stub, imported from the engine's `Stubs`.
    stub_ids: Vec<FuncId>,
    libcalls: libcalls::Libcalls,
    ptr: types::Type,
    call_conv: CallConv,
}

impl Declared {
    /// `extra_bytes`: wasm bytes of code compiled besides the selected functions.
    fn new(
        module: &ModuleInfo,
        sig_ids: &[VMSharedTypeIndex],
        stubs: &Arc<Stubs>,
        (select, entries): (impl Fn(u32) -> bool, ArrayEntries),
        extra_bytes: usize,
    ) -> Result<Declared> {
        let isa = host_isa()?;
        // The backends whose pinned register this tier has been tested with.
        let pinned_isa = if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
            host_isa_with(true).ok()
        } else {
            None
        };
        let mut builder =
            JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
        // One contiguous reservation for the code, so that direct calls between its
        // functions (32-bit relative) always reach. Only what is used is committed; it is
        // sized from the functions compiled (tier-up compiles a few at a time).
        let (count, code_bytes) = module
            .defined_funcs()
            .filter(|d| select(d.as_u32()))
            .fold((0usize, 0usize), |(n, b), d| {
                (n + 1, b + module.bodies[d.index()].len())
            });
        let reserve = (1 << 20) + count * 4096 + (code_bytes + extra_bytes).saturating_mul(64);
        let arena = cranelift_jit::ArenaMemoryProvider::new_with_size(reserve)
            .map_err(|e| anyhow!("cannot reserve {reserve} bytes for compiled code: {e}"))?;
        builder.memory_provider(Box::new(arena));
        libcalls::symbols(&mut builder);
        // One stub import per engine-wide signature (types of the same shape share one),
        // resolved (compiled if new) only if some code calls it.
        let names = module
            .types
            .iter()
            .zip(sig_ids)
            .map(|(t, id)| (Stubs::import_name(*id), t.clone()))
            .collect();
        builder.symbol_lookup_fn(Stubs::lookup(stubs.clone(), names));
        let mut jit = JITModule::new(builder);
        let ptr = jit.target_config().pointer_type();
        let call_conv = jit.isa().default_call_conv();
        // Declaring a name again gives the first declaration's id.
        let stub_ids = module
            .types
            .iter()
            .zip(sig_ids)
            .map(|(t, id)| {
                let sig = wasm_signature(t, call_conv, ptr);
                Ok(jit.declare_function(&Stubs::import_name(*id), Linkage::Import, &sig)?)
            })
            .collect::<Result<Vec<_>>>()?;

        let escaping = (entries == ArrayEntries::Escaping).then(|| module.escaping_funcs());
        let mut ids = Vec::with_capacity(module.num_defined_funcs() as usize);
        for d in module.defined_funcs() {
            if !select(d.as_u32()) {
                ids.push(None);
                continue;
            }
            let func = module.func_index(d).as_u32();
            let ty = module.func_type(func);
            let f = jit.declare_function(
                &format!("wasm{d}"),
                Linkage::Local,
                &wasm_signature(ty, call_conv, ptr),
            )?;
            let a = match &escaping {
                Some(escaping) if !escaping[func as usize] => None,
                _ => Some(jit.declare_function(
                    &format!("array{d}"),
                    Linkage::Local,
                    &array_signature(call_conv, ptr),
                )?),
            };
            ids.push(Some((f, a)));
        }
        let libcalls = libcalls::Libcalls::declare(&mut jit, call_conv, ptr)?;
        Ok(Declared {
            jit,
            isa,
            pinned_isa,
            ids,
            stub_ids,
            libcalls,
            ptr,
            call_conv,
        })
    }

    /// What translating a function of `module` needs.
    fn env<'a>(
        &'a self,
        module: &'a ModuleInfo,
        offsets: &'a VMOffsets,
        sig_ids: &'a [VMSharedTypeIndex],
        options: &'a JitOptions,
    ) -> translate::Env<'a> {
        translate::Env {
            module,
            offsets,
            sig_ids,
            options,
            ids: &self.ids,
            stub_ids: &self.stub_ids,
            libcalls: &self.libcalls,
            call_conv: self.call_conv,
            ptr: self.ptr,
            frontend: self.jit.target_config(),
            decls: self.jit.declarations(),
            isa: &*self.isa,
            pinned_isa: self.pinned_isa.as_deref(),
        }
    }
}

fn compile_inner(
    module: &ModuleInfo,
    offsets: &VMOffsets,
    sig_ids: &[VMSharedTypeIndex],
    options: &JitOptions,
    stubs: &Arc<Stubs>,
    (threads, entries): (CompileThreads, ArrayEntries),
    select: impl Fn(u32) -> bool,
) -> Result<CompiledModule> {
    let mut declared = Declared::new(module, sig_ids, stubs, (select, entries), 0)?;
    let artifacts = {
        let env = declared.env(module, offsets, sig_ids, options);
        compile_parallel(&env, &declared.ids, threads)?
    };
    let largest_frame = artifacts
        .iter()
        .flat_map(|(_, f, a)| [Some(f), a.as_ref()])
        .flatten()
        .map(|art| art.frame_size as usize + 2 * size_of::<usize>())
        .max()
        .unwrap_or(0);
    let jit = &mut declared.jit;
    for art in artifacts
        .iter()
        .flat_map(|(_, f, a)| [Some(f), a.as_ref()])
        .flatten()
    {
        jit.define_function_bytes(art.id, art.align, &art.bytes, &art.relocs)?;
    }
    jit.finalize_definitions()?;
    let funcs = declared
        .ids
        .iter()
        .map(|ids| {
            ids.map(|(f, a)| VMNativeEntry {
                wasm_call: VmPtr::from_raw(jit.get_finalized_function(f).cast_mut().cast())
                    .expect("finalized code has an address"),
                array_call: match a {
                    // SAFETY: the trampoline was compiled with the array-call signature.
                    Some(a) => unsafe {
                        core::mem::transmute::<*const u8, VMArrayCallFn>(
                            jit.get_finalized_function(a),
                        )
                    },
                    None => no_array_entry,
                },
            })
        })
        .collect();
    Ok(CompiledModule {
        funcs,
        osr: None,
        largest_frame,
        jit: Some(declared.jit),
    })
}

/// Compiles the on-stack-replacement entry of defined function `d` (see
/// `translate::osr`).
pub fn compile_osr(
    module: &ModuleInfo,
    offsets: &VMOffsets,
    sig_ids: &[VMSharedTypeIndex],
    options: &JitOptions,
    stubs: &Arc<Stubs>,
    d: DefinedFuncIndex,
) -> Result<CompiledModule> {
    no_panic(|| {
        let bytes = module.bodies[d.index()].len();
        let select = (|_| false, ArrayEntries::All);
        let mut declared = Declared::new(module, sig_ids, stubs, select, bytes)?;
        let (ptr, call_conv) = (declared.ptr, declared.call_conv);
        let id = declared.jit.declare_function(
            &format!("osr{d}"),
            Linkage::Local,
            &array_signature(call_conv, ptr),
        )?;
        let (art, loops) = {
            let env = declared.env(module, offsets, sig_ids, options);
            let mut ctx = cranelift_codegen::Context::new();
            let mut fctx = cranelift_frontend::FunctionBuilderContext::new();
            let (pinned, loops) = translate::build_osr_function(&env, &mut ctx, &mut fctx, d)?;
            (translate::compile(&env, &mut ctx, id, pinned)?, loops)
        };
        let largest_frame = art.frame_size as usize + 2 * size_of::<usize>();
        let jit = &mut declared.jit;
        jit.define_function_bytes(art.id, art.align, &art.bytes, &art.relocs)?;
        jit.finalize_definitions()?;
        // SAFETY: the function was compiled with the array-call signature.
        let entry = unsafe {
            core::mem::transmute::<*const u8, VMArrayCallFn>(jit.get_finalized_function(id))
        };
        Ok(CompiledModule {
            funcs: vec![None; module.num_defined_funcs() as usize].into(),
            osr: Some(OsrEntry {
                entry,
                loops: loops.into(),
            }),
            largest_frame,
            jit: Some(declared.jit),
        })
    })
    .with_context(|| {
        format!(
            "compiling the OSR entry of function {}",
            module.func_display_name(module.func_index(d).as_u32())
        )
    })
}

/// The Cranelift IR of every defined function of `module` and of its array-call
/// trampoline, in function order: as the translator emits it (what `tests::dump_clif`
/// writes), or with `optimized` after Cranelift's optimizer for the host.
#[cfg(test)]
pub(crate) fn clif_text(
    module: &ModuleInfo,
    offsets: &VMOffsets,
    sig_ids: &[VMSharedTypeIndex],
    options: &JitOptions,
    optimized: bool,
) -> Result<Vec<String>> {
    let isa = host_isa()?;
    let stubs = Arc::new(Stubs::new()?);
    let declared = Declared::new(module, sig_ids, &stubs, (|_| true, ArrayEntries::All), 0)?;
    let env = declared.env(module, offsets, sig_ids, options);
    let mut ctx = cranelift_codegen::Context::new();
    let mut fctx = cranelift_frontend::FunctionBuilderContext::new();
    let mut out = Vec::new();
    for d in module.defined_funcs() {
        let (f, _) = declared.ids[d.index()].expect("every function is selected");
        translate::build_function(&env, &mut ctx, &mut fctx, d)?;
        if optimized {
            ctx.optimize(&*isa, &mut Default::default())
                .map_err(|e| anyhow::anyhow!("optimizing: {e:?}"))?;
        }
        out.push(ctx.func.display().to_string());
        ctx.clear();
        translate::build_array_trampoline(&env, &mut ctx, &mut fctx, d, f);
        out.push(ctx.func.display().to_string());
        ctx.clear();
    }
    Ok(out)
}

/// Below this many bytes of function bodies a module compiles on the calling thread
/// alone. (1 KiB of code takes about 1 ms to compile; handing work to a thread of the
/// pool costs microseconds, and its spinning before it sleeps a little CPU. Medians of
/// 60 compiles in one process, 8 KiB → 1 KiB: sort 1.78 → 1.05 ms wall, 1.78 → 1.87 ms
/// CPU; sha256 1.50 → 1.07 wall, +6% CPU; lz −24% wall, +3% CPU; the smallest modules,
/// such as fib's and mandelbrot's, gain nothing from a second thread.)
const PARALLEL_MIN_BYTES: usize = 1 << 10;

/// After a function of more than this many bytes of body, a worker starts over with a
/// new Cranelift context. A context keeps the capacity of everything the largest
/// function it compiled needed, and register allocation clears some of it (a hash set
/// of conflicts) at every allocation attempt, at the cost of its capacity: after the
/// 55 KB function of `big`, every later function paid for it (a quarter of the
/// instructions of compiling `big` on one thread went to `memset`).
const FRESH_CONTEXT_AFTER: usize = 8 << 10;

/// At most this many compiling threads.
const MAX_THREADS: usize = 16;

/// A function and its array-call trampoline, compiled.
type CompiledPair = (
    DefinedFuncIndex,
    translate::Artifact,
    Option<translate::Artifact>,
);

/// A selected function's wasm entry and, if it gets one, its array-call trampoline.
pub(crate) type FuncIds = (FuncId, Option<FuncId>);

/// The array-call entry of a compiled function that gets no trampoline
/// (`ArrayEntries::Escaping`): nothing outside compiled code can name it, so nothing calls
/// this; if something did, the call fails with an error instead of running anything.
///
/// # Safety
/// `callee` must be a live instance context, as for every array call of a compiled
/// function.
unsafe extern "C" fn no_array_entry(
    callee: core::ptr::NonNull<crate::vm::VMOpaqueContext>,
    _caller: core::ptr::NonNull<crate::vm::VMContext>,
    _args: core::ptr::NonNull<crate::vm::ValRaw>,
    _len: usize,
) -> bool {
    let vmctx = callee.cast::<crate::vm::VMContext>().as_ptr();
    // SAFETY: the caller passes the instance context the entry belongs to; its store
    // context outlives it.
    unsafe {
        (*(*vmctx).header.store_context).set_pending_error(anyhow!(
            "internal error: a function compiled without an array-call entry was called \
             through one"
        ));
    }
    false
}

/// A thread's Cranelift contexts, kept between functions and between modules (see
/// `CONTEXTS`).
struct Contexts {
    ctx: cranelift_codegen::Context,
    fctx: cranelift_frontend::FunctionBuilderContext,
}

thread_local! {
    /// The contexts this thread compiled with last. With new threads and new contexts
    /// for each module, compiling one of 10-50 KB of code on two threads took 5-10% more
    /// CPU time than on one; with the pool's threads and these kept, the same. What is
    /// kept is bounded: a context is dropped after any function over
    /// `FRESH_CONTEXT_AFTER`.
    static CONTEXTS: core::cell::Cell<Option<Box<Contexts>>> = const { core::cell::Cell::new(None) };
}

/// Compiles the selected functions (and their trampolines) on threads of rayon's pool
/// (kept between modules), each with its own Cranelift contexts. Jobs are
/// sorted by size: one worker (a quarter of them on many cores) takes the largest first,
/// the others the smallest first, so that the few huge functions, whose register
/// allocation needs tens of MiB, are not compiled at the same time, and the threads
/// still finish together. Results come back in function order; on failure the error is
/// always the one of the first failing function.
fn compile_parallel(
    env: &translate::Env<'_>,
    ids: &[Option<FuncIds>],
    on: CompileThreads,
) -> Result<Vec<CompiledPair>> {
    let module = env.module;
    let mut jobs: Vec<DefinedFuncIndex> = module
        .defined_funcs()
        .filter(|d| ids[d.index()].is_some())
        .collect();
    jobs.sort_by_key(|d| core::cmp::Reverse(module.bodies[d.index()].len()));
    let bytes: usize = jobs.iter().map(|d| module.bodies[d.index()].len()).sum();
    let threads = if bytes < PARALLEL_MIN_BYTES || on == CompileThreads::Caller {
        1
    } else {
        rayon::current_num_threads()
            .min(MAX_THREADS)
            .min(jobs.len())
            .max(1)
    };
    let from_front = (threads / 4).max(1);

    // The jobs no worker has taken yet: `jobs[front..back]`.
    let queue = Mutex::new((0, jobs.len()));
    let stop = AtomicBool::new(false);
    type Outcome = (Vec<CompiledPair>, Vec<(DefinedFuncIndex, anyhow::Error)>);
    let worker = |front: bool| -> Outcome {
        let mut cx = CONTEXTS.take().unwrap_or_else(|| {
            Box::new(Contexts {
                ctx: cranelift_codegen::Context::new(),
                fctx: cranelift_frontend::FunctionBuilderContext::new(),
            })
        });
        let mut done = Vec::new();
        let mut failed = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let d = {
                let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
                if q.0 >= q.1 {
                    break;
                }
                if front {
                    q.0 += 1;
                    jobs[q.0 - 1]
                } else {
                    q.1 -= 1;
                    jobs[q.1]
                }
            };
            match compile_guarded(env, &mut cx.ctx, &mut cx.fctx, d, ids) {
                Ok((f, a)) => {
                    done.push((d, f, a));
                    if module.bodies[d.index()].len() > FRESH_CONTEXT_AFTER {
                        cx.ctx = cranelift_codegen::Context::new();
                    }
                }
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    failed.push((d, e));
                    break;
                }
            }
        }
        CONTEXTS.set(Some(cx));
        (done, failed)
    };
    let results: Vec<Outcome> = if threads <= 1 {
        vec![worker(true)]
    } else {
        let results = Mutex::new(Vec::with_capacity(threads));
        // Both workers on pool threads while the caller waits: with the caller taking a
        // share itself (`in_place_scope`), blake3's compile took 1.33x wasmtime's wall
        // time instead of 1.02-1.04x (coremark 0.98x instead of 1.12x).
        rayon::scope(|s| {
            for i in 1..threads {
                let (worker, results) = (&worker, &results);
                s.spawn(move |_| {
                    let r = worker(i < from_front);
                    results.lock().unwrap_or_else(|p| p.into_inner()).push(r);
                });
            }
            let r = worker(true);
            results.lock().unwrap_or_else(|p| p.into_inner()).push(r);
        });
        results.into_inner().unwrap_or_else(|p| p.into_inner())
    };
    let mut all = Vec::with_capacity(jobs.len());
    let mut errors = Vec::new();
    for (done, e) in results {
        all.extend(done);
        errors.extend(e);
    }
    if let Some((d_min, e)) = errors.into_iter().min_by_key(|(d, _)| *d) {
        // A function before `d_min` that no worker reached may fail too.
        let mut done = vec![false; ids.len()];
        for (d, _, _) in &all {
            done[d.index()] = true;
        }
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = cranelift_frontend::FunctionBuilderContext::new();
        for d in module.defined_funcs().take(d_min.index()) {
            if ids[d.index()].is_some() && !done[d.index()] {
                compile_guarded(env, &mut ctx, &mut fctx, d, ids)?;
            }
        }
        return Err(e);
    }
    all.sort_unstable_by_key(|(d, _, _)| *d);
    Ok(all)
}

/// `compile_one`, with a panic inside Cranelift turned into an error.
fn compile_guarded(
    env: &translate::Env<'_>,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut cranelift_frontend::FunctionBuilderContext,
    d: DefinedFuncIndex,
    ids: &[Option<FuncIds>],
) -> Result<(translate::Artifact, Option<translate::Artifact>)> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compile_one(env, ctx, fctx, d, ids)
    }))
    .unwrap_or_else(|panic| {
        // The contexts may be half-way through anything.
        *ctx = cranelift_codegen::Context::new();
        *fctx = cranelift_frontend::FunctionBuilderContext::new();
        let module = env.module;
        Err(panic_error(panic).context(format!(
            "compiling function {}",
            module.func_display_name(module.func_index(d).as_u32())
        )))
    })
}

/// Compiles defined function `d` and its array-call trampoline.
fn compile_one(
    env: &translate::Env<'_>,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut cranelift_frontend::FunctionBuilderContext,
    d: DefinedFuncIndex,
    ids: &[Option<FuncIds>],
) -> Result<(translate::Artifact, Option<translate::Artifact>)> {
    let (f, a) = ids[d.index()].expect("only selected functions are jobs");
    let module = env.module;
    let name = || module.func_display_name(module.func_index(d).as_u32());
    #[cfg(test)]
    if module
        .func_names
        .get(&module.func_index(d).as_u32())
        .is_some_and(|n| n.starts_with(tests::PANIC_IN_COMPILE))
    {
        panic!("{} (a test's)", tests::PANIC_IN_COMPILE);
    }
    let wasm = translate::build_function(env, ctx, fctx, d)
        .and_then(|pinned| translate::compile(env, ctx, f, pinned))
        .with_context(|| {
            ctx.clear();
            format!("compiling function {}", name())
        })?;
    let Some(a) = a else {
        return Ok((wasm, None));
    };
    translate::build_array_trampoline(env, ctx, fctx, d, f);
    let array = translate::compile(env, ctx, a, false).with_context(|| {
        ctx.clear();
        format!("compiling the entry of function {}", name())
    })?;
    Ok((wasm, Some(array)))
}

/// The error for a panic inside Cranelift.
fn panic_error(panic: Box<dyn std::any::Any + Send>) -> anyhow::Error {
    let msg = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    anyhow!("the JIT failed to compile the module: {msg}")
}
