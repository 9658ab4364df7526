//! The translation tables: compile (`Module::new`) of the `big` module with its
//! instantiate and first `run(1)`, and compile of every workload with ratios and
//! geometric means.
//!
//! Every sample comes from a fresh child process (`peers --compile-probe ENGINE
//! WORKLOAD`) that loads only that workload, compiles it once untimed and then once
//! timed. Inside one process the engines would share one rayon pool (tierwasm-jit and
//! wasmtime's `parallel-compilation` both compile on rayon's global pool), one
//! allocator and one process CPU clock, and small modules' wall ratios swung from 0.96
//! to 1.39 between runs. The untimed compile pays for what a long-lived embedder pays
//! once (pool start-up, lazy statics, allocator growth; both engines keep their
//! compile contexts between modules). Engines still take turns run by run.

use crate::report::{Table, fmt_ms, fmt_rate, median_ratio, summarize};
use crate::{Options, Workload, check, geomean_row, load_one, make_peer, probe_field, run_child};
use anyhow::{Context, Result, bail};
use std::time::{Duration, Instant};

/// Length of the code section (id 10) of a wasm module, if it has one.
fn code_section_len(wasm: &[u8]) -> Option<usize> {
    fn leb(bytes: &[u8], pos: &mut usize) -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = *bytes.get(*pos)?;
            *pos += 1;
            v |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let len = leb(wasm, &mut pos)?;
        if id == 10 {
            return Some(len);
        }
        pos = pos.checked_add(len)?;
    }
    None
}

/// CPU time this process has used so far, summed over its threads.
fn process_cpu_time() -> Result<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_PROCESS_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        bail!(
            "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// `--compile-probe ENGINE WORKLOAD [--first-run]`, the child side: one untimed
/// compile, one timed compile (wall, and CPU of all this process's threads), and with
/// `first_run` the instantiate and first `run(1)` of the timed module. Prints one line,
/// `compile_probe wall_ns=… cpu_ns=…[ instantiate_ns=… first_run_ns=… first_run=…]`.
pub fn compile_probe(o: &Options, engine: &str, workload: &str, first_run: bool) -> Result<()> {
    let peer = make_peer(engine)?;
    let w = load_one(o, workload)?;
    let ctx = || format!("{engine} compiling {workload}");
    drop(peer.compile(&w.wasm).with_context(ctx)?);
    let (t0, c0) = (Instant::now(), process_cpu_time()?);
    let compiled = peer.compile(&w.wasm).with_context(ctx)?;
    let (wall, cpu) = (t0.elapsed(), process_cpu_time()? - c0);
    let mut line = format!(
        "compile_probe wall_ns={} cpu_ns={}",
        wall.as_nanos(),
        cpu.as_nanos()
    );
    if first_run {
        let ctx = || format!("{engine} on {workload}");
        let t1 = Instant::now();
        let mut instance = compiled.instantiate().with_context(ctx)?;
        let t2 = Instant::now();
        let got = instance.run(1).with_context(ctx)?;
        let t3 = Instant::now();
        line += &format!(
            " instantiate_ns={} first_run_ns={} first_run={got}",
            (t2 - t1).as_nanos(),
            (t3 - t2).as_nanos()
        );
    }
    println!("{line}");
    Ok(())
}

/// A duration in nanoseconds from a probe's output.
fn probe_ns(stdout: &str, key: &str) -> Result<Duration> {
    Ok(Duration::from_nanos(probe_field(stdout, key)?))
}

/// One engine's samples in the translation tables, one per run.
#[derive(Default)]
struct CompileSamples {
    compile: Vec<Duration>,
    compile_cpu: Vec<Duration>,
    instantiate: Vec<Duration>,
    first: Vec<Duration>,
}

/// `o.runs` rounds in which each engine of `o.engines`, in turn, compiles `w` in a
/// fresh child process; with `first_run` the children also instantiate and call
/// `run(1)`, whose results must agree across engines and runs.
fn compile_samples(o: &Options, w: &Workload, first_run: bool) -> Result<Vec<CompileSamples>> {
    let mut samples: Vec<CompileSamples> = o.engines.iter().map(|_| Default::default()).collect();
    // `run(1)` has no checksum in expected.txt, so only agreement is checked.
    let at_one = Workload {
        name: w.name.clone(),
        n: 1,
        expected: None,
        wasm: Vec::new(),
    };
    let mut agreed = None;
    for _ in 0..o.runs {
        for (engine, s) in o.engines.iter().zip(&mut samples) {
            let mut args = vec!["--compile-probe", engine, &w.name];
            if first_run {
                args.push("--first-run");
            }
            let what = format!("compile probe of {engine} on {}", w.name);
            let out = run_child(o, &args, &what)?;
            s.compile.push(probe_ns(&out, "wall_ns")?);
            s.compile_cpu.push(probe_ns(&out, "cpu_ns")?);
            if first_run {
                s.instantiate.push(probe_ns(&out, "instantiate_ns")?);
                s.first.push(probe_ns(&out, "first_run_ns")?);
                check(
                    engine,
                    &at_one,
                    probe_field(&out, "first_run")?,
                    &mut agreed,
                )?;
            }
        }
    }
    Ok(samples)
}

/// The translation table of `w` (the `big` module): per engine the medians of compile
/// wall and CPU time, instantiate time, throughput and the first `run(1)`.
pub fn compile_table(o: &Options, w: &Workload) -> Result<()> {
    let mb = w.wasm.len() as f64 / 1e6;
    let code = code_section_len(&w.wasm).unwrap_or(0);
    println!();
    println!(
        "translation: `{}` ({} bytes, code section {} bytes), median of {} runs, each a fresh \
         child process per engine (engines taking turns run by run) timed after one untimed \
         warm-up compile in that process; compile = wall time with every engine on all \
         cores, compile CPU = CPU time of all threads during compile; MB/s = bytes / \
         (compile + instantiate); first run(1) includes what a lazy engine translates on \
         first use",
        w.name,
        w.wasm.len(),
        code,
        o.runs
    );
    let headers: Vec<String> = [
        "engine",
        "compile ms",
        "compile CPU ms",
        "instantiate ms",
        "MB/s",
        "code MB/s",
        "first run(1) ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let samples = compile_samples(o, w, true)?;
    let table = Table::new(&headers);
    for (engine, s) in o.engines.iter().zip(samples) {
        let total: Vec<Duration> = s
            .compile
            .iter()
            .zip(&s.instantiate)
            .map(|(c, i)| *c + *i)
            .collect();
        let total = summarize(total).median.as_secs_f64();
        table.row(&[
            engine.clone(),
            fmt_ms(summarize(s.compile).median),
            fmt_ms(summarize(s.compile_cpu).median),
            fmt_ms(summarize(s.instantiate).median),
            fmt_rate(mb / total),
            fmt_rate(code as f64 / 1e6 / total),
            fmt_ms(summarize(s.first).median),
        ]);
    }
    Ok(())
}

/// Compile (`Module::new`) wall and CPU time of every workload on every engine,
/// engines taking turns run by run, each sample from a fresh child process; ratios to
/// the first engine, closed by their geometric means: the compile-speed summary over
/// all workloads.
pub fn compile_all_table(o: &Options, workloads: &[Workload]) -> Result<()> {
    let engines = &o.engines;
    let base = &engines[0];
    println!();
    println!(
        "compile, every workload: median of {} runs of module creation, each a fresh child \
         process per engine (engines taking turns run by run) timed after one untimed \
         warm-up compile in that process; wall = with every engine on all cores, CPU = CPU \
         time of all threads; ratio = median of the per-run ratios (< 1 = less than {base})",
        o.runs
    );
    let mut headers = vec!["workload".to_string(), "code KB".to_string()];
    for e in engines {
        headers.push(format!("{e} wall"));
        headers.push(format!("{e} CPU"));
    }
    for e in &engines[1..] {
        headers.push(format!("{e}/{base} wall"));
        headers.push(format!("{e}/{base} CPU"));
    }
    let table = Table::new(&headers);
    let mut log_ratios: Vec<Vec<f64>> = vec![Vec::new(); 2 * (engines.len() - 1)];
    for w in workloads {
        let samples = compile_samples(o, w, false)?;
        let code = code_section_len(&w.wasm).unwrap_or(0);
        let mut cells = vec![w.name.clone(), format!("{}", code / 1000)];
        for s in &samples {
            cells.push(fmt_ms(summarize(s.compile.clone()).median));
            cells.push(fmt_ms(summarize(s.compile_cpu.clone()).median));
        }
        for (i, s) in samples.iter().enumerate().skip(1) {
            let base = &samples[0];
            for (k, (a, b)) in [
                (&s.compile, &base.compile),
                (&s.compile_cpu, &base.compile_cpu),
            ]
            .into_iter()
            .enumerate()
            {
                let ratio = median_ratio(a, b);
                log_ratios[2 * (i - 1) + k].push(ratio.ln());
                cells.push(format!("{ratio:.2}"));
            }
        }
        table.row(&cells);
    }
    if engines.len() > 1 && !workloads.is_empty() {
        geomean_row(&table, 2 + 2 * engines.len(), &log_ratios);
    }
    Ok(())
}
