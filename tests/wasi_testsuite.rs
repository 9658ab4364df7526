//! WASI preview 1: the official conformance programs of `wasi-testsuite` (prebuilt in
//! `../shared/testsuite/wasi-testsuite`, beside the repository) on the interpreter and
//! on the JIT, and sandbox tests: escapes from a preopen by `..`, an absolute path and a
//! symbolic link pointing outside must all be refused.
//!
//! Each program runs with the arguments, environment and preopened root its `.json`
//! gives (see the suite's `doc/specification.md`), on a writable copy of that root,
//! and must exit with the expected code and print the expected output. Programs that
//! cannot pass are in `SKIP` with the reason; any other failure fails the test.

mod common;

use std::path::{Path, PathBuf};
use tierwasm::wasi::{DirPerms, I32Exit, MemoryOutputPipe, WasiCtx, WasiCtxBuilder, p1};
use tierwasm::{Config, Engine, Linker, Module, Store, Tier};

/// Programs left out: `(language, program, reason)`.
const SKIP: &[(&str, &str, &str)] = &[(
    "c",
    "pwrite-with-append",
    "pwrite on a file opened with O_APPEND: the host appends (Linux pwrite semantics) where the test expects the offset to be honoured",
)];

/// A test's expectations, from its `.json` (the legacy format: every test here uses it).
#[derive(Default)]
struct Spec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    root: Option<String>,
    exit_code: i32,
    stdout: Option<String>,
}

/// Just enough JSON for the specs: objects, arrays, strings, numbers, literals.
#[derive(Debug)]
enum Json {
    Obj(Vec<(String, Json)>),
    Arr(Vec<Json>),
    Str(String),
    Num(f64),
    Lit,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let ok = self.s.get(self.i) == Some(&c);
        self.i += usize::from(ok);
        ok
    }

    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                while !self.eat(b'}') {
                    self.eat(b',');
                    self.ws();
                    let Json::Str(k) = self.value() else {
                        panic!("object key")
                    };
                    assert!(self.eat(b':'));
                    items.push((k, self.value()));
                }
                Json::Obj(items)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                while !self.eat(b']') {
                    self.eat(b',');
                    items.push(self.value());
                }
                Json::Arr(items)
            }
            b'"' => Json::Str(self.string()),
            c if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                while self.i < self.s.len() && b"-+.eE0123456789".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Json::Num(text.parse().unwrap())
            }
            _ => {
                while self.i < self.s.len() && self.s[self.i].is_ascii_alphabetic() {
                    self.i += 1;
                }
                Json::Lit
            }
        }
    }

    fn string(&mut self) -> String {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'u' => {
                            let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
                            self.i += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap();
                            out.extend_from_slice(ch.to_string().as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).unwrap()
    }
}

fn read_spec(wasm: &Path) -> Spec {
    let mut spec = Spec::default();
    let Ok(text) = std::fs::read_to_string(wasm.with_extension("json")) else {
        return spec;
    };
    let Json::Obj(items) = (Parser {
        s: text.as_bytes(),
        i: 0,
    })
    .value() else {
        panic!("{}: not an object", wasm.display())
    };
    for (key, value) in items {
        match (key.as_str(), value) {
            ("args", Json::Arr(a)) => {
                spec.args = a
                    .into_iter()
                    .map(|v| match v {
                        Json::Str(s) => s,
                        other => panic!("argument {other:?}"),
                    })
                    .collect()
            }
            ("env", Json::Obj(vars)) => {
                spec.env = vars
                    .into_iter()
                    .map(|(k, v)| match v {
                        Json::Str(s) => (k, s),
                        other => panic!("variable {other:?}"),
                    })
                    .collect()
            }
            ("root", Json::Str(r)) => spec.root = Some(r),
            ("exit_code", Json::Num(n)) => spec.exit_code = n as i32,
            ("stdout", Json::Str(s)) => spec.stdout = Some(s),
            (other, v) => panic!("{}: unknown field {other}: {v:?}", wasm.display()),
        }
    }
    spec
}

/// A fresh, writable copy of `from` (the suite's folders have no write bits).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
            let mut perms = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(
                clippy::permissions_set_readonly_false,
                reason = "the copy of a read-only suite file must be writable by the test"
            )]
            perms.set_readonly(false);
            std::fs::set_permissions(&dest, perms).unwrap();
        }
    }
}

/// A new empty directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tierwasm-wasi-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Host {
    wasi: WasiCtx,
}

/// Runs `_start` of `module` with `wasi`; the exit code (0 when `_start` returns).
fn run_start(engine: &Engine, module: &Module, wasi: WasiCtx) -> Result<i32, String> {
    let mut linker = Linker::new(engine);
    p1::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).map_err(|e| e.to_string())?;
    let mut store = Store::new(engine, Host { wasi });
    let instance = linker
        .instantiate(&mut store, module)
        .map_err(|e| format!("{e:#}"))?;
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| format!("{e:#}"))?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(exit.0),
            None => Err(format!("trap: {e:#}")),
        },
    }
}

/// Runs one conformance program; `Err` says what went wrong.
fn run_test(engine: &Engine, wasm: &Path) -> Result<(), String> {
    let spec = read_spec(wasm);
    let module = Module::from_file(engine, wasm).map_err(|e| format!("{e:#}"))?;
    let (stdout, stderr) = (MemoryOutputPipe::new(), MemoryOutputPipe::new());
    let mut builder = WasiCtxBuilder::new();
    let name = wasm.file_name().unwrap().to_string_lossy().into_owned();
    builder
        .arg(name.clone())
        .args(spec.args.iter().cloned())
        .envs(spec.env.iter().cloned())
        .stdout(stdout.clone())
        .stderr(stderr.clone());
    let root = spec.root.as_ref().map(|r| {
        let copy = temp_dir(&name);
        copy_dir(&wasm.parent().unwrap().join(r), &copy);
        copy
    });
    if let Some(root) = &root {
        builder
            .preopened_dir(root, "/", DirPerms::ReadWrite)
            .map_err(|e| e.to_string())?;
    }
    let result = run_start(engine, &module, builder.build());
    if let Some(root) = &root {
        let _ = std::fs::remove_dir_all(root);
    }
    let err = String::from_utf8_lossy(&stderr.contents()).into_owned();
    let code = result.map_err(|e| format!("{e}; stderr: {err}"))?;
    if code != spec.exit_code {
        return Err(format!(
            "exit code {code}, expected {}; stderr: {err}",
            spec.exit_code
        ));
    }
    let out = String::from_utf8_lossy(&stdout.contents()).into_owned();
    match &spec.stdout {
        Some(want) if *want != out => Err(format!("stdout {out:?}, expected {want:?}")),
        _ => Ok(()),
    }
}

/// The engine of `tier`; `Tier::Auto` tiers up at every first call and loop
/// (`common::eager_auto`), so the programs cross the tier switch.
fn engine(tier: Tier) -> Engine {
    let config = match tier {
        Tier::Auto => common::eager_auto(),
        tier => {
            let mut config = Config::new();
            config.tier(tier);
            config
        }
    };
    Engine::new(&config).unwrap()
}

fn tiers() -> Vec<(&'static str, Tier)> {
    let mut tiers = vec![("interp", Tier::Interp)];
    if cfg!(feature = "jit") {
        tiers.push(("jit", Tier::Jit));
        tiers.push(("auto", Tier::Auto));
    }
    tiers
}

/// Runs every program of every language on every tier; the number of unexpected failures.
fn conformance() -> usize {
    let suite =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testsuite/wasi-testsuite/tests");
    assert!(
        suite.is_dir(),
        "the WASI test suite is missing: {}",
        suite.display()
    );
    for (lang, test, why) in SKIP {
        println!("skipped: {lang} {test}: {why}");
    }
    let mut unexpected = 0;
    for lang in ["assemblyscript", "c", "rust"] {
        let dir = suite.join(lang).join("testsuite/wasm32-wasip1");
        let mut programs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        programs.sort();
        for (tier_name, tier) in tiers() {
            let engine = engine(tier);
            let (mut passed, mut failed, mut skipped) = (0, 0, 0);
            for wasm in &programs {
                let test = wasm.file_stem().unwrap().to_string_lossy();
                if SKIP.iter().any(|(l, t, _)| *l == lang && *t == test) {
                    skipped += 1;
                    continue;
                }
                match run_test(&engine, wasm) {
                    Ok(()) => passed += 1,
                    Err(e) => {
                        println!("FAIL {lang} {tier_name} {test}: {e}");
                        failed += 1;
                    }
                }
            }
            unexpected += failed;
            println!(
                "wasi-testsuite p1 {lang} {tier_name}: {passed} passed, {failed} failed, {skipped} skipped"
            );
        }
    }
    unexpected
}

/// A guest that calls `path_open` (following links) or `path_create_directory` on fd 3
/// with a path the host writes at address 1024; each returns the errno.
const PROBE: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $mkdir (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "open") (param $ptr i32) (param $len i32) (result i32)
    (call $open (i32.const 3) (i32.const 1) (local.get $ptr) (local.get $len)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 2000)))
  (func (export "mkdir") (param $len i32) (result i32)
    (call $mkdir (i32.const 3) (i32.const 1024) (local.get $len))))
"#;

/// The escapes the sandbox must refuse; the number of them it did not.
fn sandbox() -> usize {
    let base = temp_dir("sandbox");
    let (root, outside) = (base.join("root"), base.join("outside"));
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::write(root.join("inside.txt"), "fine").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("link")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("../outside", root.join("sub/up")).unwrap();
    let absolute = outside.join("secret.txt").to_string_lossy().into_owned();
    let mut refusals = vec![
        ("..", "../outside/secret.txt".to_string()),
        ("nested ..", "sub/../../outside/secret.txt".to_string()),
        ("absolute path", absolute),
    ];
    if cfg!(unix) {
        refusals.push(("symlink to an absolute path outside", "link".to_string()));
        refusals.push((
            "symlink to a relative path outside",
            "sub/up/../secret.txt".to_string(),
        ));
        refusals.push(("through a symlink outside", "sub/up/secret.txt".to_string()));
    }
    let mut missed = 0;
    for (tier_name, tier) in tiers() {
        let engine = engine(tier);
        let module = Module::new(&engine, PROBE).unwrap();
        let mut linker = Linker::new(&engine);
        p1::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
        let mut builder = WasiCtxBuilder::new();
        builder
            .preopened_dir(&root, "/", DirPerms::ReadWrite)
            .unwrap();
        let mut store = Store::new(
            &engine,
            Host {
                wasi: builder.build(),
            },
        );
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        let open = instance
            .get_typed_func::<(i32, i32), i32>(&mut store, "open")
            .unwrap();
        let mkdir = instance
            .get_typed_func::<i32, i32>(&mut store, "mkdir")
            .unwrap();
        let mut probe = |path: &str| {
            memory.write(&mut store, 1024, path.as_bytes()).unwrap();
            open.call(&mut store, (1024, path.len() as i32)).unwrap()
        };
        let (mut passed, mut failed) = (0, 0);
        let mut check = |what: &str, ok: bool, detail: String| {
            if ok {
                passed += 1;
            } else {
                failed += 1;
                println!("FAIL sandbox {tier_name} {what}: {detail}");
            }
        };
        let e = probe("inside.txt");
        check("open inside the preopen", e == 0, format!("errno {e}"));
        for (what, path) in &refusals {
            let e = probe(path);
            check(what, e != 0, format!("`{path}` opened"));
        }
        // A wild pointer is EFAULT (21), not a crash.
        let e = open.call(&mut store, (-16, 64)).unwrap();
        check("pointer past memory", e == 21, format!("errno {e}"));
        memory.write(&mut store, 1024, b"../escaped").unwrap();
        let e = mkdir.call(&mut store, 10).unwrap();
        check(
            "mkdir by ..",
            e != 0 && !base.join("escaped").exists(),
            format!("errno {e}"),
        );
        println!("wasi sandbox {tier_name}: {passed} passed, {failed} failed");
        missed += failed;
    }
    let _ = std::fs::remove_dir_all(&base);
    missed
}

fn main() {
    let failures = sandbox() + conformance();
    if failures > 0 {
        println!("{failures} unexpected failure(s)");
        std::process::exit(1);
    }
}
