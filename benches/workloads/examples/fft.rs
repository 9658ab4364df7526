//! `fft`: fast Fourier transforms with `rustfft` (scalar f64 code: no SIMD
//! features). `run(n)` plans transforms of five sizes — 4096 (radix-4),
//! 3000 (mixed radix), 1009 (a prime: Rader's algorithm), 2187 (3^7) and
//! 1920 — and runs forward then inverse on each n times, on a signal of
//! xorshift noise plus a few sines, checking that the inverse gives the
//! input back. Complex multiply-adds, strided loads and stores, twiddle
//! tables, butterflies of many radices, dynamic dispatch through `dyn Fft`.
//! Default n = 150.
//!
//! The twiddle factors come from `sin`/`cos`, whose last bit may differ
//! between libms, so the checksum mixes spectrum magnitudes rounded to
//! 1/16 (and is -1 if a round trip is off by more than 1e-6).

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

const SIZES: [usize; 5] = [4096, 3000, 1009, 2187, 1920];

struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

fn work(n: usize) -> i64 {
    let mut planner = FftPlanner::<f64>::new();
    let mut rng = Rng(0x0ff7_2026);
    let mut mix = 0i64;
    for &len in &SIZES {
        let forward = planner.plan_fft_forward(len);
        let inverse = planner.plan_fft_inverse(len);
        let mut scratch = vec![Complex::new(0.0, 0.0); forward.get_inplace_scratch_len().max(inverse.get_inplace_scratch_len())];
        // integer-derived signal: noise plus square-ish waves (no libm here)
        let signal: Vec<Complex<f64>> = (0..len)
            .map(|i| {
                let noise = (rng.next() % 2001) as f64 / 1000.0 - 1.0;
                let wave = if (i / 7) % 2 == 0 { 1.5 } else { -1.5 } + if (i / 31) % 2 == 0 { 0.5 } else { 0.0 };
                Complex::new(noise + wave, (rng.next() % 1001) as f64 / 4000.0)
            })
            .collect();
        let mut buf = signal.clone();
        let mut magnitude = 0i64;
        let mut worst = 0.0f64;
        for round in 0..n {
            forward.process_with_scratch(&mut buf, &mut scratch);
            if round == 0 {
                for c in &buf {
                    magnitude += (c.norm_sqr().sqrt() * 16.0).round() as i64;
                }
            }
            inverse.process_with_scratch(&mut buf, &mut scratch);
            let scale = 1.0 / len as f64;
            for (b, s) in buf.iter_mut().zip(&signal) {
                *b *= scale;
                worst = worst.max((*b - *s).norm_sqr());
            }
        }
        if worst.sqrt() > 1e-6 {
            return -1;
        }
        mix = mix.wrapping_mul(0x0100_0000_01b3) ^ magnitude ^ (len as i64) << 40;
    }
    mix
}

/// Runs n forward+inverse FFTs of each of five sizes; returns the mix.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    work(n.clamp(0, 100_000) as usize)
}
