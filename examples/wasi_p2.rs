//! Embedding WASI 0.2: add the `wasi:cli/command` world to a component linker in one
//! line, and run a command component (a Rust `fn main` built for `wasm32-wasip2`) with
//! its arguments, an in-memory standard output and a read-only preopened directory.
//! Without an argument it runs the `hello` guest of the tests.
//!
//! `cargo run --release --example wasi_p2 [prog.wasm [ARGS...]]`

use tierwasm::component::{Component, Linker};
use tierwasm::wasi::{DirPerms, MemoryOutputPipe, WasiCtx, WasiCtxBuilder, p2};
use tierwasm::{Engine, Store};

/// The store's data: the WASI context, and whatever else the embedder keeps.
struct Host {
    wasi: WasiCtx,
}

fn main() -> anyhow::Result<()> {
    let engine = Engine::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/wasi_p2/hello.wasm");
    let path = args.first().map_or(default, String::as_str);
    let component = Component::from_file(&engine, path)?;

    let mut linker = Linker::new(&engine);
    p2::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;

    let stdout = MemoryOutputPipe::new();
    let mut builder = WasiCtxBuilder::new();
    builder
        .arg(path)
        .args(args.iter().skip(1).cloned())
        .env("GREETING", "hello")
        .stdout(stdout.clone())
        .inherit_stderr()
        .preopened_dir(".", "/", DirPerms::ReadOnly)?;
    let mut store = Store::new(
        &engine,
        Host {
            wasi: builder.build(),
        },
    );

    // Instantiates and calls `wasi:cli/run#run`; `exit` becomes the code.
    let code = p2::run(&linker, &mut store, &component)?;
    print!("{}", String::from_utf8_lossy(&stdout.contents()));
    println!("exit code {code}");
    std::process::exit(code);
}
