//! Embedding WASI preview 1: a module that prints its arguments with `fd_write` and
//! exits with `proc_exit`, run with a `WasiCtx` whose standard output is an in-memory
//! buffer. A program built for `wasm32-wasip1` (Rust, C, …) runs the same way: pass its
//! path as the first argument.
//!
//! `cargo run --release --example wasi [prog.wasm [ARGS...]]`

use tierwasm::wasi::{DirPerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder, p1};
use tierwasm::{Engine, Linker, Module, Store};

/// Prints "hello from wasi" and then exits with code 3.
const HELLO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasi\n")
  (func (export "_start")
    ;; One iovec at 0: 16 bytes at address 16.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 3))))
"#;

/// The store's data: the WASI context, and whatever else the embedder keeps.
struct Host {
    wasi: WasiCtx,
}

fn main() -> anyhow::Result<()> {
    let engine = Engine::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let module = match args.first() {
        Some(path) => Module::from_file(&engine, path)?,
        None => Module::new(&engine, HELLO)?,
    };

    let mut linker = Linker::new(&engine);
    p1::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;

    let stdout = MemoryOutputPipe::new();
    let mut builder = WasiCtxBuilder::new();
    builder
        .arg(args.first().map_or("hello.wasm", String::as_str))
        .args(args.iter().skip(1).cloned())
        .env("GREETING", "hello")
        .stdout(stdout.clone())
        .inherit_stderr()
        .preopened_dir(".", ".", DirPerms::ReadOnly)?;
    let mut store = Store::new(
        &engine,
        Host {
            wasi: builder.build(),
        },
    );

    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let code = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => return Err(e),
        },
    };
    print!("{}", String::from_utf8_lossy(&stdout.contents()));
    println!("exit code: {code}");
    Ok(())
}
