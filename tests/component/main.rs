//! The Component Model reference tests (`../shared/testsuite/component-model/`, when
//! that folder is present) on each tier.
//!
//! Prints `component-suite <folder>: N passed, M failed` per folder and tier (N counts
//! every directive, as the core spec runner does). The `async/` folder (a later issue)
//! is skipped, and so are the directives listed in `EXCLUDED`; each skip is printed
//! with its reason. The files of the suite's `nyi.txt` (tests ahead of implementations)
//! run too: they pass here, but for the listed exclusions. Exits non-zero if anything
//! failed.
//!
//! `TIERWASM_COMPONENT_FILTER=name` runs only files whose path contains it;
//! `TIERWASM_COMPONENT_SKIP_NYI=1` leaves out the `nyi.txt` files;
//! `TIERWASM_COMPONENT_VERBOSE=1` lists every failure; `TIERWASM_COMPONENT_TIER=jit`
//! runs one tier.

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tierwasm::{Config, Engine, Tier};

/// Folders of the suite, in the order they are reported.
const FOLDERS: &[&str] = &["values", "resources", "linking", "validation", "binary"];

/// Folders skipped as a whole, with the reason.
const SKIPPED_FOLDERS: &[(&str, &str)] = &[(
    "async",
    "the async component model (futures, streams, tasks) is a later issue",
)];

const MULTI_MEMORY: &str = "needs multi-memory, which the core engine does not support yet";
const EXCEPTIONS: &str =
    "needs core exception handling (tags), which the core engine does not support";
const ASYNC: &str = "needs the async canonical ABI (a later issue)";
const GC: &str = "needs the core GC proposal's type syntax, which the core engine does not support";

/// Directives left out, by file and line range (inclusive), with the reason.
const EXCLUDED: &[(&str, usize, usize, &str)] = &[
    ("linking/tags.wast", 1, usize::MAX, EXCEPTIONS),
    ("linking/unit.wast", 258, 302, MULTI_MEMORY),
    ("linking/unit.wast", 304, 351, MULTI_MEMORY),
    ("linking/unit.wast", 353, 375, MULTI_MEMORY),
    ("validation/instantiation.wast", 342, 342, MULTI_MEMORY),
    ("values/variants.wast", 186, 186, ASYNC),
    ("values/post-return.wast", 308, 309, ASYNC),
    ("values/post-return.wast", 374, 374, ASYNC),
    ("binary/binary.wast", 892, 892, GC),
];

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testsuite/component-model")
}

fn main() -> ExitCode {
    let dir = suite_dir();
    if !dir.is_dir() {
        println!(
            "component-suite: skipped: {} is not present (the reference tests live beside the repository)",
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    let filter = std::env::var("TIERWASM_COMPONENT_FILTER").ok();
    let verbose = std::env::var_os("TIERWASM_COMPONENT_VERBOSE").is_some();
    let nyi: Vec<String> = std::fs::read_to_string(dir.join("nyi.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches("./").to_string())
        .collect();
    for (folder, why) in SKIPPED_FOLDERS {
        println!("component-suite {folder}: skipped: {why}");
    }
    let mut tiers = vec![("interp", Tier::Interp)];
    if cfg!(feature = "jit") {
        tiers.push(("jit", Tier::Jit));
        // Every function and lowering compiled at its first call (`common::eager_auto`).
        tiers.push(("auto", Tier::Auto));
    }
    if let Ok(only) = std::env::var("TIERWASM_COMPONENT_TIER") {
        tiers.retain(|(t, _)| *t == only);
    }
    let mut all_ok = true;
    for (tier, t) in tiers {
        let config = match t {
            Tier::Auto => common::eager_auto(),
            t => {
                let mut c = Config::new();
                c.tier(t);
                c
            }
        };
        let engine = Engine::new(&config).expect("engine");
        for folder in FOLDERS {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(dir.join(folder)) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "wast"))
                    .collect(),
                Err(_) => continue,
            };
            files.sort();
            let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
            for path in files {
                let rel = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
                if filter.as_deref().is_some_and(|f| !rel.contains(f)) {
                    continue;
                }
                if nyi.contains(&rel) && std::env::var_os("TIERWASM_COMPONENT_SKIP_NYI").is_some() {
                    println!(
                        "component-suite {tier} {folder}: skipped {rel}: listed in the suite's nyi.txt"
                    );
                    continue;
                }
                let source = std::fs::read_to_string(&path).expect("readable test file");
                let exclude = |line: usize| {
                    EXCLUDED
                        .iter()
                        .find(|(f, from, to, _)| *f == rel && (*from..=*to).contains(&line))
                        .map(|(_, _, _, why)| *why)
                };
                let report = tierwasm::wast::run_wast_excluding(&engine, &rel, &source, &exclude);
                if tier == "interp" {
                    for s in &report.skipped {
                        println!("component-suite {folder}: excluded {s}");
                    }
                }
                skipped += report.skipped.len();
                passed += report.passed;
                failed += report.failed();
                if report.failed() > 0 {
                    println!(
                        "component-suite {tier} {rel}: {} passed, {} failed",
                        report.passed,
                        report.failed()
                    );
                    let shown = if verbose { usize::MAX } else { 5 };
                    for f in report.failures.iter().take(shown) {
                        println!("    {f}");
                    }
                }
            }
            let label = if tier == "interp" {
                format!("component-suite {folder}")
            } else {
                format!("component-suite {tier} {folder}")
            };
            println!(
                "{label}: {passed} passed, {failed} failed ({skipped} excluded, listed above)"
            );
            all_ok &= failed == 0;
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
