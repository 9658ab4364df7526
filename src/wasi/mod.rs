//! WASI: the system interface that programs built for `wasm32-wasip1` import.
//!
//! A [`WasiCtx`] (made by a [`WasiCtxBuilder`]) holds what a program may see: its
//! arguments, its environment, its standard streams and the directories preopened for it.
//! [`p1::add_to_linker`] defines every `wasi_snapshot_preview1` function on a core
//! [`Linker`](crate::Linker), reaching the context through the store's data:
//!
//! ```no_run
//! use tierwasm::wasi::{DirPerms, WasiCtx, WasiCtxBuilder, p1};
//! use tierwasm::{Engine, Linker, Module, Store};
//!
//! struct Host {
//!     wasi: WasiCtx,
//! }
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let module = Module::from_file(&engine, "hello.wasm")?;
//! let mut linker = Linker::new(&engine);
//! p1::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
//! let wasi = WasiCtxBuilder::new()
//!     .arg("hello.wasm")
//!     .inherit_stdio()
//!     .preopened_dir(".", "/", DirPerms::ReadWrite)?
//!     .build();
//! let mut store = Store::new(&engine, Host { wasi });
//! let instance = linker.instantiate(&mut store, &module)?;
//! let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
//! match start.call(&mut store, ()) {
//!     Ok(()) => {}
//!     Err(e) => match e.downcast_ref::<tierwasm::wasi::I32Exit>() {
//!         Some(exit) => std::process::exit(exit.0),
//!         None => return Err(e),
//!     },
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every path a guest names is resolved inside a preopened directory through cap-std, so
//! `..`, absolute paths and symbolic links cannot reach anything outside it.

mod ctx;
pub mod p1;
#[cfg(feature = "component")]
pub mod p2;
mod table;

pub use ctx::{
    DirPerms, I32Exit, MemoryInputPipe, MemoryOutputPipe, NetRule, WasiCtx, WasiCtxBuilder,
};
