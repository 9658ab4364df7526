//! Unbounded recursion with random frame sizes on a thread with a 256 KiB native stack:
//! must trap with `StackOverflow` on every tier, never abort (`tests/oracle/weak.rs`).

#![no_main]

#[path = "../../tests/oracle/mod.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    let Ok(wasm) = oracle::weak::recursion_module(&mut u) else {
        return;
    };
    let mut tiers = vec![tierwasm::Tier::Interp];
    if cfg!(feature = "jit") {
        tiers.push(tierwasm::Tier::Jit);
    }
    for tier in tiers {
        let verdict = match oracle::weak::small_thread_recursion(tier, wasm.clone()) {
            Ok(()) => oracle::Verdict::Pass,
            Err(e) => oracle::Verdict::Fail(format!("{tier:?}: {e}")),
        };
        oracle::conclude("recursion", verdict);
    }
});
