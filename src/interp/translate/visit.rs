//! The operator entry: `wasmparser::VisitOperator` builds each operator in place and
//! hands it to `Translator::operator`, which routes it to its family. Each family
//! method is a match whose arms call one short method each.

use super::Translator;
use super::control::Kind;
use super::select::*;
use super::stack::Operand;
use crate::interp::encode::Encoder;
use crate::module::fuel;
use crate::module::visit::define_visit_operator;
use anyhow::{Result, bail};
use wasmparser::{BlockType, Operator as O};

impl Translator<'_> {
    /// Translates one operator. Inlined into each `visit_*` method, where the operator's
    /// variant is known, so each method keeps only its own family's arm.
    #[inline(always)]
    fn operator(&mut self, op: &O<'_>) -> Result<()> {
        self.fusion.op_gen += 1;
        if self.unreachable {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.push_dead();
                    return Ok(());
                }
                O::Else | O::End => {}
                _ => return Ok(()),
            }
        }
        if self.options.fuel {
            self.fuel.amount += fuel::cost(op);
        }
        let handled = self.control_op(op)?
            || self.variable_op(op)
            || self.memory_op(op)
            || self.table_op(op)
            || self.i32_op(op)
            || self.i64_op(op)
            || self.float_op(op)
            || self.conversion_op(op);
        if !handled {
            bail!("unsupported: operator {op:?}");
        }
        Ok(())
    }

    /// Blocks, branches, returns and calls.
    #[inline(always)]
    fn control_op(&mut self, op: &O<'_>) -> Result<bool> {
        match *op {
            O::Nop => self.keep_last(),
            O::Unreachable => {
                self.enc.unreachable();
                self.unreachable = true;
            }
            O::Block { blockty } => self.block(blockty),
            O::Loop { blockty } => self.loop_(blockty),
            O::If { blockty } => self.if_(blockty),
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => self.br(relative_depth),
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { ref targets } => self.br_table(targets)?,
            O::Return => {
                self.emit_return();
                self.unreachable = true;
            }
            O::Call { function_index } => self.call(function_index),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Locals, globals, constants, `drop`, `select`, references, and the conversions
    /// that are no-ops on a slot.
    #[inline(always)]
    fn variable_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::Drop => {
                self.stack.pop();
            }
            O::Select | O::TypedSelect { .. } => self.select(),
            O::LocalGet { local_index } => {
                self.assigned.read(local_index as u16);
                self.push_quiet(Operand::Local(local_index as u16));
            }
            O::LocalSet { local_index } => self.local_set(local_index as u16, false),
            O::LocalTee { local_index } => self.local_set(local_index as u16, true),
            O::GlobalGet { global_index } => {
                self.emit_result(|e, dst| e.global_get(dst, global_index));
            }
            O::GlobalSet { global_index } => self.global_set(global_index),
            O::I32Const { value } => self.push_quiet(Operand::Const(value as i64 as u64)),
            O::I64Const { value } => self.push_quiet(Operand::Const(value as u64)),
            O::F32Const { value } => self.push_quiet(Operand::Const(value.bits() as u64)),
            O::F64Const { value } => self.push_quiet(Operand::Const(value.bits())),
            O::RefNull { .. } => self.push_quiet(Operand::Const(0)),
            O::RefIsNull => self.unop(Encoder::ref_is_null),
            O::RefFunc { function_index } => {
                self.emit_result(|e, dst| e.ref_func(dst, function_index));
            }
            // i32 consumers read the low 32 bits, and floats are kept as bits: these are
            // no-ops on the slot.
            O::I32WrapI64
            | O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64 => self.keep_last(),
            _ => return false,
        }
        true
    }

    /// Loads, stores and the memory instructions.
    #[inline(always)]
    fn memory_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::I32Load { ref memarg } | O::F32Load { ref memarg } => {
                self.load(LoadKind::L32, memarg)
            }
            O::I64Load { ref memarg } | O::F64Load { ref memarg } => {
                self.load(LoadKind::L64, memarg)
            }
            O::I32Load8S { ref memarg } | O::I64Load8S { ref memarg } => {
                self.load(LoadKind::L8S, memarg)
            }
            O::I32Load8U { ref memarg } | O::I64Load8U { ref memarg } => {
                self.load(LoadKind::L8U, memarg)
            }
            O::I32Load16S { ref memarg } | O::I64Load16S { ref memarg } => {
                self.load(LoadKind::L16S, memarg)
            }
            O::I32Load16U { ref memarg } | O::I64Load16U { ref memarg } => {
                self.load(LoadKind::L16U, memarg)
            }
            O::I64Load32S { ref memarg } => self.load(LoadKind::L32S, memarg),
            O::I64Load32U { ref memarg } => self.load(LoadKind::L32, memarg),
            O::I32Store { ref memarg }
            | O::F32Store { ref memarg }
            | O::I64Store32 { ref memarg } => self.store(StoreKind::S32, memarg),
            O::I64Store { ref memarg } | O::F64Store { ref memarg } => {
                self.store(StoreKind::S64, memarg)
            }
            O::I32Store8 { ref memarg } | O::I64Store8 { ref memarg } => {
                self.store(StoreKind::S8, memarg)
            }
            O::I32Store16 { ref memarg } | O::I64Store16 { ref memarg } => {
                self.store(StoreKind::S16, memarg)
            }
            O::MemorySize { .. } => {
                self.emit_result(|e, dst| e.memory_size(dst));
            }
            O::MemoryGrow { .. } => {
                let [delta] = self.pop_slots::<1>();
                self.emit_result(|e, dst| e.memory_grow(dst, delta));
            }
            O::MemoryFill { .. } => {
                let [d, v, n] = self.pop_slots::<3>();
                self.enc.memory_fill(d, v, n);
            }
            O::MemoryCopy { .. } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.memory_copy(d, s, n);
            }
            O::MemoryInit { data_index, .. } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.memory_init(data_index, d, s, n);
            }
            O::DataDrop { data_index } => {
                self.enc.data_drop(data_index);
            }
            _ => return false,
        }
        true
    }

    /// The table instructions.
    #[inline(always)]
    fn table_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::TableGet { table } => {
                let [i] = self.pop_slots::<1>();
                self.emit_result(|e, dst| e.table_get(dst, table, i));
            }
            O::TableSet { table } => {
                let [i, v] = self.pop_slots::<2>();
                self.enc.table_set(table, i, v);
            }
            O::TableSize { table } => {
                self.emit_result(|e, dst| e.table_size(dst, table));
            }
            O::TableGrow { table } => {
                let [init, delta] = self.pop_slots::<2>();
                self.emit_result(|e, dst| e.table_grow(dst, table, init, delta));
            }
            O::TableFill { table } => {
                let [d, v, n] = self.pop_slots::<3>();
                self.enc.table_fill(table, d, v, n);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.table_copy(dst_table, src_table, d, s, n);
            }
            O::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop_slots::<3>();
                self.enc.table_init(table, elem_index, d, s, n);
            }
            O::ElemDrop { elem_index } => {
                self.enc.elem_drop(elem_index);
            }
            _ => return false,
        }
        true
    }

    /// i32 comparisons and arithmetic.
    #[inline(always)]
    fn i32_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::I32Eqz => self.eqz(false),
            O::I32Eq => self.compare(false, Cond::Eq),
            O::I32Ne => self.compare(false, Cond::Ne),
            O::I32LtS => self.compare(false, Cond::LtS),
            O::I32LtU => self.compare(false, Cond::LtU),
            O::I32GtS => self.compare(false, Cond::GtS),
            O::I32GtU => self.compare(false, Cond::GtU),
            O::I32LeS => self.compare(false, Cond::LeS),
            O::I32LeU => self.compare(false, Cond::LeU),
            O::I32GeS => self.compare(false, Cond::GeS),
            O::I32GeU => self.compare(false, Cond::GeU),
            O::I32Add => self.i32_add(),
            O::I32Sub => self.sub(
                Encoder::i32_sub,
                ImmForm::I32AddImm,
                Encoder::i32_rsub_imm,
                Width::W32,
            ),
            O::I32Mul => self.bin32(Encoder::i32_mul, Encoder::i32_mul_imm, true),
            O::I32DivS => self.bin32(Encoder::i32_div_s, Encoder::i32_div_s_imm, false),
            O::I32DivU => self.bin32(Encoder::i32_div_u, Encoder::i32_div_u_imm, false),
            O::I32RemS => self.bin32(Encoder::i32_rem_s, Encoder::i32_rem_s_imm, false),
            O::I32RemU => self.bin32(Encoder::i32_rem_u, Encoder::i32_rem_u_imm, false),
            O::I32And => self.i32_and(),
            O::I32Or => self.bin32(Encoder::i32_or, Encoder::i32_or_imm, true),
            O::I32Xor => self.i32_xor(),
            O::I32Shl => self.bin32(Encoder::i32_shl, Encoder::i32_shl_imm, false),
            O::I32ShrS => self.bin32(Encoder::i32_shr_s, Encoder::i32_shr_s_imm, false),
            O::I32ShrU => self.bin32(Encoder::i32_shr_u, Encoder::i32_shr_u_imm, false),
            O::I32Rotl => self.i32_rotate(false),
            O::I32Rotr => self.i32_rotate(true),
            O::I32Clz => self.unop(Encoder::i32_clz),
            O::I32Ctz => self.unop(Encoder::i32_ctz),
            O::I32Popcnt => self.unop(Encoder::i32_popcnt),
            O::I32Extend8S => self.unop(Encoder::i32_extend8_s),
            O::I32Extend16S => self.unop(Encoder::i32_extend16_s),
            _ => return false,
        }
        true
    }

    /// i64 comparisons and arithmetic.
    #[inline(always)]
    fn i64_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::I64Eqz => self.eqz(true),
            O::I64Eq => self.compare(true, Cond::Eq),
            O::I64Ne => self.compare(true, Cond::Ne),
            O::I64LtS => self.compare(true, Cond::LtS),
            O::I64LtU => self.compare(true, Cond::LtU),
            O::I64GtS => self.compare(true, Cond::GtS),
            O::I64GtU => self.compare(true, Cond::GtU),
            O::I64LeS => self.compare(true, Cond::LeS),
            O::I64LeU => self.compare(true, Cond::LeU),
            O::I64GeS => self.compare(true, Cond::GeS),
            O::I64GeU => self.compare(true, Cond::GeU),
            O::I64Add => self.bin64(Encoder::i64_add, Encoder::i64_add_imm, true),
            O::I64Sub => self.sub(
                Encoder::i64_sub,
                ImmForm::Op(Encoder::i64_add_imm),
                Encoder::i64_rsub_imm,
                Width::W64,
            ),
            O::I64Mul => self.bin64_wide(
                Encoder::i64_mul,
                Encoder::i64_mul_imm,
                Encoder::i64_mul_imm64,
                Some(Encoder::i64_xor_mul_imm64),
            ),
            O::I64DivS => self.bin64(Encoder::i64_div_s, Encoder::i64_div_s_imm, false),
            O::I64DivU => self.bin64(Encoder::i64_div_u, Encoder::i64_div_u_imm, false),
            O::I64RemS => self.bin64(Encoder::i64_rem_s, Encoder::i64_rem_s_imm, false),
            O::I64RemU => self.bin64(Encoder::i64_rem_u, Encoder::i64_rem_u_imm, false),
            O::I64And => self.bin64_wide(
                Encoder::i64_and,
                Encoder::i64_and_imm,
                Encoder::i64_and_imm64,
                None,
            ),
            O::I64Or => self.bin64(Encoder::i64_or, Encoder::i64_or_imm, true),
            O::I64Xor => self.bin64(Encoder::i64_xor, Encoder::i64_xor_imm, true),
            O::I64Shl => self.bin64(Encoder::i64_shl, Encoder::i64_shl_imm, false),
            O::I64ShrS => self.bin64(Encoder::i64_shr_s, Encoder::i64_shr_s_imm, false),
            O::I64ShrU => self.bin64(Encoder::i64_shr_u, Encoder::i64_shr_u_imm, false),
            O::I64Rotl => self.bin64(Encoder::i64_rotl, Encoder::i64_rotl_imm, false),
            O::I64Rotr => self.binop(Encoder::i64_rotr, ImmForm::None, Width::W64, false),
            O::I64Clz => self.unop(Encoder::i64_clz),
            O::I64Ctz => self.unop(Encoder::i64_ctz),
            O::I64Popcnt => self.unop(Encoder::i64_popcnt),
            O::I64Extend8S => self.unop(Encoder::i64_extend8_s),
            O::I64Extend16S => self.unop(Encoder::i64_extend16_s),
            O::I64Extend32S | O::I64ExtendI32S => self.unop(Encoder::i64_extend32_s),
            O::I64ExtendI32U => self.unop(Encoder::i64_extend_i32_u),
            _ => return false,
        }
        true
    }

    /// f32 and f64 comparisons and arithmetic.
    #[inline(always)]
    fn float_op(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::F32Eq => self.float_binop(false, FloatOp::Eq),
            O::F32Ne => self.float_binop(false, FloatOp::Ne),
            O::F32Lt => self.float_binop(false, FloatOp::Lt),
            O::F32Gt => self.float_binop(false, FloatOp::Gt),
            O::F32Le => self.float_binop(false, FloatOp::Le),
            O::F32Ge => self.float_binop(false, FloatOp::Ge),
            O::F64Eq => self.float_binop(true, FloatOp::Eq),
            O::F64Ne => self.float_binop(true, FloatOp::Ne),
            O::F64Lt => self.float_binop(true, FloatOp::Lt),
            O::F64Gt => self.float_binop(true, FloatOp::Gt),
            O::F64Le => self.float_binop(true, FloatOp::Le),
            O::F64Ge => self.float_binop(true, FloatOp::Ge),
            O::F32Add => self.float_binop(false, FloatOp::Add),
            O::F32Sub => self.float_binop(false, FloatOp::Sub),
            O::F32Mul => self.float_binop(false, FloatOp::Mul),
            O::F32Div => self.float_binop(false, FloatOp::Div),
            O::F32Min => self.float_binop(false, FloatOp::Min),
            O::F32Max => self.float_binop(false, FloatOp::Max),
            O::F32Copysign => self.float_binop(false, FloatOp::Copysign),
            O::F64Add => self.float_binop(true, FloatOp::Add),
            O::F64Sub => self.float_binop(true, FloatOp::Sub),
            O::F64Mul => self.float_binop(true, FloatOp::Mul),
            O::F64Div => self.float_binop(true, FloatOp::Div),
            O::F64Min => self.float_binop(true, FloatOp::Min),
            O::F64Max => self.float_binop(true, FloatOp::Max),
            O::F64Copysign => self.float_binop(true, FloatOp::Copysign),
            O::F32Abs => self.unop(Encoder::f32_abs),
            O::F32Neg => self.unop(Encoder::f32_neg),
            O::F32Sqrt => self.unop(Encoder::f32_sqrt),
            O::F32Ceil => self.unop(Encoder::f32_ceil),
            O::F32Floor => self.unop(Encoder::f32_floor),
            O::F32Trunc => self.unop(Encoder::f32_trunc),
            O::F32Nearest => self.unop(Encoder::f32_nearest),
            O::F64Abs => self.unop(Encoder::f64_abs),
            O::F64Neg => self.unop(Encoder::f64_neg),
            O::F64Sqrt => self.unop(Encoder::f64_sqrt),
            O::F64Ceil => self.unop(Encoder::f64_ceil),
            O::F64Floor => self.unop(Encoder::f64_floor),
            O::F64Trunc => self.unop(Encoder::f64_trunc),
            O::F64Nearest => self.unop(Encoder::f64_nearest),
            _ => return false,
        }
        true
    }

    /// Conversions between integers and floats.
    #[inline(always)]
    fn conversion_op(&mut self, op: &O<'_>) -> bool {
        let f: Un = match *op {
            O::I32TruncF32S => Encoder::i32_trunc_f32_s,
            O::I32TruncF32U => Encoder::i32_trunc_f32_u,
            O::I32TruncF64S => Encoder::i32_trunc_f64_s,
            O::I32TruncF64U => Encoder::i32_trunc_f64_u,
            O::I64TruncF32S => Encoder::i64_trunc_f32_s,
            O::I64TruncF32U => Encoder::i64_trunc_f32_u,
            O::I64TruncF64S => Encoder::i64_trunc_f64_s,
            O::I64TruncF64U => Encoder::i64_trunc_f64_u,
            O::I32TruncSatF32S => Encoder::i32_trunc_sat_f32_s,
            O::I32TruncSatF32U => Encoder::i32_trunc_sat_f32_u,
            O::I32TruncSatF64S => Encoder::i32_trunc_sat_f64_s,
            O::I32TruncSatF64U => Encoder::i32_trunc_sat_f64_u,
            O::I64TruncSatF32S => Encoder::i64_trunc_sat_f32_s,
            O::I64TruncSatF32U => Encoder::i64_trunc_sat_f32_u,
            O::I64TruncSatF64S => Encoder::i64_trunc_sat_f64_s,
            O::I64TruncSatF64U => Encoder::i64_trunc_sat_f64_u,
            O::F32ConvertI32S => Encoder::f32_convert_i32_s,
            O::F32ConvertI32U => Encoder::f32_convert_i32_u,
            O::F32ConvertI64S => Encoder::f32_convert_i64_s,
            O::F32ConvertI64U => Encoder::f32_convert_i64_u,
            O::F64ConvertI32S => Encoder::f64_convert_i32_s,
            O::F64ConvertI32U => Encoder::f64_convert_i32_u,
            O::F64ConvertI64S => Encoder::f64_convert_i64_s,
            O::F64ConvertI64U => Encoder::f64_convert_i64_u,
            O::F32DemoteF64 => Encoder::f32_demote_f64,
            O::F64PromoteF32 => Encoder::f64_promote_f32,
            _ => return false,
        };
        self.unop(f);
        true
    }

    /// An i32 binary op with a 32-bit immediate form.
    fn bin32(&mut self, rr: RR, ri: RI, commutative: bool) {
        self.binop(rr, ImmForm::Op(ri), Width::W32, commutative);
    }

    /// An i64 binary op with a (sign-extended) 32-bit immediate form.
    fn bin64(&mut self, rr: RR, ri: RI, commutative: bool) {
        self.binop(rr, ImmForm::Op(ri), Width::W64, commutative);
    }

    /// Emits an op writing a new temp (`emit` gets the temp's slot) that the next
    /// operator may fuse.
    fn emit_result(&mut self, emit: impl FnOnce(&mut Encoder, u16) -> usize) {
        let dst = self.push_temp();
        let start = emit(&mut self.enc, dst);
        self.produced(start, None);
    }

    /// `select`, fused with the comparison that computed its condition when possible.
    fn select(&mut self) {
        if self.select_cmp() {
            return;
        }
        // A constant second operand (`if c { x } else { 0 }`) is an immediate.
        let len = self.stack.len();
        if let (Operand::Const(k), false) = (self.stack.get(len - 2), self.options.plain)
            && let Ok(imm) = i32::try_from(k as i64)
        {
            let c = self.stack.pop();
            self.stack.pop();
            let a = self.stack.pop();
            let a = self.slot_of(a, len - 3);
            let c = self.slot_of(c, len - 1);
            return self.emit_result(|e, dst| e.select_imm(dst, c, a, imm));
        }
        let [a, b, c] = self.pop_slots::<3>();
        self.emit_result(|e, dst| e.select(dst, c, a, b));
    }

    fn block(&mut self, blockty: BlockType) {
        self.materialize_locals();
        let label = self.labels.new_label();
        self.push_control(Kind::Block, blockty, label, usize::MAX);
    }

    fn loop_(&mut self, blockty: BlockType) {
        self.materialize_locals();
        let (params, _) = self.block_type(blockty);
        self.materialize_top(params);
        let label = self.labels.new_label();
        self.bind(label);
        // Before the iteration's fuel: compiled code entering here by OSR pays it.
        if self.options.count_loops {
            // OSR carries the locals only, so only loops with nothing on the stack can
            // be entered.
            let at = if self.stack.len() == 0 && params == 0 {
                self.offset
            } else {
                crate::interp::ops::NO_OSR
            };
            self.enc.loop_header(self.func, at);
        }
        self.fuel_block();
        self.push_control(Kind::Loop, blockty, label, usize::MAX);
    }

    fn if_(&mut self, blockty: BlockType) {
        let (params, _) = self.block_type(blockty);
        let else_label = self.labels.new_label();
        self.cond_branch(true, else_label, |t| {
            t.materialize_locals();
            t.materialize_top(params);
        });
        let label = self.labels.new_label();
        self.push_control(Kind::If, blockty, label, else_label);
        self.fuel_block();
    }

    fn else_(&mut self) {
        let frame = *self.controls.innermost();
        // The `else` arm does not follow the writes of the `then` arm.
        self.assigned.forget_since(frame.assigned);
        if !frame.dead {
            if !self.unreachable {
                self.materialize_top(frame.results);
                self.emit_br(frame.label);
            }
            self.bind(frame.else_label);
            self.stack.truncate(frame.height);
            for _ in 0..frame.params {
                self.stack.push(Operand::Temp);
            }
            self.unreachable = false;
            self.fuel_block();
        }
        self.controls.innermost().kind = Kind::Else;
    }
}

impl<'a> wasmparser::VisitOperator<'a> for Translator<'_> {
    type Output = Result<()>;
    wasmparser::for_each_visit_operator!(define_visit_operator);
}
