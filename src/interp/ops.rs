//! The op table: every interpreter op is defined once, in `for_each_op!`, and the
//! opcode enum, operand structs, decoder, encoder and disassembler are derived from it
//! here (the executor's handler table is derived from it in `dispatch`).
//!
//! Encoding: a one-byte opcode (ops past the first 255 use the escape byte `0xFF` then a
//! second byte), followed by the operands in table order, little-endian, unaligned:
//! `R` = frame slot (u16), `Imm32`/`Off` = i32, `Imm64` = i64, `Idx` = u32. Branch offsets
//! (`Off`) are relative to the first byte of the branch op. `br_table` is followed by
//! `len + 1` offsets (the last is the default).
//!
//! Ops are ordered by how hot they are: the first 255 take one byte to dispatch.

/// Calls `$m!` with the whole op list: `Name snake_name { field: Kind, ... }`.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            // ---- one-byte ops, hottest first ----
            Move move_ { dst: R, src: R }
            Const32 const32 { dst: R, imm: Imm32 }
            Const64 const64 { dst: R, imm: Imm64 }
            Br br { off: Off }
            BrIfNez br_if_nez { c: R, off: Off }
            BrIfEqz br_if_eqz { c: R, off: Off }
            BrIfI64Nez br_if_i64_nez { c: R, off: Off }
            BrIfI64Eqz br_if_i64_eqz { c: R, off: Off }
            BrTable br_table { idx: R, len: Idx }
            Ret ret {}
            Ret1 ret1 { src: R }
            Call call { func: Idx, base: R }
            CallImport call_import { func: Idx, base: R }
            CallIndirect call_indirect { ty: Idx, table: Idx, idx: R, base: R }
            Select select { dst: R, c: R, a: R, b: R }
            GlobalGet global_get { dst: R, idx: Idx }
            GlobalSet global_set { idx: Idx, src: R }
            ConsumeFuel consume_fuel { amount: Idx }
            Unreachable unreachable {}
            LoopHeader loop_header {}
            Move2 move2 { d1: R, s1: R, d2: R, s2: R }
            I32AddImm2 i32_add_imm2 { d1: R, a1: R, i1: Imm32, d2: R, a2: R, i2: Imm32 }
            I32ShrUAndImm i32_shr_u_and_imm { dst: R, a: R, sh: Imm32, mask: Imm32 }
            BrI32Eq br_i32_eq { a: R, b: R, off: Off }
            BrI32Ne br_i32_ne { a: R, b: R, off: Off }
            BrI32LtS br_i32_lt_s { a: R, b: R, off: Off }
            BrI32LtU br_i32_lt_u { a: R, b: R, off: Off }
            BrI32GtS br_i32_gt_s { a: R, b: R, off: Off }
            BrI32GtU br_i32_gt_u { a: R, b: R, off: Off }
            BrI32LeS br_i32_le_s { a: R, b: R, off: Off }
            BrI32LeU br_i32_le_u { a: R, b: R, off: Off }
            BrI32GeS br_i32_ge_s { a: R, b: R, off: Off }
            BrI32GeU br_i32_ge_u { a: R, b: R, off: Off }
            BrI32EqImm br_i32_eq_imm { a: R, imm: Imm32, off: Off }
            BrI32NeImm br_i32_ne_imm { a: R, imm: Imm32, off: Off }
            BrI32LtSImm br_i32_lt_s_imm { a: R, imm: Imm32, off: Off }
            BrI32LtUImm br_i32_lt_u_imm { a: R, imm: Imm32, off: Off }
            BrI32GtSImm br_i32_gt_s_imm { a: R, imm: Imm32, off: Off }
            BrI32GtUImm br_i32_gt_u_imm { a: R, imm: Imm32, off: Off }
            BrI32LeSImm br_i32_le_s_imm { a: R, imm: Imm32, off: Off }
            BrI32LeUImm br_i32_le_u_imm { a: R, imm: Imm32, off: Off }
            BrI32GeSImm br_i32_ge_s_imm { a: R, imm: Imm32, off: Off }
            BrI32GeUImm br_i32_ge_u_imm { a: R, imm: Imm32, off: Off }
            BrI64Eq br_i64_eq { a: R, b: R, off: Off }
            BrI64Ne br_i64_ne { a: R, b: R, off: Off }
            BrI64LtS br_i64_lt_s { a: R, b: R, off: Off }
            BrI64LtU br_i64_lt_u { a: R, b: R, off: Off }
            BrI64GtS br_i64_gt_s { a: R, b: R, off: Off }
            BrI64GtU br_i64_gt_u { a: R, b: R, off: Off }
            BrI64LeS br_i64_le_s { a: R, b: R, off: Off }
            BrI64LeU br_i64_le_u { a: R, b: R, off: Off }
            BrI64GeS br_i64_ge_s { a: R, b: R, off: Off }
            BrI64GeU br_i64_ge_u { a: R, b: R, off: Off }
            BrI64EqImm br_i64_eq_imm { a: R, imm: Imm32, off: Off }
            BrI64NeImm br_i64_ne_imm { a: R, imm: Imm32, off: Off }
            BrI64LtSImm br_i64_lt_s_imm { a: R, imm: Imm32, off: Off }
            BrI64LtUImm br_i64_lt_u_imm { a: R, imm: Imm32, off: Off }
            BrI64GtSImm br_i64_gt_s_imm { a: R, imm: Imm32, off: Off }
            BrI64GtUImm br_i64_gt_u_imm { a: R, imm: Imm32, off: Off }
            BrI64LeSImm br_i64_le_s_imm { a: R, imm: Imm32, off: Off }
            BrI64LeUImm br_i64_le_u_imm { a: R, imm: Imm32, off: Off }
            BrI64GeSImm br_i64_ge_s_imm { a: R, imm: Imm32, off: Off }
            BrI64GeUImm br_i64_ge_u_imm { a: R, imm: Imm32, off: Off }
            Load32 load32 { dst: R, addr: R, offset: Idx }
            Load64 load64 { dst: R, addr: R, offset: Idx }
            Load8S load8_s { dst: R, addr: R, offset: Idx }
            Load8U load8_u { dst: R, addr: R, offset: Idx }
            Load16S load16_s { dst: R, addr: R, offset: Idx }
            Load16U load16_u { dst: R, addr: R, offset: Idx }
            Load32S load32_s { dst: R, addr: R, offset: Idx }
            Store8 store8 { addr: R, offset: Idx, src: R }
            Store16 store16 { addr: R, offset: Idx, src: R }
            Store32 store32 { addr: R, offset: Idx, src: R }
            Store64 store64 { addr: R, offset: Idx, src: R }
            Load32AddImm load32_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load64AddImm load64_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load8UAddImm load8_u_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load8SAddImm load8_s_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load16UAddImm load16_u_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load16SAddImm load16_s_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            Load32Add load32_add { dst: R, addr: R, b: R, offset: Idx }
            Load64Add load64_add { dst: R, addr: R, b: R, offset: Idx }
            Load8UAdd load8_u_add { dst: R, addr: R, b: R, offset: Idx }
            Load32Shl load32_shl { dst: R, addr: R, sh: Imm32, offset: Idx }
            Load64Shl load64_shl { dst: R, addr: R, sh: Imm32, offset: Idx }
            Store32AddImm store32_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            Store64AddImm store64_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            Store8AddImm store8_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            Store32Add store32_add { addr: R, b: R, offset: Idx, src: R }
            I32Add i32_add { dst: R, a: R, b: R }
            I32Sub i32_sub { dst: R, a: R, b: R }
            I32Mul i32_mul { dst: R, a: R, b: R }
            I32DivS i32_div_s { dst: R, a: R, b: R }
            I32DivU i32_div_u { dst: R, a: R, b: R }
            I32RemS i32_rem_s { dst: R, a: R, b: R }
            I32RemU i32_rem_u { dst: R, a: R, b: R }
            I32And i32_and { dst: R, a: R, b: R }
            I32Or i32_or { dst: R, a: R, b: R }
            I32Xor i32_xor { dst: R, a: R, b: R }
            I32Shl i32_shl { dst: R, a: R, b: R }
            I32ShrS i32_shr_s { dst: R, a: R, b: R }
            I32ShrU i32_shr_u { dst: R, a: R, b: R }
            I32AddImm i32_add_imm { dst: R, a: R, imm: Imm32 }
            I32RSubImm i32_rsub_imm { dst: R, a: R, imm: Imm32 }
            I32MulImm i32_mul_imm { dst: R, a: R, imm: Imm32 }
            I32AndImm i32_and_imm { dst: R, a: R, imm: Imm32 }
            I32OrImm i32_or_imm { dst: R, a: R, imm: Imm32 }
            I32XorImm i32_xor_imm { dst: R, a: R, imm: Imm32 }
            I32ShlImm i32_shl_imm { dst: R, a: R, imm: Imm32 }
            I32ShrSImm i32_shr_s_imm { dst: R, a: R, imm: Imm32 }
            I32ShrUImm i32_shr_u_imm { dst: R, a: R, imm: Imm32 }
            I32RotlImm i32_rotl_imm { dst: R, a: R, imm: Imm32 }
            I32Eq i32_eq { dst: R, a: R, b: R }
            I32Ne i32_ne { dst: R, a: R, b: R }
            I32LtS i32_lt_s { dst: R, a: R, b: R }
            I32LtU i32_lt_u { dst: R, a: R, b: R }
            I32GtS i32_gt_s { dst: R, a: R, b: R }
            I32GtU i32_gt_u { dst: R, a: R, b: R }
            I32LeS i32_le_s { dst: R, a: R, b: R }
            I32LeU i32_le_u { dst: R, a: R, b: R }
            I32GeS i32_ge_s { dst: R, a: R, b: R }
            I32GeU i32_ge_u { dst: R, a: R, b: R }
            I32EqImm i32_eq_imm { dst: R, a: R, imm: Imm32 }
            I32NeImm i32_ne_imm { dst: R, a: R, imm: Imm32 }
            I32LtSImm i32_lt_s_imm { dst: R, a: R, imm: Imm32 }
            I32LtUImm i32_lt_u_imm { dst: R, a: R, imm: Imm32 }
            I32GtSImm i32_gt_s_imm { dst: R, a: R, imm: Imm32 }
            I32GtUImm i32_gt_u_imm { dst: R, a: R, imm: Imm32 }
            I32LeSImm i32_le_s_imm { dst: R, a: R, imm: Imm32 }
            I32LeUImm i32_le_u_imm { dst: R, a: R, imm: Imm32 }
            I32GeSImm i32_ge_s_imm { dst: R, a: R, imm: Imm32 }
            I32GeUImm i32_ge_u_imm { dst: R, a: R, imm: Imm32 }
            I32Eqz i32_eqz { dst: R, a: R }
            I32Clz i32_clz { dst: R, a: R }
            I32Ctz i32_ctz { dst: R, a: R }
            I32Extend8S i32_extend8_s { dst: R, a: R }
            I64Add i64_add { dst: R, a: R, b: R }
            I64Sub i64_sub { dst: R, a: R, b: R }
            I64Mul i64_mul { dst: R, a: R, b: R }
            I64And i64_and { dst: R, a: R, b: R }
            I64Or i64_or { dst: R, a: R, b: R }
            I64Xor i64_xor { dst: R, a: R, b: R }
            I64Shl i64_shl { dst: R, a: R, b: R }
            I64ShrS i64_shr_s { dst: R, a: R, b: R }
            I64ShrU i64_shr_u { dst: R, a: R, b: R }
            I64AddImm i64_add_imm { dst: R, a: R, imm: Imm32 }
            I64MulImm i64_mul_imm { dst: R, a: R, imm: Imm32 }
            I64AndImm i64_and_imm { dst: R, a: R, imm: Imm32 }
            I64OrImm i64_or_imm { dst: R, a: R, imm: Imm32 }
            I64XorImm i64_xor_imm { dst: R, a: R, imm: Imm32 }
            I64ShlImm i64_shl_imm { dst: R, a: R, imm: Imm32 }
            I64ShrSImm i64_shr_s_imm { dst: R, a: R, imm: Imm32 }
            I64ShrUImm i64_shr_u_imm { dst: R, a: R, imm: Imm32 }
            I64Eqz i64_eqz { dst: R, a: R }
            I64Extend32S i64_extend32_s { dst: R, a: R }
            I64ExtendI32U i64_extend_i32_u { dst: R, a: R }
            F64Add f64_add { dst: R, a: R, b: R }
            F64Sub f64_sub { dst: R, a: R, b: R }
            F64Mul f64_mul { dst: R, a: R, b: R }
            F64Div f64_div { dst: R, a: R, b: R }
            F64Min f64_min { dst: R, a: R, b: R }
            F64Max f64_max { dst: R, a: R, b: R }
            F64Eq f64_eq { dst: R, a: R, b: R }
            F64Lt f64_lt { dst: R, a: R, b: R }
            F64Gt f64_gt { dst: R, a: R, b: R }
            F64Le f64_le { dst: R, a: R, b: R }
            F64Ge f64_ge { dst: R, a: R, b: R }
            F64Abs f64_abs { dst: R, a: R }
            F64Neg f64_neg { dst: R, a: R }
            F64Sqrt f64_sqrt { dst: R, a: R }
            F64AddImm f64_add_imm { dst: R, a: R, imm: Imm64 }
            F64SubImm f64_sub_imm { dst: R, a: R, imm: Imm64 }
            F64RSubImm f64_rsub_imm { dst: R, a: R, imm: Imm64 }
            F64MulImm f64_mul_imm { dst: R, a: R, imm: Imm64 }
            F64DivImm f64_div_imm { dst: R, a: R, imm: Imm64 }
            F64RDivImm f64_rdiv_imm { dst: R, a: R, imm: Imm64 }
            F64LtImm f64_lt_imm { dst: R, a: R, imm: Imm64 }
            F64GtImm f64_gt_imm { dst: R, a: R, imm: Imm64 }
            F64LeImm f64_le_imm { dst: R, a: R, imm: Imm64 }
            F64GeImm f64_ge_imm { dst: R, a: R, imm: Imm64 }
            F64MulAdd f64_mul_add { dst: R, a: R, b: R, c: R }
            F64MulSub f64_mul_sub { dst: R, a: R, b: R, c: R }
            F64MulRSub f64_mul_rsub { dst: R, a: R, b: R, c: R }
            F32Add f32_add { dst: R, a: R, b: R }
            F32Sub f32_sub { dst: R, a: R, b: R }
            F32Mul f32_mul { dst: R, a: R, b: R }
            F32Lt f32_lt { dst: R, a: R, b: R }
            F32Gt f32_gt { dst: R, a: R, b: R }
            F32Le f32_le { dst: R, a: R, b: R }
            F32Ge f32_ge { dst: R, a: R, b: R }
            F32AddImm f32_add_imm { dst: R, a: R, imm: Imm32 }
            F32SubImm f32_sub_imm { dst: R, a: R, imm: Imm32 }
            F32RSubImm f32_rsub_imm { dst: R, a: R, imm: Imm32 }
            F32MulImm f32_mul_imm { dst: R, a: R, imm: Imm32 }
            F32MulAdd f32_mul_add { dst: R, a: R, b: R, c: R }
            F32MulSub f32_mul_sub { dst: R, a: R, b: R, c: R }
            F32MulRSub f32_mul_rsub { dst: R, a: R, b: R, c: R }
            F32Abs f32_abs { dst: R, a: R }
            F32Neg f32_neg { dst: R, a: R }
            F64ConvertI32S f64_convert_i32_s { dst: R, a: R }
            F64ConvertI32U f64_convert_i32_u { dst: R, a: R }
            F64ConvertI64S f64_convert_i64_s { dst: R, a: R }
            F32ConvertI32S f32_convert_i32_s { dst: R, a: R }
            F64PromoteF32 f64_promote_f32 { dst: R, a: R }
            F32DemoteF64 f32_demote_f64 { dst: R, a: R }
            I32TruncF64S i32_trunc_f64_s { dst: R, a: R }
            I64TruncF64S i64_trunc_f64_s { dst: R, a: R }
            I32TruncSatF64S i32_trunc_sat_f64_s { dst: R, a: R }
            I32TruncSatF64U i32_trunc_sat_f64_u { dst: R, a: R }
            I64TruncSatF64S i64_trunc_sat_f64_s { dst: R, a: R }
            I64TruncSatF64U i64_trunc_sat_f64_u { dst: R, a: R }
            I32Popcnt i32_popcnt { dst: R, a: R }
            F64Ne f64_ne { dst: R, a: R, b: R }
            MemorySize memory_size { dst: R }
            MemoryGrow memory_grow { dst: R, delta: R }
            Store32Imm store32_imm { addr: R, offset: Idx, imm: Imm32 }
            Store64Imm store64_imm { addr: R, offset: Idx, imm: Imm32 }
            Store8Imm store8_imm { addr: R, offset: Idx, imm: Imm32 }
            Load32x2 load32x2 { d1: R, a1: R, o1: Idx, d2: R, a2: R, o2: Idx }
            Load64x2 load64x2 { d1: R, a1: R, o1: Idx, d2: R, a2: R, o2: Idx }
            I32AddImmBrNe i32_add_imm_br_ne { dst: R, a: R, imm: Imm32, b: R, off: Off }
            I32AddImmBrEq i32_add_imm_br_eq { dst: R, a: R, imm: Imm32, b: R, off: Off }
            I32AddImmBrLtU i32_add_imm_br_lt_u { dst: R, a: R, imm: Imm32, b: R, off: Off }
            I32AddImmBrLtS i32_add_imm_br_lt_s { dst: R, a: R, imm: Imm32, b: R, off: Off }
            I32AddImmBrNeImm i32_add_imm_br_ne_imm { dst: R, a: R, imm: Imm32, bimm: Imm32, off: Off }
            I32AddImmBrEqImm i32_add_imm_br_eq_imm { dst: R, a: R, imm: Imm32, bimm: Imm32, off: Off }
            I32RotlImmXor i32_rotl_imm_xor { dst: R, a: R, k: Imm32, b: R }
            I32MulAdd i32_mul_add { dst: R, a: R, b: R, c: R }
            BrF64Eq br_f64_eq { a: R, b: R, off: Off }
            BrF64Ne br_f64_ne { a: R, b: R, off: Off }
            BrF64Lt br_f64_lt { a: R, b: R, off: Off }
            BrF64Gt br_f64_gt { a: R, b: R, off: Off }
            BrF64Le br_f64_le { a: R, b: R, off: Off }
            BrF64Ge br_f64_ge { a: R, b: R, off: Off }
            BrF64NotLt br_f64_not_lt { a: R, b: R, off: Off }
            BrF64NotGt br_f64_not_gt { a: R, b: R, off: Off }
            BrF64NotLe br_f64_not_le { a: R, b: R, off: Off }
            BrF64NotGe br_f64_not_ge { a: R, b: R, off: Off }
            BrF64LtImm br_f64_lt_imm { a: R, imm: Imm64, off: Off }
            BrF64GtImm br_f64_gt_imm { a: R, imm: Imm64, off: Off }
            BrF64LeImm br_f64_le_imm { a: R, imm: Imm64, off: Off }
            BrF64GeImm br_f64_ge_imm { a: R, imm: Imm64, off: Off }
            SelectI32Eq select_i32_eq { dst: R, x: R, y: R, a: R, b: R }
            SelectI32Ne select_i32_ne { dst: R, x: R, y: R, a: R, b: R }
            SelectI32LtS select_i32_lt_s { dst: R, x: R, y: R, a: R, b: R }
            SelectI32LtU select_i32_lt_u { dst: R, x: R, y: R, a: R, b: R }
            SelectI32GtS select_i32_gt_s { dst: R, x: R, y: R, a: R, b: R }
            SelectI32GtU select_i32_gt_u { dst: R, x: R, y: R, a: R, b: R }
            MoveBr move_br { dst: R, src: R, off: Off }
            Move2Br move2_br { d1: R, s1: R, d2: R, s2: R, off: Off }
            // ---- cold: past the first 255, dispatched through the escape byte ----
            I64Eq i64_eq { dst: R, a: R, b: R }
            I64Ne i64_ne { dst: R, a: R, b: R }
            I64LtS i64_lt_s { dst: R, a: R, b: R }
            I64LtU i64_lt_u { dst: R, a: R, b: R }
            I64GtS i64_gt_s { dst: R, a: R, b: R }
            I64GtU i64_gt_u { dst: R, a: R, b: R }
            I64LeS i64_le_s { dst: R, a: R, b: R }
            I64LeU i64_le_u { dst: R, a: R, b: R }
            I64GeS i64_ge_s { dst: R, a: R, b: R }
            I64GeU i64_ge_u { dst: R, a: R, b: R }
            I32Rotl i32_rotl { dst: R, a: R, b: R }
            I32DivSImm i32_div_s_imm { dst: R, a: R, imm: Imm32 }
            I32DivUImm i32_div_u_imm { dst: R, a: R, imm: Imm32 }
            I32RemSImm i32_rem_s_imm { dst: R, a: R, imm: Imm32 }
            I32RemUImm i32_rem_u_imm { dst: R, a: R, imm: Imm32 }
            I64Rotl i64_rotl { dst: R, a: R, b: R }
            F32Div f32_div { dst: R, a: R, b: R }
            F32Eq f32_eq { dst: R, a: R, b: R }
            F32Ne f32_ne { dst: R, a: R, b: R }
            F32Sqrt f32_sqrt { dst: R, a: R }
            I64DivS i64_div_s { dst: R, a: R, b: R }
            I64DivU i64_div_u { dst: R, a: R, b: R }
            I64RemS i64_rem_s { dst: R, a: R, b: R }
            I64RemU i64_rem_u { dst: R, a: R, b: R }
            I32Extend16S i32_extend16_s { dst: R, a: R }
            I64Clz i64_clz { dst: R, a: R }
            I64Ctz i64_ctz { dst: R, a: R }
            I64Popcnt i64_popcnt { dst: R, a: R }
            I64Extend8S i64_extend8_s { dst: R, a: R }
            I64Extend16S i64_extend16_s { dst: R, a: R }
            F32Min f32_min { dst: R, a: R, b: R }
            F32Max f32_max { dst: R, a: R, b: R }
            F32ConvertI32U f32_convert_i32_u { dst: R, a: R }
            F32ConvertI64S f32_convert_i64_s { dst: R, a: R }
            I32TruncF32S i32_trunc_f32_s { dst: R, a: R }
            I32Rotr i32_rotr { dst: R, a: R, b: R }
            I64Rotr i64_rotr { dst: R, a: R, b: R }
            I64RSubImm i64_rsub_imm { dst: R, a: R, imm: Imm32 }
            I64RotlImm i64_rotl_imm { dst: R, a: R, imm: Imm32 }
            I64DivSImm i64_div_s_imm { dst: R, a: R, imm: Imm32 }
            I64DivUImm i64_div_u_imm { dst: R, a: R, imm: Imm32 }
            I64RemSImm i64_rem_s_imm { dst: R, a: R, imm: Imm32 }
            I64RemUImm i64_rem_u_imm { dst: R, a: R, imm: Imm32 }
            I64EqImm i64_eq_imm { dst: R, a: R, imm: Imm32 }
            I64NeImm i64_ne_imm { dst: R, a: R, imm: Imm32 }
            I64LtSImm i64_lt_s_imm { dst: R, a: R, imm: Imm32 }
            I64LtUImm i64_lt_u_imm { dst: R, a: R, imm: Imm32 }
            I64GtSImm i64_gt_s_imm { dst: R, a: R, imm: Imm32 }
            I64GtUImm i64_gt_u_imm { dst: R, a: R, imm: Imm32 }
            I64LeSImm i64_le_s_imm { dst: R, a: R, imm: Imm32 }
            I64LeUImm i64_le_u_imm { dst: R, a: R, imm: Imm32 }
            I64GeSImm i64_ge_s_imm { dst: R, a: R, imm: Imm32 }
            I64GeUImm i64_ge_u_imm { dst: R, a: R, imm: Imm32 }
            F64Copysign f64_copysign { dst: R, a: R, b: R }
            F64Ceil f64_ceil { dst: R, a: R }
            F64Floor f64_floor { dst: R, a: R }
            F64Trunc f64_trunc { dst: R, a: R }
            F64Nearest f64_nearest { dst: R, a: R }
            F32Copysign f32_copysign { dst: R, a: R, b: R }
            F32Ceil f32_ceil { dst: R, a: R }
            F32Floor f32_floor { dst: R, a: R }
            F32Trunc f32_trunc { dst: R, a: R }
            F32Nearest f32_nearest { dst: R, a: R }
            F64ConvertI64U f64_convert_i64_u { dst: R, a: R }
            F32ConvertI64U f32_convert_i64_u { dst: R, a: R }
            I32TruncF64U i32_trunc_f64_u { dst: R, a: R }
            I32TruncF32U i32_trunc_f32_u { dst: R, a: R }
            I64TruncF64U i64_trunc_f64_u { dst: R, a: R }
            I64TruncF32S i64_trunc_f32_s { dst: R, a: R }
            I64TruncF32U i64_trunc_f32_u { dst: R, a: R }
            RefIsNull ref_is_null { dst: R, a: R }
            RefFunc ref_func { dst: R, func: Idx }
            TableGet table_get { dst: R, table: Idx, idx: R }
            TableSet table_set { table: Idx, idx: R, val: R }
            I32TruncSatF32S i32_trunc_sat_f32_s { dst: R, a: R }
            I32TruncSatF32U i32_trunc_sat_f32_u { dst: R, a: R }
            I64TruncSatF32S i64_trunc_sat_f32_s { dst: R, a: R }
            I64TruncSatF32U i64_trunc_sat_f32_u { dst: R, a: R }
            MemoryFill memory_fill { dst: R, val: R, len: R }
            MemoryCopy memory_copy { dst: R, src: R, len: R }
            MemoryInit memory_init { data: Idx, dst: R, src: R, len: R }
            DataDrop data_drop { data: Idx }
            TableSize table_size { dst: R, table: Idx }
            TableGrow table_grow { dst: R, table: Idx, init: R, delta: R }
            TableFill table_fill { table: Idx, dst: R, val: R, len: R }
            TableCopy table_copy { dst_table: Idx, src_table: Idx, dst: R, src: R, len: R }
            TableInit table_init { table: Idx, elem: Idx, dst: R, src: R, len: R }
            ElemDrop elem_drop { elem: Idx }
        }
    };
}

/// Byte that announces a second opcode byte.
pub const ESCAPE: u8 = 0xFF;

/// Rust type of each operand kind.
macro_rules! kind_ty {
    (R) => {
        u16
    };
    (Imm32) => {
        i32
    };
    (Imm64) => {
        i64
    };
    (Idx) => {
        u32
    };
    (Off) => {
        i32
    };
}

/// Operand kinds as values, for the disassembler.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A frame slot.
    R,
    /// 32-bit immediate.
    Imm32,
    /// 64-bit immediate.
    Imm64,
    /// An index (function, global, table, segment, type) or a memory offset.
    Idx,
    /// A branch offset.
    Off,
}

/// A fixed-size operand the encoder writes and the decoder reads.
pub trait Operand: Copy {
    /// Encoded size.
    const SIZE: usize;
    /// Appends the little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads from `p`.
    ///
    /// # Safety
    /// `p..p+SIZE` must be readable.
    unsafe fn read(p: *const u8) -> Self;
}

macro_rules! impl_operand {
    ($($t:ty),*) => {$(
        impl Operand for $t {
            const SIZE: usize = size_of::<$t>();
            #[inline(always)]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            unsafe fn read(p: *const u8) -> Self {
                // SAFETY: the caller guarantees the bytes are readable; encoding is LE and
                // the host is LE (checked in `vm`).
                unsafe { core::ptr::read_unaligned(p.cast::<$t>()) }
            }
        }
    )*};
}
impl_operand!(u16, i32, u32, i64);

macro_rules! define_ops {
    ($($name:ident $snake:ident { $($field:ident : $kind:ident),* })*) => {
        /// Every interpreter op.
        #[repr(u16)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum OpCode { $($name),* }

        impl OpCode {
            /// All ops in table order.
            pub const ALL: &'static [OpCode] = &[$(OpCode::$name),*];

            /// The op's name in the disassembly.
            pub fn name(self) -> &'static str {
                match self { $(OpCode::$name => stringify!($snake).trim_end_matches('_')),* }
            }

            /// Operand kinds, in encoding order.
            pub fn operands(self) -> &'static [(&'static str, Kind)] {
                match self { $(OpCode::$name => &[$((stringify!($field), Kind::$kind)),*]),* }
            }

            /// Size of the opcode itself: 1, or 2 behind the escape byte.
            #[inline(always)]
            pub const fn prefix_len(self) -> usize {
                if (self as u16) < ESCAPE as u16 { 1 } else { 2 }
            }

            /// Total encoded size (for `br_table`, without its offsets).
            pub const fn size(self) -> usize {
                match self { $(OpCode::$name => op::$name::SIZE),* }
            }

            /// Decodes the opcode at `code[pos..]`.
            pub fn decode(code: &[u8], pos: usize) -> Option<OpCode> {
                let b = *code.get(pos)?;
                let index = if b == ESCAPE { ESCAPE as usize + *code.get(pos + 1)? as usize } else { b as usize };
                OpCode::ALL.get(index).copied()
            }
        }

        /// Operand structs, one per op, each with its decoder.
        #[allow(missing_docs)]
        pub mod op {
            use super::{OpCode, Operand};
            $(
                #[derive(Copy, Clone, Debug)]
                pub struct $name { $(pub $field: kind_ty!($kind)),* }

                impl $name {
                    /// The opcode.
                    pub const CODE: OpCode = OpCode::$name;
                    /// Encoded size in bytes.
                    pub const SIZE: usize = OpCode::$name.prefix_len() $(+ <kind_ty!($kind) as Operand>::SIZE)*;

                    /// Decodes the operands of the op starting at `pc`.
                    ///
                    /// # Safety
                    /// `pc` must point at an encoded op of this kind.
                    #[inline(always)]
                    #[allow(unused_mut, unused_variables, unused_assignments, clippy::let_and_return)]
                    pub unsafe fn decode(pc: *const u8) -> Self {
                        // SAFETY: the caller guarantees `pc..pc+SIZE` holds this op.
                        unsafe {
                            let mut p = pc.add(OpCode::$name.prefix_len());
                            $(
                                let $field = <kind_ty!($kind) as Operand>::read(p);
                                p = p.add(<kind_ty!($kind) as Operand>::SIZE);
                            )*
                            $name { $($field),* }
                        }
                    }
                }
            )*
        }

        impl super::encode::Encoder {
            $(
                /// Appends the op; returns the offset of its first byte.
                #[inline]
                pub fn $snake(&mut self, $($field: kind_ty!($kind)),*) -> usize {
                    let start = self.begin(OpCode::$name);
                    $( $field.put(&mut self.code); )*
                    start
                }
            )*
        }

    };
}

for_each_op!(define_ops);

/// Number of ops.
pub const NUM_OPS: usize = OpCode::ALL.len();
const _: () = assert!(NUM_OPS <= 255 + 256, "op table exceeds two dispatch pages");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_round_trips_through_decode() {
        for (i, &op) in OpCode::ALL.iter().enumerate() {
            assert_eq!(op as usize, i);
            let mut e = crate::interp::encode::Encoder::default();
            e.begin(op);
            e.code.resize(op.size() + 8, 0);
            assert_eq!(OpCode::decode(&e.code, 0), Some(op), "{}", op.name());
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
}
