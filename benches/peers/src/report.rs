//! Timing summaries and text tables shared by the `peers` and `wasi-peers` binaries.

use anyhow::{Context, Result};
use std::time::Duration;

/// Median and minimum of the timed runs.
pub struct Timing {
    /// The median sample.
    pub median: Duration,
    /// The fastest sample.
    pub min: Duration,
}

/// The median and minimum of `samples` (at least one).
pub fn summarize(mut samples: Vec<Duration>) -> Timing {
    samples.sort();
    let mid = samples.len() / 2;
    let median = if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2
    };
    Timing {
        median,
        min: samples[0],
    }
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Milliseconds with about three significant digits for short times.
pub fn fmt_ms(d: Duration) -> String {
    match ms(d) {
        x if x < 1.0 => format!("{x:.3}"),
        x if x < 100.0 => format!("{x:.2}"),
        x => format!("{x:.1}"),
    }
}

/// MB/s with about three significant digits (compiling engines manage a few MB/s).
pub fn fmt_rate(x: f64) -> String {
    match x {
        x if x < 10.0 => format!("{x:.2}"),
        x if x < 100.0 => format!("{x:.1}"),
        x => format!("{x:.0}"),
    }
}

/// The median of the same-round ratios `a[r] / b[r]`.
pub fn median_ratio(a: &[Duration], b: &[Duration]) -> f64 {
    let mut r: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.as_secs_f64() / y.as_secs_f64())
        .collect();
    r.sort_by(f64::total_cmp);
    let mid = r.len() / 2;
    if r.len() % 2 == 1 {
        r[mid]
    } else {
        (r[mid - 1] + r[mid]) / 2.0
    }
}

/// A text table printed one row at a time, columns padded to their headers.
pub struct Table {
    widths: Vec<usize>,
}

impl Table {
    pub fn new(headers: &[String]) -> Table {
        let widths: Vec<usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| h.len().max(if i == 0 { 12 } else { 10 }))
            .collect();
        let t = Table { widths };
        t.row(headers);
        t
    }

    pub fn row(&self, cells: &[String]) {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(&self.widths).enumerate() {
            if i == 0 {
                line.push_str(&format!("{cell:<w$}"));
            } else {
                line.push_str(&format!("  {cell:>w$}"));
            }
        }
        println!("{}", line.trim_end());
    }
}

/// Peak resident memory of this process so far, in KiB.
pub fn peak_rss_kib() -> Result<u64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM in /proc/self/status")?;
    let kib = line
        .split_whitespace()
        .nth(1)
        .context("malformed VmHWM line")?;
    Ok(kib.parse()?)
}
