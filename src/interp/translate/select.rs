//! Op selection: which op (or encoder method) implements a wasm operator for given
//! operand kinds — comparison conditions, immediate forms, load and store address forms.

use crate::interp::encode::Encoder;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Cond {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl Cond {
    pub(super) fn negate(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::LtS => Cond::GeS,
            Cond::LtU => Cond::GeU,
            Cond::GtS => Cond::LeS,
            Cond::GtU => Cond::LeU,
            Cond::LeS => Cond::GtS,
            Cond::LeU => Cond::GtU,
            Cond::GeS => Cond::LtS,
            Cond::GeU => Cond::LtU,
        }
    }

    /// The condition with operands swapped (`a < b` ⇔ `b > a`).
    pub(super) fn swap(self) -> Cond {
        match self {
            Cond::Eq | Cond::Ne => self,
            Cond::LtS => Cond::GtS,
            Cond::LtU => Cond::GtU,
            Cond::GtS => Cond::LtS,
            Cond::GtU => Cond::LtU,
            Cond::LeS => Cond::GeS,
            Cond::LeU => Cond::GeU,
            Cond::GeS => Cond::LeS,
            Cond::GeU => Cond::LeU,
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Rhs {
    Slot(u16),
    Imm(i32),
    /// An f64 constant, and a free slot to materialise it into if a branch needs one.
    F64(u64, u16),
}

/// What a comparison compares (floats use the signed conditions).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum CmpTy {
    I32,
    I64,
    F64,
}

/// A comparison whose result could instead drive a branch.
#[derive(Copy, Clone, Debug)]
pub(super) struct Cmp {
    pub(super) ty: CmpTy,
    pub(super) cond: Cond,
    pub(super) a: u16,
    pub(super) b: Rhs,
}

pub(super) type RR = fn(&mut Encoder, u16, u16, u16) -> usize;
pub(super) type RI64 = fn(&mut Encoder, u16, u16, i64) -> usize;
pub(super) type RRI64 = fn(&mut Encoder, u16, u16, u16, i64) -> usize;

/// How a binary op takes a constant right operand.
#[derive(Copy, Clone)]
pub(super) enum ImmForm {
    /// It does not: the constant is materialised into a slot.
    None,
    /// With this 32-bit immediate op.
    Op(RI),
    /// As `i32_add_imm` (which may merge with a neighbour).
    I32AddImm,
}
pub(super) type RI = fn(&mut Encoder, u16, u16, i32) -> usize;
pub(super) type Un = fn(&mut Encoder, u16, u16) -> usize;
pub(super) type Load = fn(&mut Encoder, u16, u16, u32) -> usize;
pub(super) type Store = fn(&mut Encoder, u16, u32, u16) -> usize;

pub(super) const I32_CMP: [RR; 10] = [
    Encoder::i32_eq,
    Encoder::i32_ne,
    Encoder::i32_lt_s,
    Encoder::i32_lt_u,
    Encoder::i32_gt_s,
    Encoder::i32_gt_u,
    Encoder::i32_le_s,
    Encoder::i32_le_u,
    Encoder::i32_ge_s,
    Encoder::i32_ge_u,
];
pub(super) const I32_CMP_IMM: [RI; 10] = [
    Encoder::i32_eq_imm,
    Encoder::i32_ne_imm,
    Encoder::i32_lt_s_imm,
    Encoder::i32_lt_u_imm,
    Encoder::i32_gt_s_imm,
    Encoder::i32_gt_u_imm,
    Encoder::i32_le_s_imm,
    Encoder::i32_le_u_imm,
    Encoder::i32_ge_s_imm,
    Encoder::i32_ge_u_imm,
];
pub(super) const I64_CMP: [RR; 10] = [
    Encoder::i64_eq,
    Encoder::i64_ne,
    Encoder::i64_lt_s,
    Encoder::i64_lt_u,
    Encoder::i64_gt_s,
    Encoder::i64_gt_u,
    Encoder::i64_le_s,
    Encoder::i64_le_u,
    Encoder::i64_ge_s,
    Encoder::i64_ge_u,
];
pub(super) const I64_CMP_IMM: [RI; 10] = [
    Encoder::i64_eq_imm,
    Encoder::i64_ne_imm,
    Encoder::i64_lt_s_imm,
    Encoder::i64_lt_u_imm,
    Encoder::i64_gt_s_imm,
    Encoder::i64_gt_u_imm,
    Encoder::i64_le_s_imm,
    Encoder::i64_le_u_imm,
    Encoder::i64_ge_s_imm,
    Encoder::i64_ge_u_imm,
];
pub(super) const BR_I32: [RI; 10] = [
    Encoder::br_i32_eq,
    Encoder::br_i32_ne,
    Encoder::br_i32_lt_s,
    Encoder::br_i32_lt_u,
    Encoder::br_i32_gt_s,
    Encoder::br_i32_gt_u,
    Encoder::br_i32_le_s,
    Encoder::br_i32_le_u,
    Encoder::br_i32_ge_s,
    Encoder::br_i32_ge_u,
];
pub(super) type BrImm = fn(&mut Encoder, u16, i32, i32) -> usize;
pub(super) const BR_I32_IMM: [BrImm; 10] = [
    Encoder::br_i32_eq_imm,
    Encoder::br_i32_ne_imm,
    Encoder::br_i32_lt_s_imm,
    Encoder::br_i32_lt_u_imm,
    Encoder::br_i32_gt_s_imm,
    Encoder::br_i32_gt_u_imm,
    Encoder::br_i32_le_s_imm,
    Encoder::br_i32_le_u_imm,
    Encoder::br_i32_ge_s_imm,
    Encoder::br_i32_ge_u_imm,
];
pub(super) const BR_I64: [RI; 10] = [
    Encoder::br_i64_eq,
    Encoder::br_i64_ne,
    Encoder::br_i64_lt_s,
    Encoder::br_i64_lt_u,
    Encoder::br_i64_gt_s,
    Encoder::br_i64_gt_u,
    Encoder::br_i64_le_s,
    Encoder::br_i64_le_u,
    Encoder::br_i64_ge_s,
    Encoder::br_i64_ge_u,
];
pub(super) const BR_I64_IMM: [BrImm; 10] = [
    Encoder::br_i64_eq_imm,
    Encoder::br_i64_ne_imm,
    Encoder::br_i64_lt_s_imm,
    Encoder::br_i64_lt_u_imm,
    Encoder::br_i64_gt_s_imm,
    Encoder::br_i64_gt_u_imm,
    Encoder::br_i64_le_s_imm,
    Encoder::br_i64_le_u_imm,
    Encoder::br_i64_ge_s_imm,
    Encoder::br_i64_ge_u_imm,
];

/// How a constant operand can become an immediate.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum Width {
    /// i32: the low 32 bits.
    W32,
    /// i64: only if it is a sign-extended i32.
    W64,
}

impl Width {
    pub(super) fn imm(self, c: u64) -> Option<i32> {
        match self {
            Width::W32 => Some(c as u32 as i32),
            Width::W64 => i32::try_from(c as i64).ok(),
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum FloatOp {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    Copysign,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl FloatOp {
    pub(super) fn rr(self, wide: bool) -> RR {
        match (self, wide) {
            (FloatOp::Add, true) => Encoder::f64_add,
            (FloatOp::Sub, true) => Encoder::f64_sub,
            (FloatOp::Mul, true) => Encoder::f64_mul,
            (FloatOp::Div, true) => Encoder::f64_div,
            (FloatOp::Min, true) => Encoder::f64_min,
            (FloatOp::Max, true) => Encoder::f64_max,
            (FloatOp::Copysign, true) => Encoder::f64_copysign,
            (FloatOp::Eq, true) => Encoder::f64_eq,
            (FloatOp::Ne, true) => Encoder::f64_ne,
            (FloatOp::Lt, true) => Encoder::f64_lt,
            (FloatOp::Gt, true) => Encoder::f64_gt,
            (FloatOp::Le, true) => Encoder::f64_le,
            (FloatOp::Ge, true) => Encoder::f64_ge,
            (FloatOp::Add, false) => Encoder::f32_add,
            (FloatOp::Sub, false) => Encoder::f32_sub,
            (FloatOp::Mul, false) => Encoder::f32_mul,
            (FloatOp::Div, false) => Encoder::f32_div,
            (FloatOp::Min, false) => Encoder::f32_min,
            (FloatOp::Max, false) => Encoder::f32_max,
            (FloatOp::Copysign, false) => Encoder::f32_copysign,
            (FloatOp::Eq, false) => Encoder::f32_eq,
            (FloatOp::Ne, false) => Encoder::f32_ne,
            (FloatOp::Lt, false) => Encoder::f32_lt,
            (FloatOp::Gt, false) => Encoder::f32_gt,
            (FloatOp::Le, false) => Encoder::f32_le,
            (FloatOp::Ge, false) => Encoder::f32_ge,
        }
    }
}

// f32 immediates are the constant's 32 bits; these adapt them to the f64 table shape.
pub(super) fn f32_add_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_add_imm(dst, a, bits as i32)
}
pub(super) fn f32_sub_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_sub_imm(dst, a, bits as i32)
}
pub(super) fn f32_rsub_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_rsub_imm(dst, a, bits as i32)
}
pub(super) fn f32_mul_imm(e: &mut Encoder, dst: u16, a: u16, bits: i64) -> usize {
    e.f32_mul_imm(dst, a, bits as i32)
}

/// The kinds of load, with their fused address forms.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum LoadKind {
    L32,
    L64,
    L8S,
    L8U,
    L16S,
    L16U,
    L32S,
}

pub(super) type LoadImm = fn(&mut Encoder, u16, u16, i32, u32) -> usize;
pub(super) type LoadPair = fn(&mut Encoder, u16, u16, u32, u16, u16, u32) -> usize;
pub(super) type LoadRR = fn(&mut Encoder, u16, u16, u16, u32) -> usize;

impl LoadKind {
    pub(super) fn plain(self) -> Load {
        match self {
            LoadKind::L32 => Encoder::load32,
            LoadKind::L64 => Encoder::load64,
            LoadKind::L8S => Encoder::load8_s,
            LoadKind::L8U => Encoder::load8_u,
            LoadKind::L16S => Encoder::load16_s,
            LoadKind::L16U => Encoder::load16_u,
            LoadKind::L32S => Encoder::load32_s,
        }
    }
    /// address = a + imm (wrapping)
    pub(super) fn add_imm(self) -> Option<LoadImm> {
        Some(match self {
            LoadKind::L32 => Encoder::load32_add_imm,
            LoadKind::L64 => Encoder::load64_add_imm,
            LoadKind::L8S => Encoder::load8_s_add_imm,
            LoadKind::L8U => Encoder::load8_u_add_imm,
            LoadKind::L16S => Encoder::load16_s_add_imm,
            LoadKind::L16U => Encoder::load16_u_add_imm,
            LoadKind::L32S => return None,
        })
    }
    /// address = a + b (wrapping)
    pub(super) fn add(self) -> Option<LoadRR> {
        match self {
            LoadKind::L32 => Some(Encoder::load32_add),
            LoadKind::L64 => Some(Encoder::load64_add),
            LoadKind::L8U => Some(Encoder::load8_u_add),
            LoadKind::L16U => Some(Encoder::load16_u_add),
            LoadKind::L8S => Some(Encoder::load8_s_add),
            _ => None,
        }
    }
    /// address = a << imm (wrapping)
    pub(super) fn shl(self) -> Option<LoadImm> {
        match self {
            LoadKind::L32 => Some(Encoder::load32_shl),
            LoadKind::L64 => Some(Encoder::load64_shl),
            _ => None,
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) enum StoreKind {
    S8,
    S16,
    S32,
    S64,
}

pub(super) type StoreImm = fn(&mut Encoder, u16, i32, u32, u16) -> usize;

impl StoreKind {
    pub(super) fn plain(self) -> Store {
        match self {
            StoreKind::S8 => Encoder::store8,
            StoreKind::S16 => Encoder::store16,
            StoreKind::S32 => Encoder::store32,
            StoreKind::S64 => Encoder::store64,
        }
    }
    pub(super) fn add_imm(self) -> Option<StoreImm> {
        match self {
            StoreKind::S8 => Some(Encoder::store8_add_imm),
            StoreKind::S32 => Some(Encoder::store32_add_imm),
            StoreKind::S64 => Some(Encoder::store64_add_imm),
            StoreKind::S16 => None,
        }
    }
}
