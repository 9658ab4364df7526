//! `Engine` and `Config`: compilation settings and the state shared by every store
//! (the canonical signature registry).

use crate::module::FuncType;
use crate::vm::VMSharedTypeIndex;
use anyhow::{Result, bail};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Which tier runs wasm code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The register-bytecode interpreter only (works everywhere, no JIT).
    Interp,
    /// Compile every function with Cranelift before it runs.
    Jit,
    /// Start in the interpreter and compile hot code in the background (the default
    /// with the `jit` feature; without it, the interpreter alone): a function that was
    /// called often, or whose loops ran long, is compiled and published for every
    /// instance, and a call stuck in a hot loop moves to compiled code at the loop
    /// header (on-stack replacement). See `Config::tier_up`.
    Auto,
}

impl std::str::FromStr for Tier {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Tier> {
        Ok(match s {
            "interp" => Tier::Interp,
            "jit" => Tier::Jit,
            "auto" => Tier::Auto,
            _ => bail!("unknown tier `{s}` (expected interp, jit or auto)"),
        })
    }
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) tier: Tier,
    pub(crate) max_wasm_stack: usize,
    pub(crate) memory_reservation: usize,
    pub(crate) consume_fuel: bool,
    pub(crate) eager_translation: bool,
    pub(crate) count_loops: bool,
    pub(crate) plain_translation: bool,
    pub(crate) mixed_tiers: bool,
    pub(crate) tier_up: TierUpConfig,
}

/// When and how `Tier::Auto` compiles (see `Config::tier_up`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierUpConfig {
    /// Interpreted calls of a function before it is compiled (`u32::MAX`: never for
    /// its calls alone).
    pub call_threshold: u32,
    /// Loop iterations in a function (over all its calls) before it is compiled and a
    /// running call moves to compiled code at its loop (`u32::MAX`: never).
    pub loop_threshold: u32,
    /// Whether hot loops move running calls to compiled code (on-stack replacement).
    /// Without it a hot loop only gets its function compiled for the next call.
    pub osr: bool,
    /// Compile on the thread that found the code hot, before it goes on (for tests and
    /// deterministic runs), instead of on the engine's compile threads.
    pub synchronous: bool,
    /// Compile threads (0: one less than the machine's cores, at least one, at most 4).
    pub workers: usize,
}

impl Default for TierUpConfig {
    fn default() -> TierUpConfig {
        TierUpConfig {
            call_threshold: 1000,
            loop_threshold: 10_000,
            osr: true,
            synchronous: false,
            workers: 0,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            tier: Tier::Auto,
            max_wasm_stack: 1 << 20,
            memory_reservation: crate::vm::DEFAULT_MEMORY_RESERVATION,
            consume_fuel: false,
            eager_translation: false,
            count_loops: false,
            plain_translation: false,
            mixed_tiers: false,
            tier_up: TierUpConfig::default(),
        }
    }
}

impl Config {
    /// The default configuration.
    pub fn new() -> Config {
        Config::default()
    }

    /// Chooses the execution tier. `Jit` compiles every function with Cranelift when the
    /// module is created (it needs the `jit` feature); `Auto` starts on the interpreter
    /// and compiles what is hot (see `tier_up`).
    pub fn tier(&mut self, tier: Tier) -> &mut Self {
        self.tier = tier;
        self
    }

    /// How `Tier::Auto` tiers up: thresholds, on-stack replacement, compile threads.
    pub fn tier_up(&mut self, tier_up: TierUpConfig) -> &mut Self {
        self.tier_up = tier_up;
        self
    }

    /// Bytes of wasm stack a call may use before it traps with `StackOverflow`. Default
    /// 1 MiB. The interpreter keeps wasm frames in a per-store stack of this size; on
    /// both tiers, native stack used from the outermost host → wasm entry (compiled
    /// frames, host functions and re-entries) is bounded by it too, and never comes
    /// closer to the end of the calling thread's real stack than 64 KiB plus the largest
    /// compiled frame, whatever this says. Host → wasm re-entries nest at most 500 deep.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Bytes of address space each linear memory reserves, and so the most it can grow
    /// to when its type allows more: a memory reserves its maximum capped by this (but at
    /// least its minimum), and `memory.grow` past it fails (returns -1). Memories never
    /// move, and both tiers check bounds explicitly, so no guard region is reserved.
    /// Default 1 GiB (16384 pages); up to 4 GiB reaches the whole 32-bit index space.
    pub fn memory_reservation(&mut self, bytes: usize) -> &mut Self {
        self.memory_reservation = bytes;
        self
    }

    /// Meters execution with fuel (see `Store::set_fuel`): each wasm instruction costs 1
    /// (`nop`, `drop`, `block`, `loop`, `end`, `else`, `return` and `unreachable` cost 0);
    /// a basic block is paid for when it starts, and a call that runs out traps with
    /// `OutOfFuel`.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Counts loop iterations per function (`Instance::tier_stats`) on `Tier::Interp`
    /// too (`Tier::Auto` always counts them): it costs one dispatch per iteration.
    pub fn count_loops(&mut self, enable: bool) -> &mut Self {
        self.count_loops = enable;
        self
    }

    /// Translates for the interpreter without optimisations (one op per wasm operator):
    /// for differential testing of the optimising translator.
    #[doc(hidden)]
    pub fn plain_translation(&mut self, enable: bool) -> &mut Self {
        self.plain_translation = enable;
        self
    }

    /// With `Tier::Jit`: compiles only every other defined function (even indices) and
    /// leaves the rest to the interpreter, so calls cross tiers everywhere. For testing.
    #[doc(hidden)]
    pub fn mixed_tiers(&mut self, enable: bool) -> &mut Self {
        self.mixed_tiers = enable;
        self
    }

    /// Translates every function when the module is created instead of on first call.
    pub fn eager_translation(&mut self, enable: bool) -> &mut Self {
        self.eager_translation = enable;
        self
    }
}

/// Interns function types into engine-wide ids.
#[derive(Default)]
struct SignatureRegistry {
    ids: HashMap<FuncType, VMSharedTypeIndex>,
    types: Vec<FuncType>,
}

struct EngineInner {
    config: Config,
    signatures: RwLock<SignatureRegistry>,
    /// Engine-wide per-tier data (compiled component trampolines, largest frame).
    tiers: crate::tiering::EngineTiers,
}

/// Compilation settings and shared state; cheap to clone, shared by modules and stores.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(&Config::default()).expect("the default config is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Engine {
    /// An engine with `config`.
    pub fn new(config: &Config) -> Result<Engine> {
        if config.tier == Tier::Jit && !cfg!(feature = "jit") {
            bail!("unsupported: this build has no JIT tier (enable the `jit` feature)");
        }
        if config.max_wasm_stack < 4096 {
            bail!("max_wasm_stack must be at least 4096 bytes");
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                signatures: RwLock::default(),
                tiers: Default::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// True if both handles are the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Engine-wide per-tier data.
    pub(crate) fn tiers(&self) -> &crate::tiering::EngineTiers {
        &self.inner.tiers
    }

    /// The canonical id of a function type.
    pub(crate) fn signature_id(&self, ty: &FuncType) -> VMSharedTypeIndex {
        if let Some(&id) = self
            .inner
            .signatures
            .read()
            .expect("registry lock")
            .ids
            .get(ty)
        {
            return id;
        }
        let mut reg = self.inner.signatures.write().expect("registry lock");
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        let id = reg.types.len() as VMSharedTypeIndex;
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }

    /// The function type of a canonical id.
    pub(crate) fn signature(&self, id: VMSharedTypeIndex) -> FuncType {
        self.inner.signatures.read().expect("registry lock").types[id as usize].clone()
    }
}
