//! Bugs that users and fuzzers found, one test each, run on every tier: each failed
//! before its fix.

use tierwasm::{Caller, Engine, Extern, Linker, Module, Store, Val};

mod common;
use common::engines;

/// Calls export `name` of a fresh instance of `wat` and returns its results.
fn call(engine: &Engine, store: &mut Store<()>, wat: &str, name: &str, args: &[Val]) -> Vec<Val> {
    let module = Module::new(engine, wat).unwrap();
    let instance = Linker::new(engine)
        .instantiate(&mut *store, &module)
        .unwrap();
    let f = instance.get_func(&mut *store, name).unwrap();
    let mut results = vec![Val::I32(0); f.ty(&*store).results().len()];
    f.call(&mut *store, args, &mut results)
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    results
}

fn i32s(vals: &[Val]) -> Vec<i32> {
    vals.iter().map(|v| v.i32().unwrap()).collect()
}

/// A `br_if` to the function's own block with two or more values, not taken, left the
/// values in slots the interpreter never wrote: the function returned zeros, or what an
/// earlier call of another instance left in those slots.
#[test]
fn br_if_out_of_function_not_taken_keeps_values() {
    let wat = r#"(module
        (func (export "f") (param i32) (result i32 i32)
            i32.const 7 i32.const 1 local.get 0 br_if 0)
        (func (export "g") (param i32 i32) (result i32 i64 i32)
            local.get 1 i64.const 5 local.get 0 local.get 0 br_if 0
            drop drop drop i32.const 8 i64.const 9 i32.const 10))"#;
    // Fills the slots the bug reads with values of its own.
    let filler = r#"(module
        (func (export "fill") (result i32)
            (local i32 i32 i32 i32)
            (local.set 0 (i32.const 41)) (local.set 1 (i32.const 42))
            (local.set 2 (i32.const 43)) (local.set 3 (i32.const 44))
            (i32.add (local.get 0) (local.get 3))))"#;
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        call(&engine, &mut store, filler, "fill", &[]);
        for cond in [0, 1] {
            let r = call(&engine, &mut store, wat, "f", &[Val::I32(cond)]);
            assert_eq!(i32s(&r), [7, 1], "f({cond})");
        }
        for (cond, want) in [(0, (8, 9, 10)), (1, (3, 5, 1))] {
            let r = call(
                &engine,
                &mut store,
                wat,
                "g",
                &[Val::I32(cond), Val::I32(3)],
            );
            let got = (
                r[0].i32().unwrap(),
                r[1].i64().unwrap(),
                r[2].i32().unwrap(),
            );
            assert_eq!(got, want, "g({cond})");
        }
    }
}

/// Branches carrying two values out of every kind of block, taken and not.
#[test]
fn branches_carry_values_out_of_every_block_kind() {
    let wat = r#"(module
        (func (export "block") (param i32) (result i32 i32)
            (block (result i32 i32)
                i32.const 3 i32.const 4 local.get 0 br_if 0
                drop drop i32.const 5 i32.const 6))
        (func (export "if") (param i32) (result i32 i32)
            (if (result i32 i32) (local.get 0)
                (then i32.const 3 i32.const 4 local.get 0 br_if 0
                      drop drop i32.const 5 i32.const 6)
                (else i32.const 7 i32.const 8 i32.const 1 br_if 0
                      drop drop i32.const 9 i32.const 10)))
        (func (export "table") (param i32) (result i32 i32)
            (block (result i32 i32)
                (block (result i32 i32)
                    i32.const 3 i32.const 4 local.get 0 br_table 0 1 2)
                drop drop i32.const 5 i32.const 6))
        (func (export "table_return_first") (param i32) (result i32 i32)
            (block (result i32 i32)
                (block (result i32 i32)
                    i32.const 3 i32.const 4 local.get 0 br_table 2 0 1)
                drop drop i32.const 5 i32.const 6))
        (func (export "loop") (param i32) (result i32 i32)
            (local i32)
            (block (result i32 i32)
                (loop
                    (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                    i32.const 11 local.get 1
                    (i32.ge_u (local.get 1) (local.get 0)) br_if 1
                    drop drop br 0)
                unreachable)))"#;
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        let cases: &[(&str, i32, [i32; 2])] = &[
            ("block", 0, [5, 6]),
            ("block", 1, [3, 4]),
            ("if", 1, [3, 4]),
            ("if", 0, [7, 8]),
            ("table", 0, [5, 6]),
            ("table", 1, [3, 4]),
            ("table", 2, [3, 4]),
            ("table", 9, [3, 4]),
            ("table_return_first", 0, [3, 4]),
            ("table_return_first", 1, [5, 6]),
            ("table_return_first", 2, [3, 4]),
            ("loop", 5, [11, 5]),
        ];
        for &(name, arg, want) in cases {
            let r = call(&engine, &mut store, wat, name, &[Val::I32(arg)]);
            assert_eq!(i32s(&r), want, "{name}({arg})");
        }
    }
}

/// `memory.size` taken before a `memory.grow` (inline or in a callee) and used after it
/// gave the new size on the JIT, and as an address a false out-of-bounds trap.
#[test]
fn memory_size_is_read_where_it_is_taken() {
    let wat = r#"(module
        (memory 1)
        (func $grow (drop (memory.grow (i32.const 1))))
        (func (export "inline") (result i32)
            (local $s i32)
            (local.set $s (memory.size))
            (drop (memory.grow (i32.const 1)))
            (local.get $s))
        (func (export "callee") (result i32)
            (local $s i32)
            (local.set $s (memory.size))
            (call $grow)
            (local.get $s))
        (func (export "as_address") (result i32)
            (local $s i32)
            (local.set $s (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4)))
            (drop (memory.grow (i32.const 1)))
            (i32.store (local.get $s) (i32.const 77))
            (i32.load (local.get $s))))"#;
    for engine in engines() {
        for (name, want) in [("inline", 1), ("callee", 1), ("as_address", 77)] {
            let mut store = Store::new(&engine, ());
            let r = call(&engine, &mut store, wat, name, &[]);
            assert_eq!(i32s(&r), [want], "{name}");
        }
    }
}

/// After a host function grew the guest's memory (directly, or through a wasm function
/// it called back), in-bounds accesses to the new pages trapped on the JIT, which kept
/// the length it had before the call.
#[test]
fn memory_grown_by_a_host_call_is_usable() {
    // Enough accesses that the JIT keeps the length in its pinned register.
    let loads = "(drop (i32.load (local.get 0)))".repeat(400);
    let wat = r#"(module
        (import "host" "grow" (func $grow (param i32) (result i32)))
        (import "host" "grow_via_wasm" (func $grow_via_wasm (param i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "grow_export") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "direct") (param i32) (result i32)
            (i32.store (local.get 0) (i32.const 1))
            (drop (call $grow (i32.const 1)))
            (i32.store (i32.const 70000) (i32.const 5))
            (i32.add (i32.load (i32.const 70000)) (memory.size)))
        (func (export "callback") (param i32) (result i32)
            (i32.store (local.get 0) (i32.const 1))
            (drop (call $grow_via_wasm (i32.const 2)))
            (i32.store (i32.const 196600) (i32.const 9))
            (i32.add (i32.load (i32.const 196600)) (memory.size)))
        (func (export "pinned") (param i32) (result i32)
            (local $s i32)
            LOADS
            (local.set $s (memory.size))
            (drop (call $grow (i32.const 1)))
            (i32.store (i32.const 70000) (i32.const 5))
            (i32.add (i32.add (i32.load (i32.const 70000)) (memory.size)) (local.get $s))))"#
        .replace("LOADS", &loads);
    for engine in engines() {
        let module = Module::new(&engine, &wat).unwrap();
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap("host", "grow", |mut caller: Caller<'_, ()>, n: i32| {
                let memory = caller.get_export("memory").and_then(Extern::into_memory);
                let memory = memory.unwrap();
                memory.grow(&mut caller, n as u64).map_or(-1, |p| p as i32)
            })
            .unwrap();
        linker
            .func_wrap(
                "host",
                "grow_via_wasm",
                |mut caller: Caller<'_, ()>, n: i32| -> anyhow::Result<i32> {
                    let f = caller.get_export("grow_export").and_then(Extern::into_func);
                    let f = f.unwrap().typed::<i32, i32>(&caller)?;
                    f.call(&mut caller, n)
                },
            )
            .unwrap();
        for (name, want) in [
            ("direct", 5 + 2),
            ("callback", 9 + 3),
            ("pinned", 5 + 2 + 1),
        ] {
            let mut store = Store::new(&engine, ());
            let instance = linker.instantiate(&mut store, &module).unwrap();
            let f = instance
                .get_typed_func::<i32, i32>(&mut store, name)
                .unwrap();
            // The address is an argument: a check the JIT cannot elide, made before the
            // call with the length it had then.
            let got = f
                .call(&mut store, 100)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert_eq!(got, want, "{name}");
        }
    }
}

/// Functions with more results than return registers were refused by the JIT.
#[test]
fn many_results() {
    let n = 20;
    let ty = " i32".repeat(n);
    let consts: String = (0..n).map(|i| format!(" (i32.const {})", i * 3)).collect();
    let wat = format!(
        r#"(module
        (func $many (param i32) (result{ty})
            {consts} local.get 0 br_if 0 return)
        (func (export "many") (param i32) (result{ty}) (call $many (local.get 0)))
        (table 1 funcref) (elem (i32.const 0) $many)
        (type $t (func (param i32) (result{ty})))
        (func (export "indirect") (param i32) (result{ty})
            (call_indirect (type $t) (local.get 0) (i32.const 0)))
        (func (export "sum") (result i32)
            (call $many (i32.const 0))
            {adds}))"#,
        adds = "i32.add ".repeat(n - 1)
    );
    let want: Vec<i32> = (0..n as i32).map(|i| i * 3).collect();
    for engine in engines() {
        let mut store = Store::new(&engine, ());
        for name in ["many", "indirect"] {
            for cond in [0, 1] {
                let r = call(&engine, &mut store, &wat, name, &[Val::I32(cond)]);
                assert_eq!(i32s(&r), want, "{name}({cond})");
            }
        }
        let r = call(&engine, &mut store, &wat, "sum", &[]);
        assert_eq!(i32s(&r), [want.iter().sum::<i32>()]);
    }
}
