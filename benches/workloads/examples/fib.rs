//! `fib`: naive recursive Fibonacci, `run(n)` returns fib(n).
//!
//! Almost nothing but calls, compares and i64 adds: it measures call and
//! return overhead. Default n = 35 (about 30 million calls).
//!
//! Like every workload this builds as a zero-import `no_std` wasm module and,
//! unchanged, as a module of the native `expected` tool.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[inline(never)]
fn fib(n: i32) -> i64 {
    if n < 2 {
        n as i64
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

/// Returns fib(n) (fib(0) = 0, fib(1) = 1).
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    fib(n)
}
