//! The tier seam: code published after instances exist is what every kind of call runs
//! next, and calls keep giving the same results.

use super::publish;
use crate::{Config, Engine, Instance, Module, Store, Tier};

/// `f` is called directly by `g`, through a table by `h`, and from the host; the
/// interpreter counts the calls it runs, so a call that does not count ran compiled code.
const WAT: &str = r#"
(module
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (type $t (func (param i32) (result i32)))
  (func $f (export "f") (type $t) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "g") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "h") (param i32) (result i32)
    (call_indirect (type $t) (local.get 0) (i32.const 0))))
"#;

/// Defined function `d` of `module`, compiled alone (without publishing it).
fn compile_one(module: &Module, d: u32) -> crate::jit::CompiledModule {
    let inner = &module.inner;
    let options = crate::jit::JitOptions { fuel: false };
    crate::jit::compile_module(
        &inner.info,
        &inner.offsets,
        &inner.sig_ids,
        &options,
        module.engine().tiers().stubs().unwrap(),
        (
            crate::jit::CompileThreads::Caller,
            crate::jit::ArrayEntries::All,
        ),
        |x| x == d,
    )
    .unwrap()
}

fn assert_trap(e: &anyhow::Error, trap: crate::Trap) {
    assert_eq!(e.downcast_ref::<crate::Trap>(), Some(&trap), "{e:#}");
}

/// Export `name` of `instance`, an `i32 -> i32` function.
fn i32_func(instance: &Instance, store: &mut Store<()>, name: &str) -> crate::TypedFunc<i32, i32> {
    instance.get_typed_func::<i32, i32>(store, name).unwrap()
}

fn calls_of_f(instance: &Instance, store: &Store<()>) -> u64 {
    instance.tier_stats(store)[0].calls
}

#[test]
fn code_published_after_instantiation_runs_on_every_call_path() {
    let mut config = Config::new();
    config.tier(Tier::Interp);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i32_func(&instance, &mut store, "f");
    let g = i32_func(&instance, &mut store, "g");
    let h = i32_func(&instance, &mut store, "h");
    assert_eq!(f.call(&mut store, 2).unwrap(), 6);
    assert_eq!(g.call(&mut store, 3).unwrap(), 9);
    assert_eq!(h.call(&mut store, 4).unwrap(), 12);
    assert_eq!(
        calls_of_f(&instance, &store),
        3,
        "all three ran interpreted"
    );

    // Compile `f` only, and publish it: one store into the module's slot table.
    let inner = &module.inner;
    let compiled = compile_one(&module, 0);
    publish(&inner.tiers.slots, &inner.info, &compiled);

    assert_eq!(f.call(&mut store, 5).unwrap(), 15, "host entry");
    assert_eq!(
        g.call(&mut store, 6).unwrap(),
        18,
        "interpreter's direct call"
    );
    assert_eq!(
        h.call(&mut store, 7).unwrap(),
        21,
        "interpreter's indirect call"
    );
    assert_eq!(
        calls_of_f(&instance, &store),
        3,
        "none of them ran `f` interpreted"
    );

    // An instance made afterwards (in another store) starts with the compiled code.
    let mut store2 = Store::new(&engine, ());
    let instance2 = Instance::new(&mut store2, &module, &[]).unwrap();
    let g2 = instance2
        .get_typed_func::<i32, i32>(&mut store2, "g")
        .unwrap();
    assert_eq!(g2.call(&mut store2, 1).unwrap(), 3);
    assert_eq!(calls_of_f(&instance2, &store2), 0);
    assert_eq!(instance2.tier_stats(&store2)[0].tier, Tier::Jit);
    drop((store, store2));
    drop(compiled);
}

#[test]
fn compiled_code_calls_interpreted_functions_through_the_slot_table() {
    // Mixed tiers compile every other function, so `g` (compiled) calls `f`
    // (interpreted, not published) and then `f` once it is.
    let mut config = Config::new();
    config.tier(Tier::Interp);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, WAT).unwrap();
    let inner = &module.inner;
    let compile = |select: fn(u32) -> bool| {
        crate::jit::compile_module(
            &inner.info,
            &inner.offsets,
            &inner.sig_ids,
            &crate::jit::JitOptions { fuel: false },
            engine.tiers().stubs().unwrap(),
            (
                crate::jit::CompileThreads::Machine,
                crate::jit::ArrayEntries::All,
            ),
            select,
        )
        .unwrap()
    };
    let g_only = compile(|d| d == 1);
    publish(&inner.tiers.slots, &inner.info, &g_only);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let g = i32_func(&instance, &mut store, "g");
    assert_eq!(g.call(&mut store, 3).unwrap(), 9);
    assert_eq!(
        calls_of_f(&instance, &store),
        1,
        "compiled g called interpreted f"
    );
    assert_eq!(instance.tier_stats(&store)[1].calls, 0, "g ran compiled");

    let f_only = compile(|d| d == 0);
    publish(&inner.tiers.slots, &inner.info, &f_only);
    assert_eq!(g.call(&mut store, 4).unwrap(), 12);
    assert_eq!(
        calls_of_f(&instance, &store),
        1,
        "compiled g now calls compiled f"
    );
    drop(store);
    drop((g_only, f_only));
}

/// A loop that reads and writes memory (so bounds checks run in the OSR code), one that
/// walks off the end of memory, and one that recurses from inside a loop.
const LOOPS: &str = r#"
(module
  (memory 1)
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc)
        (i64.load (i32.and (i32.shl (local.get $i) (i32.const 3)) (i32.const 0xfff8)))))
      (i64.store (i32.and (i32.shl (local.get $i) (i32.const 3)) (i32.const 0xfff8))
        (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "walk") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (drop (i32.load (i32.mul (local.get $i) (i32.const 4096))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func $deep (export "deep") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1))) (local.get $i))))))
"#;

/// `Tier::Auto` with thresholds `calls` and `loops`, OSR on, compiling synchronously or
/// on `workers` background threads (0: synchronously).
fn auto_engine(calls: u32, loops: u32, workers: usize, fuel: bool) -> Engine {
    let mut config = Config::new();
    config
        .tier(Tier::Auto)
        .consume_fuel(fuel)
        .tier_up(crate::TierUpConfig {
            call_threshold: calls,
            loop_threshold: loops,
            osr: true,
            synchronous: workers == 0,
            workers: workers.max(1),
        });
    Engine::new(&config).unwrap()
}

/// `Tier::Auto` that only tiers up by OSR, after `loops` iterations, synchronously.
fn osr_engine(loops: u32, fuel: bool) -> Engine {
    auto_engine(u32::MAX, loops, 0, fuel)
}

/// Runs `name(arg)` of `LOOPS` on `engine` with `fuel` (if metered): the result (or
/// trap), the fuel left, and the OSR entries of the function.
fn run_loops(engine: &Engine, name: &str, arg: i32, fuel: Option<u64>) -> (String, u64, u64) {
    let index = ["sum", "walk", "deep"]
        .iter()
        .position(|n| *n == name)
        .unwrap();
    let module = Module::new(engine, LOOPS).unwrap();
    let mut store = Store::new(engine, ());
    if let Some(f) = fuel {
        store.set_fuel(f).unwrap();
    }
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let func = instance.get_func(&mut store, name).unwrap();
    let mut out = [if index == 0 {
        crate::Val::I64(0)
    } else {
        crate::Val::I32(0)
    }];
    let result = match func.call(&mut store, &[crate::Val::I32(arg)], &mut out) {
        Ok(()) => format!("{:?}", out[0]),
        Err(e) => format!("trap: {e}"),
    };
    let left = fuel.map_or(0, |_| store.get_fuel().unwrap());
    let osr = instance.tier_stats(&store)[index].osr_entries;
    (result, left, osr)
}

#[test]
fn osr_moves_a_running_loop_to_compiled_code_with_the_same_result_and_fuel() {
    let interp = {
        let mut c = Config::new();
        c.tier(Tier::Interp).consume_fuel(true);
        Engine::new(&c).unwrap()
    };
    for loops in [0, 1, 7, 1000] {
        let expect = run_loops(&interp, "sum", 5000, Some(1 << 40));
        let got = run_loops(&osr_engine(loops, true), "sum", 5000, Some(1 << 40));
        assert_eq!(
            (&got.0, got.1),
            (&expect.0, expect.1),
            "loop threshold {loops}"
        );
        assert_eq!(got.2, 1, "the one call moved by OSR (threshold {loops})");
        // Fuel running out inside the compiled loop traps at the same point.
        for fuel in [100, 25_000, 60_001] {
            let expect = run_loops(&interp, "sum", 5000, Some(fuel));
            let got = run_loops(&osr_engine(loops, true), "sum", 5000, Some(fuel));
            assert_eq!((&got.0, got.1), (&expect.0, expect.1), "fuel {fuel}");
        }
    }
}

#[test]
fn a_trap_in_osr_code_is_the_calls_trap_and_the_store_goes_on() {
    let engine = osr_engine(5, false);
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let walk = i32_func(&instance, &mut store, "walk");
    let e = walk.call(&mut store, 100).unwrap_err();
    assert_trap(&e, crate::Trap::MemoryOutOfBounds);
    assert_eq!(walk.call(&mut store, 16).unwrap(), 16);
    assert_eq!(instance.tier_stats(&store)[1].osr_entries, 2);
    // Recursion through OSR frames: each level enters its loop by OSR, and a deep one
    // overflows the stack as a trap.
    let deep = i32_func(&instance, &mut store, "deep");
    assert_eq!(deep.call(&mut store, 50).unwrap(), 150);
    let e = deep.call(&mut store, 10_000_000).unwrap_err();
    assert_trap(&e, crate::Trap::StackOverflow);
    assert_eq!(deep.call(&mut store, 3).unwrap(), 9);
}

#[test]
fn a_function_compiles_at_its_threshold_and_later_calls_run_it() {
    let engine = auto_engine(3, u32::MAX, 0, false);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i32_func(&instance, &mut store, "f");
    for i in 0..10 {
        assert_eq!(f.call(&mut store, i).unwrap(), 3 * i);
    }
    let stats = &instance.tier_stats(&store)[0];
    assert_eq!(stats.tier, Tier::Jit);
    assert_eq!(
        stats.calls, 3,
        "three interpreted calls, then compiled code"
    );
    assert!(stats.compile_time.is_some());
}

#[test]
fn stores_on_threads_keep_their_results_while_code_is_published() {
    let engine = auto_engine(50, 200, 2, false);
    let module = Module::new(&engine, WAT).unwrap();
    let loops = Module::new(&engine, LOOPS).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (engine, module, loops) = (engine.clone(), module.clone(), loops.clone());
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let instance = Instance::new(&mut store, &module, &[]).unwrap();
                let g = i32_func(&instance, &mut store, "g");
                let h = i32_func(&instance, &mut store, "h");
                let li = Instance::new(&mut store, &loops, &[]).unwrap();
                let deep = i32_func(&li, &mut store, "deep");
                for i in 0..20_000 {
                    assert_eq!(g.call(&mut store, i + t).unwrap(), 3 * (i + t));
                    assert_eq!(h.call(&mut store, i).unwrap(), 3 * i);
                    if i % 100 == 0 {
                        assert_eq!(deep.call(&mut store, 20).unwrap(), 60);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // The compile threads published `f` for every instance; a new one starts with it.
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while instance.tier_stats(&store)[0].tier != Tier::Jit {
        assert!(std::time::Instant::now() < deadline, "f was never compiled");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A component whose core function calls the host through a lowering `n` times.
#[cfg(feature = "component")]
const CALLS_HOST: &str = r#"
(component
  (import "host" (func $host (param "x" u32) (result u32)))
  (core func $host' (canon lower (func $host)))
  (core module $m
    (import "" "host" (func $host (param i32) (result i32)))
    (func (export "f") (param $n i32) (result i32) (local $acc i32)
      (loop $l
        (local.set $acc (i32.add (local.get $acc) (call $host (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (local.get $n)))
      (local.get $acc)))
  (core instance $i (instantiate $m (with "" (instance (export "host" (func $host'))))))
  (func (export "f") (param "n" u32) (result u32) (canon lift (core func $i "f"))))
"#;

#[cfg(feature = "component")]
#[test]
fn a_hot_lowering_gets_its_compiled_trampoline() {
    use crate::component::{Component, Linker};
    let engine = auto_engine(4, 0, 0, false);
    let component = Component::new(&engine, CALLS_HOST).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker
        .root()
        .func_wrap("host", |_, (x,): (u32,)| Ok((x * 2,)))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "f")
        .unwrap();
    assert_eq!(f.call(&mut store, (20,)).unwrap(), (420,));
    use crate::store::AsContext;
    let cx = store.as_context();
    let vmctx = &cx.opaque().components.instance(instance.index).vmctx;
    let ctx = vmctx
        .trampoline_context(0)
        .cast::<crate::vm::component::VMTrampolineContext>();
    // SAFETY: the context is live while the store is; nothing runs meanwhile.
    let (calls, wasm_call) = unsafe {
        let t = ctx.as_ptr();
        ((*t).calls, (*(*t).func_ref).wasm_call)
    };
    // The array-call entry asks for the compiled trampoline at 1, 2, 4 and 8 calls;
    // past the threshold (4), at the 8th, it gets it, and the loop, compiled by OSR at
    // its first iteration, calls the rest through it.
    assert!(
        wasm_call.is_some(),
        "the lowering has a compiled trampoline"
    );
    assert_eq!(calls, 8);
    assert_eq!(f.call(&mut store, (3,)).unwrap(), (12,));
}

#[test]
#[ignore = "a measurement: cargo test --release --lib unit_overhead -- --ignored --nocapture"]
fn unit_overhead() {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..200 {
        let _ = compile_one(&module, 0);
    }
    println!("one tiny function per unit: {:?}", start.elapsed() / 200);
}

#[test]
fn a_long_loop_in_a_later_call_moves_by_osr_after_its_function_is_compiled() {
    let engine = auto_engine(1000, 100, 0, false);
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = instance
        .get_typed_func::<i32, i64>(&mut store, "sum")
        .unwrap();
    sum.call(&mut store, 10).unwrap();
    // The second call's loop runs out of budget: the function is compiled whole (for
    // the next call); when it runs out again, this call is still looping and moves.
    sum.call(&mut store, 100_000).unwrap();
    let stats = &instance.tier_stats(&store)[0];
    assert_eq!(stats.tier, Tier::Jit);
    assert_eq!(stats.osr_entries, 1);
    sum.call(&mut store, 100_000).unwrap();
    let stats = &instance.tier_stats(&store)[0];
    assert_eq!(
        (stats.calls, stats.osr_entries),
        (2, 1),
        "the third call ran compiled"
    );
}
