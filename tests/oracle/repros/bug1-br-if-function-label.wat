;; Known bug 1 (interpreter): a `br_if` to the function's own label carrying 2 values,
;; not taken, must leave them as the function's results: (1, 2).
(module
  (func $f (param i32) (result i32 i64)
    (i32.const 1) (i64.const 2) (br_if 0 (local.get 0)))
  (func (export "f") (result i32 i64) (call $f (i32.const 0))))
