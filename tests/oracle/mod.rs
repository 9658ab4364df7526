//! The fuzzing oracle, written once and shared by the `cargo test` harnesses
//! (`tests/differential.rs`, `tests/fuzz.rs`) and the cargo-fuzz targets in `fuzz/`
//! (which include this file with `#[path = ...] mod oracle;`).
//!
//! * [`modules`]: the wasm-smith configuration and "observe a module" (every export
//!   called; results, traps, fuel, memories, globals and tables recorded) on tierwasm's
//!   tiers and on wasmi, and the comparisons between them;
//! * [`weak`]: hand-built module templates with random parameters aimed at the weak
//!   spots (addresses near the end of memory, `memory.size` around `memory.grow`, many
//!   results, branches carrying values, deep recursion on small threads);
//! * [`bytes`]: arbitrary and mutated bytes into `Module::new`, `Component::new` and
//!   instantiation, which must never panic;
//! * [`abi`]: random component types and values through host functions both ways;
//! * `repros/`: a minimal reproduction of each bug found (run by `tests/fuzz.rs`).
//!
//! Every target takes raw fuzzer bytes, so libFuzzer and the deterministic runs in
//! `cargo test` drive the same code.

// Each includer uses a different part of the oracle.
#![allow(
    dead_code,
    reason = "each includer uses a different part of the oracle"
)]

#[cfg(feature = "component")]
pub mod abi;
pub mod bytes;
pub mod modules;
pub mod weak;

/// Known bugs not fixed here: a case aimed at one of them (or of its shape) that fails
/// is counted as a hit of that bug, not as a failure, unless `TIERWASM_FUZZ_STRICT=1`.
/// Bugs 1-6 were tierwasm's and are fixed (their repros pass); what is left is the
/// oracle's, found by the wasmi differential (see the README).
pub const KNOWN_BUGS: &[(u32, &str)] = &[
    (
        7,
        "wasmi 2.0.0: a local read before an `if` with parameters and written inside it reads a wrong value",
    ),
    (
        8,
        "wasmi 2.0.0: panics translating some valid modules (a store, translator/func/mod.rs:2583)",
    ),
];

/// Whether failures aimed at known bug `n` count as known rather than as failures.
pub fn known(n: u32) -> bool {
    KNOWN_BUGS.iter().any(|(k, _)| *k == n)
        && std::env::var("TIERWASM_FUZZ_STRICT").map_or(true, |v| v != "1")
}

/// Deterministic pseudo-random bytes for seed `seed` (xorshift64), the fuzzer input of
/// the runs in `cargo test`.
pub fn seed_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// What a target concluded about one input.
#[derive(Debug)]
pub enum Verdict {
    /// Agreed / no panic (or the input made no case, e.g. the generator gave up).
    Pass,
    /// The input made no case.
    Skip,
    /// A disagreement or panic that a template aimed at known bug `.0` produced.
    Known(u32, String),
    /// A bug.
    Fail(String),
}

impl Verdict {
    /// Turns a failure of a case aimed at `bug` into a known hit when that bug is known.
    pub fn aimed_at(self, bug: Option<u32>) -> Verdict {
        match (self, bug) {
            (Verdict::Fail(m), Some(b)) if known(b) => Verdict::Known(b, m),
            (v, _) => v,
        }
    }
}

/// Ends a libFuzzer case: a failure is printed and aborts the process (libFuzzer saves
/// the input as a crash); known-bug hits and passes return.
pub fn conclude(target: &str, verdict: Verdict) {
    if let Verdict::Fail(msg) = verdict {
        eprintln!("fuzz {target}: failure: {msg}");
        std::process::abort();
    }
}

/// Checks that the oracle's comparisons can fail: a step changed in its outcome, its
/// fuel or its state must be reported, and a panic in the compile target must be
/// caught as a failure. Panics if not.
pub fn self_check() {
    use modules::{Outcome, Step, compare};
    let step = Step {
        name: "f".into(),
        outcome: Outcome::Values(vec!["i32:1".into()]),
        fuel: Some(10),
        state: vec!["global g: i32:0".into()],
    };
    assert!(compare(&step, &step.clone(), true).is_ok());
    let mut other = step.clone();
    other.outcome = Outcome::Values(vec!["i32:2".into()]);
    assert!(
        compare(&step, &other, false).is_err(),
        "results not compared"
    );
    let mut other = step.clone();
    other.outcome = Outcome::Trap("unreachable".into());
    assert!(compare(&step, &other, false).is_err(), "traps not compared");
    let mut other = step.clone();
    other.fuel = Some(9);
    assert!(compare(&step, &other, true).is_err(), "fuel not compared");
    assert!(
        compare(&step, &other, false).is_ok(),
        "fuel compared with wasmi"
    );
    let mut other = step.clone();
    other.state = vec!["global g: i32:1".into()];
    assert!(compare(&step, &other, false).is_err(), "state not compared");
    let caught = std::panic::catch_unwind(|| panic!("self-check")).is_err();
    assert!(caught, "panics not caught");
}
