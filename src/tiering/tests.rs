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
    let f = instance
        .get_typed_func::<i32, i32>(&mut store, "f")
        .unwrap();
    let g = instance
        .get_typed_func::<i32, i32>(&mut store, "g")
        .unwrap();
    let h = instance
        .get_typed_func::<i32, i32>(&mut store, "h")
        .unwrap();
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
    let compiled = crate::jit::compile_module(
        &inner.info,
        &inner.offsets,
        &inner.sig_ids,
        &crate::jit::JitOptions { fuel: false },
        |d| d == 0,
    )
    .unwrap();
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
            select,
        )
        .unwrap()
    };
    let g_only = compile(|d| d == 1);
    publish(&inner.tiers.slots, &inner.info, &g_only);
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let g = instance
        .get_typed_func::<i32, i32>(&mut store, "g")
        .unwrap();
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
