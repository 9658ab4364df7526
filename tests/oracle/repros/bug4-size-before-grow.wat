;; Known bug 4 (JIT): `memory.size` read before `memory.grow` and used after it must be
;; the old size: (1, 1, 2).
(module
  (memory 1 3)
  (func (export "f") (result i32 i32 i32)
    (memory.size) (memory.grow (i32.const 1)) (memory.size)))
