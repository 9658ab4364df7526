//! Criterion benchmarks of the Cranelift tier: compile throughput (MB/s of wasm code →
//! machine code, `Module::new` with every function compiled) for `big.wasm`, and
//! execution of the workloads in `benches/wasm` (sources in `benches/workloads`).
//! `benches/peers` compares the same with wasmtime, whose Cranelift is ours.
//!
//! `cargo bench --bench jit`; measure, do not assert.

// `criterion_main!` defines an undocumented `pub fn main`.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::Duration;
use tierwasm::{Config, Engine, Instance, Module, Store, Tier};

fn wasm_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/wasm")
}

fn engine() -> Engine {
    let mut c = Config::new();
    c.tier(Tier::Jit);
    Engine::new(&c).unwrap()
}

/// `(name, default n, checksum)` from `benches/wasm/expected.txt`.
fn workloads() -> Vec<(String, i32, i64)> {
    let text = std::fs::read_to_string(wasm_dir().join("expected.txt")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

fn compilation(c: &mut Criterion) {
    let bytes = std::fs::read(wasm_dir().join("big.wasm")).unwrap();
    let engine = engine();
    let code_bytes = Module::new(&engine, &bytes).unwrap().code_size();
    let mut g = c.benchmark_group("compile-jit");
    g.throughput(Throughput::Bytes(code_bytes as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("big: wasm code -> machine code", |b| {
        b.iter(|| Module::new(&engine, &bytes).unwrap())
    });
    g.finish();
}

fn execution(c: &mut Criterion) {
    let engine = engine();
    let mut g = c.benchmark_group("execute-jit");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for (name, n, sum) in workloads() {
        let bytes = std::fs::read(wasm_dir().join(format!("{name}.wasm"))).unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance
            .get_typed_func::<i32, i64>(&mut store, "run")
            .unwrap();
        // The default sizes, as `benches/peers` runs them: the checksum is checked once.
        assert_eq!(
            run.call(&mut store, n).unwrap(),
            sum,
            "{name}: wrong result"
        );
        g.bench_function(&name, |b| b.iter(|| run.call(&mut store, n).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, compilation, execution);
criterion_main!(benches);
