//! The component-ABI target: a random component type `T` and two random values of it.
//! A component exports `f: func(x: T) -> T`, whose core code passes `x` to the imported
//! `host: func(x: T) -> T` (a dynamic host function) and returns what it returns. The
//! host function checks it received the first value and returns the second, which `f`
//! must return: each value is lowered and lifted on both sides of the guest, in every
//! string encoding, on every tier.

use super::Verdict;
use arbitrary::{Result, Unstructured};
use tierwasm::component::{Component, Linker, Val};
use tierwasm::{Config, Engine, Store, Tier};

/// A component value type (the subset with no resources and no async types).
#[derive(Clone, Debug)]
enum Ty {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Box<Ty>),
    FixedList(Box<Ty>, u32),
    Record(Vec<Ty>),
    Tuple(Vec<Ty>),
    Variant(Vec<Option<Ty>>),
    Enum(u32),
    Option(Box<Ty>),
    Result(Option<Box<Ty>>, Option<Box<Ty>>),
    Flags(u32),
}

fn ty(u: &mut Unstructured, depth: u32) -> Result<Ty> {
    let leaf = depth == 0 || u.ratio(1, 3)?;
    if leaf {
        return Ok(match u.int_in_range(0..=12)? {
            0 => Ty::Bool,
            1 => Ty::S8,
            2 => Ty::U8,
            3 => Ty::S16,
            4 => Ty::U16,
            5 => Ty::S32,
            6 => Ty::U32,
            7 => Ty::S64,
            8 => Ty::U64,
            9 => Ty::F32,
            10 => Ty::F64,
            11 => Ty::Char,
            _ => Ty::String,
        });
    }
    let d = depth - 1;
    let some = |u: &mut Unstructured, max: u32| -> Result<Vec<Ty>> {
        (0..u.int_in_range(1..=max)?).map(|_| ty(u, d)).collect()
    };
    Ok(match u.int_in_range(0..=9)? {
        0 => Ty::List(Box::new(ty(u, d)?)),
        1 => Ty::FixedList(Box::new(ty(u, d)?), u.int_in_range(1..=4)?),
        2 => Ty::Record(some(u, 6)?),
        3 => Ty::Tuple(some(u, 6)?),
        4 => Ty::Variant(
            (0..u.int_in_range(1..=5)?)
                .map(|_| {
                    Ok(if u.arbitrary()? {
                        Some(ty(u, d)?)
                    } else {
                        None
                    })
                })
                .collect::<Result<_>>()?,
        ),
        5 => Ty::Enum(u.int_in_range(1..=300)?),
        6 => Ty::Option(Box::new(ty(u, d)?)),
        7 => {
            let side = |u: &mut Unstructured| -> Result<Option<Box<Ty>>> {
                Ok(if u.arbitrary()? {
                    Some(Box::new(ty(u, d)?))
                } else {
                    None
                })
            };
            Ty::Result(side(u)?, side(u)?)
        }
        8 => Ty::Flags(u.int_in_range(1..=32)?),
        _ => Ty::Tuple(some(u, 20)?),
    })
}

/// The type in wat; records, variants, enums and flags are named (defined and imported
/// as `tN` in `prelude`), as the component model requires in function signatures.
fn text(t: &Ty, prelude: &mut Vec<String>) -> String {
    let named = |body: String, prelude: &mut Vec<String>| {
        let n = prelude.len();
        prelude.push(format!(
            "(type $p{n} {body}) (import \"t{n}\" (type $P{n} (eq $p{n})))"
        ));
        format!("$P{n}")
    };
    match t {
        Ty::Bool => "bool".into(),
        Ty::S8 => "s8".into(),
        Ty::U8 => "u8".into(),
        Ty::S16 => "s16".into(),
        Ty::U16 => "u16".into(),
        Ty::S32 => "s32".into(),
        Ty::U32 => "u32".into(),
        Ty::S64 => "s64".into(),
        Ty::U64 => "u64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Char => "char".into(),
        Ty::String => "string".into(),
        Ty::List(e) => format!("(list {})", text(e, prelude)),
        Ty::FixedList(e, n) => format!("(list {} {n})", text(e, prelude)),
        Ty::Tuple(es) => {
            let es: Vec<String> = es.iter().map(|e| text(e, prelude)).collect();
            format!("(tuple {})", es.join(" "))
        }
        Ty::Option(e) => format!("(option {})", text(e, prelude)),
        Ty::Result(ok, err) => {
            let ok = ok.as_ref().map(|t| format!(" {}", text(t, prelude)));
            let err = err
                .as_ref()
                .map(|t| format!(" (error {})", text(t, prelude)));
            format!(
                "(result{}{})",
                ok.unwrap_or_default(),
                err.unwrap_or_default()
            )
        }
        Ty::Record(fs) => {
            let fs: Vec<String> = fs
                .iter()
                .enumerate()
                .map(|(i, f)| format!("(field \"a{i}\" {})", text(f, prelude)))
                .collect();
            named(format!("(record {})", fs.join(" ")), prelude)
        }
        Ty::Variant(cs) => {
            let cs: Vec<String> = cs
                .iter()
                .enumerate()
                .map(|(i, c)| match c {
                    Some(t) => format!("(case \"c{i}\" {})", text(t, prelude)),
                    None => format!("(case \"c{i}\")"),
                })
                .collect();
            named(format!("(variant {})", cs.join(" ")), prelude)
        }
        Ty::Enum(n) => {
            let cs: String = (0..*n).map(|i| format!(" \"e{i}\"")).collect();
            named(format!("(enum{cs})"), prelude)
        }
        Ty::Flags(n) => {
            let cs: String = (0..*n).map(|i| format!(" \"g{i}\"")).collect();
            named(format!("(flags{cs})"), prelude)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Flat {
    I32,
    I64,
    F32,
    F64,
}

impl Flat {
    fn name(self) -> &'static str {
        match self {
            Flat::I32 => "i32",
            Flat::I64 => "i64",
            Flat::F32 => "f32",
            Flat::F64 => "f64",
        }
    }
}

/// The canonical ABI's flattening (the oracle's own, independent of tierwasm's).
fn flatten(t: &Ty, out: &mut Vec<Flat>) {
    fn variant<'a>(cases: impl Iterator<Item = Option<&'a Ty>>, out: &mut Vec<Flat>) {
        out.push(Flat::I32);
        let mut joined: Vec<Flat> = Vec::new();
        for c in cases.flatten() {
            let mut f = Vec::new();
            flatten(c, &mut f);
            for (i, x) in f.into_iter().enumerate() {
                match joined.get_mut(i) {
                    None => joined.push(x),
                    Some(j) if *j == x => {}
                    Some(j)
                        if matches!((*j, x), (Flat::I32, Flat::F32) | (Flat::F32, Flat::I32)) =>
                    {
                        *j = Flat::I32
                    }
                    Some(j) => *j = Flat::I64,
                }
            }
        }
        out.extend(joined);
    }
    match t {
        Ty::Bool
        | Ty::S8
        | Ty::U8
        | Ty::S16
        | Ty::U16
        | Ty::S32
        | Ty::U32
        | Ty::Char
        | Ty::Enum(_)
        | Ty::Flags(_) => out.push(Flat::I32),
        Ty::S64 | Ty::U64 => out.push(Flat::I64),
        Ty::F32 => out.push(Flat::F32),
        Ty::F64 => out.push(Flat::F64),
        Ty::String | Ty::List(_) => out.extend([Flat::I32, Flat::I32]),
        Ty::FixedList(e, n) => {
            for _ in 0..*n {
                flatten(e, out);
            }
        }
        Ty::Record(es) | Ty::Tuple(es) => es.iter().for_each(|e| flatten(e, out)),
        Ty::Variant(cs) => variant(cs.iter().map(Option::as_ref), out),
        Ty::Option(e) => variant([None, Some(&**e)].into_iter(), out),
        Ty::Result(ok, err) => variant([ok.as_deref(), err.as_deref()].into_iter(), out),
    }
}

/// A random value of `t`.
fn value(u: &mut Unstructured, t: &Ty) -> Result<Val> {
    Ok(match t {
        Ty::Bool => Val::Bool(u.arbitrary()?),
        Ty::S8 => Val::S8(u.arbitrary()?),
        Ty::U8 => Val::U8(u.arbitrary()?),
        Ty::S16 => Val::S16(u.arbitrary()?),
        Ty::U16 => Val::U16(u.arbitrary()?),
        Ty::S32 => Val::S32(u.arbitrary()?),
        Ty::U32 => Val::U32(u.arbitrary()?),
        Ty::S64 => Val::S64(u.arbitrary()?),
        Ty::U64 => Val::U64(u.arbitrary()?),
        Ty::F32 => Val::Float32(u.arbitrary()?),
        Ty::F64 => Val::Float64(u.arbitrary()?),
        Ty::Char => Val::Char(u.arbitrary()?),
        Ty::String => {
            let s: &str = u.arbitrary()?;
            Val::String(s.chars().take(40).collect())
        }
        Ty::List(e) => Val::List(
            (0..u.int_in_range(0..=5)?)
                .map(|_| value(u, e))
                .collect::<Result<_>>()?,
        ),
        Ty::FixedList(e, n) => Val::List((0..*n).map(|_| value(u, e)).collect::<Result<_>>()?),
        Ty::Record(fs) => Val::Record(
            fs.iter()
                .enumerate()
                .map(|(i, f)| Ok((format!("a{i}"), value(u, f)?)))
                .collect::<Result<_>>()?,
        ),
        Ty::Tuple(es) => Val::Tuple(es.iter().map(|e| value(u, e)).collect::<Result<_>>()?),
        Ty::Variant(cs) => {
            let i = u.choose_index(cs.len())?;
            let payload = match &cs[i] {
                Some(t) => Some(Box::new(value(u, t)?)),
                None => None,
            };
            Val::Variant(format!("c{i}"), payload)
        }
        Ty::Enum(n) => Val::Enum(format!("e{}", u.int_in_range(0..=*n - 1)?)),
        Ty::Option(e) => Val::Option(if u.arbitrary()? {
            Some(Box::new(value(u, e)?))
        } else {
            None
        }),
        Ty::Result(ok, err) => {
            let side = |u: &mut Unstructured, t: &Option<Box<Ty>>| -> Result<Option<Box<Val>>> {
                Ok(match t {
                    Some(t) => Some(Box::new(value(u, t)?)),
                    None => None,
                })
            };
            Val::Result(if u.arbitrary()? {
                Ok(side(u, ok)?)
            } else {
                Err(side(u, err)?)
            })
        }
        Ty::Flags(n) => Val::Flags(
            (0..*n)
                .filter_map(|i| match u.arbitrary::<bool>() {
                    Ok(true) => Some(Ok(format!("g{i}"))),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_>>()?,
        ),
    })
}

/// Equality with any NaN equal to any NaN (the ABI may canonicalise NaNs) and other
/// floats compared by their bits.
fn same(a: &Val, b: &Val) -> bool {
    let all = |x: &[Val], y: &[Val]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q));
    let opt = |x: &Option<Box<Val>>, y: &Option<Box<Val>>| match (x, y) {
        (None, None) => true,
        (Some(p), Some(q)) => same(p, q),
        _ => false,
    };
    match (a, b) {
        (Val::Float32(x), Val::Float32(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Val::Float64(x), Val::Float64(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Val::List(x), Val::List(y)) | (Val::Tuple(x), Val::Tuple(y)) => all(x, y),
        (Val::Record(x), Val::Record(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((n, p), (m, q))| n == m && same(p, q))
        }
        (Val::Variant(n, x), Val::Variant(m, y)) => n == m && opt(x, y),
        (Val::Option(x), Val::Option(y)) => opt(x, y),
        (Val::Result(Ok(x)), Val::Result(Ok(y))) | (Val::Result(Err(x)), Val::Result(Err(y))) => {
            opt(x, y)
        }
        _ => a == b,
    }
}

/// A bump allocator (memory + realloc) shared with `tests/component_api.rs`.
const LIBC: &str = include_str!("../common/libc.wat");

/// The relay component for `t` with string encoding `encoding`.
fn relay(t: &Ty, encoding: &str) -> String {
    let mut prelude = Vec::new();
    let top = text(t, &mut prelude);
    // The signature's type: the top type, defined and imported as `t` unless it is one
    // of the named (imported) ones already.
    let sig = if top.starts_with('$') {
        top
    } else {
        prelude.push(format!(
            "(type $T0 {top}) (import \"t\" (type $T (eq $T0)))"
        ));
        "$T".to_string()
    };
    let mut flat = Vec::new();
    flatten(t, &mut flat);
    // More than 16 flat parameters go through memory; more than one flat result too.
    let spilled = flat.len() > 16;
    let params: Vec<&str> = if spilled {
        vec!["i32"]
    } else {
        flat.iter().map(|f| f.name()).collect()
    };
    let params = params.join(" ");
    let nparams = if spilled { 1 } else { flat.len() };
    let args: String = (0..nparams).map(|i| format!(" (local.get {i})")).collect();
    let (import, result, body) = if flat.len() == 1 {
        (
            format!("(func $host (param {params}) (result {params}))"),
            params.clone(),
            format!("(call $host{args})"),
        )
    } else {
        (
            format!("(func $host (param {params}) (param i32))"),
            "i32".to_string(),
            format!(
                "(local.set {nparams} (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 16384))) \
                 (call $host{args} (local.get {nparams})) (local.get {nparams})"
            ),
        )
    };
    format!(
        r#"(component
  {prelude}
  (import "host" (func $host (param "x" {sig}) (result {sig})))
  {LIBC}
  (core func $host' (canon lower (func $host) (memory (core memory $libc "mem"))
    (realloc (core func $libc "realloc")) string-encoding={encoding}))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "" "host" {import})
    (func (export "f") (param {params}) (result {result}) (local i32) {body}))
  (core instance $i (instantiate $m (with "libc" (instance $libc))
    (with "" (instance (export "host" (func $host'))))))
  (func (export "f") (param "x" {sig}) (result {sig})
    (canon lift (core func $i "f") (memory (core memory $libc "mem"))
      (realloc (core func $libc "realloc")) string-encoding={encoding}))
)"#,
        prelude = prelude.join("\n  ")
    )
}

/// The engines of the target: every tier.
pub struct Engines(Vec<(&'static str, Engine)>);

impl Engines {
    /// The interpreter and (with the `jit` feature) the JIT.
    pub fn new() -> Engines {
        let mut tiers = vec![("interp", Tier::Interp)];
        if cfg!(feature = "jit") {
            tiers.push(("jit", Tier::Jit));
        }
        Engines(
            tiers
                .into_iter()
                .map(|(n, t)| {
                    let mut c = Config::new();
                    c.tier(t);
                    (n, Engine::new(&c).expect("engine"))
                })
                .collect(),
        )
    }
}

/// The component-ABI target.
pub fn abi_target(engines: &Engines, data: &[u8]) -> Verdict {
    let mut u = Unstructured::new(data);
    let case = (|| -> Result<_> {
        let t = ty(&mut u, 3)?;
        let encoding = *u.choose(&["utf8", "utf16", "latin1+utf16"])?;
        let there = value(&mut u, &t)?;
        let back = value(&mut u, &t)?;
        Ok((t, encoding, there, back))
    })();
    let Ok((t, encoding, there, back)) = case else {
        return Verdict::Skip;
    };
    let wat = relay(&t, encoding);
    for (tier, engine) in &engines.0 {
        if let Err(e) = round_trip(engine, &wat, &there, &back) {
            return Verdict::Fail(format!("{tier}, {encoding}: {e}\n{wat}"));
        }
    }
    Verdict::Pass
}

fn round_trip(
    engine: &Engine,
    wat: &str,
    there: &Val,
    back: &Val,
) -> std::result::Result<(), String> {
    let component = Component::new(engine, wat).map_err(|e| format!("compile: {e:#}"))?;
    let mut linker = Linker::<Vec<Val>>::new(engine);
    let reply = back.clone();
    linker
        .root()
        .func_new("host", move |mut store, params, results| {
            store.data_mut().push(params[0].clone());
            results[0] = reply.clone();
            Ok(())
        })
        .map_err(|e| format!("{e:#}"))?;
    let mut store = Store::new(engine, Vec::new());
    let instance = linker
        .instantiate(&mut store, &component)
        .map_err(|e| format!("instantiate: {e:#}"))?;
    let f = instance.get_func(&store, "f").ok_or("no export f")?;
    let mut out = [Val::Bool(false)];
    f.call(&mut store, std::slice::from_ref(there), &mut out)
        .map_err(|e| format!("call: {e:#}"))?;
    match store.data().as_slice() {
        [got] if same(got, there) => {}
        got => return Err(format!("the host received {got:?}, not {there:?}")),
    }
    if !same(&out[0], back) {
        return Err(format!("f returned {:?}, not {back:?}", out[0]));
    }
    Ok(())
}
