//! The component API end to end, on every tier: every value type in both directions
//! (host → guest through an export, guest → host through an import), every string
//! encoding, typed and dynamic host functions, host- and guest-defined resources,
//! post-return, traps on bad `realloc` results, a composed pair of components, and a
//! store that stays usable after traps.

use tierwasm::component::{
    Component, Linker, Resource, ResourceAny, ResourceTable, ResourceType, Val,
};
use tierwasm::{Engine, Store, StoreContextMut};

mod common;
use common::engines;

/// A bump allocator (memory + realloc) shared by the components below.
const LIBC: &str = include_str!("common/libc.wat");

/// A component exporting `f: func(x: T) -> T` whose core code passes `x` to the
/// imported `host: func(x: T) -> T` and returns what it returns. `flat` lists the core
/// types `T` flattens to (`["ptr"]` when there are more than 16).
fn relay(ty: &str, flat: &[&str], encoding: &str) -> String {
    // `PRELUDE | TYPE`: named types the type uses, defined first.
    let (prelude, ty) = ty.split_once(" | ").unwrap_or(("", ty));
    // `["ptr"]`: more than 16 flat values, passed (and returned) through memory.
    let spilled = flat == ["ptr"];
    let flat: &[&str] = if spilled { &["i32"] } else { flat };
    let params: String = flat.iter().map(|t| format!(" {t}")).collect();
    let args: String = (0..flat.len())
        .map(|i| format!(" (local.get {i})"))
        .collect();
    let (import, body) = if flat.len() == 1 && !spilled {
        (
            format!("(func $host (param{params}) (result{params}))"),
            format!("(call $host{args})"),
        )
    } else {
        (
            format!("(func $host (param{params}) (param i32))"),
            format!("(call $host{args} (i32.const 16)) (i32.const 16)"),
        )
    };
    let result = if flat.len() == 1 && !spilled {
        params.clone()
    } else {
        " i32".into()
    };
    format!(
        r#"(component
  {prelude}
  (type $T0 {ty})
  (import "t" (type $T (eq $T0)))
  (import "host" (func $host (param "x" $T) (result $T)))
  {LIBC}
  (core func $host' (canon lower (func $host) (memory (core memory $libc "mem"))
    (realloc (core func $libc "realloc")) string-encoding={encoding}))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "" "host" {import})
    (func (export "f") (param{params}) (result{result}) {body}))
  (core instance $i (instantiate $m (with "libc" (instance $libc))
    (with "" (instance (export "host" (func $host'))))))
  (func (export "f") (param "x" $T) (result $T)
    (canon lift (core func $i "f") (memory (core memory $libc "mem"))
      (realloc (core func $libc "realloc")) string-encoding={encoding}))
)"#
    )
}

/// Calls `f(value)` on a relay of `ty`; the host import checks it sees `value` and
/// returns `back`, which the call must return.
fn round_trip(engine: &Engine, ty: &str, flat: &[&str], encoding: &str, value: Val, back: Val) {
    let component =
        Component::new(engine, relay(ty, flat, encoding)).unwrap_or_else(|e| panic!("{ty}: {e:#}"));
    let mut linker = Linker::<Vec<Val>>::new(engine);
    let reply = back.clone();
    linker
        .root()
        .func_new(
            "host",
            move |mut store: StoreContextMut<'_, Vec<Val>>, params, results| {
                store.data_mut().push(params[0].clone());
                results[0] = reply.clone();
                Ok(())
            },
        )
        .unwrap();
    let mut store = Store::new(engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&store, "f").unwrap();
    let mut out = [Val::Bool(false)];
    f.call(&mut store, std::slice::from_ref(&value), &mut out)
        .unwrap_or_else(|e| panic!("{ty} ({encoding}, {:?}): {e:#}", engine.config()));
    assert_eq!(
        store.data(),
        &[value],
        "{ty}: what the host import received"
    );
    assert_eq!(out[0], back, "{ty}: what the export returned");
}

fn s(x: &str) -> Val {
    Val::String(x.into())
}

#[test]
fn every_value_type_in_both_directions() {
    let flags20: String = (0..20).map(|i| format!(" \"f{i}\"")).collect();
    let big_tuple: String = (0..17).map(|_| " u32").collect();
    let cases: Vec<(String, Vec<&str>, Val, Val)> = vec![
        ("bool".into(), vec!["i32"], Val::Bool(true), Val::Bool(false)),
        ("s8".into(), vec!["i32"], Val::S8(-128), Val::S8(127)),
        ("u8".into(), vec!["i32"], Val::U8(255), Val::U8(0)),
        ("s16".into(), vec!["i32"], Val::S16(-32768), Val::S16(7)),
        ("u16".into(), vec!["i32"], Val::U16(65535), Val::U16(1)),
        ("s32".into(), vec!["i32"], Val::S32(i32::MIN), Val::S32(-1)),
        ("u32".into(), vec!["i32"], Val::U32(u32::MAX), Val::U32(3)),
        ("s64".into(), vec!["i64"], Val::S64(i64::MIN), Val::S64(-5)),
        ("u64".into(), vec!["i64"], Val::U64(u64::MAX), Val::U64(9)),
        ("f32".into(), vec!["f32"], Val::Float32(1.5), Val::Float32(-0.0)),
        ("f64".into(), vec!["f64"], Val::Float64(f64::MAX), Val::Float64(1e-300)),
        ("char".into(), vec!["i32"], Val::Char('☃'), Val::Char('🍰')),
        ("string".into(), vec!["i32", "i32"], s("hello, world"), s("")),
        (
            "(list u8)".into(),
            vec!["i32", "i32"],
            Val::List((0..=255).map(Val::U8).collect()),
            Val::List(vec![]),
        ),
        (
            "(list string)".into(),
            vec!["i32", "i32"],
            Val::List(vec![s("a"), s("bc"), s("")]),
            Val::List(vec![s("xyz")]),
        ),
        (
            "(list (list u16) 3)".into(),
            vec!["i32"; 6],
            Val::List(vec![
                Val::List(vec![Val::U16(1)]),
                Val::List(vec![]),
                Val::List(vec![Val::U16(2), Val::U16(3)]),
            ]),
            Val::List(vec![Val::List(vec![]), Val::List(vec![]), Val::List(vec![Val::U16(9)])]),
        ),
        (
            r#"(record (field "a" u8) (field "b" string) (field "c" f64))"#.into(),
            vec!["i32", "i32", "i32", "f64"],
            Val::Record(vec![
                ("a".into(), Val::U8(1)),
                ("b".into(), s("two")),
                ("c".into(), Val::Float64(3.0)),
            ]),
            Val::Record(vec![
                ("a".into(), Val::U8(4)),
                ("b".into(), s("five")),
                ("c".into(), Val::Float64(6.5)),
            ]),
        ),
        (
            "(tuple u16 s64)".into(),
            vec!["i32", "i64"],
            Val::Tuple(vec![Val::U16(7), Val::S64(-8)]),
            Val::Tuple(vec![Val::U16(9), Val::S64(10)]),
        ),
        (
            r#"(variant (case "a" u32) (case "b" f32) (case "c" string) (case "d"))"#.into(),
            vec!["i32", "i32", "i32"],
            Val::Variant("b".into(), Some(Box::new(Val::Float32(2.5)))),
            Val::Variant("c".into(), Some(Box::new(s("see")))),
        ),
        (
            r#"(variant (case "a" u32) (case "b" f32) (case "c" string) (case "d"))"#.into(),
            vec!["i32", "i32", "i32"],
            Val::Variant("d".into(), None),
            Val::Variant("a".into(), Some(Box::new(Val::U32(77)))),
        ),
        (
            r#"(enum "x" "y" "z")"#.into(),
            vec!["i32"],
            Val::Enum("z".into()),
            Val::Enum("x".into()),
        ),
        (
            "(option string)".into(),
            vec!["i32", "i32", "i32"],
            Val::Option(Some(Box::new(s("some")))),
            Val::Option(None),
        ),
        (
            "(option (option u8))".into(),
            vec!["i32", "i32", "i32"],
            Val::Option(Some(Box::new(Val::Option(None)))),
            Val::Option(Some(Box::new(Val::Option(Some(Box::new(Val::U8(3))))))),
        ),
        (
            "(result u64 (error string))".into(),
            vec!["i32", "i64", "i32"],
            Val::Result(Ok(Some(Box::new(Val::U64(1 << 40))))),
            Val::Result(Err(Some(Box::new(s("bad"))))),
        ),
        (
            "(result)".into(),
            vec!["i32"],
            Val::Result(Err(None)),
            Val::Result(Ok(None)),
        ),
        (
            format!("(flags{flags20})"),
            vec!["i32"],
            Val::Flags(vec!["f0".into(), "f7".into(), "f8".into(), "f19".into()]),
            Val::Flags(vec![]),
        ),
        (
            concat!(
                r#"(type $f9 (flags "a" "b" "c" "d" "e" "f" "g" "h" "i")) (import "f9" (type $F9 (eq $f9)))"#,
                r#" (type $f1 (flags "x")) (import "f1" (type $F1 (eq $f1)))"#,
                " | (tuple $F9 u8 $F1)"
            )
            .into(),
            vec!["i32", "i32", "i32"],
            Val::Tuple(vec![
                Val::Flags(vec!["a".into(), "i".into()]),
                Val::U8(3),
                Val::Flags(vec!["x".into()]),
            ]),
            Val::Tuple(vec![Val::Flags(vec!["h".into()]), Val::U8(4), Val::Flags(vec![])]),
        ),
        (
            format!("(tuple{big_tuple})"),
            vec!["ptr"],
            Val::Tuple((0..17).map(Val::U32).collect()),
            Val::Tuple((100..117).map(Val::U32).collect()),
        ),
        (
            r#"(map string u32)"#.into(),
            vec!["i32", "i32"],
            Val::Map(vec![(s("a"), Val::U32(1)), (s("a"), Val::U32(2))]),
            Val::Map(vec![(s("z"), Val::U32(26))]),
        ),
    ];
    for engine in engines() {
        for (ty, flat, value, back) in &cases {
            round_trip(&engine, ty, flat, "utf8", value.clone(), back.clone());
        }
    }
}

#[test]
fn every_string_encoding() {
    let samples = [
        "",
        "ascii only",
        "latin-1: ÿ é ñ",
        "beyond latin-1: ☃ ö ツ",
        "astral: 🍰 🎉 𝄞",
        "mixed \u{0} nul and \u{7f}",
    ];
    for engine in engines() {
        for encoding in ["utf8", "utf16", "latin1+utf16"] {
            for (i, text) in samples.iter().enumerate() {
                let back = samples[(i + 1) % samples.len()];
                round_trip(
                    &engine,
                    "string",
                    &["i32", "i32"],
                    encoding,
                    s(text),
                    s(back),
                );
                round_trip(
                    &engine,
                    "(list string)",
                    &["i32", "i32"],
                    encoding,
                    Val::List(vec![s(text), s(back)]),
                    Val::List(vec![s(back)]),
                );
            }
        }
    }
}

#[test]
fn typed_host_functions_and_typed_calls() {
    for engine in engines() {
        // (string, u32) -> string through a typed import and a typed export.
        let component = Component::new(&engine, relay("string", &["i32", "i32"], "utf16")).unwrap();
        let mut linker = Linker::<u32>::new(&engine);
        linker
            .root()
            .func_wrap(
                "host",
                |mut store: StoreContextMut<'_, u32>, (x,): (String,)| {
                    *store.data_mut() += 1;
                    Ok((format!("<{x}>"),))
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, 0);
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let f = instance
            .get_typed_func::<(&str,), (String,)>(&store, "f")
            .unwrap();
        assert_eq!(f.call(&mut store, ("héllo ☃",)).unwrap().0, "<héllo ☃>");
        assert_eq!(*store.data(), 1);
        // A wrong Rust type is refused when the typed view is made...
        assert!(
            instance
                .get_typed_func::<(u32,), (String,)>(&store, "f")
                .is_err()
        );

        // ...and a host function of the wrong type when the component is instantiated.
        let mut bad = Linker::<u32>::new(&engine);
        bad.root()
            .func_wrap("host", |_: StoreContextMut<'_, u32>, (x,): (u32,)| Ok((x,)))
            .unwrap();
        let err = bad.instantiate(&mut store, &component).unwrap_err();
        assert!(format!("{err:#}").contains("type mismatch"), "{err:#}");

        // Composite Rust types.
        let typed = [
            ("(option string)", vec!["i32", "i32", "i32"]),
            ("(result u64 (error string))", vec!["i32", "i64", "i32"]),
            ("(tuple u16 s64)", vec!["i32", "i64"]),
            ("(list u8)", vec!["i32", "i32"]),
            ("(list (tuple string bool))", vec!["i32", "i32"]),
        ];
        for (ty, flat) in typed {
            let component = Component::new(&engine, relay(ty, &flat, "utf8")).unwrap();
            let mut linker = Linker::<()>::new(&engine);
            let mut store = Store::new(&engine, ());
            macro_rules! check {
                ($t:ty, $v:expr) => {{
                    linker
                        .root()
                        .func_wrap("host", |_: StoreContextMut<'_, ()>, (x,): ($t,)| Ok((x,)))
                        .unwrap();
                    let i = linker.instantiate(&mut store, &component).unwrap();
                    let f = i.get_typed_func::<($t,), ($t,)>(&store, "f").unwrap();
                    let v: $t = $v;
                    assert_eq!(f.call(&mut store, (v.clone(),)).unwrap().0, v, "{ty}");
                }};
            }
            match ty {
                "(option string)" => check!(Option<String>, Some("x".into())),
                "(result u64 (error string))" => check!(Result<u64, String>, Err("e".into())),
                "(tuple u16 s64)" => check!((u16, i64), (3, -4)),
                "(list u8)" => check!(Vec<u8>, vec![1, 2, 3, 255]),
                _ => check!(
                    Vec<(String, bool)>,
                    vec![("a".into(), true), ("".into(), false)]
                ),
            }
        }
    }
}

/// State behind the host-defined `counter` resource.
struct Counter(u32);

#[test]
fn host_defined_resources() {
    let wat = r#"(component
      (import "counter" (type $c (sub resource)))
      (import "new" (func $new (param "start" u32) (result (own $c))))
      (import "bump" (func $bump (param "c" (borrow $c)) (result u32)))
      (core func $new' (canon lower (func $new)))
      (core func $bump' (canon lower (func $bump)))
      (core func $drop (canon resource.drop $c))
      (core module $m
        (import "" "new" (func $new (param i32) (result i32)))
        (import "" "bump" (func $bump (param i32) (result i32)))
        (import "" "drop" (func $drop (param i32)))
        (func (export "run") (param i32) (result i32)
          (local $h i32) (local $r i32)
          (local.set $h (call $new (local.get 0)))
          (drop (call $bump (local.get $h)))
          (local.set $r (call $bump (local.get $h)))
          (call $drop (local.get $h))
          (local.get $r))
        (func (export "make") (result i32) (call $new (i32.const 100)))
        (func (export "use") (param i32) (result i32)
          (local $r i32)
          (local.set $r (call $bump (local.get 0)))
          (call $drop (local.get 0)) ;; a borrow must be dropped before returning
          (local.get $r)))
      (core instance $i (instantiate $m (with "" (instance
        (export "new" (func $new')) (export "bump" (func $bump')) (export "drop" (func $drop))))))
      (func (export "run") (param "start" u32) (result u32) (canon lift (core func $i "run")))
      (func (export "make") (result (own $c)) (canon lift (core func $i "make")))
      (func (export "use") (param "c" (borrow $c)) (result u32) (canon lift (core func $i "use")))
    )"#;
    for engine in engines() {
        let component = Component::new(&engine, wat).unwrap();
        let mut linker = Linker::<(ResourceTable, Vec<u32>)>::new(&engine);
        let mut root = linker.root();
        root.resource(
            "counter",
            ResourceType::host::<Counter>(),
            |mut store, rep| {
                let (table, dropped) = store.data_mut();
                let c = table.delete(Resource::<Counter>::new_own(rep))?;
                dropped.push(c.0);
                Ok(())
            },
        )
        .unwrap();
        root.func_wrap(
            "new",
            |mut store: StoreContextMut<'_, (ResourceTable, Vec<u32>)>, (start,): (u32,)| {
                Ok((store.data_mut().0.push(Counter(start))?,))
            },
        )
        .unwrap();
        root.func_wrap(
            "bump",
            |mut store: StoreContextMut<'_, (ResourceTable, Vec<u32>)>,
             (c,): (Resource<Counter>,)| {
                assert!(!c.owned(), "a borrow arrives as a borrow");
                let counter = store.data_mut().0.get_mut(&c)?;
                counter.0 += 1;
                Ok((counter.0,))
            },
        )
        .unwrap();
        let mut store = Store::new(&engine, (ResourceTable::new(), Vec::new()));
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let run = instance
            .get_typed_func::<(u32,), (u32,)>(&store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, (40,)).unwrap(), (42,));
        assert_eq!(
            store.data().1,
            [42],
            "the guest's drop ran the host destructor"
        );
        assert!(store.data().0.is_empty());

        // An owned handle leaves the guest for the host, and comes back as a borrow.
        let make = instance
            .get_typed_func::<(), (Resource<Counter>,)>(&store, "make")
            .unwrap();
        let (c,) = make.call(&mut store, ()).unwrap();
        assert!(c.owned());
        let use_ = instance
            .get_typed_func::<(Resource<Counter>,), (u32,)>(&store, "use")
            .unwrap();
        assert_eq!(
            use_.call(&mut store, (Resource::new_borrow(c.rep()),))
                .unwrap(),
            (101,)
        );
        assert_eq!(store.data().0.get(&c).unwrap().0, 101);
    }
}

#[test]
fn guest_defined_resources_through_the_host() {
    let wat = r#"(component
      (core module $state
        (global $dropped (export "dropped") (mut i32) (i32.const 0))
        (func (export "dtor") (param i32)
          (global.set $dropped (i32.add (global.get $dropped) (local.get 0)))))
      (core instance $s (instantiate $state))
      (alias core export $s "dtor" (core func $dtor))
      (type $r (resource (rep i32) (dtor (core func $dtor))))
      (core func $new (canon resource.new $r))
      (core func $rep (canon resource.rep $r))
      (core module $m
        (import "" "new" (func $new (param i32) (result i32)))
        (import "" "rep" (func $rep (param i32) (result i32)))
        (import "s" "dropped" (global $dropped (mut i32)))
        (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
        (func (export "peek") (param i32) (result i32) (local.get 0))
        (func (export "consume") (param i32) (result i32) (call $rep (local.get 0)))
        (func (export "dropped") (result i32) (global.get $dropped)))
      (core instance $i (instantiate $m (with "s" (instance $s))
        (with "" (instance (export "new" (func $new)) (export "rep" (func $rep))))))
      (export $R "thing" (type $r))
      (func (export "make") (param "v" u32) (result (own $R)) (canon lift (core func $i "make")))
      (func (export "peek") (param "t" (borrow $R)) (result u32) (canon lift (core func $i "peek")))
      (func (export "consume") (param "t" (own $R)) (result u32) (canon lift (core func $i "consume")))
      (func (export "dropped") (result u32) (canon lift (core func $i "dropped")))
    )"#;
    for engine in engines() {
        let component = Component::new(&engine, wat).unwrap();
        let linker = Linker::<()>::new(&engine);
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let make = instance
            .get_typed_func::<(u32,), (ResourceAny,)>(&store, "make")
            .unwrap();
        let peek = instance
            .get_typed_func::<(ResourceAny,), (u32,)>(&store, "peek")
            .unwrap();
        let consume = instance
            .get_typed_func::<(ResourceAny,), (u32,)>(&store, "consume")
            .unwrap();
        let dropped = instance
            .get_typed_func::<(), (u32,)>(&store, "dropped")
            .unwrap();
        let thing = instance.get_resource(&store, "thing").unwrap();

        let (a,) = make.call(&mut store, (7,)).unwrap();
        assert!(a.owned());
        assert_eq!(a.ty(), thing);
        // The defining instance sees its own representation when it borrows.
        assert_eq!(peek.call(&mut store, (a,)).unwrap(), (7,));
        // Passing ownership back: the guest gets a handle and reads the rep.
        assert_eq!(consume.call(&mut store, (a,)).unwrap(), (7,));
        // The host's handle was moved: using it again is an error, not a crash.
        assert!(consume.call(&mut store, (a,)).is_err());

        // Dropping an owned handle from the host runs the guest destructor.
        let (b,) = make.call(&mut store, (30,)).unwrap();
        b.resource_drop(&mut store).unwrap();
        assert_eq!(dropped.call(&mut store, ()).unwrap(), (30,));

        // Another instance of the same component defines a different resource type.
        let other = linker.instantiate(&mut store, &component).unwrap();
        assert_ne!(other.get_resource(&store, "thing").unwrap(), thing);
        let (c,) = make.call(&mut store, (1,)).unwrap();
        let peek2 = other
            .get_typed_func::<(ResourceAny,), (u32,)>(&store, "peek")
            .unwrap();
        let err = peek2.call(&mut store, (c,)).unwrap_err();
        assert!(
            format!("{err:#}").contains("resource type mismatch"),
            "{err:#}"
        );
    }
}

#[test]
fn post_return_runs_after_the_results_are_read() {
    let wat = format!(
        r#"(component
      {LIBC}
      (core module $m
        (import "libc" "mem" (memory 1))
        (global $freed (mut i32) (i32.const 0))
        (data (i32.const 100) "hello")
        (func (export "get") (result i32)
          (i32.store (i32.const 16) (i32.const 100))
          (i32.store (i32.const 20) (i32.const 5))
          (i32.const 16))
        (func (export "free") (param $p i32)
          ;; scribble over the string: the caller must already have copied it
          (i32.store (i32.load (local.get $p)) (i32.const 0x58585858))
          (global.set $freed (i32.add (global.get $freed) (i32.const 1))))
        (func (export "freed") (result i32) (global.get $freed)))
      (core instance $i (instantiate $m (with "libc" (instance $libc))))
      (func (export "get") (result string) (canon lift (core func $i "get")
        (memory (core memory $libc "mem")) (post-return (core func $i "free"))))
      (func (export "freed") (result u32) (canon lift (core func $i "freed"))))"#
    );
    for engine in engines() {
        let component = Component::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let get = instance
            .get_typed_func::<(), (String,)>(&store, "get")
            .unwrap();
        let freed = instance
            .get_typed_func::<(), (u32,)>(&store, "freed")
            .unwrap();
        assert_eq!(get.call(&mut store, ()).unwrap().0, "hello");
        assert_eq!(freed.call(&mut store, ()).unwrap(), (1,));
        let f = instance.get_func(&store, "get").unwrap();
        let mut out = [Val::Bool(false)];
        f.call(&mut store, &[], &mut out).unwrap();
        assert_eq!(
            out[0],
            s("XXXXo"),
            "post-return ran after the first call only"
        );
        assert_eq!(freed.call(&mut store, ()).unwrap(), (2,));
    }
}

#[test]
fn bad_realloc_results_trap_and_the_store_stays_usable() {
    for (ret, expect) in [
        ("(i32.const 1)", "realloc return: result not aligned"),
        ("(i32.const -8)", "realloc return: beyond end of memory"),
    ] {
        let wat = format!(
            r#"(component
          (core module $m
            (memory (export "mem") 1)
            (func (export "realloc") (param i32 i32 i32 i32) (result i32) {ret})
            (func (export "f") (param i32 i32) (result i32) (local.get 1))
            (func (export "ok") (result i32) (i32.const 5)))
          (core instance $i (instantiate $m))
          (func (export "f") (param "x" (list u32)) (result u32) (canon lift (core func $i "f")
            (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
          (func (export "ok") (result u32) (canon lift (core func $i "ok"))))"#
        );
        for engine in engines() {
            let component = Component::new(&engine, &wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::<()>::new(&engine)
                .instantiate(&mut store, &component)
                .unwrap();
            let f = instance
                .get_typed_func::<(Vec<u32>,), (u32,)>(&store, "f")
                .unwrap();
            let err = f.call(&mut store, (vec![1, 2, 3],)).unwrap_err();
            assert!(format!("{err:#}").contains(expect), "{err:#}");
            assert_eq!(
                err.downcast_ref::<tierwasm::Trap>(),
                Some(&tierwasm::Trap::CanonicalAbi)
            );
            let ok = instance.get_typed_func::<(), (u32,)>(&store, "ok").unwrap();
            assert_eq!(
                ok.call(&mut store, ()).unwrap(),
                (5,),
                "usable after the trap"
            );
        }
    }
}

#[test]
fn composed_components_transcode_strings() {
    // An inner component speaks UTF-16 and upper-cases ASCII; an outer one speaks
    // latin1+utf16 and calls it: the same string crosses two encodings each way.
    let wat = format!(
        r#"(component
      (component $inner
        {LIBC}
        (core module $m
          (import "libc" "mem" (memory 1))
          (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
          (func (export "shout") (param $p i32) (param $n i32) (result i32)
            (local $q i32) (local $i i32) (local $c i32)
            (local.set $q (call $realloc (i32.const 0) (i32.const 0) (i32.const 2) (i32.shl (local.get $n) (i32.const 1))))
            (block $done (loop $next
              (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
              (local.set $c (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1)))))
              (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
                (then (local.set $c (i32.sub (local.get $c) (i32.const 32)))))
              (i32.store16 (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 1))) (local.get $c))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $next)))
            (i32.store (i32.const 16) (local.get $q))
            (i32.store (i32.const 20) (local.get $n))
            (i32.const 16)))
        (core instance $i (instantiate $m (with "libc" (instance $libc))))
        (func (export "shout") (param "s" string) (result string)
          (canon lift (core func $i "shout") string-encoding=utf16
            (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
      (component $outer
        (import "shout" (func $shout (param "s" string) (result string)))
        {LIBC}
        (core func $shout' (canon lower (func $shout) string-encoding=latin1+utf16
          (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
        (core module $m
          (import "libc" "mem" (memory 1))
          (import "" "shout" (func $shout (param i32 i32 i32)))
          (func (export "twice") (param i32 i32) (result i32)
            (call $shout (local.get 0) (local.get 1) (i32.const 32))
            (call $shout (i32.load (i32.const 32)) (i32.load (i32.const 36)) (i32.const 16))
            (i32.const 16)))
        (core instance $i (instantiate $m (with "libc" (instance $libc))
          (with "" (instance (export "shout" (func $shout'))))))
        (func (export "twice") (param "s" string) (result string)
          (canon lift (core func $i "twice") string-encoding=latin1+utf16
            (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
      (instance $in (instantiate $inner))
      (instance $out (instantiate $outer (with "shout" (func $in "shout"))))
      (export "twice" (func $out "twice")))"#
    );
    for engine in engines() {
        let component = Component::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let twice = instance
            .get_typed_func::<(&str,), (String,)>(&store, "twice")
            .unwrap();
        for (input, want) in [
            ("hello", "HELLO"),
            ("grüße", "GRüßE"),
            ("snow ☃ man", "SNOW ☃ MAN"),
            ("cake 🍰", "CAKE 🍰"),
            ("", ""),
        ] {
            assert_eq!(twice.call(&mut store, (input,)).unwrap().0, want);
        }
    }
}

#[test]
fn reentering_an_instance_traps() {
    let wat = r#"(component
      (import "cb" (func $cb))
      (core func $cb' (canon lower (func $cb)))
      (core module $m
        (import "" "cb" (func $cb))
        (func (export "outer") (call $cb))
        (func (export "inner")))
      (core instance $i (instantiate $m (with "" (instance (export "cb" (func $cb'))))))
      (func (export "outer") (canon lift (core func $i "outer")))
      (func (export "inner") (canon lift (core func $i "inner"))))"#;
    for engine in engines() {
        let component = Component::new(&engine, wat).unwrap();
        let mut linker = Linker::<Option<tierwasm::component::Func>>::new(&engine);
        linker
            .root()
            .func_new("cb", |mut store, _, _| {
                let inner = store.data().expect("set");
                inner.call(&mut store, &[], &mut [])
            })
            .unwrap();
        let mut store = Store::new(&engine, None);
        let instance = linker.instantiate(&mut store, &component).unwrap();
        *store.data_mut() = instance.get_func(&store, "inner");
        let outer = instance.get_func(&store, "outer").unwrap();
        let err = outer.call(&mut store, &[], &mut []).unwrap_err();
        assert!(
            format!("{err:#}").contains("cannot enter component instance"),
            "{err:#}"
        );
        // After the trap both functions work again.
        instance
            .get_func(&store, "inner")
            .unwrap()
            .call(&mut store, &[], &mut [])
            .unwrap();
    }
}

#[test]
fn bad_input_is_an_error_not_a_crash() {
    let engine = Engine::default();
    assert!(Component::new(&engine, b"\0asm\x0d\x00\x01\x00garbage").is_err());
    let err = Component::new(&engine, "(module)").unwrap_err();
    assert!(
        format!("{err:#}").contains("expected a component"),
        "{err:#}"
    );
    let component = Component::new(&engine, relay("u32", &["i32"], "utf8")).unwrap();
    let mut store = Store::new(&engine, ());
    let err = Linker::<()>::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("import `host` has not been defined"),
        "{err:#}"
    );
    let mut linker = Linker::<()>::new(&engine);
    linker
        .root()
        .func_new("host", |_, p, r| {
            r[0] = p[0].clone();
            Ok(())
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(&store, "f").unwrap();
    let mut out = [Val::Bool(false)];
    assert!(f.call(&mut store, &[s("not a u32")], &mut out).is_err());
    assert!(f.call(&mut store, &[], &mut out).is_err());
    f.call(&mut store, &[Val::U32(5)], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(5));
}

/// Components made by real tools (Rust + wit-bindgen, linked by wasm-component-ld):
/// `tests/component/guests`, built into `tests/component/*.wasm` by its `build.sh`.
fn guest(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/component/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A linker whose `log` import appends to the store's data.
fn logging_linker(engine: &Engine) -> Linker<Vec<String>> {
    let mut linker = Linker::<Vec<String>>::new(engine);
    linker
        .root()
        .func_wrap(
            "log",
            |mut store: StoreContextMut<'_, Vec<String>>, (msg,): (String,)| {
                store.data_mut().push(msg);
                Ok(())
            },
        )
        .unwrap();
    linker
}

#[test]
fn wit_bindgen_guest() {
    for engine in engines() {
        let component = Component::from_binary(&engine, &guest("greeter")).unwrap();
        let linker = logging_linker(&engine);
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let iface = "tierwasm:guests/greeter";
        let greet = instance.get_instance_func(&store, iface, "greet").unwrap();
        let greet = greet.typed::<(&str,), (String,)>(&store).unwrap();
        assert_eq!(greet.call(&mut store, ("Ada",)).unwrap().0, "Hello, Ada!");
        assert_eq!(store.data(), &["Hello, Ada!"]);

        let oldest = instance.get_instance_func(&store, iface, "oldest").unwrap();
        let person = |name: &str, age: u32| {
            Val::Record(vec![
                ("name".into(), s(name)),
                ("age".into(), Val::U32(age)),
            ])
        };
        let mut out = [Val::Bool(false)];
        oldest
            .call(
                &mut store,
                &[Val::List(vec![
                    person("a", 3),
                    person("b", 70),
                    person("c", 9),
                ])],
                &mut out,
            )
            .unwrap();
        assert_eq!(out[0], Val::Option(Some(Box::new(person("b", 70)))));

        let stats = instance.get_instance_func(&store, iface, "stats").unwrap();
        let stats = stats
            .typed::<(Vec<f64>,), (Result<(f64, f64), String>,)>(&store)
            .unwrap();
        assert_eq!(
            stats.call(&mut store, (vec![1.0, 2.0, 3.0],)).unwrap().0,
            Ok((2.0, 2.0 / 3.0))
        );
        assert_eq!(
            stats.call(&mut store, (vec![],)).unwrap().0,
            Err("no values".into())
        );
    }
}

/// What `wasm-tools compose` makes of the two guests: a component that nests both and
/// wires the joiner's import to the greeter's export.
fn compose_guests() -> Vec<u8> {
    use wasm_encoder::{
        Alias, ComponentAliasSection, ComponentExportKind, ComponentExportSection,
        ComponentImportSection, ComponentInstanceSection, ComponentSectionId, ComponentTypeRef,
        ComponentTypeSection, PrimitiveValType, RawSection,
    };
    let (greeter, joiner) = (guest("greeter"), guest("joiner"));
    let mut c = wasm_encoder::Component::new();
    let mut types = ComponentTypeSection::new();
    types
        .function()
        .params([("msg", PrimitiveValType::String)])
        .result(None);
    c.section(&types);
    let mut imports = ComponentImportSection::new();
    imports.import("log", ComponentTypeRef::Func(0)); // func 0
    c.section(&imports);
    let nested = ComponentSectionId::Component as u8;
    c.section(&RawSection {
        id: nested,
        data: &greeter,
    }); // component 0
    c.section(&RawSection {
        id: nested,
        data: &joiner,
    }); // component 1
    let iface = "tierwasm:guests/greeter";
    let mut inst = ComponentInstanceSection::new();
    inst.instantiate(0, [("log", ComponentExportKind::Func, 0)]); // instance 0
    c.section(&inst);
    let mut alias = ComponentAliasSection::new();
    alias.alias(Alias::InstanceExport {
        instance: 0,
        kind: ComponentExportKind::Instance,
        name: iface,
    }); // instance 1
    c.section(&alias);
    let mut inst = ComponentInstanceSection::new();
    inst.instantiate(1, [(iface, ComponentExportKind::Instance, 1)]); // instance 2
    c.section(&inst);
    let mut alias = ComponentAliasSection::new();
    alias.alias(Alias::InstanceExport {
        instance: 2,
        kind: ComponentExportKind::Func,
        name: "run",
    }); // func 1
    c.section(&alias);
    let mut exports = ComponentExportSection::new();
    exports.export("run", ComponentExportKind::Func, 1, None);
    c.section(&exports);
    c.finish()
}

#[test]
fn composed_wit_bindgen_guests() {
    let bytes = compose_guests();
    for engine in engines() {
        let component = Component::from_binary(&engine, &bytes).unwrap();
        let linker = logging_linker(&engine);
        let mut store = Store::new(&engine, Vec::new());
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let run = instance
            .get_typed_func::<(Vec<String>,), (String,)>(&store, "run")
            .unwrap();
        let names = vec!["Ada".to_string(), "Grace ☃".to_string(), String::new()];
        assert_eq!(
            run.call(&mut store, (names,)).unwrap().0,
            "Hello, Ada! Hello, Grace ☃! Hello, !"
        );
        assert_eq!(
            store.data().len(),
            3,
            "every greeting was logged: {:?}",
            store.data()
        );
    }
}

/// Instantiates `wat` with a host `ping(x) -> x + 1` that counts its calls in the store.
fn instantiate_with_ping(
    engine: &Engine,
    wat: &str,
) -> (Store<u32>, tierwasm::component::Instance) {
    let component = Component::new(engine, wat).unwrap();
    let mut linker = Linker::<u32>::new(engine);
    linker
        .root()
        .func_wrap(
            "ping",
            |mut store: StoreContextMut<'_, u32>, (x,): (u32,)| {
                *store.data_mut() += 1;
                Ok((x + 1,))
            },
        )
        .unwrap();
    let mut store = Store::new(engine, 0);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    (store, instance)
}

#[test]
fn post_return_may_not_call_out_on_any_tier() {
    // The import is reached through the interpreter's lowering entry or, on the JIT
    // tier, through a compiled lowering trampoline: both check the may-leave flag.
    let wat = r#"(component
      (import "ping" (func $ping (param "x" u32) (result u32)))
      (core func $ping' (canon lower (func $ping)))
      (core module $m
        (import "" "ping" (func $ping (param i32) (result i32)))
        (func (export "f") (result i32) (call $ping (i32.const 1)))
        (func (export "f-post") (param i32) (drop (call $ping (local.get 0)))))
      (core instance $i (instantiate $m (with "" (instance (export "ping" (func $ping'))))))
      (func (export "f") (result u32)
        (canon lift (core func $i "f") (post-return (core func $i "f-post")))))"#;
    for engine in engines() {
        let (mut store, instance) = instantiate_with_ping(&engine, wat);
        let f = instance.get_typed_func::<(), (u32,)>(&store, "f").unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        assert_eq!(
            err.downcast_ref::<tierwasm::Trap>(),
            Some(&tierwasm::Trap::CannotLeaveComponent)
        );
        assert_eq!(*store.data(), 1, "the call itself reached the host once");
    }
}

#[test]
fn realloc_may_not_call_out_and_the_store_stays_usable() {
    // Lowering a string argument into the guest calls its `realloc`, which runs with
    // the instance's may-leave clear: the import it calls traps, on both trampoline
    // paths. Before the fix, the host import ran from inside `realloc`.
    let wat = r#"(component
      (import "ping" (func $ping (param "x" u32) (result u32)))
      (core func $ping' (canon lower (func $ping)))
      (core module $m
        (import "" "ping" (func $ping (param i32) (result i32)))
        (memory (export "mem") 1)
        (global $calls (mut i32) (i32.const 0))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32)
          (if (i32.eqz (global.get $calls))
            (then (drop (call $ping (i32.const 1)))))
          (i32.const 64))
        (func (export "len") (param i32 i32) (result i32) (local.get 1))
        (func (export "arm") (global.set $calls (i32.const 0)))
        (func (export "disarm") (global.set $calls (i32.const 1))))
      (core instance $i (instantiate $m (with "" (instance (export "ping" (func $ping'))))))
      (func (export "len") (param "s" string) (result u32)
        (canon lift (core func $i "len") (memory (core memory $i "mem"))
          (realloc (core func $i "realloc"))))
      (func (export "disarm") (canon lift (core func $i "disarm"))))"#;
    for engine in engines() {
        let (mut store, instance) = instantiate_with_ping(&engine, wat);
        let len = instance
            .get_typed_func::<(&str,), (u32,)>(&store, "len")
            .unwrap();
        let err = len.call(&mut store, ("hello",)).unwrap_err();
        assert_eq!(
            err.downcast_ref::<tierwasm::Trap>(),
            Some(&tierwasm::Trap::CannotLeaveComponent),
            "{err:#}"
        );
        assert_eq!(*store.data(), 0, "the host import never ran inside realloc");
        // The store is usable: with realloc no longer calling out, the call works.
        let disarm = instance.get_typed_func::<(), ()>(&store, "disarm").unwrap();
        disarm.call(&mut store, ()).unwrap();
        assert_eq!(len.call(&mut store, ("hello",)).unwrap().0, 5);
    }
}

#[test]
fn truncated_nested_module_is_an_error_not_a_panic() {
    // Preamble, then a core-module section that declares 32 bytes but has 8.
    let mut bytes = b"\0asm\x0d\x00\x01\x00".to_vec();
    bytes.extend_from_slice(&[1, 32]);
    bytes.extend_from_slice(b"\0asm\x01\0\0\0");
    assert_eq!(bytes.len(), 18);
    // A nested component declaring more than it has.
    let mut nested = b"\0asm\x0d\x00\x01\x00".to_vec();
    nested.extend_from_slice(&[4, 40]);
    nested.extend_from_slice(b"\0asm\x0d\x00\x01\x00");
    for bytes in [bytes, nested] {
        let engine = Engine::default();
        let r = std::panic::catch_unwind(|| Component::new(&engine, &bytes).map(|_| ()));
        let err = r.expect("no panic").unwrap_err();
        assert!(!format!("{err:#}").is_empty());
    }
}

#[cfg(feature = "wast")]
#[test]
fn wast_assert_unlinkable_takes_components() {
    let script = r#"
      (assert_unlinkable
        (component (import "missing" (func)))
        "missing")
      (assert_unlinkable
        (module (import "spectest" "nope" (func)))
        "unknown import")
    "#;
    let report = tierwasm::wast::run_wast(&Engine::default(), "unlinkable.wast", script);
    assert_eq!(report.failures, Vec::<String>::new());
    assert_eq!(report.passed, 2);
}

#[test]
fn extended_constant_expressions_in_a_nested_core_module() {
    // What CPython and QuickJS components do: a data segment offset and a global
    // initialiser computed from an imported global (the memory base).
    let wat = r#"(component
      (core module $base (global (export "base") i32 (i32.const 1000)))
      (core instance $b (instantiate $base))
      (core module $m
        (import "env" "base" (global $base i32))
        (memory 1)
        (global $end i32 (i32.add (global.get $base) (i32.mul (i32.const 2) (i32.const 12))))
        (global $wide i64 (i64.sub (i64.const 50) (i64.const 8)))
        (data (i32.add (global.get $base) (i32.const 8)) "\2a")
        (func (export "run") (result i32)
          (i32.add
            (i32.add (global.get $end) (i32.wrap_i64 (global.get $wide)))
            (i32.load8_u (i32.const 1008)))))
      (core instance $i (instantiate $m (with "env" (instance $b))))
      (func (export "run") (result u32) (canon lift (core func $i "run"))))"#;
    for engine in engines() {
        let component = Component::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let run = instance
            .get_typed_func::<(), (u32,)>(&store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, ()).unwrap(), (1024 + 42 + 42,));
    }
}

#[test]
fn unsupported_proposals_in_components_are_reported_unsupported() {
    let engine = Engine::default();
    for (core, feature) in [
        ("(func return_call 0)", "tail calls"),
        ("(memory 1) (memory 1)", "multi-memory"),
        ("(func (param v128))", "SIMD"),
        ("(type (struct))", "GC"),
    ] {
        let wat = format!("(component (core module {core}))");
        let err = format!("{:#}", Component::new(&engine, &wat).unwrap_err());
        assert!(
            err.contains(&format!("unsupported: {feature}")),
            "{core}: {err}"
        );
    }
    // Still invalid, whatever the features: the validator's own error.
    let err = Component::new(&engine, "(component (core module (func (result i32))))").unwrap_err();
    let err = format!("{err:#}");
    assert!(!err.contains("unsupported"), "{err}");
}

/// A core module whose `realloc` (a bump allocator) appends `(old, old size, align,
/// new size, result)` to a log at 64..1024, and whose `log` returns the log as a
/// `list<u32>` (written at 8).
const LOGGING_LIBC: &str = r#"
  (core module $libc
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (global $log (mut i32) (i32.const 64))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $r) (local.get $size)))
      (if (local.get $old) (then (memory.copy (local.get $r) (local.get $old) (local.get $old-size))))
      (i32.store (global.get $log) (local.get $old))
      (i32.store offset=4 (global.get $log) (local.get $old-size))
      (i32.store offset=8 (global.get $log) (local.get $align))
      (i32.store offset=12 (global.get $log) (local.get $size))
      (i32.store offset=16 (global.get $log) (local.get $r))
      (global.set $log (i32.add (global.get $log) (i32.const 20)))
      (local.get $r))
    (func (export "log") (result i32)
      (i32.store (i32.const 8) (i32.const 64))
      (i32.store (i32.const 12) (i32.shr_u (i32.sub (global.get $log) (i32.const 64)) (i32.const 2)))
      (i32.const 8)))
  (core instance $libc (instantiate $libc))
  (func (export "log") (result (list u32))
    (canon lift (core func $libc "log") (memory (core memory $libc "mem"))))
"#;

/// A callee component `$C` (strings in `callee`) exporting `echo: func(s: string) ->
/// string`, called by a component `$D` (strings in `caller`) that exports `run` (passes
/// its argument to `echo`, returns what it returns); both export their `realloc`
/// logs, as `callee-log` and `caller-log`.
fn echo_pair(caller: &str, callee: &str) -> String {
    format!(
        r#"(component
      (component $C
        {LOGGING_LIBC}
        (core module $echo
          (import "libc" "mem" (memory 1))
          (func (export "echo") (param $p i32) (param $n i32) (result i32)
            (i32.store (i32.const 0) (local.get $p))
            (i32.store (i32.const 4) (local.get $n))
            (i32.const 0)))
        (core instance $e (instantiate $echo (with "libc" (instance $libc))))
        (func (export "echo") (param "s" string) (result string)
          (canon lift (core func $e "echo") string-encoding={callee}
            (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
      (component $D
        (import "echo" (func $echo (param "s" string) (result string)))
        {LOGGING_LIBC}
        (core func $echo' (canon lower (func $echo) string-encoding={caller}
          (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
        (core module $m
          (import "libc" "mem" (memory 1))
          (import "" "echo" (func $echo (param i32 i32 i32)))
          (func (export "run") (param i32 i32) (result i32)
            (call $echo (local.get 0) (local.get 1) (i32.const 16))
            (i32.const 16)))
        (core instance $i (instantiate $m (with "libc" (instance $libc))
          (with "" (instance (export "echo" (func $echo'))))))
        (func (export "run") (param "s" string) (result string)
          (canon lift (core func $i "run") string-encoding={caller}
            (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
      (instance $c (instantiate $C))
      (instance $d (instantiate $D (with "echo" (func $c "echo"))))
      (export "run" (func $d "run"))
      (export "callee-log" (func $c "log"))
      (export "caller-log" (func $d "log")))"#
    )
}

/// One `realloc` call: (old pointer is the previous result, old size, align, new size).
type Realloc = (bool, u32, u32, u32);

/// Caller encoding, callee encoding, string, the callee's `realloc` calls, the caller's.
type TranscodeCase = (
    &'static str,
    &'static str,
    &'static str,
    &'static [Realloc],
    &'static [Realloc],
);

/// The `realloc` log of export `name`, each old pointer checked against the previous
/// result (0 for a fresh allocation).
fn realloc_log(
    store: &mut Store<()>,
    instance: &tierwasm::component::Instance,
    name: &str,
) -> Vec<Realloc> {
    let log = instance
        .get_typed_func::<(), (Vec<u32>,)>(&*store, name)
        .unwrap();
    let (log,) = log.call(&mut *store, ()).unwrap();
    let mut prev = 0;
    log.chunks(5)
        .map(|e| {
            assert!(
                e[0] == 0 || e[0] == prev,
                "{name}: old pointer {} is not the last result {prev}",
                e[0]
            );
            prev = e[4];
            (e[0] != 0, e[1], e[2], e[3])
        })
        .collect()
}

#[test]
fn string_transcoding_makes_the_specs_realloc_calls() {
    // (caller encoding, callee encoding, string, the callee's realloc calls for the
    // argument, the caller's for the host's argument then for the result), as the
    // Component Model's reference `definitions.py` makes them.
    let cases: &[TranscodeCase] = &[
        (
            "utf8",
            "utf8",
            "hi!",
            &[(false, 0, 1, 3)],
            &[(false, 0, 1, 3), (false, 0, 1, 3)],
        ),
        (
            "utf8",
            "utf8",
            "Ëñ",
            &[(false, 0, 1, 4)],
            &[(false, 0, 1, 4), (false, 0, 1, 4)],
        ),
        (
            "utf8",
            "utf8",
            "Ë┛",
            &[(false, 0, 1, 5)],
            &[(false, 0, 1, 5), (false, 0, 1, 5)],
        ),
        (
            "utf8",
            "utf8",
            "a🍰",
            &[(false, 0, 1, 5)],
            &[(false, 0, 1, 5), (false, 0, 1, 5)],
        ),
        (
            "utf8",
            "utf16",
            "hi!",
            &[(false, 0, 2, 6)],
            &[(false, 0, 1, 3), (false, 0, 1, 3)],
        ),
        (
            "utf8",
            "utf16",
            "Ëñ",
            &[(false, 0, 2, 8), (true, 8, 2, 4)],
            &[
                (false, 0, 1, 4),
                (false, 0, 1, 2),
                (true, 2, 1, 6),
                (true, 6, 1, 4),
            ],
        ),
        (
            "utf8",
            "utf16",
            "Ë┛",
            &[(false, 0, 2, 10), (true, 10, 2, 4)],
            &[
                (false, 0, 1, 5),
                (false, 0, 1, 2),
                (true, 2, 1, 6),
                (true, 6, 1, 5),
            ],
        ),
        (
            "utf8",
            "utf16",
            "a🍰",
            &[(false, 0, 2, 10), (true, 10, 2, 6)],
            &[
                (false, 0, 1, 5),
                (false, 0, 1, 3),
                (true, 3, 1, 9),
                (true, 9, 1, 5),
            ],
        ),
        (
            "utf8",
            "latin1+utf16",
            "hi!",
            &[(false, 0, 2, 3)],
            &[(false, 0, 1, 3), (false, 0, 1, 3)],
        ),
        (
            "utf8",
            "latin1+utf16",
            "Ëñ",
            &[(false, 0, 2, 4), (true, 4, 2, 2)],
            &[(false, 0, 1, 4), (false, 0, 1, 2), (true, 2, 1, 4)],
        ),
        (
            "utf8",
            "latin1+utf16",
            "Ë┛",
            &[(false, 0, 2, 5), (true, 5, 2, 10), (true, 10, 2, 4)],
            &[
                (false, 0, 1, 5),
                (false, 0, 1, 2),
                (true, 2, 1, 6),
                (true, 6, 1, 5),
            ],
        ),
        (
            "utf8",
            "latin1+utf16",
            "a🍰",
            &[(false, 0, 2, 5), (true, 5, 2, 10), (true, 10, 2, 6)],
            &[
                (false, 0, 1, 5),
                (false, 0, 1, 3),
                (true, 3, 1, 9),
                (true, 9, 1, 5),
            ],
        ),
        (
            "utf16",
            "utf8",
            "hi!",
            &[(false, 0, 1, 3)],
            &[(false, 0, 2, 6), (false, 0, 2, 6)],
        ),
        (
            "utf16",
            "utf8",
            "Ëñ",
            &[(false, 0, 1, 2), (true, 2, 1, 6), (true, 6, 1, 4)],
            &[
                (false, 0, 2, 8),
                (true, 8, 2, 4),
                (false, 0, 2, 8),
                (true, 8, 2, 4),
            ],
        ),
        (
            "utf16",
            "utf8",
            "Ë┛",
            &[(false, 0, 1, 2), (true, 2, 1, 6), (true, 6, 1, 5)],
            &[
                (false, 0, 2, 10),
                (true, 10, 2, 4),
                (false, 0, 2, 10),
                (true, 10, 2, 4),
            ],
        ),
        (
            "utf16",
            "utf8",
            "a🍰",
            &[(false, 0, 1, 3), (true, 3, 1, 9), (true, 9, 1, 5)],
            &[
                (false, 0, 2, 10),
                (true, 10, 2, 6),
                (false, 0, 2, 10),
                (true, 10, 2, 6),
            ],
        ),
        (
            "utf16",
            "utf16",
            "hi!",
            &[(false, 0, 2, 6)],
            &[(false, 0, 2, 6), (false, 0, 2, 6)],
        ),
        (
            "utf16",
            "utf16",
            "Ëñ",
            &[(false, 0, 2, 4)],
            &[(false, 0, 2, 8), (true, 8, 2, 4), (false, 0, 2, 4)],
        ),
        (
            "utf16",
            "utf16",
            "Ë┛",
            &[(false, 0, 2, 4)],
            &[(false, 0, 2, 10), (true, 10, 2, 4), (false, 0, 2, 4)],
        ),
        (
            "utf16",
            "utf16",
            "a🍰",
            &[(false, 0, 2, 6)],
            &[(false, 0, 2, 10), (true, 10, 2, 6), (false, 0, 2, 6)],
        ),
        (
            "utf16",
            "latin1+utf16",
            "hi!",
            &[(false, 0, 2, 3)],
            &[(false, 0, 2, 6), (false, 0, 2, 6)],
        ),
        (
            "utf16",
            "latin1+utf16",
            "Ëñ",
            &[(false, 0, 2, 2)],
            &[(false, 0, 2, 8), (true, 8, 2, 4), (false, 0, 2, 4)],
        ),
        (
            "utf16",
            "latin1+utf16",
            "Ë┛",
            &[(false, 0, 2, 2), (true, 2, 2, 4)],
            &[(false, 0, 2, 10), (true, 10, 2, 4), (false, 0, 2, 4)],
        ),
        (
            "utf16",
            "latin1+utf16",
            "a🍰",
            &[(false, 0, 2, 3), (true, 3, 2, 6)],
            &[(false, 0, 2, 10), (true, 10, 2, 6), (false, 0, 2, 6)],
        ),
        (
            "latin1+utf16",
            "utf8",
            "hi!",
            &[(false, 0, 1, 3)],
            &[(false, 0, 2, 3), (false, 0, 2, 3)],
        ),
        (
            "latin1+utf16",
            "utf8",
            "Ëñ",
            &[(false, 0, 1, 2), (true, 2, 1, 4)],
            &[
                (false, 0, 2, 4),
                (true, 4, 2, 2),
                (false, 0, 2, 4),
                (true, 4, 2, 2),
            ],
        ),
        (
            "latin1+utf16",
            "utf8",
            "Ë┛",
            &[(false, 0, 1, 2), (true, 2, 1, 6), (true, 6, 1, 5)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 4),
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 4),
            ],
        ),
        (
            "latin1+utf16",
            "utf8",
            "a🍰",
            &[(false, 0, 1, 3), (true, 3, 1, 9), (true, 9, 1, 5)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 6),
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 6),
            ],
        ),
        (
            "latin1+utf16",
            "utf16",
            "hi!",
            &[(false, 0, 2, 6)],
            &[(false, 0, 2, 3), (false, 0, 2, 3)],
        ),
        (
            "latin1+utf16",
            "utf16",
            "Ëñ",
            &[(false, 0, 2, 4)],
            &[(false, 0, 2, 4), (true, 4, 2, 2), (false, 0, 2, 2)],
        ),
        (
            "latin1+utf16",
            "utf16",
            "Ë┛",
            &[(false, 0, 2, 4)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 4),
                (false, 0, 2, 2),
                (true, 2, 2, 4),
            ],
        ),
        (
            "latin1+utf16",
            "utf16",
            "a🍰",
            &[(false, 0, 2, 6)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 6),
                (false, 0, 2, 3),
                (true, 3, 2, 6),
            ],
        ),
        (
            "latin1+utf16",
            "latin1+utf16",
            "hi!",
            &[(false, 0, 2, 3)],
            &[(false, 0, 2, 3), (false, 0, 2, 3)],
        ),
        (
            "latin1+utf16",
            "latin1+utf16",
            "Ëñ",
            &[(false, 0, 2, 2)],
            &[(false, 0, 2, 4), (true, 4, 2, 2), (false, 0, 2, 2)],
        ),
        (
            "latin1+utf16",
            "latin1+utf16",
            "Ë┛",
            &[(false, 0, 2, 4)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 4),
                (false, 0, 2, 4),
            ],
        ),
        (
            "latin1+utf16",
            "latin1+utf16",
            "a🍰",
            &[(false, 0, 2, 6)],
            &[
                (false, 0, 2, 5),
                (true, 5, 2, 10),
                (true, 10, 2, 6),
                (false, 0, 2, 6),
            ],
        ),
    ];
    for engine in engines() {
        for &(caller, callee, text, want_callee, want_caller) in cases {
            let component = Component::new(&engine, echo_pair(caller, callee)).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::<()>::new(&engine)
                .instantiate(&mut store, &component)
                .unwrap();
            let run = instance
                .get_typed_func::<(&str,), (String,)>(&store, "run")
                .unwrap();
            let (back,) = run.call(&mut store, (text,)).unwrap();
            let case = format!("{caller} -> {callee} {text:?}");
            assert_eq!(back, text, "{case}");
            assert_eq!(
                realloc_log(&mut store, &instance, "callee-log"),
                want_callee,
                "{case}: callee"
            );
            assert_eq!(
                realloc_log(&mut store, &instance, "caller-log"),
                want_caller,
                "{case}: caller"
            );
        }
    }
}

#[test]
fn latin1_text_in_utf16_form_is_transcoded_as_the_spec_says() {
    // latin1+utf16 may hold latin1-only text in its UTF-16 form (the host never
    // lowers it so): the caller passes "Ëñ" tagged as UTF-16.
    for (callee, want) in [
        (
            "utf8",
            &[(false, 0, 1, 2), (true, 2, 1, 6), (true, 6, 1, 4)][..],
        ),
        ("utf16", &[(false, 0, 2, 4)]),
        ("latin1+utf16", &[(false, 0, 2, 4), (true, 4, 1, 2)]),
    ] {
        let wat = echo_pair("latin1+utf16", callee).replace(
            "(call $echo (local.get 0) (local.get 1) (i32.const 16))",
            "(i32.store (i32.const 32) (i32.const 0x00f100cb))
             (call $echo (i32.const 32) (i32.const 0x80000002) (i32.const 16))",
        );
        for engine in engines() {
            let component = Component::new(&engine, &wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::<()>::new(&engine)
                .instantiate(&mut store, &component)
                .unwrap();
            let run = instance
                .get_typed_func::<(&str,), (String,)>(&store, "run")
                .unwrap();
            assert_eq!(run.call(&mut store, ("",)).unwrap().0, "Ëñ", "{callee}");
            assert_eq!(
                realloc_log(&mut store, &instance, "callee-log"),
                want,
                "{callee}"
            );
        }
    }
}

#[test]
fn strings_longer_than_the_maximum_trap_before_any_realloc() {
    // The caller passes 2^28 bytes (zeros: valid in every encoding), one more than the
    // canonical ABI's maximum string length: lifting traps, the callee's realloc is
    // never asked for the worst case (2^28, 2^29 or 3 * 2^28 bytes).
    for (caller, callee, len) in [
        ("utf8", "utf8", 1u32 << 28),
        ("utf8", "utf16", 1 << 28),
        ("utf16", "utf8", 1 << 27),
        ("latin1+utf16", "utf8", 1 << 28),
        ("latin1+utf16", "utf16", (1 << 27) | (1 << 31)),
    ] {
        let wat = echo_pair(caller, callee)
            .replace(
                "(call $echo (local.get 0) (local.get 1) (i32.const 16))",
                &format!(
                    "(call $echo (i32.const 0) (i32.const {}) (i32.const 16))",
                    len as i32
                ),
            )
            .replace(
                "(memory (export \"mem\") 1)",
                "(memory (export \"mem\") 4097)",
            );
        for engine in engines() {
            let component = Component::new(&engine, &wat).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Linker::<()>::new(&engine)
                .instantiate(&mut store, &component)
                .unwrap();
            let run = instance
                .get_typed_func::<(&str,), (String,)>(&store, "run")
                .unwrap();
            let case = format!("{caller} -> {callee} ({len:#x})");
            // (Not `unwrap_err`: it would print the 256 MiB result.)
            let Err(err) = run.call(&mut store, ("x",)) else {
                panic!("{case}: the call completed");
            };
            assert_eq!(
                err.downcast_ref::<tierwasm::Trap>(),
                Some(&tierwasm::Trap::CanonicalAbi),
                "{case}: {err:#}"
            );
            assert!(format!("{err:#}").contains("maximum"), "{case}: {err:#}");
            assert_eq!(
                realloc_log(&mut store, &instance, "callee-log"),
                vec![],
                "{case}"
            );
        }
    }
}

#[test]
fn the_host_lifts_no_string_longer_than_the_maximum() {
    // The length is checked before the bounds: one page of memory is enough.
    let wat = r#"(component
      (core module $m
        (memory (export "mem") 1)
        (func (export "f") (result i32)
          (i32.store (i32.const 4) (i32.const 0x10000000))
          (i32.const 0)))
      (core instance $i (instantiate $m))
      (func (export "f") (result string)
        (canon lift (core func $i "f") (memory (core memory $i "mem")))))"#;
    for engine in engines() {
        let component = Component::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let typed = instance
            .get_typed_func::<(), (String,)>(&store, "f")
            .unwrap();
        let err = typed.call(&mut store, ()).unwrap_err();
        assert!(format!("{err:#}").contains("maximum"), "{err:#}");
        let mut out = [Val::Bool(false)];
        let err = instance
            .get_func(&store, "f")
            .unwrap()
            .call(&mut store, &[], &mut out)
            .unwrap_err();
        assert!(format!("{err:#}").contains("maximum"), "{err:#}");
    }
}
