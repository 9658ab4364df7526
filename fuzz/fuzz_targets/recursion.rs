//! Unbounded recursion with random frame sizes on a thread with a 256 KiB native stack:
//! must trap with `StackOverflow` on every tier, never abort (`tests/oracle/weak.rs`).
//! While known bug 3 is open (see `oracle::KNOWN_BUGS`) the JIT tier is left out, unless
//! `TIERWASM_FUZZ_STRICT=1`: the abort would end the run at once.

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
    if cfg!(feature = "jit") && !oracle::known(3) {
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
