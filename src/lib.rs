//! tierwasm: a WebAssembly engine.
