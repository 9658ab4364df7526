//! Each fused op of the interpreter, run against the plain translation on inputs chosen
//! for its edge cases (wrapping address arithmetic, bounds, NaN, -0.0, signed limits).
//! Every case also checks that the fused op is really emitted.

use tierwasm::{Config, Engine, Instance, Module, Store, Tier, Val};

fn engine(plain: bool) -> Engine {
    let mut c = Config::new();
    c.tier(Tier::Interp).plain_translation(plain);
    Engine::new(&c).unwrap()
}

fn instantiate(engine: &Engine, wat: &str) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat).unwrap();
    let mut store = Store::new(engine, ());
    let instance = tierwasm::Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance)
}

fn run(engine: &Engine, wat: &str, args: &[Val]) -> String {
    let (mut store, instance) = instantiate(engine, wat);
    let f = instance.get_func(&store, "f").unwrap();
    let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
    for (r, t) in results.iter_mut().zip(f.ty(&store).results()) {
        *r = Val::default_for(*t);
    }
    match f.call(&mut store, args, &mut results) {
        Ok(()) => format!("{results:?}"),
        Err(e) => format!("trap: {e}"),
    }
}

/// Runs `wat`'s export `f` on every argument list, fused and plain, and checks that the
/// fused translation contains `op`.
fn check(op: &str, wat: &str, inputs: &[Vec<Val>]) {
    let (fused, plain) = (engine(false), engine(true));
    let module = Module::new(&fused, wat).unwrap();
    let text = module
        .disassemble(module.defined_functions().start)
        .unwrap();
    assert!(text.contains(op), "expected `{op}` in:\n{text}");
    for args in inputs {
        let a = run(&fused, wat, args);
        let b = run(&plain, wat, args);
        assert_eq!(a, b, "`{op}` with {args:?}\n{text}");
    }
}

fn i32s(vals: &[i32]) -> Vec<Vec<Val>> {
    vals.iter().map(|v| vec![Val::I32(*v)]).collect()
}

const EDGES: &[i32] = &[
    0,
    1,
    -1,
    2,
    7,
    100,
    65535,
    65536,
    65532,
    i32::MAX,
    i32::MIN,
    -4,
    -65536,
];

#[test]
fn load_with_add_imm_wraps_at_32_bits() {
    for (op, load) in [
        ("load32_add_imm", "i32.load"),
        ("load64_add_imm", "i64.load"),
        ("load8_u_add_imm", "i32.load8_u"),
        ("load8_s_add_imm", "i32.load8_s"),
        ("load16_u_add_imm", "i32.load16_u"),
        ("load16_s_add_imm", "i32.load16_s"),
    ] {
        let ty = if load.starts_with("i64") {
            "i64"
        } else {
            "i32"
        };
        let wat = format!(
            r#"(module (memory 1) (data (i32.const 0) "\01\82\03\84\05\86\07\88\09\8a")
                (func (export "f") (param i32) (result {ty})
                  (local i32)
                  (local.set 1 (i32.const 9))
                  ({load} offset=3 (i32.add (local.get 0) (i32.const -5)))))"#
        );
        check(
            op,
            &wat,
            &i32s(&[0, 5, 4, 6, 65530, 65533, -1, i32::MIN, 2]),
        );
    }
}

#[test]
fn load_with_add_and_shift() {
    let wat = r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c")
        (func (export "f") (param i32) (result i32)
          (i32.load offset=1 (i32.add (local.get 0) (local.get 0)))))"#;
    check("load32_add", wat, &i32s(EDGES));
    let wat = r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c")
        (func (export "f") (param i32) (result i64)
          (i64.load offset=2 (i32.shl (local.get 0) (i32.const 2)))))"#;
    check("load64_shl", wat, &i32s(EDGES));
    let wat = r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c")
        (func (export "f") (param i32) (result i32)
          (i32.add (i32.load8_u (i32.add (local.get 0) (i32.const 3))) (i32.load8_u (local.get 0)))))"#;
    check("load8_u_add_imm", wat, &i32s(EDGES));
    // Narrow loads of `a + b`, with bytes that show the extension.
    let data = r#"(memory 1) (data (i32.const 0) "\01\ff\80\7f\fe\02")"#;
    for (load, ty, op) in [
        ("i32.load16_u", "i32", "load16_u_add dst"),
        ("i32.load8_s", "i32", "load8_s_add dst"),
        ("i64.load8_s", "i64", "load8_s_add dst"),
    ] {
        let wat = format!(
            r#"(module {data} (func (export "f") (param i32) (result {ty})
                ({load} offset=1 (i32.add (local.get 0) (local.get 0)))))"#
        );
        check(op, &wat, &i32s(EDGES));
    }
}

#[test]
fn stores_with_add_imm_add_and_immediates() {
    let wat = r#"(module (memory 1)
        (func (export "f") (param i32) (result i64)
          (local i32)
          (local.set 1 (i32.const 77))
          (i32.store (i32.add (local.get 0) (i32.const 8)) (local.get 1))
          (i64.store8 (i32.add (local.get 0) (i32.const 1)) (i64.const 300))
          (i32.store (i32.add (local.get 0) (local.get 0)) (local.get 0))
          (i64.store offset=16 (local.get 0) (i64.const -2))
          (i64.load (i32.const 8))))"#;
    check("store32_add_imm", wat, &i32s(EDGES));
    check("store32_add ", wat, &i32s(&[0, 4, 30000, 32766]));
    check("store64_imm", wat, &i32s(&[0, 8, 65520, 65519, -8]));
    check("store8_imm", wat, &i32s(&[0, 65535, 65534]));
}

#[test]
fn paired_ops() {
    let wat = r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c")
        (func (export "f") (param i32) (result i32)
          (local i32 i32)
          (local.set 1 (i32.add (local.get 0) (i32.const 3)))
          (local.set 2 (i32.add (local.get 1) (i32.const -7)))
          (i32.add (i32.load (local.get 1)) (i32.load (local.get 2)))))"#;
    check("i32_add_imm2", wat, &i32s(&[0, 4, 65530, 65532, 8, -3]));
    check("load32x2", wat, &i32s(&[0, 4, 65530, 65532, 8, -3]));
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (local i32 i32)
          (local.set 1 (local.get 0))
          (local.set 2 (local.get 1))
          (local.set 0 (i32.const 3))
          (i32.sub (local.get 2) (local.get 0))))"#;
    check("move2", wat, &i32s(EDGES));
}

#[test]
fn loop_latch_add_and_branch() {
    // Count down to a bound, count up to a local, count until zero.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (local i32 i32)
          (local.set 2 (i32.and (local.get 0) (i32.const 1023)))
          (loop $l
            (local.set 1 (i32.add (local.get 1) (i32.const 3)))
            (br_if $l (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (i32.const 2000))))
          (block $b (loop $m
            (br_if $b (i32.eq (local.tee 2 (i32.add (local.get 2) (i32.const -1))) (i32.const 5)))
            (br $m)))
          (local.set 0 (i32.and (local.get 0) (i32.const 3)))
          (loop $n
            (br_if $n (i32.ne (local.tee 2 (i32.add (local.get 2) (i32.const -1))) (local.get 0))))
          (i32.add (local.get 1) (local.get 2))))"#;
    check("i32_add_imm_br_eq_imm", wat, &i32s(&[0, 1, 3, 4, 2, 1000]));
    check("i32_add_imm_br_ne", wat, &i32s(&[0, 1, 3, 4, 2, 1000]));
}

#[test]
fn shift_and_mask_rotate_xor_multiply_add() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (i32.and (i32.shr_u (local.get 0) (i32.const 35)) (i32.const 0x7f0f))))"#;
    check("i32_shr_u_and_imm", wat, &i32s(EDGES));
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (i32.xor (local.get 0) (i32.rotl (local.get 0) (i32.const 13)))))"#;
    check("i32_rotl_imm_xor", wat, &i32s(EDGES));
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (i32.add (local.get 0) (i32.mul (local.get 0) (local.get 0)))))"#;
    check("i32_mul_add", wat, &i32s(EDGES));
}

fn f64s(vals: &[f64]) -> Vec<Vec<Val>> {
    vals.iter().map(|v| vec![Val::F64(v.to_bits())]).collect()
}

const F_EDGES: &[f64] = &[
    0.0,
    -0.0,
    1.5,
    -2.25,
    4.0,
    3.999,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e300,
    -1e-300,
];

#[test]
fn float_immediates_and_multiply_add() {
    for (op, body) in [
        ("f64_add_imm", "(f64.add (f64.const 0.25) (local.get 0))"),
        ("f64_sub_imm", "(f64.sub (local.get 0) (f64.const 0.25))"),
        ("f64_rsub_imm", "(f64.sub (f64.const 0.25) (local.get 0))"),
        ("f64_mul_imm", "(f64.mul (local.get 0) (f64.const -3))"),
        ("f64_div_imm", "(f64.div (local.get 0) (f64.const 3))"),
        ("f64_rdiv_imm", "(f64.div (f64.const 3) (local.get 0))"),
        (
            "f64_mul_add",
            "(f64.add (f64.mul (local.get 0) (f64.neg (local.get 0))) (local.get 0))",
        ),
        (
            "f64_mul_sub",
            "(f64.sub (f64.mul (local.get 0) (f64.neg (local.get 0))) (local.get 0))",
        ),
        (
            "f64_mul_rsub",
            "(f64.sub (local.get 0) (f64.mul (local.get 0) (f64.neg (local.get 0))))",
        ),
        (
            "f64_mul_imm_add",
            "(f64.add (f64.mul (local.get 0) (f64.const -3)) (local.get 0))",
        ),
        (
            "f64_mul_imm_add",
            "(f64.add (local.get 0) (f64.mul (f64.const 1e300) (local.get 0)))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param f64) (result f64) {body}))"#);
        check(op, &wat, &f64s(F_EDGES));
    }
    for (op, body) in [
        ("f32_add_imm", "(f32.add (local.get 0) (f32.const 0.5))"),
        ("f32_rsub_imm", "(f32.sub (f32.const 0.5) (local.get 0))"),
        (
            "f32_mul_add",
            "(f32.add (local.get 0) (f32.mul (local.get 0) (local.get 0)))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param f32) (result f32) {body}))"#);
        let inputs: Vec<Vec<Val>> = F_EDGES
            .iter()
            .map(|v| vec![Val::F32((*v as f32).to_bits())])
            .collect();
        check(op, &wat, &inputs);
    }
}

#[test]
fn float_compare_and_branch_respects_nan() {
    for cmp in ["lt", "gt", "le", "ge", "eq", "ne"] {
        // `br_if` takes the positive form, `if` the negated one; NaN must take neither
        // comparison's "true" path.
        let wat = format!(
            r#"(module (func (export "f") (param f64 f64) (result i32)
                (block $b (br_if $b (f64.{cmp} (local.get 0) (local.get 1))) (return (i32.const 1)))
                (if (result i32) (f64.{cmp} (local.get 1) (f64.const 2.5))
                  (then (i32.const 2)) (else (i32.const 3)))))"#
        );
        let mut inputs = Vec::new();
        for a in F_EDGES {
            for b in [2.5, f64::NAN, -0.0, 0.0] {
                inputs.push(vec![Val::F64(a.to_bits()), Val::F64(b.to_bits())]);
            }
        }
        check(&format!("br_f64_{cmp}"), &wat, &inputs);
        // A constant on the left swaps the comparison (and its spare slot).
        let wat = format!(
            r#"(module (func (export "f") (param f64) (result i32)
                (if (result i32) (f64.{cmp} (f64.const 2.5) (f64.add (local.get 0) (local.get 0)))
                  (then (i32.const 2)) (else (i32.const 3)))))"#
        );
        check("br_f64", &wat, &f64s(F_EDGES));
    }
}

#[test]
fn integer_compare_and_branch_with_immediates() {
    for cmp in [
        "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u", "eq", "ne",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32) (result i32)
                (block $b (br_if $b (i32.{cmp} (local.get 0) (i32.const -4))) (return (i32.const 1)))
                (if (result i32) (i32.{cmp} (i32.const 7) (local.get 0))
                  (then (i32.const 2)) (else (i32.const 3)))))"#
        );
        check(&format!("br_i32_{cmp}_imm"), &wat, &i32s(EDGES));
        let wat = format!(
            r#"(module (func (export "f") (param i64) (result i32)
                (block $b (br_if $b (i64.{cmp} (local.get 0) (i64.const -4))) (return (i32.const 1)))
                (if (result i32) (i64.{cmp} (i64.const 7) (local.get 0))
                  (then (i32.const 2)) (else (i32.const 3)))))"#
        );
        let inputs: Vec<Vec<Val>> = [0i64, -4, -5, 7, 8, i64::MAX, i64::MIN, 1 << 40]
            .iter()
            .map(|v| vec![Val::I64(*v)])
            .collect();
        check(&format!("br_i64_{cmp}_imm"), &wat, &inputs);
    }
}

#[test]
fn compare_and_select() {
    for cmp in ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u"] {
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32)
                (select (i32.const 100) (local.get 1) (i32.{cmp} (local.get 0) (local.get 1)))))"#
        );
        let mut inputs = Vec::new();
        for a in [0, 1, -1, 7, i32::MIN, i32::MAX] {
            for b in [0, 7, -1] {
                inputs.push(vec![Val::I32(a), Val::I32(b)]);
            }
        }
        check(&format!("select_i32_{cmp}"), &wat, &inputs);
    }
}

#[test]
fn moves_before_a_branch_merge_into_it() {
    // A block result and a loop-carried pair of values, copied right before branches.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (local i32 i32)
          (block $done (result i32)
            (loop $l
              (local.set 1 (local.get 2))
              (local.set 2 (local.get 0))
              (br_if $done (local.get 1) (i32.eqz (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br $l))
            (i32.const -1))))"#;
    check("move_br", wat, &i32s(&[0, 1, 2, 5, 100]));
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (local i32 i32)
          (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
          (local.set 2 (i32.sub (local.get 0) (i32.const 9)))
          (block $b (result i32 i32)
            (br_if 0 (local.get 2) (local.get 1) (local.get 0))
            (br 0 (local.get 1) (local.get 2)))
          (i32.sub)))"#;
    check("move2_br", wat, &i32s(&[0, 1, 2, 5, 100]));
}

#[test]
fn stack_pointer_updates_fuse_with_the_global() {
    // A prologue (`sp -= 32`, kept in a local) and an epilogue (`sp = local + 32`); the
    // stack pointer starts low enough that the subtraction wraps.
    let body = |prologue: &str| {
        format!(
            r#"(module (global $sp (mut i32) (i32.const 16))
              (func (export "f") (param i32) (result i32)
                (local i32 i32 i32)
                {prologue}
                (local.set 3 (i32.add (global.get $sp) (i32.mul (local.get 1) (local.get 0))))
                (global.set $sp (i32.add (local.get 1) (i32.const 32)))
                (i32.add (local.get 3) (global.get $sp))))"#
        )
    };
    let fused = body("(global.set $sp (local.tee 1 (i32.sub (global.get $sp) (i32.const 32))))");
    check("global_add_imm", &fused, &i32s(EDGES));
    check("i32_add_imm_global_set", &fused, &i32s(EDGES));
    // The global read into a local first: that read stays, the update is one op.
    let kept = body(
        "(local.set 2 (global.get $sp))
         (global.set $sp (local.tee 1 (i32.sub (local.get 2) (i32.const 32))))
         (local.set 0 (i32.add (local.get 0) (local.get 2)))",
    );
    check("i32_add_imm_global_set", &kept, &i32s(EDGES));
    // An epilogue right before the return: one op with it, with and without a result.
    let ret1 = r#"(module (global $sp (mut i32) (i32.const 16))
          (func (export "f") (param i32) (result i32) (local i32)
            (global.set $sp (local.tee 1 (i32.sub (global.get $sp) (i32.const 32))))
            (local.set 0 (i32.mul (local.get 0) (global.get $sp)))
            (global.set $sp (i32.add (local.get 1) (i32.const 32)))
            (local.get 0)))"#;
    check("i32_add_imm_global_set_ret1", ret1, &i32s(EDGES));
    let ret = r#"(module (global $sp (mut i32) (i32.const 16))
          (func $g (param i32) (local i32)
            (global.set $sp (local.tee 1 (i32.sub (global.get $sp) (local.get 0))))
            (global.set $sp (i32.add (local.get 1) (i32.const 8))))
          (func (export "f") (param i32) (result i32)
            (call $g (local.get 0))
            (global.get $sp)))"#;
    check("i32_add_imm_global_set_ret ", ret, &i32s(EDGES));
}

#[test]
fn a_table_branch_on_an_offset_index() {
    // `match x { 3 => .., 4 => .., 5 => .., _ => .. }` as wasm: the index is `x - 3`,
    // wrapping below 3 to a large index that takes the default.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (block $d (block $c (block $b (block $a
            (br_table $a $b $c $d (i32.sub (local.get 0) (i32.const 3))))
            (return (i32.const 30)))
            (return (i32.const 40)))
            (return (i32.const 50)))
          (i32.const -1)))"#;
    check(
        "br_table_add_imm",
        wat,
        &i32s(&[0, 1, 2, 3, 4, 5, 6, 7, -1, i32::MIN, i32::MAX]),
    );
}

fn i32_pairs(xs: &[i32], ys: &[i32]) -> Vec<Vec<Val>> {
    let mut inputs = Vec::new();
    for &x in xs {
        for &y in ys {
            inputs.push(vec![Val::I32(x), Val::I32(y)]);
        }
    }
    inputs
}

#[test]
fn xor_then_rotate_and_shift_then_add() {
    // Rotations by constants, left and right, in and out of 0..32 (`rotr` by `k` is
    // `rotl` by `32 - k`), of an xor just computed: the ChaCha/BLAKE quarter round.
    for rot in [
        "i32.rotl (i32.const 16)",
        "i32.rotl (i32.const 45)",
        "i32.rotr (i32.const 7)",
        "i32.rotr (i32.const 0)",
        "i32.rotr (i32.const 32)",
        "i32.rotr (i32.const -1)",
    ] {
        let (name, k) = rot.split_once(' ').unwrap();
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32)
                ({name} (i32.xor (local.get 0) (local.get 1)) {k})))"#
        );
        check(
            "i32_xor_rotl_imm",
            &wat,
            &i32_pairs(EDGES, &[0, -1, 0x1234_5678]),
        );
    }
    // `a + (b << k)` with the shifted value on either side, k also past 31.
    for (shift, expr) in [
        (
            3,
            "(i32.add (local.get 1) (i32.shl (local.get 0) (i32.const 3)))",
        ),
        (
            33,
            "(i32.add (i32.shl (local.get 0) (i32.const 33)) (local.get 1))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param i32 i32) (result i32) {expr}))"#);
        check(
            &format!("i32_shl_imm_add dst=s2, a=s0, sh={shift}, b=s1"),
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, i32::MAX]),
        );
    }
}

#[test]
fn eight_byte_and_byte_copies() {
    // The loaded value goes straight to the store; either access may be out of bounds
    // (both trap the same way, and nothing is stored). For bytes, the last byte of
    // memory is in bounds.
    for (load, store, op) in [
        ("i64.load", "i64.store", "load64_store64"),
        ("i64.load8_u", "i64.store8", "load8_u_store8"),
    ] {
        let wat = format!(
            r#"(module (memory 1) (data (i32.const 0) "\81\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
                (func (export "f") (param i32 i32) (result i64)
                  ({store} offset=3 (local.get 1) ({load} offset=5 (local.get 0)))
                  (i64.add (i64.load (i32.const 0)) ({load} offset=3 (local.get 1)))))"#
        );
        check(
            op,
            &wat,
            &i32_pairs(
                &[-5, 0, 1, 65523, 65524, 65530, 65531, -1, i32::MIN],
                &[0, 2, 65525, 65526, 65532, 65533, -3, i32::MAX],
            ),
        );
    }
}

#[test]
fn bit_tests_branch_directly() {
    // `br_if` on `x & imm`, alone and carrying a value (which branches around the
    // carrying move when the bits are clear), and an `if` on it (likewise).
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (local i32)
          (local.set 1 (i32.mul (local.get 0) (i32.const 3)))
          (block $c
            (br_if $c (i32.and (local.get 0) (i32.const 0x80000002)))
            (local.set 1 (i32.add (local.get 1) (i32.const 7))))
          (block $b (result i32)
            (drop (br_if $b (local.get 1) (i32.and (local.get 0) (i32.const 0x80000004))))
            (if (result i32) (i32.and (local.get 1) (i32.const 1))
              (then (i32.const 10))
              (else (i32.const 20))))))"#;
    let inputs = i32s(&[0, 1, 2, 3, 4, 5, 8, 12, -1, i32::MIN, i32::MAX]);
    check("i32_and_imm_br_nez", wat, &inputs);
    check("i32_and_imm_br_eqz", wat, &inputs);
}

/// Runs export `f` on `args`, then export `peek` on the same instance (it sees what `f`
/// left in memory, also after a trap).
fn run_then_peek(engine: &Engine, wat: &str, args: &[Val]) -> String {
    let (mut store, instance) = instantiate(engine, wat);
    let f = instance.get_func(&store, "f").unwrap();
    let first = match f.call(&mut store, args, &mut []) {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("trap: {e}"),
    };
    let peek = instance.get_func(&store, "peek").unwrap();
    let mut out = [Val::I64(0)];
    peek.call(&mut store, &[], &mut out).unwrap();
    format!("{first}, then {out:?}")
}

/// Runs `wat`'s `f` then `peek` on every argument list, fused and plain, checks that
/// they agree, and returns the fused disassembly of `f`.
fn check_with_peek(wat: &str, inputs: &[Vec<Val>]) -> String {
    let (fused, plain) = (engine(false), engine(true));
    let module = Module::new(&fused, wat).unwrap();
    let text = module
        .disassemble(module.defined_functions().start)
        .unwrap();
    for args in inputs {
        let a = run_then_peek(&fused, wat, args);
        let b = run_then_peek(&plain, wat, args);
        assert_eq!(a, b, "{args:?}\n{text}");
    }
    text
}

#[test]
fn stores_of_a_sum_and_store_pairs() {
    // `n += 1` kept in memory (and the old value as the address), then two stores in a
    // row of which the second may trap after the first is done.
    let wat = r#"(module (memory 1)
        (func (export "f") (param i32 i32)
          (local i32)
          (local.set 2 (i32.load (i32.const 8)))
          (i32.store offset=8 (local.get 1) (local.tee 2 (i32.add (local.get 2) (i32.const 5))))
          (i32.store (local.get 2) (local.tee 2 (i32.add (local.get 2) (i32.const -3))))
          (i32.store (i32.const 0) (local.get 2))
          (i32.store offset=4 (local.get 0) (local.get 1)))
        (func (export "peek") (result i64)
          (i64.add (i64.load (i32.const 0)) (i64.load (i32.const 8)))))"#;
    let text = check_with_peek(
        wat,
        &i32_pairs(&[0, 8, 65528, 65529, -4], &[0, 3, 65524, 65525, 65532, -8]),
    );
    for op in ["i32_add_imm_store32", "store32x2"] {
        assert!(text.contains(op), "expected `{op}` in:\n{text}");
    }
}

#[test]
fn selects_of_constants_and_constant_pairs() {
    // A constant second operand, i32 and i64 (sign-extended), and two constants in a
    // row as call arguments.
    for (ty, k) in [("i32", "-7"), ("i64", "-7"), ("i64", "2147483647")] {
        let wat = format!(
            r#"(module (func (export "f") (param {ty} i32) (result {ty})
                (select (local.get 0) ({ty}.const {k}) (local.get 1))))"#
        );
        let inputs: Vec<Vec<Val>> = [0i64, 1, -1, i64::MIN]
            .iter()
            .flat_map(|&x| {
                [0, 1, -1].map(|c| {
                    let x = if ty == "i32" {
                        Val::I32(x as i32)
                    } else {
                        Val::I64(x)
                    };
                    vec![x, Val::I32(c)]
                })
            })
            .collect();
        check("select_imm", &wat, &inputs);
    }
    let wat = r#"(module
        (func $g (param i32 i32 i32) (result i32)
          (i32.sub (i32.mul (local.get 0) (local.get 1)) (local.get 2)))
        (func (export "f") (param i32) (result i32)
          (call $g (i32.const -2) (i32.const 100000) (local.get 0))))"#;
    let (fused, plain) = (engine(false), engine(true));
    let module = Module::new(&fused, wat).unwrap();
    let text = module
        .disassemble(module.defined_functions().start + 1)
        .unwrap();
    assert!(
        text.contains("const32x2"),
        "expected `const32x2` in:\n{text}"
    );
    for args in i32s(EDGES) {
        assert_eq!(run(&fused, wat, &args), run(&plain, wat, &args));
    }
}

#[test]
fn wide_i64_constants_and_byte_pairs() {
    // Constants that do not fit 32 bits, on either side, as immediates.
    for (op, expr) in [
        (
            "i64_mul_imm64",
            "(i64.mul (local.get 0) (i64.const 1099511628211))",
        ),
        (
            "i64_mul_imm64",
            "(i64.mul (i64.const -4294967296) (local.get 0))",
        ),
        (
            "i64_and_imm64",
            "(i64.and (local.get 0) (i64.const -4294967296))",
        ),
        (
            "i64_and_imm64",
            "(i64.and (i64.const 0x7ff0000000000001) (local.get 0))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param i64) (result i64) {expr}))"#);
        let inputs: Vec<Vec<Val>> = [
            0i64,
            1,
            -1,
            3,
            i64::MAX,
            i64::MIN,
            1 << 40,
            0x1234_5678_9abc,
        ]
        .iter()
        .map(|v| vec![Val::I64(*v)])
        .collect();
        check(op, &wat, &inputs);
    }
    // Two byte loads in a row (a byte compare), either may be out of bounds.
    let wat = r#"(module (memory 1) (data (i32.const 0) "\01\ff\80\7f")
        (func (export "f") (param i32 i32) (result i32)
          (i32.sub (i32.load8_u offset=1 (local.get 0)) (i32.load8_u (local.get 1)))))"#;
    check(
        "load8_ux2",
        wat,
        &i32_pairs(
            &[0, 1, 2, 65534, 65535, -1],
            &[0, 3, 65535, 65536, i32::MIN],
        ),
    );
}

#[test]
fn tests_of_a_loaded_word_and_rounding_up() {
    // A `br_if` and an `if` on a loaded word (zero, non-zero, out of bounds).
    let wat = r#"(module (memory 1) (data (i32.const 8) "\00\00\00\00\05\00\00\00\00\00\00\80")
        (func (export "f") (param i32) (result i32)
          (local i32)
          (block $b
            (br_if $b (i32.load offset=4 (local.get 0)))
            (local.set 1 (i32.const 100)))
          (if (result i32) (i32.load (local.get 0))
            (then (i32.add (local.get 1) (i32.const 1)))
            (else (local.get 1)))))"#;
    let inputs = i32s(&[0, 4, 8, 12, 16, 65528, 65532, 65533, -1]);
    check("load32_br_nez", wat, &inputs);
    check("load32_br_eqz", wat, &inputs);
    // `(x + 7) & -8`, wrapping at the top.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (i32.and (i32.add (local.get 0) (i32.const 7)) (i32.const -8))))"#;
    check("i32_add_imm_and_imm", wat, &i32s(EDGES));
}

#[test]
fn hash_steps_and_constant_block_results() {
    // FNV-1a over two bytes of the argument: `(h ^ b) * prime`, the xor on either side.
    for xor in [
        "(i64.xor (local.get 1) (local.get 0))",
        "(i64.xor (local.get 0) (local.get 1))",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i64) (result i64) (local i64)
                (local.set 1 (i64.const -3750763034362895579))
                (local.set 1 (i64.mul {xor} (i64.const 1099511628211)))
                (i64.mul (i64.xor (local.get 1) (i64.shr_u (local.get 0) (i64.const 8)))
                  (i64.const 1099511628211))))"#
        );
        let inputs: Vec<Vec<Val>> = [0i64, 1, -1, 255, i64::MAX, i64::MIN, 0x1234_5678_9abc]
            .iter()
            .map(|v| vec![Val::I64(*v)])
            .collect();
        check("i64_xor_mul_imm64", &wat, &inputs);
    }
    // A block whose result is a constant on one path, taken by a branch.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
          (i32.add (local.get 0)
            (block $b (result i32)
              (if (i32.eqz (local.get 0)) (then (br $b (i32.const -7))))
              (i32.mul (local.get 0) (i32.const 3))))))"#;
    check("const32_br", wat, &i32s(EDGES));
}

#[test]
fn multiply_add_through_a_local() {
    // The product kept in a local (`local.tee`, and `local.set` then `local.get`) and
    // added, on either side and to itself; the local is read again afterwards.
    // A square (both factors one local) is the same with `f64_sqr_keep_add`.
    for (op, y) in [("f64_mul_keep_add", 1), ("f64_sqr_keep_add", 0)] {
        for body in [
            "(f64.add (local.get 0) (local.tee 2 (f64.mul (local.get 0) (local.get Y))))",
            "(local.set 2 (f64.mul (local.get 0) (local.get Y)))
             (f64.add (local.get 2) (local.get 0))",
            "(f64.add (local.tee 2 (f64.mul (local.get 0) (local.get Y))) (local.get 2))",
        ] {
            let body = body.replace('Y', &y.to_string());
            let wat = format!(
                r#"(module (func (export "f") (param f64 f64) (result f64) (local f64)
                    (f64.mul {body} (local.get 2))))"#
            );
            check(op, &wat, &f64_pairs());
        }
    }
}

/// Every pair of [`F_EDGES`].
fn f64_pairs() -> Vec<Vec<Val>> {
    let bits = |v: &f64| Val::F64(v.to_bits());
    F_EDGES
        .iter()
        .flat_map(|x| F_EDGES.iter().map(|y| vec![bits(x), bits(y)]))
        .collect()
}

#[test]
fn squares_and_doubles_read_their_operand_once() {
    // A local times itself, alone, added to (on either side) or subtracted from
    // another value, and a sum of two squares (the second square takes the first's
    // sum); the plain translation multiplies the two reads.
    for (op, body) in [
        ("f64_sqr", "(f64.mul (local.get 1) (local.get 1))"),
        (
            "f64_sqr_add",
            "(f64.add (f64.mul (local.get 0) (local.get 0)) (local.get 1))",
        ),
        (
            "f64_sqr_add",
            "(f64.add (local.get 1) (f64.mul (local.get 0) (local.get 0)))",
        ),
        (
            "f64_sqr_add",
            "(f64.add (f64.mul (local.get 0) (local.get 0)) (f64.mul (local.get 1) (local.get 1)))",
        ),
        (
            "f64_mul_sub dst=s2, a=s0, b=s0, c=s1",
            "(f64.sub (f64.mul (local.get 0) (local.get 0)) (local.get 1))",
        ),
        (
            "f64_mul_rsub dst=s2, a=s1, b=s1, c=s0",
            "(f64.sub (local.get 0) (f64.mul (local.get 1) (local.get 1)))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param f64 f64) (result f64) {body}))"#);
        check(op, &wat, &f64_pairs());
    }
    // A local added to itself, alone and as a factor; two different locals are no
    // square and no double.
    for (op, body) in [
        ("f64_dbl", "(f64.add (local.get 1) (local.get 1))"),
        (
            "f64_dbl",
            "(f64.mul (local.get 0) (f64.add (local.get 1) (local.get 1)))",
        ),
        ("f64_mul dst", "(f64.mul (local.get 0) (local.get 1))"),
        ("f64_add dst", "(f64.add (local.get 0) (local.get 1))"),
    ] {
        let wat = format!(r#"(module (func (export "f") (param f64 f64) (result f64) {body}))"#);
        check(op, &wat, &f64_pairs());
    }
}

#[test]
fn add_then_xor_rotate_of_the_sum() {
    // `a += b; d = rotl(d ^ a, k)` with the sum in a local (read again afterwards), in a
    // temp, on either side of the xor, and xored with itself (the xor reads the sum the
    // add just wrote).
    for body in [
        "(local.set 2 (i32.rotl (i32.xor (local.get 1)
             (local.tee 0 (i32.add (local.get 0) (local.get 1)))) (i32.const 16)))",
        "(local.set 0 (i32.add (local.get 0) (local.get 1)))
         (local.set 2 (i32.rotr (i32.xor (local.get 0) (local.get 2)) (i32.const 7)))",
        "(local.set 2 (i32.rotl (i32.xor (i32.add (local.get 0) (local.get 1))
             (local.get 1)) (i32.const 45)))",
        "(local.set 0 (i32.add (local.get 0) (local.get 1)))
         (local.set 2 (i32.rotl (i32.xor (local.get 0) (local.get 0)) (i32.const 3)))",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32) (local i32)
                (local.set 2 (i32.const 0x5a5a5a5a))
                {body}
                (i32.add (i32.mul (local.get 0) (i32.const 31)) (local.get 2))))"#
        );
        check(
            "i32_add_xor_rotl_imm",
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, 0x1234_5678, i32::MIN]),
        );
    }
}

#[test]
fn masked_differences_and_masked_sums() {
    // `(a - b) & mask` and `(a & mask) + b`, the first result in a temp or kept in a
    // local that is read again, the masked value on either side of the add or on both.
    for body in [
        "(local.set 2 (i32.and (i32.sub (local.get 0) (local.get 1)) (i32.const 0xffff)))",
        "(local.set 2 (i32.and (local.tee 0 (i32.sub (local.get 0) (local.get 1))) (i32.const -8)))",
        "(local.set 2 (i32.and (local.tee 1 (i32.sub (local.get 1) (local.get 1))) (i32.const 7)))",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32) (local i32)
                {body}
                (i32.add (i32.mul (local.get 0) (i32.const 31))
                  (i32.add (i32.mul (local.get 1) (i32.const 7)) (local.get 2)))))"#
        );
        check(
            "i32_sub_and_imm",
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, i32::MIN]),
        );
    }
    for body in [
        "(local.set 2 (i32.add (local.get 1) (i32.and (local.get 0) (i32.const 0x7fff))))",
        "(local.set 2 (i32.add (local.tee 0 (i32.and (local.get 0) (i32.const -4))) (local.get 1)))",
        "(local.set 0 (i32.and (local.get 0) (i32.const 0xff00ff)))
         (local.set 2 (i32.add (local.get 0) (local.get 0)))",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32) (local i32)
                {body}
                (i32.add (i32.mul (local.get 0) (i32.const 31)) (local.get 2))))"#
        );
        check(
            "i32_and_imm_add",
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, i32::MAX]),
        );
    }
}

#[test]
fn multiply_by_a_constant_then_add() {
    // `b + a * imm` on either side, wrapping, with negative and large factors.
    for (imm, expr) in [
        (
            12,
            "(i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 12)))",
        ),
        (
            -7,
            "(i32.add (i32.mul (i32.const -7) (local.get 0)) (local.get 1))",
        ),
        (
            0x0100_0193,
            "(i32.add (i32.mul (local.get 0) (i32.const 0x01000193)) (local.get 1))",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param i32 i32) (result i32) {expr}))"#);
        check(
            &format!("i32_mul_imm_add dst=s2, a=s0, imm={imm}, b=s1"),
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, i32::MAX, i32::MIN]),
        );
    }
}

#[test]
fn loads_through_a_bumped_pointer() {
    // `p += imm` kept in a local, then a load through it, wrapping at 32 bits and out
    // of bounds at either end; `p` is read again afterwards.
    for (load, ty) in [("i32.load offset=4", "i32"), ("i64.load offset=1", "i64")] {
        let op = if ty == "i32" {
            "i32_add_imm_load32"
        } else {
            "i32_add_imm_load64"
        };
        for imm in [8, -8, 65520] {
            let wat = format!(
                r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
                    (func (export "f") (param i32) (result i64)
                      (local.set 0 (i32.add (local.get 0) (i32.const {imm})))
                      (i64.add {value} (i64.extend_i32_u (local.get 0)))))"#,
                value = if ty == "i32" {
                    format!("(i64.extend_i32_u ({load} (local.get 0)))")
                } else {
                    format!("({load} (local.get 0))")
                },
            );
            check(op, &wat, &i32s(&[0, 8, 16, 65512, 65520, 65530, -8, -16]));
        }
    }
}

#[test]
fn a_sum_kept_and_stored() {
    // `s = a + b` kept in a local (read again as the next address) and stored, the
    // store in or out of bounds; and a sum in a temp stored at once.
    let wat = r#"(module (memory 1)
        (func (export "f") (param i32 i32)
          (local i32)
          (i32.store offset=4 (local.get 1) (local.tee 2 (i32.add (local.get 0) (local.get 1))))
          (i32.store offset=8 (local.get 0) (i32.add (local.get 2) (local.get 0)))
          (i32.store8 (local.get 2) (i32.const 1)))
        (func (export "peek") (result i64)
          (i64.add (i64.load (i32.const 0)) (i64.load (i32.const 8)))))"#;
    let text = check_with_peek(
        wat,
        &i32_pairs(&[0, 3, 65528, -4, i32::MIN], &[0, 4, 65528, 65532, -8]),
    );
    assert_eq!(text.matches("i32_add_store32").count(), 2, "{text}");
}

#[test]
fn loop_latch_with_the_sum_on_the_right() {
    // `n != i` and `n == i` right after `i += 2`: the sum is the comparison's right
    // operand. A second counter bounds the loop.
    for (latch, op) in [
        (
            "(br_if $l (i32.ne (local.get 0) (local.get 1)))",
            "i32_add_imm_br_ne dst=s1, a=s1, imm=2, b=s0",
        ),
        (
            "(br_if $b (i32.eq (local.get 0) (local.get 1))) (br $l)",
            "i32_add_imm_br_eq dst=s1, a=s1, imm=2, b=s0",
        ),
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32) (result i32)
              (local i32 i32 i32)
              (local.set 3 (i32.const 1))
              (block $b (loop $l
                (br_if $b (i32.ge_u (local.get 2) (i32.const 600)))
                (local.set 2 (i32.add (local.get 2) (local.get 3)))
                (local.set 1 (i32.add (local.get 1) (i32.const 2)))
                {latch}))
              (i32.add (i32.mul (local.get 2) (i32.const 1000)) (local.get 1))))"#
        );
        check(op, &wat, &i32s(&[0, 1, 2, 4, 5, 1000, -1]));
    }
}

#[test]
fn two_rotations_xored() {
    // SHA-256's Σ1 (`rotr 6 ^ rotr 11 ^ rotr 25`), rotations of two values, and a first
    // rotation kept in a local that is read again.
    for body in [
        "(i32.xor (i32.xor (i32.rotr (local.get 0) (i32.const 6)) (i32.rotr (local.get 0) (i32.const 11)))
           (i32.rotr (local.get 0) (i32.const 25)))",
        "(i32.xor (i32.rotl (local.get 1) (i32.const 7)) (i32.rotl (local.get 0) (i32.const 33)))",
        "(local.set 2 (i32.rotl (local.get 1) (i32.const 3)))
         (i32.xor (local.get 2) (i32.rotr (local.get 2) (i32.const 0)))",
    ] {
        let wat = format!(
            r#"(module (func (export "f") (param i32 i32) (result i32) (local i32)
                (local.set 2 (i32.const 0x1234))
                (i32.add {body} (local.get 2))))"#
        );
        check(
            "i32_rotl_imm_rotl_imm_xor",
            &wat,
            &i32_pairs(EDGES, &[0, -1, 0x1234_5678, i32::MIN]),
        );
    }
}

#[test]
fn loads_through_a_kept_element_address() {
    // `p = i << 2` and `p = (i << 2) + base` kept in a local, then a load through `p`
    // (wrapping at 32 bits, out of bounds); `p` is read again afterwards. The same for
    // a u16 element, `(i << 1) + base` (with base 65526, `i = 3` reads memory's last two
    // bytes and `i = 4` the two past them).
    for (addr, op, load) in [
        (
            "(i32.shl (local.get 0) (i32.const 2))",
            "i32_shl_imm_load32",
            "i32.load",
        ),
        (
            "(i32.shl (local.get 0) (i32.const 34))",
            "i32_shl_imm_load32",
            "i32.load",
        ),
        (
            "(i32.add (i32.shl (local.get 0) (i32.const 2)) (local.get 1))",
            "i32_shl_imm_add_load32",
            "i32.load",
        ),
        (
            "(i32.add (i32.shl (local.get 0) (i32.const 1)) (local.get 1))",
            "i32_shl_imm_add_load16_u",
            "i32.load16_u",
        ),
        (
            "(i32.add (i32.shl (local.get 0) (i32.const 33)) (local.get 1))",
            "i32_shl_imm_add_load16_u",
            "i32.load16_u",
        ),
    ] {
        let wat = format!(
            r#"(module (memory 1) (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
                (func (export "f") (param i32 i32) (result i64) (local i32)
                  (local.set 2 {addr})
                  (i64.add (i64.extend_i32_u ({load} offset=2 (local.get 2)))
                    (i64.extend_i32_u (local.get 2)))))"#
        );
        check(
            op,
            &wat,
            &i32_pairs(
                &[0, 1, 3, 4, 16380, 16381, -1, 0x4000_0001],
                &[0, 4, -4, 65526],
            ),
        );
    }
}

#[test]
fn shift_then_xor() {
    // `(a >> k) ^ b` and `(a << k) ^ b`, the shifted value on either side, k also past 31.
    for (expr, op) in [
        (
            "(i32.xor (i32.shr_u (local.get 0) (i32.const 3)) (local.get 1))",
            "i32_shr_u_imm_xor dst=s2, a=s0, k=3, b=s1",
        ),
        (
            "(i32.xor (local.get 1) (i32.shr_u (local.get 0) (i32.const 35)))",
            "i32_shr_u_imm_xor dst=s2, a=s0, k=35, b=s1",
        ),
        (
            "(i32.xor (local.get 1) (i32.shl (local.get 0) (i32.const 7)))",
            "i32_shl_imm_xor dst=s2, a=s0, k=7, b=s1",
        ),
        (
            "(i32.xor (i32.shl (local.get 0) (i32.const 33)) (local.get 1))",
            "i32_shl_imm_xor dst=s2, a=s0, k=33, b=s1",
        ),
    ] {
        let wat = format!(r#"(module (func (export "f") (param i32 i32) (result i32) {expr}))"#);
        check(
            op,
            &wat,
            &i32_pairs(EDGES, &[0, 1, -1, 0x1234_5678, i32::MIN]),
        );
    }
}

#[test]
fn float_results_stored_at_once() {
    // A sum, difference or multiply-add stored as soon as it is computed, kept in a
    // local (read again) and from a temp, in bounds, at the last bytes and past them,
    // and at addresses that wrap.
    let addrs = [0, 3, 65520, 65521, 65528, -8, i32::MIN];
    let values = [
        (1.5, -2.25),
        (f64::NAN, 0.0),
        (-0.0, -0.0),
        (f64::INFINITY, f64::NEG_INFINITY),
    ];
    let peek = r#"(func (export "peek") (result i64)
          (i64.add (i64.add (i64.load (i32.const 8)) (i64.load (i32.const 16)))
                   (i64.add (i64.load (i32.const 65528)) (i64.load (i32.const 24)))))"#;
    for (op, value) in [
        ("f64_add_store64", "(f64.add (local.get 1) (local.get 2))"),
        ("f64_sub_store64", "(f64.sub (local.get 1) (local.get 2))"),
        (
            "f64_mul_add_store64",
            "(f64.add (f64.mul (local.get 1) (local.get 2)) (local.get 1))",
        ),
    ] {
        let wat = format!(
            r#"(module (memory 1)
            (func (export "f") (param i32 f64 f64) (local f64)
              (f64.store offset=8 (local.get 0) (local.tee 3 {value}))
              (f64.store (i32.const 16) (f64.add (local.get 3) (f64.const 1)))
              (f64.store (i32.add (local.get 0) (i32.const 8)) {value}))
            {peek})"#
        );
        let inputs: Vec<Vec<Val>> = addrs
            .iter()
            .flat_map(|&a| {
                values.iter().map(move |&(x, y)| {
                    vec![Val::I32(a), Val::F64(x.to_bits()), Val::F64(y.to_bits())]
                })
            })
            .collect();
        let text = check_with_peek(&wat, &inputs);
        assert_eq!(text.matches(op).count(), 2, "{text}");
    }
    let wat = format!(
        r#"(module (memory 1)
        (func (export "f") (param i32 f32 f32) (local f32)
          (f32.store offset=4 (local.get 0)
            (local.tee 3 (f32.add (f32.mul (local.get 1) (local.get 2)) (local.get 1))))
          (f32.store (i32.const 12) (local.get 3)))
        {peek})"#
    );
    let inputs: Vec<Vec<Val>> = [0, 3, 65528, 65529, -4, i32::MIN]
        .iter()
        .flat_map(|&a| {
            values.iter().map(move |&(x, y)| {
                let (x, y) = ((x as f32).to_bits(), (y as f32).to_bits());
                vec![Val::I32(a), Val::F32(x), Val::F32(y)]
            })
        })
        .collect();
    let text = check_with_peek(&wat, &inputs);
    assert!(text.contains("f32_mul_add_store32"), "{text}");
}
