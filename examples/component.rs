//! Embedding a component: host functions over Rust types (`func_wrap`) and over
//! dynamic values (`func_new`), typed calls (`get_typed_func`) and dynamic calls
//! (`Func::call` with `Val`s) of exports that take and return strings, lists and
//! records.
//!
//! `cargo run --release --example component -- [--tier interp|jit|auto]`
//!
//! The component is `examples/greeter.wat`. The output is the same on every tier.

use anyhow::Result;
use tierwasm::component::{Component, Linker, Val};
use tierwasm::{Config, Engine, Store, StoreContextMut, Tier};

/// Runs the example on `tier` and returns what it prints.
pub fn run(tier: Tier) -> Result<String> {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config)?;
    let component = Component::new(&engine, include_str!("greeter.wat"))?;

    // The store's data is the log the component writes to.
    let mut linker = Linker::<Vec<String>>::new(&engine);
    // A typed host function: parameters and results are Rust tuples.
    linker.root().func_wrap(
        "log",
        |mut store: StoreContextMut<'_, Vec<String>>, (msg,): (String,)| {
            store.data_mut().push(msg);
            Ok(())
        },
    )?;
    // A dynamic host function: it gets and returns `Val`s.
    linker
        .root()
        .func_new("decorate", |_store, params, results| {
            let Val::String(word) = &params[0] else {
                anyhow::bail!("decorate expects a string");
            };
            results[0] = Val::String(format!("*{word}*"));
            Ok(())
        })?;

    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component)?;
    let mut out = String::new();

    // Typed calls.
    let greet = instance.get_typed_func::<(&str,), (String,)>(&store, "greet")?;
    for name in ["world", "Wasm ☃"] {
        let (greeting,) = greet.call(&mut store, (name,))?;
        out += &format!("greet({name:?}) = {greeting:?}\n");
    }
    let words = instance.get_typed_func::<(&str,), (Vec<String>,)>(&store, "words")?;
    let (w,) = words.call(&mut store, ("the quick  brown fox",))?;
    out += &format!("words = {w:?}\n");

    // Dynamic calls with records.
    let person = |name: &str, age: u32| {
        Val::Record(vec![
            ("name".into(), Val::String(name.into())),
            ("age".into(), Val::U32(age)),
        ])
    };
    let people = Val::List(vec![
        person("Ada", 36),
        person("Grace", 85),
        person("Alan", 41),
    ]);
    let mut result = [Val::Bool(false)];
    instance
        .get_func(&store, "total-age")
        .expect("exported")
        .call(&mut store, std::slice::from_ref(&people), &mut result)?;
    out += &format!("total-age = {}\n", result[0]);
    instance
        .get_func(&store, "oldest")
        .expect("exported")
        .call(&mut store, &[people], &mut result)?;
    out += &format!("oldest = {}\n", result[0]);

    out += &format!("log = {:?}\n", store.data());
    Ok(out)
}

#[allow(
    dead_code,
    reason = "tests/examples.rs includes this file and calls `run`, not `main`"
)]
fn main() -> Result<()> {
    let mut tier = Tier::Auto;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tier" => tier = args.next().unwrap_or_default().parse()?,
            other => anyhow::bail!(
                "unknown argument `{other}` (usage: component [--tier interp|jit|auto])"
            ),
        }
    }
    print!("{}", run(tier)?);
    Ok(())
}
