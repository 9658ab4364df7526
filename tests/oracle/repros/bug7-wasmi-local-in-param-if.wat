;; Bug 7, wasmi 2.0.0's (the oracle's): local 4 is read (onto the stack) before an
;; `if` with a parameter whose not-taken branch writes it; the global must end as the
;; bits of the argument. tierwasm's tiers agree; wasmi 2.0.0 gives another value.
(module
  (type (;0;) (func (param f64)))
  (type (;1;) (func (param funcref i32 funcref i32 f32 f32) (result i64 i64)))
  (memory (;0;) 12 13)
  (global (;0;) (mut i64) i64.const 0)
  (global (;1;) (mut i32) i32.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (export "" (func 0))
  (export "o" (global 1))
  (func (;0;) (type 1) (param funcref i32 funcref i32 f32 f32) (result i64 i64)
    (local f32 f64 f64 f64 f64 f32 f64 f64 f64 f64)
    ref.func 0
    i64.const 1
    ref.func 0
    local.get 4
    i64.const 0
    f64.reinterpret_i64
    ref.func 0
    ref.is_null
    if (type 0) (param f64) ;; label = @1
      local.get 1
      f64.convert_i32_s
      f64.ge
      f32.load offset=182594
      local.set 4
    else
      i64.reinterpret_f64
      i64.const 0
      i64.xor
      global.set 2
    end
    i32.reinterpret_f32
    global.get 1
    i32.xor
    global.set 1
    drop
    global.get 0
    i64.xor
    global.set 0
    drop
    i64.const 0
    i64.const 0
  )
)
