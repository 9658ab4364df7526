//! Branch targets, the branch offsets waiting for them, and fuel blocks.

use super::Translator;
use crate::interp::encode::Encoder;
use crate::interp::ops::op;

/// A branch target. Branches emitted before it is bound wait in a list threaded through
/// `Labels::fixups` (no allocation per label).
#[derive(Copy, Clone)]
struct Label {
    pos: Option<u32>,
    /// Head of this label's pending fixups (`NO_FIXUP` when none).
    first_fixup: u32,
    /// Whether any branch targets it.
    used: bool,
}

const NO_FIXUP: u32 = u32::MAX;

/// A branch waiting for its label: the branch op's start, its offset field, the next.
#[derive(Copy, Clone)]
struct Fixup {
    start: u32,
    field: u32,
    next: u32,
}

/// Every label of a function and the branches still waiting for theirs.
#[derive(Default)]
pub(super) struct Labels {
    labels: Vec<Label>,
    fixups: Vec<Fixup>,
}

impl Labels {
    pub(super) fn clear(&mut self) {
        self.labels.clear();
        self.fixups.clear();
    }

    pub(super) fn new_label(&mut self) -> usize {
        self.labels.push(Label {
            pos: None,
            first_fixup: NO_FIXUP,
            used: false,
        });
        self.labels.len() - 1
    }

    /// Whether any branch targets `label`.
    pub(super) fn used(&self, label: usize) -> bool {
        self.labels[label].used
    }

    /// Whether no branch still waits for an unbound label.
    pub(super) fn all_bound(&self) -> bool {
        self.labels
            .iter()
            .all(|l| l.first_fixup == NO_FIXUP || l.pos.is_some())
    }

    /// Binds `label` at `pos` and patches the branches waiting for it.
    fn bind(&mut self, label: usize, pos: usize, enc: &mut Encoder) {
        let l = &mut self.labels[label];
        debug_assert!(l.pos.is_none());
        l.pos = Some(pos as u32);
        let mut next = std::mem::replace(&mut l.first_fixup, NO_FIXUP);
        while next != NO_FIXUP {
            let f = self.fixups[next as usize];
            enc.patch_i32(f.field as usize, (pos - f.start as usize) as i32);
            next = f.next;
        }
    }

    /// Points the branch at `start` (offset field at `field`) to `label`.
    fn use_label(&mut self, label: usize, start: usize, field: usize, enc: &mut Encoder) {
        let l = &mut self.labels[label];
        l.used = true;
        match l.pos {
            Some(pos) => enc.patch_i32(field, pos as i32 - start as i32),
            None => {
                self.fixups.push(Fixup {
                    start: start as u32,
                    field: field as u32,
                    next: l.first_fixup,
                });
                l.first_fixup = (self.fixups.len() - 1) as u32;
            }
        }
    }
}

/// The open fuel block: where its `consume_fuel` amount is, and the fuel counted so far.
#[derive(Default)]
pub(super) struct Fuel {
    at: Option<usize>,
    /// Fuel of the operators translated since the block started.
    pub(super) amount: u32,
}

impl Translator<'_> {
    /// Binds `label` here; the code before it becomes final (branches may land here).
    pub(super) fn bind(&mut self, label: usize) {
        let pos = self.enc.pos();
        self.enc.fence();
        self.labels.bind(label, pos, &mut self.enc);
    }

    /// Points the branch at `start` (offset field at `field`) to `label`.
    pub(super) fn use_label(&mut self, label: usize, start: usize, field: usize) {
        self.labels.use_label(label, start, field, &mut self.enc);
    }

    /// The branch op just emitted at `start`, whose offset is its last field, goes to
    /// `label`.
    pub(super) fn branch_to(&mut self, label: usize, start: usize) {
        let field = self.enc.pos() - 4;
        self.use_label(label, start, field);
    }

    pub(super) fn close_fuel(&mut self) {
        if let Some(at) = self.fuel.at.take() {
            self.enc.patch_u32(at, self.fuel.amount);
        }
    }

    /// Starts a new basic block for fuel accounting.
    pub(super) fn fuel_block(&mut self) {
        if self.options.fuel {
            self.close_fuel();
            let start = self.enc.consume_fuel(0);
            self.fuel.at = Some(start + op::ConsumeFuel::SIZE - 4);
            self.fuel.amount = 0;
        }
    }
}
