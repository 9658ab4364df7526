//! `wasmtime-wasi-run [--dir HOST[::GUEST]]... FILE [ARGS...]`: what `wasmtime run FILE`
//! does, for `wasi-peers`. A preview 1 module runs `_start` on `wasmtime_wasi::p1`, a
//! component runs `wasi:cli/run` on `wasmtime_wasi::p2`; stdio is inherited and the
//! process exits with the guest's exit code.
//!
//! Settings as `wasmtime run`: the default `Config` (Cranelift, parallel compilation) and
//! file I/O on the calling thread (`allow_blocking_current_thread`), except that nothing is
//! cached (the CLI caches compiled code by default): each run compiles, as tierwasm does.

#[path = "../wasi_args.rs"]
mod wasi_args;

use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Engine, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// The store data of a component run.
struct P2 {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for P2 {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

fn builder(args: &wasi_args::RunArgs) -> wasmtime::Result<WasiCtxBuilder> {
    let mut b = WasiCtxBuilder::new();
    // Before the preopens, which copy it.
    b.allow_blocking_current_thread(true);
    b.inherit_stdio().args(&args.argv);
    for (host, guest) in &args.dirs {
        b.preopened_dir(host, guest, FsPerms::ReadWrite)?;
    }
    Ok(b)
}

/// Runs the program; `Ok` is its exit code.
fn run(args: &wasi_args::RunArgs) -> wasmtime::Result<i32> {
    let bytes = std::fs::read(&args.file)?;
    let engine = Engine::default();
    if wasi_args::is_component(&bytes) {
        let component = Component::new(&engine, &bytes)?;
        let mut linker = wasmtime::component::Linker::<P2>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let state = P2 {
            ctx: builder(args)?.build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&engine, state);
        let command = Command::instantiate(&mut store, &component, &linker)?;
        Ok(match command.wasi_cli_run().call_run(&mut store)? {
            Ok(()) => 0,
            Err(()) => 1,
        })
    } else {
        let module = Module::new(&engine, &bytes)?;
        let mut linker = wasmtime::Linker::<WasiP1Ctx>::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)?;
        let mut store = Store::new(&engine, builder(args)?.build_p1());
        let instance = linker.instantiate(&mut store, &module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call(&mut store, ())?;
        Ok(0)
    }
}

fn main() {
    let args = wasi_args::parse().unwrap_or_else(|usage| {
        eprintln!("wasmtime-wasi-run: {usage}");
        std::process::exit(2)
    });
    let code = match run(&args) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => {
                eprintln!("Error: {e:?}");
                1
            }
        },
    };
    std::process::exit(code)
}
