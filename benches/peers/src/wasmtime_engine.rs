//! The wasmtime peer: wasmtime with Cranelift, compiled ahead of the timed runs
//! (`Module::new`), default configuration.

use crate::peer::{Compiled, Peer, Running};
use anyhow::{Result, anyhow};

/// wasmtime has its own error type.
fn err(e: wasmtime::Error) -> anyhow::Error {
    anyhow!("{e:?}")
}

pub struct Wasmtime {
    engine: wasmtime::Engine,
}

impl Wasmtime {
    pub fn new() -> Result<Self> {
        Ok(Wasmtime {
            engine: wasmtime::Engine::default(),
        })
    }
}

impl Peer for Wasmtime {
    fn name(&self) -> &'static str {
        "wasmtime"
    }

    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>> {
        let module = wasmtime::Module::new(&self.engine, wasm).map_err(err)?;
        Ok(Box::new(WasmtimeModule {
            engine: self.engine.clone(),
            module,
        }))
    }
}

struct WasmtimeModule {
    engine: wasmtime::Engine,
    module: wasmtime::Module,
}

impl Compiled for WasmtimeModule {
    fn instantiate(&self) -> Result<Box<dyn Running>> {
        let mut store = wasmtime::Store::new(&self.engine, ());
        let instance = wasmtime::Instance::new(&mut store, &self.module, &[]).map_err(err)?;
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .map_err(err)?;
        Ok(Box::new(WasmtimeInstance { store, run }))
    }
}

struct WasmtimeInstance {
    store: wasmtime::Store<()>,
    run: wasmtime::TypedFunc<i32, i64>,
}

impl Running for WasmtimeInstance {
    fn run(&mut self, n: i32) -> Result<i64> {
        self.run.call(&mut self.store, n).map_err(err)
    }
}
