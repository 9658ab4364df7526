//! The op table's own tests: numbering, encoding and opcode words.

use super::*;

#[test]
fn every_op_round_trips_through_decode() {
    for (i, &op) in OpCode::ALL.iter().enumerate() {
        assert_eq!(op as usize, i);
        let mut code = vec![0; op.size() + 8];
        let len = op.write_prefix(&mut code);
        assert_eq!(len, OPCODE_SIZE);
        assert_eq!(OpCode::decode(&code, 0), Some(op), "{}", op.name());
    }
}

#[test]
fn operands_are_little_endian_in_table_order() {
    let mut e = crate::interp::encode::Encoder::default();
    e.i32_add_imm(3, 4, -2);
    assert_eq!(e.code.len(), op::I32AddImm::SIZE);
    // SAFETY: the buffer holds exactly one encoded `I32AddImm`.
    let d = unsafe { op::I32AddImm::decode(e.code.as_ptr()) };
    assert_eq!((d.dst, d.a, d.imm), (3, 4, -2));
}

#[test]
fn every_op_has_its_own_opcode_word() {
    // The disassembler names an op by its word: two ops with one handler (identical
    // bodies merged by the compiler) could not be told apart.
    let mut words: Vec<u64> = OpCode::ALL
        .iter()
        .map(|&op| crate::interp::dispatch::op_word(op))
        .collect();
    words.sort_unstable();
    words.dedup();
    assert_eq!(words.len(), NUM_OPS);
}
