//! Tiering: decides which tier runs a module's functions and owns each module's per-tier
//! data. It is the only part that knows every tier: with `Tier::Jit` every function is
//! compiled when the module is created; with `Tier::Interp` none is; with `Tier::Auto`
//! functions start on the interpreter, which tells the module's tier-up controller
//! (`controller`) what is hot, and hot code is compiled on the engine's compile threads
//! (`worker`) and published in the module's slot table.

use crate::engine::Engine;
use crate::interp::{self, ModuleCode, TranslateOptions};
use crate::module::{DefinedFuncIndex, ModuleInfo};
use crate::vm::{FuncSlots, VMArrayCallFn, VMSharedTypeIndex};
use anyhow::Result;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(feature = "jit")]
mod controller;
#[cfg(feature = "jit")]
mod worker;

/// A module's data for every tier.
pub(crate) struct ModuleTiers {
    pub(crate) interp: Arc<ModuleCode>,
    /// The tier seam: which native code runs each defined function (see
    /// `vm::FuncSlots`). Both tiers' direct calls read it.
    pub(crate) slots: Arc<FuncSlots>,
    /// The tier-up controller (with `Tier::Auto`).
    #[cfg(feature = "jit")]
    unit: Option<Arc<controller::TierUnit>>,
    /// Compiled functions (with `Tier::Jit`): owns the executable memory that `slots`
    /// points into, so it lives as long as any instance of the module.
    #[cfg(feature = "jit")]
    _jit: Option<crate::jit::CompiledModule>,
}

impl ModuleTiers {
    pub(crate) fn new(
        engine: &Engine,
        info: Arc<ModuleInfo>,
        offsets: &crate::vm::VMOffsets,
        sig_ids: Box<[VMSharedTypeIndex]>,
    ) -> Result<ModuleTiers> {
        let auto = cfg!(feature = "jit") && engine.config().tier == crate::Tier::Auto;
        // Loop counters feed tier-up decisions; they cost one dispatch per iteration, so
        // they are only emitted when something needs them.
        let options = TranslateOptions {
            fuel: engine.config().consume_fuel,
            count_loops: engine.config().count_loops || auto,
            plain: engine.config().plain_translation,
        };
        #[cfg(feature = "jit")]
        let jit = if engine.config().tier == crate::Tier::Jit {
            let mixed = engine.config().mixed_tiers;
            let options = crate::jit::JitOptions {
                fuel: engine.config().consume_fuel,
            };
            let compiled = crate::jit::compile_module(
                &info,
                offsets,
                &sig_ids,
                &options,
                engine.tiers().stubs()?,
                // The interpreter runs what is not compiled (mixed tiers), and calls
                // compiled code through array-call entries.
                (
                    crate::jit::CompileThreads::Machine,
                    if mixed {
                        crate::jit::ArrayEntries::All
                    } else {
                        crate::jit::ArrayEntries::Escaping
                    },
                ),
                |d| !mixed || d % 2 == 0,
            )?;
            engine.tiers().note_frame(compiled.largest_frame);
            Some(compiled)
        } else {
            None
        };
        #[cfg(not(feature = "jit"))]
        let _ = offsets;
        let slots = Arc::new(FuncSlots::new(info.num_defined_funcs()));
        #[cfg(feature = "jit")]
        if let Some(compiled) = &jit {
            publish(&slots, &info, compiled);
        }
        #[cfg(feature = "jit")]
        let unit = auto.then(|| {
            controller::TierUnit::new(
                engine,
                info.clone(),
                offsets.clone(),
                sig_ids.clone(),
                slots.clone(),
            )
        });
        #[cfg(feature = "jit")]
        let policy = match &unit {
            Some(unit) => {
                let t = &engine.config().tier_up;
                let budget = |n: u32| n.min(i32::MAX as u32) as i32;
                interp::TierUpPolicy {
                    call_budget: budget(t.call_threshold),
                    loop_budget: budget(t.loop_threshold),
                    controller: Some(unit.clone()),
                }
            }
            None => interp::TierUpPolicy::none(),
        };
        #[cfg(not(feature = "jit"))]
        let policy = interp::TierUpPolicy::none();
        let interp = Arc::new(ModuleCode::new(info, sig_ids, options, policy));
        if engine.config().eager_translation {
            interp.translate_all()?;
        }
        Ok(ModuleTiers {
            interp,
            slots,
            #[cfg(feature = "jit")]
            unit,
            #[cfg(feature = "jit")]
            _jit: jit,
        })
    }

    /// The tier defined function `d` runs on.
    pub(crate) fn tier_of(&self, d: DefinedFuncIndex) -> crate::Tier {
        if self.slots.get(d).is_some() {
            crate::Tier::Jit
        } else {
            crate::Tier::Interp
        }
    }

    /// Time spent compiling `d` after the module was created (tier-up), if any.
    pub(crate) fn compile_time(&self, d: DefinedFuncIndex) -> Option<std::time::Duration> {
        #[cfg(feature = "jit")]
        if let Some(unit) = &self.unit {
            return unit.compile_time(d);
        }
        let _ = d;
        None
    }

    /// The entry that defined functions start with.
    pub(crate) fn array_call(&self) -> VMArrayCallFn {
        interp::array_call_entry
    }

    /// The interpreter bytecode of defined function `d` as text (translating it first).
    pub(crate) fn disassemble(&self, d: DefinedFuncIndex) -> Result<String> {
        let code = self.interp.translate(d.as_u32())?;
        Ok(interp::disasm::disassemble(&code.code))
    }

    /// The opaque pointer the interpreter finds in each instance's context.
    pub(crate) fn interp_code(&self) -> *const () {
        Arc::as_ptr(&self.interp).cast()
    }
}

/// Publishes every function of `compiled` in `slots`: from then on, every call of it,
/// from either tier, runs the compiled code.
#[cfg(feature = "jit")]
fn publish(slots: &FuncSlots, info: &ModuleInfo, compiled: &crate::jit::CompiledModule) {
    for d in info.defined_funcs() {
        if let Some(entry) = compiled.funcs[d.index()] {
            slots.publish(d, entry);
        }
    }
}

#[cfg(all(test, feature = "jit"))]
mod tests;

/// What the tiers keep per store: the interpreter's value and frame stacks.
pub(crate) struct StoreTiers {
    interp: crate::vm::VmBox<interp::InterpStack>,
}

impl StoreTiers {
    pub(crate) fn new(engine: &Engine) -> StoreTiers {
        StoreTiers {
            interp: crate::vm::VmBox::new(interp::InterpStack::new(engine.config().max_wasm_stack)),
        }
    }

    /// The opaque pointer the interpreter finds in the store's `VMStoreContext`.
    pub(crate) fn interp_state(&self) -> *mut () {
        self.interp.as_ptr().cast()
    }
}

/// What the tiers keep per engine: the compiled lowering trampolines of components
/// (one per core signature, made on first use), and the largest compiled frame.
#[derive(Default)]
pub(crate) struct EngineTiers {
    /// The largest native frame of any module the engine compiled: the stack limit is
    /// kept that much (more) above the end of the thread's stack, since a frame is
    /// allocated before its stack check runs.
    largest_frame: AtomicUsize,
    /// The compiled stubs (`jit::stubs`), made on first use.
    #[cfg(feature = "jit")]
    stubs: std::sync::OnceLock<Result<Arc<crate::jit::Stubs>, String>>,
    /// The compile threads of `Tier::Auto`, started on the first request.
    #[cfg(feature = "jit")]
    compile_pool: std::sync::OnceLock<worker::CompilePool>,
}

impl EngineTiers {
    /// The largest native frame of compiled code run by this engine (0 without any).
    pub(crate) fn largest_frame(&self) -> usize {
        self.largest_frame.load(Ordering::Relaxed)
    }

    /// The engine's stubs (an error where the JIT cannot run).
    #[cfg(feature = "jit")]
    fn stubs(&self) -> Result<&Arc<crate::jit::Stubs>> {
        self.stubs
            .get_or_init(|| {
                crate::jit::Stubs::new()
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"))
            })
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Code with a native frame of `bytes` is about to run.
    #[cfg(feature = "jit")]
    fn note_frame(&self, bytes: usize) {
        self.largest_frame.fetch_max(bytes, Ordering::Relaxed);
    }
}

/// The compiled (wasm-call) lowering trampoline for lowered core signature `ty`, when
/// the engine compiles code (`Tier::Jit`); `None` leaves lowerings on their array-call
/// entry, which every caller can use.
#[cfg(feature = "component")]
pub(crate) fn lowering_trampoline(
    engine: &Engine,
    ty: &crate::module::FuncType,
) -> Option<*const u8> {
    #[cfg(feature = "jit")]
    if engine.config().tier == crate::Tier::Jit {
        return compiled_lowering_trampoline(engine, ty);
    }
    let _ = (engine, ty);
    None
}

/// The engine's compiled trampoline for lowered core signature `ty`, compiled on first
/// use; `None` when Cranelift cannot compile it (the lowering keeps its array-call entry).
#[cfg(all(feature = "jit", feature = "component"))]
fn compiled_lowering_trampoline(
    engine: &Engine,
    ty: &crate::module::FuncType,
) -> Option<*const u8> {
    let stubs = engine.tiers().stubs().ok()?;
    stubs.get(crate::jit::stubs::StubKind::Lowering, ty).ok()
}

/// With `Tier::Auto`: the compiled lowering trampoline for the lowered core signature
/// `ty()` once a lowering has had `calls` calls through its array-call entry, more than
/// the call threshold (asked at a few counts only: the first and each power of two).
#[cfg(feature = "component")]
pub(crate) fn hot_lowering_trampoline(
    engine: &Engine,
    calls: u64,
    ty: impl FnOnce() -> crate::module::FuncType,
) -> Option<*const u8> {
    #[cfg(feature = "jit")]
    {
        let config = engine.config();
        if config.tier == crate::Tier::Auto && calls > u64::from(config.tier_up.call_threshold) {
            return compiled_lowering_trampoline(engine, &ty());
        }
    }
    let _ = (engine, calls, ty);
    None
}

/// Per-function counters and tier, as `Instance::tier_stats` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncStats {
    /// Function index.
    pub func_index: u32,
    /// Name from the name section, if any.
    pub name: Option<String>,
    /// The tier the function runs on.
    pub tier: crate::Tier,
    /// Calls counted so far.
    pub calls: u64,
    /// Loop back-edges taken so far (counted when loops are counted: `Tier::Auto`, or
    /// `Config::count_loops`).
    pub loop_iterations: u64,
    /// Time spent compiling the function for the tier it runs on (`None` while it is
    /// interpreted, or when it was compiled with its whole module at creation).
    pub compile_time: Option<std::time::Duration>,
    /// Times a running interpreted call of it moved to compiled code at a loop header
    /// (on-stack replacement), in this instance.
    pub osr_entries: u64,
}
