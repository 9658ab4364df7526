//! The tierwasm peer. Everything that touches tierwasm's API is in this
//! file, so an API change is fixed here and nowhere else.
//!
//! `Tierwasm::interp()` pins the interpreter tier, `Tierwasm::jit()` the
//! Cranelift tier (every function compiled in `Module::new`), `Tierwasm::auto()`
//! the default: start on the interpreter, hot code moves to Cranelift code.

use crate::peer::{Compiled, Peer, Running};
use anyhow::Result;

pub struct Tierwasm {
    name: &'static str,
    engine: tierwasm::Engine,
}

impl Tierwasm {
    /// The column `name`, an engine running on `tier`.
    fn with_tier(name: &'static str, tier: tierwasm::Tier) -> Result<Self> {
        let mut config = tierwasm::Config::new();
        config.tier(tier);
        let engine = tierwasm::Engine::new(&config)?;
        Ok(Tierwasm { name, engine })
    }

    /// The interpreter tier alone.
    pub fn interp() -> Result<Self> {
        Self::with_tier("tierwasm", tierwasm::Tier::Interp)
    }

    /// The Cranelift tier: every function compiled when the module is.
    pub fn jit() -> Result<Self> {
        Self::with_tier("tierwasm-jit", tierwasm::Tier::Jit)
    }

    /// Tiered execution (`Tier::Auto`, the default configuration).
    pub fn auto() -> Result<Self> {
        Self::with_tier("tierwasm-auto", tierwasm::Tier::Auto)
    }
}

impl Peer for Tierwasm {
    fn name(&self) -> &'static str {
        self.name
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>> {
        let module = tierwasm::Module::new(&self.engine, wasm)?;
        Ok(Box::new(TierwasmModule {
            engine: self.engine.clone(),
            module,
        }))
    }
}

struct TierwasmModule {
    engine: tierwasm::Engine,
    module: tierwasm::Module,
}

impl Compiled for TierwasmModule {
    fn instantiate(&self) -> Result<Box<dyn Running>> {
        let mut store = tierwasm::Store::new(&self.engine, ());
        let instance = tierwasm::Instance::new(&mut store, &self.module, &[])?;
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run")?;
        Ok(Box::new(TierwasmInstance { store, run }))
    }
}

struct TierwasmInstance {
    store: tierwasm::Store<()>,
    run: tierwasm::TypedFunc<i32, i64>,
}

impl Running for TierwasmInstance {
    fn run(&mut self, n: i32) -> Result<i64> {
        self.run.call(&mut self.store, n)
    }
}
