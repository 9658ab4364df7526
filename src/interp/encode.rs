//! The bytecode buffer the translator writes into (the per-op methods are generated
//! from the op table in `ops`).
//!
//! Ops emitted since the last label fence stay *staged*: the encoder keeps each one as
//! a typed [`Op`] next to its bytes, so that fusion can peek at the last op and take it
//! back (to emit a fused op in its place) or change its result slot, without decoding
//! bytes. Binding a label fences them: code may jump there, so nothing before it may
//! change any more.

use super::ops::{Op, Operand};

/// An op that may still be fused: its typed value and where its bytes start.
#[derive(Copy, Clone, Debug)]
pub struct Staged {
    /// Offset of the op's first byte.
    pub start: usize,
    /// The op.
    pub op: Op,
}

/// A growing bytecode buffer.
#[derive(Default, Debug)]
pub struct Encoder {
    /// The bytes written so far.
    pub code: Vec<u8>,
    /// The ops emitted since the last fence, in order (offsets ascending).
    staged: Vec<Staged>,
}

impl Encoder {
    /// An empty encoder reusing the given buffers.
    pub fn with_buffers(mut code: Vec<u8>, mut staged: Vec<Staged>) -> Self {
        code.clear();
        staged.clear();
        Encoder { code, staged }
    }

    /// Gives the buffers back for reuse.
    pub fn into_buffers(self) -> (Vec<u8>, Vec<Staged>) {
        (self.code, self.staged)
    }

    /// Appends `op` and stages it; returns the offset of its first byte.
    #[inline]
    pub fn emit(&mut self, op: Op) -> usize {
        let start = self.code.len();
        op.put(&mut self.code);
        self.staged.push(Staged { start, op });
        start
    }

    /// The last op, if it is staged and nothing was written after it.
    #[inline]
    pub fn last(&self) -> Option<Staged> {
        let s = *self.staged.last()?;
        (s.start + s.op.code().size() == self.code.len()).then_some(s)
    }

    /// Removes the code from `at` on, returning the staged op that started at `at`.
    pub fn truncate(&mut self, at: usize) -> Option<Op> {
        self.code.truncate(at);
        let mut removed = None;
        while let Some(s) = self.staged.last()
            && s.start >= at
        {
            removed = (s.start == at).then_some(s.op);
            self.staged.pop();
        }
        removed
    }

    /// Makes every op emitted so far final (a label is bound here).
    #[inline]
    pub fn fence(&mut self) {
        self.staged.clear();
    }

    /// Points the result of the staged op at `start` to slot `dst`.
    pub fn set_result(&mut self, start: usize, dst: u16) {
        let i = self.staged.partition_point(|s| s.start < start);
        let staged = self
            .staged
            .get_mut(i)
            .filter(|s| s.start == start)
            .expect("the producer is staged");
        *staged.op.result_mut().expect("the producer has a result") = dst;
        // Encode at the end, then move the bytes over the old ones (same size).
        let end = self.code.len();
        staged.op.put(&mut self.code);
        self.code.copy_within(end.., start);
        self.code.truncate(end);
    }

    /// Appends a raw operand (used for `br_table` targets).
    #[inline]
    pub fn put<T: Operand>(&mut self, v: T) {
        v.put(&mut self.code);
    }

    /// Current length.
    #[inline]
    pub fn pos(&self) -> usize {
        self.code.len()
    }

    /// Overwrites the `i32` at `at` (a branch offset).
    #[inline]
    pub fn patch_i32(&mut self, at: usize, v: i32) {
        self.unstage_at(at);
        self.code[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites the `u32` at `at` (a fuel amount).
    #[inline]
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        self.unstage_at(at);
        self.code[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Drops the staged op whose bytes hold `at` (its typed copy would go stale); it is
    /// a branch or fuel op, which nothing fuses.
    fn unstage_at(&mut self, at: usize) {
        let i = self.staged.partition_point(|s| s.start <= at);
        if i > 0 && at < self.staged[i - 1].start + self.staged[i - 1].op.code().size() {
            self.staged.remove(i - 1);
        }
    }
}
