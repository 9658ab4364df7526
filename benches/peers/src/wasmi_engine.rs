//! The wasmi peer: wasmi's register-machine interpreter, with its default
//! configuration (eager validation, lazy translation) or with eager
//! translation (`wasmi-eager`), which makes compile time include
//! translating every function body.

use crate::peer::{Compiled, Peer, Running};
use anyhow::Result;

pub struct Wasmi {
    name: &'static str,
    engine: wasmi::Engine,
}

impl Wasmi {
    /// wasmi as configured by default: functions are translated on first call.
    pub fn lazy() -> Self {
        Wasmi {
            name: "wasmi",
            engine: wasmi::Engine::default(),
        }
    }

    /// wasmi translating every function when the module is compiled.
    pub fn eager() -> Self {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        Wasmi {
            name: "wasmi-eager",
            engine: wasmi::Engine::new(&config),
        }
    }
}

impl Peer for Wasmi {
    fn name(&self) -> &'static str {
        self.name
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>> {
        let module = wasmi::Module::new(&self.engine, wasm)?;
        Ok(Box::new(WasmiModule {
            engine: self.engine.clone(),
            module,
        }))
    }
}

struct WasmiModule {
    engine: wasmi::Engine,
    module: wasmi::Module,
}

impl Compiled for WasmiModule {
    fn instantiate(&self) -> Result<Box<dyn Running>> {
        let mut store = wasmi::Store::new(&self.engine, ());
        let linker = wasmi::Linker::<()>::new(&self.engine);
        let instance = linker.instantiate_and_start(&mut store, &self.module)?;
        let run = instance.get_typed_func::<i32, i64>(&store, "run")?;
        Ok(Box::new(WasmiInstance { store, run }))
    }
}

struct WasmiInstance {
    store: wasmi::Store<()>,
    run: wasmi::TypedFunc<i32, i64>,
}

impl Running for WasmiInstance {
    fn run(&mut self, n: i32) -> Result<i64> {
        Ok(self.run.call(&mut self.store, n)?)
    }
}
