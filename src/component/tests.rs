//! End-to-end component calls small enough for Miri: strings both ways through a typed
//! host function and a typed export, a dynamic call with a record, and a guest-defined
//! resource through the host, strings between two components of different encodings.
//! (The full API tests are in `tests/component_api.rs`.)

use super::{Component, Linker, ResourceAny, Val};
use crate::{Config, Engine, Store, StoreContextMut, Tier};

fn engine() -> Engine {
    let mut c = Config::new();
    c.tier(Tier::Interp);
    Engine::new(&c).unwrap()
}

const WAT: &str = r#"(component
  (import "shout" (func $shout (param "s" string) (result string)))
  (core module $libc
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (global.get $next))
      (global.set $next (i32.add (global.get $next) (local.get 3)))
      (local.get $r)))
  (core instance $libc (instantiate $libc))
  (core func $shout' (canon lower (func $shout)
    (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (type $r (resource (rep i32)))
  (core func $new (canon resource.new $r))
  (core func $rep (canon resource.rep $r))
  (core module $m
    (import "libc" "mem" (memory 1))
    (import "" "shout" (func $shout (param i32 i32 i32)))
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "rep" (func $rep (param i32) (result i32)))
    (func (export "relay") (param i32 i32) (result i32)
      (call $shout (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16))
    (func (export "pair") (param i32 i32) (result i32)
      (i32.store (i32.const 32) (local.get 1))
      (i32.store (i32.const 36) (local.get 0))
      (i32.const 32))
    (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
    (func (export "take") (param i32) (result i32) (call $rep (local.get 0))))
  (core instance $i (instantiate $m (with "libc" (instance $libc))
    (with "" (instance (export "shout" (func $shout')) (export "new" (func $new))
                       (export "rep" (func $rep))))))
  (type $p' (record (field "a" u32) (field "b" u32)))
  (export $p "p" (type $p'))
  (export $R "r" (type $r))
  (func (export "relay") (param "s" string) (result string)
    (canon lift (core func $i "relay") (memory (core memory $libc "mem"))
      (realloc (core func $libc "realloc"))))
  (func (export "pair") (param "a" u32) (param "b" u32) (result $p)
    (canon lift (core func $i "pair") (memory (core memory $libc "mem"))))
  (func (export "make") (param "v" u32) (result (own $R)) (canon lift (core func $i "make")))
  (func (export "take") (param "r" (own $R)) (result u32) (canon lift (core func $i "take"))))"#;

#[test]
fn strings_records_and_resources_round_trip() {
    let engine = engine();
    let component = Component::new(&engine, WAT).unwrap();
    let mut linker = Linker::<u32>::new(&engine);
    linker
        .root()
        .func_wrap(
            "shout",
            |mut store: StoreContextMut<'_, u32>, (s,): (String,)| {
                *store.data_mut() += 1;
                Ok((s.to_uppercase(),))
            },
        )
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker.instantiate(&mut store, &component).unwrap();

    let relay = instance
        .get_typed_func::<(&str,), (String,)>(&store, "relay")
        .unwrap();
    assert_eq!(relay.call(&mut store, ("héllo",)).unwrap().0, "HÉLLO");
    assert_eq!(*store.data(), 1);

    let mut out = [Val::Bool(false)];
    instance
        .get_func(&store, "pair")
        .unwrap()
        .call(&mut store, &[Val::U32(1), Val::U32(2)], &mut out)
        .unwrap();
    assert_eq!(
        out[0],
        Val::Record(vec![("a".into(), Val::U32(2)), ("b".into(), Val::U32(1))])
    );

    let make = instance
        .get_typed_func::<(u32,), (ResourceAny,)>(&store, "make")
        .unwrap();
    let take = instance
        .get_typed_func::<(ResourceAny,), (u32,)>(&store, "take")
        .unwrap();
    let (r,) = make.call(&mut store, (7,)).unwrap();
    assert_eq!(take.call(&mut store, (r,)).unwrap(), (7,));
    assert!(take.call(&mut store, (r,)).is_err(), "the handle moved");
}

/// Two components with different string encodings: strings go from one memory to the
/// other through the bridge (`transcode`), in both directions.
const PAIR: &str = r#"(component
  (component $inner
    (core module $m
      (memory (export "mem") 1)
      (global $next (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $r i32)
        (local.set $r (global.get $next))
        (global.set $next (i32.add (global.get $next) (i32.const 64)))
        (if (local.get 0) (then (memory.copy (local.get $r) (local.get 0) (local.get 1))))
        (local.get $r))
      (func (export "echo") (param i32 i32) (result i32)
        (i32.store (i32.const 0) (local.get 0))
        (i32.store (i32.const 4) (local.get 1))
        (i32.const 0)))
    (core instance $i (instantiate $m))
    (func (export "echo") (param "s" string) (result string)
      (canon lift (core func $i "echo") string-encoding=latin1+utf16
        (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))
  (component $outer
    (import "echo" (func $echo (param "s" string) (result string)))
    (core module $libc
      (memory (export "mem") 1)
      (global $next (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $r i32)
        (local.set $r (global.get $next))
        (global.set $next (i32.add (global.get $next) (i32.const 64)))
        (if (local.get 0) (then (memory.copy (local.get $r) (local.get 0) (local.get 1))))
        (local.get $r)))
    (core instance $libc (instantiate $libc))
    (core func $echo' (canon lower (func $echo) string-encoding=utf16
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
    (core module $m
      (import "" "echo" (func $echo (param i32 i32 i32)))
      (func (export "run") (param i32 i32) (result i32)
        (call $echo (local.get 0) (local.get 1) (i32.const 16))
        (i32.const 16)))
    (core instance $i (instantiate $m (with "" (instance (export "echo" (func $echo'))))))
    (func (export "run") (param "s" string) (result string)
      (canon lift (core func $i "run") string-encoding=utf16
        (memory (core memory $libc "mem")) (realloc (core func $libc "realloc")))))
  (instance $in (instantiate $inner))
  (instance $out (instantiate $outer (with "echo" (func $in "echo"))))
  (export "run" (func $out "run")))"#;

#[test]
fn strings_cross_between_component_memories() {
    let engine = engine();
    let component = Component::new(&engine, PAIR).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = Linker::<u32>::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let run = instance
        .get_typed_func::<(&str,), (String,)>(&store, "run")
        .unwrap();
    for s in ["hi", "Ëñ", "Ë┛", "a🍰", ""] {
        assert_eq!(run.call(&mut store, (s,)).unwrap().0, s);
    }
}
