//! Disassembler: prints bytecode using the op table's operand lists.

use super::ops::{Kind, OPCODE_SIZE, OpCode};
use std::fmt::Write;

/// Disassembles a whole function, one op per line: `offset: name operands`.
pub fn disassemble(code: &[u8]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while pos < code.len() {
        match disassemble_one(code, pos) {
            Some((text, next)) => {
                let _ = writeln!(out, "{pos:6}: {text}");
                pos = next;
            }
            None => {
                let _ = writeln!(out, "{pos:6}: <invalid byte {:#04x}>", code[pos]);
                break;
            }
        }
    }
    out
}

/// Disassembles the op at `pos`; returns its text and the offset of the next op.
pub fn disassemble_one(code: &[u8], pos: usize) -> Option<(String, usize)> {
    let op = OpCode::decode(code, pos)?;
    let mut text = op.name().to_string();
    let mut at = pos + OPCODE_SIZE;
    let read = |at: usize, n: usize| -> Option<i64> {
        let b = code.get(at..at + n)?;
        Some(match n {
            2 => u16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes(b.try_into().ok()?),
        })
    };
    for (i, (name, kind)) in op.operands().iter().enumerate() {
        let sep = if i == 0 { " " } else { ", " };
        let (n, shown) = match kind {
            Kind::R => (2, format!("s{}", read(at, 2)?)),
            Kind::Imm32 => (4, format!("{}", read(at, 4)?)),
            Kind::Imm64 => (8, format!("{}", read(at, 8)?)),
            Kind::Idx => (4, format!("{}", read(at, 4)? as u32)),
            Kind::Off => (4, format!("@{}", pos as i64 + read(at, 4)?)),
        };
        let _ = write!(text, "{sep}{name}={shown}");
        at += n;
    }
    // Both table ops have `len` right after the index slot.
    if matches!(op, OpCode::BrTable | OpCode::BrTableAddImm) {
        let len = read(pos + OPCODE_SIZE + 2, 4)? as u32 as usize;
        text.push_str(" [");
        for i in 0..=len {
            let target = pos as i64 + read(at, 4)?;
            let _ = write!(text, "{}@{target}", if i == 0 { "" } else { " " });
            at += 4;
        }
        text.push(']');
    }
    Some((text, at))
}
