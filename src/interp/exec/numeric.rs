//! Numeric handlers: i32/i64 arithmetic, comparisons, floats and conversions, with
//! the wasm semantics that take more than one Rust operator.

use super::*;

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
binop_imm!(i64_mul_imm64, I64MulImm64, i64, |a, b| a.wrapping_mul(b));
binop_imm!(i64_and_imm64, I64AndImm64, i64, |a, b| a & b);
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
unop!(f64_sqr, F64Sqr, f64, |a| a * a);
unop!(f64_dbl, F64Dbl, f64, |a| a + a);
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
