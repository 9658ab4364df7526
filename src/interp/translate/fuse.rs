//! Fusion: what the previous operator produced, and the ops that replace it with a
//! fused one. The candidates are the encoder's staged ops (see `encode`): the last op is
//! peeked and taken back as a typed `Op`, never decoded from the bytes.

use super::Translator;
use super::select::{BR_I32, BR_I32_IMM, BR_I64, BR_I64_IMM, Cmp, CmpTy, Cond, RI, Rhs};
use super::stack::Operand;
use crate::interp::encode::{Encoder, Staged};
use crate::interp::ops::{Op, OpCode};

/// The op the previous operator emitted last, when it produced the top of the stack.
#[derive(Copy, Clone, Debug)]
pub(super) struct Last {
    /// Offset of the op.
    pub(super) start: usize,
    /// Stack position of the value it produced.
    pos: usize,
    pub(super) op: OpCode,
    /// The comparison it computes, if a branch could test it directly.
    pub(super) cmp: Option<Cmp>,
    /// The operator that produced it (see `Fusion::op_gen`).
    made_by: u32,
}

/// What the previous operators left for fusion.
#[derive(Debug)]
pub(super) struct Fusion {
    /// The last op that produced the top of the stack; it concerns the current operator
    /// only while `last.made_by + 1 == op_gen` (it was produced, or kept alive, by the
    /// previous operator).
    last: Last,
    /// Counts operators.
    pub(super) op_gen: u32,
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion {
            last: Last {
                start: 0,
                pos: 0,
                op: OpCode::Move,
                cmp: None,
                made_by: 0,
            },
            op_gen: 1,
        }
    }
}

impl Translator<'_> {
    /// Lets the previous operator's result stay fusable with the next operator (for ops
    /// that emit nothing).
    pub(super) fn keep_last(&mut self) {
        if self.fusion.last.made_by + 1 == self.fusion.op_gen {
            self.fusion.last.made_by = self.fusion.op_gen;
        }
    }

    /// The op the previous operator left, if any.
    pub(super) fn prev(&self) -> Option<Last> {
        (self.fusion.last.made_by + 1 == self.fusion.op_gen).then_some(self.fusion.last)
    }

    /// Records that the op just emitted at `start` wrote the new top of the stack.
    pub(super) fn produced(&mut self, start: usize, cmp: Option<Cmp>) {
        let staged = self.enc.last().expect("just emitted");
        debug_assert_eq!(staged.start, start);
        self.fusion.last = Last {
            start,
            pos: self.stack.len() - 1,
            op: staged.op.code(),
            cmp,
            made_by: self.fusion.op_gen,
        };
    }

    /// The last op, if it may be rewritten or merged with the next op: it is staged (no
    /// label was bound after its start) and the translation is not plain.
    pub(super) fn fusable_last(&self) -> Option<Staged> {
        if self.options.plain {
            return None;
        }
        self.enc.last()
    }

    /// Emits `dst = src`, merging it with an immediately preceding move into a `move2`.
    pub(super) fn emit_move(&mut self, dst: u16, src: u16) {
        if let Some(Staged {
            start,
            op: Op::Move(first),
        }) = self.fusable_last()
        {
            self.enc.truncate(start);
            self.enc.move2(first.dst, first.src, dst, src);
            return;
        }
        self.enc.move_(dst, src);
    }

    /// Emits `br label`, merged with an immediately preceding move, move pair or
    /// `const32` (the values a branch carries) into one op.
    pub(super) fn emit_br(&mut self, label: usize) {
        let start = match self.fusable_last() {
            Some(Staged {
                start,
                op: Op::Move(m),
            }) => {
                self.enc.truncate(start);
                self.enc.move_br(m.dst, m.src, 0)
            }
            Some(Staged {
                start,
                op: Op::Move2(m),
            }) => {
                self.enc.truncate(start);
                self.enc.move2_br(m.d1, m.s1, m.d2, m.s2, 0)
            }
            Some(Staged {
                start,
                op: Op::Const32(c),
            }) => {
                self.enc.truncate(start);
                self.enc.const32_br(c.dst, c.imm, 0)
            }
            _ => self.enc.br(0),
        };
        self.branch_to(label, start);
    }

    /// Emits `dst = a + imm` (i32), merging it with an immediately preceding one.
    pub(super) fn emit_i32_add_imm(&mut self, dst: u16, a: u16, imm: i32) -> usize {
        if let Some(Staged {
            start,
            op: Op::I32AddImm(first),
        }) = self.fusable_last()
        {
            self.enc.truncate(start);
            return self
                .enc
                .i32_add_imm2(first.dst, first.a, first.imm, dst, a, imm);
        }
        self.enc.i32_add_imm(dst, a, imm)
    }

    /// `global.set` of a value `i32_add_imm` just computed (the stack pointer's update in
    /// an epilogue) is one op; with the `global.get` of the same global into the added
    /// temp right before (a prologue's `sp - frame`), one op for all three. The sum is
    /// still written to its slot, which may be a local (`local.tee`) read later.
    pub(super) fn global_set(&mut self, idx: u32) {
        let [v] = self.pop_slots::<1>();
        let (start, add) = match self.fusable_last() {
            Some(Staged {
                start,
                op: Op::I32AddImm(add),
            }) if add.dst == v => (start, add),
            _ => {
                self.enc.global_set(idx, v);
                return;
            }
        };
        self.enc.truncate(start);
        // The temp the global was read into is dead once the sum is popped: nothing
        // else refers to the temps at or above the stack's height.
        let temp = add.a as usize >= self.stack.slot_at(self.stack.len()) as usize;
        match self.fusable_last() {
            Some(Staged {
                start,
                op: Op::GlobalGet(g),
            }) if temp && g.idx == idx && g.dst == add.a => {
                self.enc.truncate(start);
                self.enc.global_add_imm(add.dst, idx, add.imm);
            }
            _ => {
                self.enc
                    .i32_add_imm_global_set(add.dst, add.a, add.imm, idx);
            }
        }
        self.fusion.last.made_by = 0;
    }

    /// The previous op if it produced the operand `v` popped from `pos` and is the op
    /// `code`, removed from the code so that the caller can emit a fused op instead.
    pub(super) fn take_producer(&mut self, v: Operand, pos: usize, code: OpCode) -> Option<Op> {
        let last = self.retargetable(v, pos)?;
        let staged = self
            .fusable_last()
            .filter(|s| last.op == code && s.start == last.start && s.op.code() == code)?;
        self.enc.truncate(staged.start);
        self.fusion.last.made_by = 0;
        Some(staged.op)
    }

    /// The previous op, if it produced the operand just popped from position `pos`.
    pub(super) fn retargetable(&self, v: Operand, pos: usize) -> Option<Last> {
        if self.options.plain {
            return None;
        }
        match (v, self.prev()) {
            (Operand::Temp, Some(last)) if last.pos == pos => Some(last),
            _ => None,
        }
    }
    /// Emits a branch to `label` taken when `cmp` holds (or fails, if `negate`).
    pub(super) fn emit_cmp_branch(&mut self, cmp: Cmp, negate: bool, label: usize) {
        let start = match cmp.ty {
            CmpTy::F64 => self.emit_f64_branch(cmp, negate),
            _ => {
                let wide = cmp.ty == CmpTy::I64;
                let cond = if negate { cmp.cond.negate() } else { cmp.cond };
                match (wide, cmp.b, cond) {
                    (false, Rhs::Imm(0), Cond::Eq) => self.enc.br_if_eqz(cmp.a, 0),
                    (false, Rhs::Imm(0), Cond::Ne) => self.enc.br_if_nez(cmp.a, 0),
                    (true, Rhs::Imm(0), Cond::Eq) => self.enc.br_if_i64_eqz(cmp.a, 0),
                    (true, Rhs::Imm(0), Cond::Ne) => self.enc.br_if_i64_nez(cmp.a, 0),
                    (false, Rhs::Slot(b), c) => BR_I32[c.index()](&mut self.enc, cmp.a, b, 0),
                    (false, Rhs::Imm(i), c) => BR_I32_IMM[c.index()](&mut self.enc, cmp.a, i, 0),
                    (true, Rhs::Slot(b), c) => BR_I64[c.index()](&mut self.enc, cmp.a, b, 0),
                    (true, Rhs::Imm(i), c) => BR_I64_IMM[c.index()](&mut self.enc, cmp.a, i, 0),
                    (_, Rhs::F64(..), _) => {
                        unreachable!("integer comparisons have integer operands")
                    }
                }
            }
        };
        self.branch_to(label, start);
    }

    /// An f64 compare-and-branch. With NaN, `!(a < b)` is not `a >= b`: negated
    /// conditions have ops of their own.
    pub(super) fn emit_f64_branch(&mut self, cmp: Cmp, negate: bool) -> usize {
        let b = match cmp.b {
            Rhs::F64(bits, _) if !negate && !matches!(cmp.cond, Cond::Eq | Cond::Ne) => {
                type BrImm64 = fn(&mut Encoder, u16, i64, i32) -> usize;
                let f: BrImm64 = match cmp.cond {
                    Cond::LtS => Encoder::br_f64_lt_imm,
                    Cond::GtS => Encoder::br_f64_gt_imm,
                    Cond::LeS => Encoder::br_f64_le_imm,
                    _ => Encoder::br_f64_ge_imm,
                };
                return f(&mut self.enc, cmp.a, bits as i64, 0);
            }
            Rhs::F64(bits, spare) => {
                self.emit_const(spare, bits);
                spare
            }
            Rhs::Slot(b) => b,
            Rhs::Imm(_) => unreachable!("f64 comparisons have no integer immediates"),
        };
        let f: RI = match (cmp.cond, negate) {
            (Cond::Eq, false) | (Cond::Ne, true) => Encoder::br_f64_eq,
            (Cond::Ne, false) | (Cond::Eq, true) => Encoder::br_f64_ne,
            (Cond::LtS, false) => Encoder::br_f64_lt,
            (Cond::GtS, false) => Encoder::br_f64_gt,
            (Cond::LeS, false) => Encoder::br_f64_le,
            (Cond::GeS, false) => Encoder::br_f64_ge,
            (Cond::LtS, true) => Encoder::br_f64_not_lt,
            (Cond::GtS, true) => Encoder::br_f64_not_gt,
            (Cond::LeS, true) => Encoder::br_f64_not_le,
            _ => Encoder::br_f64_not_ge,
        };
        f(&mut self.enc, cmp.a, b, 0)
    }

    /// Pops an i32 condition and emits a branch to `label` taken when it is non-zero
    /// (or zero, if `negate`), fusing the comparison that produced it when possible.
    /// `before_branch` runs after the condition is consumed and before the branch op.
    pub(super) fn cond_branch(
        &mut self,
        negate: bool,
        label: usize,
        before_branch: impl FnOnce(&mut Self),
    ) {
        let v = self.stack.pop();
        let pos = self.stack.len();
        if let Some(Last {
            start,
            cmp: Some(cmp),
            ..
        }) = self.retargetable(v, pos)
        {
            self.enc.truncate(start);
            before_branch(self);
            if !self.add_imm_branch(cmp, negate, label) {
                self.emit_cmp_branch(cmp, negate, label);
            }
            return;
        }
        // A bit test, `x & imm`, or a value loaded for the test alone: one op, the tested
        // value not kept. (The moves of `before_branch` write the label's slots, below
        // the condition's operands; if the load traps, they are not observable.)
        if let Some(last) = self.retargetable(v, pos)
            && matches!(last.op, OpCode::I32AndImm | OpCode::Load32)
            && let Some(producer) = self.take_producer(v, pos, last.op)
        {
            before_branch(self);
            let start = match (producer, negate) {
                (Op::I32AndImm(and), false) => self.enc.i32_and_imm_br_nez(and.a, and.imm, 0),
                (Op::I32AndImm(and), true) => self.enc.i32_and_imm_br_eqz(and.a, and.imm, 0),
                (Op::Load32(l), false) => self.enc.load32_br_nez(l.addr, l.offset, 0),
                (Op::Load32(l), true) => self.enc.load32_br_eqz(l.addr, l.offset, 0),
                _ => unreachable!("the producer was checked"),
            };
            self.branch_to(label, start);
            return;
        }
        let c = self.slot_of(v, pos);
        before_branch(self);
        let cmp = Cmp {
            ty: CmpTy::I32,
            cond: Cond::Ne,
            a: c,
            b: Rhs::Imm(0),
        };
        if !self.add_imm_branch(cmp, negate, label) {
            self.emit_cmp_branch(cmp, negate, label);
        }
    }

    /// `x = a + imm` right before a branch on `x cond b`: one op (the loop latch).
    fn add_imm_branch(&mut self, cmp: Cmp, negate: bool, label: usize) -> bool {
        let Some(Staged {
            start: at,
            op: Op::I32AddImm(add),
        }) = self.fusable_last()
        else {
            return false;
        };
        let cond = if negate { cmp.cond.negate() } else { cmp.cond };
        // `b == x` and `b != x` test the sum just as well from the right (`n != i`).
        let cmp = match cmp.b {
            Rhs::Slot(b) if b == add.dst && matches!(cond, Cond::Eq | Cond::Ne) => Cmp {
                a: b,
                b: Rhs::Slot(cmp.a),
                ..cmp
            },
            _ => cmp,
        };
        if cmp.ty != CmpTy::I32 || add.dst != cmp.a {
            return false;
        }
        type SlotForm = fn(&mut Encoder, u16, u16, i32, u16, i32) -> usize;
        type ImmForm2 = fn(&mut Encoder, u16, u16, i32, i32, i32) -> usize;
        let emit: Option<(Option<SlotForm>, Option<ImmForm2>)> = match cond {
            Cond::Ne => Some((
                Some(Encoder::i32_add_imm_br_ne),
                Some(Encoder::i32_add_imm_br_ne_imm),
            )),
            Cond::Eq => Some((
                Some(Encoder::i32_add_imm_br_eq),
                Some(Encoder::i32_add_imm_br_eq_imm),
            )),
            Cond::LtU => Some((Some(Encoder::i32_add_imm_br_lt_u), None)),
            Cond::LtS => Some((Some(Encoder::i32_add_imm_br_lt_s), None)),
            _ => None,
        };
        let start = match (emit, cmp.b) {
            (Some((Some(f), _)), Rhs::Slot(b)) => {
                self.enc.truncate(at);
                f(&mut self.enc, add.dst, add.a, add.imm, b, 0)
            }
            (Some((_, Some(f))), Rhs::Imm(i)) => {
                self.enc.truncate(at);
                f(&mut self.enc, add.dst, add.a, add.imm, i, 0)
            }
            _ => return false,
        };
        self.branch_to(label, start);
        true
    }
    /// If one operand of a commutative binary op was produced by the previous op `producer`
    /// and the other needs no materialising: removes the producer and returns it,
    /// the other operand's slot, and pops both operands.
    pub(super) fn fuse_operand(&mut self, producer: OpCode) -> Option<(Op, u16)> {
        let len = self.stack.len();
        let (a, b) = (self.stack.get(len - 2), self.stack.get(len - 1));
        let (pos_a, pos_b) = (len - 2, len - 1);
        let pick = if self
            .retargetable(b, pos_b)
            .is_some_and(|l| l.op == producer)
            && !matches!(a, Operand::Const(_))
        {
            Some((b, pos_b, a, pos_a))
        } else if self
            .retargetable(a, pos_a)
            .is_some_and(|l| l.op == producer)
            && !matches!(b, Operand::Const(_))
        {
            Some((a, pos_a, b, pos_b))
        } else {
            None
        };
        let (p, ppos, other, opos) = pick?;
        let op = self.take_producer(p, ppos, producer)?;
        self.stack.pop();
        self.stack.pop();
        let other = self.slot_of(other, opos);
        Some((op, other))
    }

    /// `select` on an i32 comparison just computed: one op.
    pub(super) fn select_cmp(&mut self) -> bool {
        let cpos = self.stack.len() - 1;
        let c = self.stack.get(cpos);
        let Some(Last {
            cmp: Some(cmp), op, ..
        }) = self.retargetable(c, cpos)
        else {
            return false;
        };
        let Rhs::Slot(y) = cmp.b else { return false };
        type SelectOp = fn(&mut Encoder, u16, u16, u16, u16, u16) -> usize;
        let f: SelectOp = match (cmp.ty, cmp.cond) {
            (CmpTy::I32, Cond::Eq) => Encoder::select_i32_eq,
            (CmpTy::I32, Cond::Ne) => Encoder::select_i32_ne,
            (CmpTy::I32, Cond::LtS) => Encoder::select_i32_lt_s,
            (CmpTy::I32, Cond::LtU) => Encoder::select_i32_lt_u,
            (CmpTy::I32, Cond::GtS) => Encoder::select_i32_gt_s,
            (CmpTy::I32, Cond::GtU) => Encoder::select_i32_gt_u,
            _ => return false,
        };
        self.stack.pop();
        if self.take_producer(c, cpos, op).is_none() {
            self.stack.push(c);
            return false;
        }
        // The operands sit below the condition: materialising them cannot touch the
        // comparison's operands, which were at the condition's position and above.
        let [a, b] = self.pop_slots::<2>();
        let dst = self.push_temp();
        let start = f(&mut self.enc, dst, cmp.a, y, a, b);
        self.produced(start, None);
        true
    }
}
