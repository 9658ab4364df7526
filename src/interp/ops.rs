//! The op table: every interpreter op is defined once, in `for_each_op!`, and the
//! opcode enum, operand structs, the typed [`Op`], decoder, encoder and disassembler are
//! derived from it here (the executor's handler table is derived from it in `dispatch`).
//!
//! Encoding: an 8-byte opcode word (see [`OPCODE_SIZE`]), followed by the operands in
//! table order, little-endian, unaligned: `R` = frame slot (u16), `Imm32`/`Off` = i32,
//! `Imm64` = i64, `Idx` = u32. Branch offsets (`Off`) are relative to the first byte of
//! the branch op. `br_table` is followed by `len + 1` offsets (the last is the default).
//!
//! The opcode word is the address of the op's handler where the executor threads its
//! handlers by tail calls (direct threading: dispatch is one load and one jump, with no
//! table to index), and the op's index elsewhere (the loop backend, Miri); `dispatch`
//! makes and reads it. Ops are ordered by how hot they are (the order of the tables).
//!
//! # Naming
//!
//! An op is named `CamelName snake_name`; the snake name is the encoder method and the
//! disassembly name (a trailing `_` only avoids a Rust keyword: `move_` is `move`).
//!
//! * **Base**: the wasm operator's name with `.` as `_` (`i32.add` → `i32_add`,
//!   `i64.extend_i32_u` → `i64_extend_i32_u`). Slots are untyped, so memory ops drop the
//!   value type and name the access width and extension instead (`i32.load` and
//!   `f32.load` → `load32`, `i64.load8_s` → `load8_s`, `i64.store32` → `store32`); ops
//!   that are the same on bits are one op (`i64.extend32_s` also serves
//!   `i64.extend_i32_s`). Ops of the bytecode alone have plain names: `move`, `const32`,
//!   `const64`, `br`, `ret`, `ret1` (one result), `call_import`, `consume_fuel`,
//!   `loop_header`.
//! * **Operand kinds**: the plain form reads every operand from a slot and writes `dst`.
//!   `_imm` means the right operand is an immediate (`i32_add_imm`: `dst = a + imm`);
//!   an `r` before the operation means the operands are reversed (`i32_rsub_imm`:
//!   `dst = imm - a`, `f64_rdiv_imm`: `dst = imm / a`). i32 and i64 immediates are
//!   `Imm32` (i64 ones sign-extended), f64 immediates are the `Imm64` bits, f32 ones the
//!   `Imm32` bits; `_imm64` is an i64 immediate that needs all 64 bits (`i64_mul_imm64`).
//! * **Conditional branches**: `br_if_nez`/`br_if_eqz` (`_i64` for an i64 condition)
//!   test one slot against zero; `br_<type>_<cond>` compares two operands and branches
//!   (`br_i32_lt_s`, `_imm` for an immediate right operand); `not_` marks a negated float
//!   condition, which differs from the inverse condition when an operand is NaN.
//! * **Fused ops** (superinstructions) join their parts' names in execution order:
//!   `i32_add_imm_br_ne` is `i32_add_imm` then `br_i32_ne`, `move_br` is `move` then `br`,
//!   `i32_shr_u_and_imm` is `i32_shr_u_imm` then `i32_and_imm`, `select_i32_eq` selects
//!   on an `i32_eq` it computes. Loads and stores name the fused address computation
//!   after the access: `load32_add_imm` loads from `addr + imm`, `load32_add` from
//!   `addr + b`, `load32_shl` from `addr << sh`. `f64_mul_add` is `f64_mul` then
//!   `f64_add` (two roundings, no FMA).
//! * **Pairs** of the same op end in `2` (`move2`, `i32_add_imm2`), or in `x2` after a
//!   width (`load32x2`); their fields are the first op's then the second's (`d1, s1,
//!   d2, s2`).
//! * **Fields**: the result `dst` comes first, a branch offset `off` last; memory ops
//!   take the static `offset` after the address.

/// Calls `$m!` with the whole op list: `/// doc` then `Name snake_name { field: Kind, ... }`.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            // ---- hottest first ----
            /// `dst = src`.
            Move move_ { dst: R, src: R }
            /// `dst = imm`, sign-extended to 64 bits.
            Const32 const32 { dst: R, imm: Imm32 }
            /// `dst = imm`.
            Const64 const64 { dst: R, imm: Imm64 }
            /// Jumps by `off`.
            Br br { off: Off }
            /// Branches by `off` if the i32 `c` is not zero.
            BrIfNez br_if_nez { c: R, off: Off }
            /// Branches by `off` if the i32 `c` is zero.
            BrIfEqz br_if_eqz { c: R, off: Off }
            /// Branches by `off` if the i64 `c` is not zero.
            BrIfI64Nez br_if_i64_nez { c: R, off: Off }
            /// Branches by `off` if the i64 `c` is zero.
            BrIfI64Eqz br_if_i64_eqz { c: R, off: Off }
            /// Jumps by the `idx`-th of the `len + 1` offsets that follow the op (the last one when `idx >= len`).
            BrTable br_table { idx: R, len: Idx }
            /// Returns; the results are already in slots `0..n`.
            Ret ret {}
            /// Returns the one result in `src` (copied to slot 0).
            Ret1 ret1 { src: R }
            /// Calls defined function `func`; arguments and results from slot `base` on.
            Call call { func: Idx, base: R }
            /// Calls imported function `func`; arguments and results from slot `base` on.
            CallImport call_import { func: Idx, base: R }
            /// Calls `table[idx]` after checking it has type `ty`; arguments and results from slot `base` on.
            CallIndirect call_indirect { ty: Idx, table: Idx, idx: R, base: R }
            /// `dst = c != 0 ? a : b`.
            Select select { dst: R, c: R, a: R, b: R }
            /// `dst = global idx`.
            GlobalGet global_get { dst: R, idx: Idx }
            /// `global idx = src`.
            GlobalSet global_set { idx: Idx, src: R }
            /// Takes `amount` fuel (the cost of the basic block it starts); traps when out of fuel.
            ConsumeFuel consume_fuel { amount: Idx }
            /// Counts one loop iteration of defined function `func` for the tier-up
            /// controller; `at` is the loop's wasm offset, where compiled code can take
            /// over the running call (`NO_OSR`: it cannot, values are on the stack).
            LoopHeader loop_header { func: Idx, at: Idx }
            /// Two moves: `d1 = s1`, then `d2 = s2`.
            Move2 move2 { d1: R, s1: R, d2: R, s2: R }
            /// Two `i32_add_imm`s: `d1 = a1 + i1`, then `d2 = a2 + i2`.
            I32AddImm2 i32_add_imm2 { d1: R, a1: R, i1: Imm32, d2: R, a2: R, i2: Imm32 }
            /// `dst = (a >> sh) & mask` (i32, logical shift).
            I32ShrUAndImm i32_shr_u_and_imm { dst: R, a: R, sh: Imm32, mask: Imm32 }
            /// Branches by `off` if `a == b` (i32).
            BrI32Eq br_i32_eq { a: R, b: R, off: Off }
            /// Branches by `off` if `a != b` (i32).
            BrI32Ne br_i32_ne { a: R, b: R, off: Off }
            /// Branches by `off` if `a < (signed) b` (i32).
            BrI32LtS br_i32_lt_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a < (unsigned) b` (i32).
            BrI32LtU br_i32_lt_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a > (signed) b` (i32).
            BrI32GtS br_i32_gt_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a > (unsigned) b` (i32).
            BrI32GtU br_i32_gt_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= (signed) b` (i32).
            BrI32LeS br_i32_le_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= (unsigned) b` (i32).
            BrI32LeU br_i32_le_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a >= (signed) b` (i32).
            BrI32GeS br_i32_ge_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a >= (unsigned) b` (i32).
            BrI32GeU br_i32_ge_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a == imm` (i32).
            BrI32EqImm br_i32_eq_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a != imm` (i32).
            BrI32NeImm br_i32_ne_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a < (signed) imm` (i32).
            BrI32LtSImm br_i32_lt_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a < (unsigned) imm` (i32).
            BrI32LtUImm br_i32_lt_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a > (signed) imm` (i32).
            BrI32GtSImm br_i32_gt_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a > (unsigned) imm` (i32).
            BrI32GtUImm br_i32_gt_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a <= (signed) imm` (i32).
            BrI32LeSImm br_i32_le_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a <= (unsigned) imm` (i32).
            BrI32LeUImm br_i32_le_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a >= (signed) imm` (i32).
            BrI32GeSImm br_i32_ge_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a >= (unsigned) imm` (i32).
            BrI32GeUImm br_i32_ge_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a == b` (i64).
            BrI64Eq br_i64_eq { a: R, b: R, off: Off }
            /// Branches by `off` if `a != b` (i64).
            BrI64Ne br_i64_ne { a: R, b: R, off: Off }
            /// Branches by `off` if `a < (signed) b` (i64).
            BrI64LtS br_i64_lt_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a < (unsigned) b` (i64).
            BrI64LtU br_i64_lt_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a > (unsigned) b` (i64).
            BrI64GtU br_i64_gt_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= (unsigned) b` (i64).
            BrI64LeU br_i64_le_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a >= (signed) b` (i64).
            BrI64GeS br_i64_ge_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a >= (unsigned) b` (i64).
            BrI64GeU br_i64_ge_u { a: R, b: R, off: Off }
            /// Branches by `off` if `a == imm` (i64; imm sign-extended).
            BrI64EqImm br_i64_eq_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a != imm` (i64; imm sign-extended).
            BrI64NeImm br_i64_ne_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a < (signed) imm` (i64; imm sign-extended).
            BrI64LtSImm br_i64_lt_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a < (unsigned) imm` (i64; imm sign-extended).
            BrI64LtUImm br_i64_lt_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a > (signed) imm` (i64; imm sign-extended).
            BrI64GtSImm br_i64_gt_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a > (unsigned) imm` (i64; imm sign-extended).
            BrI64GtUImm br_i64_gt_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a <= (signed) imm` (i64; imm sign-extended).
            BrI64LeSImm br_i64_le_s_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a >= (unsigned) imm` (i64; imm sign-extended).
            BrI64GeUImm br_i64_ge_u_imm { a: R, imm: Imm32, off: Off }
            /// `dst = mem[addr + offset]` (32 bits).
            Load32 load32 { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (64 bits).
            Load64 load64 { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (8 bits, sign-extended).
            Load8S load8_s { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (8 bits, zero-extended).
            Load8U load8_u { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (16 bits, sign-extended).
            Load16S load16_s { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (16 bits, zero-extended).
            Load16U load16_u { dst: R, addr: R, offset: Idx }
            /// `dst = mem[addr + offset]` (32 bits, sign-extended).
            Load32S load32_s { dst: R, addr: R, offset: Idx }
            /// `mem[addr + offset] = src` (low 8 bits).
            Store8 store8 { addr: R, offset: Idx, src: R }
            /// `mem[addr + offset] = src` (low 16 bits).
            Store16 store16 { addr: R, offset: Idx, src: R }
            /// `mem[addr + offset] = src` (low 32 bits).
            Store32 store32 { addr: R, offset: Idx, src: R }
            /// `mem[addr + offset] = src` (low 64 bits).
            Store64 store64 { addr: R, offset: Idx, src: R }
            /// `dst = mem[addr + imm + offset]` (32 bits; the address computation wraps at 32 bits).
            Load32AddImm load32_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + imm + offset]` (64 bits; the address computation wraps at 32 bits).
            Load64AddImm load64_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + imm + offset]` (8 bits, zero-extended; the address computation wraps at 32 bits).
            Load8UAddImm load8_u_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + imm + offset]` (8 bits, sign-extended; the address computation wraps at 32 bits).
            Load8SAddImm load8_s_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + imm + offset]` (16 bits, zero-extended; the address computation wraps at 32 bits).
            Load16UAddImm load16_u_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + imm + offset]` (16 bits, sign-extended; the address computation wraps at 32 bits).
            Load16SAddImm load16_s_add_imm { dst: R, addr: R, imm: Imm32, offset: Idx }
            /// `dst = mem[addr + b + offset]` (32 bits; the address computation wraps at 32 bits).
            Load32Add load32_add { dst: R, addr: R, b: R, offset: Idx }
            /// `dst = mem[addr + b + offset]` (64 bits; the address computation wraps at 32 bits).
            Load64Add load64_add { dst: R, addr: R, b: R, offset: Idx }
            /// `dst = mem[addr + b + offset]` (8 bits, zero-extended; the address computation wraps at 32 bits).
            Load8UAdd load8_u_add { dst: R, addr: R, b: R, offset: Idx }
            /// `dst = mem[(addr << sh) + offset]` (32 bits; the address computation wraps at 32 bits).
            Load32Shl load32_shl { dst: R, addr: R, sh: Imm32, offset: Idx }
            /// `dst = mem[(addr << sh) + offset]` (64 bits; the address computation wraps at 32 bits).
            Load64Shl load64_shl { dst: R, addr: R, sh: Imm32, offset: Idx }
            /// `mem[addr + imm + offset] = src` (low 32 bits; the address computation wraps at 32 bits).
            Store32AddImm store32_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            /// `mem[addr + imm + offset] = src` (low 64 bits; the address computation wraps at 32 bits).
            Store64AddImm store64_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            /// `mem[addr + imm + offset] = src` (low 8 bits; the address computation wraps at 32 bits).
            Store8AddImm store8_add_imm { addr: R, imm: Imm32, offset: Idx, src: R }
            /// `mem[addr + b + offset] = src` (low 32 bits; the address computation wraps at 32 bits).
            Store32Add store32_add { addr: R, b: R, offset: Idx, src: R }
            /// `dst = a + b` (i32).
            I32Add i32_add { dst: R, a: R, b: R }
            /// `dst = a - b` (i32).
            I32Sub i32_sub { dst: R, a: R, b: R }
            /// `dst = a * b` (i32).
            I32Mul i32_mul { dst: R, a: R, b: R }
            /// `dst = a / b (signed; traps on 0 and overflow)` (i32).
            I32DivS i32_div_s { dst: R, a: R, b: R }
            /// `dst = a / b (unsigned; traps on 0)` (i32).
            I32DivU i32_div_u { dst: R, a: R, b: R }
            /// `dst = a % b (unsigned; traps on 0)` (i32).
            I32RemU i32_rem_u { dst: R, a: R, b: R }
            /// `dst = a & b` (i32).
            I32And i32_and { dst: R, a: R, b: R }
            /// `dst = a | b` (i32).
            I32Or i32_or { dst: R, a: R, b: R }
            /// `dst = a ^ b` (i32).
            I32Xor i32_xor { dst: R, a: R, b: R }
            /// `dst = a << b` (i32).
            I32Shl i32_shl { dst: R, a: R, b: R }
            /// `dst = a >> b (arithmetic)` (i32).
            I32ShrS i32_shr_s { dst: R, a: R, b: R }
            /// `dst = a >> b (logical)` (i32).
            I32ShrU i32_shr_u { dst: R, a: R, b: R }
            /// `dst = a + imm` (i32).
            I32AddImm i32_add_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = imm - a` (i32).
            I32RSubImm i32_rsub_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a * imm` (i32).
            I32MulImm i32_mul_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a & imm` (i32).
            I32AndImm i32_and_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a | imm` (i32).
            I32OrImm i32_or_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a ^ imm` (i32).
            I32XorImm i32_xor_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a << imm` (i32).
            I32ShlImm i32_shl_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >> imm (arithmetic)` (i32).
            I32ShrSImm i32_shr_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >> imm (logical)` (i32).
            I32ShrUImm i32_shr_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a rotated left by imm` (i32).
            I32RotlImm i32_rotl_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a == b` (i32; 1 or 0).
            I32Eq i32_eq { dst: R, a: R, b: R }
            /// `dst = a != b` (i32; 1 or 0).
            I32Ne i32_ne { dst: R, a: R, b: R }
            /// `dst = a < (signed) b` (i32; 1 or 0).
            I32LtS i32_lt_s { dst: R, a: R, b: R }
            /// `dst = a < (unsigned) b` (i32; 1 or 0).
            I32LtU i32_lt_u { dst: R, a: R, b: R }
            /// `dst = a > (signed) b` (i32; 1 or 0).
            I32GtS i32_gt_s { dst: R, a: R, b: R }
            /// `dst = a > (unsigned) b` (i32; 1 or 0).
            I32GtU i32_gt_u { dst: R, a: R, b: R }
            /// `dst = a <= (signed) b` (i32; 1 or 0).
            I32LeS i32_le_s { dst: R, a: R, b: R }
            /// `dst = a <= (unsigned) b` (i32; 1 or 0).
            I32LeU i32_le_u { dst: R, a: R, b: R }
            /// `dst = a >= (unsigned) b` (i32; 1 or 0).
            I32GeU i32_ge_u { dst: R, a: R, b: R }
            /// `dst = a == imm` (i32; 1 or 0).
            I32EqImm i32_eq_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a != imm` (i32; 1 or 0).
            I32NeImm i32_ne_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a < (signed) imm` (i32; 1 or 0).
            I32LtSImm i32_lt_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a < (unsigned) imm` (i32; 1 or 0).
            I32LtUImm i32_lt_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a > (signed) imm` (i32; 1 or 0).
            I32GtSImm i32_gt_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a > (unsigned) imm` (i32; 1 or 0).
            I32GtUImm i32_gt_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a == 0` (i32).
            I32Eqz i32_eqz { dst: R, a: R }
            /// `dst = leading zero bits of a` (i32).
            I32Clz i32_clz { dst: R, a: R }
            /// `dst = trailing zero bits of a` (i32).
            I32Ctz i32_ctz { dst: R, a: R }
            /// `dst = a sign-extended from 8 bits` (i32).
            I32Extend8S i32_extend8_s { dst: R, a: R }
            /// `dst = a + b` (i64).
            I64Add i64_add { dst: R, a: R, b: R }
            /// `dst = a - b` (i64).
            I64Sub i64_sub { dst: R, a: R, b: R }
            /// `dst = a * b` (i64).
            I64Mul i64_mul { dst: R, a: R, b: R }
            /// `dst = a & b` (i64).
            I64And i64_and { dst: R, a: R, b: R }
            /// `dst = a | b` (i64).
            I64Or i64_or { dst: R, a: R, b: R }
            /// `dst = a ^ b` (i64).
            I64Xor i64_xor { dst: R, a: R, b: R }
            /// `dst = a << b` (i64).
            I64Shl i64_shl { dst: R, a: R, b: R }
            /// `dst = a >> b (arithmetic)` (i64).
            I64ShrS i64_shr_s { dst: R, a: R, b: R }
            /// `dst = a >> b (logical)` (i64).
            I64ShrU i64_shr_u { dst: R, a: R, b: R }
            /// `dst = a + imm` (i64; imm sign-extended).
            I64AddImm i64_add_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a * imm` (i64; imm sign-extended).
            I64MulImm i64_mul_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a & imm` (i64; imm sign-extended).
            I64AndImm i64_and_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a | imm` (i64; imm sign-extended).
            I64OrImm i64_or_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a ^ imm` (i64; imm sign-extended).
            I64XorImm i64_xor_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a << imm` (i64; imm sign-extended).
            I64ShlImm i64_shl_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >> imm (arithmetic)` (i64; imm sign-extended).
            I64ShrSImm i64_shr_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >> imm (logical)` (i64; imm sign-extended).
            I64ShrUImm i64_shr_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a == 0` (i64).
            I64Eqz i64_eqz { dst: R, a: R }
            /// `dst = a sign-extended from 32 bits` (i64).
            I64Extend32S i64_extend32_s { dst: R, a: R }
            /// `dst = a zero-extended from 32 bits` (i64).
            I64ExtendI32U i64_extend_i32_u { dst: R, a: R }
            /// `dst = a + b` (f64).
            F64Add f64_add { dst: R, a: R, b: R }
            /// `dst = a - b` (f64).
            F64Sub f64_sub { dst: R, a: R, b: R }
            /// `dst = a * b` (f64).
            F64Mul f64_mul { dst: R, a: R, b: R }
            /// `dst = a / b` (f64).
            F64Div f64_div { dst: R, a: R, b: R }
            /// `dst = a == b` (f64; 1 or 0).
            F64Eq f64_eq { dst: R, a: R, b: R }
            /// `dst = a < b` (f64; 1 or 0).
            F64Lt f64_lt { dst: R, a: R, b: R }
            /// `dst = a > b` (f64; 1 or 0).
            F64Gt f64_gt { dst: R, a: R, b: R }
            /// `dst = a <= b` (f64; 1 or 0).
            F64Le f64_le { dst: R, a: R, b: R }
            /// `dst = a >= b` (f64; 1 or 0).
            F64Ge f64_ge { dst: R, a: R, b: R }
            /// `dst = |a|` (f64).
            F64Abs f64_abs { dst: R, a: R }
            /// `dst = -a` (f64).
            F64Neg f64_neg { dst: R, a: R }
            /// `dst = sqrt(a)` (f64).
            F64Sqrt f64_sqrt { dst: R, a: R }
            /// `dst = a + imm` (f64; imm: f64 bits).
            F64AddImm f64_add_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = imm - a` (f64; imm: f64 bits).
            F64RSubImm f64_rsub_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a * imm` (f64; imm: f64 bits).
            F64MulImm f64_mul_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a / imm` (f64; imm: f64 bits).
            F64DivImm f64_div_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = imm / a` (f64; imm: f64 bits).
            F64RDivImm f64_rdiv_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a < imm` (f64; imm: f64 bits; 1 or 0).
            F64LtImm f64_lt_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a > imm` (f64; imm: f64 bits; 1 or 0).
            F64GtImm f64_gt_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a <= imm` (f64; imm: f64 bits; 1 or 0).
            F64LeImm f64_le_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a >= imm` (f64; imm: f64 bits; 1 or 0).
            F64GeImm f64_ge_imm { dst: R, a: R, imm: Imm64 }
            /// `dst = a * b + c` (f64, two roundings).
            F64MulAdd f64_mul_add { dst: R, a: R, b: R, c: R }
            /// `dst = a * b - c` (f64, two roundings).
            F64MulSub f64_mul_sub { dst: R, a: R, b: R, c: R }
            /// `dst = c - a * b` (f64, two roundings).
            F64MulRSub f64_mul_rsub { dst: R, a: R, b: R, c: R }
            /// `dst = a + b` (f32).
            F32Add f32_add { dst: R, a: R, b: R }
            /// `dst = a - b` (f32).
            F32Sub f32_sub { dst: R, a: R, b: R }
            /// `dst = a * b` (f32).
            F32Mul f32_mul { dst: R, a: R, b: R }
            /// `dst = a <= b` (f32; 1 or 0).
            F32Le f32_le { dst: R, a: R, b: R }
            /// `dst = a + imm` (f32; imm: f32 bits).
            F32AddImm f32_add_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a * imm` (f32; imm: f32 bits).
            F32MulImm f32_mul_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a * b + c` (f32, two roundings).
            F32MulAdd f32_mul_add { dst: R, a: R, b: R, c: R }
            /// `dst` = the signed i32 `a` converted to f64.
            F64ConvertI32S f64_convert_i32_s { dst: R, a: R }
            /// `dst` = the unsigned i32 `a` converted to f64.
            F64ConvertI32U f64_convert_i32_u { dst: R, a: R }
            /// `dst` = the signed i64 `a` converted to f64.
            F64ConvertI64S f64_convert_i64_s { dst: R, a: R }
            /// `dst` = the f64 `a` truncated to a signed i32 (traps on NaN and overflow).
            I32TruncF64S i32_trunc_f64_s { dst: R, a: R }
            /// `dst` = the f64 `a` truncated to a signed i64 (traps on NaN and overflow).
            I64TruncF64S i64_trunc_f64_s { dst: R, a: R }
            /// `dst` = the f64 `a` truncated to a signed i32 (saturating).
            I32TruncSatF64S i32_trunc_sat_f64_s { dst: R, a: R }
            /// `dst = a != b` (f64; 1 or 0).
            F64Ne f64_ne { dst: R, a: R, b: R }
            /// `mem[addr + offset] = imm` (32 bits).
            Store32Imm store32_imm { addr: R, offset: Idx, imm: Imm32 }
            /// `mem[addr + offset] = imm` (64 bits, sign-extended).
            Store64Imm store64_imm { addr: R, offset: Idx, imm: Imm32 }
            /// `mem[addr + offset] = imm` (low 8 bits).
            Store8Imm store8_imm { addr: R, offset: Idx, imm: Imm32 }
            /// Two `load32`s: `d1 = mem[a1 + o1]`, then `d2 = mem[a2 + o2]`.
            Load32x2 load32x2 { d1: R, a1: R, o1: Idx, d2: R, a2: R, o2: Idx }
            /// Two `load64`s: `d1 = mem[a1 + o1]`, then `d2 = mem[a2 + o2]`.
            Load64x2 load64x2 { d1: R, a1: R, o1: Idx, d2: R, a2: R, o2: Idx }
            /// `dst = a + imm` (i32), then branches by `off` if `dst != b`.
            I32AddImmBrNe i32_add_imm_br_ne { dst: R, a: R, imm: Imm32, b: R, off: Off }
            /// `dst = a + imm` (i32), then branches by `off` if `dst == b`.
            I32AddImmBrEq i32_add_imm_br_eq { dst: R, a: R, imm: Imm32, b: R, off: Off }
            /// `dst = a + imm` (i32), then branches by `off` if `dst < (unsigned) b`.
            I32AddImmBrLtU i32_add_imm_br_lt_u { dst: R, a: R, imm: Imm32, b: R, off: Off }
            /// `dst = a + imm` (i32), then branches by `off` if `dst < (signed) b`.
            I32AddImmBrLtS i32_add_imm_br_lt_s { dst: R, a: R, imm: Imm32, b: R, off: Off }
            /// `dst = a + imm` (i32), then branches by `off` if `dst != bimm`.
            I32AddImmBrNeImm i32_add_imm_br_ne_imm { dst: R, a: R, imm: Imm32, bimm: Imm32, off: Off }
            /// `dst = a + imm` (i32), then branches by `off` if `dst == bimm`.
            I32AddImmBrEqImm i32_add_imm_br_eq_imm { dst: R, a: R, imm: Imm32, bimm: Imm32, off: Off }
            /// `dst = rotl(a, k) ^ b` (i32).
            I32RotlImmXor i32_rotl_imm_xor { dst: R, a: R, k: Imm32, b: R }
            /// `dst = a * b + c` (i32, wrapping).
            I32MulAdd i32_mul_add { dst: R, a: R, b: R, c: R }
            /// Branches by `off` if `a == b` (f64).
            BrF64Eq br_f64_eq { a: R, b: R, off: Off }
            /// Branches by `off` if `a != b` (f64).
            BrF64Ne br_f64_ne { a: R, b: R, off: Off }
            /// Branches by `off` if `a < b` (f64).
            BrF64Lt br_f64_lt { a: R, b: R, off: Off }
            /// Branches by `off` if `a > b` (f64).
            BrF64Gt br_f64_gt { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= b` (f64).
            BrF64Le br_f64_le { a: R, b: R, off: Off }
            /// Branches by `off` if `a >= b` (f64).
            BrF64Ge br_f64_ge { a: R, b: R, off: Off }
            /// Branches by `off` if not `a < b` (f64; taken when either is NaN).
            BrF64NotLt br_f64_not_lt { a: R, b: R, off: Off }
            /// Branches by `off` if not `a > b` (f64; taken when either is NaN).
            BrF64NotGt br_f64_not_gt { a: R, b: R, off: Off }
            /// Branches by `off` if `a < imm` (f64; imm: f64 bits).
            BrF64LtImm br_f64_lt_imm { a: R, imm: Imm64, off: Off }
            /// Branches by `off` if `a > imm` (f64; imm: f64 bits).
            BrF64GtImm br_f64_gt_imm { a: R, imm: Imm64, off: Off }
            /// Branches by `off` if `a <= imm` (f64; imm: f64 bits).
            BrF64LeImm br_f64_le_imm { a: R, imm: Imm64, off: Off }
            /// Branches by `off` if `a >= imm` (f64; imm: f64 bits).
            BrF64GeImm br_f64_ge_imm { a: R, imm: Imm64, off: Off }
            /// `dst = (x == y) ? a : b` (i32 comparison).
            SelectI32Eq select_i32_eq { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = (x != y) ? a : b` (i32 comparison).
            SelectI32Ne select_i32_ne { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = (x < (signed) y) ? a : b` (i32 comparison).
            SelectI32LtS select_i32_lt_s { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = (x < (unsigned) y) ? a : b` (i32 comparison).
            SelectI32LtU select_i32_lt_u { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = (x > (signed) y) ? a : b` (i32 comparison).
            SelectI32GtS select_i32_gt_s { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = (x > (unsigned) y) ? a : b` (i32 comparison).
            SelectI32GtU select_i32_gt_u { dst: R, x: R, y: R, a: R, b: R }
            /// `dst = src`, then jumps by `off`.
            MoveBr move_br { dst: R, src: R, off: Off }
            /// `d1 = s1`, `d2 = s2`, then jumps by `off`.
            Move2Br move2_br { d1: R, s1: R, d2: R, s2: R, off: Off }
            /// `dst = global idx + imm` (i32), then `global idx = dst` (a prologue's stack allocation).
            GlobalAddImm global_add_imm { dst: R, idx: Idx, imm: Imm32 }
            /// `dst = a + imm` (i32), then `global idx = dst` (an epilogue's stack release).
            I32AddImmGlobalSet i32_add_imm_global_set { dst: R, a: R, imm: Imm32, idx: Idx }
            /// `dst = mem[addr + b + offset]` (16 bits, zero-extended; the address computation wraps at 32 bits).
            Load16UAdd load16_u_add { dst: R, addr: R, b: R, offset: Idx }
            /// `dst = mem[addr + b + offset]` (8 bits, sign-extended; the address computation wraps at 32 bits).
            Load8SAdd load8_s_add { dst: R, addr: R, b: R, offset: Idx }
            /// `i32_add_imm_global_set`, then returns (an epilogue, no results).
            I32AddImmGlobalSetRet i32_add_imm_global_set_ret { dst: R, a: R, imm: Imm32, idx: Idx }
            /// `i32_add_imm_global_set`, then returns the one result in `src` (copied to slot 0).
            I32AddImmGlobalSetRet1 i32_add_imm_global_set_ret1 { dst: R, a: R, imm: Imm32, idx: Idx, src: R }
            /// `br_table` on `idx + imm` (i32, wrapping): a `match` on a range not starting at 0. Followed by `len + 1` offsets, as `br_table`.
            BrTableAddImm br_table_add_imm { idx: R, len: Idx, imm: Imm32 }
            /// `dst = rotl(a ^ b, k)` (i32): `i32_xor` then `i32_rotl_imm`.
            I32XorRotlImm i32_xor_rotl_imm { dst: R, a: R, b: R, k: Imm32 }
            /// `mem[to + to_offset] = mem[addr + offset]` (64 bits): `load64` then `store64` of the loaded value.
            Load64Store64 load64_store64 { addr: R, offset: Idx, to: R, to_offset: Idx }
            /// `dst = (a << sh) + b` (i32): `i32_shl_imm` then `i32_add`.
            I32ShlImmAdd i32_shl_imm_add { dst: R, a: R, sh: Imm32, b: R }
            /// Branches by `off` if `a & imm != 0` (i32): `i32_and_imm` then `br_if_nez`, the and's result not kept.
            I32AndImmBrNez i32_and_imm_br_nez { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a & imm == 0` (i32): `i32_and_imm` then `br_if_eqz`, the and's result not kept.
            I32AndImmBrEqz i32_and_imm_br_eqz { a: R, imm: Imm32, off: Off }
            /// `i32_add_imm`, then `mem[addr + offset] = dst` (low 32 bits): a count or length updated in memory.
            I32AddImmStore32 i32_add_imm_store32 { dst: R, a: R, imm: Imm32, addr: R, offset: Idx }
            /// Two `store32`s: `mem[a1 + o1] = s1`, then `mem[a2 + o2] = s2`.
            Store32x2 store32x2 { a1: R, o1: Idx, s1: R, a2: R, o2: Idx, s2: R }
            /// `dst = c != 0 ? a : imm` (imm sign-extended to 64 bits, as `const32` writes it).
            SelectImm select_imm { dst: R, c: R, a: R, imm: Imm32 }
            /// Two `const32`s: `d1 = i1`, then `d2 = i2`.
            Const32x2 const32x2 { d1: R, i1: Imm32, d2: R, i2: Imm32 }
            /// `dst = a * imm` (i64): a constant that does not fit an `Imm32` (hash multipliers).
            I64MulImm64 i64_mul_imm64 { dst: R, a: R, imm: Imm64 }
            /// `dst = a & imm` (i64): a constant that does not fit an `Imm32` (masks of the high half).
            I64AndImm64 i64_and_imm64 { dst: R, a: R, imm: Imm64 }
            /// Two `load8_u`s: `d1 = mem[a1 + o1]`, then `d2 = mem[a2 + o2]`.
            Load8Ux2 load8_ux2 { d1: R, a1: R, o1: Idx, d2: R, a2: R, o2: Idx }
            /// Branches by `off` if `mem[addr + offset]` (32 bits) is zero: `load32` then `br_if_eqz`, the value not kept.
            Load32BrEqz load32_br_eqz { addr: R, offset: Idx, off: Off }
            /// Branches by `off` if `mem[addr + offset]` (32 bits) is not zero: `load32` then `br_if_nez`, the value not kept.
            Load32BrNez load32_br_nez { addr: R, offset: Idx, off: Off }
            /// `dst = (a + imm) & mask` (i32): `i32_add_imm` then `i32_and_imm` (rounding up, wrapping indices).
            I32AddImmAndImm i32_add_imm_and_imm { dst: R, a: R, imm: Imm32, mask: Imm32 }
            /// `dst = imm` (as `const32`), then jumps by `off` (a constant block result).
            Const32Br const32_br { dst: R, imm: Imm32, off: Off }
            /// `dst = (a ^ b) * imm` (i64): `i64_xor` then `i64_mul_imm64` (a multiplicative hash step, FNV or Fx).
            I64XorMulImm64 i64_xor_mul_imm64 { dst: R, a: R, b: R, imm: Imm64 }
            /// `p = a * b`, then `dst = p + c` (f64, two roundings): `f64_mul` into a local, then `f64_add` of it.
            F64MulKeepAdd f64_mul_keep_add { dst: R, p: R, a: R, b: R, c: R }
            /// `d1 = a1 + b1`, then `d2 = rotl(x ^ d1, k)` (i32): `i32_add` then `i32_xor_rotl_imm` of the sum (the ChaCha and BLAKE quarter round's step).
            I32AddXorRotlImm i32_add_xor_rotl_imm { d1: R, a1: R, b1: R, d2: R, x: R, k: Imm32 }
            /// `mem[to + to_offset] = mem[addr + offset]` (8 bits): `load8_u` then `store8` of the loaded value (a byte copy).
            Load8UStore8 load8_u_store8 { addr: R, offset: Idx, to: R, to_offset: Idx }
            /// `d1 = a1 - b1`, then `d2 = d1 & mask` (i32): `i32_sub` then `i32_and_imm` of the difference (a distance in a ring buffer).
            I32SubAndImm i32_sub_and_imm { d1: R, a1: R, b1: R, d2: R, mask: Imm32 }
            /// `d1 = a1 & i1`, then `d2 = d1 + b2` (i32): `i32_and_imm` then `i32_add` of the masked value (an index into a table).
            I32AndImmAdd i32_and_imm_add { d1: R, a1: R, i1: Imm32, d2: R, b2: R }
            /// `dst = a * imm + b` (i32, wrapping): `i32_mul_imm` then `i32_add` (indexing an array of records).
            I32MulImmAdd i32_mul_imm_add { dst: R, a: R, imm: Imm32, b: R }
            /// `d1 = a1 + i1` (i32), then `d2 = mem[d1 + offset]` (32 bits): a pointer bumped, then read through.
            I32AddImmLoad32 i32_add_imm_load32 { d1: R, a1: R, i1: Imm32, d2: R, offset: Idx }
            /// `d1 = a1 + i1` (i32), then `d2 = mem[d1 + offset]` (64 bits): a pointer bumped, then read through.
            I32AddImmLoad64 i32_add_imm_load64 { d1: R, a1: R, i1: Imm32, d2: R, offset: Idx }
            /// `dst = a + b` (i32), then `mem[addr + offset] = dst` (low 32 bits): a sum kept and stored (a limb of a big number).
            I32AddStore32 i32_add_store32 { dst: R, a: R, b: R, addr: R, offset: Idx }
            /// `d1 = rotl(a1, k1)`, then `d2 = rotl(a2, k2) ^ d1` (i32): `i32_rotl_imm` then `i32_rotl_imm_xor` of it (SHA-2's Σ functions).
            I32RotlImmRotlImmXor i32_rotl_imm_rotl_imm_xor { d1: R, a1: R, k1: Imm32, d2: R, a2: R, k2: Imm32 }
            /// `d1 = a1 << i1` (i32), then `d2 = mem[d1 + offset]` (32 bits): an element's address kept, then read.
            I32ShlImmLoad32 i32_shl_imm_load32 { d1: R, a1: R, i1: Imm32, d2: R, offset: Idx }
            /// `d1 = (a1 << i1) + b1` (i32), then `d2 = mem[d1 + offset]` (32 bits): an element's address kept, then read.
            I32ShlImmAddLoad32 i32_shl_imm_add_load32 { d1: R, a1: R, i1: Imm32, d2: R, b1: R, offset: Idx }
            /// `dst = (a >> k) ^ b` (i32, logical shift): `i32_shr_u_imm` then `i32_xor` (SHA-2's σ functions).
            I32ShrUImmXor i32_shr_u_imm_xor { dst: R, a: R, k: Imm32, b: R }
            /// `dst = (a << k) ^ b` (i32): `i32_shl_imm` then `i32_xor` (hash mixing steps).
            I32ShlImmXor i32_shl_imm_xor { dst: R, a: R, k: Imm32, b: R }
            /// `dst = a * imm + b` (f64, two roundings; imm: f64 bits): `f64_mul_imm` then `f64_add` (a step scaled by a constant).
            F64MulImmAdd f64_mul_imm_add { dst: R, a: R, imm: Imm64, b: R }
            /// `dst = a * a` (f64): `f64_mul` of one slot by itself (a square reads its operand once).
            F64Sqr f64_sqr { dst: R, a: R }
            /// `dst = a + a` (f64): `f64_add` of one slot to itself (how compilers write `2 * a`).
            F64Dbl f64_dbl { dst: R, a: R }
            /// `dst = a * a + c` (f64, two roundings): `f64_sqr` then `f64_add` (a sum of squares).
            F64SqrAdd f64_sqr_add { dst: R, a: R, c: R }
            /// `p = a * a`, then `dst = p + c` (f64): `f64_sqr` into a local, then `f64_add` of it.
            F64SqrKeepAdd f64_sqr_keep_add { dst: R, p: R, a: R, c: R }
            /// `dst = a + b` (f64), then `mem[addr + offset] = dst` (64 bits): `f64_add` then `store64` of the sum.
            F64AddStore64 f64_add_store64 { dst: R, a: R, b: R, addr: R, offset: Idx }
            /// `dst = a - b` (f64), then `mem[addr + offset] = dst` (64 bits): `f64_sub` then `store64` of the difference.
            F64SubStore64 f64_sub_store64 { dst: R, a: R, b: R, addr: R, offset: Idx }
            /// `dst = a * b + c` (f64, two roundings), then `mem[addr + offset] = dst` (64 bits): `f64_mul_add` then `store64`.
            F64MulAddStore64 f64_mul_add_store64 { dst: R, a: R, b: R, c: R, addr: R, offset: Idx }
            /// `dst = a * b + c` (f32, two roundings), then `mem[addr + offset] = dst` (32 bits): `f32_mul_add` then `store32`.
            F32MulAddStore32 f32_mul_add_store32 { dst: R, a: R, b: R, c: R, addr: R, offset: Idx }
            /// `d1 = (a1 << i1) + b1` (i32), then `d2 = mem[d1 + offset]` (16 bits, zero-extended): a u16 element's address kept, then read.
            I32ShlImmAddLoad16U i32_shl_imm_add_load16_u { d1: R, a1: R, i1: Imm32, d2: R, b1: R, offset: Idx }
            // ---- cold ----
            /// `dst = a < b` (f32; 1 or 0).
            F32Lt f32_lt { dst: R, a: R, b: R }
            /// Branches by `off` if not `a >= b` (f64; taken when either is NaN).
            BrF64NotGe br_f64_not_ge { a: R, b: R, off: Off }
            /// Branches by `off` if not `a <= b` (f64; taken when either is NaN).
            BrF64NotLe br_f64_not_le { a: R, b: R, off: Off }
            /// `dst` = the f64 `a` truncated to a signed i64 (saturating).
            I64TruncSatF64S i64_trunc_sat_f64_s { dst: R, a: R }
            /// `dst = a % b (signed; traps on 0)` (i32).
            I32RemS i32_rem_s { dst: R, a: R, b: R }
            /// `dst = a >= (signed) b` (i32; 1 or 0).
            I32GeS i32_ge_s { dst: R, a: R, b: R }
            /// `dst = a - imm` (f64; imm: f64 bits).
            F64SubImm f64_sub_imm { dst: R, a: R, imm: Imm64 }
            /// `dst` = the f64 `a` truncated to a unsigned i32 (saturating).
            I32TruncSatF64U i32_trunc_sat_f64_u { dst: R, a: R }
            /// `dst` = the signed i32 `a` converted to f32.
            F32ConvertI32S f32_convert_i32_s { dst: R, a: R }
            /// `dst = a * b - c` (f32, two roundings).
            F32MulSub f32_mul_sub { dst: R, a: R, b: R, c: R }
            /// `dst = a - imm` (f32; imm: f32 bits).
            F32SubImm f32_sub_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = imm - a` (f32; imm: f32 bits).
            F32RSubImm f32_rsub_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = c - a * b` (f32, two roundings).
            F32MulRSub f32_mul_rsub { dst: R, a: R, b: R, c: R }
            /// `dst` = the f64 `a` truncated to a unsigned i64 (saturating).
            I64TruncSatF64U i64_trunc_sat_f64_u { dst: R, a: R }
            /// `dst = |a|` (f32).
            F32Abs f32_abs { dst: R, a: R }
            /// `dst = -a` (f32).
            F32Neg f32_neg { dst: R, a: R }
            /// `dst = a (f32) widened to f64` (f64).
            F64PromoteF32 f64_promote_f32 { dst: R, a: R }
            /// `dst = a (f64) rounded to f32` (f32).
            F32DemoteF64 f32_demote_f64 { dst: R, a: R }
            /// `dst = a <= (unsigned) imm` (i32; 1 or 0).
            I32LeUImm i32_le_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >= (unsigned) imm` (i32; 1 or 0).
            I32GeUImm i32_ge_u_imm { dst: R, a: R, imm: Imm32 }
            /// Traps (`unreachable`).
            Unreachable unreachable {}
            /// Branches by `off` if `a > (signed) b` (i64).
            BrI64GtS br_i64_gt_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= (signed) b` (i64).
            BrI64LeS br_i64_le_s { a: R, b: R, off: Off }
            /// Branches by `off` if `a <= (unsigned) imm` (i64; imm sign-extended).
            BrI64LeUImm br_i64_le_u_imm { a: R, imm: Imm32, off: Off }
            /// Branches by `off` if `a >= (signed) imm` (i64; imm sign-extended).
            BrI64GeSImm br_i64_ge_s_imm { a: R, imm: Imm32, off: Off }
            /// `dst = a <= (signed) imm` (i32; 1 or 0).
            I32LeSImm i32_le_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >= (signed) imm` (i32; 1 or 0).
            I32GeSImm i32_ge_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = min(a, b) (wasm NaN and ±0 rules)` (f64).
            F64Min f64_min { dst: R, a: R, b: R }
            /// `dst = max(a, b) (wasm NaN and ±0 rules)` (f64).
            F64Max f64_max { dst: R, a: R, b: R }
            /// `dst = a > b` (f32; 1 or 0).
            F32Gt f32_gt { dst: R, a: R, b: R }
            /// `dst = a >= b` (f32; 1 or 0).
            F32Ge f32_ge { dst: R, a: R, b: R }
            /// `dst = set bits of a` (i32).
            I32Popcnt i32_popcnt { dst: R, a: R }
            /// `dst = ` size of memory 0 in pages.
            MemorySize memory_size { dst: R }
            /// Grows memory 0 by `delta` pages; `dst` = old size or -1.
            MemoryGrow memory_grow { dst: R, delta: R }
            /// `dst = a == b` (i64; 1 or 0).
            I64Eq i64_eq { dst: R, a: R, b: R }
            /// `dst = a != b` (i64; 1 or 0).
            I64Ne i64_ne { dst: R, a: R, b: R }
            /// `dst = a < (signed) b` (i64; 1 or 0).
            I64LtS i64_lt_s { dst: R, a: R, b: R }
            /// `dst = a < (unsigned) b` (i64; 1 or 0).
            I64LtU i64_lt_u { dst: R, a: R, b: R }
            /// `dst = a > (signed) b` (i64; 1 or 0).
            I64GtS i64_gt_s { dst: R, a: R, b: R }
            /// `dst = a > (unsigned) b` (i64; 1 or 0).
            I64GtU i64_gt_u { dst: R, a: R, b: R }
            /// `dst = a <= (signed) b` (i64; 1 or 0).
            I64LeS i64_le_s { dst: R, a: R, b: R }
            /// `dst = a <= (unsigned) b` (i64; 1 or 0).
            I64LeU i64_le_u { dst: R, a: R, b: R }
            /// `dst = a >= (signed) b` (i64; 1 or 0).
            I64GeS i64_ge_s { dst: R, a: R, b: R }
            /// `dst = a >= (unsigned) b` (i64; 1 or 0).
            I64GeU i64_ge_u { dst: R, a: R, b: R }
            /// `dst = a rotated left by b` (i32).
            I32Rotl i32_rotl { dst: R, a: R, b: R }
            /// `dst = a / imm (signed; traps on 0 and overflow)` (i32).
            I32DivSImm i32_div_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a / imm (unsigned; traps on 0)` (i32).
            I32DivUImm i32_div_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a % imm (signed; traps on 0)` (i32).
            I32RemSImm i32_rem_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a % imm (unsigned; traps on 0)` (i32).
            I32RemUImm i32_rem_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a rotated left by b` (i64).
            I64Rotl i64_rotl { dst: R, a: R, b: R }
            /// `dst = a / b` (f32).
            F32Div f32_div { dst: R, a: R, b: R }
            /// `dst = a == b` (f32; 1 or 0).
            F32Eq f32_eq { dst: R, a: R, b: R }
            /// `dst = a != b` (f32; 1 or 0).
            F32Ne f32_ne { dst: R, a: R, b: R }
            /// `dst = sqrt(a)` (f32).
            F32Sqrt f32_sqrt { dst: R, a: R }
            /// `dst = a / b (signed; traps on 0 and overflow)` (i64).
            I64DivS i64_div_s { dst: R, a: R, b: R }
            /// `dst = a / b (unsigned; traps on 0)` (i64).
            I64DivU i64_div_u { dst: R, a: R, b: R }
            /// `dst = a % b (signed; traps on 0)` (i64).
            I64RemS i64_rem_s { dst: R, a: R, b: R }
            /// `dst = a % b (unsigned; traps on 0)` (i64).
            I64RemU i64_rem_u { dst: R, a: R, b: R }
            /// `dst = a sign-extended from 16 bits` (i32).
            I32Extend16S i32_extend16_s { dst: R, a: R }
            /// `dst = leading zero bits of a` (i64).
            I64Clz i64_clz { dst: R, a: R }
            /// `dst = trailing zero bits of a` (i64).
            I64Ctz i64_ctz { dst: R, a: R }
            /// `dst = set bits of a` (i64).
            I64Popcnt i64_popcnt { dst: R, a: R }
            /// `dst = a sign-extended from 8 bits` (i64).
            I64Extend8S i64_extend8_s { dst: R, a: R }
            /// `dst = a sign-extended from 16 bits` (i64).
            I64Extend16S i64_extend16_s { dst: R, a: R }
            /// `dst = min(a, b) (wasm NaN and ±0 rules)` (f32).
            F32Min f32_min { dst: R, a: R, b: R }
            /// `dst = max(a, b) (wasm NaN and ±0 rules)` (f32).
            F32Max f32_max { dst: R, a: R, b: R }
            /// `dst` = the unsigned i32 `a` converted to f32.
            F32ConvertI32U f32_convert_i32_u { dst: R, a: R }
            /// `dst` = the signed i64 `a` converted to f32.
            F32ConvertI64S f32_convert_i64_s { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a signed i32 (traps on NaN and overflow).
            I32TruncF32S i32_trunc_f32_s { dst: R, a: R }
            /// `dst = a rotated right by b` (i32).
            I32Rotr i32_rotr { dst: R, a: R, b: R }
            /// `dst = a rotated right by b` (i64).
            I64Rotr i64_rotr { dst: R, a: R, b: R }
            /// `dst = imm - a` (i64; imm sign-extended).
            I64RSubImm i64_rsub_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a rotated left by imm` (i64; imm sign-extended).
            I64RotlImm i64_rotl_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a / imm (signed; traps on 0 and overflow)` (i64; imm sign-extended).
            I64DivSImm i64_div_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a / imm (unsigned; traps on 0)` (i64; imm sign-extended).
            I64DivUImm i64_div_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a % imm (signed; traps on 0)` (i64; imm sign-extended).
            I64RemSImm i64_rem_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a % imm (unsigned; traps on 0)` (i64; imm sign-extended).
            I64RemUImm i64_rem_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a == imm` (i64; imm sign-extended; 1 or 0).
            I64EqImm i64_eq_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a != imm` (i64; imm sign-extended; 1 or 0).
            I64NeImm i64_ne_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a < (signed) imm` (i64; imm sign-extended; 1 or 0).
            I64LtSImm i64_lt_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a < (unsigned) imm` (i64; imm sign-extended; 1 or 0).
            I64LtUImm i64_lt_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a > (signed) imm` (i64; imm sign-extended; 1 or 0).
            I64GtSImm i64_gt_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a > (unsigned) imm` (i64; imm sign-extended; 1 or 0).
            I64GtUImm i64_gt_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a <= (signed) imm` (i64; imm sign-extended; 1 or 0).
            I64LeSImm i64_le_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a <= (unsigned) imm` (i64; imm sign-extended; 1 or 0).
            I64LeUImm i64_le_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >= (signed) imm` (i64; imm sign-extended; 1 or 0).
            I64GeSImm i64_ge_s_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a >= (unsigned) imm` (i64; imm sign-extended; 1 or 0).
            I64GeUImm i64_ge_u_imm { dst: R, a: R, imm: Imm32 }
            /// `dst = a with the sign of b` (f64).
            F64Copysign f64_copysign { dst: R, a: R, b: R }
            /// `dst = a rounded up` (f64).
            F64Ceil f64_ceil { dst: R, a: R }
            /// `dst = a rounded down` (f64).
            F64Floor f64_floor { dst: R, a: R }
            /// `dst = a rounded toward zero` (f64).
            F64Trunc f64_trunc { dst: R, a: R }
            /// `dst = a rounded to nearest, ties to even` (f64).
            F64Nearest f64_nearest { dst: R, a: R }
            /// `dst = a with the sign of b` (f32).
            F32Copysign f32_copysign { dst: R, a: R, b: R }
            /// `dst = a rounded up` (f32).
            F32Ceil f32_ceil { dst: R, a: R }
            /// `dst = a rounded down` (f32).
            F32Floor f32_floor { dst: R, a: R }
            /// `dst = a rounded toward zero` (f32).
            F32Trunc f32_trunc { dst: R, a: R }
            /// `dst = a rounded to nearest, ties to even` (f32).
            F32Nearest f32_nearest { dst: R, a: R }
            /// `dst` = the unsigned i64 `a` converted to f64.
            F64ConvertI64U f64_convert_i64_u { dst: R, a: R }
            /// `dst` = the unsigned i64 `a` converted to f32.
            F32ConvertI64U f32_convert_i64_u { dst: R, a: R }
            /// `dst` = the f64 `a` truncated to a unsigned i32 (traps on NaN and overflow).
            I32TruncF64U i32_trunc_f64_u { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a unsigned i32 (traps on NaN and overflow).
            I32TruncF32U i32_trunc_f32_u { dst: R, a: R }
            /// `dst` = the f64 `a` truncated to a unsigned i64 (traps on NaN and overflow).
            I64TruncF64U i64_trunc_f64_u { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a signed i64 (traps on NaN and overflow).
            I64TruncF32S i64_trunc_f32_s { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a unsigned i64 (traps on NaN and overflow).
            I64TruncF32U i64_trunc_f32_u { dst: R, a: R }
            /// `dst = a == null`.
            RefIsNull ref_is_null { dst: R, a: R }
            /// `dst` = a reference to function `func`.
            RefFunc ref_func { dst: R, func: Idx }
            /// `dst = table[idx]`.
            TableGet table_get { dst: R, table: Idx, idx: R }
            /// `table[idx] = val`.
            TableSet table_set { table: Idx, idx: R, val: R }
            /// `dst` = the f32 `a` truncated to a signed i32 (saturating).
            I32TruncSatF32S i32_trunc_sat_f32_s { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a unsigned i32 (saturating).
            I32TruncSatF32U i32_trunc_sat_f32_u { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a signed i64 (saturating).
            I64TruncSatF32S i64_trunc_sat_f32_s { dst: R, a: R }
            /// `dst` = the f32 `a` truncated to a unsigned i64 (saturating).
            I64TruncSatF32U i64_trunc_sat_f32_u { dst: R, a: R }
            /// Fills `len` bytes of memory 0 at `dst` with the byte `val`.
            MemoryFill memory_fill { dst: R, val: R, len: R }
            /// Copies `len` bytes of memory 0 from `src` to `dst`.
            MemoryCopy memory_copy { dst: R, src: R, len: R }
            /// Copies `len` bytes of data segment `data` from `src` to memory 0 at `dst`.
            MemoryInit memory_init { data: Idx, dst: R, src: R, len: R }
            /// Drops data segment `data`.
            DataDrop data_drop { data: Idx }
            /// `dst` = number of elements of `table`.
            TableSize table_size { dst: R, table: Idx }
            /// Grows `table` by `delta` elements of `init`; `dst` = old size or -1.
            TableGrow table_grow { dst: R, table: Idx, init: R, delta: R }
            /// Sets `len` elements of `table` from `dst` on to `val`.
            TableFill table_fill { table: Idx, dst: R, val: R, len: R }
            /// Copies `len` elements from `src_table[src..]` to `dst_table[dst..]`.
            TableCopy table_copy { dst_table: Idx, src_table: Idx, dst: R, src: R, len: R }
            /// Copies `len` elements of segment `elem` from `src` to `table[dst..]`.
            TableInit table_init { table: Idx, elem: Idx, dst: R, src: R, len: R }
            /// Drops element segment `elem`.
            ElemDrop elem_drop { elem: Idx }
        }
    };
}

/// Size of the opcode word that starts every op (a handler address or an op index, see
/// the module documentation).
pub const OPCODE_SIZE: usize = 8;

/// `loop_header.at` of a loop that on-stack replacement cannot enter.
pub const NO_OSR: u32 = u32::MAX;

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
    /// Writes the little-endian bytes at `buf[at..]`; returns the offset after them.
    fn write(self, buf: &mut [u8], at: usize) -> usize;
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
            fn write(self, buf: &mut [u8], at: usize) -> usize {
                buf[at..at + Self::SIZE].copy_from_slice(&self.to_le_bytes());
                at + Self::SIZE
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
    ($($(#[$doc:meta])* $name:ident $snake:ident { $($field:ident : $kind:ident),* })*) => {
        /// Every interpreter op.
        #[repr(u16)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum OpCode { $($(#[$doc])* $name),* }

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

            /// Total encoded size (for `br_table`, without its offsets).
            pub const fn size(self) -> usize {
                match self { $(OpCode::$name => op::$name::SIZE),* }
            }

            /// Decodes the opcode word at `code[pos..]`.
            pub fn decode(code: &[u8], pos: usize) -> Option<OpCode> {
                let word = code.get(pos..pos + OPCODE_SIZE)?;
                super::dispatch::op_of_word(u64::from_le_bytes(word.try_into().ok()?))
            }

            /// Writes the opcode word at the start of `buf`; returns its length.
            #[inline(always)]
            pub fn write_prefix(self, buf: &mut [u8]) -> usize {
                buf[..OPCODE_SIZE].copy_from_slice(&super::dispatch::op_word(self).to_le_bytes());
                OPCODE_SIZE
            }
        }

        /// Operand structs, one per op, each with its decoder.
        pub mod op {
            use super::{OpCode, Operand};
            $(
                $(#[$doc])*
                #[derive(Copy, Clone, Debug, PartialEq, Eq)]
                #[allow(missing_docs, reason = "generated from the op list, whose lines are documented")]
                pub struct $name { $(pub $field: kind_ty!($kind)),* }

                // Made for every op; the executor of a fused-away or rare op may not
                // decode it, and only the round-trip tests read `CODE`.
                #[allow(dead_code, reason = "made for every op; not every op is decoded or named outside tests")]
                impl $name {
                    /// The opcode.
                    pub const CODE: OpCode = OpCode::$name;
                    /// Encoded size in bytes.
                    pub const SIZE: usize = super::OPCODE_SIZE $(+ <kind_ty!($kind) as Operand>::SIZE)*;

                    /// Decodes the operands of the op starting at `pc`.
                    ///
                    /// # Safety
                    /// `pc` must point at an encoded op of this kind.
                    #[inline(always)]
                    #[allow(unused_mut, unused_variables, unused_assignments, clippy::let_and_return, reason = "generated for every op, including ops without operands")]
                    pub unsafe fn decode(pc: *const u8) -> Self {
                        // SAFETY: the caller guarantees `pc..pc+SIZE` holds this op.
                        unsafe {
                            let mut p = pc.add(super::OPCODE_SIZE);
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

        /// One op with its operands, as a value: what the encoder stages before the op
        /// is final (see `encode`).
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[allow(missing_docs, reason = "generated from the op list, whose lines are documented")]
        pub enum Op { $($name(op::$name)),* }

        impl Op {
            /// The opcode.
            pub fn code(&self) -> OpCode {
                match self { $(Op::$name(_) => OpCode::$name),* }
            }

            /// Appends the encoded op: assembled in a fixed-size buffer (the offsets are
            /// constants, so the bounds checks fold away), then stored in one step rather
            /// than one append (and `memcpy` call) per field: this is the translator's
            /// hottest path.
            #[allow(unused_variables, unused_mut, unused_assignments, reason = "ops without operands use none of the bindings")]
            pub fn put(&self, out: &mut Vec<u8>) {
                match self {
                    $(Op::$name(o) => {
                        let mut buf = [0u8; op::$name::SIZE];
                        let mut at = OpCode::$name.write_prefix(&mut buf);
                        $( at = o.$field.write(&mut buf, at); )*
                        out.reserve(op::$name::SIZE);
                        // SAFETY: `reserve` made room for the op's bytes after the
                        // length; all of them are written before the length covers them.
                        unsafe {
                            let len = out.len();
                            out.as_mut_ptr()
                                .add(len)
                                .cast::<[u8; op::$name::SIZE]>()
                                .write_unaligned(buf);
                            out.set_len(len + op::$name::SIZE);
                        }
                    })*
                }
            }

            /// The result slot of an op that produces a value: its first field when that
            /// is `dst`, or the second op's `d2` in a pair of producing ops (`load32x2`,
            /// `i32_add_imm2`). Ops without a result may still answer (`memory_fill`'s
            /// `dst` is an address): ask only of an op known to produce a value.
            #[allow(unused_variables, reason = "ops without operands use none of the bindings")]
            pub fn result_mut(&mut self) -> Option<&mut u16> {
                match self {
                    $(Op::$name(o) => result_field!(o; $($field),*),)*
                }
            }
        }

        impl super::encode::Encoder {
            $(
                /// Appends the op; returns the offset of its first byte.
                #[inline]
                pub fn $snake(&mut self, $($field: kind_ty!($kind)),*) -> usize {
                    self.emit(Op::$name(op::$name { $($field),* }))
                }
            )*
        }

    };
}

/// The result field of an op's operand struct, from its field list (see `Op::result_mut`).
macro_rules! result_field {
    ($o:ident; dst $(, $rest:ident)*) => {
        Some(&mut $o.dst)
    };
    ($o:ident; d1, a1, $x:ident, d2 $(, $rest:ident)*) => {
        Some(&mut $o.d2)
    };
    ($o:ident; $($rest:ident),*) => {
        None
    };
}

for_each_op!(define_ops);

/// Number of ops.
pub const NUM_OPS: usize = OpCode::ALL.len();

#[cfg(test)]
mod tests;
