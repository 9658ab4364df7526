;; Known bug 5 (JIT): after a host function grows memory, the guest sees the new
;; length: (3, 5, 3), no trap.
(module
  (import "host" "grow" (func $grow (param i32) (result i32)))
  (memory (export "memory") 1 3)
  (func (export "f") (result i32 i32 i32) (local i32)
    (loop $l
      (drop (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))))
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_if $l (i32.ne (call $grow (i32.const 1)) (i32.const -1))))
    (i32.store (i32.const 131072) (i32.const 5))
    (local.get 0)
    (i32.load (i32.const 131072))
    (memory.size)))
