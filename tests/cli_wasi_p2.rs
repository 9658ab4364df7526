//! `tierwasm run` on WASI 0.2 components (the guests of tests/wasi_p2), run as a
//! process: arguments, exit codes, standard streams, `--dir`, `--allow-net`, `--invoke`
//! with WASI linked, and imports outside the world refused.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn tierwasm(args: &[&str], stdin: &[u8]) -> Output {
    tierwasm_after(args, stdin, std::time::Duration::ZERO)
}

/// Runs tierwasm, writing `stdin` to it `delay` after it starts.
fn tierwasm_after(args: &[&str], stdin: &[u8], delay: std::time::Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tierwasm"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tierwasm");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.to_vec();
    // Feed stdin from another thread, so a full stdout pipe cannot deadlock the two.
    let feeder = std::thread::spawn(move || {
        std::thread::sleep(delay);
        input.write_all(&bytes)
    });
    let out = child.wait_with_output().expect("wait for tierwasm");
    feeder.join().expect("feeder").expect("write stdin");
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory named after the test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tierwasm-cli-p2-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn a_command_gets_its_arguments_and_environment_and_exits_with_its_code() {
    for tier in ["interp", "jit"] {
        let o = tierwasm(
            &[
                "run",
                "--tier",
                tier,
                "--env",
                "K=v",
                "tests/wasi_p2/hello.wasm",
                "exit=1",
                "-x",
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        assert_eq!(text(&o.stdout), "args: exit=1 -x\nenv: K=v\n");
        assert_eq!(text(&o.stderr), "to stderr\n");
        let o = tierwasm(&["run", "--tier", tier, "tests/wasi_p2/hello.wasm"], b"");
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
}

#[test]
fn stdin_is_copied_to_stdout() {
    let input: Vec<u8> = (0..11u32 << 20).map(|i| (i % 251) as u8).collect();
    let o = tierwasm(&["run", "tests/wasi_p2/copy.wasm"], &input);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        o.stdout == input,
        "copied {} of {} bytes",
        o.stdout.len(),
        input.len()
    );
}

#[test]
fn a_read_of_the_hosts_stdin_waits_for_its_bytes() {
    let delay = std::time::Duration::from_millis(150);
    let o = tierwasm_after(&["run", "tests/wasi_p2/copy.wasm"], b"late\n", delay);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "late\n");
}

#[test]
fn dir_preopens_a_directory_that_cannot_be_left() {
    let d = temp_dir("dir");
    std::fs::write(d.join("secret.txt"), "s").unwrap();
    std::fs::create_dir(d.join("work")).unwrap();
    let work = format!("{}::/work", d.join("work").display());
    let o = tierwasm(
        &["run", "--dir", &work, "tests/wasi_p2/bad.wasm", "dotdot"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Case 31 of `error-code` is `not-permitted`.
    assert_eq!(text(&o.stdout), "error-code 31\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn sockets_need_allow_net() {
    let o = tierwasm(
        &["run", "--allow-net", "127.0.0.1", "tests/wasi_p2/net.wasm"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "ok tcp\nok udp\nok lookup\n");
    let o = tierwasm(&["run", "tests/wasi_p2/net.wasm", "denied"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "ok denied\n");
    let o = tierwasm(
        &["run", "--allow-net", "nonsense", "tests/wasi_p2/net.wasm"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--allow-net nonsense"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn invoke_calls_a_function_with_wasi_linked() {
    let o = tierwasm(
        &[
            "run",
            "--invoke",
            "wasi:cli/run@0.2.0#run",
            "tests/wasi_p2/hello.wasm",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "args: \nok\n");
}

#[test]
fn a_forged_handle_is_a_trap() {
    let o = tierwasm(&["run", "tests/wasi_p2/bad.wasm", "forged"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("unknown handle index"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn imports_outside_the_world_are_refused_with_the_list() {
    let d = temp_dir("missing");
    let file = d.join("needs-http.wat");
    std::fs::write(
        &file,
        r#"(component
             (import "wasi:http/outgoing-handler@0.2.0" (instance (export "handle" (func))))
             (import "wasi:cli/environment@0.2.0"
               (instance (export "get-arguments" (func (result (list string)))))))"#,
    )
    .unwrap();
    let o = tierwasm(&["run", file.to_str().unwrap()], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("`wasi:http/outgoing-handler@0.2.0` (instance)"),
        "{err}"
    );
    assert!(!err.contains("wasi:cli/environment"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
