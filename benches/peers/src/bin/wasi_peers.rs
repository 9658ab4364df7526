//! `wasi-peers`: WASI programs as a user runs them, one process per run, on tierwasm's
//! CLI (`tierwasm run --tier interp|jit|auto`), on wasmtime 48 with `wasmtime-wasi` and on
//! wasmi 2 with `wasmi_wasi` (the `wasmtime-wasi-run` and `wasmi-wasi-run` runners next
//! to this binary). The guests are `../wasi/wasm/*.wasm`, each a preview 1 module
//! (`-p1`) and a WASI 0.2 component (`-p2`; wasmi runs only the former):
//!
//! * `hello`: whole-process time of a hello world;
//! * `copy`: a 100 MB stdin-to-stdout copy (MB/s), stdin a generated file, stdout a pipe
//!   that this process reads and compares with the input;
//! * `files`: 10 000 small files written then read back through a preopen (a fresh
//!   directory per run), files/s.
//!
//! Engines take turns round by round, the one going first rotating; one untimed round
//! comes first. Every run's exit code and output are checked. Peak RSS is the child's
//! `ru_maxrss` from `wait4`.
//!
//! `wasi-peers [--runs K] [--jobs hello,copy-p1,...] [--engines NAME,...]
//! [--tierwasm PATH] [--copy-mb N] [--files N] [--tmp DIR]`

#[path = "../report.rs"]
mod report;

use anyhow::{Context, Result, bail, ensure};
use report::{Table, fmt_ms, fmt_rate, median_ratio, peak_rss_kib, summarize};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const ENGINES: &[&str] = &[
    "tierwasm-interp",
    "tierwasm-jit",
    "tierwasm-auto",
    "wasmtime",
    "wasmi",
];
const JOBS: &[&str] = &[
    "hello-p1", "hello-p2", "copy-p1", "copy-p2", "files-p1", "files-p2",
];
/// The engine the ratio column divides by.
const BASELINE: &str = "wasmtime";
const HELLO: &[u8] = b"Hello, world!\n";

struct Options {
    runs: Option<usize>,
    jobs: Vec<String>,
    engines: Vec<String>,
    tierwasm: PathBuf,
    copy_mb: usize,
    files: u32,
    tmp: PathBuf,
}

fn parse_args() -> Result<Options> {
    let here = env!("CARGO_MANIFEST_DIR");
    let mut o = Options {
        runs: None,
        jobs: JOBS.iter().map(|s| s.to_string()).collect(),
        engines: ENGINES.iter().map(|s| s.to_string()).collect(),
        tierwasm: Path::new(here).join("../../target/release/tierwasm"),
        copy_mb: 100,
        files: 10_000,
        tmp: std::env::temp_dir(),
    };
    let list = |v: String| v.split(',').map(str::to_string).collect::<Vec<_>>();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => o.runs = Some(value()?.parse().context("--runs")?),
            "--jobs" => o.jobs = list(value()?),
            "--engines" => o.engines = list(value()?),
            "--tierwasm" => o.tierwasm = value()?.into(),
            "--copy-mb" => o.copy_mb = value()?.parse().context("--copy-mb")?,
            "--files" => o.files = value()?.parse().context("--files")?,
            "--tmp" => o.tmp = value()?.into(),
            _ => bail!("unknown argument {flag}; see the doc comment of wasi_peers.rs"),
        }
    }
    // `--jobs hello` means both of its variants.
    o.jobs = o
        .jobs
        .iter()
        .flat_map(|j| {
            JOBS.iter()
                .filter(move |k| *k == j || k.starts_with(&format!("{j}-")))
        })
        .map(|s| s.to_string())
        .collect();
    ensure!(
        !o.jobs.is_empty(),
        "no job selected; jobs are {}",
        JOBS.join(",")
    );
    for e in &o.engines {
        ensure!(
            ENGINES.contains(&e.as_str()),
            "unknown engine {e}; engines are {}",
            ENGINES.join(",")
        );
    }
    ensure!(o.runs != Some(0), "--runs must be at least 1");
    Ok(o)
}

/// How one engine runs a program: `program pre... [--dir H::G] FILE ARGS...`.
struct Engine {
    name: String,
    program: PathBuf,
    pre: Vec<String>,
    components: bool,
}

/// The engines of `--engines` whose programs exist; the others are named on stderr.
fn engines(o: &Options) -> Result<Vec<Engine>> {
    let bin_dir = std::env::current_exe()?
        .parent()
        .context("no binary directory")?
        .to_path_buf();
    let mut found = Vec::new();
    for name in &o.engines {
        let (program, pre, components, hint) = match name.strip_prefix("tierwasm-") {
            Some(tier) => {
                let pre = vec!["run".into(), "--tier".into(), tier.into()];
                (
                    o.tierwasm.clone(),
                    pre,
                    true,
                    "`cargo build --release` at the top, or --tierwasm PATH",
                )
            }
            None => {
                let runner = bin_dir.join(format!("{name}-wasi-run"));
                (
                    runner,
                    Vec::new(),
                    name != "wasmi",
                    "build with `--features wasi`, see the README",
                )
            }
        };
        if program.is_file() {
            found.push(Engine {
                name: name.clone(),
                program,
                pre,
                components,
            });
        } else {
            eprintln!("skipped {name}: no {} ({hint})", program.display());
        }
    }
    ensure!(!found.is_empty(), "no engine to run");
    Ok(found)
}

/// What a job's standard output must be.
enum Want {
    /// Exactly these bytes.
    Text(&'static [u8]),
    /// Exactly the contents of this file.
    File(PathBuf),
    /// The same on every run of every engine, starting with this text.
    Agreed(String),
}

/// One program, its inputs and how its output is checked.
struct Job {
    name: String,
    wasm: PathBuf,
    component: bool,
    args: Vec<String>,
    stdin: Option<PathBuf>,
    want: Want,
    /// Files the guest leaves in a fresh preopened directory, when it gets one.
    files: Option<u32>,
    /// The unit of the throughput column and how many of it one run moves.
    unit: Option<(&'static str, f64)>,
    runs: usize,
}

/// The guest that preopens see as this directory.
const GUEST_DIR: &str = "/data";

fn job(o: &Options, name: &str, input: &Path) -> Result<Job> {
    let (kind, p) = name.split_once('-').context("job names are KIND-pN")?;
    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../wasi/wasm/{name}.wasm"));
    ensure!(
        wasm.is_file(),
        "no {} (run ../wasi/build.sh)",
        wasm.display()
    );
    let io_runs = o.runs.unwrap_or(3);
    let mut j = Job {
        name: name.to_string(),
        wasm,
        component: p == "p2",
        args: Vec::new(),
        stdin: None,
        want: Want::Text(HELLO),
        files: None,
        unit: None,
        runs: o.runs.unwrap_or(10),
    };
    match kind {
        "hello" => {}
        "copy" => {
            j.stdin = Some(input.to_path_buf());
            j.want = Want::File(input.to_path_buf());
            j.unit = Some(("MB/s", o.copy_mb as f64));
            j.runs = io_runs;
        }
        "files" => {
            j.args = vec![GUEST_DIR.to_string(), o.files.to_string()];
            j.want = Want::Agreed(format!("files: {} written and read back", o.files));
            j.files = Some(o.files);
            j.unit = Some(("files/s", f64::from(o.files)));
            j.runs = io_runs;
        }
        _ => bail!("unknown job {name}"),
    }
    Ok(j)
}

/// Writes `n` bytes that depend on nothing but `n` (xorshift64) to `path`, the copy's
/// stdin, a MiB at a time: this process stays small, since Linux counts its resident
/// memory at spawn into the child's peak.
fn write_input(path: &Path, n: usize) -> Result<()> {
    let mut file = std::io::BufWriter::new(File::create(path)?);
    let (mut x, mut left) = (0x9e37_79b9_7f4a_7c15u64, n);
    let mut chunk = Vec::with_capacity(1 << 20);
    while left > 0 {
        chunk.clear();
        while chunk.len() < (1 << 20).min(left) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.extend_from_slice(&x.to_le_bytes());
        }
        chunk.truncate((1 << 20).min(left));
        file.write_all(&chunk)?;
        left -= chunk.len();
    }
    Ok(file.flush()?)
}

/// What one run measured.
struct Sample {
    wall: Duration,
    rss_kib: u64,
}

/// Reads the child's stdout to the end, comparing it with `want` as it comes (so that a
/// 100 MB output is never held), and returns what it kept (`Agreed` outputs only). Reads
/// on after a mismatch, so that the child never blocks on a full pipe.
fn drain(out: &mut impl Read, want: &Want) -> Result<Vec<u8>> {
    let mut expected: Box<dyn Read> = match want {
        Want::Text(text) => Box::new(*text),
        Want::File(path) => Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            File::open(path)?,
        )),
        Want::Agreed(_) => Box::new(std::io::empty()),
    };
    let compare = !matches!(want, Want::Agreed(_));
    let (mut buf, mut exp) = (vec![0; 1 << 20], vec![0; 1 << 20]);
    let (mut seen, mut kept, mut differs) = (0, Vec::new(), None);
    loop {
        let n = out.read(&mut buf).context("reading the guest's stdout")?;
        if n == 0 {
            break;
        }
        if !compare {
            kept.extend_from_slice(&buf[..n]);
        } else if differs.is_none()
            && (expected.read_exact(&mut exp[..n]).is_err() || exp[..n] != buf[..n])
        {
            differs = Some(seen);
        }
        seen += n;
    }
    if let Some(at) = differs {
        bail!("stdout differs from the expected output at or after byte {at}");
    }
    ensure!(
        expected.read(&mut exp)? == 0,
        "stdout ends early, after {seen} bytes"
    );
    Ok(kept)
}

/// Reaps `pid` and returns its exit status and peak RSS (KiB).
fn wait_rusage(pid: u32) -> Result<(ExitStatus, u64)> {
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = libc::pid_t::try_from(pid)?;
    // SAFETY: `pid` is our child, not yet reaped (its `Child` is never waited on);
    // `status` and `usage` are valid for writes for the duration of the call.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    ensure!(got == pid, "wait4: {}", std::io::Error::last_os_error());
    // Linux reports ru_maxrss in KiB.
    Ok((
        ExitStatus::from_raw(status),
        u64::try_from(usage.ru_maxrss)?,
    ))
}

/// Runs `job` once on `engine`: a fresh preopen if the job has one, the process timed
/// from spawn to reaping, its exit code and output checked.
fn run_once(e: &Engine, job: &Job, work: &Path, agreed: &mut Option<Vec<u8>>) -> Result<Sample> {
    let mut cmd = Command::new(&e.program);
    cmd.args(&e.pre);
    let dir = work.join(format!("{}-{}", job.name, e.name));
    if job.files.is_some() {
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        cmd.arg("--dir")
            .arg(format!("{}::{GUEST_DIR}", dir.display()));
    }
    cmd.arg(&job.wasm).args(&job.args);
    let stdin = match &job.stdin {
        Some(path) => Stdio::from(File::open(path)?),
        None => Stdio::null(),
    };
    let stderr_path = work.join("stderr");
    cmd.stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(File::create(&stderr_path)?);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", e.program.display()))?;
    let out = drain(child.stdout.as_mut().context("no stdout pipe")?, &job.want);
    let (status, rss_kib) = wait_rusage(child.id())?;
    let wall = start.elapsed();
    let failed = |what: String| {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        anyhow::anyhow!(
            "{} on {}: {what}\n--- its stderr:\n{stderr}",
            job.name,
            e.name
        )
    };
    ensure!(status.success(), failed(format!("{status}")));
    let out = out.map_err(|err| failed(format!("{err:#}")))?;
    if let Want::Agreed(prefix) = &job.want {
        ensure!(
            out.starts_with(prefix.as_bytes()),
            failed(format!("stdout {:?}", String::from_utf8_lossy(&out)))
        );
        match agreed {
            Some(first) => ensure!(
                *first == out,
                failed("stdout differs from the first run's".into())
            ),
            None => *agreed = Some(out),
        }
    }
    if let Some(n) = job.files {
        let left = std::fs::read_dir(&dir)?.count();
        ensure!(
            left == n as usize,
            failed(format!("{left} files in the preopen, expected {n}"))
        );
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(Sample { wall, rss_kib })
}

/// One job on every engine that runs it: an untimed round, then `job.runs` rounds.
fn time_job(engines: &[&Engine], job: &Job, work: &Path) -> Result<Vec<Vec<Sample>>> {
    let mut agreed = None;
    for e in engines {
        run_once(e, job, work, &mut agreed)?;
    }
    let mut samples: Vec<Vec<Sample>> = engines.iter().map(|_| Vec::new()).collect();
    for round in 0..job.runs {
        for k in 0..engines.len() {
            let i = (round + k) % engines.len();
            samples[i].push(run_once(engines[i], job, work, &mut agreed)?);
        }
    }
    Ok(samples)
}

fn print_table(engines: &[&Engine], job: &Job, samples: &[Vec<Sample>]) {
    let walls: Vec<Vec<Duration>> = samples
        .iter()
        .map(|s| s.iter().map(|x| x.wall).collect())
        .collect();
    let base = engines.iter().position(|e| e.name == BASELINE);
    let width = engines.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let mut headers = vec![
        format!("{:<width$}", job.name),
        "median ms".into(),
        "min ms".into(),
    ];
    headers.extend(job.unit.map(|(unit, _)| unit.to_string()));
    headers.extend([format!("x {BASELINE}"), "peak MiB".into()]);
    println!("{} ({} runs)", job.name, job.runs);
    let table = Table::new(&headers);
    for (i, e) in engines.iter().enumerate() {
        let t = summarize(walls[i].clone());
        let mut row = vec![e.name.clone(), fmt_ms(t.median), fmt_ms(t.min)];
        row.extend(
            job.unit
                .map(|(_, amount)| fmt_rate(amount / t.median.as_secs_f64())),
        );
        row.push(base.map_or("-".into(), |b| {
            format!("{:.2}", median_ratio(&walls[i], &walls[b]))
        }));
        let rss = samples[i].iter().map(|s| s.rss_kib).max().unwrap_or(0);
        row.push(format!("{:.1}", rss as f64 / 1024.0));
        table.row(&row);
    }
    println!();
}

fn real_main() -> Result<()> {
    let o = parse_args()?;
    let engines = engines(&o)?;
    let work = o.tmp.join(format!("wasi-peers-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let input = work.join("copy-input");
    if o.jobs.iter().any(|j| j.starts_with("copy")) {
        write_input(&input, o.copy_mb * 1_000_000)?;
    }
    // Linux carries the parent's resident memory at spawn into the child's peak.
    let floor = peak_rss_kib()? as f64 / 1024.0;
    println!("tierwasm: {}", o.tierwasm.display());
    println!("peak MiB: the child's ru_maxrss, at least this driver's own {floor:.1} MiB\n");
    let result = (|| {
        for name in &o.jobs {
            let job = job(&o, name, &input)?;
            let on: Vec<&Engine> = engines
                .iter()
                .filter(|e| e.components || !job.component)
                .collect();
            for e in engines
                .iter()
                .filter(|e| !on.iter().any(|x| x.name == e.name))
            {
                println!(
                    "{}: skipped on {} (no WASI 0.2 components)",
                    job.name, e.name
                );
            }
            let samples = time_job(&on, &job, &work)?;
            print_table(&on, &job, &samples);
        }
        Ok(())
    })();
    std::fs::remove_dir_all(&work)?;
    result
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("wasi-peers: {e:#}");
        std::process::exit(1);
    }
}
