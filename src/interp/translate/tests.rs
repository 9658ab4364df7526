//! Unit tests of the translator: the fusions and invariants its design promises.

use super::*;
use crate::interp::disasm::disassemble;
use crate::module::DefinedFuncIndex;

fn translate_wat(wat: &str) -> FuncCode {
    let wasm = wat::parse_str(wat).unwrap();
    let module = ModuleInfo::parse(&wasm).unwrap();
    translate_function(
        &module,
        DefinedFuncIndex::from_u32(0),
        &TranslateOptions::default(),
    )
    .unwrap()
}

#[test]
fn local_get_add_local_set_is_one_op() {
    let f = translate_wat(
        "(module (func (param i32 i32) (local i32)
            local.get 0 local.get 1 i32.add local.set 2))",
    );
    let text = disassemble(&f.code);
    assert_eq!(
        text.lines().next().unwrap().trim(),
        "0: i32_add dst=s2, a=s0, b=s1",
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn compare_and_branch_fuse() {
    let f = translate_wat(
        "(module (func (param i32)
            (block (br_if 0 (i32.lt_s (local.get 0) (i32.const 10))))))",
    );
    let text = disassemble(&f.code);
    assert!(text.contains("br_i32_lt_s_imm a=s0, imm=10"), "{text}");
}

#[test]
fn constants_become_immediates() {
    let f =
        translate_wat("(module (func (param i32) (result i32) local.get 0 i32.const 5 i32.sub))");
    let text = disassemble(&f.code);
    assert!(text.contains("i32_add_imm dst=s1, a=s0, imm=-5"), "{text}");
}

#[test]
fn preserved_local_keeps_old_value() {
    // The first `local.get 0` must see the value before `local.set 0`.
    let f = translate_wat(
        "(module (func (param i32) (result i32)
            local.get 0 i32.const 7 local.set 0 local.get 0 i32.add))",
    );
    let text = disassemble(&f.code);
    let mv = text.find("move dst=s1, src=s0").expect(&text);
    let set = text.find("const32 dst=s0").expect(&text);
    assert!(mv < set, "{text}");
}

#[test]
fn bytecode_is_compact() {
    let wasm = wat::parse_str(
        "(module (func (param i32) (result i32) (local i32)
            (loop $l
                (local.set 1 (i32.add (local.get 1) (local.get 0)))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br_if $l (local.get 0)))
            local.get 1))",
    )
    .unwrap();
    let module = ModuleInfo::parse(&wasm).unwrap();
    let f = translate_function(
        &module,
        DefinedFuncIndex::from_u32(0),
        &TranslateOptions::default(),
    )
    .unwrap();
    let wasm_code = module.bodies[0].len();
    assert!(
        f.code.len() <= 3 * wasm_code,
        "{} vs {}\n{}",
        f.code.len(),
        wasm_code,
        disassemble(&f.code)
    );
}

#[test]
fn calls_zero_only_locals_that_may_be_read_before_written() {
    // Local 1 is written before every read; local 2 only in one arm of an `if` and read
    // after it; local 3 is read in a loop before the loop writes it; local 4 is written
    // in a block and read after its end.
    let f = translate_wat(
        "(module (func (param i32) (result i32) (local i32 i32 i32 i32 i32)
            (local.set 1 (local.get 0))
            (if (local.get 1) (then (local.set 2 (i32.const 7))))
            (loop $l
              (local.set 0 (i32.add (local.get 0) (local.get 3)))
              (local.set 3 (i32.const 1))
              (br_if $l (i32.lt_s (local.get 0) (i32.const 10))))
            (block (local.set 4 (i32.const 5)))
            (local.set 5 (i32.const 2))
            (i32.add (local.get 5) (i32.add (local.get 4)
              (i32.add (local.get 1) (local.get 2))))))",
    );
    assert_eq!((f.zero_from, f.zero_len), (2, 3));
    let g = translate_wat(
        "(module (func (param i32) (result i32) (local i32 i32)
            (local.set 2 (i32.mul (local.get 0) (local.get 0)))
            (local.tee 1 (i32.add (local.get 2) (i32.const 1)))))",
    );
    assert_eq!(g.zero_len, 0);
}
