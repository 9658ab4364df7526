//! `tierwasm bench`: one call on each tier, each tier in a fresh child process (this
//! same executable, run as the hidden `bench-child`), so that start-up and peak memory
//! are the tier's own and not what an earlier tier left behind.
//!
//! A child loads, compiles and instantiates the module, calls the function `--repeat`
//! times in one store, and prints one JSON report line; the parent checks that every
//! tier gave the same results and prints a table (or `--json`, or an SVG plot of the
//! time per call).

use super::stats::tier_name;
use super::{
    EngineArgs, Failure, Linker, Module, Store, Tier, Val, format_val, prepare, read_binary,
};
use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The tiers `bench` compares unless `--tiers` says otherwise.
const DEFAULT_TIERS: &str = if cfg!(feature = "jit") {
    "interp,jit,auto"
} else {
    "interp,auto"
};

/// A call counts as fast from the first one within this factor of the settled time.
const FAST_FACTOR: f64 = 1.5;

/// `tierwasm bench`.
#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// The exported function to call (default: `_start`, or the only exported function).
    #[arg(long)]
    invoke: Option<String>,
    /// Calls the function this many times in one store and shows how the time per call
    /// evolves (first, median, last, and from which call it is within 1.5x of the
    /// settled time: where `auto` switches to compiled code).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Prints the measurements as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Draws the time per call against the call number for each tier into this SVG
    /// file (needs --repeat 2 or more).
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// The tiers to compare, each in a fresh process.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_TIERS)]
    tiers: Vec<Tier>,
    /// A binary (.wasm) or text (.wat) core module.
    file: PathBuf,
    /// Arguments of the function, in its parameter types (options may follow them).
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
}

/// The hidden `bench-child`: one tier's measurement, reported as one JSON line.
#[derive(clap::Args)]
pub(crate) struct ChildArgs {
    #[arg(long)]
    tier: Tier,
    #[arg(long)]
    repeat: u32,
    #[arg(long)]
    invoke: Option<String>,
    file: PathBuf,
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

/// What one tier's child measured.
#[derive(Clone, Debug, PartialEq)]
struct Report {
    tier: String,
    /// Results of the first and of the last call, formatted as `run` prints them.
    first_results: Vec<String>,
    last_results: Vec<String>,
    /// Wall time of the whole child process, as the parent saw it.
    process: Duration,
    /// Engine creation, reading and compiling the module (`Module::new`).
    compile: Duration,
    /// From the child's start to the first call's results (compile, instantiate, call).
    first_result: Duration,
    /// Each call's time; the first includes instantiation.
    calls: Vec<Duration>,
    /// Functions on compiled code after the calls, and OSR entries taken.
    compiled_funcs: u64,
    osr_entries: u64,
    /// The child's peak resident memory (VmHWM), where the system reports it.
    peak_rss_kib: Option<u64>,
}

impl Report {
    fn total(&self) -> Duration {
        self.calls.iter().sum()
    }

    fn median(&self) -> Duration {
        let mut sorted = self.calls.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }

    /// The settled time per call: the median of the last tenth of the calls.
    fn settled(&self) -> Duration {
        let tail = self.calls.len().div_ceil(10);
        let mut last: Vec<Duration> = self.calls[self.calls.len() - tail..].to_vec();
        last.sort();
        last[last.len() / 2]
    }

    /// The first call (1-based) whose time is within `FAST_FACTOR` of the settled time.
    fn fast_from(&self) -> usize {
        let limit = self.settled().as_secs_f64() * FAST_FACTOR;
        let at = self.calls.iter().position(|c| c.as_secs_f64() <= limit);
        at.map_or(self.calls.len(), |i| i + 1)
    }

    fn to_json(&self) -> Value {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        json!({
            "tier": self.tier,
            "first_results": self.first_results,
            "last_results": self.last_results,
            "process_ms": ms(self.process),
            "compile_ms": ms(self.compile),
            "first_result_ms": ms(self.first_result),
            "run_ms": ms(self.total()),
            "calls_ms": self.calls.iter().map(|c| ms(*c)).collect::<Vec<_>>(),
            "median_call_ms": ms(self.median()),
            "settled_call_ms": ms(self.settled()),
            "fast_from_call": self.fast_from(),
            "compiled_funcs": self.compiled_funcs,
            "osr_entries": self.osr_entries,
            "peak_rss_kib": self.peak_rss_kib,
        })
    }

    /// Reads a child's report line (the parent fills in `process`).
    fn from_json(v: &Value, process: Duration) -> Result<Report> {
        let bad = || anyhow!("malformed report from a bench child: {v}");
        let ms = |key: &str| -> Result<Duration> {
            let x = v[key].as_f64().ok_or_else(bad)?;
            Ok(Duration::from_secs_f64(x.max(0.0) / 1e3))
        };
        let strings = |key: &str| -> Result<Vec<String>> {
            let list = v[key].as_array().ok_or_else(bad)?;
            list.iter()
                .map(|s| s.as_str().map(str::to_string).ok_or_else(bad))
                .collect()
        };
        let calls = v["calls_ms"].as_array().ok_or_else(bad)?;
        let calls = calls
            .iter()
            .map(|c| {
                c.as_f64()
                    .map(|x| Duration::from_secs_f64(x.max(0.0) / 1e3))
            })
            .collect::<Option<Vec<_>>>()
            .filter(|c| !c.is_empty())
            .ok_or_else(bad)?;
        Ok(Report {
            tier: v["tier"].as_str().ok_or_else(bad)?.to_string(),
            first_results: strings("first_results")?,
            last_results: strings("last_results")?,
            process,
            compile: ms("compile_ms")?,
            first_result: ms("first_result_ms")?,
            calls,
            compiled_funcs: v["compiled_funcs"].as_u64().ok_or_else(bad)?,
            osr_entries: v["osr_entries"].as_u64().ok_or_else(bad)?,
            peak_rss_kib: v["peak_rss_kib"].as_u64(),
        })
    }
}

/// The process's peak resident set (VmHWM), on systems with `/proc`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `tierwasm bench-child`: measures one tier in this process and prints its report.
pub(crate) fn child(a: &ChildArgs) -> Result<ExitCode, Failure> {
    let start = Instant::now();
    let engine_args = EngineArgs {
        tier: a.tier,
        fuel: None,
        max_wasm_stack: None,
        memory_reservation: None,
        plain: false,
        tier_stats: false,
    };
    let engine = engine_args.engine()?;
    let binary = read_binary(&a.file)?;
    if wasmparser::Parser::is_component(&binary) {
        return Err(Failure::Other(anyhow!(
            "unsupported: {} is a component; `bench` measures core modules",
            a.file.display()
        )));
    }
    let module = Module::new(&engine, binary)
        .with_context(|| format!("invalid module {}", a.file.display()))?;
    let loaded = Loaded {
        a,
        engine_args: &engine_args,
        module: &module,
        start,
        compile: start.elapsed(),
    };
    #[cfg(feature = "wasi")]
    if module
        .imports()
        .any(|i| i.module == tierwasm::wasi::p1::MODULE)
    {
        use tierwasm::wasi::{WasiCtx, WasiCtxBuilder, p1};
        // Stdout carries the report: the program's own output is discarded (the
        // builder's default), its errors shown.
        let mut builder = WasiCtxBuilder::new();
        builder.arg(a.file.to_string_lossy()).inherit_stderr();
        let mut store = Store::new(&engine, builder.build());
        let mut linker = Linker::new(&engine);
        p1::add_to_linker(&mut linker, |wasi: &mut WasiCtx| wasi)?;
        return loaded.measure(&mut store, &linker);
    }
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    loaded.measure(&mut store, &linker)
}

/// A child's compiled module, and when the child started.
struct Loaded<'a> {
    a: &'a ChildArgs,
    engine_args: &'a EngineArgs,
    module: &'a Module,
    start: Instant,
    /// Engine creation, reading and `Module::new`.
    compile: Duration,
}

impl Loaded<'_> {
    /// Instantiates, makes the calls, and prints the report line.
    fn measure<T: 'static>(
        &self,
        store: &mut Store<T>,
        linker: &Linker<T>,
    ) -> Result<ExitCode, Failure> {
        let Loaded {
            a,
            engine_args,
            module,
            start,
            compile,
        } = *self;
        let before = Instant::now();
        let prepared = prepare(
            engine_args,
            store,
            linker,
            module,
            a.invoke.as_deref(),
            &a.args,
        )?;
        let first = results(prepared.call(store))?;
        let first_result = start.elapsed();
        let mut calls = vec![before.elapsed()];
        let mut last = first.clone();
        for n in 2..=a.repeat {
            let t = Instant::now();
            last = results(prepared.call(store)).map_err(|e| match e {
                Failure::Trap(e) => Failure::Trap(e.context(format!("call {n}"))),
                Failure::Other(e) => Failure::Other(e.context(format!("call {n}"))),
            })?;
            calls.push(t.elapsed());
        }
        let stats = prepared.instance.tier_stats(&*store);
        let report = Report {
            tier: tier_name(a.tier).to_string(),
            first_results: first,
            last_results: last,
            process: Duration::ZERO,
            compile,
            first_result,
            calls,
            compiled_funcs: stats.iter().filter(|s| s.tier == Tier::Jit).count() as u64,
            osr_entries: stats.iter().map(|s| s.osr_entries).sum(),
            peak_rss_kib: peak_rss_kib(),
        };
        out!("{}", report.to_json());
        Ok(ExitCode::SUCCESS)
    }
}

/// A call's results as `run` prints them; a WASI program's exit (`proc_exit`) is a
/// result too, `exit N`, the same on every tier.
fn results(call: Result<Vec<Val>, Failure>) -> Result<Vec<String>, Failure> {
    match call {
        Ok(vals) => Ok(vals.iter().map(format_val).collect()),
        #[cfg(feature = "wasi")]
        Err(Failure::Trap(e) | Failure::Other(e))
            if e.downcast_ref::<tierwasm::wasi::I32Exit>().is_some() =>
        {
            let code = e
                .downcast_ref::<tierwasm::wasi::I32Exit>()
                .map_or(1, |x| x.0);
            Ok(vec![format!("exit {code}")])
        }
        Err(e) => Err(e),
    }
}

/// How one tier's child ended when it did not report.
struct ChildError {
    tier: Tier,
    /// Exit status 2: bad input, the same on every tier.
    bad_input: bool,
    message: String,
}

/// Runs one tier's child process and reads its report.
fn run_child(a: &BenchArgs, tier: Tier) -> Result<Result<Report, ChildError>> {
    let exe = std::env::current_exe().context("cannot find the tierwasm executable")?;
    let mut cmd = Command::new(exe);
    cmd.arg("bench-child")
        .args(["--tier", tier_name(tier), "--repeat", &a.repeat.to_string()]);
    if let Some(name) = &a.invoke {
        cmd.args(["--invoke", name]);
    }
    cmd.arg(&a.file).arg("--").args(&a.args);
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .context("cannot start a bench child process")?;
    let process = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let message = stderr.trim().trim_start_matches("error: ").to_string();
        let message = match out.status.code() {
            Some(_) => message,
            None => format!("the child process crashed ({}) {message}", out.status),
        };
        return Ok(Err(ChildError {
            tier,
            bad_input: out.status.code() == Some(2),
            message,
        }));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let v: Value = serde_json::from_str(line)
        .with_context(|| format!("unreadable report from the {} child", tier_name(tier)))?;
    Ok(Ok(Report::from_json(&v, process)?))
}

/// An error when the tiers do not agree on the results.
fn check_agreement(reports: &[Report]) -> Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    for r in &reports[1..] {
        for (which, a, b) in [
            ("first", &first.first_results, &r.first_results),
            ("last", &first.last_results, &r.last_results),
        ] {
            if a != b {
                return Err(anyhow!(
                    "the tiers disagree: the {which} call returned [{}] on {} and [{}] on {}",
                    a.join(", "),
                    first.tier,
                    b.join(", "),
                    r.tier
                ));
            }
        }
    }
    Ok(())
}

/// `tierwasm bench`.
pub(crate) fn bench(a: &BenchArgs) -> Result<ExitCode, Failure> {
    if a.plot.is_some() && a.repeat < 2 {
        return Err(Failure::Other(anyhow!(
            "--plot draws time per call: it needs --repeat 2 or more"
        )));
    }
    let mut tiers = a.tiers.clone();
    tiers.dedup();
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for &tier in &tiers {
        match run_child(a, tier)? {
            Ok(r) => reports.push(r),
            Err(e) if e.bad_input => return Err(Failure::Other(anyhow!("{}", e.message))),
            Err(e) => failed.push(e),
        }
    }
    if !failed.is_empty() {
        for e in &failed {
            eprintln!("error: on {}: {}", tier_name(e.tier), e.message);
        }
        return Ok(ExitCode::from(1));
    }
    let agreement = check_agreement(&reports);
    if a.json {
        let doc = json!({
            "file": a.file.to_string_lossy(),
            "invoke": a.invoke,
            "args": a.args,
            "repeat": a.repeat,
            "results_agree": agreement.is_ok(),
            "tiers": reports.iter().map(Report::to_json).collect::<Vec<_>>(),
        });
        out!("{doc}");
    } else {
        print_table(a, &reports);
    }
    if let Some(path) = &a.plot {
        plot(path, &a.file, &reports)?;
    }
    if let Err(e) = agreement {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A duration the way the table shows it: three significant digits and a unit.
fn show(d: Duration) -> String {
    let s = d.as_secs_f64();
    let (v, unit) = match s {
        s if s >= 1.0 => (s, "s"),
        s if s >= 1e-3 => (s * 1e3, "ms"),
        s => (s * 1e6, "us"),
    };
    match v {
        v if v >= 100.0 => format!("{v:.0} {unit}"),
        v if v >= 10.0 => format!("{v:.1} {unit}"),
        v => format!("{v:.2} {unit}"),
    }
}

fn print_table(a: &BenchArgs, reports: &[Report]) {
    let results = reports
        .first()
        .map(|r| r.last_results.join(", "))
        .unwrap_or_default();
    out!(
        "{} --invoke {} {}: [{results}] on every tier",
        a.file.display(),
        a.invoke.as_deref().unwrap_or("(default)"),
        a.args.join(" ")
    );
    let mut header = format!(
        "{:<7} {:>11} {:>10} {:>10} {:>10}",
        "tier", "process", "compile", "1st result", "run"
    );
    if a.repeat > 1 {
        header += &format!(
            " {:>10} {:>10} {:>10} {:>9}",
            "1st call", "median", "last", "fast from"
        );
    }
    header += &format!(" {:>6} {:>4} {:>10}", "jit fn", "osr", "peak RSS");
    out!("{header}");
    for r in reports {
        let mut line = format!(
            "{:<7} {:>11} {:>10} {:>10} {:>10}",
            r.tier,
            show(r.process),
            show(r.compile),
            show(r.first_result),
            show(r.total())
        );
        if a.repeat > 1 {
            line += &format!(
                " {:>10} {:>10} {:>10} {:>9}",
                show(r.calls[0]),
                show(r.median()),
                show(r.calls[r.calls.len() - 1]),
                format!("call {}", r.fast_from())
            );
        }
        let rss = r.peak_rss_kib.map_or("n/a".to_string(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        });
        line += &format!(" {:>6} {:>4} {rss:>10}", r.compiled_funcs, r.osr_entries);
        out!("{line}");
    }
    if a.repeat > 1 {
        out!(
            "(1st call includes instantiation; fast from: the first call within {FAST_FACTOR}x of the median of the last tenth)"
        );
    }
}

/// Line colours of the tiers, distinct on white and for the common colour blindnesses.
const SERIES_COLORS: [plotters::style::RGBColor; 4] = [
    plotters::style::RGBColor(0, 114, 178),
    plotters::style::RGBColor(213, 94, 0),
    plotters::style::RGBColor(0, 158, 115),
    plotters::style::RGBColor(204, 121, 167),
];

/// Draws each tier's time per call against the call number (log scale: tiers differ by
/// orders of magnitude).
fn plot(path: &Path, file: &Path, reports: &[Report]) -> Result<()> {
    use plotters::prelude::*;
    let ms = |d: &Duration| (d.as_secs_f64() * 1e3).max(1e-6);
    let all = || reports.iter().flat_map(|r| r.calls.iter().map(ms));
    let lo = all().fold(f64::INFINITY, f64::min);
    let hi = all().fold(0.0, f64::max);
    let n = reports.iter().map(|r| r.calls.len()).max().unwrap_or(2) as u32;
    let root = SVGBackend::new(path, (900, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{name}: time per call"), ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(1u32..n, (lo * 0.8..hi * 1.25).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("call number")
        .y_desc("time per call (ms)")
        .draw()?;
    for (i, r) in reports.iter().enumerate() {
        let color = SERIES_COLORS[i % SERIES_COLORS.len()];
        let points = r
            .calls
            .iter()
            .enumerate()
            .map(|(k, d)| (k as u32 + 1, ms(d)));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(r.tier.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(tier: &str, results: &[&str], calls_us: &[u64]) -> Report {
        Report {
            tier: tier.to_string(),
            first_results: results.iter().map(|s| s.to_string()).collect(),
            last_results: results.iter().map(|s| s.to_string()).collect(),
            process: Duration::from_millis(5),
            compile: Duration::from_millis(1),
            first_result: Duration::from_millis(2),
            calls: calls_us.iter().map(|&u| Duration::from_micros(u)).collect(),
            compiled_funcs: 0,
            osr_entries: 0,
            peak_rss_kib: Some(1000),
        }
    }

    #[test]
    fn tiers_that_disagree_are_an_error() {
        let same = [report("interp", &["1"], &[5]), report("jit", &["1"], &[5])];
        assert!(check_agreement(&same).is_ok());
        let differ = [report("interp", &["1"], &[5]), report("jit", &["2"], &[5])];
        let e = check_agreement(&differ).unwrap_err().to_string();
        assert_eq!(
            e,
            "the tiers disagree: the first call returned [1] on interp and [2] on jit"
        );
    }

    #[test]
    fn fast_from_finds_where_the_time_per_call_settles() {
        let r = report("auto", &[], &[900, 100, 100, 30, 12, 10, 10, 10, 11, 10]);
        assert_eq!(r.settled(), Duration::from_micros(10));
        assert_eq!(r.fast_from(), 5);
        assert_eq!(r.median(), Duration::from_micros(12));
        assert_eq!(report("interp", &[], &[7]).fast_from(), 1);
    }

    #[test]
    fn a_report_survives_its_json_line() {
        let mut r = report("auto", &["3", "-1.5"], &[300, 20, 10]);
        r.process = Duration::ZERO;
        let back = Report::from_json(&r.to_json(), Duration::ZERO).expect("parses");
        assert_eq!(back.first_results, r.first_results);
        assert_eq!(back.calls.len(), 3);
        assert!((back.calls[0].as_secs_f64() - 300e-6).abs() < 1e-9);
    }
}
