//! The compile target: arbitrary bytes, and valid modules and components truncated or
//! with bytes changed, into `Module::new`, `Component::new` and instantiation on every
//! tier. Any result is fine; a panic is a bug.

use super::Verdict;
use arbitrary::Unstructured;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use tierwasm::{Config, Engine, Linker, Module, Store, Tier};

/// Components made by real tools, with nested core modules: the seeds of the component
/// mutations.
const COMPONENTS: &[&[u8]] = &[
    include_bytes!("../component/greeter.wasm"),
    include_bytes!("../component/joiner.wasm"),
];

/// What the last panic said and where (the panic hook writes it; the target reports it).
pub static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Records panics in [`LAST_PANIC`] instead of printing them (for the `cargo test` runs,
/// which catch them and report each as a failure).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg}{at}"));
    }));
}

/// The engines bytes are compiled on.
pub struct Engines(Vec<Engine>);

impl Engines {
    /// The interpreter and (with the `jit` feature) the JIT, with fuel so that start
    /// functions end.
    pub fn new() -> Engines {
        let mut tiers = vec![Tier::Interp];
        if cfg!(feature = "jit") {
            tiers.push(Tier::Jit);
        }
        Engines(
            tiers
                .into_iter()
                .map(|t| {
                    let mut c = Config::new();
                    c.tier(t).consume_fuel(true).eager_translation(true);
                    Engine::new(&c).expect("engine")
                })
                .collect(),
        )
    }
}

/// Compiles and instantiates `wasm` as a module and as a component on every engine.
fn compile_all(engines: &Engines, wasm: &[u8]) {
    for engine in &engines.0 {
        if let Ok(module) = Module::new(engine, wasm) {
            let mut store = Store::new(engine, ());
            store.set_fuel(100_000).expect("fuel");
            let _ = Linker::new(engine).instantiate(&mut store, &module);
        }
        #[cfg(feature = "component")]
        if let Ok(component) = tierwasm::component::Component::new(engine, wasm) {
            let mut store = Store::new(engine, ());
            store.set_fuel(100_000).expect("fuel");
            let _ = tierwasm::component::Linker::new(engine).instantiate(&mut store, &component);
        }
    }
}

/// The compile target. The first byte picks: raw bytes; a wasm-smith module truncated;
/// one with bytes changed; a component truncated; a component with bytes changed.
pub fn compile_target(engines: &Engines, data: &[u8]) -> Verdict {
    let Some((&mode, rest)) = data.split_first() else {
        return Verdict::Skip;
    };
    let mut u = Unstructured::new(rest);
    let (wasm, bug) = match mode % 5 {
        0 => (rest.to_vec(), None),
        1 | 2 => {
            let Some(m) = super::modules::smith_module(rest) else {
                return Verdict::Skip;
            };
            (mutate(&mut u, m, mode % 5 == 1), None)
        }
        _ => {
            let Ok(seed) = u.choose(COMPONENTS) else {
                return Verdict::Skip;
            };
            // A truncated component is what known bug 2 panics on.
            let truncate = mode % 5 == 3;
            (
                mutate(&mut u, seed.to_vec(), truncate),
                truncate.then_some(2),
            )
        }
    };
    no_panic(engines, &wasm, bug)
}

/// Compiles and instantiates `wasm` every way; a panic is a failure (or a hit of known
/// bug 2, when `bug` says the input aims at it and the panic is in the component parser).
pub fn no_panic(engines: &Engines, wasm: &[u8], bug: Option<u32>) -> Verdict {
    match catch_unwind(AssertUnwindSafe(|| compile_all(engines, wasm))) {
        Ok(()) => Verdict::Pass,
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| "panic".into());
            // Bug 2 is a panic in the component parser; any other panic is a failure.
            let bug = bug.filter(|_| msg.contains("src/component/parse.rs"));
            Verdict::Fail(format!("panicked: {msg}")).aimed_at(bug)
        }
    }
}

/// `wasm` cut at a random length (`truncate`), or with a few bytes changed.
fn mutate(u: &mut Unstructured, mut wasm: Vec<u8>, truncate: bool) -> Vec<u8> {
    if truncate {
        let len = u.int_in_range(0..=wasm.len()).unwrap_or(0);
        wasm.truncate(len);
    } else {
        let n = u.int_in_range(1..=4).unwrap_or(1);
        for _ in 0..n {
            let at = u
                .int_in_range(0..=wasm.len().saturating_sub(1))
                .unwrap_or(0);
            let b = u.arbitrary::<u8>().unwrap_or(0xff);
            if let Some(x) = wasm.get_mut(at) {
                *x = b;
            }
        }
    }
    wasm
}
