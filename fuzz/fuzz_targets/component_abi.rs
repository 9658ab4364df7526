//! Random component types and values lowered and lifted through a dynamic host
//! function and a guest export, both ways, on every tier (`tests/oracle/abi.rs`).

#![no_main]

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

thread_local! {
    static ENGINES: oracle::abi::Engines = oracle::abi::Engines::new();
}

fuzz_target!(|data: &[u8]| {
    ENGINES.with(|e| oracle::conclude("component-abi", oracle::abi::abi_target(e, data)));
});
