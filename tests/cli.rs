//! The `tierwasm` command line, run as a process.

use std::process::{Command, Output};

fn tierwasm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierwasm"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run tierwasm")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_prints_results_one_per_line() {
    for tier in ["interp", "auto"] {
        let o = tierwasm(&[
            "run",
            "--tier",
            tier,
            "tests/fixtures/fac.wat",
            "--invoke",
            "fac",
            "20",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "2432902008176640000\n");
    }
    let o = tierwasm(&[
        "run",
        "tests/fixtures/floats.wat",
        "--invoke",
        "pair",
        "2.5",
    ]);
    assert_eq!(stdout(&o), "2.5\n-7\n");
    let o = tierwasm(&["run", "tests/fixtures/floats.wat", "--invoke", "half", "-3"]);
    assert_eq!(stdout(&o), "-1.5\n");
    let o = tierwasm(&["run", "tests/fixtures/floats.wat", "--invoke", "inf"]);
    assert_eq!(stdout(&o), "inf\n");
}

#[test]
fn a_trap_exits_1_with_its_kind() {
    let o = tierwasm(&["run", "tests/fixtures/fac.wat", "--invoke", "div", "1", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: wasm trap: integer divide by zero\n");
    let o = tierwasm(&["run", "tests/fixtures/fac.wat", "--invoke", "recurse", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: wasm trap: call stack exhausted\n");
    let o = tierwasm(&[
        "run",
        "--fuel",
        "100",
        "tests/fixtures/fac.wat",
        "--invoke",
        "fac-iter",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: wasm trap: all fuel consumed\n");
}

/// Runaway recursion on the main thread (8 MiB) traps whatever `--max-wasm-stack` says,
/// even far more than the thread has, on both tiers: never an abort.
#[test]
fn runaway_recursion_on_the_main_thread_traps_with_any_stack_limit() {
    let tiers: &[&str] = if cfg!(feature = "jit") {
        &["interp", "jit"]
    } else {
        &["interp"]
    };
    for tier in tiers {
        for max in ["65536", "8388608", "1073741824"] {
            let o = tierwasm(&[
                "run",
                "--tier",
                tier,
                "--max-wasm-stack",
                max,
                "tests/fixtures/fac.wat",
                "--invoke",
                "recurse",
                "0",
            ]);
            assert_eq!(o.status.code(), Some(1), "{tier} {max}: {}", stderr(&o));
            assert_eq!(stderr(&o), "error: wasm trap: call stack exhausted\n");
        }
    }
}

#[test]
fn bad_input_exits_2_without_panicking() {
    let dir = std::env::temp_dir().join(format!("tierwasm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x05\x03\x01").unwrap();
    let o = tierwasm(&["run", bad.to_str().unwrap(), "--invoke", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unexpected end-of-file"),
        "{}",
        stderr(&o)
    );
    let o = tierwasm(&["run", "no/such/file.wasm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"));
    let o = tierwasm(&["run", "tests/fixtures/fac.wat", "--invoke", "fac", "banana"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`banana` is not a valid i64"),
        "{}",
        stderr(&o)
    );
    let o = tierwasm(&["run", "tests/fixtures/fac.wat", "--invoke", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    {
        let o = &o;
        assert!(!stderr(o).contains("panicked"));
    }
}

#[test]
fn wast_reports_each_file() {
    let o = tierwasm(&["wast", "tests/fixtures/small.wast"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o),
        "tests/fixtures/small.wast: 4 passed, 0 failed\n"
    );
}

#[test]
fn help_is_generated() {
    let o = tierwasm(&["--help"]);
    assert!(o.status.success());
    for word in ["run", "wast", "explain", "bench"] {
        assert!(stdout(&o).contains(word));
    }
}

#[test]
fn explain_shows_bytecode_and_stats() {
    let o = tierwasm(&["explain", "tests/fixtures/fac.wat", "--invoke", "fac", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("function fac (#0)"), "{text}");
    assert!(text.contains("results: 120"), "{text}");
    let after = text
        .split("tiers after the call:\n")
        .nth(1)
        .expect("a tier table");
    let row: Vec<&str> = after
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    // On auto, `fac` may have moved to the JIT by now.
    assert_eq!([row[0], row[1], row[3]], ["0", "fac", "6"], "{text}");
    assert!(["interp", "jit"].contains(&row[2]), "{text}");
}

#[test]
fn run_tier_stats_lists_the_functions_that_ran_on_stderr() {
    let o = tierwasm(&[
        "run",
        "--tier-stats",
        "tests/fixtures/fac.wat",
        "--invoke",
        "fac",
        "20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2432902008176640000\n");
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].split_whitespace().eq([
            "func", "name", "tier", "calls", "loop", "iters", "compile", "osr"
        ]),
        "{err}"
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!([row[0], row[1], row[3]], ["0", "fac", "21"], "{err}");
    assert!(["interp", "jit"].contains(&row[2]), "{err}");
    assert_eq!(lines[2], "tier stats: 1 of 4 defined functions ran");
    // The stats come even when the call traps.
    let o = tierwasm(&[
        "run",
        "--tier-stats",
        "tests/fixtures/fac.wat",
        "--invoke",
        "div",
        "1",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("tier stats: 1 of 4"), "{}", stderr(&o));
}

#[test]
fn run_help_says_the_tier_defaults_to_auto() {
    let o = tierwasm(&["run", "--help"]);
    assert!(stdout(&o).contains("[default: auto]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("--tier-stats"));
}

// ---- components: arguments and results in WAVE ----

/// `tierwasm run FILE --invoke CALL` on a component, with options before FILE.
fn invoke(opts: &[&str], file: &str, call: &str) -> Output {
    let mut args = vec!["run"];
    args.extend_from_slice(opts);
    args.extend([file, "--invoke", call]);
    tierwasm(&args)
}

/// Runs `call` on `tests/fixtures/values.wat` and returns stdout, asserting success.
fn values(call: &str) -> String {
    let o = invoke(&[], "tests/fixtures/values.wat", call);
    assert!(
        o.status.success(),
        "{call}: exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

/// A temporary file with `text` in it, for components made up by a test.
fn temp_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tierwasm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn component_greet() {
    let o = invoke(&[], "tests/fixtures/greet.wat", r#"greet("world")"#);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "\"hello, world\"\n");
    assert_eq!(stderr(&o), "");
    // One WAVE value per argument after a bare name, as for core modules.
    let o = tierwasm(&[
        "run",
        "tests/fixtures/greet.wat",
        "--invoke",
        "greet",
        r#""you""#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "\"hello, you\"\n");
}

#[test]
fn component_binary_is_detected() {
    let wasm = wat::parse_file("tests/fixtures/greet.wat").unwrap();
    let dir = std::env::temp_dir().join(format!("tierwasm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("greet.wasm");
    std::fs::write(&path, wasm).unwrap();
    let o = invoke(&[], path.to_str().unwrap(), r#"greet("binary")"#);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "\"hello, binary\"\n");
}

#[test]
fn component_strings_with_escapes_and_unicode() {
    assert_eq!(
        values(r#"echo("tab\there \"quoted\" back\\slash\nnew line")"#),
        "\"tab\\there \\\"quoted\\\" back\\\\slash\\nnew line\"\n"
    );
    assert_eq!(
        values(r#"echo("héllo wörld 👋 \u{2603}")"#),
        "\"héllo wörld 👋 ☃\"\n"
    );
    assert_eq!(values(r#"echo("")"#), "\"\"\n");
    assert_eq!(values("echo-char('👋')"), "'👋'\n");
    assert_eq!(values(r"echo-char('\'')"), "'\\''\n");
    let o = invoke(&[], "tests/fixtures/greet.wat", r#"greet("Zoë 🦀")"#);
    assert_eq!(stdout(&o), "\"hello, Zoë 🦀\"\n");
}

#[test]
fn component_lists() {
    assert_eq!(values("echo-list([1, 2, 3])"), "[1, 2, 3]\n");
    assert_eq!(values("echo-list([])"), "[]\n");
    assert_eq!(values("sum([1, 2, 3, 4000000000])"), "4000000006\n");
    assert_eq!(
        values(r#"echo-strings(["a", "b, c", "]"])"#),
        "[\"a\", \"b, c\", \"]\"]\n"
    );
    let many: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let call = format!("echo-list([{}])", many.join(", "));
    assert_eq!(values(&call), format!("[{}]\n", many.join(", ")));
}

#[test]
fn component_records_and_tuples() {
    assert_eq!(values("echo-point({x: 1, y: -2})"), "{x: 1, y: -2}\n");
    assert_eq!(values("swap({y: 2, x: 1})"), "{x: 2, y: 1}\n");
    assert_eq!(
        values("echo-points([{x: 1, y: 2}, {x: 3, y: 4}])"),
        "[{x: 1, y: 2}, {x: 3, y: 4}]\n"
    );
    assert_eq!(
        values(r#"echo-person({name: "Ada", age: 36})"#),
        "{name: \"Ada\", age: 36}\n"
    );
    assert_eq!(values(r#"echo-tuple((7, "seven"))"#), "(7, \"seven\")\n");
}

#[test]
fn component_variants_options_results_flags_enums() {
    assert_eq!(values("echo-shape(circle(5))"), "circle(5)\n");
    assert_eq!(values(r#"echo-shape(label("hi"))"#), "label(\"hi\")\n");
    assert_eq!(values("echo-shape(empty)"), "empty\n");
    assert_eq!(values("echo-option(some(42))"), "some(42)\n");
    assert_eq!(values("echo-option(none)"), "none\n");
    // An option of a non-option may be written without `some`.
    assert_eq!(values("echo-option(42)"), "some(42)\n");
    // Trailing option parameters may be left out.
    assert_eq!(values("echo-option()"), "none\n");
    assert_eq!(values(r#"echo-maybe-name(some("x"))"#), "some(\"x\")\n");
    assert_eq!(values("echo-result(ok(7))"), "ok(7)\n");
    assert_eq!(values(r#"echo-result(err("no"))"#), "err(\"no\")\n");
    assert_eq!(values("echo-color(green)"), "green\n");
    assert_eq!(values("next-color(blue)"), "red\n");
    assert_eq!(values("echo-perms({read, exec})"), "{read, exec}\n");
    assert_eq!(values("echo-perms({exec, write})"), "{write, exec}\n");
    assert_eq!(values("echo-perms({})"), "{}\n");
    assert_eq!(values("not(true)"), "false\n");
    assert_eq!(values("neg(-9223372036854775807)"), "9223372036854775807\n");
    assert_eq!(values("echo-f64(1.5)"), "1.5\n");
    assert_eq!(values("echo-f64(-inf)"), "-inf\n");
    assert_eq!(values("echo-f64(nan)"), "nan\n");
    // A function without result prints nothing.
    let o = invoke(&[], "tests/fixtures/greet.wat", r#"greet("x")"#);
    assert!(o.status.success());
}

#[test]
fn component_instance_functions() {
    assert_eq!(values("math#add(40, 2)"), "42\n");
    let o = invoke(&[], "tests/fixtures/values.wat", "math#nope(1)");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("  math#add: func(a: u32, b: u32) -> u32"));
}

#[test]
fn component_trap_exits_1() {
    let o = invoke(&[], "tests/fixtures/values.wat", "fail()");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "error: wasm trap: unreachable\n");
    assert_eq!(stdout(&o), "");
    let o = invoke(&[], "tests/fixtures/values.wat", "math#div(1, 0)");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "error: wasm trap: integer divide by zero\n");
    // A canonical ABI trap says which rule was broken.
    let o = invoke(&[], "tests/fixtures/values.wat", "bad-string()");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: wasm trap: "),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"));
    // Fuel works for components as for modules.
    let o = invoke(
        &["--fuel", "10"],
        "tests/fixtures/values.wat",
        "sum([1, 2, 3, 4, 5, 6, 7, 8, 9])",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "error: wasm trap: all fuel consumed\n");
}

#[test]
fn component_bad_arguments_exit_2_naming_the_parameter() {
    let check = |call: &str, want: &[&str]| {
        let o = invoke(&[], "tests/fixtures/values.wat", call);
        assert_eq!(o.status.code(), Some(2), "{call}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{call}: {err}");
        for w in want {
            assert!(err.contains(w), "{call}: wanted {w:?} in {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    };
    check(
        "echo(42)",
        &[
            "argument `s` (string) of `echo`",
            "expected string, found `42`",
        ],
    );
    check(
        r#"echo("unterminated)"#,
        &["argument `s` (string) of `echo`"],
    );
    check(r#"echo("x""#, &["must end with `)`"]);
    check("echo-list([1, -2])", &["argument `xs` (list<u32>)", "-2"]);
    check("echo-point({x: 1})", &["argument `p`", "missing field"]);
    check("echo-color(purple)", &["argument `c`", "unknown case"]);
    check("echo-perms({read, fly})", &["argument `p`"]);
    check(
        "math#add(1)",
        &[
            "missing argument `b` (u32)",
            "takes 2 arguments (a: u32, b: u32)",
        ],
    );
    check(
        "math#add(1, 2, 3)",
        &["takes 2 arguments (a: u32, b: u32), 3 given"],
    );
    check("not(yes)", &["argument `b` (bool) of `not`"]);
    let o = tierwasm(&[
        "run",
        "tests/fixtures/greet.wat",
        "--invoke",
        "greet",
        "world",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("argument `name` (string) of `greet`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn component_unknown_function_lists_the_exports() {
    let o = invoke(&[], "tests/fixtures/greet.wat", "hello()");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: the component exports no function named `hello`; it exports:\n  greet: func(name: string) -> string\n"
    );
    // Without --invoke (and no `run` export): the exports, and exit 2.
    let o = tierwasm(&["run", "tests/fixtures/values.wat"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no function to call"), "{err}");
    assert!(err.contains("  echo: func(s: string) -> string"), "{err}");
    assert!(
        err.contains("  math#div: func(a: u32, b: u32) -> u32"),
        "{err}"
    );
}

#[test]
fn component_default_run_export() {
    let ok = temp_file(
        "run-ok.wat",
        r#"(component
             (core module $m (func (export "run") (result i32) (i32.const 0)))
             (core instance $i (instantiate $m))
             (func (export "run") (result (result)) (canon lift (core func $i "run"))))"#,
    );
    let o = tierwasm(&["run", &ok]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ok\n");
    let err = temp_file(
        "run-err.wat",
        r#"(component
             (core module $m (func (export "run") (result i32) (i32.const 1)))
             (core instance $i (instantiate $m))
             (func (export "run") (result (result)) (canon lift (core func $i "run"))))"#,
    );
    let o = tierwasm(&["run", &err]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "err\n");
    assert_eq!(stderr(&o), "error: `run` returned an error\n");
}

#[test]
fn component_imports_are_refused_clearly() {
    let file = temp_file(
        "imports.wat",
        r#"(component
             (import "log" (func $log (param "msg" string)))
             (core module $m (func (export "f")))
             (core instance $i (instantiate $m))
             (func (export "f") (canon lift (core func $i "f"))))"#,
    );
    let o = invoke(&[], &file, "f()");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: unsupported: the component imports `log` (func(msg: string)); `run` provides only WASI 0.2 (the `wasi:cli/command` world) to components\n"
    );
}

#[test]
fn component_tiers_agree() {
    let calls = [
        r#"echo("tiers ✓")"#,
        "sum([5, 6, 7])",
        "echo-points([{x: 1, y: 2}])",
        "next-color(green)",
        r#"echo-shape(label("x"))"#,
        "neg(5)",
        "math#add(1, 2)",
    ];
    for call in calls {
        let outs: Vec<(Option<i32>, String)> = ["interp", "jit", "auto"]
            .iter()
            .map(|tier| {
                let o = invoke(&["--tier", tier], "tests/fixtures/values.wat", call);
                (o.status.code(), stdout(&o) + &stderr(&o))
            })
            .collect();
        assert_eq!(outs[0].0, Some(0), "{call}: {}", outs[0].1);
        assert!(outs.iter().all(|o| *o == outs[0]), "{call}: {outs:?}");
    }
    for tier in ["interp", "jit"] {
        let o = invoke(
            &["--tier", tier],
            "tests/fixtures/greet.wat",
            r#"greet("world")"#,
        );
        assert_eq!(stdout(&o), "\"hello, world\"\n", "{tier}: {}", stderr(&o));
        let o = invoke(&["--tier", tier], "tests/fixtures/values.wat", "fail()");
        assert_eq!(o.status.code(), Some(1), "{tier}");
        assert_eq!(stderr(&o), "error: wasm trap: unreachable\n");
    }
}

#[test]
fn run_help_documents_components() {
    let o = tierwasm(&["run", "--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for word in ["Components", "WAVE", r#"greet("world")"#, "math#add"] {
        assert!(text.contains(word), "{word} in {text}");
    }
}

#[test]
fn explain_refuses_a_component() {
    let o = tierwasm(&["explain", "tests/fixtures/greet.wat"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a component"), "{}", stderr(&o));
}

#[cfg(feature = "wasi")]
/// A WASI program: prints its argument and environment buffers (NUL-separated), then the
/// first line of `hello.txt` in its first preopen if there is one, and exits with 7.
const WASI_ECHO: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 900) "hello.txt")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (call $print (i32.const 4096) (i32.load (i32.const 20)))
    (drop (call $env_sizes (i32.const 16) (i32.const 20)))
    (drop (call $env_get (i32.const 1024) (i32.const 8192)))
    (call $print (i32.const 8192) (i32.load (i32.const 20)))
    (if (i32.eqz (call $open (i32.const 3) (i32.const 0) (i32.const 900) (i32.const 9)
          (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 24)))
      (then
        (i32.store (i32.const 32) (i32.const 12288))
        (i32.store (i32.const 36) (i32.const 100))
        (drop (call $read (i32.load (i32.const 24)) (i32.const 32) (i32.const 1) (i32.const 40)))
        (call $print (i32.const 12288) (i32.load (i32.const 40)))))
    (call $exit (i32.const 7))))"#;

#[cfg(feature = "wasi")]
#[test]
fn run_wasi_program_gets_args_env_dirs_and_exit_code() {
    let file = temp_file("wasi_echo.wat", WASI_ECHO);
    let dir = std::path::Path::new(&file).with_file_name("wasi_echo_dir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "from the preopen\n").unwrap();
    let dir_arg = format!("{}::/data", dir.display());
    for tier in ["interp", "jit"] {
        let o = tierwasm(&[
            "run", "--tier", tier, "--env", "K=V", "--dir", &dir_arg, &file, "a", "b c",
        ]);
        assert_eq!(o.status.code(), Some(7), "{tier}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("{file}\0a\0b c\0K=V\0from the preopen\n"),
            "{tier}"
        );
    }
    // Without `--dir` nothing is preopened, and nothing is opened.
    let o = tierwasm(&["run", &file]);
    assert_eq!(o.status.code(), Some(7));
    assert_eq!(stdout(&o), format!("{file}\0"));
}

#[test]
fn run_refuses_imports_other_than_wasi() {
    let file = temp_file(
        "other_import.wat",
        r#"(module (import "env" "f" (func)) (func (export "_start")))"#,
    );
    let o = tierwasm(&["run", &file]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("imports `env::f`"), "{}", stderr(&o));
}

// ---- bench: one call on every tier, each in its own process ----

/// The tiers `bench` compares by default in this build.
fn bench_tiers() -> &'static [&'static str] {
    if cfg!(feature = "jit") {
        &["interp", "jit", "auto"]
    } else {
        &["interp", "auto"]
    }
}

#[test]
fn bench_prints_one_row_per_tier_with_the_agreed_result() {
    let o = tierwasm(&[
        "bench",
        "tests/fixtures/fac.wat",
        "--invoke",
        "fac-iter",
        "20",
        "--repeat",
        "5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].ends_with("[2432902008176640000] on every tier"),
        "{text}"
    );
    assert!(lines[1].starts_with("tier"), "{text}");
    for (line, tier) in lines[2..].iter().zip(bench_tiers()) {
        assert!(line.starts_with(tier), "{tier}: {text}");
        assert!(line.contains("call "), "no `fast from` column: {text}");
        assert!(line.ends_with("MiB"), "no peak memory: {text}");
    }
    assert_eq!(lines.len(), 2 + bench_tiers().len() + 1, "{text}");
}

#[test]
fn bench_json_has_every_tier_and_each_call() {
    let o = tierwasm(&[
        "bench",
        "--json",
        "--repeat",
        "4",
        "tests/fixtures/floats.wat",
        "--invoke",
        "half",
        "-3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(doc["results_agree"], true);
    let tiers = doc["tiers"].as_array().expect("a list of tiers");
    let names: Vec<&str> = tiers.iter().filter_map(|t| t["tier"].as_str()).collect();
    assert_eq!(names, bench_tiers());
    for t in tiers {
        assert_eq!(t["first_results"], serde_json::json!(["-1.5"]));
        assert_eq!(t["calls_ms"].as_array().map(Vec::len), Some(4));
        assert!(t["first_result_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    }
}

#[test]
fn bench_plot_writes_an_svg_with_a_line_per_tier() {
    let path = temp_file("per-call.svg", "");
    std::fs::remove_file(&path).unwrap();
    let o = tierwasm(&[
        "bench",
        "tests/fixtures/fac.wat",
        "--invoke",
        "fac",
        "10",
        "--repeat",
        "20",
        "--plot",
        &path,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&path).expect("the plot was written");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    for tier in bench_tiers() {
        assert!(
            svg.lines().any(|l| l.trim() == *tier),
            "no legend for {tier}"
        );
    }
    // One thick line per tier (the axes, ticks and legend swatches are thin).
    let series = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("stroke-width=\"2\""));
    assert_eq!(series.count(), bench_tiers().len());
}

#[test]
fn bench_errors_are_reported_once_and_clearly() {
    let o = tierwasm(&["bench", "tests/fixtures/fac.wat", "--invoke", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: the module exports no function named `nope`\n"
    );
    let o = tierwasm(&[
        "bench",
        "tests/fixtures/fac.wat",
        "--invoke",
        "fac",
        "1",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("takes 1 argument(s)"), "{}", stderr(&o));
    let o = tierwasm(&["bench", "tests/fixtures/no-such-file.wasm"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: cannot read"),
        "{}",
        stderr(&o)
    );
    let o = tierwasm(&[
        "bench",
        "tests/fixtures/fac.wat",
        "--invoke",
        "div",
        "1",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let expected: String = bench_tiers()
        .iter()
        .map(|t| format!("error: on {t}: wasm trap: integer divide by zero\n"))
        .collect();
    assert_eq!(stderr(&o), expected);
    let o = tierwasm(&["bench", "--plot", "x.svg", "tests/fixtures/fac.wat"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--repeat 2 or more"), "{}", stderr(&o));
}

#[test]
#[cfg(feature = "wasi")]
fn bench_counts_a_wasi_exit_as_the_result() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 3))))"#;
    let path = temp_file("exit3.wat", wat);
    let o = tierwasm(&["bench", &path, "--repeat", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.lines()
            .next()
            .unwrap_or("")
            .ends_with("[exit 3] on every tier"),
        "{text}"
    );
}
