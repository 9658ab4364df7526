//! End-to-end tests of the interpreter through the public API, small enough for Miri
//! (`cargo +nightly miri test --lib interp`): calls, host calls and re-entry, memory,
//! tables, references, traps and the stack limit.

use crate::{Caller, Config, Engine, ExternRef, Instance, Linker, Module, Store, Tier, Trap, Val};

fn engine() -> Engine {
    let mut c = Config::new();
    c.tier(Tier::Interp).max_wasm_stack(64 << 10);
    Engine::new(&c).unwrap()
}

fn instantiate(store: &mut Store<u32>, wat: &str) -> Instance {
    let engine = store.engine().clone();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "twice",
            |mut caller: Caller<'_, u32>, x: i32| -> anyhow::Result<i32> {
                *caller.data_mut() += 1;
                // Re-enter wasm when asked to, to exercise nested activations.
                if x < 0 {
                    let inner = caller.get_export("inner").unwrap().into_func().unwrap();
                    let inner = inner.typed::<i32, i32>(&caller)?;
                    return inner.call(&mut caller, -x);
                }
                Ok(x * 2)
            },
        )
        .unwrap();
    linker.instantiate(store, &module).unwrap()
}

#[test]
fn recursion_and_loops() {
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module
            (func $fac (export "fac") (param i64) (result i64)
              (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
                (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
            (func (export "sum") (param i32) (result i32) (local i32)
              (loop $l
                (local.set 1 (i32.add (local.get 1) (local.get 0)))
                (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
              (local.get 1)))"#,
    );
    let fac = i.get_typed_func::<i64, i64>(&store, "fac").unwrap();
    assert_eq!(fac.call(&mut store, 20).unwrap(), 2432902008176640000);
    let sum = i.get_typed_func::<i32, i32>(&store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, 100).unwrap(), 5050);
}

#[test]
fn a_call_zeroes_locals_read_before_written_over_a_dirty_frame() {
    // `dirty` leaves non-zero values where `f`'s locals will be; `f` reads local 2 on the
    // path where the `if` did not write it, and local 1 only after writing it.
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module
            (func $dirty (param i32) (result i32) (local i32 i32 i32 i32)
              (local.set 1 (i32.const -1)) (local.set 2 (i32.const -1))
              (local.set 3 (i32.const -1)) (local.set 4 (i32.const -1))
              (i32.add (local.get 0) (i32.add (local.get 1) (local.get 4))))
            (func $f (param i32) (result i32) (local i32 i32)
              (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
              (if (local.get 0) (then (local.set 2 (i32.const 100))))
              (i32.add (local.get 1) (local.get 2)))
            (func (export "g") (param i32) (result i32)
              (i32.add (call $dirty (local.get 0)) (call $f (local.get 0)))))"#,
    );
    let g = i.get_typed_func::<i32, i32>(&store, "g").unwrap();
    assert_eq!(g.call(&mut store, 0).unwrap(), -2);
    assert_eq!(g.call(&mut store, 5).unwrap(), 3 + 15 + 100);
}

#[test]
fn host_calls_and_reentry() {
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module (import "host" "twice" (func $t (param i32) (result i32)))
            (func (export "inner") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1000)))
            (func (export "f") (param i32) (result i32) (i32.add (call $t (local.get 0)) (i32.const 1))))"#,
    );
    let f = i.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(f.call(&mut store, 20).unwrap(), 41);
    assert_eq!(f.call(&mut store, -5).unwrap(), 1006);
    assert_eq!(*store.data(), 2);
}

#[test]
fn memory_tables_and_references() {
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module (memory 1) (table 2 funcref) (table $e 1 externref)
            (func $a (result i32) (i32.const 11))
            (func $b (result i32) (i32.const 22))
            (elem (i32.const 0) $a $b)
            (func (export "mem") (param i32) (result i64)
              (i64.store offset=3 (local.get 0) (i64.const 0x0102030405060708))
              (memory.fill (i32.const 100) (i32.const 7) (i32.const 8))
              (memory.copy (i32.const 200) (i32.const 100) (i32.const 8))
              (i64.add (i64.load offset=3 (local.get 0)) (i64.load (i32.const 200))))
            (func (export "dispatch") (param i32) (result i32)
              (call_indirect (result i32) (local.get 0)))
            (func (export "keep") (param externref) (result externref)
              (table.set $e (i32.const 0) (local.get 0))
              (table.get $e (i32.const 0))))"#,
    );
    let mem = i.get_typed_func::<i32, i64>(&store, "mem").unwrap();
    assert_eq!(
        mem.call(&mut store, 8).unwrap(),
        0x0102030405060708 + 0x0707070707070707
    );
    assert_eq!(
        mem.call(&mut store, 65530)
            .unwrap_err()
            .downcast_ref::<Trap>(),
        Some(&Trap::MemoryOutOfBounds)
    );
    let dispatch = i.get_typed_func::<i32, i32>(&store, "dispatch").unwrap();
    assert_eq!(dispatch.call(&mut store, 1).unwrap(), 22);
    assert_eq!(
        dispatch
            .call(&mut store, 2)
            .unwrap_err()
            .downcast_ref::<Trap>(),
        Some(&Trap::UndefinedElement)
    );
    let r = ExternRef::new(&mut store, 99u32);
    let keep = i.get_func(&store, "keep").unwrap();
    let mut out = [Val::ExternRef(None)];
    keep.call(&mut store, &[Val::ExternRef(Some(r))], &mut out)
        .unwrap();
    let Val::ExternRef(Some(back)) = out[0] else {
        panic!("expected a reference")
    };
    assert_eq!(back.data(&store).unwrap().downcast_ref::<u32>(), Some(&99));
}

#[test]
fn stack_overflow_traps_and_the_store_recovers() {
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module (func $f (export "f") (param i32) (result i32) (call $f (local.get 0)))
            (func (export "g") (result i32) (i32.const 5)))"#,
    );
    let f = i.get_typed_func::<i32, i32>(&store, "f").unwrap();
    assert_eq!(
        f.call(&mut store, 1).unwrap_err().downcast_ref::<Trap>(),
        Some(&Trap::StackOverflow)
    );
    let g = i.get_typed_func::<(), i32>(&store, "g").unwrap();
    assert_eq!(g.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn accesses_at_the_end_of_memory_and_after_growing() {
    // Handlers compare with the length less 7 first and with the true length only past
    // that: every width at each address near the end, in the empty memory, one page and
    // two pages (the bound is reloaded by `memory.grow`).
    let mut store = Store::new(&engine(), 0);
    let i = instantiate(
        &mut store,
        r#"(module (memory 0)
            (func (export "grow") (result i32) (memory.grow (i32.const 1)))
            (func (export "l8") (param i32) (result i64) (i64.load8_u (local.get 0)))
            (func (export "l16") (param i32) (result i64) (i64.load16_u (local.get 0)))
            (func (export "l32") (param i32) (result i64) (i64.load32_u (local.get 0)))
            (func (export "l64") (param i32) (result i64) (i64.load (local.get 0)))
            (func (export "s8") (param i32) (result i64) (i64.store8 (local.get 0) (i64.const -1)) (i64.const 0))
            (func (export "s16") (param i32) (result i64) (i64.store16 (local.get 0) (i64.const -1)) (i64.const 0))
            (func (export "s32") (param i32) (result i64) (i64.store32 (local.get 0) (i64.const -1)) (i64.const 0))
            (func (export "s64") (param i32) (result i64) (i64.store (local.get 0) (i64.const -1)) (i64.const 0)))"#,
    );
    let grow = i.get_typed_func::<(), i32>(&store, "grow").unwrap();
    for pages in 0..3u32 {
        let len = pages as i64 * 65536;
        for (name, width) in [
            ("l8", 1),
            ("l16", 2),
            ("l32", 4),
            ("l64", 8),
            ("s8", 1),
            ("s16", 2),
            ("s32", 4),
            ("s64", 8),
        ] {
            let f = i.get_typed_func::<i32, i64>(&store, name).unwrap();
            for addr in (len - 10).max(0)..len + 2 {
                let ok = addr + width <= len;
                let r = f.call(&mut store, addr as i32);
                assert_eq!(r.is_ok(), ok, "{name} at {addr} of {len} bytes: {r:?}");
            }
        }
        assert_eq!(grow.call(&mut store, ()).unwrap(), pages as i32);
    }
}

/// An instance's memories, tables and globals live in its context: another instance
/// that imports them, the host and the owner all see one object, before and after it
/// grows; and an instantiation that fails part-way drops what it made and leaves the
/// store usable.
#[test]
fn instance_owned_entities_are_shared_and_dropped_with_it() {
    let mut store = Store::new(&engine(), 0);
    let a = instantiate(
        &mut store,
        r#"(module
            (memory (export "m") 1 3)
            (global (export "g") (mut i32) (i32.const 5))
            (table (export "t") 1 4 funcref)
            (func (export "grow") (result i32) (memory.grow (i32.const 1)))
            (func (export "peek") (result i32)
                (i32.add (i32.load (i32.const 65536)) (global.get 0))))"#,
    );
    let mut linker = Linker::new(store.engine());
    linker.instance(&mut store, "a", a).unwrap();
    let b = Module::new(
        store.engine(),
        r#"(module
            (import "a" "m" (memory 1))
            (import "a" "g" (global (mut i32)))
            (import "a" "t" (table 1 funcref))
            (func (export "poke") (result i32)
                (i32.store (i32.const 65536) (i32.const 100))
                (global.set 0 (i32.add (global.get 0) (i32.const 1)))
                (i32.add (memory.size) (table.grow (ref.null func) (i32.const 1)))))"#,
    )
    .unwrap();
    let b = linker.instantiate(&mut store, &b).unwrap();
    let grow = a.get_typed_func::<(), i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
    let poke = b.get_typed_func::<(), i32>(&store, "poke").unwrap();
    assert_eq!(poke.call(&mut store, ()).unwrap(), 2 + 1);
    let peek = a.get_typed_func::<(), i32>(&store, "peek").unwrap();
    assert_eq!(peek.call(&mut store, ()).unwrap(), 106);
    let g = a.get_global(&store, "g").unwrap();
    assert_eq!(g.get(&store).i32(), Some(6));
    let t = a.get_table(&store, "t").unwrap();
    assert_eq!(t.size(&store), 2);
    let m = a.get_memory(&store, "m").unwrap();
    assert_eq!(m.size(&store), 2);
    assert_eq!(m.data(&store)[65536], 100);

    // The table's minimum is over the limit: its memory and global were made first.
    let bad = Module::new(
        store.engine(),
        r#"(module (memory 1) (global i32 (i32.const 1)) (table 20000000 funcref))"#,
    )
    .unwrap();
    assert!(
        Linker::new(store.engine())
            .instantiate(&mut store, &bad)
            .is_err()
    );
    assert_eq!(peek.call(&mut store, ()).unwrap(), 106);
    let c = instantiate(&mut store, r#"(module (memory (export "m") 1))"#);
    let m = c.get_memory(&store, "m").unwrap();
    assert_eq!(m.size(&store), 1);
}
