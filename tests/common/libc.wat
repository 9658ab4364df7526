;; A bump allocator for test components (memory + realloc), spliced into components by
;; tests/component_api.rs and tests/oracle/abi.rs.
  (core module $libc
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $r) (local.get $size)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.const 1) (i32.shr_u (i32.sub (global.get $next)
          (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)))))))
      (if (local.get $old) (then (memory.copy (local.get $r) (local.get $old) (local.get $old-size))))
      (local.get $r)))
  (core instance $libc (instantiate $libc))
