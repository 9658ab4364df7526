//! wasm-smith modules and weak-spot templates on the interpreter (optimising and plain
//! translation), the JIT and wasmi, compared step by step (`tests/oracle/modules.rs`).

#![no_main]

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

thread_local! {
    static DIFF: oracle::modules::Differential = oracle::modules::Differential::new();
}

fuzz_target!(|data: &[u8]| {
    DIFF.with(|d| {
        oracle::conclude(
            "differential",
            oracle::modules::differential_target(d, data),
        )
    });
});
