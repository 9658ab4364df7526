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
    /// The interpreter tier alone.
    pub fn interp() -> Result<Self> {
        let mut config = tierwasm::Config::new();
        config.tier(tierwasm::Tier::Interp);
        let engine = tierwasm::Engine::new(&config)?;
        Ok(Tierwasm {
            name: "tierwasm",
            engine,
        })
    }
}

impl Tierwasm {
    /// The Cranelift tier: every function compiled when the module is.
    pub fn jit() -> Result<Self> {
        let mut config = tierwasm::Config::new();
        config.tier(tierwasm::Tier::Jit);
        let engine = tierwasm::Engine::new(&config)?;
        Ok(Tierwasm {
            name: "tierwasm-jit",
            engine,
        })
    }
}

impl Tierwasm {
    /// Tiered execution (`Tier::Auto`, the default configuration).
    pub fn auto() -> Result<Self> {
        let mut config = tierwasm::Config::new();
        config.tier(tierwasm::Tier::Auto);
        let engine = tierwasm::Engine::new(&config)?;
        Ok(Tierwasm {
            name: "tierwasm-auto",
            engine,
        })
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
