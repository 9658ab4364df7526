//! Dispatch: the handler tables (derived from the op table) and the two ways of running
//! them.
//!
//! * Tail-call threading (optimised builds on x86_64 and aarch64, cfg
//!   `tierwasm_tail_dispatch` from build.rs): every handler ends by jumping straight to
//!   the next op's handler, whose address is the op's opcode word (direct threading), so
//!   dispatch is one load and one indirect jump, with the interpreter state in argument
//!   registers. This relies on LLVM turning the final call
//!   into a jump, which it does when optimising and every handler has the same signature
//!   and owns nothing with a destructor at that point.
//! * A loop (debug builds, Miri, other targets): handlers return the next state and a
//!   plain loop calls the next handler, found by the op index in the opcode word (no
//!   addresses in the bytecode, so strict provenance holds), so the native stack never
//!   grows.

use super::exec::{self, Cx, Exit};
use super::ops::{NUM_OPS, OpCode};
use super::stack::Slot;
use core::ptr;

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
    // Naming the next pc's register in an empty asm block makes LLVM add a taken
    // branch's offset to pc in place rather than compute the sum twice (one
    // instruction less per conditional branch).
    let mut pc = pc;
    #[expect(
        clippy::pointers_in_nomem_asm_block,
        reason = "the block neither reads nor writes memory; it only pins pc to a register"
    )]
    // SAFETY: an empty assembly block that only names `pc`'s register: it does nothing.
    unsafe {
        core::arch::asm!("/* {0} */", inout(reg) pc, options(pure, nomem, nostack, preserves_flags))
    };
    // SAFETY: the op's opcode word is the exposed address of its handler (`op_word`).
    unsafe {
        let word = ptr::read_unaligned(pc.cast::<usize>());
        let h = core::mem::transmute::<*const (), Handler>(ptr::with_exposed_provenance(word));
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
            // SAFETY: `pc` points at an op, which starts with its opcode word (the op's
            // index in this backend).
            let index = unsafe { ptr::read_unaligned(pc.cast::<u64>()) } as usize;
            #[cfg(feature = "op-stats")]
            op_stats::record(index);
            let h = ALL.get(index).copied().unwrap_or(invalid as Handler);
            // SAFETY: forwarded.
            let step = unsafe { h(pc, fp, cx, mem, lim) };
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
        static ALL: [Handler; NUM_OPS] = [$(exec::$snake as Handler),*];
    };
}
crate::for_each_op!(all_handlers);

/// Handler of an opcode word that is no op (never emitted by the translator).
#[cfg(not(tierwasm_tail_dispatch))]
unsafe fn invalid(_pc: Pc, _fp: Fp, cx: &mut Cx, _mem: Mem, _len: usize) -> Ret {
    // SAFETY: `cx` is live; this records an internal error rather than crashing.
    unsafe { exec::trap(cx, crate::vm::Trap::UnreachableCodeReached) }
}

/// The opcode word that starts op `op` in the bytecode: the address of its handler
/// (exposed, so that `dispatch` may call it) with tail-call threading, its index in the
/// loop backend.
#[inline(always)]
pub fn op_word(op: OpCode) -> u64 {
    #[cfg(tierwasm_tail_dispatch)]
    {
        (ALL[op as usize] as *const ()).expose_provenance() as u64
    }
    #[cfg(not(tierwasm_tail_dispatch))]
    {
        op as u64
    }
}

/// The op whose opcode word is `word` (the inverse of [`op_word`]), for the disassembler.
pub fn op_of_word(word: u64) -> Option<OpCode> {
    #[cfg(tierwasm_tail_dispatch)]
    {
        static BY_WORD: std::sync::OnceLock<Vec<(u64, OpCode)>> = std::sync::OnceLock::new();
        let by_word = BY_WORD.get_or_init(|| {
            let mut v: Vec<(u64, OpCode)> =
                OpCode::ALL.iter().map(|&op| (op_word(op), op)).collect();
            v.sort_unstable_by_key(|&(w, _)| w);
            v
        });
        let i = by_word.binary_search_by_key(&word, |&(w, _)| w).ok()?;
        Some(by_word[i].1)
    }
    #[cfg(not(tierwasm_tail_dispatch))]
    {
        OpCode::ALL.get(usize::try_from(word).ok()?).copied()
    }
}

/// Dynamic op and op-pair counts (feature `op-stats`), printed by `op_stats::report`.
#[cfg(feature = "op-stats")]
pub mod op_stats {
    use super::super::ops::{NUM_OPS, OpCode};
    use std::sync::Mutex;

    static COUNTS: Mutex<Vec<u64>> = Mutex::new(Vec::new());
    static mut PREV: usize = 0;

    pub(super) fn record(op: usize) {
        if op >= NUM_OPS {
            return;
        }
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
