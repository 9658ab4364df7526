//! The public embedding API: host functions, traps, fuel, stack limits, re-entrancy,
//! memories, globals, tables, references, and errors on bad input.

use tierwasm::{
    Caller, Config, Engine, Extern, ExternRef, Func, FuncType, Global, GlobalType, Instance,
    Linker, Memory, MemoryType, Module, Mutability, RefType, Store, Table, TableType, Tier, Trap,
    Val, ValType,
};

mod common;
use common::engines;

fn instantiate(engine: &Engine, store: &mut Store<()>, wat: &str) -> Instance {
    let module = Module::new(engine, wat).unwrap();
    Linker::new(engine).instantiate(store, &module).unwrap()
}

fn trap_of(e: &anyhow::Error) -> Option<Trap> {
    e.downcast_ref::<Trap>().copied()
}

#[test]
fn typed_host_function_with_caller_and_memory() {
    for engine in engines() {
        let module = Module::new(
            &engine,
            r#"(module
                (import "env" "log" (func $log (param i32 i32) (result i32)))
                (memory (export "memory") 1)
                (data (i32.const 16) "hello")
                (func (export "run") (result i32) (call $log (i32.const 16) (i32.const 5))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, Vec::<String>::new());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "env",
                "log",
                |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> anyhow::Result<i32> {
                    let memory = caller
                        .get_export("memory")
                        .and_then(Extern::into_memory)
                        .unwrap();
                    let mut buf = vec![0; len as usize];
                    memory.read(&caller, ptr as usize, &mut buf)?;
                    caller.data_mut().push(String::from_utf8(buf)?);
                    Ok(len * 2)
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance
            .get_typed_func::<(), i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), 10);
        assert_eq!(store.data(), &vec!["hello".to_string()]);
    }
}

#[test]
fn dynamic_host_function_and_func_call_with_vals() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let ty = FuncType::new([ValType::I64, ValType::F64], [ValType::F64]);
        let host = Func::new(&mut store, ty, |_caller, args, results| {
            let (a, b) = (args[0].i64().unwrap(), args[1].f64().unwrap());
            results[0] = Val::from(a as f64 * b);
            Ok(())
        });
        let module = Module::new(
            &engine,
            r#"(module (import "" "mul" (func $m (param i64 f64) (result f64)))
                (func (export "f") (param i64) (result f64) (call $m (local.get 0) (f64.const 0.5))))"#,
        )
        .unwrap();
        let instance = Instance::new(&mut store, &module, &[host.into()]).unwrap();
        let f = instance.get_func(&store, "f").unwrap();
        let mut out = [Val::F64(0)];
        f.call(&mut store, &[Val::I64(7)], &mut out).unwrap();
        assert_eq!(out[0].f64(), Some(3.5));
        // Wrong argument types and counts are errors, not crashes.
        assert!(f.call(&mut store, &[Val::I32(7)], &mut out).is_err());
        assert!(f.call(&mut store, &[], &mut out).is_err());
        assert!(instance.get_typed_func::<i32, f64>(&store, "f").is_err());
    }
}

#[test]
fn traps_leave_the_store_usable() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module (memory 1)
                (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
                (func (export "oob") (result i32) (i32.load (i32.const 65536)))
                (func (export "boom") unreachable))"#,
        );
        let div = instance
            .get_typed_func::<(i32, i32), i32>(&store, "div")
            .unwrap();
        let e = div.call(&mut store, (1, 0)).unwrap_err();
        assert_eq!(trap_of(&e), Some(Trap::IntegerDivisionByZero));
        assert_eq!(e.to_string(), "wasm trap: integer divide by zero");
        let e = div.call(&mut store, (i32::MIN, -1)).unwrap_err();
        assert_eq!(trap_of(&e), Some(Trap::IntegerOverflow));
        let oob = instance.get_typed_func::<(), i32>(&store, "oob").unwrap();
        assert_eq!(
            trap_of(&oob.call(&mut store, ()).unwrap_err()),
            Some(Trap::MemoryOutOfBounds)
        );
        let boom = instance.get_typed_func::<(), ()>(&store, "boom").unwrap();
        assert_eq!(
            trap_of(&boom.call(&mut store, ()).unwrap_err()),
            Some(Trap::UnreachableCodeReached)
        );
        assert_eq!(div.call(&mut store, (9, 3)).unwrap(), 3);
    }
}

#[test]
fn runaway_recursion_is_a_stack_overflow_trap() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module
                (func $f (export "f") (param i32) (result i32) (call $f (i32.add (local.get 0) (i32.const 1))))
                (func $g (export "g") (call $g))
                (func (export "ok") (param i32) (result i32)
                  (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                    (else (i32.add (i32.const 1) (call 2 (i32.sub (local.get 0) (i32.const 1))))))))"#,
        );
        for name in ["f", "g"] {
            let f = instance.get_func(&store, name).unwrap();
            let mut out = vec![Val::I32(0); f.ty(&store).results().len()];
            let args: Vec<Val> = f.ty(&store).params().iter().map(|_| Val::I32(0)).collect();
            let e = f.call(&mut store, &args, &mut out).unwrap_err();
            assert_eq!(trap_of(&e), Some(Trap::StackOverflow), "{name}");
        }
        let ok = instance.get_typed_func::<i32, i32>(&store, "ok").unwrap();
        assert_eq!(ok.call(&mut store, 5000).unwrap(), 5000);
    }
}

#[test]
fn fuel_runs_out_and_can_be_refilled() {
    let mut used = Vec::new();
    for tier in [Tier::Interp, Tier::Jit]
        .into_iter()
        .filter(|t| *t == Tier::Interp || cfg!(feature = "jit"))
    {
        let mut c = Config::new();
        c.tier(tier).consume_fuel(true);
        let engine = Engine::new(&c).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module (func (export "spin") (param i32) (result i32)
                (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
                (local.get 0)))"#,
        );
        let spin = instance.get_typed_func::<i32, i32>(&store, "spin").unwrap();
        store.set_fuel(1_000).unwrap();
        let e = spin.call(&mut store, 1_000_000).unwrap_err();
        assert_eq!(trap_of(&e), Some(Trap::OutOfFuel));
        store.set_fuel(10_000_000).unwrap();
        assert_eq!(spin.call(&mut store, 1000).unwrap(), 0);
        let left = store.get_fuel().unwrap();
        assert!(left < 10_000_000 && left > 10_000_000 - 10_000, "{left}");
        used.push(10_000_000 - left);
    }
    // Every tier charges the same fuel for the same work.
    assert!(used.windows(2).all(|w| w[0] == w[1]), "{used:?}");
    // Without `consume_fuel`, fuel calls are errors.
    let plain = Engine::default();
    assert!(Store::new(&plain, ()).set_fuel(5).is_err());
}

#[test]
fn host_functions_reenter_wasm_and_errors_propagate() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module
                (import "host" "call_back" (func $cb (param i32) (result i32)))
                (import "host" "fail" (func $fail))
                (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
                (func (export "run") (param i32) (result i32)
                  (i32.add (call $cb (local.get 0)) (i32.const 1)))
                (func (export "fail") (call $fail)))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "call_back",
                |mut caller: Caller<'_, ()>, x: i32| -> anyhow::Result<i32> {
                    let double = caller.get_export("double").unwrap().into_func().unwrap();
                    let double = double.typed::<i32, i32>(&caller)?;
                    // Re-enter twice, nested in the interpreter's frames.
                    let once = double.call(&mut caller, x)?;
                    double.call(&mut caller, once)
                },
            )
            .unwrap();
        linker
            .func_wrap("host", "fail", || -> anyhow::Result<()> {
                anyhow::bail!("host says no")
            })
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(run.call(&mut store, 5).unwrap(), 21);
        let fail = instance.get_typed_func::<(), ()>(&store, "fail").unwrap();
        assert_eq!(
            fail.call(&mut store, ()).unwrap_err().to_string(),
            "host says no"
        );
        assert_eq!(run.call(&mut store, 1).unwrap(), 5);
    }
}

#[test]
fn host_panic_resumes_in_the_caller_and_the_store_survives() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "panic", || -> () { panic!("host panicked") })
            .unwrap();
        let module = Module::new(
            &engine,
            r#"(module (import "host" "panic" (func $p)) (func (export "f") (call $p)))"#,
        )
        .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let f = instance.get_typed_func::<(), ()>(&store, "f").unwrap();
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.call(&mut store, ())));
        assert!(caught.is_err());
        let ok = instantiate(
            &engine,
            &mut store,
            r#"(module (func (export "g") (result i32) (i32.const 3)))"#,
        );
        assert_eq!(
            ok.get_typed_func::<(), i32>(&store, "g")
                .unwrap()
                .call(&mut store, ())
                .unwrap(),
            3
        );
    }
}

#[test]
fn memories_globals_and_tables_from_the_host() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let memory = Memory::new(&mut store, MemoryType::new(1, Some(3))).unwrap();
        let global = Global::new(
            &mut store,
            GlobalType::new(ValType::I64, Mutability::Var),
            Val::I64(40),
        )
        .unwrap();
        let table = Table::new(
            &mut store,
            TableType::new(RefType::FuncRef, 2, None),
            Val::FuncRef(None),
        )
        .unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                (import "" "mem" (memory 1))
                (import "" "g" (global $g (mut i64)))
                (import "" "t" (table 2 funcref))
                (func $seven (result i32) (i32.const 7))
                (elem (i32.const 1) $seven)
                (func (export "bump") (result i64)
                  (global.set $g (i64.add (global.get $g) (i64.const 2)))
                  (i64.store (i32.const 8) (global.get $g))
                  (global.get $g))
                (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
        )
        .unwrap();
        let instance = Instance::new(
            &mut store,
            &module,
            &[memory.into(), global.into(), table.into()],
        )
        .unwrap();
        let bump = instance.get_typed_func::<(), i64>(&store, "bump").unwrap();
        assert_eq!(bump.call(&mut store, ()).unwrap(), 42);
        assert_eq!(global.get(&store).i64(), Some(42));
        assert_eq!(&memory.data(&store)[8..16], &42i64.to_le_bytes());
        global.set(&mut store, Val::I64(0)).unwrap();
        assert_eq!(bump.call(&mut store, ()).unwrap(), 2);
        assert!(global.set(&mut store, Val::I32(0)).is_err());
        let grow = instance.get_typed_func::<(), i32>(&store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
        assert_eq!(grow.call(&mut store, ()).unwrap(), 2);
        assert_eq!(
            grow.call(&mut store, ()).unwrap(),
            -1,
            "the maximum is 3 pages"
        );
        assert_eq!(memory.size(&store), 3);
        let seven = table.get(&store, 1).unwrap();
        let Val::FuncRef(Some(seven)) = seven else {
            panic!("expected a function")
        };
        assert_eq!(
            seven
                .typed::<(), i32>(&store)
                .unwrap()
                .call(&mut store, ())
                .unwrap(),
            7
        );
        assert!(table.get(&store, 2).is_none());
    }
}

#[test]
fn externrefs_round_trip() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module (table $t 4 externref)
                (func (export "put") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
                (func (export "get") (param i32) (result externref) (table.get $t (local.get 0)))
                (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0))))"#,
        );
        let r = ExternRef::new(&mut store, String::from("payload"));
        let put = instance
            .get_typed_func::<(i32, Option<ExternRef>), ()>(&store, "put")
            .unwrap();
        let get = instance
            .get_typed_func::<i32, Option<ExternRef>>(&store, "get")
            .unwrap();
        put.call(&mut store, (2, Some(r))).unwrap();
        let back = get.call(&mut store, 2).unwrap().unwrap();
        assert_eq!(
            back.data(&store).unwrap().downcast_ref::<String>().unwrap(),
            "payload"
        );
        assert!(get.call(&mut store, 0).unwrap().is_none());
        let is_null = instance
            .get_typed_func::<Option<ExternRef>, i32>(&store, "is_null")
            .unwrap();
        assert_eq!(is_null.call(&mut store, None).unwrap(), 1);
        assert_eq!(is_null.call(&mut store, Some(r)).unwrap(), 0);
    }
}

#[test]
fn bad_modules_are_errors_not_panics() {
    for engine in engines() {
        for bytes in [
            &b""[..],
            b"\0asm",
            b"\0asm\x01\0\0\0\x01",
            b"\0asm\x02\0\0\0",
            b"(module (func (result i32)))",
            b"(module (func $f (call $g)))",
            b"not wasm at all",
        ] {
            assert!(Module::new(&engine, bytes).is_err(), "{bytes:?}");
        }
        let e = Module::new(&engine, "(module (func (param v128)))").unwrap_err();
        assert!(format!("{e:#}").contains("unsupported: SIMD"), "{e:#}");
    }
}

#[test]
fn linking_errors_name_the_import() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let module =
            Module::new(&engine, r#"(module (import "env" "f" (func (param i32))))"#).unwrap();
        let e = Linker::<()>::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap_err();
        assert!(e.to_string().contains("unknown import: `env::f`"), "{e}");
        let mut linker = Linker::new(&engine);
        linker.func_wrap("env", "f", |_: i64| {}).unwrap();
        let e = linker.instantiate(&mut store, &module).unwrap_err();
        assert!(
            e.to_string()
                .contains("incompatible import type for `env::f`"),
            "{e}"
        );
        assert!(
            linker.func_wrap("env", "f", |_: i32| {}).is_err(),
            "duplicate definitions are refused"
        );
    }
}

#[test]
fn huge_memory_and_table_requests_fail_cleanly() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module (memory 0) (table 0 funcref)
                (func (export "mem") (result i32) (memory.grow (i32.const 0x10001)))
                (func (export "tab") (result i32) (table.grow (ref.null func) (i32.const 0x7fffffff))))"#,
        );
        for name in ["mem", "tab"] {
            let f = instance.get_typed_func::<(), i32>(&store, name).unwrap();
            assert_eq!(f.call(&mut store, ()).unwrap(), -1, "{name}");
        }
        assert!(
            Table::new(
                &mut store,
                TableType::new(RefType::FuncRef, u32::MAX, None),
                Val::FuncRef(None)
            )
            .is_err()
        );
    }
}

#[test]
fn handles_from_another_store_are_refused() {
    for engine in engines() {
        let mut a = Store::new(&engine, ());
        let mut b = Store::new(&engine, ());
        let instance = instantiate(&engine, &mut a, r#"(module (func (export "f")))"#);
        let f = instance.get_typed_func::<(), ()>(&a, "f").unwrap();
        assert!(f.call(&mut b, ()).is_err());
    }
}

#[test]
fn tier_stats_count_calls_and_loops() {
    let mut c = Config::new();
    c.tier(Tier::Interp).count_loops(true);
    let engine = Engine::new(&c).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = instantiate(
        &engine,
        &mut store,
        r#"(module (func $sum (export "sum") (param i32) (result i32) (local i32)
            (loop $l
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
            (local.get 1)))"#,
    );
    let sum = instance.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, 10).unwrap(), 55);
    assert_eq!(sum.call(&mut store, 3).unwrap(), 6);
    let stats = instance.tier_stats(&store);
    assert_eq!(stats[0].calls, 2);
    assert_eq!(stats[0].loop_iterations, 13);
    assert_eq!(stats[0].name.as_deref(), Some("sum"));
}

#[test]
fn deep_host_wasm_reentry_traps_instead_of_crashing() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let module = Module::new(
            &engine,
            r#"(module (import "host" "again" (func $again (param i32) (result i32)))
                (func (export "down") (param i32) (result i32)
                  (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                    (else (call $again (i32.sub (local.get 0) (i32.const 1)))))))"#,
        )
        .unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "again",
                |mut caller: Caller<'_, ()>, n: i32| -> anyhow::Result<i32> {
                    let down = caller
                        .get_export("down")
                        .unwrap()
                        .into_func()
                        .unwrap()
                        .typed::<i32, i32>(&caller)?;
                    Ok(down.call(&mut caller, n)? + 1)
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let down = instance.get_typed_func::<i32, i32>(&store, "down").unwrap();
        assert_eq!(down.call(&mut store, 20).unwrap(), 20);
        let e = down.call(&mut store, 1_000_000).unwrap_err();
        assert_eq!(trap_of(&e), Some(Trap::StackOverflow), "{e:#}");
        assert_eq!(down.call(&mut store, 10).unwrap(), 10);
    }
}

/// A function that grows memory and then uses the new pages, in one body and across a
/// loop: compiled code must not keep using the length it saw on entry.
#[test]
fn memory_grown_then_used_in_the_same_function() {
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let instance = instantiate(
            &engine,
            &mut store,
            r#"(module
                (memory 1)
                (func (export "run") (param $pages i32) (result i32)
                  (local $i i32) (local $sum i32)
                  (loop $grow
                    (drop (memory.grow (i32.const 1)))
                    (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))
                               (memory.size))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $grow (i32.lt_u (local.get $i) (local.get $pages))))
                  (local.set $i (i32.const 2))
                  (loop $sum
                    (local.set $sum (i32.add (local.get $sum)
                      (i32.load (i32.sub (i32.mul (local.get $i) (i32.const 65536)) (i32.const 4)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $sum (i32.le_u (local.get $i) (memory.size))))
                  (local.get $sum)))"#,
        );
        let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
        assert_eq!(
            run.call(&mut store, 3).unwrap(),
            2 + 3 + 4,
            "{:?}",
            engine.config()
        );
    }
}
