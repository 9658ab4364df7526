//! The benchmark workloads (`benches/wasm`, listed in `expected.txt`) give the same
//! checksum on every tier: the interpreter, the JIT, and `Tier::Auto` both tiering up
//! eagerly (every function at its first call, loops by OSR at once, synchronously) and
//! with small thresholds and background compilation, so that code switches tier while
//! the workload runs. Each runs with a tenth of its benchmark size (that checksum is
//! the interpreter's); at full size the interpreter's checksum is the native one in
//! `expected.txt` (checked for the workloads that take the interpreter under a second).
//!
//! Prints `workloads: N passed, M failed`.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use tierwasm::{Config, Engine, Linker, Module, Store, Tier, TierUpConfig};

/// Workloads whose full size is quick enough on the interpreter to check in CI.
const FULL_SIZE: &[&str] = &["fib", "sort", "sha256", "lz", "chacha20", "deflate"];

fn wasm_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/wasm")
}

/// `run(n)` of `name` on `engine`.
fn checksum(engine: &Engine, name: &str, n: i32) -> Result<i64, String> {
    let bytes =
        std::fs::read(wasm_dir().join(format!("{name}.wasm"))).map_err(|e| e.to_string())?;
    let module = Module::new(engine, bytes).map_err(|e| format!("{e:#}"))?;
    let mut store = Store::new(engine, ());
    let linker = Linker::new(engine);
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| format!("{e:#}"))?;
    let run = instance
        .get_typed_func::<i32, i64>(&mut store, "run")
        .map_err(|e| format!("{e:#}"))?;
    run.call(&mut store, n).map_err(|e| format!("{e:#}"))
}

fn engine(tier: Tier, tier_up: Option<TierUpConfig>) -> Engine {
    let mut c = Config::new();
    c.tier(tier);
    if let Some(t) = tier_up {
        c.tier_up(t);
    }
    Engine::new(&c).unwrap()
}

fn main() -> ExitCode {
    let text = std::fs::read_to_string(wasm_dir().join("expected.txt")).unwrap();
    let mut engines = vec![("interp", engine(Tier::Interp, None))];
    if cfg!(feature = "jit") {
        engines.push(("jit", engine(Tier::Jit, None)));
        engines.push(("auto-eager", Engine::new(&common::eager_auto()).unwrap()));
        let background = TierUpConfig {
            call_threshold: 10,
            loop_threshold: 100,
            osr: true,
            synchronous: false,
            workers: 1,
        };
        engines.push(("auto-background", engine(Tier::Auto, Some(background))));
    }
    let (mut passed, mut failed) = (0, 0);
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (name, n, native) = (
            f[0],
            f[1].parse::<i32>().unwrap(),
            f[2].parse::<i64>().unwrap(),
        );
        let small = (n / 10).max(1);
        let reference = checksum(&engines[0].1, name, small);
        for (tier, engine) in &engines[1..] {
            let got = checksum(engine, name, small);
            if got == reference && got.is_ok() {
                passed += 1;
            } else {
                failed += 1;
                println!("workloads: {name}({small}) on {tier}: {got:?}, interp: {reference:?}");
            }
        }
        if FULL_SIZE.contains(&name) {
            match checksum(&engines[0].1, name, n) {
                Ok(c) if c == native => passed += 1,
                other => {
                    failed += 1;
                    println!("workloads: {name}({n}) on interp: {other:?}, native: {native}");
                }
            }
        }
    }
    println!("workloads: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
