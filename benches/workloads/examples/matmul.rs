//! `matmul`: dense matrix multiply, `run(n)` multiplies two n x n matrices
//! in f64 and two in f32 (n is clamped to 1..=384).
//!
//! The matrices are filled from an integer hash and multiplied with the
//! cache-friendly i-k-j loop order: float loads, mul, add, stores. Default
//! n = 256. The checksum folds the bit patterns of every result element.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const CAP: usize = 384;

struct Mats<T> {
    a: [T; CAP * CAP],
    b: [T; CAP * CAP],
    c: [T; CAP * CAP],
}

/// A static buffer, so the module needs no allocator; `run` holds the only
/// reference to it while it runs.
struct Static<T>(core::cell::UnsafeCell<T>);

// SAFETY: wasm is single-threaded and `run` is not re-entrant; natively, the
// `expected` tool calls each `run` from one thread at a time.
unsafe impl<T> Sync for Static<T> {}

static F64: Static<Mats<f64>> = Static(core::cell::UnsafeCell::new(Mats {
    a: [0.0; CAP * CAP],
    b: [0.0; CAP * CAP],
    c: [0.0; CAP * CAP],
}));

static F32: Static<Mats<f32>> = Static(core::cell::UnsafeCell::new(Mats {
    a: [0.0; CAP * CAP],
    b: [0.0; CAP * CAP],
    c: [0.0; CAP * CAP],
}));

/// A small integer in -512..512 from (i, j, salt).
fn cell(i: usize, j: usize, salt: u32) -> i32 {
    let mut x = (i as u32).wrapping_mul(0x9e37_79b1) ^ (j as u32).wrapping_mul(0x85eb_ca77) ^ salt;
    x ^= x >> 15;
    x = x.wrapping_mul(0x2c1b_3c6d);
    x ^= x >> 12;
    (x & 1023) as i32 - 512
}

macro_rules! matmul {
    ($name:ident, $t:ty) => {
        fn $name(m: &mut Mats<$t>, n: usize) -> i64 {
            for i in 0..n {
                for j in 0..n {
                    m.a[i * n + j] = cell(i, j, 1) as $t / 64.0;
                    m.b[i * n + j] = cell(i, j, 2) as $t / 32.0;
                    m.c[i * n + j] = 0.0;
                }
            }
            for i in 0..n {
                let crow = &mut m.c[i * n..i * n + n];
                for k in 0..n {
                    let aik = m.a[i * n + k];
                    let brow = &m.b[k * n..k * n + n];
                    for j in 0..n {
                        crow[j] += aik * brow[j];
                    }
                }
            }
            let mut h: i64 = 0;
            for &v in &m.c[..n * n] {
                h = h.wrapping_mul(0x0100_0000_01b3) ^ v.to_bits() as i64;
            }
            h
        }
    };
}

matmul!(matmul_f64, f64);
matmul!(matmul_f32, f32);

/// Multiplies n x n matrices in f64 and in f32 and mixes the results.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    let n = (n.max(1) as usize).min(CAP);
    // SAFETY: see `Static`; this is the only reference while `run` runs.
    let (m64, m32) = unsafe { (&mut *F64.0.get(), &mut *F32.0.get()) };
    matmul_f64(m64, n) ^ matmul_f32(m32, n).rotate_left(32)
}
