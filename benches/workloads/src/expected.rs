//! Native tool for the benchmark workloads: runs every workload on the host
//! at its default n and writes the expected checksums, so an engine's result
//! can be checked against what the same Rust source computes natively.
//!
//! The workload sources in `examples/` are included here as modules
//! unchanged; they are `no_std` and export `run` unmangled only on wasm32.
//!
//! Usage: `expected [WASM_DIR]` (default `../wasm` next to this package).
//! Writes `WASM_DIR/expected.txt` (lines `name n checksum`) and, for the
//! modules found in WASM_DIR, checks that each has no imports and exports
//! `run`, and writes `WASM_DIR/README.md` with sizes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "../examples/big.rs"]
mod big;
#[path = "../examples/coremark.rs"]
mod coremark;
#[path = "../examples/fib.rs"]
mod fib;
#[path = "../examples/lz.rs"]
mod lz;
#[path = "../examples/mandelbrot.rs"]
mod mandelbrot;
#[path = "../examples/matmul.rs"]
mod matmul;
#[path = "../examples/nbody.rs"]
mod nbody;
#[path = "../examples/sha256.rs"]
mod sha256;
#[path = "../examples/sort.rs"]
mod sort;
#[path = "../examples/bigint.rs"]
mod bigint;
#[path = "../examples/blake3.rs"]
mod blake3;
#[path = "../examples/chacha20.rs"]
mod chacha20;
#[path = "../examples/deflate.rs"]
mod deflate;
#[path = "../examples/fft.rs"]
mod fft;
#[path = "../examples/huge.rs"]
mod huge;
#[path = "../examples/markdown.rs"]
mod markdown;
#[path = "../examples/rhai.rs"]
mod rhai;
#[path = "../examples/tomlrt.rs"]
mod tomlrt;

const DEFLATE_N: i32 = 1024;
const MARKDOWN_N: i32 = 1000;
const BIGINT_N: i32 = 2000;
const TOMLRT_N: i32 = 800;
const FFT_N: i32 = 150;
const RHAI_N: i32 = 800;
const BLAKE3_N: i32 = 8192;
const CHACHA20_N: i32 = 4096;
const HUGE_N: i32 = 150;

/// One workload: its module name, default n, what it does, and its `run`.
struct Workload {
    name: &'static str,
    default_n: i32,
    what: &'static str,
    run: extern "C" fn(i32) -> i64,
}

/// Every workload, in the order the tables list them. The default n values
/// here are the single source of truth (the `.rs` docs repeat them).
const WORKLOADS: &[Workload] = &[
    Workload {
        name: "fib",
        default_n: 35,
        what: "naive recursive Fibonacci fib(n): calls and returns",
        run: fib::run,
    },
    Workload {
        name: "coremark",
        default_n: 1200,
        what: "CoreMark-like mix, n iterations: linked list find/reverse/merge sort, i16 matrix ops, state machine, CRC-16",
        run: coremark::run,
    },
    Workload {
        name: "sort",
        default_n: 400_000,
        what: "quicksort then heapsort of n xorshift i32s in a static buffer",
        run: sort::run,
    },
    Workload {
        name: "nbody",
        default_n: 500_000,
        what: "n-body simulation of the Jovian planets (f64), n steps",
        run: nbody::run,
    },
    Workload {
        name: "matmul",
        default_n: 256,
        what: "n x n matrix multiply in f64 and in f32 (i-k-j order)",
        run: matmul::run,
    },
    Workload {
        name: "sha256",
        default_n: 4096,
        what: "SHA-256 of n KiB of xorshift bytes",
        run: sha256::run,
    },
    Workload {
        name: "mandelbrot",
        default_n: 1200,
        what: "n x n 1-bit Mandelbrot bitmap, 50 iterations max (f64)",
        run: mandelbrot::run,
    },
    Workload {
        name: "lz",
        default_n: 4096,
        what: "LZ77 compress + decompress + verify of n KiB of generated text",
        run: lz::run,
    },
    Workload {
        name: "big",
        default_n: 1000,
        what: "large module (regex + serde_json, std) for translation throughput; n records to JSON and back, regex scans",
        run: big::run,
    },
    Workload {
        name: "deflate",
        default_n: DEFLATE_N,
        what: "miniz_oxide 0.8.9 (deflate/zlib): compress at level 1 or 6 + inflate + verify n KiB of generated text in 64 KiB chunks",
        run: deflate::run,
    },
    Workload {
        name: "markdown",
        default_n: MARKDOWN_N,
        what: "pulldown-cmark 0.13.6: generated CommonMark + GFM document of n sections (lists, tables, code, footnotes, links) to HTML",
        run: markdown::run,
    },
    Workload {
        name: "bigint",
        default_n: BIGINT_N,
        what: "num-bigint 0.4.8: n! by product tree, Fibonacci F(40 n) by fast doubling, division, 1024-bit modpow, gcd, sqrt, decimal output",
        run: bigint::run,
    },
    Workload {
        name: "tomlrt",
        default_n: TOMLRT_N,
        what: "toml 1.2.2 + serde 1: n-package manifest to TOML, parsed back typed and as toml::Table, walked and written again",
        run: tomlrt::run,
    },
    Workload {
        name: "fft",
        default_n: FFT_N,
        what: "rustfft 6.4.1 (scalar f64): forward + inverse FFT of sizes 4096, 3000, 1009 (prime), 2187, 1920, n rounds each",
        run: fft::run,
    },
    Workload {
        name: "rhai",
        default_n: RHAI_N,
        what: "rhai 1.27.0 (script interpreter): engine with standard packages compiles and evaluates a script (functions, loops, strings, arrays, maps, closures) with n in scope",
        run: rhai::run,
    },
    Workload {
        name: "blake3",
        default_n: BLAKE3_N,
        what: "blake3 1.8.7 (portable): BLAKE3 of n KiB one-shot and in uneven pieces, keyed hash, derive_key, 4 KiB XOF output",
        run: blake3::run,
    },
    Workload {
        name: "chacha20",
        default_n: CHACHA20_N,
        what: "chacha20 0.9.1 (RustCrypto, software backend): ChaCha20 and XChaCha20 encrypt + decrypt (with seek) of n KiB in uneven messages",
        run: chacha20::run,
    },
    Workload {
        name: "huge",
        default_n: HUGE_N,
        what: "large module (rhai, toml, pulldown-cmark, regex 1.13.1, serde_json 1.0.154, miniz_oxide, blake3, chacha20, rustfft, num-bigint at the versions above) for compile and startup; an n-page static-site build using each",
        run: huge::run,
    },
];

/// What the tool learns from a module's bytes.
struct ModuleFacts {
    size: usize,
    code_size: usize,
    imports: u32,
    exports_run: bool,
}

fn leb_u32(bytes: &[u8], pos: &mut usize) -> Result<u32, String> {
    let mut result = 0u32;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos).ok_or("truncated LEB128")?;
        *pos += 1;
        result |= ((b & 0x7f) as u32) << shift;
        if b & 0x80 == 0 {
            return Ok(result);
        }
        shift += 7;
        if shift > 28 {
            return Err("LEB128 too long".into());
        }
    }
}

/// Walks the section headers: enough to find imports, the `run` export and
/// the code size without a wasm parser dependency.
fn inspect(bytes: &[u8]) -> Result<ModuleFacts, String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut facts = ModuleFacts {
        size: bytes.len(),
        code_size: 0,
        imports: 0,
        exports_run: false,
    };
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let len = leb_u32(bytes, &mut pos)? as usize;
        let body = bytes.get(pos..pos + len).ok_or("truncated section")?;
        pos += len;
        let mut p = 0;
        match id {
            2 => facts.imports = leb_u32(body, &mut p)?,
            7 => {
                let count = leb_u32(body, &mut p)?;
                for _ in 0..count {
                    let name_len = leb_u32(body, &mut p)? as usize;
                    let name = body.get(p..p + name_len).ok_or("truncated export")?;
                    p += name_len;
                    let kind = *body.get(p).ok_or("truncated export")?;
                    p += 1;
                    leb_u32(body, &mut p)?;
                    if name == b"run" && kind == 0 {
                        facts.exports_run = true;
                    }
                }
            }
            10 => facts.code_size = len,
            _ => {}
        }
    }
    Ok(facts)
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), String> {
    let dir: PathBuf = match std::env::args_os().nth(1) {
        Some(d) => d.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm"),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    let mut expected = String::new();
    let mut readme = String::from(
        "# Benchmark workloads\n\
         \n\
         Built by `benches/workloads/build.sh` from the sources in\n\
         `benches/workloads/examples/` (Rust, `wasm32-unknown-unknown`, release, LTO,\n\
         stripped). Every module exports `run(n: i32) -> i64` and has no imports;\n\
         `run` may be called repeatedly on one instance and returns the same checksum.\n\
         `expected.txt` holds `name n checksum` per line, computed natively from the\n\
         same sources. The modules use the wasm features rustc enables by default for\n\
         this target (bulk memory, sign extension, mutable globals, multi-value,\n\
         reference types, non-trapping float-to-int); no SIMD.\n\
         \n\
         The library workloads (`deflate` to `huge`) use the crates.io versions\n\
         named below, pinned in `benches/workloads/Cargo.lock`. Since they were\n\
         added, `build.sh` rebuilds `big.wasm` with different bytes (features of\n\
         shared dependencies unify) but the same checksum; the committed `big.wasm`\n\
         is kept (`git checkout benches/wasm/big.wasm` after a build).\n\
         \n\
         | workload | what it does | default n | checksum at default n | size (bytes) | code section (bytes) |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    for w in WORKLOADS {
        let start = std::time::Instant::now();
        let sum = (w.run)(w.default_n);
        let native = start.elapsed();
        let again = (w.run)(w.default_n);
        if sum != again {
            return Err(format!(
                "{}: run is not repeatable ({sum} then {again})",
                w.name
            ));
        }
        if sum == -1 {
            return Err(format!("{}: self-check failed (run returned -1)", w.name));
        }
        println!(
            "{} {} {} ({:.1} ms native)",
            w.name,
            w.default_n,
            sum,
            native.as_secs_f64() * 1e3
        );
        writeln!(expected, "{} {} {}", w.name, w.default_n, sum).unwrap();

        let path = dir.join(format!("{}.wasm", w.name));
        let (size, code) = match std::fs::read(&path) {
            Ok(bytes) => {
                let f = inspect(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                if f.imports != 0 {
                    return Err(format!("{}: has {} imports", path.display(), f.imports));
                }
                if !f.exports_run {
                    return Err(format!(
                        "{}: does not export function `run`",
                        path.display()
                    ));
                }
                (f.size.to_string(), f.code_size.to_string())
            }
            Err(_) => ("-".into(), "-".into()),
        };
        writeln!(
            readme,
            "| `{}` | {} | {} | {} | {} | {} |",
            w.name, w.what, w.default_n, sum, size, code
        )
        .unwrap();
    }
    // Workloads built by their own recipes (`quickjs/build.sh`) keep their lines.
    let old = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
    for line in old.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        if !name.is_empty() && !WORKLOADS.iter().any(|w| w.name == name) {
            expected.push_str(line);
            expected.push('\n');
            writeln!(
                readme,
                "| `{name}` | built by `benches/workloads/{name}/build.sh` (see its README) | | | | |"
            )
            .unwrap();
        }
    }
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    write("expected.txt", &expected)?;
    write("README.md", &readme)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, MutexGuard};

    /// The workloads keep state in statics: one test at a time may run them.
    fn serial() -> MutexGuard<'static, ()> {
        static LOCK: Mutex<()> = Mutex::new(());
        LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[test]
    fn sha256_of_nothing() {
        let _one_at_a_time = serial();
        // SHA-256("") = e3b0c442 98fc1c14 ...
        assert_eq!(super::sha256::run(0), 0xe3b0_c442_98fc_1c14_u64 as i64);
        // the same generated input hashed by an independent implementation
        assert_eq!(super::sha256::run(1), 6738341408366924049);
        assert_eq!(super::sha256::run(3), -9044674069290077910);
        assert_eq!(super::sha256::run(5), -2550611081297779568);
    }

    #[test]
    fn small_runs_self_check() {
        let _one_at_a_time = serial();
        for w in super::WORKLOADS {
            for n in [1, 2, 3, 17] {
                assert_ne!((w.run)(n), -1, "{} n={n}", w.name);
            }
        }
        assert_eq!(super::fib::run(20), 6765);
    }

    #[test]
    fn sorts_sort() {
        let _one_at_a_time = serial();
        // `sort` returns -1 when an output is not sorted; try awkward sizes
        for n in [1, 2, 15, 16, 17, 100, 1000, 4097] {
            assert_ne!(super::sort::run(n), -1, "n={n}");
        }
    }
}
