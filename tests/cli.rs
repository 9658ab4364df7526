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
    for word in ["run", "wast", "explain"] {
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
    assert!(text.contains("calls=6"), "{text}");
}
