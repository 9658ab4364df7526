//! The executor: one handler per op (the table in `dispatch` is derived from the op
//! list), and the per-activation context they share.
//!
//! Every handler has the same signature, `(pc, fp, cx, mem, len) -> Ret`: the program
//! counter, the frame pointer, the activation context, and the base and length of memory
//! 0, all in registers. A handler decodes its own operands, does its work, and ends in
//! `next!`, which dispatches the following op (a tail call in optimised builds).
//!
//! Invariants every handler relies on (they are the translator's contract): `pc` points
//! at an op of the handler's kind inside a live `FuncCode`; every slot operand is inside
//! the current frame, which lies inside the value stack; `mem..mem+len` is memory 0 of
//! the current instance (or `len == 0`); `cx` describes the current instance.

use super::code::{FuncCode, ModuleCode};
use super::dispatch::{Fp, Mem, Pc, Ret, exit, next};
use super::ops::op;
use super::stack::{Slot, SlotValue};
use crate::vm::{
    FUNCTION_CONTEXT_MAGIC, Global, Memory, Table, Trap, VMContext, VMFuncCounters, VMFuncRef,
    VMFunctionContext, VMRef, VMStoreContext, ValRaw,
};
use core::ptr;

/// Why the dispatch loop stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The activation's outermost function returned.
    Done,
    /// A trap or host error; it is in the store's `pending_error`.
    Trap,
}

/// A suspended caller.
#[derive(Copy, Clone)]
pub struct Frame {
    ret_pc: Pc,
    fp: Fp,
    vmctx: *mut VMContext,
    counters: *mut VMFuncCounters,
}

/// What the handlers need of the current instance, loaded once when execution enters it.
#[derive(Copy, Clone)]
pub struct InstCache {
    pub(crate) vmctx: *mut VMContext,
    pub(crate) instance: *mut crate::vm::Instance,
    pub(crate) code: *const ModuleCode,
    funcs: *const *mut VMFuncRef,
    globals: *const *mut Global,
    tables: *const *mut Table,
    mem0: *mut Memory,
    counters: *mut VMFuncCounters,
    num_imported_funcs: u32,
}

impl InstCache {
    /// Loads the cache for the instance of `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be a live, fully initialised instance context.
    pub unsafe fn load(vmctx: *mut VMContext) -> InstCache {
        // SAFETY: the caller guarantees the context is live; all fields read are inside it.
        unsafe {
            let instance = (*vmctx).header.instance;
            let o = (*instance).offsets();
            InstCache {
                vmctx,
                instance,
                code: (*vmctx).header.interp_code.cast::<ModuleCode>(),
                funcs: VMContext::field(vmctx, o.funcs),
                globals: VMContext::field(vmctx, o.globals),
                tables: VMContext::field(vmctx, o.tables),
                mem0: if o.num_memories > 0 {
                    *VMContext::field::<*mut Memory>(vmctx, o.memories)
                } else {
                    ptr::null_mut()
                },
                counters: VMContext::field(vmctx, o.counters),
                num_imported_funcs: o.num_imported_funcs,
            }
        }
    }

    /// Base and length of memory 0 (null and 0 without a memory).
    #[inline(always)]
    pub fn mem0(&self) -> (Mem, usize) {
        if self.mem0.is_null() {
            (ptr::null_mut(), 0)
        } else {
            // SAFETY: a non-null `mem0` points at a live memory of this instance.
            unsafe { ((*self.mem0).def.base, (*self.mem0).def.current_length) }
        }
    }

    /// Counters of defined function `d`.
    #[inline(always)]
    pub fn counters(&self, d: u32) -> *mut VMFuncCounters {
        // SAFETY: `d` is a defined function index of this instance.
        unsafe { self.counters.add(d as usize) }
    }
}

/// The state of one activation of the interpreter (one entry from native code).
pub struct Cx {
    pub(crate) inst: InstCache,
    pub(crate) counters: *mut VMFuncCounters,
    /// This activation's first frame; `frame_sp == frames_base` means the entry function.
    pub(crate) frames_base: *mut Frame,
    /// Next free frame.
    pub(crate) frame_sp: *mut Frame,
    pub(crate) frames_end: *mut Frame,
    /// Start of the store's frame stack (to publish `frame_top` before host calls).
    pub(crate) frames_origin: *mut Frame,
    pub(crate) frame_top: *mut usize,
    pub(crate) stack_base: *mut Slot,
    pub(crate) stack_end: *mut Slot,
    pub(crate) store: *mut VMStoreContext,
    pub(crate) stack_top: *mut usize,
}

#[inline(always)]
unsafe fn rd<T: SlotValue>(fp: Fp, s: u16) -> T {
    // SAFETY: the translator only emits slots inside the frame.
    T::from_bits(unsafe { (*fp.add(s as usize)).bits })
}

#[inline(always)]
unsafe fn wr<T: SlotValue>(fp: Fp, s: u16, v: T) {
    // SAFETY: the translator only emits slots inside the frame, and the frame is ours.
    unsafe { (*fp.add(s as usize)).bits = v.to_bits() }
}

#[inline(always)]
unsafe fn slot(fp: Fp, s: u16) -> *mut Slot {
    // SAFETY: the translator only emits slots inside the frame, so the offset stays in it.
    unsafe { fp.add(s as usize) }
}

/// Records a trap and stops.
#[cold]
#[inline(never)]
pub(crate) unsafe fn trap(cx: &mut Cx, t: Trap) -> Ret {
    // SAFETY: `cx.store` is the live store context of this activation.
    unsafe { (*cx.store).set_pending_error(anyhow::Error::new(t)) };
    exit(Exit::Trap)
}

/// Records an error and stops.
#[cold]
#[inline(never)]
unsafe fn fail(cx: &mut Cx, e: anyhow::Error) -> Ret {
    // SAFETY: `cx.store` is the live store context of this activation.
    unsafe { (*cx.store).set_pending_error(e) };
    exit(Exit::Trap)
}

/// The target of a taken conditional branch whose offset is the op's last field (the
/// op is `size` bytes).
///
/// An empty `asm!` on the taken path keeps it a real branch: otherwise LLVM may turn it
/// into a conditional move of the next `pc`, and then every following op waits for the
/// condition's data instead of running ahead on the predicted path (seen: mandelbrot
/// 27% slower). The asm emits no instruction.
#[inline(always)]
unsafe fn taken(pc: Pc, size: usize) -> Pc {
    #[cfg(tierwasm_tail_dispatch)]
    // SAFETY: an empty assembly block with no operands: it does nothing at run time.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags))
    };
    // SAFETY: the op's last 4 bytes are its branch offset, resolved by the translator to
    // an op boundary of the same function.
    unsafe {
        let off = ptr::read_unaligned(pc.add(size - 4).cast::<i32>());
        pc.offset(off as isize)
    }
}

/// The target of a taken branch.
#[inline(always)]
unsafe fn branch(pc: Pc, off: i32, cx: &mut Cx) -> Pc {
    // Loop iterations are counted by `loop_header` ops, only where tiering wants them.
    let _ = cx;
    // SAFETY: the translator resolved `off` to an op boundary of the same function.
    unsafe { pc.offset(off as isize) }
}

// ---------------------------------------------------------------------------------
// Handler-defining macros. Each expands to one `unsafe fn` with the handler signature.
// ---------------------------------------------------------------------------------

macro_rules! handler {
    ($name:ident($pc:ident, $fp:ident, $cx:ident, $mem:ident, $len:ident) $body:block) => {
        #[allow(unused_variables, unused_mut)]
        pub(crate) unsafe fn $name($pc: Pc, $fp: Fp, $cx: &mut Cx, $mem: Mem, $len: usize) -> Ret {
            // SAFETY: the handler invariants in the module documentation hold for every
            // op the translator emits; the body only touches the frame, memory 0 within
            // bounds it checks, and VM structures of the current instance.
            unsafe { $body }
        }
    };
}

macro_rules! binop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! binop_imm {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! binop_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! binop_imm_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! unop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! unop_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! br_cmp {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, len)
        });
    };
}

macro_rules! br_cmp_imm {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, len)
        });
    };
}

macro_rules! load {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$v:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let $v = ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>());
            wr::<u64>(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! store {
    ($name:ident, $Op:ident, $raw:ty, $n:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), rd::<u64>(fp, o.src) as $raw);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! load_fused {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$o:ident, $fp:ident| $addr:expr, |$v:ident| $e:expr) => {
        handler!($name(pc, $fp, cx, mem, len) {
            let $o = op::$Op::decode(pc);
            let ea = ($addr) as u64 + $o.offset as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let $v = ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>());
            wr::<u64>($fp, $o.dst, $e);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, len)
        });
    };
}

macro_rules! store_fused {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$o:ident, $fp:ident| $addr:expr) => {
        handler!($name(pc, $fp, cx, mem, len) {
            let $o = op::$Op::decode(pc);
            let ea = ($addr) as u64 + $o.offset as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), rd::<u64>($fp, $o.src) as $raw);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, len)
        });
    };
}

macro_rules! float_imm {
    ($name:ident, $Op:ident, $t:ty, $bits:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b = <$t>::from_bits(o.imm as $bits);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

macro_rules! ternop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident, $c:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            let $c: $t = rd(fp, o.c);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}

// ---------------------------------------------------------------------------------
// Wasm numeric semantics that are more than one Rust operator.
// ---------------------------------------------------------------------------------

/// Wasm integer division and remainder: traps on zero, and on `MIN / -1` (signed
/// division only; the signed remainder of that is 0).
macro_rules! int_div_rem {
    ($signed:ty, $unsigned:ty, $div_s:ident, $rem_s:ident, $div_u:ident, $rem_u:ident) => {
        #[inline(always)]
        fn $div_s(a: $signed, b: $signed) -> Result<$signed, Trap> {
            if b == 0 {
                Err(Trap::IntegerDivisionByZero)
            } else if a == <$signed>::MIN && b == -1 {
                Err(Trap::IntegerOverflow)
            } else {
                Ok(a / b)
            }
        }
        #[inline(always)]
        fn $rem_s(a: $signed, b: $signed) -> Result<$signed, Trap> {
            if b == 0 {
                Err(Trap::IntegerDivisionByZero)
            } else {
                Ok(a.wrapping_rem(b))
            }
        }
        #[inline(always)]
        fn $div_u(a: $unsigned, b: $unsigned) -> Result<$unsigned, Trap> {
            a.checked_div(b).ok_or(Trap::IntegerDivisionByZero)
        }
        #[inline(always)]
        fn $rem_u(a: $unsigned, b: $unsigned) -> Result<$unsigned, Trap> {
            a.checked_rem(b).ok_or(Trap::IntegerDivisionByZero)
        }
    };
}
int_div_rem!(
    i32,
    u32,
    i32_div_s_op,
    i32_rem_s_op,
    i32_div_u_op,
    i32_rem_u_op
);
int_div_rem!(
    i64,
    u64,
    i64_div_s_op,
    i64_rem_s_op,
    i64_div_u_op,
    i64_rem_u_op
);

macro_rules! float_minmax {
    ($min:ident, $max:ident, $t:ty) => {
        #[inline(always)]
        fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b // propagates an arithmetic NaN
            } else if a == b {
                <$t>::from_bits(a.to_bits() | b.to_bits()) // min(-0, +0) = -0
            } else if a < b {
                a
            } else {
                b
            }
        }
        #[inline(always)]
        fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == b {
                <$t>::from_bits(a.to_bits() & b.to_bits()) // max(-0, +0) = +0
            } else if a > b {
                a
            } else {
                b
            }
        }
    };
}
float_minmax!(f32_min_op, f32_max_op, f32);
float_minmax!(f64_min_op, f64_max_op, f64);

/// Rounding functions may come from libm, which returns a signalling NaN unchanged;
/// wasm wants NaN results quiet.
#[inline(always)]
fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        x
    }
}
#[inline(always)]
fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        x
    }
}

/// Trapping float → int conversion; `lo`/`hi` are the exclusive bounds of the valid range.
#[inline(always)]
fn trunc_check(x: f64, lo: f64, hi: f64) -> Result<(), Trap> {
    if x.is_nan() {
        Err(Trap::BadConversionToInteger)
    } else if x <= lo || x >= hi {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(())
    }
}
#[inline(always)]
fn i32_trunc_s(x: f64) -> Result<i32, Trap> {
    trunc_check(x, -2147483649.0, 2147483648.0).map(|()| x as i32)
}
#[inline(always)]
fn i32_trunc_u(x: f64) -> Result<u32, Trap> {
    trunc_check(x, -1.0, 4294967296.0).map(|()| x as u32)
}
#[inline(always)]
fn i64_trunc_s(x: f64) -> Result<i64, Trap> {
    // -2^63 is exactly representable and valid; the next f64 below it is not.
    if x == -9223372036854775808.0 {
        return Ok(i64::MIN);
    }
    trunc_check(x, -9223372036854775808.0, 9223372036854775808.0).map(|()| x as i64)
}
#[inline(always)]
fn i64_trunc_u(x: f64) -> Result<u64, Trap> {
    trunc_check(x, -1.0, 18446744073709551616.0).map(|()| x as u64)
}

// ---------------------------------------------------------------------------------
// Moves, constants, control.
// ---------------------------------------------------------------------------------

handler!(move_(pc, fp, cx, mem, len) {
    let o = op::Move::decode(pc);
    *slot(fp, o.dst) = *slot(fp, o.src);
    next!(pc.add(op::Move::SIZE), fp, cx, mem, len)
});

handler!(const32(pc, fp, cx, mem, len) {
    let o = op::Const32::decode(pc);
    wr(fp, o.dst, o.imm as i64);
    next!(pc.add(op::Const32::SIZE), fp, cx, mem, len)
});

handler!(const64(pc, fp, cx, mem, len) {
    let o = op::Const64::decode(pc);
    wr(fp, o.dst, o.imm);
    next!(pc.add(op::Const64::SIZE), fp, cx, mem, len)
});

handler!(br(pc, fp, cx, mem, len) {
    let o = op::Br::decode(pc);
    next!(branch(pc, o.off, cx), fp, cx, mem, len)
});

handler!(br_if_nez(pc, fp, cx, mem, len) {
    let o = op::BrIfNez::decode(pc);
    let next_pc = if rd::<u32>(fp, o.c) != 0 { taken(pc, op::BrIfNez::SIZE) } else { pc.add(op::BrIfNez::SIZE) };
    next!(next_pc, fp, cx, mem, len)
});

handler!(br_if_eqz(pc, fp, cx, mem, len) {
    let o = op::BrIfEqz::decode(pc);
    let next_pc = if rd::<u32>(fp, o.c) == 0 { taken(pc, op::BrIfEqz::SIZE) } else { pc.add(op::BrIfEqz::SIZE) };
    next!(next_pc, fp, cx, mem, len)
});

handler!(br_if_i64_nez(pc, fp, cx, mem, len) {
    let o = op::BrIfI64Nez::decode(pc);
    let next_pc = if rd::<u64>(fp, o.c) != 0 { taken(pc, op::BrIfI64Nez::SIZE) } else { pc.add(op::BrIfI64Nez::SIZE) };
    next!(next_pc, fp, cx, mem, len)
});

handler!(br_if_i64_eqz(pc, fp, cx, mem, len) {
    let o = op::BrIfI64Eqz::decode(pc);
    let next_pc = if rd::<u64>(fp, o.c) == 0 { taken(pc, op::BrIfI64Eqz::SIZE) } else { pc.add(op::BrIfI64Eqz::SIZE) };
    next!(next_pc, fp, cx, mem, len)
});

handler!(br_table(pc, fp, cx, mem, len) {
    let o = op::BrTable::decode(pc);
    let i = rd::<u32>(fp, o.idx).min(o.len) as usize;
    let off = ptr::read_unaligned(pc.add(op::BrTable::SIZE + 4 * i).cast::<i32>());
    next!(branch(pc, off, cx), fp, cx, mem, len)
});

/// Pops the caller's frame, or ends the activation.
#[inline(always)]
unsafe fn do_return(fp: Fp, cx: &mut Cx, mem: Mem, len: usize) -> Ret {
    let _ = fp;
    if cx.frame_sp == cx.frames_base {
        return exit(Exit::Done);
    }
    // SAFETY: above the base, so a frame pushed by this activation is below `frame_sp`.
    let f = unsafe {
        cx.frame_sp = cx.frame_sp.sub(1);
        *cx.frame_sp
    };
    cx.counters = f.counters;
    // SAFETY: the frame was pushed by a call of this activation: its pc, fp and context
    // are the live caller's.
    unsafe {
        if f.vmctx != cx.inst.vmctx {
            cx.inst = InstCache::load(f.vmctx);
            let (mem, len) = cx.inst.mem0();
            next!(f.ret_pc, f.fp, cx, mem, len)
        }
        next!(f.ret_pc, f.fp, cx, mem, len)
    }
}

handler!(ret(pc, fp, cx, mem, len) {
    do_return(fp, cx, mem, len)
});

handler!(ret1(pc, fp, cx, mem, len) {
    let o = op::Ret1::decode(pc);
    *fp = *slot(fp, o.src);
    do_return(fp, cx, mem, len)
});

handler!(unreachable(pc, fp, cx, mem, len) {
    trap(cx, Trap::UnreachableCodeReached)
});

handler!(consume_fuel(pc, fp, cx, mem, len) {
    let o = op::ConsumeFuel::decode(pc);
    let fuel = &mut (*cx.store).fuel;
    if *fuel < o.amount as i64 {
        return trap(cx, Trap::OutOfFuel);
    }
    *fuel -= o.amount as i64;
    next!(pc.add(op::ConsumeFuel::SIZE), fp, cx, mem, len)
});

handler!(select(pc, fp, cx, mem, len) {
    let o = op::Select::decode(pc);
    let src = if rd::<u32>(fp, o.c) != 0 { o.a } else { o.b };
    *slot(fp, o.dst) = *slot(fp, src);
    next!(pc.add(op::Select::SIZE), fp, cx, mem, len)
});

handler!(global_get(pc, fp, cx, mem, len) {
    let o = op::GlobalGet::decode(pc);
    let g = *cx.inst.globals.add(o.idx as usize);
    // The first 8 bytes of a `ValRaw` are laid out as a `Slot`.
    *slot(fp, o.dst) = *g.cast::<Slot>();
    next!(pc.add(op::GlobalGet::SIZE), fp, cx, mem, len)
});

handler!(global_set(pc, fp, cx, mem, len) {
    let o = op::GlobalSet::decode(pc);
    let g = *cx.inst.globals.add(o.idx as usize);
    *g.cast::<Slot>() = *slot(fp, o.src);
    next!(pc.add(op::GlobalSet::SIZE), fp, cx, mem, len)
});

// ---------------------------------------------------------------------------------
// Calls.
// ---------------------------------------------------------------------------------

/// The translated code of defined function `d` of the current instance, translating it
/// on first use.
#[inline(always)]
unsafe fn func_code<'a>(cx: &Cx, d: u32) -> Result<&'a FuncCode, anyhow::Error> {
    // SAFETY: `cx.inst.code` is the live interpreter data of the current instance; the
    // code it hands out lives as long as the module.
    unsafe {
        match (*cx.inst.code).get(d) {
            Some(code) => Ok(code),
            None => (*cx.inst.code).translate(d),
        }
    }
}

/// Enters `code` with its frame at `callee_fp`: checks the stack, saves the caller.
#[inline(always)]
unsafe fn enter(
    code: &FuncCode,
    d: u32,
    ret_pc: Pc,
    fp: Fp,
    callee_fp: Fp,
    cx: &mut Cx,
    caller_vmctx: *mut VMContext,
) -> Result<(), Trap> {
    // SAFETY: `callee_fp` is inside the caller's frame, so inside the stack.
    let room = unsafe { cx.stack_end.offset_from(callee_fp) } as usize;
    if room < code.frame_size as usize || cx.frame_sp == cx.frames_end {
        return Err(Trap::StackOverflow);
    }
    // SAFETY: `frame_sp` is below `frames_end` (checked); the frame fits in the stack, so
    // the locals after the parameters are inside it.
    unsafe {
        cx.frame_sp.write(Frame {
            ret_pc,
            fp,
            vmctx: caller_vmctx,
            counters: cx.counters,
        });
        cx.frame_sp = cx.frame_sp.add(1);
        zero_slots(
            callee_fp.add(code.num_params as usize),
            (code.num_locals - code.num_params) as usize,
        );
        cx.counters = cx.inst.counters(d);
        (*cx.counters).calls += 1;
    }
    Ok(())
}

/// Zeroes `n` slots (a function's declared locals) without a call for the common few.
#[inline(always)]
pub(crate) unsafe fn zero_slots(p: Fp, n: usize) {
    if n <= 8 {
        for i in 0..8 {
            if i < n {
                // SAFETY: the caller guarantees `n` writable slots at `p`.
                unsafe { p.add(i).write(Slot::ZERO) };
            }
        }
    } else {
        // SAFETY: the caller guarantees `n` writable slots at `p`, `zero_slots_slow`'s
        // contract too.
        unsafe { zero_slots_slow(p, n) };
    }
}

#[cold]
#[inline(never)]
unsafe fn zero_slots_slow(p: Fp, n: usize) {
    // SAFETY: the caller guarantees `n` writable slots at `p`.
    unsafe { ptr::write_bytes(p, 0, n) };
}

handler!(call(pc, fp, cx, mem, len) {
    // Fast path: translated callee, few locals, room on both stacks. Everything else
    // goes to `call_slow` by a tail call, so this handler needs no stack frame.
    let o = op::Call::decode(pc);
    let Some(code) = (*cx.inst.code).get(o.func) else {
        return call_slow(pc, fp, cx, mem, len);
    };
    let callee_fp = fp.add(o.base as usize);
    let nlocals = (code.num_locals - code.num_params) as usize;
    let room = cx.stack_end.offset_from(callee_fp) as usize;
    if nlocals > 8 || room < code.frame_size as usize || cx.frame_sp == cx.frames_end {
        return call_slow(pc, fp, cx, mem, len);
    }
    cx.frame_sp.write(Frame { ret_pc: pc.add(op::Call::SIZE), fp, vmctx: cx.inst.vmctx, counters: cx.counters });
    cx.frame_sp = cx.frame_sp.add(1);
    zero_slots(callee_fp.add(code.num_params as usize), nlocals);
    cx.counters = cx.inst.counters(o.func);
    (*cx.counters).calls += 1;
    next!(code.code.as_ptr(), callee_fp, cx, mem, len)
});

/// `call` when the callee is not translated yet, has many locals, or does not fit.
#[inline(never)]
unsafe fn call_slow(pc: Pc, fp: Fp, cx: &mut Cx, mem: Mem, len: usize) -> Ret {
    // SAFETY: as for every handler; `pc` is a `call` op.
    unsafe {
        let o = op::Call::decode(pc);
        let code = match func_code(cx, o.func) {
            Ok(c) => c,
            Err(e) => return fail(cx, e),
        };
        let callee_fp = fp.add(o.base as usize);
        let vmctx = cx.inst.vmctx;
        if let Err(t) = enter(
            code,
            o.func,
            pc.add(op::Call::SIZE),
            fp,
            callee_fp,
            cx,
            vmctx,
        ) {
            return trap(cx, t);
        }
        next!(code.code.as_ptr(), callee_fp, cx, mem, len)
    }
}

#[allow(clippy::too_many_arguments)] // the handler state plus the call's shape, all in registers
/// Calls through a function reference: in this loop when it is an interpreted wasm
/// function (of any instance), through the array-call ABI otherwise.
#[inline(always)]
unsafe fn call_ref(
    fref: *mut VMFuncRef,
    pc: Pc,
    size: usize,
    fp: Fp,
    base: u16,
    nparams: usize,
    nresults: usize,
    cx: &mut Cx,
    _mem: Mem,
    _len: usize,
) -> Ret {
    // SAFETY: `fref` is a live function reference (from the instance or a table).
    unsafe {
        let callee = (*fref).vmctx.as_ptr();
        let callee_fp = fp.add(base as usize);
        if (*callee).magic == FUNCTION_CONTEXT_MAGIC && (*fref).wasm_call.is_none() {
            let fctx = callee.cast::<VMFunctionContext>();
            let callee_vmctx = (*fctx).vmctx.as_ptr();
            let caller_vmctx = cx.inst.vmctx;
            if callee_vmctx != caller_vmctx {
                cx.inst = InstCache::load(callee_vmctx);
            }
            let d = (*fctx).func_index - cx.inst.num_imported_funcs;
            let code = match func_code(cx, d) {
                Ok(c) => c,
                Err(e) => {
                    cx.inst = InstCache::load(caller_vmctx);
                    return fail(cx, e);
                }
            };
            if let Err(t) = enter(code, d, pc.add(size), fp, callee_fp, cx, caller_vmctx) {
                cx.inst = InstCache::load(caller_vmctx);
                return trap(cx, t);
            }
            let (mem, len) = cx.inst.mem0();
            next!(code.code.as_ptr(), callee_fp, cx, mem, len)
        }
        if !call_native(fref, callee_fp, nparams, nresults, cx) {
            return exit(Exit::Trap);
        }
        let (mem, len) = cx.inst.mem0();
        next!(pc.add(size), fp, cx, mem, len)
    }
}

/// Calls native code (a host function or compiled wasm) through the array-call ABI with
/// arguments and results at `args`.
#[inline(never)]
unsafe fn call_native(
    fref: *mut VMFuncRef,
    args: Fp,
    nparams: usize,
    nresults: usize,
    cx: &mut Cx,
) -> bool {
    const INLINE: usize = 8;
    let n = nparams.max(nresults);
    let mut inline = [ValRaw::zero(); INLINE];
    let mut heap = Vec::new();
    let buf: &mut [ValRaw] = if n <= INLINE {
        &mut inline[..n.max(1)]
    } else {
        heap.resize(n, ValRaw::zero());
        &mut heap
    };
    // SAFETY: `args..args+n` is inside the caller's frame (the translator reserved room
    // for results); `fref` is live; the callee may re-enter the interpreter, which starts
    // its frames at `stack_top`, above every live slot of this activation.
    unsafe {
        for (i, v) in buf.iter_mut().enumerate().take(nparams) {
            *v = (*args.add(i)).to_raw();
        }
        *cx.stack_top = args.offset_from(cx.stack_base) as usize;
        *cx.frame_top = cx.frame_sp.offset_from(cx.frames_origin) as usize;
        let f = &*fref;
        let ok = (f.array_call)(
            f.vmctx.as_non_null(),
            ptr::NonNull::new_unchecked(cx.inst.vmctx),
            ptr::NonNull::new_unchecked(buf.as_mut_ptr()),
            n,
        );
        if !ok {
            return false;
        }
        for (i, v) in buf.iter().enumerate().take(nresults) {
            *args.add(i) = Slot::from_raw(v);
        }
    }
    true
}

handler!(call_import(pc, fp, cx, mem, len) {
    let o = op::CallImport::decode(pc);
    let fref = *cx.inst.funcs.add(o.func as usize);
    let (np, nr) = (*cx.inst.code).func_arity(o.func);
    call_ref(fref, pc, op::CallImport::SIZE, fp, o.base, np, nr, cx, mem, len)
});

handler!(call_indirect(pc, fp, cx, mem, len) {
    let o = op::CallIndirect::decode(pc);
    let table = *cx.inst.tables.add(o.table as usize);
    let i = rd::<u32>(fp, o.idx) as usize;
    if i >= (*table).def.current_elements {
        return trap(cx, Trap::UndefinedElement);
    }
    let fref = (*(*table).def.base.add(i)).0.cast::<VMFuncRef>();
    if fref.is_null() {
        return trap(cx, Trap::IndirectCallToNull);
    }
    let code = &*cx.inst.code;
    if (*fref).type_index != code.sig_id(o.ty) {
        return trap(cx, Trap::BadSignature);
    }
    let (np, nr) = code.type_arity(o.ty);
    call_ref(fref, pc, op::CallIndirect::SIZE, fp, o.base, np, nr, cx, mem, len)
});

// ---------------------------------------------------------------------------------
// Fused compare and branch.
// ---------------------------------------------------------------------------------

br_cmp!(br_i32_eq, BrI32Eq, u32, |a, b| a == b);
br_cmp!(br_i32_ne, BrI32Ne, u32, |a, b| a != b);
br_cmp!(br_i32_lt_s, BrI32LtS, i32, |a, b| a < b);
br_cmp!(br_i32_lt_u, BrI32LtU, u32, |a, b| a < b);
br_cmp!(br_i32_gt_s, BrI32GtS, i32, |a, b| a > b);
br_cmp!(br_i32_gt_u, BrI32GtU, u32, |a, b| a > b);
br_cmp!(br_i32_le_s, BrI32LeS, i32, |a, b| a <= b);
br_cmp!(br_i32_le_u, BrI32LeU, u32, |a, b| a <= b);
br_cmp!(br_i32_ge_s, BrI32GeS, i32, |a, b| a >= b);
br_cmp!(br_i32_ge_u, BrI32GeU, u32, |a, b| a >= b);
br_cmp_imm!(br_i32_eq_imm, BrI32EqImm, u32, |a, b| a == b);
br_cmp_imm!(br_i32_ne_imm, BrI32NeImm, u32, |a, b| a != b);
br_cmp_imm!(br_i32_lt_s_imm, BrI32LtSImm, i32, |a, b| a < b);
br_cmp_imm!(br_i32_lt_u_imm, BrI32LtUImm, u32, |a, b| a < b);
br_cmp_imm!(br_i32_gt_s_imm, BrI32GtSImm, i32, |a, b| a > b);
br_cmp_imm!(br_i32_gt_u_imm, BrI32GtUImm, u32, |a, b| a > b);
br_cmp_imm!(br_i32_le_s_imm, BrI32LeSImm, i32, |a, b| a <= b);
br_cmp_imm!(br_i32_le_u_imm, BrI32LeUImm, u32, |a, b| a <= b);
br_cmp_imm!(br_i32_ge_s_imm, BrI32GeSImm, i32, |a, b| a >= b);
br_cmp_imm!(br_i32_ge_u_imm, BrI32GeUImm, u32, |a, b| a >= b);
br_cmp!(br_i64_eq, BrI64Eq, u64, |a, b| a == b);
br_cmp!(br_i64_ne, BrI64Ne, u64, |a, b| a != b);
br_cmp!(br_i64_lt_s, BrI64LtS, i64, |a, b| a < b);
br_cmp!(br_i64_lt_u, BrI64LtU, u64, |a, b| a < b);
br_cmp!(br_i64_gt_s, BrI64GtS, i64, |a, b| a > b);
br_cmp!(br_i64_gt_u, BrI64GtU, u64, |a, b| a > b);
br_cmp!(br_i64_le_s, BrI64LeS, i64, |a, b| a <= b);
br_cmp!(br_i64_le_u, BrI64LeU, u64, |a, b| a <= b);
br_cmp!(br_i64_ge_s, BrI64GeS, i64, |a, b| a >= b);
br_cmp!(br_i64_ge_u, BrI64GeU, u64, |a, b| a >= b);
// i64 immediates are sign-extended from 32 bits.
br_cmp_imm!(br_i64_eq_imm, BrI64EqImm, i64, |a, b| a == b);
br_cmp_imm!(br_i64_ne_imm, BrI64NeImm, i64, |a, b| a != b);
br_cmp_imm!(br_i64_lt_s_imm, BrI64LtSImm, i64, |a, b| a < b);
br_cmp_imm!(br_i64_lt_u_imm, BrI64LtUImm, i64, |a, b| (a as u64)
    < (b as u64));
br_cmp_imm!(br_i64_gt_s_imm, BrI64GtSImm, i64, |a, b| a > b);
br_cmp_imm!(br_i64_gt_u_imm, BrI64GtUImm, i64, |a, b| (a as u64)
    > (b as u64));
br_cmp_imm!(br_i64_le_s_imm, BrI64LeSImm, i64, |a, b| a <= b);
br_cmp_imm!(br_i64_le_u_imm, BrI64LeUImm, i64, |a, b| (a as u64)
    <= (b as u64));
br_cmp_imm!(br_i64_ge_s_imm, BrI64GeSImm, i64, |a, b| a >= b);
br_cmp_imm!(br_i64_ge_u_imm, BrI64GeUImm, i64, |a, b| (a as u64)
    >= (b as u64));

// ---------------------------------------------------------------------------------
// Memory. Narrow loads extend to 64 bits; i32 consumers read the low half.
// ---------------------------------------------------------------------------------

load!(load32, Load32, u32, 4, |v| v as u64);
load!(load64, Load64, u64, 8, |v| v);
load!(load8_s, Load8S, i8, 1, |v| v as i64 as u64);
load!(load8_u, Load8U, u8, 1, |v| v as u64);
load!(load16_s, Load16S, i16, 2, |v| v as i64 as u64);
load!(load16_u, Load16U, u16, 2, |v| v as u64);
load!(load32_s, Load32S, i32, 4, |v| v as i64 as u64);
store!(store8, Store8, u8, 1);
store!(store16, Store16, u16, 2);
store!(store32, Store32, u32, 4);
store!(store64, Store64, u64, 8);

handler!(memory_size(pc, fp, cx, mem, len) {
    let o = op::MemorySize::decode(pc);
    wr(fp, o.dst, (len / crate::vm::WASM_PAGE_SIZE) as u32);
    next!(pc.add(op::MemorySize::SIZE), fp, cx, mem, len)
});

handler!(memory_grow(pc, fp, cx, mem, len) {
    let o = op::MemoryGrow::decode(pc);
    let delta = rd::<u32>(fp, o.delta) as u64;
    let result = match (*cx.inst.mem0).grow(delta) {
        Some(old) => old as u32,
        None => u32::MAX,
    };
    wr(fp, o.dst, result);
    let (mem, len) = cx.inst.mem0();
    next!(pc.add(op::MemoryGrow::SIZE), fp, cx, mem, len)
});

handler!(memory_fill(pc, fp, cx, mem, len) {
    let o = op::MemoryFill::decode(pc);
    let (d, v, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.val), rd::<u32>(fp, o.len));
    if let Err(t) = Memory::fill(cx.inst.mem0, d as u64, v as u8, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryFill::SIZE), fp, cx, mem, len)
});

handler!(memory_copy(pc, fp, cx, mem, len) {
    let o = op::MemoryCopy::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(t) = Memory::copy(cx.inst.mem0, d as u64, cx.inst.mem0, s as u64, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryCopy::SIZE), fp, cx, mem, len)
});

handler!(memory_init(pc, fp, cx, mem, len) {
    let o = op::MemoryInit::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(t) = crate::vm::Instance::memory_init(cx.inst.instance, 0, o.data, d as u64, s as u64, n as u64) {
        return trap(cx, t);
    }
    next!(pc.add(op::MemoryInit::SIZE), fp, cx, mem, len)
});

handler!(data_drop(pc, fp, cx, mem, len) {
    let o = op::DataDrop::decode(pc);
    (*cx.inst.instance).data_drop(o.data);
    next!(pc.add(op::DataDrop::SIZE), fp, cx, mem, len)
});

// ---------------------------------------------------------------------------------
// i32 and i64 arithmetic.
// ---------------------------------------------------------------------------------

binop!(i32_add, I32Add, u32, |a, b| a.wrapping_add(b));
binop!(i32_sub, I32Sub, u32, |a, b| a.wrapping_sub(b));
binop!(i32_mul, I32Mul, u32, |a, b| a.wrapping_mul(b));
binop_trap!(i32_div_s, I32DivS, i32, |a, b| i32_div_s_op(a, b));
binop_trap!(i32_div_u, I32DivU, u32, |a, b| i32_div_u_op(a, b));
binop_trap!(i32_rem_s, I32RemS, i32, |a, b| i32_rem_s_op(a, b));
binop_trap!(i32_rem_u, I32RemU, u32, |a, b| i32_rem_u_op(a, b));
binop!(i32_and, I32And, u32, |a, b| a & b);
binop!(i32_or, I32Or, u32, |a, b| a | b);
binop!(i32_xor, I32Xor, u32, |a, b| a ^ b);
binop!(i32_shl, I32Shl, u32, |a, b| a.wrapping_shl(b));
binop!(i32_shr_s, I32ShrS, i32, |a, b| a.wrapping_shr(b as u32));
binop!(i32_shr_u, I32ShrU, u32, |a, b| a.wrapping_shr(b));
binop!(i32_rotl, I32Rotl, u32, |a, b| a.rotate_left(b & 31));
binop!(i32_rotr, I32Rotr, u32, |a, b| a.rotate_right(b & 31));
binop_imm!(i32_add_imm, I32AddImm, u32, |a, b| a.wrapping_add(b));
binop_imm!(i32_rsub_imm, I32RSubImm, u32, |a, b| b.wrapping_sub(a));
binop_imm!(i32_mul_imm, I32MulImm, u32, |a, b| a.wrapping_mul(b));
binop_imm!(i32_and_imm, I32AndImm, u32, |a, b| a & b);
binop_imm!(i32_or_imm, I32OrImm, u32, |a, b| a | b);
binop_imm!(i32_xor_imm, I32XorImm, u32, |a, b| a ^ b);
binop_imm!(i32_shl_imm, I32ShlImm, u32, |a, b| a.wrapping_shl(b));
binop_imm!(i32_shr_s_imm, I32ShrSImm, i32, |a, b| a
    .wrapping_shr(b as u32));
binop_imm!(i32_shr_u_imm, I32ShrUImm, u32, |a, b| a.wrapping_shr(b));
binop_imm!(i32_rotl_imm, I32RotlImm, u32, |a, b| a.rotate_left(b & 31));
binop_imm_trap!(i32_div_s_imm, I32DivSImm, i32, |a, b| i32_div_s_op(a, b));
binop_imm_trap!(i32_div_u_imm, I32DivUImm, u32, |a, b| i32_div_u_op(a, b));
binop_imm_trap!(i32_rem_s_imm, I32RemSImm, i32, |a, b| i32_rem_s_op(a, b));
binop_imm_trap!(i32_rem_u_imm, I32RemUImm, u32, |a, b| i32_rem_u_op(a, b));
binop!(i32_eq, I32Eq, u32, |a, b| (a == b) as u32);
binop!(i32_ne, I32Ne, u32, |a, b| (a != b) as u32);
binop!(i32_lt_s, I32LtS, i32, |a, b| (a < b) as i32);
binop!(i32_lt_u, I32LtU, u32, |a, b| (a < b) as u32);
binop!(i32_gt_s, I32GtS, i32, |a, b| (a > b) as i32);
binop!(i32_gt_u, I32GtU, u32, |a, b| (a > b) as u32);
binop!(i32_le_s, I32LeS, i32, |a, b| (a <= b) as i32);
binop!(i32_le_u, I32LeU, u32, |a, b| (a <= b) as u32);
binop!(i32_ge_s, I32GeS, i32, |a, b| (a >= b) as i32);
binop!(i32_ge_u, I32GeU, u32, |a, b| (a >= b) as u32);
binop_imm!(i32_eq_imm, I32EqImm, u32, |a, b| (a == b) as u32);
binop_imm!(i32_ne_imm, I32NeImm, u32, |a, b| (a != b) as u32);
binop_imm!(i32_lt_s_imm, I32LtSImm, i32, |a, b| (a < b) as i32);
binop_imm!(i32_lt_u_imm, I32LtUImm, u32, |a, b| (a < b) as u32);
binop_imm!(i32_gt_s_imm, I32GtSImm, i32, |a, b| (a > b) as i32);
binop_imm!(i32_gt_u_imm, I32GtUImm, u32, |a, b| (a > b) as u32);
binop_imm!(i32_le_s_imm, I32LeSImm, i32, |a, b| (a <= b) as i32);
binop_imm!(i32_le_u_imm, I32LeUImm, u32, |a, b| (a <= b) as u32);
binop_imm!(i32_ge_s_imm, I32GeSImm, i32, |a, b| (a >= b) as i32);
binop_imm!(i32_ge_u_imm, I32GeUImm, u32, |a, b| (a >= b) as u32);
unop!(i32_eqz, I32Eqz, u32, |a| (a == 0) as u32);
unop!(i32_clz, I32Clz, u32, |a| a.leading_zeros());
unop!(i32_ctz, I32Ctz, u32, |a| a.trailing_zeros());
unop!(i32_popcnt, I32Popcnt, u32, |a| a.count_ones());
unop!(i32_extend8_s, I32Extend8S, u32, |a| a as i8 as i32 as u32);
unop!(i32_extend16_s, I32Extend16S, u32, |a| a as i16 as i32
    as u32);

binop!(i64_add, I64Add, u64, |a, b| a.wrapping_add(b));
binop!(i64_sub, I64Sub, u64, |a, b| a.wrapping_sub(b));
binop!(i64_mul, I64Mul, u64, |a, b| a.wrapping_mul(b));
binop_trap!(i64_div_s, I64DivS, i64, |a, b| i64_div_s_op(a, b));
binop_trap!(i64_div_u, I64DivU, u64, |a, b| i64_div_u_op(a, b));
binop_trap!(i64_rem_s, I64RemS, i64, |a, b| i64_rem_s_op(a, b));
binop_trap!(i64_rem_u, I64RemU, u64, |a, b| i64_rem_u_op(a, b));
binop!(i64_and, I64And, u64, |a, b| a & b);
binop!(i64_or, I64Or, u64, |a, b| a | b);
binop!(i64_xor, I64Xor, u64, |a, b| a ^ b);
binop!(i64_shl, I64Shl, u64, |a, b| a.wrapping_shl(b as u32));
binop!(i64_shr_s, I64ShrS, i64, |a, b| a.wrapping_shr(b as u32));
binop!(i64_shr_u, I64ShrU, u64, |a, b| a.wrapping_shr(b as u32));
binop!(i64_rotl, I64Rotl, u64, |a, b| a
    .rotate_left((b & 63) as u32));
binop!(i64_rotr, I64Rotr, u64, |a, b| a
    .rotate_right((b & 63) as u32));
// i64 immediates are sign-extended from 32 bits (`imm as i64`, then as the op's type).
binop_imm!(i64_add_imm, I64AddImm, i64, |a, b| a.wrapping_add(b));
binop_imm!(i64_rsub_imm, I64RSubImm, i64, |a, b| b.wrapping_sub(a));
binop_imm!(i64_mul_imm, I64MulImm, i64, |a, b| a.wrapping_mul(b));
binop_imm!(i64_and_imm, I64AndImm, i64, |a, b| a & b);
binop_imm!(i64_or_imm, I64OrImm, i64, |a, b| a | b);
binop_imm!(i64_xor_imm, I64XorImm, i64, |a, b| a ^ b);
binop_imm!(i64_shl_imm, I64ShlImm, i64, |a, b| a.wrapping_shl(b as u32));
binop_imm!(i64_shr_s_imm, I64ShrSImm, i64, |a, b| a
    .wrapping_shr(b as u32));
binop_imm!(
    i64_shr_u_imm,
    I64ShrUImm,
    i64,
    |a, b| (a as u64).wrapping_shr(b as u32) as i64
);
binop_imm!(
    i64_rotl_imm,
    I64RotlImm,
    i64,
    |a, b| (a as u64).rotate_left((b & 63) as u32) as i64
);
binop_imm_trap!(i64_div_s_imm, I64DivSImm, i64, |a, b| i64_div_s_op(a, b));
binop_imm_trap!(i64_div_u_imm, I64DivUImm, i64, |a, b| i64_div_u_op(
    a as u64, b as u64
)
.map(|v| v as i64));
binop_imm_trap!(i64_rem_s_imm, I64RemSImm, i64, |a, b| i64_rem_s_op(a, b));
binop_imm_trap!(i64_rem_u_imm, I64RemUImm, i64, |a, b| i64_rem_u_op(
    a as u64, b as u64
)
.map(|v| v as i64));
binop!(i64_eq, I64Eq, u64, |a, b| (a == b) as u32);
binop!(i64_ne, I64Ne, u64, |a, b| (a != b) as u32);
binop!(i64_lt_s, I64LtS, i64, |a, b| (a < b) as u32);
binop!(i64_lt_u, I64LtU, u64, |a, b| (a < b) as u32);
binop!(i64_gt_s, I64GtS, i64, |a, b| (a > b) as u32);
binop!(i64_gt_u, I64GtU, u64, |a, b| (a > b) as u32);
binop!(i64_le_s, I64LeS, i64, |a, b| (a <= b) as u32);
binop!(i64_le_u, I64LeU, u64, |a, b| (a <= b) as u32);
binop!(i64_ge_s, I64GeS, i64, |a, b| (a >= b) as u32);
binop!(i64_ge_u, I64GeU, u64, |a, b| (a >= b) as u32);
binop_imm!(i64_eq_imm, I64EqImm, i64, |a, b| (a == b) as u32);
binop_imm!(i64_ne_imm, I64NeImm, i64, |a, b| (a != b) as u32);
binop_imm!(i64_lt_s_imm, I64LtSImm, i64, |a, b| (a < b) as u32);
binop_imm!(
    i64_lt_u_imm,
    I64LtUImm,
    i64,
    |a, b| ((a as u64) < (b as u64)) as u32
);
binop_imm!(i64_gt_s_imm, I64GtSImm, i64, |a, b| (a > b) as u32);
binop_imm!(
    i64_gt_u_imm,
    I64GtUImm,
    i64,
    |a, b| ((a as u64) > (b as u64)) as u32
);
binop_imm!(i64_le_s_imm, I64LeSImm, i64, |a, b| (a <= b) as u32);
binop_imm!(
    i64_le_u_imm,
    I64LeUImm,
    i64,
    |a, b| ((a as u64) <= (b as u64)) as u32
);
binop_imm!(i64_ge_s_imm, I64GeSImm, i64, |a, b| (a >= b) as u32);
binop_imm!(
    i64_ge_u_imm,
    I64GeUImm,
    i64,
    |a, b| ((a as u64) >= (b as u64)) as u32
);
unop!(i64_eqz, I64Eqz, u64, |a| (a == 0) as u32);
unop!(i64_clz, I64Clz, u64, |a| a.leading_zeros() as u64);
unop!(i64_ctz, I64Ctz, u64, |a| a.trailing_zeros() as u64);
unop!(i64_popcnt, I64Popcnt, u64, |a| a.count_ones() as u64);
unop!(i64_extend8_s, I64Extend8S, u64, |a| a as i8 as i64 as u64);
unop!(i64_extend16_s, I64Extend16S, u64, |a| a as i16 as i64
    as u64);
unop!(i64_extend32_s, I64Extend32S, u64, |a| a as i32 as i64
    as u64);
unop!(i64_extend_i32_u, I64ExtendI32U, u64, |a| a as u32 as u64);

// ---------------------------------------------------------------------------------
// Floats.
// ---------------------------------------------------------------------------------

binop!(f64_add, F64Add, f64, |a, b| a + b);
binop!(f64_sub, F64Sub, f64, |a, b| a - b);
binop!(f64_mul, F64Mul, f64, |a, b| a * b);
binop!(f64_div, F64Div, f64, |a, b| a / b);
binop!(f64_min, F64Min, f64, |a, b| f64_min_op(a, b));
binop!(f64_max, F64Max, f64, |a, b| f64_max_op(a, b));
binop!(f64_copysign, F64Copysign, f64, |a, b| a.copysign(b));
binop!(f64_eq, F64Eq, f64, |a, b| (a == b) as u32);
binop!(f64_ne, F64Ne, f64, |a, b| (a != b) as u32);
binop!(f64_lt, F64Lt, f64, |a, b| (a < b) as u32);
binop!(f64_gt, F64Gt, f64, |a, b| (a > b) as u32);
binop!(f64_le, F64Le, f64, |a, b| (a <= b) as u32);
binop!(f64_ge, F64Ge, f64, |a, b| (a >= b) as u32);
unop!(f64_abs, F64Abs, f64, |a| a.abs());
unop!(f64_neg, F64Neg, f64, |a| -a);
unop!(f64_sqrt, F64Sqrt, f64, |a| a.sqrt());
unop!(f64_ceil, F64Ceil, f64, |a| quiet_f64(a.ceil()));
unop!(f64_floor, F64Floor, f64, |a| quiet_f64(a.floor()));
unop!(f64_trunc, F64Trunc, f64, |a| quiet_f64(a.trunc()));
unop!(f64_nearest, F64Nearest, f64, |a| quiet_f64(
    a.round_ties_even()
));

binop!(f32_add, F32Add, f32, |a, b| a + b);
binop!(f32_sub, F32Sub, f32, |a, b| a - b);
binop!(f32_mul, F32Mul, f32, |a, b| a * b);
binop!(f32_div, F32Div, f32, |a, b| a / b);
binop!(f32_min, F32Min, f32, |a, b| f32_min_op(a, b));
binop!(f32_max, F32Max, f32, |a, b| f32_max_op(a, b));
binop!(f32_copysign, F32Copysign, f32, |a, b| a.copysign(b));
binop!(f32_eq, F32Eq, f32, |a, b| (a == b) as u32);
binop!(f32_ne, F32Ne, f32, |a, b| (a != b) as u32);
binop!(f32_lt, F32Lt, f32, |a, b| (a < b) as u32);
binop!(f32_gt, F32Gt, f32, |a, b| (a > b) as u32);
binop!(f32_le, F32Le, f32, |a, b| (a <= b) as u32);
binop!(f32_ge, F32Ge, f32, |a, b| (a >= b) as u32);
unop!(f32_abs, F32Abs, f32, |a| a.abs());
unop!(f32_neg, F32Neg, f32, |a| -a);
unop!(f32_sqrt, F32Sqrt, f32, |a| a.sqrt());
unop!(f32_ceil, F32Ceil, f32, |a| quiet_f32(a.ceil()));
unop!(f32_floor, F32Floor, f32, |a| quiet_f32(a.floor()));
unop!(f32_trunc, F32Trunc, f32, |a| quiet_f32(a.trunc()));
unop!(f32_nearest, F32Nearest, f32, |a| quiet_f32(
    a.round_ties_even()
));

unop!(f64_convert_i32_s, F64ConvertI32S, i32, |a| a as f64);
unop!(f64_convert_i32_u, F64ConvertI32U, u32, |a| a as f64);
unop!(f64_convert_i64_s, F64ConvertI64S, i64, |a| a as f64);
unop!(f64_convert_i64_u, F64ConvertI64U, u64, |a| a as f64);
unop!(f32_convert_i32_s, F32ConvertI32S, i32, |a| a as f32);
unop!(f32_convert_i32_u, F32ConvertI32U, u32, |a| a as f32);
unop!(f32_convert_i64_s, F32ConvertI64S, i64, |a| a as f32);
unop!(f32_convert_i64_u, F32ConvertI64U, u64, |a| a as f32);
unop!(f64_promote_f32, F64PromoteF32, f32, |a| a as f64);
unop!(f32_demote_f64, F32DemoteF64, f64, |a| a as f32);
unop_trap!(i32_trunc_f64_s, I32TruncF64S, f64, |a| i32_trunc_s(a));
unop_trap!(i32_trunc_f64_u, I32TruncF64U, f64, |a| i32_trunc_u(a));
unop_trap!(i32_trunc_f32_s, I32TruncF32S, f32, |a| i32_trunc_s(
    a as f64
));
unop_trap!(i32_trunc_f32_u, I32TruncF32U, f32, |a| i32_trunc_u(
    a as f64
));
unop_trap!(i64_trunc_f64_s, I64TruncF64S, f64, |a| i64_trunc_s(a));
unop_trap!(i64_trunc_f64_u, I64TruncF64U, f64, |a| i64_trunc_u(a));
unop_trap!(i64_trunc_f32_s, I64TruncF32S, f32, |a| i64_trunc_s(
    a as f64
));
unop_trap!(i64_trunc_f32_u, I64TruncF32U, f32, |a| i64_trunc_u(
    a as f64
));
// Rust's `as` saturates and maps NaN to 0: exactly the wasm `trunc_sat` semantics.
unop!(i32_trunc_sat_f32_s, I32TruncSatF32S, f32, |a| a as i32);
unop!(i32_trunc_sat_f32_u, I32TruncSatF32U, f32, |a| a as u32);
unop!(i32_trunc_sat_f64_s, I32TruncSatF64S, f64, |a| a as i32);
unop!(i32_trunc_sat_f64_u, I32TruncSatF64U, f64, |a| a as u32);
unop!(i64_trunc_sat_f32_s, I64TruncSatF32S, f32, |a| a as i64);
unop!(i64_trunc_sat_f32_u, I64TruncSatF32U, f32, |a| a as u64);
unop!(i64_trunc_sat_f64_s, I64TruncSatF64S, f64, |a| a as i64);
unop!(i64_trunc_sat_f64_u, I64TruncSatF64U, f64, |a| a as u64);

// ---------------------------------------------------------------------------------
// References and tables.
// ---------------------------------------------------------------------------------

handler!(ref_is_null(pc, fp, cx, mem, len) {
    let o = op::RefIsNull::decode(pc);
    wr(fp, o.dst, (*slot(fp, o.a)).ptr.is_null() as u32);
    next!(pc.add(op::RefIsNull::SIZE), fp, cx, mem, len)
});

handler!(ref_func(pc, fp, cx, mem, len) {
    let o = op::RefFunc::decode(pc);
    let fref = *cx.inst.funcs.add(o.func as usize);
    *slot(fp, o.dst) = Slot { ptr: fref.cast() };
    next!(pc.add(op::RefFunc::SIZE), fp, cx, mem, len)
});

handler!(table_get(pc, fp, cx, mem, len) {
    let o = op::TableGet::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    match (*t).get(rd::<u32>(fp, o.idx) as u64) {
        Ok(r) => *slot(fp, o.dst) = Slot::from_ref(r),
        Err(e) => return trap(cx, e),
    }
    next!(pc.add(op::TableGet::SIZE), fp, cx, mem, len)
});

handler!(table_set(pc, fp, cx, mem, len) {
    let o = op::TableSet::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    if let Err(e) = (*t).set(rd::<u32>(fp, o.idx) as u64, VMRef((*slot(fp, o.val)).ptr)) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableSet::SIZE), fp, cx, mem, len)
});

handler!(table_size(pc, fp, cx, mem, len) {
    let o = op::TableSize::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    wr(fp, o.dst, (*t).size() as u32);
    next!(pc.add(op::TableSize::SIZE), fp, cx, mem, len)
});

handler!(table_grow(pc, fp, cx, mem, len) {
    let o = op::TableGrow::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    let init = VMRef((*slot(fp, o.init)).ptr);
    let r = match (*t).grow(rd::<u32>(fp, o.delta) as u64, init) {
        Some(old) => old as u32,
        None => u32::MAX,
    };
    wr(fp, o.dst, r);
    next!(pc.add(op::TableGrow::SIZE), fp, cx, mem, len)
});

handler!(table_fill(pc, fp, cx, mem, len) {
    let o = op::TableFill::decode(pc);
    let t = *cx.inst.tables.add(o.table as usize);
    let v = VMRef((*slot(fp, o.val)).ptr);
    if let Err(e) = Table::fill(t, rd::<u32>(fp, o.dst) as u64, v, rd::<u32>(fp, o.len) as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableFill::SIZE), fp, cx, mem, len)
});

handler!(table_copy(pc, fp, cx, mem, len) {
    let o = op::TableCopy::decode(pc);
    let dt = *cx.inst.tables.add(o.dst_table as usize);
    let st = *cx.inst.tables.add(o.src_table as usize);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(e) = Table::copy(dt, d as u64, st, s as u64, n as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableCopy::SIZE), fp, cx, mem, len)
});

handler!(table_init(pc, fp, cx, mem, len) {
    let o = op::TableInit::decode(pc);
    let (d, s, n) = (rd::<u32>(fp, o.dst), rd::<u32>(fp, o.src), rd::<u32>(fp, o.len));
    if let Err(e) = crate::vm::Instance::table_init(cx.inst.instance, o.table, o.elem, d as u64, s as u64, n as u64) {
        return trap(cx, e);
    }
    next!(pc.add(op::TableInit::SIZE), fp, cx, mem, len)
});

handler!(elem_drop(pc, fp, cx, mem, len) {
    let o = op::ElemDrop::decode(pc);
    (*cx.inst.instance).elem_drop(o.elem);
    next!(pc.add(op::ElemDrop::SIZE), fp, cx, mem, len)
});

// ---------------------------------------------------------------------------------
// Superinstructions: pairs the translator fuses because profiles show them hot.
// ---------------------------------------------------------------------------------

handler!(move2(pc, fp, cx, mem, len) {
    let o = op::Move2::decode(pc);
    *slot(fp, o.d1) = *slot(fp, o.s1);
    *slot(fp, o.d2) = *slot(fp, o.s2);
    next!(pc.add(op::Move2::SIZE), fp, cx, mem, len)
});

handler!(i32_add_imm2(pc, fp, cx, mem, len) {
    let o = op::I32AddImm2::decode(pc);
    wr(fp, o.d1, rd::<u32>(fp, o.a1).wrapping_add(o.i1 as u32));
    wr(fp, o.d2, rd::<u32>(fp, o.a2).wrapping_add(o.i2 as u32));
    next!(pc.add(op::I32AddImm2::SIZE), fp, cx, mem, len)
});

handler!(i32_shr_u_and_imm(pc, fp, cx, mem, len) {
    let o = op::I32ShrUAndImm::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_shr(o.sh as u32) & o.mask as u32);
    next!(pc.add(op::I32ShrUAndImm::SIZE), fp, cx, mem, len)
});

// Address computed by the fused op, wrapping at 32 bits as the separate op would.
load_fused!(
    load32_add_imm,
    Load32AddImm,
    u32,
    4,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v as u64
);
load_fused!(
    load64_add_imm,
    Load64AddImm,
    u64,
    8,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v
);
load_fused!(
    load8_u_add_imm,
    Load8UAddImm,
    u8,
    1,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v as u64
);
load_fused!(
    load8_s_add_imm,
    Load8SAddImm,
    i8,
    1,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v as i64 as u64
);
load_fused!(
    load16_u_add_imm,
    Load16UAddImm,
    u16,
    2,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v as u64
);
load_fused!(
    load16_s_add_imm,
    Load16SAddImm,
    i16,
    2,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(o.imm as u32),
    |v| v as i64 as u64
);
load_fused!(
    load32_add,
    Load32Add,
    u32,
    4,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(rd::<u32>(fp, o.b)),
    |v| v as u64
);
load_fused!(
    load64_add,
    Load64Add,
    u64,
    8,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(rd::<u32>(fp, o.b)),
    |v| v
);
load_fused!(
    load8_u_add,
    Load8UAdd,
    u8,
    1,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(rd::<u32>(fp, o.b)),
    |v| v as u64
);
load_fused!(
    load32_shl,
    Load32Shl,
    u32,
    4,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_shl(o.sh as u32),
    |v| v as u64
);
load_fused!(
    load64_shl,
    Load64Shl,
    u64,
    8,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_shl(o.sh as u32),
    |v| v
);
store_fused!(store32_add_imm, Store32AddImm, u32, 4, |o, fp| rd::<u32>(
    fp, o.addr
)
.wrapping_add(o.imm as u32));
store_fused!(store64_add_imm, Store64AddImm, u64, 8, |o, fp| rd::<u32>(
    fp, o.addr
)
.wrapping_add(o.imm as u32));
store_fused!(store8_add_imm, Store8AddImm, u8, 1, |o, fp| rd::<u32>(
    fp, o.addr
)
.wrapping_add(o.imm as u32));
store_fused!(store32_add, Store32Add, u32, 4, |o, fp| rd::<u32>(
    fp, o.addr
)
.wrapping_add(rd::<u32>(fp, o.b)));

float_imm!(f64_add_imm, F64AddImm, f64, u64, |a, b| a + b);
float_imm!(f64_sub_imm, F64SubImm, f64, u64, |a, b| a - b);
float_imm!(f64_rsub_imm, F64RSubImm, f64, u64, |a, b| b - a);
float_imm!(f64_mul_imm, F64MulImm, f64, u64, |a, b| a * b);
float_imm!(f64_div_imm, F64DivImm, f64, u64, |a, b| a / b);
float_imm!(f64_rdiv_imm, F64RDivImm, f64, u64, |a, b| b / a);
float_imm!(f64_lt_imm, F64LtImm, f64, u64, |a, b| (a < b) as u32);
float_imm!(f64_gt_imm, F64GtImm, f64, u64, |a, b| (a > b) as u32);
float_imm!(f64_le_imm, F64LeImm, f64, u64, |a, b| (a <= b) as u32);
float_imm!(f64_ge_imm, F64GeImm, f64, u64, |a, b| (a >= b) as u32);
float_imm!(f32_add_imm, F32AddImm, f32, u32, |a, b| a + b);
float_imm!(f32_sub_imm, F32SubImm, f32, u32, |a, b| a - b);
float_imm!(f32_rsub_imm, F32RSubImm, f32, u32, |a, b| b - a);
float_imm!(f32_mul_imm, F32MulImm, f32, u32, |a, b| a * b);
// Two roundings, as the separate wasm ops do (no fused multiply-add).
ternop!(f64_mul_add, F64MulAdd, f64, |a, b, c| a * b + c);
ternop!(f64_mul_sub, F64MulSub, f64, |a, b, c| a * b - c);
ternop!(f64_mul_rsub, F64MulRSub, f64, |a, b, c| c - a * b);
ternop!(f32_mul_add, F32MulAdd, f32, |a, b, c| a * b + c);
ternop!(f32_mul_sub, F32MulSub, f32, |a, b, c| a * b - c);
ternop!(f32_mul_rsub, F32MulRSub, f32, |a, b, c| c - a * b);

macro_rules! store_imm {
    ($name:ident, $Op:ident, $raw:ty, $n:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            // 64-bit stores sign-extend the 32-bit immediate.
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), o.imm as i64 as $raw);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}
store_imm!(store32_imm, Store32Imm, u32, 4);
store_imm!(store64_imm, Store64Imm, u64, 8);
store_imm!(store8_imm, Store8Imm, u8, 1);

macro_rules! load_pair {
    ($name:ident, $Op:ident, $raw:ty, $n:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.a1) as u64 + o.o1 as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            wr::<u64>(fp, o.d1, ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>()) as u64);
            // The second address may be the first result (pointer chasing): read it now.
            let ea = rd::<u32>(fp, o.a2) as u64 + o.o2 as u64;
            if ea + $n > len as u64 {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            wr::<u64>(fp, o.d2, ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>()) as u64);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}
load_pair!(load32x2, Load32x2, u32, 4);
load_pair!(load64x2, Load64x2, u64, 8);

macro_rules! add_imm_br {
    ($name:ident, $Op:ident, $t:ty, |$o:ident, $fp:ident| $rhs:expr, |$x:ident, $y:ident| $cond:expr) => {
        handler!($name(pc, $fp, cx, mem, len) {
            let $o = op::$Op::decode(pc);
            let v = rd::<u32>($fp, $o.a).wrapping_add($o.imm as u32);
            wr($fp, $o.dst, v);
            let $x = v as $t;
            let $y: $t = $rhs;
            let next_pc = if $cond { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, $fp, cx, mem, len)
        });
    };
}
add_imm_br!(
    i32_add_imm_br_ne,
    I32AddImmBrNe,
    u32,
    |o, fp| rd(fp, o.b),
    |x, y| x != y
);
add_imm_br!(
    i32_add_imm_br_eq,
    I32AddImmBrEq,
    u32,
    |o, fp| rd(fp, o.b),
    |x, y| x == y
);
add_imm_br!(
    i32_add_imm_br_lt_u,
    I32AddImmBrLtU,
    u32,
    |o, fp| rd(fp, o.b),
    |x, y| x < y
);
add_imm_br!(
    i32_add_imm_br_lt_s,
    I32AddImmBrLtS,
    i32,
    |o, fp| rd(fp, o.b),
    |x, y| x < y
);
add_imm_br!(
    i32_add_imm_br_ne_imm,
    I32AddImmBrNeImm,
    u32,
    |o, fp| o.bimm as u32,
    |x, y| x != y
);
add_imm_br!(
    i32_add_imm_br_eq_imm,
    I32AddImmBrEqImm,
    u32,
    |o, fp| o.bimm as u32,
    |x, y| x == y
);

handler!(i32_rotl_imm_xor(pc, fp, cx, mem, len) {
    let o = op::I32RotlImmXor::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).rotate_left(o.k as u32 & 31) ^ rd::<u32>(fp, o.b));
    next!(pc.add(op::I32RotlImmXor::SIZE), fp, cx, mem, len)
});

ternop!(i32_mul_add, I32MulAdd, u32, |a, b, c| a
    .wrapping_mul(b)
    .wrapping_add(c));

br_cmp!(br_f64_eq, BrF64Eq, f64, |a, b| a == b);
br_cmp!(br_f64_ne, BrF64Ne, f64, |a, b| a != b);
br_cmp!(br_f64_lt, BrF64Lt, f64, |a, b| a < b);
br_cmp!(br_f64_gt, BrF64Gt, f64, |a, b| a > b);
br_cmp!(br_f64_le, BrF64Le, f64, |a, b| a <= b);
br_cmp!(br_f64_ge, BrF64Ge, f64, |a, b| a >= b);
// Negations for `if`: with NaN, `!(a < b)` is not `a >= b`, which is the point here.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
mod negated_f64_branches {
    use super::*;
    br_cmp!(br_f64_not_lt, BrF64NotLt, f64, |a, b| !(a < b));
    br_cmp!(br_f64_not_gt, BrF64NotGt, f64, |a, b| !(a > b));
    br_cmp!(br_f64_not_le, BrF64NotLe, f64, |a, b| !(a <= b));
    br_cmp!(br_f64_not_ge, BrF64NotGe, f64, |a, b| !(a >= b));
}
pub(crate) use negated_f64_branches::*;

macro_rules! br_f64_imm {
    ($name:ident, $Op:ident, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $a: f64 = rd(fp, o.a);
            let $b = f64::from_bits(o.imm as u64);
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, len)
        });
    };
}
br_f64_imm!(br_f64_lt_imm, BrF64LtImm, |a, b| a < b);
br_f64_imm!(br_f64_gt_imm, BrF64GtImm, |a, b| a > b);
br_f64_imm!(br_f64_le_imm, BrF64LeImm, |a, b| a <= b);
br_f64_imm!(br_f64_ge_imm, BrF64GeImm, |a, b| a >= b);

handler!(loop_header(pc, fp, cx, mem, len) {
    (*cx.counters).loop_iterations += 1;
    next!(pc.add(op::LoopHeader::SIZE), fp, cx, mem, len)
});

macro_rules! select_cmp {
    ($name:ident, $Op:ident, $t:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, len) {
            let o = op::$Op::decode(pc);
            let $x: $t = rd(fp, o.x);
            let $y: $t = rd(fp, o.y);
            let src = if $e { o.a } else { o.b };
            *slot(fp, o.dst) = *slot(fp, src);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, len)
        });
    };
}
select_cmp!(select_i32_eq, SelectI32Eq, u32, |x, y| x == y);
select_cmp!(select_i32_ne, SelectI32Ne, u32, |x, y| x != y);
select_cmp!(select_i32_lt_s, SelectI32LtS, i32, |x, y| x < y);
select_cmp!(select_i32_lt_u, SelectI32LtU, u32, |x, y| x < y);
select_cmp!(select_i32_gt_s, SelectI32GtS, i32, |x, y| x > y);
select_cmp!(select_i32_gt_u, SelectI32GtU, u32, |x, y| x > y);

handler!(move_br(pc, fp, cx, mem, len) {
    let o = op::MoveBr::decode(pc);
    *slot(fp, o.dst) = *slot(fp, o.src);
    next!(branch(pc, o.off, cx), fp, cx, mem, len)
});

handler!(move2_br(pc, fp, cx, mem, len) {
    let o = op::Move2Br::decode(pc);
    *slot(fp, o.d1) = *slot(fp, o.s1);
    *slot(fp, o.d2) = *slot(fp, o.s2);
    next!(branch(pc, o.off, cx), fp, cx, mem, len)
});
