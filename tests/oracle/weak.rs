//! Weak-spot templates: modules in wat whose shape aims at the places engines get wrong,
//! with their parameters drawn from the fuzzer's bytes. Each run through the
//! differential like a wasm-smith module; [`small_thread_recursion`] runs deep recursion
//! on a thread with a small native stack.

use arbitrary::{Result, Unstructured};

/// A generated module and the known bug its shape aims at (if any).
pub struct Case {
    /// Which template made it.
    pub template: &'static str,
    /// The binary module.
    pub wasm: Vec<u8>,
    /// The entry of [`super::KNOWN_BUGS`] a failure of this case most likely is.
    pub bug: Option<u32>,
}

/// One template, picked and parameterised by `u`.
pub fn template(u: &mut Unstructured) -> Result<Case> {
    let (template, text, bug) = match u.int_in_range(0..=5)? {
        0 => ("near-end", near_end(u)?, None),
        1 => {
            let (t, b) = size_grow(u)?;
            ("size-grow", t, b)
        }
        2 => {
            let (t, b) = many_results(u)?;
            ("many-results", t, b)
        }
        3 | 4 => {
            let (t, b) = branches(u)?;
            ("branch-values", t, b)
        }
        _ => ("recursion", recursion(u)?, None),
    };
    let wasm = wat::parse_str(&text).unwrap_or_else(|e| panic!("template {template}: {e}\n{text}"));
    Ok(Case {
        template,
        wasm,
        bug,
    })
}

/// Loads and stores of every width at addresses within a few bytes of the end of memory
/// (constant, from `memory.size`, and through the memarg offset), bulk operations that
/// end there, and a `memory.grow` somewhere between them.
fn near_end(u: &mut Unstructured) -> Result<String> {
    const LOADS: &[(&str, &str, u32)] = &[
        ("i32.load", "i32", 4),
        ("i64.load", "i64", 8),
        ("f32.load", "f32", 4),
        ("f64.load", "f64", 8),
        ("i32.load8_s", "i32", 1),
        ("i32.load8_u", "i32", 1),
        ("i32.load16_s", "i32", 2),
        ("i32.load16_u", "i32", 2),
        ("i64.load8_u", "i64", 1),
        ("i64.load16_s", "i64", 2),
        ("i64.load32_s", "i64", 4),
        ("i64.load32_u", "i64", 4),
    ];
    const STORES: &[(&str, &str, u32)] = &[
        ("i32.store", "i32", 4),
        ("i64.store", "i64", 8),
        ("f32.store", "f32", 4),
        ("f64.store", "f64", 8),
        ("i32.store8", "i32", 1),
        ("i32.store16", "i32", 2),
        ("i64.store8", "i64", 1),
        ("i64.store16", "i64", 2),
        ("i64.store32", "i64", 4),
    ];
    let pages: u32 = u.int_in_range(0..=3)?;
    let max = pages + u.int_in_range(0..=3)?;
    let mut funcs = Vec::new();
    let n = u.int_in_range(2..=12)?;
    for i in 0..n {
        // The address: the end of the initial memory, or of the current one, minus a few
        // bytes; the offset moves it back past the end or wraps it.
        let back: u32 = u.int_in_range(0..=17)?;
        let offset: u32 = *u.choose(&[0, 0, 1, 3, 7, 8, 65535, 65536, 0xffff_fff0])?;
        let addr = if u.arbitrary()? {
            format!(
                "(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {}))",
                back.wrapping_add(offset)
            )
        } else {
            format!("(i32.const {})", (pages * 65536).wrapping_sub(back) as i32)
        };
        let body = match u.int_in_range(0..=3)? {
            0 | 1 => {
                let (op, ty, _) = *u.choose(LOADS)?;
                format!("(result {ty}) ({op} offset={offset} {addr})")
            }
            2 => {
                let (op, ty, _) = *u.choose(STORES)?;
                let v: i32 = u.arbitrary()?;
                format!("({op} offset={offset} {addr} ({ty}.const {v}))")
            }
            _ => {
                let len: u32 = u.int_in_range(0..=20)?;
                if u.arbitrary()? {
                    format!(
                        "(memory.fill {addr} (i32.const {}) (i32.const {len}))",
                        i + 1
                    )
                } else {
                    format!("(memory.copy {addr} (i32.const 0) (i32.const {len}))")
                }
            }
        };
        funcs.push(format!("(func (export \"a{i}\") {body})"));
    }
    let grow: u32 = u.int_in_range(0..=2)?;
    let at = u.int_in_range(0..=funcs.len())?;
    funcs.insert(
        at,
        format!("(func (export \"grow\") (result i32) (memory.grow (i32.const {grow})))"),
    );
    Ok(format!(
        "(module (memory (export \"memory\") {pages} {max})\n  {})",
        funcs.join("\n  ")
    ))
}

/// `memory.size` read before a `memory.grow` and used after it; the grow inline, in a
/// callee or in a host function; then accesses to the new pages.
fn size_grow(u: &mut Unstructured) -> Result<(String, Option<u32>)> {
    let pages: u32 = u.int_in_range(0..=2)?;
    let max = pages + u.int_in_range(0..=4)?;
    let delta: u32 = u.int_in_range(0..=3)?;
    let (grow, bug) = match u.int_in_range(0..=2)? {
        0 => (format!("(memory.grow (i32.const {delta}))"), 4),
        1 => (format!("(call $grow (i32.const {delta}))"), 4),
        _ => (format!("(call $host_grow (i32.const {delta}))"), 5),
    };
    let probe: u32 = u.int_in_range(1..=8)?;
    // After the grow: the last bytes of the (new) memory, read and written.
    let new_end =
        format!("(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const {probe}))");
    let body = match u.int_in_range(0..=4)? {
        // On the value stack across the grow.
        0 => format!("(result i32 i32 i32) (memory.size) {grow} (memory.size)"),
        // In a local across the grow.
        1 => format!(
            "(result i32 i32) (local i32) (local.set 0 (memory.size)) (drop {grow}) \
             (local.get 0) (memory.size)"
        ),
        // The old size used in an address after the grow.
        2 => format!(
            "(result i32) (local i32) (local.set 0 (i32.mul (memory.size) (i32.const 65536))) \
             (drop {grow}) (i32.store8 (i32.sub (local.get 0) (i32.const 1)) (i32.const 9)) \
             (i32.load8_u (i32.sub (local.get 0) (i32.const 1)))"
        ),
        // The new pages accessed right after the grow.
        3 => format!(
            "(result i32) (drop {grow}) (i32.store8 {new_end} (i32.const 7)) (i32.load8_u {new_end})"
        ),
        // Grow in a loop until it fails, adding the sizes seen before each grow.
        _ => format!(
            "(result i32) (local i32) \
             (loop $l (local.set 0 (i32.add (local.get 0) (memory.size))) \
               (br_if $l (i32.ne {grow} (i32.const -1)))) \
             (i32.store8 {new_end} (i32.const 5)) (i32.add (local.get 0) (memory.size))"
        ),
    };
    let text = format!(
        "(module
  (import \"host\" \"grow\" (func $host_grow (param i32) (result i32)))
  (memory (export \"memory\") {pages} {max})
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export \"before\") (result i32) (memory.size))
  (func (export \"f\") {body})
  (func (export \"after\") (result i32 i32) (memory.size) (i32.load8_u {new_end})))"
    );
    Ok((text, Some(bug)))
}

const TYPES: &[&str] = &["i32", "i64", "f32", "f64"];

fn constant(u: &mut Unstructured, ty: &str) -> Result<String> {
    Ok(match ty {
        "i32" => format!("(i32.const {})", u.arbitrary::<i32>()?),
        "i64" => format!("(i64.const {})", u.arbitrary::<i64>()?),
        "f32" => format!("(f32.const {})", u.int_in_range(-1000..=1000)? as f32 / 4.0),
        _ => format!(
            "(f64.const {})",
            u.int_in_range(-100_000..=100_000)? as f64 / 8.0
        ),
    })
}

/// A function with many results (up to 20 of mixed types), returned directly, through a
/// call, through `call_indirect`, and partly dropped by a caller.
fn many_results(u: &mut Unstructured) -> Result<(String, Option<u32>)> {
    let n = u.int_in_range(1..=20)?;
    let tys: Vec<&str> = (0..n)
        .map(|_| u.choose(TYPES).copied())
        .collect::<Result<_>>()?;
    let result = tys.join(" ");
    let consts: Vec<String> = tys.iter().map(|t| constant(u, t)).collect::<Result<_>>()?;
    let consts = consts.join(" ");
    let drops = "(drop) ".repeat(n - 1);
    let text = format!(
        "(module
  (type $t (func (param i32) (result {result})))
  (table 1 1 funcref)
  (elem (i32.const 0) $many)
  (func $many (param i32) (result {result})
    (if (local.get 0) (then {consts} (return)))
    {consts})
  (func (export \"direct\") (param i32) (result {result}) (call $many (local.get 0)))
  (func (export \"indirect\") (result {result}) (call_indirect (type $t) (i32.const 1) (i32.const 0)))
  (func (export \"first\") (result {first}) (call $many (i32.const 0)) {drops}))",
        first = tys[0]
    );
    Ok((text, (n > 8).then_some(6)))
}

/// A branch (`br`, `br_if` taken or not, `br_table`) carrying 2–4 values to a block,
/// `if` or the function itself, from inside nested blocks, loops and `if`s.
fn branches(u: &mut Unstructured) -> Result<(String, Option<u32>)> {
    let n = u.int_in_range(2..=4)?;
    let tys: Vec<&str> = (0..n)
        .map(|_| u.choose(TYPES).copied())
        .collect::<Result<_>>()?;
    let result = format!("(result {})", tys.join(" "));
    let values = |u: &mut Unstructured| -> Result<String> {
        Ok(tys
            .iter()
            .map(|t| constant(u, t))
            .collect::<Result<Vec<_>>>()?
            .join(" "))
    };
    let carried = values(u)?;
    let fallthrough = values(u)?;
    let target = u.int_in_range(0..=3)?; // block, if-then, if-else, function
    let depth_inner = u.int_in_range(0..=3)?;
    let branch_kind = u.int_in_range(0..=2)?;
    // The branch, at `depth_inner` constructs inside the target.
    let branch = match branch_kind {
        0 => format!("{carried} (br $T)"),
        1 => format!("{carried} (br_if $T (local.get 0))"),
        _ => format!("{carried} (br_table $T $T (local.get 0))"),
    };
    // A not-taken `br_if` leaves its values: as the target's result when it is not
    // nested (then nothing follows it), dropped inside nested constructs.
    let falls_out = branch_kind == 1 && depth_inner == 0;
    let mut inner = if branch_kind == 1 && !falls_out {
        format!("{branch} {}", "(drop) ".repeat(n))
    } else {
        branch
    };
    for _ in 0..depth_inner {
        inner = match u.int_in_range(0..=3)? {
            0 => format!("(block {inner})"),
            1 => format!("(loop {inner})"),
            2 => format!("(if (local.get 1) (then {inner}))"),
            _ => format!("(if (local.get 1) (then) (else {inner}))"),
        };
    }
    let tail = if falls_out {
        String::new()
    } else {
        fallthrough.clone()
    };
    let body = match target {
        0 => format!("(block $T {result} {inner} {tail})"),
        1 => format!("(if $T {result} (i32.const 1) (then {inner} {tail}) (else {fallthrough}))"),
        2 => format!("(if $T {result} (i32.const 0) (then {fallthrough}) (else {inner} {tail}))"),
        // The function's own block: its label is the outermost, `depth_inner` out.
        _ => format!("{} {tail}", inner.replace("$T", &depth_inner.to_string())),
    };
    let func = format!("(func $f (param i32 i32) {result} {body})");
    let text = format!(
        "(module
  {func}
  (func (export \"taken\") {result} (call $f (i32.const 1) (i32.const 1)))
  (func (export \"not-taken\") {result} (call $f (i32.const 0) (i32.const 1)))
  (func (export \"skipped\") {result} (call $f (i32.const 1) (i32.const 0)))
  (func (export \"param\") (param i32 i32) {result} (call $f (local.get 0) (local.get 1))))"
    );
    let bug = (target == 3 && branch_kind == 1).then_some(1);
    Ok((text, bug))
}

/// Unbounded recursion with a random frame size: every engine must run out of stack.
fn recursion(u: &mut Unstructured) -> Result<String> {
    let locals = u.int_in_range(0..=64)?;
    let params = u.int_in_range(1..=16)?;
    let args: String = (0..params)
        .map(|i| format!(" (i64.add (local.get {i}) (i64.const 1))"))
        .collect();
    Ok(format!(
        "(module
  (func $r (export \"r\") (param{p}) (result i64) (local{l})
    (i64.add (call $r{args}) (local.get 0))))",
        p = " i64".repeat(params),
        l = " i64".repeat(locals.max(1)),
    ))
}

/// Calls `r` of a [`recursion`] module on `tier` on a thread with a 256 KiB native stack
/// and tierwasm's default wasm stack: it must trap with `StackOverflow`.
pub fn small_thread_recursion(
    tier: tierwasm::Tier,
    wasm: Vec<u8>,
) -> std::result::Result<(), String> {
    let worker = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || -> std::result::Result<(), String> {
            let mut c = tierwasm::Config::new();
            c.tier(tier);
            let engine = tierwasm::Engine::new(&c).map_err(|e| e.to_string())?;
            let module = tierwasm::Module::new(&engine, &wasm).map_err(|e| format!("{e:#}"))?;
            let mut store = tierwasm::Store::new(&engine, ());
            let instance = tierwasm::Linker::new(&engine)
                .instantiate(&mut store, &module)
                .map_err(|e| format!("{e:#}"))?;
            let f = instance.get_func(&store, "r").ok_or("no export r")?;
            let n = f.ty(&store).params().len();
            let args = vec![tierwasm::Val::I64(0); n];
            let mut out = [tierwasm::Val::I64(0)];
            match f.call(&mut store, &args, &mut out) {
                Ok(()) => Err("returned".into()),
                Err(e) => match e.downcast_ref::<tierwasm::Trap>() {
                    Some(tierwasm::Trap::StackOverflow) => Ok(()),
                    _ => Err(format!("{e:#}")),
                },
            }
        })
        .map_err(|e| e.to_string())?;
    worker
        .join()
        .map_err(|_| "the thread panicked".to_string())?
}

/// A [`recursion`] module from fuzzer bytes.
pub fn recursion_module(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(wat::parse_str(recursion(u)?).expect("recursion template"))
}
