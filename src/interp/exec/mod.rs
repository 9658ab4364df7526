//! The executor: one handler per op (the table in `dispatch` is derived from the op
//! list), and the per-activation context they share.
//!
//! Every handler has the same signature, `(pc, fp, cx, mem, lim) -> Ret`: the program
//! counter, the frame pointer, the activation context, and the base and length of memory
//! 0, all in registers. A handler decodes its own operands, does its work, and ends in
//! `next!`, which dispatches the following op (a tail call in optimised builds).
//!
//! Invariants every handler relies on (they are the translator's contract): `pc` points
//! at an op of the handler's kind inside a live `FuncCode`; every slot operand is inside
//! the current frame, which lies inside the value stack; `mem` is the base of memory 0 of
//! the current instance and `lim` its length less 7 (see [`Cx::mem0`]); `cx`
//! describes the current instance.
//!
//! This file holds the state the handlers share, their operand helpers and the macros
//! that define handlers; the handlers themselves are in `control` (moves, constants,
//! globals, branches), `calls`, `memory` (memory, references, tables), `numeric`
//! (integer and float arithmetic, conversions) and `fused` (superinstructions).

use super::code::{FuncCode, ModuleCode};
use super::dispatch::{Fp, Mem, Pc, Ret, exit, next};
use super::hotness::Hotness;
use super::ops::op;
use super::stack::{Slot, SlotValue};
use crate::module::DefinedFuncIndex;
use crate::vm::{
    FUNCTION_CONTEXT_MAGIC, Global, Memory, Table, Trap, VMArrayCallFn, VMContext, VMFuncCounters,
    VMFuncRef, VMFunctionContext, VMNativeEntry, VMOpaqueContext, VMRef, VMStoreContext, ValRaw,
    load_slot,
};
use core::ptr;
use std::sync::atomic::AtomicPtr;

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
    /// The module's tier-up budgets (see `hotness`).
    hotness: *const Hotness,
    /// The module's slot table (the tier seam, see `vm::FuncSlots`).
    func_slots: *const AtomicPtr<VMNativeEntry>,
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
                hotness: (*(*vmctx).header.interp_code.cast::<ModuleCode>())
                    .hot
                    .as_ptr(),
                func_slots: (*vmctx).header.func_slots,
                num_imported_funcs: o.num_imported_funcs,
            }
        }
    }

    /// Defined function `d`'s index in the module's index space: the conversion of
    /// `ModuleInfo::func_index` from the cached import count (no loads on call paths).
    #[inline(always)]
    pub fn func_index(&self, d: u32) -> u32 {
        d + self.num_imported_funcs
    }

    /// The defined-function index of function `f` (not an import): the conversion of
    /// `ModuleInfo::defined_func_index` from the cached import count.
    #[inline(always)]
    pub fn defined_index(&self, f: u32) -> u32 {
        debug_assert!(f >= self.num_imported_funcs);
        f - self.num_imported_funcs
    }

    /// The published native entry of defined function `d` of this instance's module, or
    /// null while the interpreter runs it.
    #[inline(always)]
    pub fn native_entry(&self, d: u32) -> *mut VMNativeEntry {
        // SAFETY: the slot table lives as long as the module, so as this instance; `d` is
        // a defined function of it (checked by the translator or the function context).
        unsafe { load_slot(self.func_slots, DefinedFuncIndex::from_u32(d)) }
    }

    /// Base and length in bytes of memory 0 (null and 0 without a memory).
    #[inline(always)]
    pub fn mem0(&self) -> (Mem, usize) {
        if self.mem0.is_null() {
            (ptr::null_mut(), 0)
        } else {
            // SAFETY: a non-null `mem0` points at a live memory of this instance.
            unsafe { ((*self.mem0).def.base, (*self.mem0).def.current_length) }
        }
    }

    /// The published native entry of `d` for a call about to start, or null when the
    /// interpreter runs it. A call of an interpreted function spends its call budget;
    /// when that runs out the controller hears of it, and may publish `d` at once.
    #[inline(always)]
    pub fn entry_for_call(&self, d: u32) -> *mut VMNativeEntry {
        let entry = self.native_entry(d);
        if entry.is_null() && self.hotness(d).tick_call() {
            // SAFETY: `code` is the live interpreter data of this instance's module.
            unsafe { (*self.code).hot.hot_call(d) };
            return self.native_entry(d);
        }
        entry
    }

    /// The tier-up budgets of defined function `d`.
    #[inline(always)]
    pub fn hotness(&self, d: u32) -> &Hotness {
        // SAFETY: `d` is a defined function index of this instance; the table lives as
        // long as the module.
        unsafe { &*self.hotness.add(d as usize) }
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
    /// The length of memory 0 when `mem` and `lim` were last loaded (by [`Cx::mem0`]).
    pub(crate) mem_len: usize,
}

impl Cx {
    /// Loads, for the handlers' registers, the base of memory 0 and the bound `lim` kept
    /// with it: the length less 7, or 0 below 7 (null and 0 without a memory). An access
    /// of up to 8 bytes at `ea < lim` is in bounds, so the common case is one
    /// comparison; at `ea >= lim` the handler compares with the true length, kept here.
    #[inline(always)]
    pub(crate) fn mem0(&mut self) -> (Mem, usize) {
        let (base, len) = self.inst.mem0();
        self.mem_len = len;
        (base, len.saturating_sub(7))
    }
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

/// Whether an access of `n` (at most 8) bytes at `ea` leaves memory 0, given the bound
/// `lim` of [`Cx::mem0`]: only an access at `ea >= lim` compares with the length
/// (kept in `cx`, so that the rare path needs no more registers than the common one).
///
/// The empty `asm!` keeps the rare path a real branch: without it LLVM computes both
/// comparisons without branching, and the extra registers make pair handlers save
/// callee-saved registers on every run (as in [`taken`]).
#[inline(always)]
fn out_of_bounds(cx: &Cx, lim: usize, ea: u64, n: u64) -> bool {
    if ea < lim as u64 {
        return false;
    }
    #[cfg(tierwasm_tail_dispatch)]
    // SAFETY: an empty assembly block with no operands: it does nothing at run time.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags))
    };
    ea + n > cx.mem_len as u64
}

/// Records a trap and stops.
///
/// The result goes through `black_box` so that callers do not know it: a handler's
/// `return trap(..)` is then a tail call (a jump), and a handler whose fast path joins a
/// bounds check needs no stack frame for the call.
#[cold]
#[inline(never)]
pub(crate) unsafe fn trap(cx: &mut Cx, t: Trap) -> Ret {
    // SAFETY: `cx.store` is the live store context of this activation.
    unsafe { (*cx.store).set_pending_error(anyhow::Error::new(t)) };
    core::hint::black_box(exit(Exit::Trap))
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
    ($name:ident($pc:ident, $fp:ident, $cx:ident, $mem:ident, $lim:ident) $body:block) => {
        #[allow(
            unused_variables,
            unused_mut,
            reason = "every handler has the same signature; most use only part of it"
        )]
        pub(crate) unsafe fn $name($pc: Pc, $fp: Fp, $cx: &mut Cx, $mem: Mem, $lim: usize) -> Ret {
            // SAFETY: the handler invariants in the module documentation hold for every
            // op the translator emits; the body only touches the frame, memory 0 within
            // bounds it checks, and VM structures of the current instance.
            unsafe { $body }
        }
    };
}

/// Decodes op `$Op` at `$pc` again, after the handler wrote memory. LLVM cannot tell
/// that write from the code, so the operands used from here on are read only now:
/// decoded up front, all of a long op's operands are live at once, which takes more
/// registers than are free, and every run saves and restores callee-saved ones.
macro_rules! late {
    ($Op:ident, $pc:expr) => {
        op::$Op::decode($pc)
    };
}

macro_rules! binop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! binop_imm {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! binop_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! binop_imm_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! unop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! unop_trap {
    ($name:ident, $Op:ident, $t:ty, |$a:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            match $e {
                Ok(v) => wr(fp, o.dst, v),
                Err(t) => return trap(cx, t),
            }
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! br_cmp {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, lim)
        });
    };
}

macro_rules! br_cmp_imm {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = o.imm as $t;
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, lim)
        });
    };
}

macro_rules! load {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$v:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let $v = ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>());
            wr::<u64>(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

/// Two i32 ops in one dispatch, the second reading the first's result `d1`, which is
/// still written (it may be a local read later, or the second op's own operand):
/// `$first` computes it as `$v`, `$second` the result `d2`, with the operands decoded
/// again after the write (see `late!`).
macro_rules! keep_pair {
    ($name:ident, $Op:ident, |$o:ident, $fp:ident, $v:ident| $first:expr, $second:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let $v: u32 = $first;
            wr($fp, $o.d1, $v);
            let $o = late!($Op, pc);
            wr($fp, $o.d2, $second);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, lim)
        });
    };
}

/// A value of type `$t` computed into slot `dst` (kept), then stored whole (its bits,
/// as `$raw`) at `addr + offset`.
macro_rules! keep_store {
    ($name:ident, $Op:ident, $t:ty, $raw:ty, |$o:ident, $fp:ident| $value:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let v: $t = $value;
            wr($fp, $o.dst, v);
            let o = late!($Op, pc);
            let ea = rd::<u32>($fp, o.addr) as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, size_of::<$raw>() as u64) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), SlotValue::to_bits(v) as $raw);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, lim)
        });
    };
}

/// An address computed into slot `d1` (kept), then a load from it into `d2` (see
/// `op::I32AddImmLoad32`).
macro_rules! keep_addr_load {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$o:ident, $fp:ident| $addr:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let p: u32 = $addr;
            wr($fp, $o.d1, p);
            let o = late!($Op, pc);
            let ea = p as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let v = ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>());
            wr::<u64>($fp, o.d2, v as u64);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, lim)
        });
    };
}

macro_rules! store {
    ($name:ident, $Op:ident, $raw:ty, $n:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), rd::<u64>(fp, o.src) as $raw);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! load_fused {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$o:ident, $fp:ident| $addr:expr, |$v:ident| $e:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let ea = ($addr) as u64 + $o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let $v = ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>());
            wr::<u64>($fp, $o.dst, $e);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, lim)
        });
    };
}

macro_rules! store_fused {
    ($name:ident, $Op:ident, $raw:ty, $n:expr, |$o:ident, $fp:ident| $addr:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let ea = ($addr) as u64 + $o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), rd::<u64>($fp, $o.src) as $raw);
            next!(pc.add(op::$Op::SIZE), $fp, cx, mem, lim)
        });
    };
}

macro_rules! float_imm {
    ($name:ident, $Op:ident, $t:ty, $bits:ty, |$a:ident, $b:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b = <$t>::from_bits(o.imm as $bits);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

macro_rules! ternop {
    ($name:ident, $Op:ident, $t:ty, |$a:ident, $b:ident, $c:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: $t = rd(fp, o.a);
            let $b: $t = rd(fp, o.b);
            let $c: $t = rd(fp, o.c);
            wr(fp, o.dst, $e);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}

// After the macros: `macro_rules!` definitions are visible only to code that follows.
mod calls;
mod control;
mod fused;
mod memory;
mod numeric;
mod tier;

pub(crate) use calls::*;
pub(crate) use control::*;
pub(crate) use fused::*;
pub(crate) use memory::*;
pub(crate) use numeric::*;
pub(crate) use tier::*;
