//! The interface every compared engine implements, in three steps that are
//! timed separately: compile a module, instantiate it, call its `run` export.

use anyhow::Result;

/// An engine under comparison (one column of the tables).
pub trait Peer {
    /// The column name, also what `--engines` and `--rss` accept.
    fn name(&self) -> &'static str;

    /// Compiles (parses, validates, and translates as far as the engine does
    /// eagerly) a module that has no imports.
    fn compile(&self, wasm: &[u8]) -> Result<Box<dyn Compiled>>;
}

/// A compiled module of some [`Peer`].
pub trait Compiled {
    /// Creates a fresh store and instance and looks up `run: [i32] -> [i64]`.
    fn instantiate(&self) -> Result<Box<dyn Running>>;
}

/// An instance ready to call.
pub trait Running {
    /// Calls `run(n)` and returns its checksum.
    fn run(&mut self, n: i32) -> Result<i64>;
}
