//! The operand stack: the wasm value stack resolved to frame slots while reading, and
//! the count of stack entries that still refer to each local.

use super::Translator;
use crate::interp::encode::Staged;
use crate::interp::ops::Op;

/// One entry of the operand stack.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Operand {
    /// In the temp slot of its stack height.
    Temp,
    /// In a local's slot.
    Local(u16),
    /// A constant: i32 values sign-extended, floats as bits, null references as 0.
    Const(u64),
}

/// The operand stack and the frame layout it implies: slot `i < num_locals` is
/// parameter/local `i`, the entry at height `h` has its temp in slot `num_locals + h`.
#[derive(Default)]
pub(super) struct OperandStack {
    items: Vec<Operand>,
    /// Per local: how many entries are `Operand::Local` of it.
    local_refs: Vec<u32>,
    /// The most entries the stack (or a call's results) ever needed.
    max_height: usize,
    num_locals: u32,
}

impl OperandStack {
    /// Empties the stack for a function with `num_locals` parameters and locals.
    pub(super) fn reset(&mut self, num_locals: u32) {
        self.items.clear();
        self.local_refs.clear();
        self.local_refs.resize(num_locals as usize, 0);
        self.max_height = 0;
        self.num_locals = num_locals;
    }

    pub(super) fn num_locals(&self) -> u32 {
        self.num_locals
    }

    pub(super) fn max_height(&self) -> usize {
        self.max_height
    }

    /// Records that the frame needs `height` operand slots (a call's results).
    pub(super) fn reserve(&mut self, height: usize) {
        self.max_height = self.max_height.max(height);
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    pub(super) fn get(&self, pos: usize) -> Operand {
        self.items[pos]
    }

    /// The top `n` entries.
    pub(super) fn top(&self, n: usize) -> &[Operand] {
        &self.items[self.items.len() - n..]
    }

    /// The slot of the temp at stack position `pos`.
    pub(super) fn slot_at(&self, pos: usize) -> u16 {
        // `finish` rejects frames that do not fit; until then wrap harmlessly.
        (self.num_locals as usize + pos) as u16
    }

    /// How many entries refer to local `l`.
    pub(super) fn refs(&self, l: u16) -> u32 {
        self.local_refs[l as usize]
    }

    pub(super) fn push(&mut self, v: Operand) {
        if let Operand::Local(l) = v {
            self.local_refs[l as usize] += 1;
        }
        self.items.push(v);
        self.max_height = self.max_height.max(self.items.len());
    }

    pub(super) fn pop(&mut self) -> Operand {
        let v = self.items.pop().expect("validated: stack underflow");
        if let Operand::Local(l) = v {
            self.local_refs[l as usize] -= 1;
        }
        v
    }

    /// Pops without counting references (the entry goes back with `push_raw`).
    pub(super) fn pop_raw(&mut self) -> Operand {
        self.items.pop().expect("validated")
    }

    /// Pushes an entry taken with `pop_raw`.
    pub(super) fn push_raw(&mut self, v: Operand) {
        self.items.push(v);
    }

    /// Replaces the entry at `pos` (keeping the reference counts right).
    pub(super) fn set(&mut self, pos: usize, v: Operand) {
        if let Operand::Local(l) = self.items[pos] {
            self.local_refs[l as usize] -= 1;
        }
        if let Operand::Local(l) = v {
            self.local_refs[l as usize] += 1;
        }
        self.items[pos] = v;
    }

    pub(super) fn truncate(&mut self, height: usize) {
        while self.items.len() > height {
            self.pop();
        }
    }
}

impl Translator<'_> {
    /// Pushes a value that needs no code (a constant or a local), keeping the previous
    /// op fusable with the op that will consume both.
    pub(super) fn push_quiet(&mut self, v: Operand) {
        self.stack.push(v);
        self.keep_last();
    }

    /// Pushes a temp and returns its slot.
    pub(super) fn push_temp(&mut self) -> u16 {
        self.stack.push(Operand::Temp);
        self.stack.slot_at(self.stack.len() - 1)
    }

    pub(super) fn emit_const(&mut self, dst: u16, c: u64) {
        match (i32::try_from(c as i64), self.fusable_last()) {
            // Two in a row (call arguments, block results): one op.
            (
                Ok(i),
                Some(Staged {
                    start,
                    op: Op::Const32(first),
                }),
            ) => {
                self.enc.truncate(start);
                self.enc.const32x2(first.dst, first.imm, dst, i)
            }
            (Ok(i), _) => self.enc.const32(dst, i),
            (Err(_), _) => self.enc.const64(dst, c as i64),
        };
    }

    /// The slot of operand `v` that was at stack position `pos`, materialising a constant
    /// into the temp of `pos`.
    pub(super) fn slot_of(&mut self, v: Operand, pos: usize) -> u16 {
        match v {
            Operand::Temp => self.stack.slot_at(pos),
            Operand::Local(l) => l,
            Operand::Const(c) => {
                let s = self.stack.slot_at(pos);
                self.emit_const(s, c);
                s
            }
        }
    }

    /// The slot of operand `v` at stack position `pos` if it has one already (a
    /// constant would need materialising, which emits an op).
    pub(super) fn ready_slot(&self, v: Operand, pos: usize) -> Option<u16> {
        match v {
            Operand::Temp => Some(self.stack.slot_at(pos)),
            Operand::Local(l) => Some(l),
            Operand::Const(_) => None,
        }
    }

    /// Pops `N` operands and returns their slots, bottom first.
    pub(super) fn pop_slots<const N: usize>(&mut self) -> [u16; N] {
        let mut vals = [Operand::Temp; N];
        for v in vals.iter_mut().rev() {
            *v = self.stack.pop();
        }
        let base = self.stack.len();
        let mut slots = [0u16; N];
        for (i, v) in vals.into_iter().enumerate() {
            slots[i] = self.slot_of(v, base + i);
        }
        slots
    }

    /// Makes the entry at `pos` a `Temp`.
    pub(super) fn materialize(&mut self, pos: usize) {
        let dst = self.stack.slot_at(pos);
        match self.stack.get(pos) {
            Operand::Temp => return,
            Operand::Local(l) => self.emit_move(dst, l),
            Operand::Const(c) => self.emit_const(dst, c),
        }
        self.stack.set(pos, Operand::Temp);
    }

    pub(super) fn materialize_top(&mut self, n: usize) {
        for pos in self.stack.len() - n..self.stack.len() {
            self.materialize(pos);
        }
    }

    pub(super) fn materialize_locals(&mut self) {
        for pos in 0..self.stack.len() {
            if matches!(self.stack.get(pos), Operand::Local(_)) {
                self.materialize(pos);
            }
        }
    }

    /// Before local `l` is overwritten: copies it into every stack entry that refers to it.
    pub(super) fn preserve(&mut self, l: u16) {
        if self.stack.refs(l) == 0 {
            return;
        }
        for pos in 0..self.stack.len() {
            if self.stack.get(pos) == Operand::Local(l) {
                self.materialize(pos);
            }
        }
    }

    pub(super) fn local_set(&mut self, l: u16, tee: bool) {
        self.assigned.write(l);
        let v = self.stack.pop();
        let pos = self.stack.len();
        match v {
            Operand::Local(x) if x == l => {}
            Operand::Temp if self.stack.refs(l) == 0 && self.retargetable(v, pos).is_some() => {
                let last = self.prev().expect("retargetable");
                self.enc.set_result(last.start, l);
                if tee {
                    self.stack.push(Operand::Local(l));
                }
                return;
            }
            Operand::Temp => {
                self.preserve(l);
                let s = self.stack.slot_at(pos);
                self.emit_move(l, s);
            }
            Operand::Local(x) => {
                self.preserve(l);
                self.emit_move(l, x);
            }
            Operand::Const(c) => {
                self.preserve(l);
                self.emit_const(l, c);
            }
        }
        if tee {
            self.stack.push(v);
        }
    }
}
