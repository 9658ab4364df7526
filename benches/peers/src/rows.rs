//! Rows mode (`--rows startup,quick,long`): what tiered execution is for, timed the
//! way a user meets it. Each cell is one whole job from scratch: module creation,
//! instantiation and one call of `run(n)`, so a tier's start-up, compile work and the
//! run all count. The rows are listed in `rows.txt` (kind, workload, n):
//!
//! - `startup`: `run(1)` of each workload (the big modules among them): time to first
//!   result, where an interpreter that starts at once wins;
//! - `quick`: runs of about 20-100 ms on the interpreter, where compiling everything
//!   first does not pay and compiling nothing leaves speed behind;
//! - `long`: runs of several seconds, where compiled code wins; `mandelbrot 4096` is a
//!   single call whose time is all inside one loop of one function, so only on-stack
//!   replacement can move it to compiled code.
//!
//! Engines take turns round by round (the first to go rotates), and the ratios are the
//! median of same-round ratios of the first engine (by default `tierwasm-auto`) over
//! each other engine, so a drift of the machine's speed hits all alike.

use crate::peer::Peer;
use crate::{
    Options, Table, Workload, check, fmt_ms, geomeans, median_ratio, rss_cells, summarize,
};
use anyhow::{Context, Result, bail};
use std::time::{Duration, Instant};

/// The kinds of rows, in the order they print.
const KINDS: &[&str] = &["startup", "quick", "long"];

/// The engines of rows mode unless `--engines` says otherwise; the first is the one
/// the ratios are about.
pub const DEFAULT_ENGINES: &[&str] = &[
    #[cfg(feature = "tierwasm")]
    "tierwasm-auto",
    #[cfg(feature = "tierwasm")]
    "tierwasm",
    #[cfg(feature = "tierwasm")]
    "tierwasm-jit",
    "wasmi",
    #[cfg(feature = "wasmtime")]
    "wasmtime",
];

/// `--rows KINDS`: a comma-separated list of kinds, or `all`.
pub fn parse_kinds(text: &str) -> Result<Vec<String>> {
    if text == "all" {
        return Ok(KINDS.iter().map(|k| k.to_string()).collect());
    }
    let kinds: Vec<String> = text.split(',').map(str::to_string).collect();
    for k in &kinds {
        if !KINDS.contains(&k.as_str()) {
            bail!(
                "unknown row kind `{k}` (known: {}, or all)",
                KINDS.join(", ")
            );
        }
    }
    Ok(kinds)
}

/// One line of `rows.txt`.
struct Row {
    kind: String,
    workload: Workload,
}

/// The rows of `o.rows_file` of the `kinds` asked for, on the workloads loaded.
fn load_rows(o: &Options, kinds: &[String], workloads: &[Workload]) -> Result<Vec<Row>> {
    let path = &o.rows_file;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let [kind, name, n] = fields[..] else {
            bail!("{}: expected `kind workload n`", at());
        };
        if !KINDS.contains(&kind) {
            bail!("{}: unknown kind `{kind}`", at());
        }
        let n: i32 = n.parse().with_context(at)?;
        if !kinds.iter().any(|k| k == kind) {
            continue;
        }
        // `--workload` narrows the rows to those workloads; load_workloads read only them.
        let Some(w) = workloads.iter().find(|w| w.name == name) else {
            if o.workloads.is_empty() {
                bail!("{}: no workload `{name}` in {}", at(), o.wasm_dir.display());
            }
            continue;
        };
        rows.push(Row {
            kind: kind.to_string(),
            workload: Workload {
                name: w.name.clone(),
                n,
                expected: w.expected.filter(|_| n == w.n),
                wasm: w.wasm.clone(),
            },
        });
    }
    rows.sort_by_key(|r| KINDS.iter().position(|k| *k == r.kind));
    Ok(rows)
}

/// Times `runs` rounds of the whole job on every engine; returns each engine's
/// samples.
fn time_row(peers: &[Box<dyn Peer>], w: &Workload, runs: usize) -> Result<Vec<Vec<Duration>>> {
    let mut agreed = None;
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); peers.len()];
    for round in 0..runs {
        for k in 0..peers.len() {
            let i = (round + k) % peers.len();
            let peer = &peers[i];
            let ctx = || format!("{} on {} with n={}", peer.name(), w.name, w.n);
            let start = Instant::now();
            let compiled = peer.compile(&w.wasm).with_context(ctx)?;
            let mut instance = compiled.instantiate().with_context(ctx)?;
            let got = instance.run(w.n).with_context(ctx)?;
            samples[i].push(start.elapsed());
            check(peer.name(), w, got, &mut agreed)?;
        }
    }
    Ok(samples)
}

/// Rows mode: one table, the rows grouped by kind, each kind closed by the geometric
/// mean of its ratios.
pub fn rows_table(
    o: &Options,
    kinds: &[String],
    peers: &[Box<dyn Peer>],
    workloads: &[Workload],
) -> Result<()> {
    if o.n.is_some() {
        bail!("--n does not apply to --rows (each row has its n in the rows file)");
    }
    let rows = load_rows(o, kinds, workloads)?;
    let base = peers[0].name();
    let mut headers = vec!["kind".to_string(), "workload".to_string(), "n".to_string()];
    headers.extend(peers.iter().map(|p| format!("{} ms", p.name())));
    headers.extend(peers[1..].iter().map(|p| format!("{base}/{}", p.name())));
    if o.rss {
        headers.extend(peers.iter().map(|p| format!("{} MiB", p.name())));
    }
    println!(
        "rows: module creation + instantiation + one call of run(n), from scratch, median of \
         {} rounds in ms, engines taking turns; {base}/X = median of same-round ratios \
         (< 1 = {base} faster){}",
        o.runs,
        if o.rss {
            "; MiB = peak RSS of a fresh process doing the same job"
        } else {
            ""
        }
    );
    // One untimed job per engine first, so that the first timed cell does not pay for
    // this process's first touches (lazy statics, page faults of the allocator).
    if let Some(first) = rows.first() {
        let w = &first.workload;
        for p in peers {
            p.compile(&w.wasm)?.instantiate()?.run(1)?;
        }
    }
    let table = Table::new(&headers);
    let mut logs: Vec<Vec<f64>> = vec![Vec::new(); peers.len() - 1];
    for (i, row) in rows.iter().enumerate() {
        let w = &row.workload;
        let samples = time_row(peers, w, o.runs)?;
        let mut cells = vec![row.kind.clone(), w.name.clone(), w.n.to_string()];
        cells.extend(samples.iter().map(|s| fmt_ms(summarize(s.clone()).median)));
        for (j, s) in samples[1..].iter().enumerate() {
            let ratio = median_ratio(&samples[0], s);
            logs[j].push(ratio.ln());
            cells.push(format!("{ratio:.2}"));
        }
        if o.rss {
            cells.extend(rss_cells(o, peers, w)?);
        }
        table.row(&cells);
        let kind_ends = rows.get(i + 1).is_none_or(|next| next.kind != row.kind);
        if kind_ends && peers.len() > 1 {
            let mut cells = vec![row.kind.clone(), "geomean".to_string(), String::new()];
            cells.extend(std::iter::repeat_n(String::new(), peers.len()));
            cells.extend(geomeans(&logs));
            logs.iter_mut().for_each(Vec::clear);
            table.row(&cells);
        }
    }
    Ok(())
}
