//! The op table's own tests: numbering, encoding and the one-byte hot range.

use super::*;

#[test]
fn every_op_round_trips_through_decode() {
    for (i, &op) in OpCode::ALL.iter().enumerate() {
        assert_eq!(op as usize, i);
        let mut code = vec![0; op.size() + 8];
        let len = op.write_prefix(&mut code);
        assert_eq!(len, op.prefix_len());
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
fn hot_ops_take_one_byte() {
    assert_eq!(OpCode::I32Add.prefix_len(), 1);
    assert_eq!(OpCode::Load32.prefix_len(), 1);
    assert_eq!(OpCode::ElemDrop.prefix_len(), 2);
}
