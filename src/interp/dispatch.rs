//! Dispatch: the handler tables (derived from the op table) and the two ways of running
//! them.
//!
//! * Tail-call threading (optimised builds on x86_64 and aarch64, cfg
//!   `tierwasm_tail_dispatch` from build.rs): every handler ends by jumping straight to
//!   the next op's handler, so dispatch is one table load and one indirect jump, with the
//!   interpreter state in argument registers. This relies on LLVM turning the final call
//!   into a jump, which it does when optimising and every handler has the same signature
//!   and owns nothing with a destructor at that point.
//! * A loop (debug builds, Miri, other targets): handlers return the next state and a
//!   plain loop calls the next handler, so the native stack never grows.

use super::exec::{self, Cx, Exit};
use super::ops::{ESCAPE, NUM_OPS};
use super::stack::Slot;

/// Program counter: the first byte of the current op.
pub type Pc = *const u8;
/// Frame pointer: slot 0 of the current frame.
pub type Fp = *mut Slot;
/// Base of memory 0.
pub type Mem = *mut u8;

/// What a handler returns.
#[cfg(tierwasm_tail_dispatch)]
pub type Ret = Exit;

/// What a handler returns: the next state, or the exit.
#[cfg(not(tierwasm_tail_dispatch))]
pub enum Ret {
    /// Continue at this state.
    Next(Pc, Fp, Mem, usize),
    /// Stop.
    Exit(Exit),
}

/// Every handler's signature.
pub type Handler = unsafe fn(Pc, Fp, &mut Cx, Mem, usize) -> Ret;

/// Stops the dispatch loop.
#[inline(always)]
pub fn exit(e: Exit) -> Ret {
    #[cfg(tierwasm_tail_dispatch)]
    {
        e
    }
    #[cfg(not(tierwasm_tail_dispatch))]
    {
        Ret::Exit(e)
    }
}

/// Continues with the op at `$pc` (must be the last thing a handler does).
#[cfg(tierwasm_tail_dispatch)]
macro_rules! next {
    ($pc:expr, $fp:expr, $cx:expr, $mem:expr, $lim:expr) => {{
        let pc: $crate::interp::dispatch::Pc = $pc;
        return $crate::interp::dispatch::dispatch(pc, $fp, $cx, $mem, $lim);
    }};
}

/// Continues with the op at `$pc` (must be the last thing a handler does).
#[cfg(not(tierwasm_tail_dispatch))]
macro_rules! next {
    ($pc:expr, $fp:expr, $cx:expr, $mem:expr, $lim:expr) => {{
        let _ = &$cx;
        return $crate::interp::dispatch::Ret::Next($pc, $fp, $mem, $lim);
    }};
}
pub(crate) use next;

/// Jumps to the handler of the op at `pc`.
///
/// # Safety
/// `pc` must point at an op emitted by the translator (see `exec`'s invariants).
#[cfg(tierwasm_tail_dispatch)]
#[inline(always)]
pub unsafe fn dispatch(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
    // SAFETY: every byte indexes one of the 256 entries.
    unsafe {
        let h = *PAGE0.get_unchecked(*pc as usize);
        h(pc, fp, cx, mem, lim)
    }
}

/// Runs from `pc` until the activation returns or traps.
///
/// # Safety
/// See `exec`'s invariants.
pub unsafe fn run(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Exit {
    #[cfg(tierwasm_tail_dispatch)]
    {
        // SAFETY: `run` and `dispatch` share `exec`'s invariants, which the caller upholds.
        unsafe { dispatch(pc, fp, cx, mem, lim) }
    }
    #[cfg(not(tierwasm_tail_dispatch))]
    {
        let (mut pc, mut fp, mut mem, mut lim) = (pc, fp, mem, lim);
        loop {
            #[cfg(feature = "op-stats")]
            // SAFETY: `pc` points at an op.
            op_stats::record(unsafe { *pc }, unsafe { *pc.add(1) });
            // SAFETY: forwarded; every byte indexes one of the 256 entries.
            let step = unsafe { (PAGE0[*pc as usize])(pc, fp, cx, mem, lim) };
            match step {
                Ret::Next(p, f, m, l) => (pc, fp, mem, lim) = (p, f, m, l),
                Ret::Exit(e) => return e,
            }
        }
    }
}

macro_rules! all_handlers {
    ($($(#[$doc:meta])* $name:ident $snake:ident { $($field:ident : $kind:ident),* })*) => {
        /// Every handler, in op-table order.
        const ALL: [Handler; NUM_OPS] = [$(exec::$snake as Handler),*];
    };
}
crate::for_each_op!(all_handlers);

/// Handler of a byte that is no op (never emitted by the translator).
unsafe fn invalid(_pc: Pc, _fp: Fp, cx: &mut Cx, _mem: Mem, _len: usize) -> Ret {
    // SAFETY: `cx` is live; this records an internal error rather than crashing.
    unsafe { exec::trap(cx, crate::vm::Trap::UnreachableCodeReached) }
}

/// Handler of the escape byte: dispatches on the second byte.
unsafe fn escape(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
    // SAFETY: an escaped op has its second byte right after the escape byte.
    unsafe {
        let h = *PAGE1.get_unchecked(*pc.add(1) as usize);
        h(pc, fp, cx, mem, lim)
    }
}

const fn page(first: usize, escape_slot: bool) -> [Handler; 256] {
    let mut t: [Handler; 256] = [invalid as Handler; 256];
    let mut i = 0;
    while i < 256 {
        if escape_slot && i == ESCAPE as usize {
            t[i] = escape as Handler;
        } else if first + i < NUM_OPS && (first > 0 || i < ESCAPE as usize) {
            t[i] = ALL[first + i];
        }
        i += 1;
    }
    t
}

/// Handlers of one-byte opcodes (and the escape byte).
static PAGE0: [Handler; 256] = page(0, true);
/// Handlers of escaped opcodes.
static PAGE1: [Handler; 256] = page(ESCAPE as usize, false);

/// Dynamic op and op-pair counts (feature `op-stats`), printed by `op_stats::report`.
#[cfg(feature = "op-stats")]
pub mod op_stats {
    use super::super::ops::{ESCAPE, NUM_OPS, OpCode};
    use std::sync::Mutex;

    static COUNTS: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    static mut PREV: usize = 0;

    pub(super) fn record(b0: u8, b1: u8) {
        let op = if b0 == ESCAPE {
            ESCAPE as usize + b1 as usize
        } else {
            b0 as usize
        };
        let mut c = COUNTS.lock().unwrap();
        if c.is_empty() {
            c.resize(NUM_OPS * (NUM_OPS + 1), 0);
        }
        // SAFETY: single-threaded statistics for tuning runs.
        let prev = unsafe { PREV };
        c[op] += 1;
        c[NUM_OPS + prev * NUM_OPS + op] += 1;
        // SAFETY: single-threaded statistics for tuning runs, as for the read above.
        unsafe { PREV = op };
    }

    /// The `top` most executed ops and op pairs.
    pub fn report(top: usize) -> String {
        let c = COUNTS.lock().unwrap();
        if c.is_empty() {
            return String::new();
        }
        let total: u64 = c[..NUM_OPS].iter().sum();
        let mut ops: Vec<(u64, usize)> = (0..NUM_OPS).map(|i| (c[i], i)).collect();
        ops.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = format!("{total} ops\n");
        for (n, i) in ops.iter().take(top) {
            out += &format!(
                "{:6.2}% {}\n",
                *n as f64 * 100.0 / total as f64,
                OpCode::ALL[*i].name()
            );
        }
        let mut pairs: Vec<(u64, usize)> = (0..NUM_OPS * NUM_OPS)
            .map(|i| (c[NUM_OPS + i], i))
            .collect();
        pairs.sort_unstable_by(|a, b| b.cmp(a));
        out += "pairs:\n";
        for (n, i) in pairs.iter().take(top) {
            out += &format!(
                "{:6.2}% {} -> {}\n",
                *n as f64 * 100.0 / total as f64,
                OpCode::ALL[i / NUM_OPS].name(),
                OpCode::ALL[i % NUM_OPS].name()
            );
        }
        out
    }
}
