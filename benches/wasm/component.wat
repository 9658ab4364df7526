;; The component the component benchmarks run (benches/component.rs, benches/peers):
;;
;;   import add: func(a: u32, b: u32) -> u32
;;   import consume: func(s: string) -> u32
;;   export calls: func(n: u32) -> u32          calls `add` n times (host-call round trip)
;;   export send: func(len: u32, n: u32) -> u32 passes a `len`-byte string to `consume`
;;                                              n times (string parameter lifting)
;;   export sum: func(data: list<u8>) -> u32    sums every 4096th byte it is given
;;                                              (list<u8> lowering into the component;
;;                                              the guest's own work stays negligible)
(component
  (import "add" (func $add (param "a" u32) (param "b" u32) (result u32)))
  (import "consume" (func $consume (param "s" string) (result u32)))
  (core module $Libc
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 65536))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
      (local $r i32)
      ;; One live allocation at a time is enough here: every call starts over.
      (local.set $r (i32.const 65536))
      (global.set $next (i32.add (local.get $r) (local.get $size)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16)) (i32.const 1))))))
      (local.get $r)))
  (core instance $libc (instantiate $Libc))
  (core func $add' (canon lower (func $add)))
  (core func $consume' (canon lower (func $consume) (memory (core memory $libc "mem"))))
  (core module $Main
    (import "libc" "mem" (memory 1))
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (import "host" "consume" (func $consume (param i32 i32) (result i32)))
    (func (export "calls") (param $n i32) (result i32)
      (local $acc i32)
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
      (local.get $acc))
    (func (export "send") (param $len i32) (param $n i32) (result i32)
      (local $acc i32)
      ;; The string: `len` bytes of 'a' at address 1024.
      (if (i32.gt_u (i32.add (local.get $len) (i32.const 1024)) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.shr_u (local.get $len) (i32.const 16)) (i32.const 1))))))
      (memory.fill (i32.const 1024) (i32.const 97) (local.get $len))
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $consume (i32.const 1024) (local.get $len))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
      (local.get $acc))
    (func (export "sum") (param $p i32) (param $n i32) (result i32)
      (local $acc i32) (local $end i32)
      (local.set $end (i32.add (local.get $p) (local.get $n)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4096)))
        (br $next)))
      (local.get $acc)))
  (core instance $main (instantiate $Main
    (with "libc" (instance $libc))
    (with "host" (instance (export "add" (func $add')) (export "consume" (func $consume'))))))
  (func (export "calls") (param "n" u32) (result u32) (canon lift (core func $main "calls")))
  (func (export "send") (param "len" u32) (param "n" u32) (result u32) (canon lift (core func $main "send")))
  (func (export "sum") (param "data" (list u8)) (result u32)
    (canon lift (core func $main "sum") (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
)
