//! tierwasm: a WebAssembly engine with two tiers, a register-bytecode interpreter that
//! starts running code at once and a Cranelift compiler (`Tier::Jit`). Both tiers share
//! one runtime layout, so calls cross tiers freely.
//!
//! The API follows wasmtime's shape:
//!
//! ```
//! use tierwasm::{Engine, Linker, Module, Store};
//!
//! # fn main() -> anyhow::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
//!       (func (export "run") (param i32) (result i32)
//!         (call $double (i32.add (local.get 0) (i32.const 1)))))
//! "#)?;
//! let mut store = Store::new(&engine, 0u32);
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "double", |mut caller: tierwasm::Caller<'_, u32>, x: i32| {
//!     *caller.data_mut() += 1; // count host calls
//!     x * 2
//! })?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 42);
//! assert_eq!(*store.data(), 1);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "component")]
pub mod component;
mod engine;
mod extern_;
mod func;
mod instance;
mod interp;
#[cfg(feature = "jit")]
mod jit;
mod linker;
mod module;
mod module_api;
mod store;
mod tiering;
mod values;
mod vm;
#[cfg(feature = "wasi")]
pub mod wasi;
#[cfg(feature = "wast")]
pub mod wast;

pub use engine::{Config, Engine, Tier, TierUpConfig};
pub use extern_::{Extern, Global, Memory, Table};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmRet, WasmTy, WasmTyList};
pub use instance::Instance;
pub use linker::Linker;
pub use module::{FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType};
pub use module_api::{ExportType, ExternType, ImportType, Module};
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut};
pub use tiering::FuncStats;
pub use values::{ExternRef, Val};
pub use vm::Trap;

/// Dynamic op and op-pair counts of the interpreter (feature `op-stats`): the `n` most
/// frequent, as a table.
#[cfg(feature = "op-stats")]
pub fn op_stats_report(n: usize) -> String {
    interp::dispatch::op_stats::report(n)
}

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Re-exported so users can name the error type without adding a dependency.
pub use anyhow::{Error, Result};
