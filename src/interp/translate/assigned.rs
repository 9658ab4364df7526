//! Which declared locals a call has to zero: those some path may read before writing.
//!
//! A write dominates the code after it up to the `else` or `end` of its innermost
//! block (no branch from before the write lands in between), so a read is covered when
//! the local was written earlier in a block that is still open. Compiled code mostly
//! writes its locals before reading them: a call then zeroes only the range of locals
//! that may be read first, often none, and the others keep whatever the slots held,
//! which nothing reads.

/// The definite-assignment state of the locals while translating.
#[derive(Default)]
pub(super) struct Assigned {
    /// Per local: written in a block that is still open (parameters always).
    written: Vec<bool>,
    /// The locals first written since each open block began, in order; a block's end
    /// forgets the writes after its mark.
    log: Vec<u16>,
    /// The lowest and highest local that may be read before being written (`lo > hi`:
    /// none).
    lo: u32,
    hi: u32,
    num_params: u32,
}

impl Assigned {
    /// Starts a function: parameters are written, declared locals are not.
    pub(super) fn reset(&mut self, num_params: u32, num_locals: u32) {
        self.written.clear();
        self.written.resize(num_locals as usize, false);
        self.written[..num_params as usize].fill(true);
        self.log.clear();
        self.lo = u32::MAX;
        self.hi = 0;
        self.num_params = num_params;
    }

    /// Where a block that begins now starts its writes.
    pub(super) fn mark(&self) -> usize {
        self.log.len()
    }

    /// The block that began at `mark` ends (or its `if` arm does).
    pub(super) fn forget_since(&mut self, mark: usize) {
        for l in self.log.drain(mark..) {
            self.written[l as usize] = false;
        }
    }

    pub(super) fn write(&mut self, l: u16) {
        if !self.written[l as usize] {
            self.written[l as usize] = true;
            self.log.push(l);
        }
    }

    pub(super) fn read(&mut self, l: u16) {
        if !self.written[l as usize] {
            self.lo = self.lo.min(u32::from(l));
            self.hi = self.hi.max(u32::from(l));
        }
    }

    /// The first local a call zeroes and how many.
    pub(super) fn to_zero(&self) -> (u32, u32) {
        if self.lo > self.hi {
            (self.num_params, 0)
        } else {
            (self.lo, self.hi + 1 - self.lo)
        }
    }
}
