//! `component-peers`: the component benchmarks of `benches/wasm/component.wat` on
//! tierwasm (interpreter and JIT) and wasmtime 48 (its component API, Cranelift), in one
//! process, engines taking turns run by run:
//!
//! * `hostcall`: the guest calls a typed `(u32, u32) -> u32` host import in a loop
//!   (ns per call, round trip);
//! * `string-lift`: the guest passes a 64 KiB string to a typed host import that takes
//!   a `String` (MB/s of string lifted);
//! * `list-lower`: the host passes a 1 MiB `list<u8>` to a typed export (MB/s lowered).
//!
//! Both engines run post-return automatically and typecheck once, up front.
//! `cargo run --release --bin component-peers -- [--runs K]`

use anyhow::{Context, Result, anyhow, bail};
use std::time::Instant;

const CALLS: u32 = 200_000;
const STRING: u32 = 64 << 10;
const SENDS: u32 = 64;
const LIST: usize = 1 << 20;

/// One engine's instance of the benchmark component.
trait Bench {
    fn name(&self) -> &'static str;
    fn calls(&mut self, n: u32) -> Result<u32>;
    fn send(&mut self, len: u32, n: u32) -> Result<u32>;
    fn sum(&mut self, data: &[u8]) -> Result<u32>;
}

fn component_text() -> Result<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm/component.wat");
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    Ok(wat::parse_str(&text)?)
}

mod tier {
    use super::*;
    use tierwasm::component::{Component, Linker, TypedFunc};
    use tierwasm::{Config, Engine, Store, StoreContextMut, Tier};

    pub struct Tierwasm {
        name: &'static str,
        store: Store<u64>,
        calls: TypedFunc<(u32,), (u32,)>,
        send: TypedFunc<(u32, u32), (u32,)>,
        sum: TypedFunc<(&'static [u8],), (u32,)>,
    }

    impl Tierwasm {
        pub fn new(tier: Tier, name: &'static str, bytes: &[u8]) -> Result<Tierwasm> {
            let mut config = Config::new();
            config.tier(tier);
            let engine = Engine::new(&config)?;
            let component = Component::from_binary(&engine, bytes)?;
            let mut linker = Linker::<u64>::new(&engine);
            linker
                .root()
                .func_wrap("add", |_: StoreContextMut<'_, u64>, (a, b): (u32, u32)| {
                    Ok((a.wrapping_add(b),))
                })?;
            linker.root().func_wrap(
                "consume",
                |mut store: StoreContextMut<'_, u64>, (s,): (String,)| {
                    *store.data_mut() += s.len() as u64;
                    Ok((s.len() as u32,))
                },
            )?;
            let mut store = Store::new(&engine, 0);
            let instance = linker.instantiate(&mut store, &component)?;
            Ok(Tierwasm {
                name,
                calls: instance.get_typed_func(&store, "calls")?,
                send: instance.get_typed_func(&store, "send")?,
                sum: instance.get_typed_func(&store, "sum")?,
                store,
            })
        }
    }

    impl Bench for Tierwasm {
        fn name(&self) -> &'static str {
            self.name
        }
        fn calls(&mut self, n: u32) -> Result<u32> {
            Ok(self.calls.call(&mut self.store, (n,))?.0)
        }
        fn send(&mut self, len: u32, n: u32) -> Result<u32> {
            Ok(self.send.call(&mut self.store, (len, n))?.0)
        }
        fn sum(&mut self, data: &[u8]) -> Result<u32> {
            Ok(self.sum.call(&mut self.store, (leaked(data),))?.0)
        }
    }
}

mod wt {
    use super::*;
    use wasmtime::component::{Component, Linker, TypedFunc};
    use wasmtime::{Engine, Store, StoreContextMut};

    fn err(e: wasmtime::Error) -> anyhow::Error {
        anyhow!("{e:?}")
    }

    pub struct Wasmtime {
        store: Store<u64>,
        calls: TypedFunc<(u32,), (u32,)>,
        send: TypedFunc<(u32, u32), (u32,)>,
        sum: TypedFunc<(&'static [u8],), (u32,)>,
    }

    impl Wasmtime {
        pub fn new(bytes: &[u8]) -> Result<Wasmtime> {
            let engine = Engine::default();
            let component = Component::new(&engine, bytes).map_err(err)?;
            let mut linker = Linker::<u64>::new(&engine);
            linker
                .root()
                .func_wrap("add", |_: StoreContextMut<'_, u64>, (a, b): (u32, u32)| {
                    Ok((a.wrapping_add(b),))
                })
                .map_err(err)?;
            linker
                .root()
                .func_wrap(
                    "consume",
                    |mut store: StoreContextMut<'_, u64>, (s,): (String,)| {
                        *store.data_mut() += s.len() as u64;
                        Ok((s.len() as u32,))
                    },
                )
                .map_err(err)?;
            let mut store = Store::new(&engine, 0);
            let instance = linker.instantiate(&mut store, &component).map_err(err)?;
            Ok(Wasmtime {
                calls: instance.get_typed_func(&mut store, "calls").map_err(err)?,
                send: instance.get_typed_func(&mut store, "send").map_err(err)?,
                sum: instance.get_typed_func(&mut store, "sum").map_err(err)?,
                store,
            })
        }
    }

    impl Bench for Wasmtime {
        fn name(&self) -> &'static str {
            "wasmtime"
        }
        fn calls(&mut self, n: u32) -> Result<u32> {
            Ok(self.calls.call(&mut self.store, (n,)).map_err(err)?.0)
        }
        fn send(&mut self, len: u32, n: u32) -> Result<u32> {
            Ok(self.send.call(&mut self.store, (len, n)).map_err(err)?.0)
        }
        fn sum(&mut self, data: &[u8]) -> Result<u32> {
            Ok(self
                .sum
                .call(&mut self.store, (leaked(data),))
                .map_err(err)?
                .0)
        }
    }
}

/// The typed functions take a `&'static [u8]`: one leaked copy of the benchmark's list
/// (always the same), shared by the engines.
fn leaked(data: &[u8]) -> &'static [u8] {
    use std::sync::OnceLock;
    static BUF: OnceLock<&'static [u8]> = OnceLock::new();
    let b = BUF.get_or_init(|| data.to_vec().leak());
    assert_eq!(b.len(), data.len());
    b
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<()> {
    let mut runs = 7usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().context("--runs needs a value")?.parse()?,
            "-h" | "--help" => {
                println!("usage: component-peers [--runs K]");
                return Ok(());
            }
            other => bail!("unknown argument `{other}`"),
        }
    }
    let bytes = component_text()?;
    let mut benches: Vec<Box<dyn Bench>> = vec![
        Box::new(wt::Wasmtime::new(&bytes)?),
        Box::new(tier::Tierwasm::new(
            tierwasm::Tier::Jit,
            "tierwasm-jit",
            &bytes,
        )?),
        Box::new(tier::Tierwasm::new(
            tierwasm::Tier::Interp,
            "tierwasm",
            &bytes,
        )?),
    ];
    let data: Vec<u8> = (0..LIST).map(|i| i as u8).collect();
    let want_sum: u32 = data.iter().step_by(4096).map(|&b| u32::from(b)).sum();
    // Warm up and check that every engine computes the same.
    for b in &mut benches {
        let calls = b.calls(CALLS)?;
        let sent = b.send(STRING, SENDS)?;
        let sum = b.sum(&data)?;
        if sent != STRING * SENDS || sum != want_sum {
            bail!("{}: wrong results ({calls}, {sent}, {sum})", b.name());
        }
    }
    let names: Vec<&str> = benches.iter().map(|b| b.name()).collect();
    let mut times: Vec<[Vec<f64>; 3]> = names.iter().map(|_| Default::default()).collect();
    for _ in 0..runs {
        for (i, b) in benches.iter_mut().enumerate() {
            let t = Instant::now();
            b.calls(CALLS)?;
            times[i][0].push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            b.send(STRING, SENDS)?;
            times[i][1].push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            b.sum(&data)?;
            times[i][2].push(t.elapsed().as_secs_f64());
        }
    }
    println!(
        "component calls, median of {runs} runs, engines taking turns; ratio = median of per-run ratios to wasmtime (< 1 = faster)"
    );
    println!(
        "{:<14} {:>14} {:>8} {:>16} {:>8} {:>16} {:>8}",
        "engine", "hostcall ns", "ratio", "string-lift MB/s", "ratio", "list-lower MB/s", "ratio"
    );
    for (i, name) in names.iter().enumerate() {
        let ratio = |k: usize| {
            median(
                times[i][k]
                    .iter()
                    .zip(&times[0][k])
                    .map(|(a, b)| a / b)
                    .collect(),
            )
        };
        let ns = median(times[i][0].clone()) * 1e9 / f64::from(CALLS);
        let lift = f64::from(STRING * SENDS) / median(times[i][1].clone()) / 1e6;
        let lower = LIST as f64 / median(times[i][2].clone()) / 1e6;
        println!(
            "{name:<14} {ns:>14.1} {:>8.2} {lift:>16.0} {:>8.2} {lower:>16.0} {:>8.2}",
            ratio(0),
            ratio(1),
            ratio(2)
        );
    }
    Ok(())
}
