//! Time-boxed runs of the fuzz targets (`fuzz/fuzz_targets`, the same code in
//! `tests/oracle`) on deterministic pseudo-random inputs, so `cargo test` runs each on a
//! few thousand cases, and the reproductions in `tests/oracle/repros`. Prints
//! `fuzz <target>: N cases, M failures` per target, with the
//! hits of known bugs (`oracle::KNOWN_BUGS`) counted apart unless
//! `TIERWASM_FUZZ_STRICT=1`.
//!
//! `TIERWASM_FUZZ_CASES=N` sets the cases per target (default below, per target);
//! `TIERWASM_FUZZ_SECONDS=S` caps each target's time (default 40);
//! `TIERWASM_FUZZ_TARGETS=a,b` runs only those targets; `TIERWASM_FUZZ_VERBOSE=1` prints
//! each seed before running it.

mod oracle;

use oracle::Verdict;
use std::collections::BTreeMap;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Runs `target` on inputs made from seeds `0..cases` (each input `len` bytes), within
/// the time budget; prints the closing line and returns whether nothing failed.
fn run(name: &str, cases: u64, len: usize, mut target: impl FnMut(&[u8]) -> Verdict) -> bool {
    let cases = env_u64("TIERWASM_FUZZ_CASES").unwrap_or(cases);
    let budget = Duration::from_secs(env_u64("TIERWASM_FUZZ_SECONDS").unwrap_or(40));
    let start = Instant::now();
    let verbose = std::env::var_os("TIERWASM_FUZZ_VERBOSE").is_some();
    let (mut ran, mut skipped, mut failed) = (0u64, 0u64, 0u64);
    let mut known: BTreeMap<u32, u64> = BTreeMap::new();
    for seed in 0..cases {
        if start.elapsed() > budget {
            println!("fuzz {name}: time budget of {budget:?} reached after {ran} cases");
            break;
        }
        // The input length varies too, so generators see short inputs.
        let data = oracle::seed_bytes(seed ^ fxhash(name), 1 + (seed as usize * 7919) % len);
        if verbose {
            println!("fuzz {name}: seed {seed}");
        }
        match target(&data) {
            Verdict::Pass => ran += 1,
            Verdict::Skip => skipped += 1,
            Verdict::Known(bug, msg) => {
                ran += 1;
                let hits = known.entry(bug).or_default();
                if *hits == 0 {
                    let msg: String = msg.chars().take(300).collect();
                    println!("fuzz {name}: seed {seed}: known bug {bug} (shown once): {msg}");
                }
                *hits += 1;
            }
            Verdict::Fail(msg) => {
                ran += 1;
                failed += 1;
                if failed <= 5 {
                    println!("fuzz {name}: seed {seed} failed: {msg}");
                    let path = std::env::temp_dir().join(format!("tierwasm-fuzz-{name}-{seed}"));
                    let _ = std::fs::write(&path, &data);
                    println!("    input saved to {}", path.display());
                }
            }
        }
    }
    let known_note = if known.is_empty() {
        String::new()
    } else {
        let hits: Vec<String> = known.iter().map(|(b, n)| format!("bug {b} x{n}")).collect();
        format!(" (known bugs hit: {})", hits.join(", "))
    };
    let skipped_note = if skipped > 0 {
        format!(", {skipped} inputs made no case")
    } else {
        String::new()
    };
    println!("fuzz {name}: {ran} cases, {failed} failures{known_note}{skipped_note}");
    failed == 0
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// A different seed stream per target.
fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0u64, |h, b| {
        (h.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

fn enabled(name: &str) -> bool {
    std::env::var("TIERWASM_FUZZ_TARGETS").map_or(true, |t| t.split(',').any(|x| x == name))
}

/// The minimal reproductions of the bugs the fuzzing found (`tests/oracle/repros`,
/// `bugN-….wat` modules through the differential, `bugN-….wasm` components through the
/// compile target), each aimed at its bug: they pass once it is fixed.
fn repros() -> bool {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/repros");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/oracle/repros")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let diff = oracle::modules::Differential::new();
    let engines = oracle::bytes::Engines::new();
    let (mut ran, mut failed) = (0, 0);
    let mut known: BTreeMap<u32, u64> = BTreeMap::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bug = name
            .strip_prefix("bug")
            .and_then(|r| r.split('-').next())
            .and_then(|n| n.parse().ok());
        let verdict = match path.extension().and_then(|e| e.to_str()) {
            Some("wat") => {
                let wasm = wat::parse_file(&path).expect("repro parses");
                diff.verdict(&wasm, 0, bug)
            }
            Some("wasm") => {
                let wasm = std::fs::read(&path).expect("repro reads");
                oracle::bytes::no_panic(&engines, &wasm, bug)
            }
            _ => continue,
        };
        ran += 1;
        match verdict {
            Verdict::Known(b, _) => *known.entry(b).or_default() += 1,
            Verdict::Fail(msg) => {
                failed += 1;
                println!("fuzz repros: {name}: {msg}");
            }
            Verdict::Pass | Verdict::Skip => {}
        }
    }
    let hits: Vec<String> = known.keys().map(|b| format!("bug {b}")).collect();
    let note = if hits.is_empty() {
        String::new()
    } else {
        format!(" (known bugs still reproduced: {})", hits.join(", "))
    };
    println!("fuzz repros: {ran} cases, {failed} failures{note}");
    failed == 0
}

/// The small-thread recursion cases run in child processes (this binary again, with
/// `TIERWASM_FUZZ_CHILD=recursion START END`): an abort must not end the run. The child
/// prints `start I` before and `ok I` / `fail I: …` after each case; when it dies, the
/// case it started is a failure and a new child goes on from the next.
fn recursion_cases(cases: u64) -> bool {
    let cases = env_u64("TIERWASM_FUZZ_CASES").unwrap_or(cases);
    let exe = std::env::current_exe().expect("current_exe");
    let (mut ran, mut failed) = (0u64, 0u64);
    let mut next = 0;
    while next < cases {
        let out = Command::new(&exe)
            .env("TIERWASM_FUZZ_CHILD", format!("recursion {next} {cases}"))
            .output()
            .expect("spawn child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut last_started = None;
        for line in stdout.lines() {
            if let Some(i) = line.strip_prefix("start ") {
                last_started = i.parse::<u64>().ok();
            } else if line.starts_with("ok ") {
                ran += 1;
                last_started = None;
            } else if let Some(msg) = line.strip_prefix("fail ") {
                ran += 1;
                failed += 1;
                last_started = None;
                if failed <= 5 {
                    println!("fuzz small-thread-recursion: {msg}");
                }
            }
        }
        match last_started {
            // The child died in this case.
            Some(i) => {
                ran += 1;
                let msg = format!("case {i}: the process died: {}", out.status);
                failed += 1;
                if failed <= 5 {
                    println!("fuzz small-thread-recursion: {msg}");
                }
                next = i + 1;
            }
            None if out.status.success() => break,
            None => {
                println!(
                    "fuzz small-thread-recursion: the child failed: {}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                failed += 1;
                break;
            }
        }
    }
    println!("fuzz small-thread-recursion: {ran} cases, {failed} failures");
    failed == 0
}

/// Cases `start..end` of the recursion target, alternating tiers.
fn recursion_child(start: u64, end: u64) {
    use std::io::Write;
    let mut tiers = vec![tierwasm::Tier::Interp];
    if cfg!(feature = "jit") {
        tiers.push(tierwasm::Tier::Jit);
    }
    let stdout = std::io::stdout();
    for i in start..end {
        let data = oracle::seed_bytes(i ^ fxhash("recursion"), 64);
        let mut u = arbitrary::Unstructured::new(&data);
        let wasm = oracle::weak::recursion_module(&mut u).expect("recursion module");
        let tier = tiers[i as usize % tiers.len()];
        let mut out = stdout.lock();
        writeln!(out, "start {i}").unwrap();
        out.flush().unwrap();
        match oracle::weak::small_thread_recursion(tier, wasm) {
            Ok(()) => writeln!(out, "ok {i}").unwrap(),
            Err(e) => writeln!(out, "fail {i}: {tier:?}: {e}").unwrap(),
        }
        out.flush().unwrap();
    }
}

fn main() -> ExitCode {
    if let Ok(child) = std::env::var("TIERWASM_FUZZ_CHILD") {
        let parts: Vec<u64> = child
            .split(' ')
            .skip(1)
            .filter_map(|s| s.parse().ok())
            .collect();
        recursion_child(parts[0], parts[1]);
        return ExitCode::SUCCESS;
    }
    oracle::bytes::quiet_panics();
    oracle::self_check();
    let mut ok = true;
    if enabled("compile") {
        let engines = oracle::bytes::Engines::new();
        ok &= run("compile", 3000, 4096, |d| {
            oracle::bytes::compile_target(&engines, d)
        });
    }
    if enabled("differential") {
        let diff = oracle::modules::Differential::new();
        ok &= run("differential", 1500, 16384, |d| {
            oracle::modules::differential_target(&diff, d)
        });
    }
    if enabled("weak-spots") {
        let diff = oracle::modules::Differential::new();
        ok &= run("weak-spots", 3000, 256, |d| {
            let mut u = arbitrary::Unstructured::new(d);
            let Ok(case) = oracle::weak::template(&mut u) else {
                return Verdict::Skip;
            };
            diff.verdict(&case.wasm, d.len() as u64, case.bug)
        });
    }
    #[cfg(feature = "component")]
    if enabled("component-abi") {
        let engines = oracle::abi::Engines::new();
        ok &= run("component-abi", 2000, 512, |d| {
            oracle::abi::abi_target(&engines, d)
        });
    }
    if enabled("repros") {
        ok &= repros();
    }
    if enabled("small-thread-recursion") {
        ok &= recursion_cases(200);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
