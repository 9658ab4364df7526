//! `nbody`: the classic n-body simulation of the Jovian planets (f64),
//! `run(n)` advances n steps of dt = 0.01.
//!
//! Float add/mul/div/sqrt over a small static array of bodies. Default
//! n = 500000. The checksum mixes the bit patterns of the energy before and
//! after the simulation with those of the final positions.

// This workload uses `std` (not `no_std` like the others) only for
// `f64::sqrt`: core has no stable square root, and std's compiles to the
// `f64.sqrt` instruction. Nothing here panics or allocates, so the module
// stays small and import-free.

fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

const PI: f64 = core::f64::consts::PI;
const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;
const N_BODIES: usize = 5;

#[derive(Clone, Copy)]
struct Body {
    pos: [f64; 3],
    vel: [f64; 3],
    mass: f64,
}

const INITIAL: [Body; N_BODIES] = [
    // Sun
    Body {
        pos: [0.0; 3],
        vel: [0.0; 3],
        mass: SOLAR_MASS,
    },
    // Jupiter
    Body {
        pos: [
            4.841_431_442_464_72e0,
            -1.160_320_044_027_428_4e0,
            -1.036_220_444_711_231_1e-1,
        ],
        vel: [
            1.660_076_642_744_037e-3 * DAYS_PER_YEAR,
            7.699_011_184_197_404e-3 * DAYS_PER_YEAR,
            -6.904_600_169_720_63e-5 * DAYS_PER_YEAR,
        ],
        mass: 9.547_919_384_243_266e-4 * SOLAR_MASS,
    },
    // Saturn
    Body {
        pos: [
            8.343_366_718_244_58e0,
            4.124_798_564_124_305e0,
            -4.035_234_171_143_214e-1,
        ],
        vel: [
            -2.767_425_107_268_624e-3 * DAYS_PER_YEAR,
            4.998_528_012_349_172e-3 * DAYS_PER_YEAR,
            2.304_172_975_737_639_3e-5 * DAYS_PER_YEAR,
        ],
        mass: 2.858_859_806_661_308e-4 * SOLAR_MASS,
    },
    // Uranus
    Body {
        pos: [
            1.289_436_956_213_913_1e1,
            -1.511_115_140_169_863_1e1,
            -2.233_075_788_926_557_3e-1,
        ],
        vel: [
            2.964_601_375_647_616e-3 * DAYS_PER_YEAR,
            2.378_471_739_594_809_5e-3 * DAYS_PER_YEAR,
            -2.965_895_685_402_375_6e-5 * DAYS_PER_YEAR,
        ],
        mass: 4.366_244_043_351_563e-5 * SOLAR_MASS,
    },
    // Neptune
    Body {
        pos: [
            1.537_969_711_485_091_1e1,
            -2.591_931_460_998_796_4e1,
            1.792_587_729_503_711_8e-1,
        ],
        vel: [
            2.680_677_724_903_893_2e-3 * DAYS_PER_YEAR,
            1.628_241_700_382_423e-3 * DAYS_PER_YEAR,
            -9.515_922_545_197_159e-5 * DAYS_PER_YEAR,
        ],
        mass: 5.151_389_020_466_114_5e-5 * SOLAR_MASS,
    },
];

/// A static buffer, so the module needs no allocator; `run` holds the only
/// reference to it while it runs.
struct Static<T>(core::cell::UnsafeCell<T>);

// SAFETY: wasm is single-threaded and `run` is not re-entrant; natively, the
// `expected` tool calls each `run` from one thread at a time.
unsafe impl<T> Sync for Static<T> {}

static BODIES: Static<[Body; N_BODIES]> = Static(core::cell::UnsafeCell::new(INITIAL));

fn offset_momentum(bodies: &mut [Body; N_BODIES]) {
    let mut p = [0.0f64; 3];
    for b in bodies.iter() {
        for (pk, vk) in p.iter_mut().zip(b.vel) {
            *pk += vk * b.mass;
        }
    }
    for (vk, pk) in bodies[0].vel.iter_mut().zip(p) {
        *vk = -pk / SOLAR_MASS;
    }
}

fn energy(bodies: &[Body; N_BODIES]) -> f64 {
    let mut e = 0.0;
    for i in 0..N_BODIES {
        let b = &bodies[i];
        e += 0.5 * b.mass * (b.vel[0] * b.vel[0] + b.vel[1] * b.vel[1] + b.vel[2] * b.vel[2]);
        for c in &bodies[i + 1..] {
            let dx = b.pos[0] - c.pos[0];
            let dy = b.pos[1] - c.pos[1];
            let dz = b.pos[2] - c.pos[2];
            e -= b.mass * c.mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    e
}

fn advance(bodies: &mut [Body; N_BODIES], dt: f64) {
    for i in 0..N_BODIES {
        let (left, right) = bodies.split_at_mut(i + 1);
        let b = &mut left[i];
        for c in right.iter_mut() {
            let dx = b.pos[0] - c.pos[0];
            let dy = b.pos[1] - c.pos[1];
            let dz = b.pos[2] - c.pos[2];
            let d2 = dx * dx + dy * dy + dz * dz;
            let mag = dt / (d2 * sqrt(d2));
            let bm = b.mass * mag;
            let cm = c.mass * mag;
            b.vel[0] -= dx * cm;
            b.vel[1] -= dy * cm;
            b.vel[2] -= dz * cm;
            c.vel[0] += dx * bm;
            c.vel[1] += dy * bm;
            c.vel[2] += dz * bm;
        }
    }
    for b in bodies.iter_mut() {
        b.pos[0] += dt * b.vel[0];
        b.pos[1] += dt * b.vel[1];
        b.pos[2] += dt * b.vel[2];
    }
}

/// Simulates n steps and returns a mix of the energies and final positions.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub extern "C" fn run(n: i32) -> i64 {
    // SAFETY: see `Static`; this is the only reference while `run` runs.
    let bodies = unsafe { &mut *BODIES.0.get() };
    *bodies = INITIAL;
    offset_momentum(bodies);
    let e0 = energy(bodies);
    for _ in 0..n.max(0) {
        advance(bodies, 0.01);
    }
    let e1 = energy(bodies);
    let mut h = (e0.to_bits() as i64).rotate_left(1) ^ e1.to_bits() as i64;
    for b in bodies.iter() {
        for k in 0..3 {
            h = h.wrapping_mul(0x0100_0000_01b3) ^ b.pos[k].to_bits() as i64;
        }
    }
    h
}
