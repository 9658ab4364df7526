//! Control handlers: moves, constants, globals, branches (plain and compare-and-branch),
//! `select` and returns.

use super::*;

// ---------------------------------------------------------------------------------
// Moves, constants, control.
// ---------------------------------------------------------------------------------

handler!(move_(pc, fp, cx, mem, lim) {
    let o = op::Move::decode(pc);
    *slot(fp, o.dst) = *slot(fp, o.src);
    next!(pc.add(op::Move::SIZE), fp, cx, mem, lim)
});

handler!(const32(pc, fp, cx, mem, lim) {
    let o = op::Const32::decode(pc);
    wr(fp, o.dst, o.imm as i64);
    next!(pc.add(op::Const32::SIZE), fp, cx, mem, lim)
});

handler!(const64(pc, fp, cx, mem, lim) {
    let o = op::Const64::decode(pc);
    wr(fp, o.dst, o.imm);
    next!(pc.add(op::Const64::SIZE), fp, cx, mem, lim)
});

handler!(br(pc, fp, cx, mem, lim) {
    let o = op::Br::decode(pc);
    next!(branch(pc, o.off, cx), fp, cx, mem, lim)
});

handler!(br_if_nez(pc, fp, cx, mem, lim) {
    let o = op::BrIfNez::decode(pc);
    let next_pc = if rd::<u32>(fp, o.c) != 0 { taken(pc, op::BrIfNez::SIZE) } else { pc.add(op::BrIfNez::SIZE) };
    next!(next_pc, fp, cx, mem, lim)
});

handler!(br_if_eqz(pc, fp, cx, mem, lim) {
    let o = op::BrIfEqz::decode(pc);
    let next_pc = if rd::<u32>(fp, o.c) == 0 { taken(pc, op::BrIfEqz::SIZE) } else { pc.add(op::BrIfEqz::SIZE) };
    next!(next_pc, fp, cx, mem, lim)
});

handler!(br_if_i64_nez(pc, fp, cx, mem, lim) {
    let o = op::BrIfI64Nez::decode(pc);
    let next_pc = if rd::<u64>(fp, o.c) != 0 { taken(pc, op::BrIfI64Nez::SIZE) } else { pc.add(op::BrIfI64Nez::SIZE) };
    next!(next_pc, fp, cx, mem, lim)
});

handler!(br_if_i64_eqz(pc, fp, cx, mem, lim) {
    let o = op::BrIfI64Eqz::decode(pc);
    let next_pc = if rd::<u64>(fp, o.c) == 0 { taken(pc, op::BrIfI64Eqz::SIZE) } else { pc.add(op::BrIfI64Eqz::SIZE) };
    next!(next_pc, fp, cx, mem, lim)
});

handler!(br_table(pc, fp, cx, mem, lim) {
    let o = op::BrTable::decode(pc);
    let i = rd::<u32>(fp, o.idx).min(o.len) as usize;
    let off = ptr::read_unaligned(pc.add(op::BrTable::SIZE + 4 * i).cast::<i32>());
    next!(branch(pc, off, cx), fp, cx, mem, lim)
});

handler!(br_table_add_imm(pc, fp, cx, mem, lim) {
    let o = op::BrTableAddImm::decode(pc);
    let i = rd::<u32>(fp, o.idx).wrapping_add(o.imm as u32).min(o.len) as usize;
    let off = ptr::read_unaligned(pc.add(op::BrTableAddImm::SIZE + 4 * i).cast::<i32>());
    next!(branch(pc, off, cx), fp, cx, mem, lim)
});

/// Pops the caller's frame, or ends the activation.
#[inline(always)]
pub(crate) unsafe fn do_return(fp: Fp, cx: &mut Cx, mem: Mem, lim: usize) -> Ret {
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
            return return_to_other_instance(f.ret_pc, f.fp, cx, f.vmctx);
        }
        next!(f.ret_pc, f.fp, cx, mem, lim)
    }
}

/// The end of a return to a caller of another instance: reloads the instance cache.
/// Out of line, so that the common return needs no callee-saved registers.
#[inline(never)]
unsafe fn return_to_other_instance(pc: Pc, fp: Fp, cx: &mut Cx, vmctx: *mut VMContext) -> Ret {
    // SAFETY: the frame was pushed by a call of this activation: its pc, fp and context
    // are the live caller's.
    unsafe {
        cx.inst = InstCache::load(vmctx);
        let (mem, lim) = cx.mem0();
        next!(pc, fp, cx, mem, lim)
    }
}

handler!(ret(pc, fp, cx, mem, lim) {
    do_return(fp, cx, mem, lim)
});

handler!(ret1(pc, fp, cx, mem, lim) {
    let o = op::Ret1::decode(pc);
    *fp = *slot(fp, o.src);
    do_return(fp, cx, mem, lim)
});

handler!(unreachable(pc, fp, cx, mem, lim) {
    trap(cx, Trap::UnreachableCodeReached)
});

handler!(consume_fuel(pc, fp, cx, mem, lim) {
    let o = op::ConsumeFuel::decode(pc);
    let fuel = &mut (*cx.store).fuel;
    if *fuel < o.amount as i64 {
        return trap(cx, Trap::OutOfFuel);
    }
    *fuel -= o.amount as i64;
    next!(pc.add(op::ConsumeFuel::SIZE), fp, cx, mem, lim)
});

handler!(select(pc, fp, cx, mem, lim) {
    let o = op::Select::decode(pc);
    let src = if rd::<u32>(fp, o.c) != 0 { o.a } else { o.b };
    *slot(fp, o.dst) = *slot(fp, src);
    next!(pc.add(op::Select::SIZE), fp, cx, mem, lim)
});

handler!(global_get(pc, fp, cx, mem, lim) {
    let o = op::GlobalGet::decode(pc);
    let g = *cx.inst.globals.add(o.idx as usize);
    // The first 8 bytes of a `ValRaw` are laid out as a `Slot`.
    *slot(fp, o.dst) = *g.cast::<Slot>();
    next!(pc.add(op::GlobalGet::SIZE), fp, cx, mem, lim)
});

handler!(global_set(pc, fp, cx, mem, lim) {
    let o = op::GlobalSet::decode(pc);
    let g = *cx.inst.globals.add(o.idx as usize);
    *g.cast::<Slot>() = *slot(fp, o.src);
    next!(pc.add(op::GlobalSet::SIZE), fp, cx, mem, lim)
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
