;; The component of `examples/component.rs`: it imports two host functions and exports
;; functions over strings, lists and records.
;;
;;   import log: func(msg: string)
;;   import decorate: func(word: string) -> string
;;   export record person { name: string, age: u32 }
;;   export greet: func(name: string) -> string                  "Hello, <decorate(name)>!", logged
;;   export total-age: func(people: list<person>) -> u32
;;   export oldest: func(people: list<person>) -> option<person>
;;   export words: func(text: string) -> list<string>             split on spaces
(component
  (import "log" (func $log (param "msg" string)))
  (import "decorate" (func $decorate (param "word" string) (result string)))
  (type $person' (record (field "name" string) (field "age" u32)))
  (export $person "person" (type $person'))

  ;; Memory and a bump allocator.
  (core module $Libc
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 4096))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $r) (local.get $size)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))))))
      (if (local.get $old) (then (memory.copy (local.get $r) (local.get $old) (local.get $old-size))))
      (local.get $r)))
  (core instance $libc (instantiate $Libc))

  (core func $log' (canon lower (func $log) (memory (core memory $libc "mem"))))
  (core func $decorate' (canon lower (func $decorate)
    (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))

  (core module $Main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "decorate" (func $decorate (param i32 i32 i32)))
    (data (i32.const 256) "Hello, !")

    ;; Results that do not fit one core value are returned through this area.
    (global $ret i32 (i32.const 64))

    (func (export "greet") (param $p i32) (param $n i32) (result i32)
      (local $dp i32) (local $dn i32) (local $out i32)
      (call $decorate (local.get $p) (local.get $n) (i32.const 32))
      (local.set $dp (i32.load (i32.const 32)))
      (local.set $dn (i32.load (i32.const 36)))
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                     (i32.add (local.get $dn) (i32.const 8))))
      (memory.copy (local.get $out) (i32.const 256) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $dp) (local.get $dn))
      (i32.store8 (i32.add (i32.add (local.get $out) (i32.const 7)) (local.get $dn)) (i32.const 33))
      (call $log (local.get $out) (i32.add (local.get $dn) (i32.const 8)))
      (i32.store (global.get $ret) (local.get $out))
      (i32.store offset=4 (global.get $ret) (i32.add (local.get $dn) (i32.const 8)))
      (global.get $ret))

    ;; A person is 12 bytes: name pointer, name length, age.
    (func (export "total-age") (param $p i32) (param $n i32) (result i32)
      (local $sum i32)
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=8 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 12)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
      (local.get $sum))

    ;; option<person>: discriminant byte at 0, the person at 4.
    (func (export "oldest") (param $p i32) (param $n i32) (result i32)
      (local $best i32)
      (i32.store8 (global.get $ret) (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.or (i32.eqz (local.get $best))
                    (i32.gt_u (i32.load offset=8 (local.get $p)) (i32.load offset=8 (local.get $best))))
          (then (local.set $best (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 12)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
      (if (local.get $best)
        (then
          (i32.store8 (global.get $ret) (i32.const 1))
          (memory.copy (i32.add (global.get $ret) (i32.const 4)) (local.get $best) (i32.const 12))))
      (global.get $ret))

    ;; list<string> of the space-separated words, pointing into the argument.
    (func (export "words") (param $p i32) (param $n i32) (result i32)
      (local $list i32) (local $count i32) (local $i i32) (local $start i32)
      (local.set $list (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
                                      (i32.mul (i32.add (local.get $n) (i32.const 1)) (i32.const 8))))
      (local.set $start (i32.const 0))
      (block $done (loop $next
        (if (i32.or (i32.eq (local.get $i) (local.get $n))
                    (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 32)))
          (then
            (if (i32.gt_u (local.get $i) (local.get $start))
              (then
                (i32.store (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 8)))
                           (i32.add (local.get $p) (local.get $start)))
                (i32.store offset=4 (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 8)))
                           (i32.sub (local.get $i) (local.get $start)))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $start (i32.add (local.get $i) (i32.const 1)))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (i32.store (global.get $ret) (local.get $list))
      (i32.store offset=4 (global.get $ret) (local.get $count))
      (global.get $ret)))

  (core instance $main (instantiate $Main
    (with "libc" (instance $libc))
    (with "host" (instance (export "log" (func $log')) (export "decorate" (func $decorate'))))))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $main "greet") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (func (export "total-age") (param "people" (list $person)) (result u32)
    (canon lift (core func $main "total-age") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (func (export "oldest") (param "people" (list $person)) (result (option $person))
    (canon lift (core func $main "oldest") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
  (func (export "words") (param "text" string) (result (list string))
    (canon lift (core func $main "words") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
)
