//! The operator visit: `operator` charges fuel, ends the bounds checks' stretch where
//! needed, and hands each operator to the method of its family (control, variables,
//! memory, tables, constants, comparisons, integer and float arithmetic, conversions),
//! which emits it with one short helper per shape.

use super::Translator;
use super::bounds_checks::transparent;
use crate::jit::clif_type;
use crate::jit::libcalls::Libcalls;
use crate::module::visit::define_visit_operator;
use crate::module::{FuncIndex, fuel};
use crate::vm::Trap;
use anyhow::{Result, bail};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::FuncId;
use wasmparser::{MemArg, Operator as O};

impl<'b> Translator<'_, 'b> {
    /// Translates one operator. Inlined into each `visit_*` method (see
    /// `module::visit`), where the operator's variant is known, so each method keeps
    /// only its own family's arm.
    #[inline(always)]
    fn operator(&mut self, op: &O<'_>) -> Result<()> {
        if !self.reachable {
            match *op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.dead_frame(matches!(op, O::Loop { .. }));
                    return Ok(());
                }
                O::Else | O::End => {}
                _ => return Ok(()),
            }
        }
        if self.env.options.fuel {
            self.fuel += i64::from(fuel::cost(op));
        }
        if !transparent(op) {
            self.checks.end_stretch();
        }
        let done = self.visit_control(op)?
            || self.visit_variable(op)
            || self.visit_memory(op)
            || self.visit_table(op)
            || self.visit_compare(op)
            || self.visit_integer(op)
            || self.visit_float(op)
            || self.visit_conversion(op);
        if !done {
            bail!("unsupported: operator {op:?} in the JIT tier");
        }
        Ok(())
    }

    /// Control flow and calls.
    #[inline(always)]
    fn visit_control(&mut self, op: &O<'_>) -> Result<bool> {
        match op {
            O::Nop => {}
            O::Unreachable => self.trap_now(Trap::UnreachableCodeReached),
            O::Block { blockty } => self.block(*blockty),
            O::Loop { blockty } => self.loop_(*blockty),
            O::If { blockty } => self.if_(*blockty),
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => self.br(*relative_depth),
            O::BrIf { relative_depth } => self.br_if(*relative_depth),
            O::BrTable { targets } => self.br_table(targets)?,
            O::Return => self.return_(),
            O::Call { function_index } => self.call(FuncIndex::from_u32(*function_index)),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(*type_index, *table_index),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Parametric operators, locals, globals, constants and references.
    #[inline(always)]
    fn visit_variable(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::Drop => {
                self.stack.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let (a, b, c) = self.stack.pop3();
                let v = self.b.ins().select(c, a, b);
                self.stack.push(v);
            }
            O::LocalGet { local_index } => self.local_get(local_index),
            O::LocalSet { local_index } => {
                let v = self.stack.pop();
                self.local_set(local_index, v);
            }
            O::LocalTee { local_index } => {
                let v = self.stack.top();
                self.local_set(local_index, v);
                self.checks.local_read(v, local_index);
            }
            O::GlobalGet { global_index } => {
                let t = self.env.module.globals[global_index as usize].content;
                let v = self
                    .vm
                    .global_get(&mut self.b, global_index, clif_type(t, self.env.ptr));
                self.stack.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.stack.pop();
                self.vm.global_set(&mut self.b, global_index, v);
            }
            O::I32Const { value } => self.iconst(types::I32, value as i64),
            O::I64Const { value } => self.iconst(types::I64, value),
            O::F32Const { value } => {
                let v = self.b.ins().f32const(f32::from_bits(value.bits()));
                self.stack.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(f64::from_bits(value.bits()));
                self.stack.push(v);
            }
            O::RefNull { .. } => self.iconst(self.env.ptr, 0),
            O::RefIsNull => self.eqz(),
            O::RefFunc { function_index } => {
                let v = self
                    .vm
                    .func_ref_of(&mut self.b, FuncIndex::from_u32(function_index));
                self.stack.push(v);
            }
            _ => return false,
        }
        true
    }

    fn iconst(&mut self, ty: Type, value: i64) {
        let v = self.b.ins().iconst(ty, value);
        self.stack.push(v);
    }

    fn local_get(&mut self, l: u32) {
        let v = self.b.use_var(self.locals[l as usize].0);
        self.checks.local_read(v, l);
        self.stack.push(v);
    }

    fn local_set(&mut self, l: u32, v: Value) {
        self.b.def_var(self.locals[l as usize].0, v);
        self.checks.new_version(l);
    }

    /// Loads, stores and the bulk memory operators.
    #[inline(always)]
    fn visit_memory(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::I32Load { memarg } => self.load(types::I32, 4, &memarg, false),
            O::I64Load { memarg } => self.load(types::I64, 8, &memarg, false),
            O::F32Load { memarg } => self.load(types::F32, 4, &memarg, false),
            O::F64Load { memarg } => self.load(types::F64, 8, &memarg, false),
            O::I32Load8S { memarg } => self.load(types::I32, 1, &memarg, true),
            O::I32Load8U { memarg } => self.load(types::I32, 1, &memarg, false),
            O::I32Load16S { memarg } => self.load(types::I32, 2, &memarg, true),
            O::I32Load16U { memarg } => self.load(types::I32, 2, &memarg, false),
            O::I64Load8S { memarg } => self.load(types::I64, 1, &memarg, true),
            O::I64Load8U { memarg } => self.load(types::I64, 1, &memarg, false),
            O::I64Load16S { memarg } => self.load(types::I64, 2, &memarg, true),
            O::I64Load16U { memarg } => self.load(types::I64, 2, &memarg, false),
            O::I64Load32S { memarg } => self.load(types::I64, 4, &memarg, true),
            O::I64Load32U { memarg } => self.load(types::I64, 4, &memarg, false),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(4, &memarg)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(8, &memarg),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(1, &memarg),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(2, &memarg),
            O::MemorySize { .. } => {
                let len = self.vm.current_mem_len(&mut self.b);
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let v = self.b.ins().ireduce(types::I32, pages);
                self.stack.push(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.stack.pop();
                let m = self.b.ins().iconst(types::I32, mem as i64);
                let v = self.libcall(|l| l.memory_grow, &[m, delta]);
                self.vm.reload_mem_len(&mut self.b);
                self.stack.push(v.expect("result"));
            }
            O::MemoryFill { mem } => self.bulk(|l| l.memory_fill, &[mem]),
            O::MemoryCopy { dst_mem, .. } => self.bulk(|l| l.memory_copy, &[dst_mem]),
            O::MemoryInit { data_index, mem } => self.bulk(|l| l.memory_init, &[mem, data_index]),
            O::DataDrop { data_index } => self.segment_drop(|l| l.data_drop, data_index),
            _ => return false,
        }
        true
    }

    /// Table operators (all libcalls).
    #[inline(always)]
    fn visit_table(&mut self, op: &O<'_>) -> bool {
        match *op {
            O::TableGet { table } => {
                let i = self.stack.pop();
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self.libcall(|l| l.table_get, &[t, i]).expect("result");
                self.check_trap_flag();
                self.stack.push(v);
            }
            O::TableSet { table } => {
                let (i, v) = self.stack.pop2();
                let t = self.b.ins().iconst(types::I32, table as i64);
                self.libcall(|l| l.table_set, &[t, i, v]);
                self.check_trap_flag();
            }
            O::TableSize { table } => {
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self.libcall(|l| l.table_size, &[t]).expect("result");
                self.stack.push(v);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.stack.pop2();
                let t = self.b.ins().iconst(types::I32, table as i64);
                let v = self
                    .libcall(|l| l.table_grow, &[t, init, delta])
                    .expect("result");
                self.stack.push(v);
            }
            O::TableFill { table } => self.bulk(|l| l.table_fill, &[table]),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.bulk(|l| l.table_copy, &[dst_table, src_table]),
            O::TableInit { elem_index, table } => self.bulk(|l| l.table_init, &[table, elem_index]),
            O::ElemDrop { elem_index } => self.segment_drop(|l| l.elem_drop, elem_index),
            _ => return false,
        }
        true
    }

    /// Calls the libcall `pick` chooses (see `FuncEnv::libcall`).
    fn libcall(&mut self, pick: impl FnOnce(&Libcalls) -> FuncId, args: &[Value]) -> Option<Value> {
        self.vm.libcall(&mut self.b, pick, args)
    }

    /// `data.drop` or `elem.drop` of segment `index`.
    fn segment_drop(&mut self, pick: impl FnOnce(&Libcalls) -> FuncId, index: u32) {
        let seg = self.b.ins().iconst(types::I32, index as i64);
        self.libcall(pick, &[seg]);
    }

    /// A bulk operator: a libcall with the constant indices `imm` and the three operands
    /// (destination, source or value, length), which may trap.
    fn bulk(&mut self, pick: impl FnOnce(&Libcalls) -> FuncId, imm: &[u32]) {
        let (d, s, n) = self.stack.pop3();
        let mut args: Vec<Value> = imm
            .iter()
            .map(|i| self.b.ins().iconst(types::I32, *i as i64))
            .collect();
        args.extend([d, s, n]);
        self.libcall(pick, &args);
        self.check_trap_flag();
    }

    /// Comparisons (an i32 0 or 1).
    #[inline(always)]
    fn visit_compare(&mut self, op: &O<'_>) -> bool {
        match op {
            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            _ => return false,
        }
        true
    }

    /// Integer arithmetic, bit operations and sign extensions.
    #[inline(always)]
    fn visit_integer(&mut self, op: &O<'_>) -> bool {
        match op {
            O::I32Clz | O::I64Clz => self.unary(|b, a| b.ins().clz(a)),
            O::I32Ctz | O::I64Ctz => self.unary(|b, a| b.ins().ctz(a)),
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, a| b.ins().popcnt(a)),
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.ins().iadd(x, y)),
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.ins().isub(x, y)),
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.ins().imul(x, y)),
            O::I32DivS | O::I64DivS => self.div(true, false),
            O::I32DivU | O::I64DivU => self.div(false, false),
            O::I32RemS | O::I64RemS => self.div(true, true),
            O::I32RemU | O::I64RemU => self.div(false, true),
            O::I32And | O::I64And => self.binary(|b, x, y| b.ins().band(x, y)),
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.ins().bor(x, y)),
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y)),
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y)),
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y)),
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y)),
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y)),
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y)),
            O::I32Extend8S => self.sign_extend(types::I8, types::I32),
            O::I32Extend16S => self.sign_extend(types::I16, types::I32),
            O::I64Extend8S => self.sign_extend(types::I8, types::I64),
            O::I64Extend16S => self.sign_extend(types::I16, types::I64),
            O::I64Extend32S => self.sign_extend(types::I32, types::I64),
            _ => return false,
        }
        true
    }

    /// Float arithmetic.
    #[inline(always)]
    fn visit_float(&mut self, op: &O<'_>) -> bool {
        match op {
            O::F32Add | O::F64Add => self.binary(|b, x, y| b.ins().fadd(x, y)),
            O::F32Sub | O::F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y)),
            O::F32Mul | O::F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y)),
            O::F32Div | O::F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y)),
            O::F32Min | O::F64Min => self.binary(|b, x, y| b.ins().fmin(x, y)),
            O::F32Max | O::F64Max => self.binary(|b, x, y| b.ins().fmax(x, y)),
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y)),
            O::F32Abs | O::F64Abs => self.unary(|b, a| b.ins().fabs(a)),
            O::F32Neg | O::F64Neg => self.unary(|b, a| b.ins().fneg(a)),
            O::F32Sqrt | O::F64Sqrt => self.unary(|b, a| b.ins().sqrt(a)),
            O::F32Ceil | O::F64Ceil => self.rounding(|b, a| b.ins().ceil(a)),
            O::F32Floor | O::F64Floor => self.rounding(|b, a| b.ins().floor(a)),
            O::F32Trunc | O::F64Trunc => self.rounding(|b, a| b.ins().trunc(a)),
            O::F32Nearest | O::F64Nearest => self.rounding(|b, a| b.ins().nearest(a)),
            _ => return false,
        }
        true
    }

    /// Conversions between types.
    #[inline(always)]
    fn visit_conversion(&mut self, op: &O<'_>) -> bool {
        use types::{F32, F64, I32, I64};
        match op {
            O::I32WrapI64 => self.unary(|b, a| b.ins().ireduce(I32, a)),
            O::I64ExtendI32S => self.unary(|b, a| b.ins().sextend(I64, a)),
            O::I64ExtendI32U => self.unary(|b, a| b.ins().uextend(I64, a)),
            O::F32DemoteF64 => self.unary(|b, a| b.ins().fdemote(F32, a)),
            O::F64PromoteF32 => self.unary(|b, a| b.ins().fpromote(F64, a)),
            O::F32ConvertI32S | O::F32ConvertI64S => self.int_to_float(F32, true),
            O::F32ConvertI32U | O::F32ConvertI64U => self.int_to_float(F32, false),
            O::F64ConvertI32S | O::F64ConvertI64S => self.int_to_float(F64, true),
            O::F64ConvertI32U | O::F64ConvertI64U => self.int_to_float(F64, false),
            O::I32ReinterpretF32 => self.reinterpret(I32),
            O::I64ReinterpretF64 => self.reinterpret(I64),
            O::F32ReinterpretI32 => self.reinterpret(F32),
            O::F64ReinterpretI64 => self.reinterpret(F64),
            O::I32TruncF32S | O::I32TruncF64S => self.trunc(I32, true),
            O::I32TruncF32U | O::I32TruncF64U => self.trunc(I32, false),
            O::I64TruncF32S | O::I64TruncF64S => self.trunc(I64, true),
            O::I64TruncF32U | O::I64TruncF64U => self.trunc(I64, false),
            O::I32TruncSatF32S | O::I32TruncSatF64S => self.trunc_sat(I32, true),
            O::I32TruncSatF32U | O::I32TruncSatF64U => self.trunc_sat(I32, false),
            O::I64TruncSatF32S | O::I64TruncSatF64S => self.trunc_sat(I64, true),
            O::I64TruncSatF32U | O::I64TruncSatF64U => self.trunc_sat(I64, false),
            _ => return false,
        }
        true
    }

    // ---- memory ----

    /// A load of `size` bytes as a `ty`, sign- (`signed`) or zero-extended when narrower.
    fn load(&mut self, ty: Type, size: u64, memarg: &MemArg, signed: bool) {
        let addr = self.stack.pop();
        let at = self.heap_addr(addr, memarg.offset, size);
        let f = self.heap_flags;
        let ins = self.b.ins();
        let v = match (size, signed) {
            _ if size == u64::from(ty.bytes()) => ins.load(ty, f, at, 0),
            (1, true) => ins.sload8(ty, f, at, 0),
            (1, false) => ins.uload8(ty, f, at, 0),
            (2, true) => ins.sload16(ty, f, at, 0),
            (2, false) => ins.uload16(ty, f, at, 0),
            (_, true) => ins.sload32(f, at, 0),
            (_, false) => ins.uload32(f, at, 0),
        };
        self.stack.push(v);
    }

    fn store(&mut self, size: u64, memarg: &MemArg) {
        let (addr, v) = self.stack.pop2();
        let at = self.heap_addr(addr, memarg.offset, size);
        let f = self.heap_flags;
        match (size, self.b.func.dfg.value_type(v).bytes()) {
            (1, _) => self.b.ins().istore8(f, v, at, 0),
            (2, _) => self.b.ins().istore16(f, v, at, 0),
            (4, 8) => self.b.ins().istore32(f, v, at, 0),
            _ => self.b.ins().store(f, v, at, 0),
        };
        // The store is observable: no earlier check may be widened past it.
        self.checks.end_stretch();
    }

    // ---- numbers ----

    fn unary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value) -> Value) {
        let a = self.stack.pop();
        let v = f(&mut self.b, a);
        self.stack.push(v);
    }

    fn binary(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value, Value) -> Value) {
        let (x, y) = self.stack.pop2();
        let v = f(&mut self.b, x, y);
        self.stack.push(v);
    }

    /// Int → float, signed or not.
    fn int_to_float(&mut self, to: Type, signed: bool) {
        if signed {
            self.unary(|b, a| b.ins().fcvt_from_sint(to, a));
        } else {
            self.unary(|b, a| b.ins().fcvt_from_uint(to, a));
        }
    }

    /// Saturating float → int.
    fn trunc_sat(&mut self, to: Type, signed: bool) {
        if signed {
            self.unary(|b, a| b.ins().fcvt_to_sint_sat(to, a));
        } else {
            self.unary(|b, a| b.ins().fcvt_to_uint_sat(to, a));
        }
    }

    fn reinterpret(&mut self, to: Type) {
        self.unary(|b, a| b.ins().bitcast(to, MemFlagsData::new(), a));
    }

    /// `eqz` and `ref.is_null`: whether the top value is 0.
    fn eqz(&mut self) {
        let a = self.stack.pop();
        let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
        let v = self.b.ins().uextend(types::I32, c);
        self.stack.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        let (x, y) = self.stack.pop2();
        let c = self.b.ins().icmp(cc, x, y);
        let v = self.b.ins().uextend(types::I32, c);
        self.stack.push(v);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (x, y) = self.stack.pop2();
        let c = self.b.ins().fcmp(cc, x, y);
        let v = self.b.ins().uextend(types::I32, c);
        self.stack.push(v);
    }

    fn sign_extend(&mut self, narrow: Type, wide: Type) {
        let a = self.stack.pop();
        let n = self.b.ins().ireduce(narrow, a);
        let v = self.b.ins().sextend(wide, n);
        self.stack.push(v);
    }

    /// Rounding may be a libm call that returns a signalling NaN as it is; wasm wants
    /// NaN results quiet.
    fn rounding(&mut self, f: impl FnOnce(&mut FunctionBuilder<'b>, Value) -> Value) {
        let a = self.stack.pop();
        let r = f(&mut self.b, a);
        let is_nan = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let quiet = self.b.ins().fadd(r, r);
        let v = self.b.ins().select(is_nan, quiet, r);
        self.stack.push(v);
    }

    fn div(&mut self, signed: bool, rem: bool) {
        let (x, y) = self.stack.pop2();
        let ty = self.b.func.dfg.value_type(x);
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        self.trap_if(zero, Trap::IntegerDivisionByZero);
        let min = if ty == types::I32 {
            i32::MIN as i64
        } else {
            i64::MIN
        };
        let v = match (signed, rem) {
            (false, false) => self.b.ins().udiv(x, y),
            (false, true) => self.b.ins().urem(x, y),
            (true, false) => {
                let is_min = self.b.ins().icmp_imm_s(IntCC::Equal, x, min);
                let is_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let overflow = self.b.ins().band(is_min, is_neg1);
                self.trap_if(overflow, Trap::IntegerOverflow);
                self.b.ins().sdiv(x, y)
            }
            (true, true) => {
                // `MIN % -1` is 0 in wasm but faults on x86: divide by 1 instead.
                let is_neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let one = self.b.ins().iconst(ty, 1);
                let d = self.b.ins().select(is_neg1, one, y);
                self.b.ins().srem(x, d)
            }
        };
        self.stack.push(v);
    }

    /// Trapping float → int: NaN is an invalid conversion, out of range an overflow.
    fn trunc(&mut self, to: Type, signed: bool) {
        let a = self.stack.pop();
        let x = if self.b.func.dfg.value_type(a) == types::F32 {
            self.b.ins().fpromote(types::F64, a)
        } else {
            a
        };
        let nan = self.b.ins().fcmp(FloatCC::Unordered, x, x);
        self.trap_if(nan, Trap::BadConversionToInteger);
        let (lo, lo_inclusive, hi) = match (to, signed) {
            (types::I32, true) => (-2147483649.0, false, 2147483648.0),
            (types::I32, false) => (-1.0, false, 4294967296.0),
            (_, true) => (-9223372036854775808.0, true, 9223372036854775808.0),
            (_, false) => (-1.0, false, 18446744073709551616.0),
        };
        let lo = self.b.ins().f64const(lo);
        let hi = self.b.ins().f64const(hi);
        let below = if lo_inclusive {
            self.b.ins().fcmp(FloatCC::LessThan, x, lo)
        } else {
            self.b.ins().fcmp(FloatCC::LessThanOrEqual, x, lo)
        };
        let above = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
        let out = self.b.ins().bor(below, above);
        self.trap_if(out, Trap::IntegerOverflow);
        let v = if signed {
            self.b.ins().fcvt_to_sint_sat(to, x)
        } else {
            self.b.ins().fcvt_to_uint_sat(to, x)
        };
        self.stack.push(v);
    }
}

impl<'a> wasmparser::VisitOperator<'a> for Translator<'_, '_> {
    type Output = Result<()>;
    wasmparser::for_each_visit_operator!(define_visit_operator);
}
