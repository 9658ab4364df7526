//! Size limits on the source tree, so that no part grows back into a file or function
//! a newcomer cannot read in one sitting: no file in `src/` over 1000 lines (except the
//! op table listed in `LONG_FILES`, one short item per op), and no function over 150
//! lines anywhere.
//!
//! Functions are found by a line scan (an `fn` item or a `handler!` up to its matching
//! closing brace), which is exact for rustfmt-formatted code.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 1000;
const MAX_FN_LINES: usize = 150;

/// Files allowed past `MAX_FILE_LINES`, with the reason.
const LONG_FILES: &[(&str, &str)] = &[(
    "src/interp/ops.rs",
    "the op table: one documented line per op; SIMD adds about 250",
)];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src/") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The name of the function that starts on `line`, if one does.
fn fn_start(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("handler!(") {
        return rest
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next();
    }
    if t.starts_with("//") {
        return None;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "fn")?;
    let before_ok = words[..at].iter().all(|w| {
        w.starts_with("pub") || ["const", "async", "unsafe", "extern", "\"C\""].contains(w)
    });
    if !before_ok {
        return None;
    }
    words
        .get(at + 1)
        .map(|n| n.split(['(', '<']).next().unwrap_or(n))
}

/// Code of a line without its comment and string/char literal contents.
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => break,
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                // A char literal ('{', '\n') or a lifetime ('a): skip only literals.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') || rest.chars().nth(1) == Some('\'') {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `(name, first line, length)` of every function in `text`.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = fn_start(line) else { continue };
        let mut depth = 0i64;
        let mut opened = false;
        for (j, l) in lines.iter().enumerate().skip(i) {
            let code = code_of(l);
            depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            opened |= code.contains('{');
            if opened && depth <= 0 {
                found.push((name.to_string(), i + 1, j - i + 1));
                break;
            }
            if !opened && code.trim_end().ends_with(';') {
                break; // a declaration without a body
            }
        }
    }
    found
}

fn main() {
    the_scanner_finds_functions_and_their_ends();
    no_file_or_function_is_over_the_limits();
}

fn no_file_or_function_is_over_the_limits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut nfns = 0;
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("readable source");
        let nlines = text.lines().count();
        if nlines > MAX_FILE_LINES && !LONG_FILES.iter().any(|(f, _)| *f == rel) {
            problems.push(format!("{rel}: {nlines} lines (limit {MAX_FILE_LINES})"));
        }
        for (name, line, len) in functions(&text) {
            nfns += 1;
            if len > MAX_FN_LINES {
                problems.push(format!(
                    "{rel}:{line}: fn {name} is {len} lines (limit {MAX_FN_LINES})"
                ));
            }
        }
    }
    for (f, why) in LONG_FILES {
        assert!(
            root.join(f).is_file(),
            "LONG_FILES names a missing file: {f}"
        );
        println!("layout: {f} may exceed {MAX_FILE_LINES} lines ({why})");
    }
    for p in &problems {
        println!("  {p}");
    }
    // Each file and each function is one check.
    let checks = files.len() + nfns;
    println!(
        "layout ({} files, {nfns} functions): {} passed, {} failed",
        files.len(),
        checks - problems.len(),
        problems.len()
    );
    if !problems.is_empty() {
        std::process::exit(1);
    }
}

/// A self-check of the scanner on a snippet with strings and chars holding braces.
fn the_scanner_finds_functions_and_their_ends() {
    let text = "pub(crate) unsafe fn a(x: u32) {\n    let s = \"}\";\n    if x > 0 {\n    }\n}\nfn decl();\nhandler!(add(pc) {\n    '{';\n});\n";
    let f = functions(text);
    assert_eq!(f, vec![("a".into(), 1, 5), ("add".into(), 7, 3)]);
}
