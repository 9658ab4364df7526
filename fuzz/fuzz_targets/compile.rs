//! Arbitrary bytes, and wasm-smith modules and real components truncated or with bytes
//! changed, into `Module::new`, `Component::new` and instantiation on every tier: no
//! panic (`tests/oracle/bytes.rs`).

#![no_main]

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

thread_local! {
    static ENGINES: oracle::bytes::Engines = {
        // The oracle catches panics and reports them (known bugs apart).
        oracle::bytes::quiet_panics();
        oracle::bytes::Engines::new()
    };
}

fuzz_target!(|data: &[u8]| {
    ENGINES.with(|e| oracle::conclude("compile", oracle::bytes::compile_target(e, data)));
});
