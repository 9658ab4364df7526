//! Superinstruction handlers: op pairs the translator fuses because profiles show them
//! hot (see `translate`).

use super::*;

// ---------------------------------------------------------------------------------
// Superinstructions: pairs the translator fuses because profiles show them hot.
// ---------------------------------------------------------------------------------

handler!(move2(pc, fp, cx, mem, lim) {
    let o = op::Move2::decode(pc);
    *slot(fp, o.d1) = *slot(fp, o.s1);
    *slot(fp, o.d2) = *slot(fp, o.s2);
    next!(pc.add(op::Move2::SIZE), fp, cx, mem, lim)
});

// Ops of more than four operands decode what they use after a write again (see
// `late!`), so that only half of them is live at a time.
handler!(i32_add_imm2(pc, fp, cx, mem, lim) {
    let o = op::I32AddImm2::decode(pc);
    wr(fp, o.d1, rd::<u32>(fp, o.a1).wrapping_add(o.i1 as u32));
    let o = late!(I32AddImm2, pc);
    wr(fp, o.d2, rd::<u32>(fp, o.a2).wrapping_add(o.i2 as u32));
    next!(pc.add(op::I32AddImm2::SIZE), fp, cx, mem, lim)
});

handler!(i32_shr_u_and_imm(pc, fp, cx, mem, lim) {
    let o = op::I32ShrUAndImm::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_shr(o.sh as u32) & o.mask as u32);
    next!(pc.add(op::I32ShrUAndImm::SIZE), fp, cx, mem, lim)
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
    load16_u_add,
    Load16UAdd,
    u16,
    2,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(rd::<u32>(fp, o.b)),
    |v| v as u64
);
load_fused!(
    load8_s_add,
    Load8SAdd,
    i8,
    1,
    |o, fp| rd::<u32>(fp, o.addr).wrapping_add(rd::<u32>(fp, o.b)),
    |v| v as i64 as u64
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
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            // 64-bit stores sign-extend the 32-bit immediate.
            ptr::write_unaligned(mem.add(ea as usize).cast::<$raw>(), o.imm as i64 as $raw);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}
store_imm!(store32_imm, Store32Imm, u32, 4);
store_imm!(store64_imm, Store64Imm, u64, 8);
store_imm!(store8_imm, Store8Imm, u8, 1);

macro_rules! load_pair {
    ($name:ident, $Op:ident, $raw:ty, $n:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.a1) as u64 + o.o1 as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            wr::<u64>(fp, o.d1, ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>()) as u64);
            // The second address may be the first result (pointer chasing): read it now.
            let o = late!($Op, pc);
            let ea = rd::<u32>(fp, o.a2) as u64 + o.o2 as u64;
            if out_of_bounds(cx, lim, ea, $n) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            wr::<u64>(fp, o.d2, ptr::read_unaligned(mem.add(ea as usize).cast::<$raw>()) as u64);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}
load_pair!(load32x2, Load32x2, u32, 4);
load_pair!(load64x2, Load64x2, u64, 8);
load_pair!(load8_ux2, Load8Ux2, u8, 1);

macro_rules! add_imm_br {
    ($name:ident, $Op:ident, $t:ty, |$o:ident, $fp:ident| $rhs:expr, |$x:ident, $y:ident| $cond:expr) => {
        handler!($name(pc, $fp, cx, mem, lim) {
            let $o = op::$Op::decode(pc);
            let v = rd::<u32>($fp, $o.a).wrapping_add($o.imm as u32);
            wr($fp, $o.dst, v);
            let $x = v as $t;
            let $y: $t = $rhs;
            let next_pc = if $cond { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, $fp, cx, mem, lim)
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

handler!(i32_rotl_imm_xor(pc, fp, cx, mem, lim) {
    let o = op::I32RotlImmXor::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).rotate_left(o.k as u32 & 31) ^ rd::<u32>(fp, o.b));
    next!(pc.add(op::I32RotlImmXor::SIZE), fp, cx, mem, lim)
});

// `a2` is read after the first rotation is written: it may be `d1`.
keep_pair!(
    i32_rotl_imm_rotl_imm_xor,
    I32RotlImmRotlImmXor,
    |o, fp, r| rd::<u32>(fp, o.a1).rotate_left(o.k1 as u32 & 31),
    rd::<u32>(fp, o.a2).rotate_left(o.k2 as u32 & 31) ^ r
);

handler!(f64_mul_imm_add(pc, fp, cx, mem, lim) {
    let o = op::F64MulImmAdd::decode(pc);
    let p = rd::<f64>(fp, o.a) * f64::from_bits(o.imm as u64);
    wr(fp, o.dst, p + rd::<f64>(fp, o.b));
    next!(pc.add(op::F64MulImmAdd::SIZE), fp, cx, mem, lim)
});

ternop!(i32_mul_add, I32MulAdd, u32, |a, b, c| a
    .wrapping_mul(b)
    .wrapping_add(c));

handler!(i32_mul_imm_add(pc, fp, cx, mem, lim) {
    let o = op::I32MulImmAdd::decode(pc);
    let x = rd::<u32>(fp, o.a).wrapping_mul(o.imm as u32);
    wr(fp, o.dst, x.wrapping_add(rd::<u32>(fp, o.b)));
    next!(pc.add(op::I32MulImmAdd::SIZE), fp, cx, mem, lim)
});

br_cmp!(br_f64_eq, BrF64Eq, f64, |a, b| a == b);
br_cmp!(br_f64_ne, BrF64Ne, f64, |a, b| a != b);
br_cmp!(br_f64_lt, BrF64Lt, f64, |a, b| a < b);
br_cmp!(br_f64_gt, BrF64Gt, f64, |a, b| a > b);
br_cmp!(br_f64_le, BrF64Le, f64, |a, b| a <= b);
br_cmp!(br_f64_ge, BrF64Ge, f64, |a, b| a >= b);
// Negations for `if`: with NaN, `!(a < b)` is not `a >= b`, which is the point here.
#[allow(
    clippy::neg_cmp_op_on_partial_ord,
    reason = "with NaN, the negated comparison is the point"
)]
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
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $a: f64 = rd(fp, o.a);
            let $b = f64::from_bits(o.imm as u64);
            let next_pc = if $e { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, lim)
        });
    };
}
br_f64_imm!(br_f64_lt_imm, BrF64LtImm, |a, b| a < b);
br_f64_imm!(br_f64_gt_imm, BrF64GtImm, |a, b| a > b);
br_f64_imm!(br_f64_le_imm, BrF64LeImm, |a, b| a <= b);
br_f64_imm!(br_f64_ge_imm, BrF64GeImm, |a, b| a >= b);

macro_rules! select_cmp {
    ($name:ident, $Op:ident, $t:ty, |$x:ident, $y:ident| $e:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let $x: $t = rd(fp, o.x);
            let $y: $t = rd(fp, o.y);
            let src = if $e { o.a } else { o.b };
            *slot(fp, o.dst) = *slot(fp, src);
            next!(pc.add(op::$Op::SIZE), fp, cx, mem, lim)
        });
    };
}
select_cmp!(select_i32_eq, SelectI32Eq, u32, |x, y| x == y);
select_cmp!(select_i32_ne, SelectI32Ne, u32, |x, y| x != y);
select_cmp!(select_i32_lt_s, SelectI32LtS, i32, |x, y| x < y);
select_cmp!(select_i32_lt_u, SelectI32LtU, u32, |x, y| x < y);
select_cmp!(select_i32_gt_s, SelectI32GtS, i32, |x, y| x > y);
select_cmp!(select_i32_gt_u, SelectI32GtU, u32, |x, y| x > y);

handler!(const32_br(pc, fp, cx, mem, lim) {
    let o = op::Const32Br::decode(pc);
    wr(fp, o.dst, o.imm as i64);
    next!(branch(pc, o.off, cx), fp, cx, mem, lim)
});

handler!(move_br(pc, fp, cx, mem, lim) {
    let o = op::MoveBr::decode(pc);
    *slot(fp, o.dst) = *slot(fp, o.src);
    next!(branch(pc, o.off, cx), fp, cx, mem, lim)
});

handler!(move2_br(pc, fp, cx, mem, lim) {
    let o = op::Move2Br::decode(pc);
    *slot(fp, o.d1) = *slot(fp, o.s1);
    let o = late!(Move2Br, pc);
    *slot(fp, o.d2) = *slot(fp, o.s2);
    next!(branch(pc, o.off, cx), fp, cx, mem, lim)
});

// The stack pointer's update in a prologue or epilogue. Globals hold their value in the
// first 8 bytes of a `ValRaw`, laid out as a `Slot`.
handler!(global_add_imm(pc, fp, cx, mem, lim) {
    let o = op::GlobalAddImm::decode(pc);
    let g = (*cx.inst.globals.add(o.idx as usize)).cast::<Slot>();
    wr(fp, o.dst, u32::from_bits((*g).bits).wrapping_add(o.imm as u32));
    *g = *slot(fp, o.dst);
    next!(pc.add(op::GlobalAddImm::SIZE), fp, cx, mem, lim)
});

handler!(i32_add_imm_global_set_ret(pc, fp, cx, mem, lim) {
    let o = op::I32AddImmGlobalSetRet::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_add(o.imm as u32));
    let g = (*cx.inst.globals.add(o.idx as usize)).cast::<Slot>();
    *g = *slot(fp, o.dst);
    do_return(fp, cx, mem, lim)
});

handler!(i32_add_imm_global_set_ret1(pc, fp, cx, mem, lim) {
    let o = op::I32AddImmGlobalSetRet1::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_add(o.imm as u32));
    let g = (*cx.inst.globals.add(o.idx as usize)).cast::<Slot>();
    *g = *slot(fp, o.dst);
    *fp = *slot(fp, o.src);
    do_return(fp, cx, mem, lim)
});

handler!(i32_add_imm_global_set(pc, fp, cx, mem, lim) {
    let o = op::I32AddImmGlobalSet::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_add(o.imm as u32));
    let g = (*cx.inst.globals.add(o.idx as usize)).cast::<Slot>();
    *g = *slot(fp, o.dst);
    next!(pc.add(op::I32AddImmGlobalSet::SIZE), fp, cx, mem, lim)
});

handler!(i32_shr_u_imm_xor(pc, fp, cx, mem, lim) {
    let o = op::I32ShrUImmXor::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_shr(o.k as u32) ^ rd::<u32>(fp, o.b));
    next!(pc.add(op::I32ShrUImmXor::SIZE), fp, cx, mem, lim)
});

handler!(i32_shl_imm_xor(pc, fp, cx, mem, lim) {
    let o = op::I32ShlImmXor::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_shl(o.k as u32) ^ rd::<u32>(fp, o.b));
    next!(pc.add(op::I32ShlImmXor::SIZE), fp, cx, mem, lim)
});

handler!(i32_xor_rotl_imm(pc, fp, cx, mem, lim) {
    let o = op::I32XorRotlImm::decode(pc);
    let x = rd::<u32>(fp, o.a) ^ rd::<u32>(fp, o.b);
    wr(fp, o.dst, x.rotate_left(o.k as u32 & 31));
    next!(pc.add(op::I32XorRotlImm::SIZE), fp, cx, mem, lim)
});

// `x` is read after the sum is written: it may be `d1`.
keep_pair!(
    i32_add_xor_rotl_imm,
    I32AddXorRotlImm,
    |o, fp, sum| rd::<u32>(fp, o.a1).wrapping_add(rd::<u32>(fp, o.b1)),
    (rd::<u32>(fp, o.x) ^ sum).rotate_left(o.k as u32 & 31)
);

handler!(i32_shl_imm_add(pc, fp, cx, mem, lim) {
    let o = op::I32ShlImmAdd::decode(pc);
    let x = rd::<u32>(fp, o.a).wrapping_shl(o.sh as u32);
    wr(fp, o.dst, x.wrapping_add(rd::<u32>(fp, o.b)));
    next!(pc.add(op::I32ShlImmAdd::SIZE), fp, cx, mem, lim)
});

// A copy of 8 bytes: the load traps first, as the separate ops would.
handler!(load64_store64(pc, fp, cx, mem, lim) {
    let o = op::Load64Store64::decode(pc);
    let from = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
    let to = rd::<u32>(fp, o.to) as u64 + o.to_offset as u64;
    if out_of_bounds(cx, lim, from, 8) || out_of_bounds(cx, lim, to, 8) {
        return trap(cx, Trap::MemoryOutOfBounds);
    }
    let v = ptr::read_unaligned(mem.add(from as usize).cast::<u64>());
    ptr::write_unaligned(mem.add(to as usize).cast::<u64>(), v);
    next!(pc.add(op::Load64Store64::SIZE), fp, cx, mem, lim)
});

keep_addr_load!(i32_add_imm_load32, I32AddImmLoad32, u32, 4, |o, fp| {
    rd::<u32>(fp, o.a1).wrapping_add(o.i1 as u32)
});
keep_addr_load!(i32_add_imm_load64, I32AddImmLoad64, u64, 8, |o, fp| {
    rd::<u32>(fp, o.a1).wrapping_add(o.i1 as u32)
});
keep_addr_load!(i32_shl_imm_load32, I32ShlImmLoad32, u32, 4, |o, fp| {
    rd::<u32>(fp, o.a1).wrapping_shl(o.i1 as u32)
});
/// `(a << k) + b` (i32, wrapping): the address of element `a` of an array at `b`.
#[inline(always)]
fn element_addr(a: u32, k: i32, b: u32) -> u32 {
    a.wrapping_shl(k as u32).wrapping_add(b)
}
keep_addr_load!(
    i32_shl_imm_add_load32,
    I32ShlImmAddLoad32,
    u32,
    4,
    |o, fp| { element_addr(rd(fp, o.a1), o.i1, rd(fp, o.b1)) }
);
keep_addr_load!(
    i32_shl_imm_add_load16_u,
    I32ShlImmAddLoad16U,
    u16,
    2,
    |o, fp| { element_addr(rd(fp, o.a1), o.i1, rd(fp, o.b1)) }
);

// A byte copy: the load traps first, as the separate ops would.
handler!(load8_u_store8(pc, fp, cx, mem, lim) {
    let o = op::Load8UStore8::decode(pc);
    let from = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
    let to = rd::<u32>(fp, o.to) as u64 + o.to_offset as u64;
    if out_of_bounds(cx, lim, from, 1) || out_of_bounds(cx, lim, to, 1) {
        return trap(cx, Trap::MemoryOutOfBounds);
    }
    *mem.add(to as usize) = *mem.add(from as usize);
    next!(pc.add(op::Load8UStore8::SIZE), fp, cx, mem, lim)
});

keep_pair!(
    i32_sub_and_imm,
    I32SubAndImm,
    |o, fp, d| rd::<u32>(fp, o.a1).wrapping_sub(rd::<u32>(fp, o.b1)),
    d & o.mask as u32
);

// `b2` is read after the masked value is written: it may be `d1`.
keep_pair!(
    i32_and_imm_add,
    I32AndImmAdd,
    |o, fp, m| rd::<u32>(fp, o.a1) & o.i1 as u32,
    m.wrapping_add(rd::<u32>(fp, o.b2))
);

br_cmp_imm!(i32_and_imm_br_nez, I32AndImmBrNez, u32, |a, b| a & b != 0);
br_cmp_imm!(i32_and_imm_br_eqz, I32AndImmBrEqz, u32, |a, b| a & b == 0);

keep_store!(i32_add_imm_store32, I32AddImmStore32, u32, u32, |o, fp| {
    rd::<u32>(fp, o.a).wrapping_add(o.imm as u32)
});

keep_store!(i32_add_store32, I32AddStore32, u32, u32, |o, fp| {
    rd::<u32>(fp, o.a).wrapping_add(rd::<u32>(fp, o.b))
});

keep_store!(f64_add_store64, F64AddStore64, f64, u64, |o, fp| {
    rd::<f64>(fp, o.a) + rd::<f64>(fp, o.b)
});

keep_store!(f64_sub_store64, F64SubStore64, f64, u64, |o, fp| {
    rd::<f64>(fp, o.a) - rd::<f64>(fp, o.b)
});

keep_store!(
    f64_mul_add_store64,
    F64MulAddStore64,
    f64,
    u64,
    |o, fp| rd::<f64>(fp, o.a) * rd::<f64>(fp, o.b) + rd::<f64>(fp, o.c)
);

keep_store!(
    f32_mul_add_store32,
    F32MulAddStore32,
    f32,
    u32,
    |o, fp| rd::<f32>(fp, o.a) * rd::<f32>(fp, o.b) + rd::<f32>(fp, o.c)
);

// The first store happens even when the second traps, as with the separate ops.
handler!(store32x2(pc, fp, cx, mem, lim) {
    let o = op::Store32x2::decode(pc);
    let ea = rd::<u32>(fp, o.a1) as u64 + o.o1 as u64;
    if out_of_bounds(cx, lim, ea, 4) {
        return trap(cx, Trap::MemoryOutOfBounds);
    }
    ptr::write_unaligned(mem.add(ea as usize).cast::<u32>(), rd::<u32>(fp, o.s1));
    let o = late!(Store32x2, pc);
    let ea = rd::<u32>(fp, o.a2) as u64 + o.o2 as u64;
    if out_of_bounds(cx, lim, ea, 4) {
        return trap(cx, Trap::MemoryOutOfBounds);
    }
    ptr::write_unaligned(mem.add(ea as usize).cast::<u32>(), rd::<u32>(fp, o.s2));
    next!(pc.add(op::Store32x2::SIZE), fp, cx, mem, lim)
});

handler!(select_imm(pc, fp, cx, mem, lim) {
    let o = op::SelectImm::decode(pc);
    let b = o.imm as i64 as u64;
    let v = if rd::<u32>(fp, o.c) != 0 { rd::<u64>(fp, o.a) } else { b };
    wr(fp, o.dst, v);
    next!(pc.add(op::SelectImm::SIZE), fp, cx, mem, lim)
});

handler!(const32x2(pc, fp, cx, mem, lim) {
    let o = op::Const32x2::decode(pc);
    wr(fp, o.d1, o.i1 as i64);
    wr(fp, o.d2, o.i2 as i64);
    next!(pc.add(op::Const32x2::SIZE), fp, cx, mem, lim)
});

handler!(i32_add_imm_and_imm(pc, fp, cx, mem, lim) {
    let o = op::I32AddImmAndImm::decode(pc);
    wr(fp, o.dst, rd::<u32>(fp, o.a).wrapping_add(o.imm as u32) & o.mask as u32);
    next!(pc.add(op::I32AddImmAndImm::SIZE), fp, cx, mem, lim)
});

/// A branch on a 32-bit value loaded for it alone (a null or flag test): the load traps
/// first, as the separate ops would.
macro_rules! load32_br {
    ($name:ident, $Op:ident, |$v:ident| $cond:expr) => {
        handler!($name(pc, fp, cx, mem, lim) {
            let o = op::$Op::decode(pc);
            let ea = rd::<u32>(fp, o.addr) as u64 + o.offset as u64;
            if out_of_bounds(cx, lim, ea, 4) {
                return trap(cx, Trap::MemoryOutOfBounds);
            }
            let $v = ptr::read_unaligned(mem.add(ea as usize).cast::<u32>());
            let next_pc = if $cond { taken(pc, op::$Op::SIZE) } else { pc.add(op::$Op::SIZE) };
            next!(next_pc, fp, cx, mem, lim)
        });
    };
}
load32_br!(load32_br_eqz, Load32BrEqz, |v| v == 0);
load32_br!(load32_br_nez, Load32BrNez, |v| v != 0);

handler!(i64_xor_mul_imm64(pc, fp, cx, mem, lim) {
    let o = op::I64XorMulImm64::decode(pc);
    let x = rd::<u64>(fp, o.a) ^ rd::<u64>(fp, o.b);
    wr(fp, o.dst, x.wrapping_mul(o.imm as u64));
    next!(pc.add(op::I64XorMulImm64::SIZE), fp, cx, mem, lim)
});

// The product is written before `c` is read: `c` may be `p`.
handler!(f64_mul_keep_add(pc, fp, cx, mem, lim) {
    let o = op::F64MulKeepAdd::decode(pc);
    let prod = rd::<f64>(fp, o.a) * rd::<f64>(fp, o.b);
    wr(fp, o.p, prod);
    let o = late!(F64MulKeepAdd, pc);
    wr(fp, o.dst, prod + rd::<f64>(fp, o.c));
    next!(pc.add(op::F64MulKeepAdd::SIZE), fp, cx, mem, lim)
});

handler!(f64_sqr_add(pc, fp, cx, mem, lim) {
    let o = op::F64SqrAdd::decode(pc);
    let a = rd::<f64>(fp, o.a);
    wr(fp, o.dst, a * a + rd::<f64>(fp, o.c));
    next!(pc.add(op::F64SqrAdd::SIZE), fp, cx, mem, lim)
});

handler!(f64_sqr_keep_add(pc, fp, cx, mem, lim) {
    let o = op::F64SqrKeepAdd::decode(pc);
    let a = rd::<f64>(fp, o.a);
    let prod = a * a;
    wr(fp, o.p, prod);
    let o = late!(F64SqrKeepAdd, pc);
    wr(fp, o.dst, prod + rd::<f64>(fp, o.c));
    next!(pc.add(op::F64SqrKeepAdd::SIZE), fp, cx, mem, lim)
});
