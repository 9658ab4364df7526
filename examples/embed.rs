//! Embedding tierwasm: a module that imports a host function, host state in the store,
//! a typed call, a dynamic call, traps, and fuel.
//!
//! `cargo run --release --example embed`

use tierwasm::{Caller, Config, Engine, Linker, Module, Store, Trap, Val};

const WAT: &str = r#"
(module
  (import "host" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (func (export "sum_to") (param $n i32) (result i64)
    (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
      (call $log (local.get $n))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
"#;

fn main() -> anyhow::Result<()> {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(&engine, WAT)?;

    // The store owns everything wasm touches, plus our own data: here, a call counter.
    let mut store = Store::new(&engine, 0u32);
    store.set_fuel(10_000)?;

    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "log", |mut caller: Caller<'_, u32>, _n: i32| {
        *caller.data_mut() += 1;
    })?;
    let instance = linker.instantiate(&mut store, &module)?;

    // Typed call: parameter and result types are checked once, here.
    let sum_to = instance.get_typed_func::<i32, i64>(&mut store, "sum_to")?;
    println!("sum_to(100) = {}", sum_to.call(&mut store, 100)?);
    println!("host calls: {}", store.data());

    // Dynamic call with `Val`s.
    let div = instance.get_func(&mut store, "div").expect("exported");
    let mut result = [Val::I32(0)];
    div.call(&mut store, &[Val::I32(7), Val::I32(2)], &mut result)?;
    println!("div(7, 2) = {:?}", result[0].i32());

    // A trap is an error with a `Trap` inside; the store stays usable.
    let err = div
        .call(&mut store, &[Val::I32(1), Val::I32(0)], &mut result)
        .unwrap_err();
    println!(
        "div(1, 0) trapped: {}",
        err.downcast_ref::<Trap>().expect("a trap")
    );

    // Running out of fuel traps too.
    let err = sum_to.call(&mut store, 1_000_000).unwrap_err();
    println!("sum_to(1000000): {err}; fuel left {}", store.get_fuel()?);
    Ok(())
}
