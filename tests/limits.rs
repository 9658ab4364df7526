//! Limits that must end in a trap or a failed grow, never in an abort: runaway recursion
//! (wasm-only and host → wasm → host) on threads of any stack size with any
//! `max_wasm_stack`, and several memories without a maximum under an address-space limit.
//!
//! A case that could abort runs in a child process (this test binary run again with the
//! ignored `child` test and the case in `CASE`), so an abort fails one case instead of
//! killing the whole suite.

use std::process::{Command, Output};
use tierwasm::{
    Caller, Config, Engine, Linker, Memory, MemoryType, Module, Store, Tier, Trap, Val,
};

/// The environment variable that names the case a child runs.
const CASE: &str = "TIERWASM_LIMITS_CASE";

/// Address-space limit of the memory cases, in KiB (`ulimit -v`): about 8 GB.
#[cfg_attr(
    not(target_os = "linux"),
    allow(dead_code),
    reason = "the child-process cases run on Linux only"
)]
const AS_LIMIT_KIB: u64 = 8_000_000;

fn tiers() -> Vec<Tier> {
    let mut tiers = vec![Tier::Interp];
    if cfg!(feature = "jit") {
        tiers.push(Tier::Jit);
    }
    tiers
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Interp => "interp",
        Tier::Jit => "jit",
        Tier::Auto => "auto",
    }
}

/// Runs `case` in a child process, under `ulimit -v` when `as_limit_kib` is given.
fn run_child(case: &str, as_limit_kib: Option<u64>) -> Output {
    let exe = std::env::current_exe().expect("test binary path");
    let args = ["child", "--exact", "--ignored", "--nocapture", "--quiet"];
    let mut cmd = match as_limit_kib {
        Some(kib) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(&exe)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(&exe);
            c.args(args);
            c
        }
    };
    cmd.env(CASE, case).output().expect("run the child process")
}

/// What a child printed after `marker`, or a description of how it failed.
fn child_result(case: &str, o: &Output, marker: &str) -> Result<String, String> {
    let out = String::from_utf8_lossy(&o.stdout);
    let found = out
        .lines()
        .find_map(|l| l.strip_prefix(marker))
        .map(str::to_owned);
    match found {
        Some(v) if o.status.success() => Ok(v),
        _ => Err(format!(
            "case `{case}`: {} — stderr: {}",
            o.status,
            why(&String::from_utf8_lossy(&o.stderr))
        )),
    }
}

/// The panic message of a child's stderr, or its last line (an abort's).
fn why(stderr: &str) -> String {
    let mut lines = stderr.lines().filter(|l| !l.trim().is_empty());
    match lines.clone().position(|l| l.contains("panicked")) {
        Some(i) => lines.nth(i + 1).unwrap_or("").to_owned(),
        None => lines.next_back().unwrap_or("").to_owned(),
    }
}

/// Entry point of the child processes; does nothing useful when run directly.
#[test]
#[ignore = "run in a child process by the other tests of this file"]
fn child() {
    let case = std::env::var(CASE).expect("the parent names the case");
    let parts: Vec<&str> = case.split(':').collect();
    match parts[..] {
        ["recursion", kind, tier, stack_kib, max] => {
            let tier: Tier = tier.parse().unwrap();
            let stack = stack_kib.parse::<usize>().unwrap() << 10;
            let max = (max != "default").then(|| max.parse::<usize>().unwrap());
            let depth = recursion(kind, tier, stack, max);
            println!("depth={depth}");
        }
        ["frames", tier, locals, stack_kib] => {
            let tier: Tier = tier.parse().unwrap();
            let stack = stack_kib.parse::<usize>().unwrap() << 10;
            let wat = big_frames(locals.parse().unwrap());
            // Not even one huge frame may fit on a small thread: the call after the
            // trap is another function.
            let depth = recursion_of(&wat, "wasm", tier, stack, Some(64 << 20), None);
            println!("depth={depth}");
        }
        ["memories", tier] => {
            let grown = unbounded_memories(tier.parse().unwrap());
            println!("memories={grown}");
        }
        _ => panic!("unknown case `{case}`"),
    }
}

/// `wasm(n)` recurses in wasm, `host(n)` through the host, `n` levels deep (each counted
/// in `depth`); a negative `n` never stops.
const RECURSION: &str = r#"(module
  (import "host" "again" (func $again (param i32) (result i32)))
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $wasm (export "wasm") (param i32) (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $wasm (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "host") (param i32) (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (i32.add (call $again (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))))"#;

/// Runs runaway recursion of `kind` (`wasm` or `host`) on a thread of `stack` bytes and
/// returns the depth it reached; panics unless it ends in `StackOverflow` and the store
/// then runs a normal call.
fn recursion(kind: &str, tier: Tier, stack: usize, max: Option<usize>) -> i32 {
    recursion_of(RECURSION, kind, tier, stack, max, Some(10))
}

/// A module like [`RECURSION`] (without the host export) whose `wasm` keeps `locals`
/// loaded values live across its recursive call: a native frame of 8 bytes per local.
fn big_frames(locals: usize) -> String {
    let mut wat = String::from(
        r#"(module (import "host" "again" (func (param i32) (result i32)))
  (memory 1)
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func (export "ok") (result i32) (i32.const 42))
  (func $wasm (export "wasm") (param i32) (result i32)"#,
    );
    for _ in 0..locals {
        wat.push_str(" (local i32)");
    }
    wat.push_str("\n(global.set $depth (i32.add (global.get $depth) (i32.const 1)))\n");
    for i in 0..locals {
        wat.push_str(&format!(
            "(local.set {} (i32.load (i32.const {})))\n",
            i + 1,
            i * 4 % 65000
        ));
    }
    wat.push_str(
        "(if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
           (else (i32.add (call $wasm (i32.sub (local.get 0) (i32.const 1))) (i32.const 1))))\n",
    );
    for i in 0..locals {
        wat.push_str(&format!("(i32.add (local.get {}))\n", i + 1));
    }
    wat.push_str("))");
    wat
}

/// [`recursion`] of module `wat`; after the trap, a call `after` levels deep, or of the
/// export `ok` (which returns 42).
fn recursion_of(
    wat: &str,
    kind: &str,
    tier: Tier,
    stack: usize,
    max: Option<usize>,
    after: Option<i32>,
) -> i32 {
    let mut config = Config::new();
    config.tier(tier);
    if let Some(max) = max {
        config.max_wasm_stack(max);
    }
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let kind = kind.to_owned();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker
                .func_wrap(
                    "host",
                    "again",
                    |mut caller: Caller<'_, ()>, n: i32| -> anyhow::Result<i32> {
                        let host = caller.get_export("host").unwrap().into_func().unwrap();
                        let host = host.typed::<i32, i32>(&caller)?;
                        host.call(&mut caller, n)
                    },
                )
                .unwrap();
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let f = instance.get_typed_func::<i32, i32>(&store, &kind).unwrap();
            let depth = instance.get_global(&store, "depth").unwrap();
            let e = f.call(&mut store, -1).unwrap_err();
            assert_eq!(
                e.downcast_ref::<Trap>(),
                Some(&Trap::StackOverflow),
                "{e:#}"
            );
            let Val::I32(reached) = depth.get(&store) else {
                panic!("depth is an i32")
            };
            depth.set(&mut store, Val::I32(0)).unwrap();
            match after {
                Some(n) => {
                    assert_eq!(f.call(&mut store, n).unwrap(), n, "usable after the trap");
                    assert_eq!(depth.get(&store).i32(), Some(n + 1));
                }
                None => {
                    let ok = instance.get_typed_func::<(), i32>(&store, "ok").unwrap();
                    assert_eq!(
                        ok.call(&mut store, ()).unwrap(),
                        42,
                        "usable after the trap"
                    );
                }
            }
            reached
        })
        .unwrap()
        .join()
        .unwrap()
}

/// Every combination of thread stack (KiB) and `max_wasm_stack` for `kind`: the depth
/// each reached, or how it failed.
fn recursion_matrix(kind: &str) -> Vec<Result<(String, i32), String>> {
    let mut results = Vec::new();
    for tier in tiers() {
        for stack_kib in [256, 1024, 8192] {
            // The default, the thread's own size, and far more than the thread has.
            for max in [
                "default".to_owned(),
                (stack_kib << 10).to_string(),
                (64usize << 20).to_string(),
            ] {
                let case = format!("recursion:{kind}:{}:{stack_kib}:{max}", tier_name(tier));
                let o = run_child(&case, None);
                results.push(
                    child_result(&case, &o, "depth=")
                        .map(|d| (case.clone(), d.trim().parse().unwrap())),
                );
            }
        }
    }
    for r in &results {
        match r {
            Ok((case, depth)) => println!("{case}: StackOverflow at depth {depth}"),
            Err(e) => println!("{e}"),
        }
    }
    results
}

#[test]
fn wasm_recursion_traps_on_any_thread_with_any_stack_limit() {
    let results = recursion_matrix("wasm");
    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn host_recursion_traps_on_any_thread_with_any_stack_limit() {
    let results = recursion_matrix("host");
    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

/// Frames larger than the reserve kept below the limit (32 and 130 KiB of spilled
/// values; they aborted or crashed on the JIT before their size was counted) still trap,
/// on threads as small as 256 KiB. (glibc may hand a thread a larger cached stack than
/// asked for, e.g. one of the JIT's compiling threads: the limit follows the real one.)
#[test]
fn recursion_with_large_frames_traps() {
    let mut failed = Vec::new();
    for tier in tiers() {
        for (locals, stacks) in [(4_000, &[256, 1024, 8192][..]), (40_000, &[256, 1024])] {
            for &stack_kib in stacks {
                let case = format!("frames:{}:{locals}:{stack_kib}", tier_name(tier));
                match child_result(&case, &run_child(&case, None), "depth=") {
                    Ok(depth) => println!("{case}: StackOverflow at depth {}", depth.trim()),
                    Err(e) => failed.push(e),
                }
            }
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

/// With the native stack to spare, host → wasm → host recursion stops at the same,
/// documented depth on both tiers.
#[test]
fn host_recursion_depth_is_the_same_on_both_tiers() {
    let depths: Vec<i32> = tiers()
        .into_iter()
        .map(|t| {
            let case = format!("recursion:host:{}:8192:default", tier_name(t));
            let o = run_child(&case, None);
            child_result(&case, &o, "depth=")
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    // 500 host → wasm entries run the function 500 times; the 501st entry traps.
    assert!(depths.iter().all(|&d| d == 500), "{depths:?}");
}

/// Instantiates three modules with a memory without maximum (plus a host memory) in one
/// store, grows and uses each; returns the pages they hold in all.
fn unbounded_memories(tier: Tier) -> u64 {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module (memory (export "mem") 1)
            (func (export "use") (param i32) (result i32)
              (drop (memory.grow (i32.const 1)))
              (i32.store (i32.const 70000) (local.get 0))
              (i32.load (i32.const 70000))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    let mut pages = 0;
    for i in 0..3 {
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance.get_typed_func::<i32, i32>(&store, "use").unwrap();
        assert_eq!(f.call(&mut store, i).unwrap(), i);
        pages += instance.get_memory(&store, "mem").unwrap().size(&store);
    }
    let host = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    host.grow(&mut store, 1).unwrap();
    pages + host.size(&store)
}

// `ulimit -v` (RLIMIT_AS) is enforced on Linux.
#[cfg(target_os = "linux")]
#[test]
fn unbounded_memories_fit_under_an_address_space_limit() {
    for tier in tiers() {
        let case = format!("memories:{}", tier_name(tier));
        let o = run_child(&case, Some(AS_LIMIT_KIB));
        assert_eq!(
            child_result(&case, &o, "memories=").map(|p| p.trim().to_owned()),
            Ok("8".to_owned())
        );
    }
}

/// A component whose two core instances each have a memory without maximum, run by the
/// CLI under the address-space limit.
// Runs the `tierwasm` binary, which needs the `cli` feature.
#[cfg(all(feature = "component", feature = "cli", target_os = "linux"))]
#[test]
fn component_with_two_unbounded_memories_runs_under_an_address_space_limit() {
    let dir = std::env::temp_dir().join(format!("tierwasm-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("two-memories.wat");
    std::fs::write(
        &path,
        r#"(component
  (core module $a
    (memory 1)
    (func (export "forty") (result i32)
      (drop (memory.grow (i32.const 1)))
      (i32.store (i32.const 65540) (i32.const 40))
      (i32.load (i32.const 65540))))
  (core module $b
    (import "a" "forty" (func $forty (result i32)))
    (memory 1)
    (func (export "answer") (result i32)
      (i32.store (i32.const 8) (i32.const 2))
      (i32.add (call $forty) (i32.load (i32.const 8)))))
  (core instance $a (instantiate $a))
  (core instance $b (instantiate $b (with "a" (instance $a))))
  (func (export "answer") (result u32) (canon lift (core func $b "answer"))))"#,
    )
    .unwrap();
    for tier in tiers() {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v {AS_LIMIT_KIB} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_tierwasm"))
            .args(["run", "--tier", tier_name(tier)])
            .arg(&path)
            .args(["--invoke", "answer()"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(String::from_utf8_lossy(&o.stdout), "42\n");
    }
    // The knob reaches the CLI: reserving the whole 4 GiB range for each memory does not
    // fit twice under the limit, and fails cleanly.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {AS_LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_tierwasm"))
        .args(["run", "--memory-reservation", "4294967296"])
        .arg(&path)
        .args(["--invoke", "answer()"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot reserve 4294967296 bytes"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `memory.grow` fails (-1) past `Config::memory_reservation`, on both tiers, and so does
/// `Memory::grow`; a larger minimum is still granted; a smaller maximum still applies.
#[test]
fn memories_grow_up_to_the_reservation() {
    for tier in tiers() {
        let mut config = Config::new();
        config.tier(tier).memory_reservation(3 * 65536);
        let engine = Engine::new(&config).unwrap();
        let mut store = Store::new(&engine, ());
        let grow = |store: &mut Store<()>, memory: &str| {
            let module = Module::new(
                &engine,
                format!(
                    r#"(module (memory (export "mem") {memory})
                    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
                    (func (export "last") (result i32)
                      (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
                                  (i32.const 7))
                      (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))"#
                ),
            )
            .unwrap();
            let instance = Linker::new(&engine)
                .instantiate(&mut *store, &module)
                .unwrap();
            let grow = instance
                .get_typed_func::<i32, i32>(&*store, "grow")
                .unwrap();
            let last = instance.get_typed_func::<(), i32>(&*store, "last").unwrap();
            let mem = instance.get_memory(&*store, "mem").unwrap();
            (grow, last, mem)
        };
        let (g, last, mem) = grow(&mut store, "1");
        assert_eq!(g.call(&mut store, 2).unwrap(), 1);
        assert_eq!(last.call(&mut store, ()).unwrap(), 7);
        assert_eq!(g.call(&mut store, 1).unwrap(), -1, "{tier:?}");
        assert!(mem.grow(&mut store, 1).is_err());
        assert_eq!(mem.size(&store), 3);
        assert_eq!(g.call(&mut store, 0).unwrap(), 3);
        // A minimum past the reservation is reserved in full, and cannot grow.
        let (g, last, mem) = grow(&mut store, "5");
        assert_eq!(mem.size(&store), 5);
        assert_eq!(last.call(&mut store, ()).unwrap(), 7);
        assert_eq!(g.call(&mut store, 1).unwrap(), -1);
        // A maximum below the reservation is the limit.
        let (g, _, _) = grow(&mut store, "1 2");
        assert_eq!(g.call(&mut store, 1).unwrap(), 1);
        assert_eq!(g.call(&mut store, 1).unwrap(), -1);
        // Host memories follow the same rule.
        let host = Memory::new(&mut store, MemoryType::new(0, None)).unwrap();
        assert_eq!(host.grow(&mut store, 3).unwrap(), 0);
        assert!(host.grow(&mut store, 1).is_err());
    }
}
