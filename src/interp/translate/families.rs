//! Operator families: one method per kind of operator (binary ops with their immediate
//! and fused forms, comparisons, unary ops, loads, stores).

use super::Translator;
use super::select::*;
use super::stack::Operand;
use crate::interp::encode::{Encoder, Staged};
use crate::interp::ops::{Op, OpCode};

impl Translator<'_> {
    /// Emits `rr` on operands `a` and `b`, popped from positions `pos` and `pos + 1`,
    /// into a new temp; returns the op's start and the operands' slots.
    fn emit_rr(&mut self, rr: RR, a: Operand, b: Operand, pos: usize) -> (usize, u16, u16) {
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        (rr(&mut self.enc, dst, a, b), a, b)
    }

    pub(super) fn emit_imm(&mut self, form: ImmForm, dst: u16, a: u16, imm: i32) -> usize {
        match form {
            ImmForm::Op(ri) => ri(&mut self.enc, dst, a, imm),
            ImmForm::I32AddImm => self.emit_i32_add_imm(dst, a, imm),
            ImmForm::None => unreachable!("checked by the caller"),
        }
    }

    pub(super) fn binop(&mut self, rr: RR, imm: ImmForm, width: Width, commutative: bool) {
        let b = self.stack.pop();
        let a = self.stack.pop();
        let pos = self.stack.len();
        if !matches!(imm, ImmForm::None) && !self.options.plain {
            if let Operand::Const(c) = b
                && let Some(i) = width.imm(c)
            {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = self.emit_imm(imm, dst, a, i);
                return self.produced(start, None);
            }
            if let (true, Operand::Const(c)) = (commutative, a)
                && let Some(i) = width.imm(c)
            {
                let b = self.slot_of(b, pos + 1);
                let dst = self.push_temp();
                let start = self.emit_imm(imm, dst, b, i);
                return self.produced(start, None);
            }
        }
        let (start, ..) = self.emit_rr(rr, a, b, pos);
        self.produced(start, None);
    }

    /// A commutative i64 op with a constant operand that does not fit an `Imm32`: the
    /// constant becomes an `Imm64` instead of a `const64` into a temp, and with
    /// `after_xor`, an `i64.xor` just computed is fused too. Otherwise as
    /// [`Self::binop`] with the 32-bit immediate form `ri`.
    pub(super) fn bin64_wide(&mut self, rr: RR, ri: RI, ri64: RI64, after_xor: Option<RRI64>) {
        let len = self.stack.len();
        let wide = |v: Operand| matches!(v, Operand::Const(c) if Width::W64.imm(c).is_none());
        let (a, b) = (self.stack.get(len - 2), self.stack.get(len - 1));
        if !self.options.plain && (wide(a) || wide(b)) {
            self.stack.pop();
            self.stack.pop();
            let (x, xpos, c) = match (a, b) {
                (_, Operand::Const(c)) if wide(b) => (a, len - 2, c),
                (Operand::Const(c), _) => (b, len - 1, c),
                _ => unreachable!("one operand is a wide constant"),
            };
            if let Some(f) = after_xor
                && let Some(Op::I64Xor(xor)) = self.take_producer(x, xpos, OpCode::I64Xor)
            {
                let dst = self.push_temp();
                let start = f(&mut self.enc, dst, xor.a, xor.b, c as i64);
                return self.produced(start, None);
            }
            let x = self.slot_of(x, xpos);
            let dst = self.push_temp();
            let start = ri64(&mut self.enc, dst, x, c as i64);
            return self.produced(start, None);
        }
        self.binop(rr, ImmForm::Op(ri), Width::W64, true);
    }

    /// `i32.add`: multiply-add when the product (by a slot or a constant) was just
    /// computed, shift-add when a shift by a constant was (one look at the previous op in
    /// the common case).
    pub(super) fn i32_add(&mut self) {
        if let Some(last) = self.prev()
            && matches!(
                last.op,
                OpCode::I32Mul | OpCode::I32ShlImm | OpCode::I32MulImm
            )
            && let Some((producer, c)) = self.fuse_operand(last.op)
        {
            let dst = self.push_temp();
            let start = match producer {
                Op::I32Mul(m) => self.enc.i32_mul_add(dst, m.a, m.b, c),
                Op::I32MulImm(m) => self.enc.i32_mul_imm_add(dst, m.a, m.imm, c),
                Op::I32ShlImm(sh) => self.enc.i32_shl_imm_add(dst, sh.a, sh.imm, c),
                _ => unreachable!("fuse_operand returns the op asked for"),
            };
            return self.produced(start, None);
        }
        if self.and_imm_then_add() {
            return;
        }
        self.binop(Encoder::i32_add, ImmForm::I32AddImm, Width::W32, true);
    }

    /// `i32.add` of the value `i32_and_imm` just wrote (to a temp or a local) and a slot:
    /// one op that still writes the masked value.
    fn and_imm_then_add(&mut self) -> bool {
        let last = self.fusable_last().and_then(|s| match s.op {
            Op::I32AndImm(and) => Some((s.start, and)),
            _ => None,
        });
        let Some((start, and)) = last else {
            return false;
        };
        let len = self.stack.len();
        let (a, b) = (
            self.ready_slot(self.stack.get(len - 2), len - 2),
            self.ready_slot(self.stack.get(len - 1), len - 1),
        );
        let other = match (a, b) {
            (Some(a), Some(b)) if a == and.dst => b,
            (Some(a), Some(b)) if b == and.dst => a,
            _ => return false,
        };
        self.fuse_binop_with_last(start, |enc, dst| {
            enc.i32_and_imm_add(and.dst, and.a, and.imm, dst, other)
        });
        true
    }

    /// Replaces the last op (at `start`) and the binary operator being translated, whose
    /// operands are popped, with the one op `emit` writes into a new temp.
    fn fuse_binop_with_last(
        &mut self,
        start: usize,
        emit: impl FnOnce(&mut Encoder, u16) -> usize,
    ) {
        self.stack.pop();
        self.stack.pop();
        self.enc.truncate(start);
        let dst = self.push_temp();
        let start = emit(&mut self.enc, dst);
        self.produced(start, None);
    }

    /// `i32.rotl` and `i32.rotr` by a constant are one `i32_rotl_imm` (right by `k` is
    /// left by `32 - k`), fused with the `i32.xor` that computed the rotated value.
    pub(super) fn i32_rotate(&mut self, right: bool) {
        let len = self.stack.len();
        if let (Operand::Const(c), false) = (self.stack.get(len - 1), self.options.plain) {
            let k = if right {
                32 - (c as u32 & 31)
            } else {
                c as u32
            } & 31;
            self.stack.pop();
            let a = self.stack.pop();
            let pos = len - 2;
            let start = if let Some(Op::I32Xor(x)) = self.take_producer(a, pos, OpCode::I32Xor) {
                let dst = self.push_temp();
                self.xor_rotl_after_add(dst, x.a, x.b, k as i32)
            } else {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                self.enc.i32_rotl_imm(dst, a, k as i32)
            };
            return self.produced(start, None);
        }
        let rr = if right {
            Encoder::i32_rotr
        } else {
            Encoder::i32_rotl
        };
        self.binop(rr, ImmForm::None, Width::W32, false);
    }

    /// `dst = rotl(a ^ b, k)`, joined with the op before it when that is an `i32_add`
    /// of one of the xor's operands (a quarter round: `a += b; d = rotl(d ^ a, k)`).
    /// The sum's slot is still written, and the xor reads it afterwards.
    fn xor_rotl_after_add(&mut self, dst: u16, a: u16, b: u16, k: i32) -> usize {
        if let Some(Staged {
            start,
            op: Op::I32Add(add),
        }) = self.fusable_last()
            && (add.dst == a || add.dst == b)
        {
            let x = if add.dst == a { b } else { a };
            self.enc.truncate(start);
            return self
                .enc
                .i32_add_xor_rotl_imm(add.dst, add.a, add.b, dst, x, k);
        }
        self.enc.i32_xor_rotl_imm(dst, a, b, k)
    }

    /// `i32.xor`: rotate-xor when one operand was just rotated by a constant (and the
    /// other just before it), shift-xor when it was shifted.
    pub(super) fn i32_xor(&mut self) {
        if let Some((rotate, b)) = self.fuse_operand(OpCode::I32RotlImm) {
            let Op::I32RotlImm(r) = rotate else {
                unreachable!("fuse_operand returns the op asked for")
            };
            let dst = self.push_temp();
            // The other operand rotated just before too (`rotr(e, 6) ^ rotr(e, 11)`):
            // one op that still writes the first rotation.
            let start = match self.fusable_last() {
                Some(Staged {
                    start,
                    op: Op::I32RotlImm(first),
                }) if first.dst == b => {
                    self.enc.truncate(start);
                    self.enc
                        .i32_rotl_imm_rotl_imm_xor(first.dst, first.a, first.imm, dst, r.a, r.imm)
                }
                _ => self.enc.i32_rotl_imm_xor(dst, r.a, r.imm, b),
            };
            return self.produced(start, None);
        }
        // One operand shifted by a constant just before: one op.
        if let Some(shift @ (OpCode::I32ShrUImm | OpCode::I32ShlImm)) = self.prev().map(|l| l.op)
            && let Some((producer, b)) = self.fuse_operand(shift)
        {
            let dst = self.push_temp();
            let start = match producer {
                Op::I32ShrUImm(sh) => self.enc.i32_shr_u_imm_xor(dst, sh.a, sh.imm, b),
                Op::I32ShlImm(sh) => self.enc.i32_shl_imm_xor(dst, sh.a, sh.imm, b),
                _ => unreachable!("fuse_operand returns the op asked for"),
            };
            return self.produced(start, None);
        }
        self.binop(
            Encoder::i32_xor,
            ImmForm::Op(Encoder::i32_xor_imm),
            Width::W32,
            true,
        );
    }

    /// `i32.and` with a constant mask right after `i32.shr_u` by a constant or `i32.add`
    /// of a constant: one op.
    pub(super) fn i32_and(&mut self) {
        let b = self.stack.get(self.stack.len() - 1);
        let a = self.stack.get(self.stack.len() - 2);
        let pos = self.stack.len() - 2;
        if let Operand::Const(mask) = b
            && let Some(last) = self.retargetable(a, pos)
            && matches!(last.op, OpCode::I32ShrUImm | OpCode::I32AddImm)
            && let Some(producer) = self.take_producer(a, pos, last.op)
        {
            self.stack.pop();
            self.stack.pop();
            let dst = self.push_temp();
            let start = match producer {
                Op::I32ShrUImm(sh) => self.enc.i32_shr_u_and_imm(dst, sh.a, sh.imm, mask as i32),
                Op::I32AddImm(add) => {
                    self.enc
                        .i32_add_imm_and_imm(dst, add.a, add.imm, mask as i32)
                }
                _ => unreachable!("the producer was checked"),
            };
            return self.produced(start, None);
        }
        // A mask of the difference `i32_sub` just wrote (to a temp or a local): one op
        // that still writes the difference.
        if let Operand::Const(mask) = b
            && let Some(Staged {
                start,
                op: Op::I32Sub(sub),
            }) = self.fusable_last()
            && self.ready_slot(a, pos) == Some(sub.dst)
        {
            return self.fuse_binop_with_last(start, |enc, dst| {
                enc.i32_sub_and_imm(sub.dst, sub.a, sub.b, dst, mask as i32)
            });
        }
        self.binop(
            Encoder::i32_and,
            ImmForm::Op(Encoder::i32_and_imm),
            Width::W32,
            true,
        );
    }

    /// `f64.add` of a product the previous op wrote to a local (`local.tee` of an
    /// `f64.mul`, or its `local.set` then `local.get`): one op that still writes the
    /// local. The other operand is a slot already (a constant would need materialising).
    fn mul_add_through_local(&mut self, a: Operand, b: Operand) -> bool {
        // The product's local, and its factors (`None` for a square).
        let (start, p, ma, mb) = match self.fusable_last() {
            Some(Staged {
                start,
                op: Op::F64Mul(m),
            }) => (start, m.dst, m.a, Some(m.b)),
            Some(Staged {
                start,
                op: Op::F64Sqr(m),
            }) => (start, m.dst, m.a, None),
            _ => return false,
        };
        let other = match (a, b) {
            (Operand::Local(l), o) | (o, Operand::Local(l)) if l == p => o,
            _ => return false,
        };
        let c = match other {
            Operand::Local(l) => l,
            _ => return false,
        };
        self.enc.truncate(start);
        let dst = self.push_temp();
        let start = match mb {
            Some(mb) => self.enc.f64_mul_keep_add(dst, p, ma, mb, c),
            None => self.enc.f64_sqr_keep_add(dst, p, ma, c),
        };
        self.produced(start, None);
        true
    }

    /// Float binary ops: constants become 64- or 32-bit immediates, and an add or
    /// subtract of the product just computed becomes one multiply-add op.
    pub(super) fn float_binop(&mut self, wide: bool, kind: FloatOp) {
        let b = self.stack.pop();
        let a = self.stack.pop();
        let pos = self.stack.len();
        if let (true, FloatOp::Add) = (wide, kind)
            && self.mul_add_through_local(a, b)
        {
            return;
        }
        let is_mul = |op: OpCode| match wide {
            true => matches!(op, OpCode::F64Mul | OpCode::F64Sqr),
            false => op == OpCode::F32Mul,
        };
        if matches!(kind, FloatOp::Add | FloatOp::Sub) {
            // The product is one operand; the other must not need materialising (its
            // slot could be one the product's operands still need).
            let product = [(b, pos + 1, a, pos, false), (a, pos, b, pos + 1, true)]
                .into_iter()
                .find_map(|(p, ppos, other, opos, first)| {
                    let last = self.retargetable(p, ppos)?;
                    (!matches!(other, Operand::Const(_)) && is_mul(last.op))
                        .then_some((p, ppos, other, opos, first, last.op))
                });
            if let Some((p, ppos, other, opos, product_first, mul)) = product {
                let (ma, mb) = match self.take_producer(p, ppos, mul) {
                    Some(Op::F64Mul(m)) => (m.a, m.b),
                    Some(Op::F64Sqr(m)) => (m.a, m.a),
                    Some(Op::F32Mul(m)) => (m.a, m.b),
                    _ => unreachable!("checked"),
                };
                let c = self.slot_of(other, opos);
                let dst = self.push_temp();
                if let (FloatOp::Add, OpCode::F64Sqr) = (kind, mul) {
                    let start = self.enc.f64_sqr_add(dst, ma, c);
                    return self.produced(start, None);
                }
                let f = match (kind, product_first, wide) {
                    (FloatOp::Add, _, true) => Encoder::f64_mul_add,
                    (FloatOp::Sub, true, true) => Encoder::f64_mul_sub,
                    (FloatOp::Sub, false, true) => Encoder::f64_mul_rsub,
                    (FloatOp::Add, _, false) => Encoder::f32_mul_add,
                    (FloatOp::Sub, true, false) => Encoder::f32_mul_sub,
                    _ => Encoder::f32_mul_rsub,
                };
                let start = f(&mut self.enc, dst, ma, mb, c);
                return self.produced(start, None);
            }
        }
        // An add of a product by a constant, on either side: one op.
        if let (true, FloatOp::Add) = (wide, kind) {
            let product = [(b, pos + 1, a, pos), (a, pos, b, pos + 1)]
                .into_iter()
                .find(|&(p, ppos, other, _)| {
                    !matches!(other, Operand::Const(_))
                        && self
                            .retargetable(p, ppos)
                            .is_some_and(|l| l.op == OpCode::F64MulImm)
                });
            if let Some((p, ppos, other, opos)) = product {
                let Some(Op::F64MulImm(m)) = self.take_producer(p, ppos, OpCode::F64MulImm) else {
                    unreachable!("checked")
                };
                let c = self.slot_of(other, opos);
                let dst = self.push_temp();
                let start = self.enc.f64_mul_imm_add(dst, m.a, m.imm, c);
                return self.produced(start, None);
            }
        }
        // With a constant operand: (op, op with the constant on the left).
        let imm: Option<(RI64, Option<RI64>)> = match (wide, kind) {
            (true, FloatOp::Add) => Some((Encoder::f64_add_imm, Some(Encoder::f64_add_imm))),
            (true, FloatOp::Sub) => Some((Encoder::f64_sub_imm, Some(Encoder::f64_rsub_imm))),
            (true, FloatOp::Mul) => Some((Encoder::f64_mul_imm, Some(Encoder::f64_mul_imm))),
            (true, FloatOp::Div) => Some((Encoder::f64_div_imm, Some(Encoder::f64_rdiv_imm))),
            (true, FloatOp::Lt) => Some((Encoder::f64_lt_imm, Some(Encoder::f64_gt_imm))),
            (true, FloatOp::Gt) => Some((Encoder::f64_gt_imm, Some(Encoder::f64_lt_imm))),
            (true, FloatOp::Le) => Some((Encoder::f64_le_imm, Some(Encoder::f64_ge_imm))),
            (true, FloatOp::Ge) => Some((Encoder::f64_ge_imm, Some(Encoder::f64_le_imm))),
            (false, FloatOp::Add) => Some((f32_add_imm, Some(f32_add_imm))),
            (false, FloatOp::Sub) => Some((f32_sub_imm, Some(f32_rsub_imm))),
            (false, FloatOp::Mul) => Some((f32_mul_imm, Some(f32_mul_imm))),
            _ => None,
        };
        // f64 comparisons can fuse with a following branch.
        let cond = match (wide, kind) {
            (true, FloatOp::Eq) => Some(Cond::Eq),
            (true, FloatOp::Ne) => Some(Cond::Ne),
            (true, FloatOp::Lt) => Some(Cond::LtS),
            (true, FloatOp::Gt) => Some(Cond::GtS),
            (true, FloatOp::Le) => Some(Cond::LeS),
            (true, FloatOp::Ge) => Some(Cond::GeS),
            _ => None,
        };
        let spare = self.stack.slot_at(pos + 1);
        if let (Some((right, left)), false) = (imm, self.options.plain) {
            if let Operand::Const(c) = b {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = right(&mut self.enc, dst, a, c as i64);
                let cmp = cond.map(|cond| Cmp {
                    ty: CmpTy::F64,
                    cond,
                    a,
                    b: Rhs::F64(c, spare),
                });
                return self.produced(start, cmp);
            }
            if let (Some(left), Operand::Const(c)) = (left, a) {
                let b = self.slot_of(b, pos + 1);
                let dst = self.push_temp();
                let start = left(&mut self.enc, dst, b, c as i64);
                // The constant was on the left: the condition swaps.
                let cmp = cond.map(|cond| Cmp {
                    ty: CmpTy::F64,
                    cond: cond.swap(),
                    a: b,
                    // `b` may be the temp at `pos + 1`; the constant's own slot is free.
                    b: Rhs::F64(c, self.stack.slot_at(pos)),
                });
                return self.produced(start, cmp);
            }
        }
        let a = self.slot_of(a, pos);
        let b = self.slot_of(b, pos + 1);
        let dst = self.push_temp();
        // A square or a double reads its one operand once.
        let start = match (wide && a == b && !self.options.plain, kind) {
            (true, FloatOp::Mul) => self.enc.f64_sqr(dst, a),
            (true, FloatOp::Add) => self.enc.f64_dbl(dst, a),
            _ => kind.rr(wide)(&mut self.enc, dst, a, b),
        };
        let cmp = cond.map(|cond| Cmp {
            ty: CmpTy::F64,
            cond,
            a,
            b: Rhs::Slot(b),
        });
        self.produced(start, cmp);
    }

    /// `a - b`: an add of `-b`, or a reverse subtract from a constant `a`.
    pub(super) fn sub(&mut self, rr: RR, add_imm: ImmForm, rsub_imm: RI, width: Width) {
        let b = self.stack.pop();
        let a = self.stack.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (b, self.options.plain) {
            let neg = (c as i64).wrapping_neg() as u64;
            if let (Some(_), Some(i)) = (width.imm(c), width.imm(neg)) {
                let a = self.slot_of(a, pos);
                let dst = self.push_temp();
                let start = self.emit_imm(add_imm, dst, a, i);
                return self.produced(start, None);
            }
        }
        if let (Operand::Const(c), false) = (a, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let b = self.slot_of(b, pos + 1);
            let dst = self.push_temp();
            let start = rsub_imm(&mut self.enc, dst, b, i);
            return self.produced(start, None);
        }
        let (start, ..) = self.emit_rr(rr, a, b, pos);
        self.produced(start, None);
    }

    pub(super) fn compare(&mut self, wide: bool, cond: Cond) {
        let (rr, ri, width) = if wide {
            (I64_CMP[cond.index()], I64_CMP_IMM, Width::W64)
        } else {
            (I32_CMP[cond.index()], I32_CMP_IMM, Width::W32)
        };
        let b = self.stack.pop();
        let a = self.stack.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (b, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let a = self.slot_of(a, pos);
            let dst = self.push_temp();
            let start = ri[cond.index()](&mut self.enc, dst, a, i);
            return self.produced(
                start,
                Some(Cmp {
                    ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                    cond,
                    a,
                    b: Rhs::Imm(i),
                }),
            );
        }
        if let (Operand::Const(c), false) = (a, self.options.plain)
            && let Some(i) = width.imm(c)
        {
            let cond = cond.swap();
            let b = self.slot_of(b, pos + 1);
            let dst = self.push_temp();
            let start = ri[cond.index()](&mut self.enc, dst, b, i);
            return self.produced(
                start,
                Some(Cmp {
                    ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                    cond,
                    a: b,
                    b: Rhs::Imm(i),
                }),
            );
        }
        let (start, a, b) = self.emit_rr(rr, a, b, pos);
        self.produced(
            start,
            Some(Cmp {
                ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                cond,
                a,
                b: Rhs::Slot(b),
            }),
        );
    }

    pub(super) fn unop(&mut self, f: Un) {
        let a = self.stack.pop();
        let pos = self.stack.len();
        let a = self.slot_of(a, pos);
        let dst = self.push_temp();
        let start = f(&mut self.enc, dst, a);
        self.produced(start, None);
    }

    pub(super) fn eqz(&mut self, wide: bool) {
        let a = self.stack.pop();
        let pos = self.stack.len();
        let a = self.slot_of(a, pos);
        let dst = self.push_temp();
        let start = if wide {
            self.enc.i64_eqz(dst, a)
        } else {
            self.enc.i32_eqz(dst, a)
        };
        self.produced(
            start,
            Some(Cmp {
                ty: if wide { CmpTy::I64 } else { CmpTy::I32 },
                cond: Cond::Eq,
                a,
                b: Rhs::Imm(0),
            }),
        );
    }

    pub(super) fn load(&mut self, kind: LoadKind, memarg: &wasmparser::MemArg) {
        let offset = memarg.offset as u32;
        let addr = self.stack.pop();
        let pos = self.stack.len();
        // Fuse the op that computed the address, when it is the previous one.
        if let Some(last) = self.retargetable(addr, pos) {
            let fused = match last.op {
                OpCode::I32AddImm => kind.add_imm().map(|f| (f, None)),
                OpCode::I32ShlImm => kind.shl().map(|f| (f, None)),
                OpCode::I32Add => kind
                    .add()
                    .map(|f| (Encoder::load32_add_imm as LoadImm, Some(f))),
                _ => None,
            };
            if let Some((imm_form, rr_form)) = fused {
                let producer = self.take_producer(addr, pos, last.op).expect("checked");
                let dst = self.push_temp();
                let start = match (producer, rr_form) {
                    (Op::I32Add(add), Some(f)) => f(&mut self.enc, dst, add.a, add.b, offset),
                    (Op::I32AddImm(p), _) => imm_form(&mut self.enc, dst, p.a, p.imm, offset),
                    (Op::I32ShlImm(p), _) => imm_form(&mut self.enc, dst, p.a, p.imm, offset),
                    _ => unreachable!("the fusable producers are checked above"),
                };
                return self.produced(start, None);
            }
        }
        let addr = self.slot_of(addr, pos);
        let dst = self.push_temp();
        // Two plain loads in a row become one pair op.
        let first = match (kind, self.fusable_last()) {
            (
                LoadKind::L32,
                Some(Staged {
                    start,
                    op: Op::Load32(f),
                }),
            ) => Some((
                start,
                f.dst,
                f.addr,
                f.offset,
                Encoder::load32x2 as LoadPair,
            )),
            (
                LoadKind::L64,
                Some(Staged {
                    start,
                    op: Op::Load64(f),
                }),
            ) => Some((
                start,
                f.dst,
                f.addr,
                f.offset,
                Encoder::load64x2 as LoadPair,
            )),
            (
                LoadKind::L8U,
                Some(Staged {
                    start,
                    op: Op::Load8U(f),
                }),
            ) => Some((
                start,
                f.dst,
                f.addr,
                f.offset,
                Encoder::load8_ux2 as LoadPair,
            )),
            _ => None,
        };
        if let Some((at, d1, a1, o1, pair)) = first {
            self.enc.truncate(at);
            let start = pair(&mut self.enc, d1, a1, o1, dst, addr, offset);
            return self.produced(start, None);
        }
        // A load through the address the last op just wrote to a local (a pointer
        // bumped, an element's address kept; a temp was fused above): one op that
        // still writes the address.
        if let Some(Staged { start, op }) = self.fusable_last() {
            type Keep = fn(&mut Encoder, u16, u16, i32, u16, u32) -> usize;
            let fused: Option<(u16, u16, i32, Keep)> = match (kind, op) {
                (LoadKind::L32, Op::I32AddImm(p)) => {
                    Some((p.dst, p.a, p.imm, Encoder::i32_add_imm_load32))
                }
                (LoadKind::L64, Op::I32AddImm(p)) => {
                    Some((p.dst, p.a, p.imm, Encoder::i32_add_imm_load64))
                }
                (LoadKind::L32, Op::I32ShlImm(p)) => {
                    Some((p.dst, p.a, p.imm, Encoder::i32_shl_imm_load32))
                }
                (LoadKind::L32 | LoadKind::L16U, Op::I32ShlImmAdd(p)) if p.dst == addr => {
                    self.enc.truncate(start);
                    let f = match kind {
                        LoadKind::L32 => Encoder::i32_shl_imm_add_load32,
                        _ => Encoder::i32_shl_imm_add_load16_u,
                    };
                    let start = f(&mut self.enc, p.dst, p.a, p.sh, dst, p.b, offset);
                    return self.produced(start, None);
                }
                _ => None,
            };
            if let Some((d1, a1, i1, f)) = fused
                && d1 == addr
            {
                self.enc.truncate(start);
                let start = f(&mut self.enc, d1, a1, i1, dst, offset);
                return self.produced(start, None);
            }
        }
        let start = kind.plain()(&mut self.enc, dst, addr, offset);
        self.produced(start, None);
    }

    pub(super) fn store(&mut self, kind: StoreKind, memarg: &wasmparser::MemArg) {
        let offset = memarg.offset as u32;
        let val = self.stack.pop();
        let addr = self.stack.pop();
        let pos = self.stack.len();
        if let (Operand::Const(c), false) = (val, self.options.plain) {
            let imm = match kind {
                StoreKind::S8 | StoreKind::S32 => Some(c as u32 as i32),
                StoreKind::S64 => i32::try_from(c as i64).ok(),
                StoreKind::S16 => None,
            };
            type StoreImmOp = fn(&mut Encoder, u16, u32, i32) -> usize;
            let f: Option<StoreImmOp> = match kind {
                StoreKind::S8 => Some(Encoder::store8_imm),
                StoreKind::S32 => Some(Encoder::store32_imm),
                StoreKind::S64 => Some(Encoder::store64_imm),
                StoreKind::S16 => None,
            };
            if let (Some(f), Some(imm)) = (f, imm) {
                let addr = self.slot_of(addr, pos);
                f(&mut self.enc, addr, offset, imm);
                return;
            }
        }
        // `addr = x + imm` computed just before: fuse (the value cannot be a temp made
        // after it, and must not need materialising over the adder's operands).
        if let (Some(f), false) = (kind.add_imm(), matches!(val, Operand::Const(_)))
            && self
                .retargetable(addr, pos)
                .is_some_and(|l| l.op == OpCode::I32AddImm)
        {
            let Some(Op::I32AddImm(p)) = self.take_producer(addr, pos, OpCode::I32AddImm) else {
                unreachable!("checked")
            };
            let val = self.slot_of(val, pos + 1);
            f(&mut self.enc, p.a, p.imm, offset, val);
            return;
        }
        // A value `load64` (`load8_u`) just read, stored whole to an address that needs
        // no materialising (it could land on the load's operands): one copy op.
        let copy = match kind {
            StoreKind::S64 => Some(OpCode::Load64),
            StoreKind::S8 => Some(OpCode::Load8U),
            _ => None,
        };
        if let (Some(load), false) = (copy, matches!(addr, Operand::Const(_)))
            && let Some(producer) = self.take_producer(val, pos + 1, load)
        {
            let to = self.slot_of(addr, pos);
            match producer {
                Op::Load64(l) => self.enc.load64_store64(l.addr, l.offset, to, offset),
                Op::Load8U(l) => self.enc.load8_u_store8(l.addr, l.offset, to, offset),
                _ => unreachable!("take_producer returns the op asked for"),
            };
            return;
        }
        if let (StoreKind::S32, false) = (kind, matches!(val, Operand::Const(_)))
            && self
                .retargetable(addr, pos)
                .is_some_and(|l| l.op == OpCode::I32Add)
        {
            let Some(Op::I32Add(p)) = self.take_producer(addr, pos, OpCode::I32Add) else {
                unreachable!("checked")
            };
            let val = self.slot_of(val, pos + 1);
            self.enc.store32_add(p.a, p.b, offset, val);
            return;
        }
        let addr = self.slot_of(addr, pos);
        let val = self.slot_of(val, pos + 1);
        if let StoreKind::S32 = kind {
            // The value `i32_add_imm` or `i32_add` just wrote (`len += 1` kept in memory,
            // a limb of a sum), or a store right after another: one op. Neither operand
            // needed materialising if the last op is still the one looked for.
            match self.fusable_last() {
                Some(Staged {
                    start,
                    op: op @ (Op::I32AddImm(_) | Op::I32Add(_)),
                }) if matches!(op, Op::I32AddImm(a) if a.dst == val)
                    || matches!(op, Op::I32Add(a) if a.dst == val) =>
                {
                    self.enc.truncate(start);
                    match op {
                        Op::I32AddImm(add) => self
                            .enc
                            .i32_add_imm_store32(add.dst, add.a, add.imm, addr, offset),
                        Op::I32Add(add) => self
                            .enc
                            .i32_add_store32(add.dst, add.a, add.b, addr, offset),
                        _ => unreachable!("matched above"),
                    };
                    return;
                }
                Some(Staged {
                    start,
                    op: Op::Store32(first),
                }) => {
                    self.enc.truncate(start);
                    self.enc
                        .store32x2(first.addr, first.offset, first.src, addr, offset, val);
                    return;
                }
                _ => {}
            }
        }
        if self.float_store(kind, addr, offset, val) {
            return;
        }
        kind.plain()(&mut self.enc, addr, offset, val);
    }

    /// A float sum, difference or multiply-add the last op wrote to `val`, stored whole:
    /// one op that still writes `val` (it may be a local read later). Elementwise array
    /// code (`c[i] = a[i] + b[i]`, `y[i] += a * x[i]`, butterflies) does this.
    fn float_store(&mut self, kind: StoreKind, addr: u16, offset: u32, val: u16) -> bool {
        let Some(Staged { start, op }) = self.fusable_last() else {
            return false;
        };
        match (kind, op) {
            (StoreKind::S64, Op::F64Add(o)) if o.dst == val => {
                self.enc.truncate(start);
                self.enc.f64_add_store64(o.dst, o.a, o.b, addr, offset);
            }
            (StoreKind::S64, Op::F64Sub(o)) if o.dst == val => {
                self.enc.truncate(start);
                self.enc.f64_sub_store64(o.dst, o.a, o.b, addr, offset);
            }
            (StoreKind::S64, Op::F64MulAdd(o)) if o.dst == val => {
                self.enc.truncate(start);
                self.enc
                    .f64_mul_add_store64(o.dst, o.a, o.b, o.c, addr, offset);
            }
            (StoreKind::S32, Op::F32MulAdd(o)) if o.dst == val => {
                self.enc.truncate(start);
                self.enc
                    .f32_mul_add_store32(o.dst, o.a, o.b, o.c, addr, offset);
            }
            _ => return false,
        }
        true
    }
}
