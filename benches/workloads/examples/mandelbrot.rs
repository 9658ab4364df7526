//! `mandelbrot`: the Mandelbrot set as a 1-bit bitmap, `run(n)` renders an
//! n x n image of [-1.5, 0.5] x [-1, 1] with at most 50 iterations a pixel
//! (n is clamped to 1..=4096).
//!
//! A tight f64 loop with an early exit, as in the benchmarks game program;
//! the bits are packed into bytes. Default n = 1200. The checksum is an FNV-1a
//! hash of the bitmap bytes mixed with the count of pixels in the set.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const MAX_ITER: u32 = 50;
const LIMIT_SQ: f64 = 4.0;

/// Renders the bitmap row by row and returns the mixed checksum.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    let n = n.clamp(1, 4096) as usize;
    let inv = 2.0 / n as f64;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut inside: u64 = 0;
    for y in 0..n {
        let ci = y as f64 * inv - 1.0;
        let mut byte: u8 = 0;
        let mut bit = 0;
        for x in 0..n {
            let cr = x as f64 * inv - 1.5;
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let (mut tr, mut ti) = (0.0f64, 0.0f64);
            let mut i = 0;
            while i < MAX_ITER && tr + ti <= LIMIT_SQ {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i += 1;
            }
            byte <<= 1;
            if tr + ti <= LIMIT_SQ {
                byte |= 1;
                inside += 1;
            }
            bit += 1;
            if bit == 8 || x == n - 1 {
                byte <<= 8 - bit;
                hash = (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
                byte = 0;
                bit = 0;
            }
        }
    }
    (hash ^ inside.rotate_left(40)) as i64
}
