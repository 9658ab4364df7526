//! `peers`: runs the benchmark workloads in `benches/wasm/` on tierwasm and on
//! other engines, checks every checksum against `expected.txt`, and prints
//! side-by-side tables:
//!
//! - execution: median and min of K timed calls of `run(n)` per engine (after
//!   one warm-up call that also pays for lazy translation), the ratio of each
//!   engine to the first (the baseline; `< 1` means faster than it), their
//!   geometric mean, and each engine's peak resident memory, measured in a
//!   fresh child process (`peers --rss ENGINE WORKLOAD`) per engine;
//! - translation: compile (`Module::new`) wall and CPU time, instantiate time and
//!   the throughput in MB/s of wasm bytes of the `big` module per engine, and compile
//!   wall and CPU time of every workload with the ratios to the first engine. Each of
//!   these samples comes from a fresh child process per engine per run (`peers
//!   --compile-probe ENGINE WORKLOAD`), timed after one untimed warm-up compile in
//!   that child, so that the engines do not share a thread pool, an allocator or a
//!   CPU clock (see `compile.rs`).
//!
//! Engines are [`peer::Peer`]s; adding one is a file like `wasmi_engine.rs` and
//! a line in [`make_peer`].

mod compile;
mod peer;
mod report;
mod rows;
#[cfg(feature = "tierwasm")]
mod tierwasm_engine;
mod wasmi_engine;
#[cfg(feature = "wasmtime")]
mod wasmtime_engine;

use anyhow::{Context, Result, bail};
use peer::Peer;
use report::{Table, Timing, fmt_ms, median_ratio, peak_rss_kib, summarize};
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
       peers --compile-probe ENGINE WORKLOAD [--first-run] [--wasm-dir DIR]

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
  --compile-probe ENGINE WORKLOAD
                     compile one workload on one engine in this process once
                     untimed, then once timed, and print the wall and CPU
                     nanoseconds (--first-run: also instantiate and run(1));
                     the translation tables run one such child per engine
                     per run

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
    /// `--compile-probe ENGINE WORKLOAD`, and whether `--first-run` was given.
    compile_probe: Option<(String, String)>,
    first_run: bool,
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
        compile_probe: None,
        first_run: false,
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
            "--compile-probe" => {
                let engine = value(&mut args, &arg)?;
                let workload = value(&mut args, &arg)?;
                o.compile_probe = Some((engine, workload));
            }
            "--first-run" => o.first_run = true,
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

/// Only the workload `name` (a probe reads no other module, so the others' bytes are
/// in none of its figures).
fn load_one(o: &Options, name: &str) -> Result<Workload> {
    let only = Options {
        workloads: vec![name.to_string()],
        ..o.clone()
    };
    load_workloads(&only)?
        .into_iter()
        .find(|w| w.name == name)
        .with_context(|| format!("no workload `{name}`"))
}

/// `--rss ENGINE WORKLOAD`: load and run once, then report the peak RSS.
fn rss_probe(o: &Options, engine: &str, workload: &str) -> Result<()> {
    let peer = make_peer(engine)?;
    let w = load_one(o, workload)?;
    let mut instance = peer.compile(&w.wasm)?.instantiate()?;
    let got = instance.run(w.n)?;
    check(engine, &w, got, &mut None)?;
    println!("peak_rss_kib={}", peak_rss_kib()?);
    Ok(())
}

/// Runs this binary again as a child process with `args` and `--wasm-dir`, and returns
/// its stdout; `what` names the probe in the error when the child fails.
fn run_child(o: &Options, args: &[&str], what: &str) -> Result<String> {
    let exe = std::env::current_exe().context("locating the peers binary")?;
    let out = std::process::Command::new(exe)
        .args(args)
        .arg("--wasm-dir")
        .arg(&o.wasm_dir)
        .output()
        .with_context(|| format!("starting the {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    String::from_utf8(out.stdout).with_context(|| format!("output of the {what}"))
}

/// The value of `key=value` in a probe's output.
fn probe_field<T: std::str::FromStr>(stdout: &str, key: &str) -> Result<T> {
    stdout
        .split_whitespace()
        .find_map(|field| field.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no `{key}=` in the probe's output: {stdout}"))
}

/// Runs `peers --rss` in a child process for `run(n)` of workload `name` and
/// returns its peak RSS in KiB.
fn measure_rss(o: &Options, engine: &str, name: &str, n: i32) -> Result<u64> {
    let what = format!("peak-memory probe of {engine} on {name}");
    let out = run_child(o, &["--rss", engine, name, "--n", &n.to_string()], &what)?;
    probe_field(&out, "peak_rss_kib")
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

fn real_main() -> Result<()> {
    let o = parse_args()?;
    if let Some((engine, workload)) = &o.rss_probe {
        return rss_probe(&o, engine, workload);
    }
    if let Some((engine, workload)) = &o.compile_probe {
        return compile::compile_probe(&o, engine, workload, o.first_run);
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
        compile::compile_table(&o, big)?;
    }
    if o.compile {
        compile::compile_all_table(&o, &workloads)?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
