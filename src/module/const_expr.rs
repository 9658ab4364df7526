//! Constant expressions (global initialisers, segment offsets, element items).

use smallvec::SmallVec;

/// One operation of a constant expression. Wasm 2.0 needs constants, `ref.null`,
/// `ref.func` and `global.get`; the extended-const arithmetic costs nothing to carry.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum ConstOp {
    /// `i32.const`
    I32(i32),
    /// `i64.const`
    I64(i64),
    /// `f32.const` (bits)
    F32(u32),
    /// `f64.const` (bits)
    F64(u64),
    /// `v128.const`
    V128(u128),
    /// `ref.null`
    RefNull,
    /// `ref.func`
    RefFunc(u32),
    /// `global.get`
    GlobalGet(u32),
    /// `i32.add`
    I32Add,
    /// `i32.sub`
    I32Sub,
    /// `i32.mul`
    I32Mul,
    /// `i64.add`
    I64Add,
    /// `i64.sub`
    I64Sub,
    /// `i64.mul`
    I64Mul,
}

/// A validated constant expression, evaluated at instantiation.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstExpr {
    /// Operations in order, stack machine style.
    pub ops: SmallVec<[ConstOp; 2]>,
}

impl ConstExpr {
    /// Reads a wasmparser constant expression (already validated).
    pub fn from_wasmparser(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, String> {
        let mut ops = SmallVec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = reader.read().map_err(|e| e.to_string())?;
            use wasmparser::Operator as O;
            ops.push(match op {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::End => continue,
                other => {
                    return Err(format!(
                        "unsupported: constant expression operator {other:?}"
                    ));
                }
            });
        }
        Ok(ConstExpr { ops })
    }
}
