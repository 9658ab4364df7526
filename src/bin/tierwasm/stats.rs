//! Tier statistics as tables: `run --tier-stats` (the busiest functions, on stderr after
//! the run) and `explain --invoke` (every function, after the bytecode).

use std::time::Duration;
use tierwasm::{FuncStats, Tier};

/// How `run --tier-stats` and `bench` name a tier (as `--tier` spells it).
pub(crate) fn tier_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Interp => "interp",
        Tier::Jit => "jit",
        Tier::Auto => "auto",
    }
}

fn show_compile(d: Option<Duration>) -> String {
    match d {
        Some(d) if d >= Duration::from_millis(1) => format!("{:.2} ms", d.as_secs_f64() * 1e3),
        Some(d) => format!("{:.1} us", d.as_secs_f64() * 1e6),
        None => "-".to_string(),
    }
}

/// One line per function of `stats`, under a header (`explain` shows every function).
pub(crate) fn table(stats: &[FuncStats]) -> Vec<String> {
    let name_of = |s: &FuncStats| s.name.clone().unwrap_or_else(|| "-".to_string());
    let width = stats
        .iter()
        .map(|s| name_of(s).len())
        .max()
        .unwrap_or(0)
        .clamp(4, 32);
    let mut lines = vec![format!(
        "{:>6}  {:<width$}  {:<6} {:>12} {:>14} {:>10} {:>5}",
        "func", "name", "tier", "calls", "loop iters", "compile", "osr"
    )];
    for s in stats {
        let mut name = name_of(s);
        if name.len() > width {
            let cut = (0..=width - 1)
                .rev()
                .find(|&i| name.is_char_boundary(i))
                .unwrap_or(0);
            name.truncate(cut);
            name.push('~');
        }
        lines.push(format!(
            "{:>6}  {name:<width$}  {:<6} {:>12} {:>14} {:>10} {:>5}",
            s.func_index,
            tier_name(s.tier),
            s.calls,
            s.loop_iterations,
            show_compile(s.compile_time),
            s.osr_entries
        ));
    }
    lines
}

/// The `limit` functions that ran most (by calls, then loop iterations), for
/// `run --tier-stats`; functions nothing was counted for are left out and summed up.
pub(crate) fn busiest(mut stats: Vec<FuncStats>, limit: usize) -> Vec<String> {
    let total = stats.len();
    stats.retain(|s| s.calls > 0 || s.loop_iterations > 0 || s.osr_entries > 0);
    stats.sort_by(|a, b| {
        (b.calls, b.loop_iterations, a.func_index).cmp(&(a.calls, a.loop_iterations, b.func_index))
    });
    let counted = stats.len();
    stats.truncate(limit);
    let mut lines = match counted {
        0 => Vec::new(),
        _ => table(&stats),
    };
    let shown = stats.len();
    lines.push(match (counted, shown < counted) {
        (0, _) => format!(
            "tier stats: no calls counted in {total} function(s) (code compiled ahead of time counts none)"
        ),
        (_, true) => format!(
            "tier stats: the {shown} most called of {counted} functions that ran ({total} defined)"
        ),
        _ => format!("tier stats: {counted} of {total} defined functions ran"),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(func_index: u32, calls: u64, loops: u64) -> FuncStats {
        FuncStats {
            func_index,
            name: (func_index == 1).then(|| "hot".to_string()),
            tier: Tier::Interp,
            calls,
            loop_iterations: loops,
            compile_time: None,
            osr_entries: 0,
        }
    }

    #[test]
    fn busiest_sorts_by_calls_and_leaves_out_what_never_ran() {
        let lines = busiest(
            vec![
                stats(0, 2, 0),
                stats(1, 9, 0),
                stats(2, 0, 0),
                stats(3, 2, 7),
            ],
            2,
        );
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert!(lines[1].trim_start().starts_with("1  hot "), "{lines:#?}");
        assert!(lines[2].trim_start().starts_with("3  -  "), "{lines:#?}");
        assert_eq!(
            lines[3],
            "tier stats: the 2 most called of 3 functions that ran (4 defined)"
        );
        let none = busiest(vec![stats(0, 0, 0)], 20);
        assert_eq!(
            none,
            [
                "tier stats: no calls counted in 1 function(s) (code compiled ahead of time counts none)"
            ]
        );
    }
}
