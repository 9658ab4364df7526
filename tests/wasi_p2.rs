//! WASI 0.2: runs the guest programs of `tests/wasi_p2/` (Rust std for wasm32-wasip2;
//! sources and `build.sh` in `tests/wasi_p2/guests`) as `wasi:cli/command` components,
//! each case on the interpreter and on the JIT, on a fresh temporary directory. Prints
//! `wasi p2 <tier>: N passed, M failed`.

mod common;

use std::path::{Path, PathBuf};
use tierwasm::component::{Component, Linker};
use tierwasm::wasi::{DirPerms, MemoryInputPipe, MemoryOutputPipe, WasiCtx, WasiCtxBuilder, p2};
use tierwasm::{Config, Engine, Store, Tier};

/// What one run ended with.
struct Outcome {
    /// The exit code, or the error (a trap) that ended the run.
    exit: Result<i32, String>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Outcome {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// One case: a guest, what it is given, and what must come out.
struct Case {
    name: &'static str,
    guest: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    stdin: fn() -> Vec<u8>,
    net: &'static [&'static str],
    check: fn(&Outcome, &[u8]) -> Result<(), String>,
}

fn no_stdin() -> Vec<u8> {
    Vec::new()
}

/// 12 MB of varied bytes.
fn big_stdin() -> Vec<u8> {
    (0..12u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// Exit code 0 and every `ok NAME` line expected.
fn all_ok(names: &'static [&'static str]) -> impl Fn(&Outcome) -> Result<(), String> {
    move |o| {
        exit_is(o, 0)?;
        let out = o.stdout();
        for n in names {
            if !out.lines().any(|l| l == format!("ok {n}")) {
                return Err(format!("no `ok {n}` in output:\n{out}"));
            }
        }
        Ok(())
    }
}

fn exit_is(o: &Outcome, code: i32) -> Result<(), String> {
    match &o.exit {
        Ok(c) if *c == code => Ok(()),
        Ok(c) => Err(format!(
            "exit code {c}, expected {code}; stdout:\n{}\nstderr:\n{}",
            o.stdout(),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!(
            "trapped: {e}; stdout:\n{}\nstderr:\n{}",
            o.stdout(),
            String::from_utf8_lossy(&o.stderr)
        )),
    }
}

/// The run must trap with `what` in the error, and the guest must not have gone on.
fn traps_with(o: &Outcome, what: &str) -> Result<(), String> {
    match &o.exit {
        Err(e) if e.contains(what) && !o.stdout().contains("accepted") => Ok(()),
        other => Err(format!(
            "expected a trap with `{what}`, got {other:?}; stdout: {}",
            o.stdout()
        )),
    }
}

/// `not-permitted` is case 31 of `wasi:filesystem/types.error-code`.
fn not_permitted(o: &Outcome) -> Result<(), String> {
    exit_is(o, 0)?;
    match o.stdout().trim() {
        "error-code 31" => Ok(()),
        out => Err(format!(
            "expected `error-code 31` (not-permitted), got `{out}`"
        )),
    }
}

const CASES: &[Case] = &[
    Case {
        name: "args, env and exit code",
        guest: "hello",
        args: &["exit=1", "two words"],
        env: &[("GREETING", "hi"), ("EMPTY", "")],
        stdin: no_stdin,
        net: &[],
        check: |o, _| {
            exit_is(o, 1)?;
            let want = "args: exit=1 two words\nenv: EMPTY=\nenv: GREETING=hi\n";
            match o.stdout() == want && o.stderr == b"to stderr\n" {
                true => Ok(()),
                false => Err(format!(
                    "stdout {:?}, stderr {:?}",
                    o.stdout(),
                    String::from_utf8_lossy(&o.stderr)
                )),
            }
        },
    },
    Case {
        name: "main returning normally exits 0",
        guest: "hello",
        args: &[],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| exit_is(o, 0),
    },
    Case {
        name: "a panic traps (Rust aborts)",
        guest: "hello",
        args: &["exit=x"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| traps_with(o, "unreachable"),
    },
    Case {
        name: "stdin to stdout copy of 12 MB",
        guest: "copy",
        args: &[],
        env: &[],
        stdin: big_stdin,
        net: &[],
        check: |o, input| {
            exit_is(o, 0)?;
            match o.stdout == input {
                true => Ok(()),
                false => Err(format!(
                    "copied {} bytes of {}, or other bytes",
                    o.stdout.len(),
                    input.len()
                )),
            }
        },
    },
    Case {
        name: "files, directories, metadata, rename, unlink and escapes",
        guest: "fs",
        args: &[],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| {
            all_ok(&[
                "write-read",
                "metadata",
                "directories",
                "rename-unlink",
                "read-only-preopen",
                "dotdot-refused",
                "symlink-out-refused",
            ])(o)
        },
    },
    Case {
        name: "clocks, sleeps and polls",
        guest: "clocks",
        args: &[],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| all_ok(&["sleep", "wall-clock", "poll"])(o),
    },
    Case {
        name: "random, insecure random and the seed",
        guest: "random",
        args: &[],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| all_ok(&["random", "insecure", "insecure-seed", "hashmap"])(o),
    },
    Case {
        name: "TCP, UDP and lookup on 127.0.0.1",
        guest: "net",
        args: &[],
        env: &[],
        stdin: no_stdin,
        net: &["127.0.0.1"],
        check: |o, _| all_ok(&["tcp", "udp", "lookup"])(o),
    },
    Case {
        name: "sockets refused without permission",
        guest: "net",
        args: &["denied"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| all_ok(&["denied"])(o),
    },
    Case {
        name: "open-at of an absolute path is not-permitted",
        guest: "bad",
        args: &["absolute"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| not_permitted(o),
    },
    Case {
        name: "open-at of ../ is not-permitted",
        guest: "bad",
        args: &["dotdot"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| not_permitted(o),
    },
    Case {
        name: "a path with a NUL byte is invalid",
        guest: "bad",
        args: &["nul"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| {
            exit_is(o, 0)?;
            // Case 12 of `error-code` is `invalid`.
            match o.stdout().trim() {
                "error-code 12" => Ok(()),
                out => Err(format!("expected `error-code 12` (invalid), got `{out}`")),
            }
        },
    },
    Case {
        name: "a handle of another resource type traps",
        guest: "bad",
        args: &["mistyped"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| traps_with(o, "used with the wrong type"),
    },
    Case {
        name: "a forged handle traps",
        guest: "bad",
        args: &["forged"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| traps_with(o, "unknown handle index"),
    },
    Case {
        name: "a closed handle traps",
        guest: "bad",
        args: &["closed"],
        env: &[],
        stdin: no_stdin,
        net: &[],
        check: |o, _| traps_with(o, "unknown handle index"),
    },
];

/// A fresh directory tree for one run: `work/` (preopened read-write, with a symbolic
/// link `escape` to `secret.txt` outside it), `ro/` (preopened read-only) and
/// `secret.txt` beside them.
fn sandbox(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("tierwasm-wasi-p2-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("work")).unwrap();
    std::fs::create_dir_all(root.join("ro")).unwrap();
    std::fs::write(root.join("secret.txt"), "secret\n").unwrap();
    std::fs::write(root.join("ro/data.txt"), "read only\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("secret.txt"), root.join("work/escape")).unwrap();
    root
}

fn run(engine: &Engine, case: &Case, input: &[u8], dir: &Path) -> anyhow::Result<Outcome> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/wasi_p2/{}.wasm", case.guest));
    let component = Component::from_file(engine, &path)?;
    let (stdout, stderr) = (MemoryOutputPipe::new(), MemoryOutputPipe::new());
    let mut b = WasiCtxBuilder::new();
    b.arg(case.guest)
        .args(case.args.iter().copied())
        .envs(case.env.iter().copied())
        .stdin(MemoryInputPipe::new(input))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .preopened_dir(dir.join("work"), "/work", DirPerms::ReadWrite)?
        .preopened_dir(dir.join("ro"), "/ro", DirPerms::ReadOnly)?;
    for addr in case.net {
        b.allow_net(addr)?;
    }
    let mut store = Store::new(engine, b.build());
    let mut linker = Linker::new(engine);
    p2::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx)?;
    let exit = p2::run(&linker, &mut store, &component).map_err(|e| format!("{e:#}"));
    Ok(Outcome {
        exit,
        stdout: stdout.contents(),
        stderr: stderr.contents(),
    })
}

/// A component importing `wasi:random/random` at `version`, exporting `run` (two random
/// numbers' XOR, nonzero unless they are equal).
fn random_importer(version: &str) -> String {
    format!(
        r#"(component
          (import "wasi:random/random@{version}"
            (instance $r (export "get-random-u64" (func (result u64)))))
          (alias export $r "get-random-u64" (func $f))
          (core func $g (canon lower (func $f)))
          (core module $m
            (import "" "f" (func $f (result i64)))
            (func (export "run") (result i64) (i64.xor (call $f) (call $f))))
          (core instance $i (instantiate $m (with "" (instance (export "f" (func $g))))))
          (func (export "run") (result u64) (canon lift (core func $i "run"))))"#
    )
}

/// Imports of older 0.2 versions link to the 0.2.6 definitions; other versions do not.
fn versions_link(engine: &Engine) -> Result<(), String> {
    let mut linker = Linker::new(engine);
    p2::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).map_err(|e| e.to_string())?;
    for (version, links) in [
        ("0.2.0", true),
        ("0.2.3", true),
        ("0.3.0", false),
        ("0.2.0-rc-2023-12-05", false),
    ] {
        let component =
            Component::new(engine, random_importer(version)).map_err(|e| e.to_string())?;
        let mut store = Store::new(engine, WasiCtx::new());
        match (linker.instantiate(&mut store, &component), links) {
            (Ok(instance), true) => {
                let run = instance
                    .get_typed_func::<(), (u64,)>(&store, "run")
                    .map_err(|e| e.to_string())?;
                let (x,) = run.call(&mut store, ()).map_err(|e| e.to_string())?;
                if x == 0 {
                    return Err(format!("@{version}: two random numbers were equal"));
                }
            }
            (Err(_), false) => {}
            (Ok(_), false) => return Err(format!("@{version} linked, but is not compatible")),
            (Err(e), true) => return Err(format!("@{version} did not link: {e:#}")),
        }
    }
    Ok(())
}

/// A socket read blocks and wakes: the guest connects to a server here that sends its
/// bytes only 150 ms later, and reads them.
fn socket_wakes(engine: &Engine) -> Result<(), String> {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut conn, _) = listener.accept()?;
        std::thread::sleep(std::time::Duration::from_millis(150));
        conn.write_all(b"late")
    });
    let args: &'static [&'static str] = Box::leak(Box::new([
        "client",
        Box::leak(port.to_string().into_boxed_str()),
    ]));
    let case = Case {
        name: "a socket read blocks and wakes",
        guest: "net",
        args,
        env: &[],
        stdin: no_stdin,
        net: &["127.0.0.1"],
        check: |_, _| Ok(()),
    };
    let dir = sandbox("wakes");
    let o = run(engine, &case, &[], &dir).map_err(|e| format!("{e:#}"));
    let _ = std::fs::remove_dir_all(&dir);
    let o = o?;
    server
        .join()
        .map_err(|_| "server panicked")?
        .map_err(|e| e.to_string())?;
    exit_is(&o, 0)?;
    let out = o.stdout();
    let ms: u64 = out
        .trim()
        .strip_prefix("got \"late\" after ")
        .and_then(|r| r.strip_suffix(" ms"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("unexpected output {out:?}"))?;
    match ms >= 140 {
        true => Ok(()),
        false => Err(format!(
            "read returned after {ms} ms, before the bytes were sent"
        )),
    }
}

/// A check beside the cases (it sets up more than a case can say).
type Check = fn(&Engine) -> Result<(), String>;

fn main() {
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let mut failed_any = false;
    let mut configs = vec![("interp", Config::new().tier(Tier::Interp).clone())];
    if cfg!(feature = "jit") {
        configs.push(("jit", Config::new().tier(Tier::Jit).clone()));
        // Every function and lowering compiled at its first call, loops by OSR.
        configs.push(("auto", common::eager_auto()));
    }
    for (label, config) in configs {
        let engine = Engine::new(&config).expect("engine");
        let (mut passed, mut failed) = (0, 0);
        for (i, case) in CASES.iter().enumerate() {
            if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
                continue;
            }
            let dir = sandbox(&format!("{label}-{i}"));
            let input = (case.stdin)();
            let result = run(&engine, case, &input, &dir)
                .map_err(|e| format!("{e:#}"))
                .and_then(|o| (case.check)(&o, &input));
            let _ = std::fs::remove_dir_all(&dir);
            match result {
                Ok(()) => passed += 1,
                Err(e) => {
                    failed += 1;
                    println!("FAIL {label} {}: {e}", case.name);
                }
            }
        }
        if filter.is_none() {
            let checks: [(&str, Check); 2] = [
                ("older 0.2 versions link", versions_link),
                ("a socket read blocks and wakes", socket_wakes),
            ];
            for (name, check) in checks {
                match check(&engine) {
                    Ok(()) => passed += 1,
                    Err(e) => {
                        failed += 1;
                        println!("FAIL {label} {name}: {e}");
                    }
                }
            }
        }
        println!("wasi p2 {label}: {passed} passed, {failed} failed");
        failed_any |= failed > 0;
    }
    if failed_any {
        std::process::exit(1);
    }
}
