//! `wasmi-wasi-run [--dir HOST[::GUEST]]... FILE [ARGS...]`: what the `wasmi` CLI does
//! with a WASI preview 1 module, for `wasi-peers`: the default engine configuration
//! (lazy translation), `wasmi_wasi` on the linker, stdio inherited, `_start` called, and
//! the process exits with the guest's exit code. wasmi has no WASI 0.2: components are
//! refused.

#[path = "../wasi_args.rs"]
mod wasi_args;

use anyhow::{Result, bail};
use wasmi::{Engine, Linker, Module, Store};
use wasmi_wasi::{WasiCtx, WasiCtxBuilder, ambient_authority};

/// Runs the program; `Ok` is its exit code.
fn run(args: &wasi_args::RunArgs) -> Result<i32> {
    let bytes = std::fs::read(&args.file)?;
    if wasi_args::is_component(&bytes) {
        bail!("unsupported: wasmi runs no components");
    }
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes)?;
    let mut linker = Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdio().args(&args.argv)?;
    for (host, guest) in &args.dirs {
        let dir = wasmi_wasi::Dir::open_ambient_dir(host, ambient_authority())?;
        b.preopened_dir(dir, guest)?;
    }
    let mut store = Store::new(&engine, b.build());
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Ok(code),
            None => Err(e.into()),
        },
    }
}

fn main() {
    let args = wasi_args::parse().unwrap_or_else(|usage| {
        eprintln!("wasmi-wasi-run: {usage}");
        std::process::exit(2)
    });
    match run(&args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(1)
        }
    }
}
