//! Chooses the interpreter's dispatch backend (see `src/interp/dispatch.rs`), and
//! whether compiled code can run here (`tierwasm_jit_host`: the unix x86_64 and aarch64
//! hosts `src/vm/unwind.rs` has entry code for).
//!
//! Tail-call threading needs LLVM's sibling-call optimisation, which happens only when
//! optimising, and is known to work on x86_64 and aarch64. Elsewhere (and under Miri) the
//! loop backend is used; it never grows the native stack.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TIERWASM_LOOP_DISPATCH");
    println!("cargo::rustc-check-cfg=cfg(tierwasm_tail_dispatch)");
    println!("cargo::rustc-check-cfg=cfg(tierwasm_jit_host)");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let optimising = matches!(opt.as_str(), "2" | "3" | "s" | "z");
    let arch_ok = matches!(arch.as_str(), "x86_64" | "aarch64");
    let unix =
        std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "unix"));
    if arch_ok && unix && std::env::var_os("CARGO_CFG_MIRI").is_none() {
        println!("cargo::rustc-cfg=tierwasm_jit_host");
    }
    // Op statistics count in the loop backend.
    let forced_loop = std::env::var_os("TIERWASM_LOOP_DISPATCH").is_some()
        || std::env::var_os("CARGO_FEATURE_OP_STATS").is_some();
    if optimising && arch_ok && !forced_loop && std::env::var_os("CARGO_CFG_MIRI").is_none() {
        println!("cargo::rustc-cfg=tierwasm_tail_dispatch");
    }
}
