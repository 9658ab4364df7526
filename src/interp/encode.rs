//! The bytecode buffer the translator writes into (the per-op methods are generated
//! from the op table in `ops`).

use super::ops::{ESCAPE, OpCode, Operand};

/// A growing bytecode buffer.
#[derive(Default, Debug)]
pub struct Encoder {
    /// The bytes written so far.
    pub code: Vec<u8>,
}

impl Encoder {
    /// Writes the opcode of `op` and returns the offset of its first byte.
    #[inline]
    pub fn begin(&mut self, op: OpCode) -> usize {
        let start = self.code.len();
        let index = op as u16;
        if index < ESCAPE as u16 {
            self.code.push(index as u8);
        } else {
            self.code.push(ESCAPE);
            self.code.push((index - ESCAPE as u16) as u8);
        }
        start
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

    /// Overwrites the `i32` at `at`.
    #[inline]
    pub fn patch_i32(&mut self, at: usize, v: i32) {
        self.code[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites the `u32` at `at`.
    #[inline]
    pub fn patch_u32(&mut self, at: usize, v: u32) {
        self.code[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Overwrites the `u16` at `at`.
    #[inline]
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        self.code[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
}
