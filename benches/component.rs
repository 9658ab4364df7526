//! Criterion benchmarks of component calls, per tier, on `benches/wasm/component.wat`:
//!
//! * `hostcall`: a typed `(u32, u32) -> u32` host import called in a loop by the guest
//!   (elements = calls: the host-call round trip);
//! * `string-lift`: the guest passes a 64 KiB string to a typed host import (bytes of
//!   string lifted into a Rust `String`);
//! * `list-lower`: the host passes a 1 MiB `list<u8>` to a typed export (bytes lowered
//!   into the component's memory).
//!
//! `cargo bench --bench component`; measure, do not assert. `benches/peers` compares
//! the same component with wasmtime's component API.

// `criterion_main!` defines an undocumented `pub fn main`.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;
use tierwasm::component::{Component, Linker, TypedFunc};
use tierwasm::{Config, Engine, Store, StoreContextMut, Tier};

const COMPONENT: &str = include_str!("wasm/component.wat");

fn tiers() -> Vec<(&'static str, Tier)> {
    let mut t = vec![("interp", Tier::Interp)];
    if cfg!(feature = "jit") {
        t.push(("jit", Tier::Jit));
    }
    t
}

struct Bench {
    store: Store<u64>,
    calls: TypedFunc<(u32,), (u32,)>,
    send: TypedFunc<(u32, u32), (u32,)>,
    sum: TypedFunc<(&'static [u8],), (u32,)>,
}

fn setup(tier: Tier) -> Bench {
    let mut config = Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let mut linker = Linker::<u64>::new(&engine);
    linker
        .root()
        .func_wrap("add", |_: StoreContextMut<'_, u64>, (a, b): (u32, u32)| {
            Ok((a.wrapping_add(b),))
        })
        .unwrap();
    linker
        .root()
        .func_wrap(
            "consume",
            |mut store: StoreContextMut<'_, u64>, (s,): (String,)| {
                *store.data_mut() += s.len() as u64;
                Ok((s.len() as u32,))
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    Bench {
        calls: instance.get_typed_func(&store, "calls").unwrap(),
        send: instance.get_typed_func(&store, "send").unwrap(),
        sum: instance.get_typed_func(&store, "sum").unwrap(),
        store,
    }
}

fn component_calls(c: &mut Criterion) {
    const CALLS: u32 = 10_000;
    const STRING: u32 = 64 << 10;
    const SENDS: u32 = 16;
    const LIST: usize = 1 << 20;
    for (name, tier) in tiers() {
        let mut b = setup(tier);
        let mut g = c.benchmark_group(format!("component-{name}"));
        g.sample_size(20).measurement_time(Duration::from_secs(3));
        g.throughput(Throughput::Elements(CALLS.into()));
        g.bench_function("hostcall (u32, u32) -> u32", |bench| {
            bench.iter(|| b.calls.call(&mut b.store, (CALLS,)).unwrap())
        });
        g.throughput(Throughput::Bytes(u64::from(STRING * SENDS)));
        g.bench_function("string-lift 64 KiB", |bench| {
            bench.iter(|| b.send.call(&mut b.store, (STRING, SENDS)).unwrap())
        });
        let data: &'static [u8] = (0..LIST).map(|i| i as u8).collect::<Vec<_>>().leak();
        g.throughput(Throughput::Bytes(LIST as u64));
        g.bench_function("list-lower 1 MiB", |bench| {
            bench.iter(|| b.sum.call(&mut b.store, (data,)).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, component_calls);
criterion_main!(benches);
