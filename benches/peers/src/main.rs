//! `peers`: runs the benchmark workloads in `benches/wasm/` on tierwasm and on
//! other engines, checks every checksum against `expected.txt`, and prints
//! side-by-side tables:
//!
//! - execution: median and min of K timed calls of `run(n)` per engine (after
//!   one warm-up call that also pays for lazy translation), the ratio of each
//!   engine to the first (the baseline; `< 1` means faster than it), their
//!   geometric mean, and each engine's peak resident memory, measured in a
//!   fresh child process (`peers --rss ENGINE WORKLOAD`) per engine;
//! - translation: compile (`Module::new`) and instantiate times of the `big`
//!   module per engine, and the throughput in MB/s of wasm bytes.
//!
//! Engines are [`peer::Peer`]s; adding one is a file like `wasmi_engine.rs` and
//! a line in [`make_peer`].

mod peer;
mod report;
mod rows;
#[cfg(feature = "tierwasm")]
mod tierwasm_engine;
mod wasmi_engine;
#[cfg(feature = "wasmtime")]
mod wasmtime_engine;

use anyhow::{Context, Result, bail};
use peer::{Compiled, Peer};
use report::{Table, Timing, fmt_ms, fmt_rate, median_ratio, peak_rss_kib, summarize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Every engine `--engines` accepts, in column order.
const ALL_ENGINES: &[&str] = &[
    "wasmi",
    "wasmi-eager",
    #[cfg(feature = "tierwasm")]
    "tierwasm",
    #[cfg(feature = "wasmtime")]
    "wasmtime",
    #[cfg(feature = "tierwasm")]
    "tierwasm-jit",
    #[cfg(feature = "tierwasm")]
    "tierwasm-auto",
];

/// The engines compared when `--engines` is not given; the first is the
/// baseline of the ratios.
const DEFAULT_ENGINES: &[&str] = &[
    "wasmi",
    #[cfg(feature = "tierwasm")]
    "tierwasm",
];

/// The module whose compile time the translation table reports.
const BIG: &str = "big";

fn make_peer(name: &str) -> Result<Box<dyn Peer>> {
    Ok(match name {
        "wasmi" => Box::new(wasmi_engine::Wasmi::lazy()),
        "wasmi-eager" => Box::new(wasmi_engine::Wasmi::eager()),
        #[cfg(feature = "tierwasm")]
        "tierwasm" => Box::new(tierwasm_engine::Tierwasm::interp()?),
        #[cfg(feature = "tierwasm")]
        "tierwasm-jit" => Box::new(tierwasm_engine::Tierwasm::jit()?),
        #[cfg(feature = "tierwasm")]
        "tierwasm-auto" => Box::new(tierwasm_engine::Tierwasm::auto()?),
        #[cfg(feature = "wasmtime")]
        "wasmtime" => Box::new(wasmtime_engine::Wasmtime::new()?),
        _ => bail!(
            "unknown engine `{name}` (known: {})",
            ALL_ENGINES.join(", ")
        ),
    })
}

const USAGE: &str = "\
usage: peers [OPTIONS]
       peers --rss ENGINE WORKLOAD [--n N] [--wasm-dir DIR]

options:
  --runs K           timed runs per engine and workload (default 5)
  --workload NAME    only this workload (repeatable)
  --n N              call run(N) instead of the default n from expected.txt
                     (checksums are then only compared across engines)
  --engines A,B,...  engines to compare, first is the baseline
                     (default: DEFAULTS; known: KNOWN)
  --wasm-dir DIR     where the modules and expected.txt are (default ../wasm)
  --no-rss           skip the peak-memory columns (one child process each)
  --no-compile       skip the translation tables
  --rss ENGINE WORKLOAD
                     run one workload once on one engine in this process and
                     print its peak resident memory (VmHWM) in KiB

rows mode (instead of the execution and translation tables):
  --rows KINDS       the rows of ROWS_FILE of these kinds (startup,quick,long
                     or all): each cell times module creation + instantiation
                     + one call of run(n), from scratch; engines default to
                     ROWS_ENGINES, ratios are the first engine's over each other
  --rows-file FILE   the row list (default rows.txt beside Cargo.toml)
";

#[derive(Clone)]
struct Options {
    runs: usize,
    workloads: Vec<String>,
    n: Option<i32>,
    engines: Vec<String>,
    wasm_dir: PathBuf,
    rss: bool,
    compile: bool,
    rss_probe: Option<(String, String)>,
    /// `--rows`: the kinds of rows to run (rows mode), and where they are listed.
    rows: Option<Vec<String>>,
    rows_file: PathBuf,
    /// Whether `--engines` was given (rows mode has its own default).
    engines_given: bool,
}

fn parse_args() -> Result<Options> {
    let mut o = Options {
        runs: 5,
        workloads: Vec::new(),
        n: None,
        engines: DEFAULT_ENGINES.iter().map(|s| s.to_string()).collect(),
        wasm_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm")),
        rss: true,
        compile: true,
        rss_probe: None,
        rows: None,
        rows_file: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/rows.txt")),
        engines_given: false,
    };
    let mut args = std::env::args().skip(1);
    let value = |args: &mut dyn Iterator<Item = String>, flag: &str| {
        args.next().with_context(|| format!("{flag} needs a value"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => o.runs = value(&mut args, &arg)?.parse().context("--runs")?,
            "--workload" => o.workloads.push(value(&mut args, &arg)?),
            "--n" => o.n = Some(value(&mut args, &arg)?.parse().context("--n")?),
            "--engines" => {
                o.engines = value(&mut args, &arg)?
                    .split(',')
                    .map(str::to_string)
                    .collect();
                o.engines_given = true;
            }
            "--rows" => o.rows = Some(rows::parse_kinds(&value(&mut args, &arg)?)?),
            "--rows-file" => o.rows_file = value(&mut args, &arg)?.into(),
            "--wasm-dir" => o.wasm_dir = value(&mut args, &arg)?.into(),
            "--no-rss" => o.rss = false,
            "--no-compile" => o.compile = false,
            "--rss" => {
                let engine = value(&mut args, &arg)?;
                let workload = value(&mut args, &arg)?;
                o.rss_probe = Some((engine, workload));
            }
            "-h" | "--help" => {
                print!(
                    "{}",
                    USAGE
                        .replace("DEFAULTS", &DEFAULT_ENGINES.join(","))
                        .replace("KNOWN", &ALL_ENGINES.join(","))
                        .replace("ROWS_ENGINES", &rows::DEFAULT_ENGINES.join(","))
                );
                std::process::exit(0);
            }
            _ => bail!("unknown argument `{arg}`\n\n{USAGE}"),
        }
    }
    if o.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if o.rows.is_some() && !o.engines_given {
        o.engines = rows::DEFAULT_ENGINES
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    for e in &o.engines {
        if !ALL_ENGINES.contains(&e.as_str()) {
            bail!("unknown engine `{e}` (known: {})", ALL_ENGINES.join(", "));
        }
    }
    Ok(o)
}

/// One module of `benches/wasm` with the n to call it with.
struct Workload {
    name: String,
    n: i32,
    /// The checksum `run(n)` must return, when n is the one expected.txt has.
    expected: Option<i64>,
    wasm: Vec<u8>,
}

fn load_workloads(o: &Options) -> Result<Vec<Workload>> {
    let list = o.wasm_dir.join("expected.txt");
    let text =
        std::fs::read_to_string(&list).with_context(|| format!("reading {}", list.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() || fields[0].starts_with('#') {
            continue;
        }
        let [name, n, sum] = fields[..] else {
            bail!("{}:{}: expected `name n checksum`", list.display(), i + 1);
        };
        if !o.workloads.is_empty() && !o.workloads.iter().any(|w| w == name) {
            continue;
        }
        let default_n: i32 = n
            .parse()
            .with_context(|| format!("{}:{}", list.display(), i + 1))?;
        let sum: i64 = sum
            .parse()
            .with_context(|| format!("{}:{}", list.display(), i + 1))?;
        let path = o.wasm_dir.join(format!("{name}.wasm"));
        let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let n = o.n.unwrap_or(default_n);
        out.push(Workload {
            name: name.to_string(),
            n,
            expected: (n == default_n).then_some(sum),
            wasm,
        });
    }
    for w in &o.workloads {
        if !out.iter().any(|l| &l.name == w) {
            bail!("no workload `{w}` in {}", list.display());
        }
    }
    Ok(out)
}

/// Fails loudly when a result is not the expected checksum.
fn check(engine: &str, w: &Workload, got: i64, agreed: &mut Option<i64>) -> Result<()> {
    if let Some(want) = w.expected
        && got != want
    {
        bail!(
            "CHECKSUM MISMATCH: {engine} on {} with n={}: got {got}, expected {want}",
            w.name,
            w.n
        );
    }
    match *agreed {
        Some(other) if other != got => bail!(
            "CHECKSUM MISMATCH: {engine} on {} with n={}: got {got}, another engine got {other}",
            w.name,
            w.n
        ),
        _ => *agreed = Some(got),
    }
    Ok(())
}

/// For each engine: compiles and instantiates once and warms up once; then times
/// `runs` rounds in which every engine runs once, in turn, so that a drift of the
/// machine's speed hits all engines alike. Returns each engine's timing and, for each
/// engine after the first, the median of its per-round ratios to the first.
fn time_execution(
    peers: &[Box<dyn Peer>],
    w: &Workload,
    runs: usize,
) -> Result<(Vec<Timing>, Vec<f64>)> {
    let mut agreed = None;
    let mut instances = Vec::new();
    for peer in peers {
        let ctx = || format!("{} on {}", peer.name(), w.name);
        let compiled = peer.compile(&w.wasm).with_context(ctx)?;
        let mut instance = compiled.instantiate().with_context(ctx)?;
        let got = instance.run(w.n).with_context(ctx)?;
        check(peer.name(), w, got, &mut agreed)?;
        instances.push(instance);
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); peers.len()];
    for _ in 0..runs {
        for (i, (peer, instance)) in peers.iter().zip(instances.iter_mut()).enumerate() {
            let start = Instant::now();
            let got = instance
                .run(w.n)
                .with_context(|| format!("{} on {}", peer.name(), w.name))?;
            samples[i].push(start.elapsed());
            check(peer.name(), w, got, &mut agreed)?;
        }
    }
    let ratios = (1..peers.len())
        .map(|i| median_ratio(&samples[i], &samples[0]))
        .collect();
    Ok((samples.into_iter().map(summarize).collect(), ratios))
}

/// `--rss ENGINE WORKLOAD`: load and run once, then report the peak RSS.
fn rss_probe(o: &Options, engine: &str, workload: &str) -> Result<()> {
    let peer = make_peer(engine)?;
    // Only this workload's module is read, so the others' bytes are not in the figure.
    let only = Options {
        workloads: vec![workload.to_string()],
        ..o.clone()
    };
    let w = load_workloads(&only)?
        .into_iter()
        .find(|w| w.name == workload)
        .with_context(|| format!("no workload `{workload}`"))?;
    let mut instance = peer.compile(&w.wasm)?.instantiate()?;
    let got = instance.run(w.n)?;
    check(engine, &w, got, &mut None)?;
    println!("peak_rss_kib {}", peak_rss_kib()?);
    Ok(())
}

/// Runs `peers --rss` in a child process for `run(n)` of workload `name` and
/// returns its peak RSS in KiB.
fn measure_rss(o: &Options, engine: &str, name: &str, n: i32) -> Result<u64> {
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .args(["--rss", engine, name, "--n", &n.to_string(), "--wasm-dir"])
        .arg(&o.wasm_dir)
        .output()?;
    if !out.status.success() {
        bail!(
            "peak-memory probe of {engine} on {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak_rss_kib "))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("unexpected probe output: {stdout}"))
}

/// Each engine's peak RSS in MiB for `run(w.n)` of `w`, each from a fresh process.
fn rss_cells(o: &Options, peers: &[Box<dyn Peer>], w: &Workload) -> Result<Vec<String>> {
    peers
        .iter()
        .map(|p| {
            let kib = measure_rss(o, p.name(), &w.name, w.n)?;
            Ok(format!("{:.1}", kib as f64 / 1024.0))
        })
        .collect()
}

fn execution_table(o: &Options, peers: &[Box<dyn Peer>], workloads: &[Workload]) -> Result<()> {
    let base = peers[0].name();
    let mut headers = vec!["workload".to_string(), "n".to_string()];
    for p in peers {
        headers.push(format!("{} ms", p.name()));
        headers.push(format!("{} min", p.name()));
    }
    for p in &peers[1..] {
        headers.push(format!("{}/{base}", p.name()));
    }
    if o.rss {
        for p in peers {
            headers.push(format!("{} MiB", p.name()));
        }
    }
    println!(
        "execution: median and min of {} runs of run(n) after one warm-up, in ms, engines \
         taking turns run by run; ratio = median of the per-run ratios (< 1 = faster than {base}){}",
        o.runs,
        if o.rss {
            "; MiB = peak RSS of a fresh process"
        } else {
            ""
        }
    );
    let table = Table::new(&headers);
    let mut log_ratios: Vec<Vec<f64>> = vec![Vec::new(); peers.len() - 1];
    for w in workloads {
        let (timings, ratios) = time_execution(peers, w, o.runs)?;
        let mut cells = vec![w.name.clone(), w.n.to_string()];
        for t in &timings {
            cells.push(fmt_ms(t.median));
            cells.push(fmt_ms(t.min));
        }
        for (i, &ratio) in ratios.iter().enumerate() {
            log_ratios[i].push(ratio.ln());
            cells.push(format!("{ratio:.2}"));
        }
        if o.rss {
            cells.extend(rss_cells(o, peers, w)?);
        }
        table.row(&cells);
    }
    if peers.len() > 1 && !workloads.is_empty() {
        geomean_row(&table, 2 + 2 * peers.len(), &log_ratios);
    }
    Ok(())
}

/// The geometric mean of each column of logged ratios, formatted.
pub(crate) fn geomeans(log_ratios: &[Vec<f64>]) -> Vec<String> {
    log_ratios
        .iter()
        .map(|logs| {
            format!(
                "{:.2}",
                (logs.iter().sum::<f64>() / logs.len() as f64).exp()
            )
        })
        .collect()
}

/// The closing row of a table: `geomean`, blank cells up to column `first`, then the
/// geometric means of `log_ratios`.
fn geomean_row(table: &Table, first: usize, log_ratios: &[Vec<f64>]) {
    let mut cells = vec!["geomean".to_string()];
    cells.resize(first, String::new());
    cells.extend(geomeans(log_ratios));
    table.row(&cells);
}

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
        pos += len;
    }
    None
}

/// CPU time this process has used so far, summed over its threads.
fn process_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_PROCESS_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One engine's samples in the translation table.
#[derive(Default)]
struct CompileSamples {
    compile: Vec<Duration>,
    compile_cpu: Vec<Duration>,
    instantiate: Vec<Duration>,
    total: Vec<Duration>,
    first: Vec<Duration>,
}

/// Compiles, instantiates and runs `run(1)` once on `p`, adding one sample of each.
/// Compiles `w` on `p`: the compiled module, the wall time and the CPU time it took.
fn timed_compile(p: &dyn Peer, w: &Workload) -> Result<(Box<dyn Compiled>, Duration, Duration)> {
    let (t0, c0) = (Instant::now(), process_cpu_time());
    let compiled = p
        .compile(&w.wasm)
        .with_context(|| format!("{} compiling {}", p.name(), w.name))?;
    Ok((compiled, t0.elapsed(), process_cpu_time() - c0))
}

fn compile_once(p: &dyn Peer, w: &Workload, s: &mut CompileSamples) -> Result<()> {
    let ctx = || format!("{} on {}", p.name(), w.name);
    let (compiled, wall, cpu) = timed_compile(p, w)?;
    let t1 = Instant::now();
    let mut instance = compiled.instantiate().with_context(ctx)?;
    let t2 = Instant::now();
    instance.run(1).with_context(ctx)?;
    let t3 = Instant::now();
    s.compile.push(wall);
    s.compile_cpu.push(cpu);
    s.instantiate.push(t2 - t1);
    s.total.push(wall + (t2 - t1));
    s.first.push(t3 - t2);
    Ok(())
}

fn compile_table(o: &Options, peers: &[Box<dyn Peer>], w: &Workload) -> Result<()> {
    let mb = w.wasm.len() as f64 / 1e6;
    let code = code_section_len(&w.wasm).unwrap_or(0);
    println!();
    println!(
        "translation: `{}` ({} bytes, code section {} bytes), median of {} runs, engines \
         taking turns run by run; compile = wall time with every engine on all cores, \
         compile CPU = CPU time of all threads during compile; MB/s = bytes / (compile + \
         instantiate); first run(1) includes what a lazy engine translates on first use",
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
    let mut samples: Vec<CompileSamples> = peers.iter().map(|_| Default::default()).collect();
    for _ in 0..o.runs {
        for (p, s) in peers.iter().zip(&mut samples) {
            compile_once(p.as_ref(), w, s)?;
        }
    }
    let table = Table::new(&headers);
    for (p, s) in peers.iter().zip(samples) {
        let total = summarize(s.total).median.as_secs_f64();
        table.row(&[
            p.name().to_string(),
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
/// engines taking turns round by round; ratios to the first engine, closed by their
/// geometric means: the compile-speed summary over all workloads.
fn compile_all_table(o: &Options, peers: &[Box<dyn Peer>], workloads: &[Workload]) -> Result<()> {
    let base = peers[0].name();
    println!();
    println!(
        "compile, every workload: median of {} runs of module creation, engines taking turns \
         run by run; wall = with every engine on all cores, CPU = CPU time of all threads; \
         ratio = median of the per-run ratios (< 1 = less than {base})",
        o.runs
    );
    let mut headers = vec!["workload".to_string(), "code KB".to_string()];
    for p in peers {
        headers.push(format!("{} wall", p.name()));
        headers.push(format!("{} CPU", p.name()));
    }
    for p in &peers[1..] {
        headers.push(format!("{}/{base} wall", p.name()));
        headers.push(format!("{}/{base} CPU", p.name()));
    }
    let table = Table::new(&headers);
    let mut log_ratios: Vec<Vec<f64>> = vec![Vec::new(); 2 * (peers.len() - 1)];
    for w in workloads {
        let mut wall: Vec<Vec<Duration>> = vec![Vec::new(); peers.len()];
        let mut cpu: Vec<Vec<Duration>> = vec![Vec::new(); peers.len()];
        for _ in 0..o.runs {
            for (i, p) in peers.iter().enumerate() {
                let (_, w_time, c_time) = timed_compile(p.as_ref(), w)?;
                wall[i].push(w_time);
                cpu[i].push(c_time);
            }
        }
        let code = code_section_len(&w.wasm).unwrap_or(0);
        let mut cells = vec![w.name.clone(), format!("{}", code / 1000)];
        for (a, b) in wall.iter().zip(&cpu) {
            cells.push(fmt_ms(summarize(a.clone()).median));
            cells.push(fmt_ms(summarize(b.clone()).median));
        }
        for i in 1..peers.len() {
            for (k, samples) in [&wall, &cpu].into_iter().enumerate() {
                let ratio = median_ratio(&samples[i], &samples[0]);
                log_ratios[2 * (i - 1) + k].push(ratio.ln());
                cells.push(format!("{ratio:.2}"));
            }
        }
        table.row(&cells);
    }
    if peers.len() > 1 && !workloads.is_empty() {
        geomean_row(&table, 2 + 2 * peers.len(), &log_ratios);
    }
    Ok(())
}

fn real_main() -> Result<()> {
    let o = parse_args()?;
    if let Some((engine, workload)) = &o.rss_probe {
        return rss_probe(&o, engine, workload);
    }
    let peers = o
        .engines
        .iter()
        .map(|e| make_peer(e))
        .collect::<Result<Vec<_>>>()?;
    if peers.is_empty() {
        bail!("no engines selected");
    }
    let workloads = load_workloads(&o)?;
    if let Some(kinds) = &o.rows {
        return rows::rows_table(&o, kinds, &peers, &workloads);
    }
    execution_table(&o, &peers, &workloads)?;
    if o.compile
        && let Some(big) = workloads.iter().find(|w| w.name == BIG)
    {
        compile_table(&o, &peers, big)?;
    }
    if o.compile {
        compile_all_table(&o, &peers, &workloads)?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
