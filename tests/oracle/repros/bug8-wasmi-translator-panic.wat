;; Bug 8, wasmi 2.0.0's (the oracle's): wasmi panics translating this valid module
;; (internal error: entered unreachable code, translator/func/mod.rs:2583); tierwasm's
;; tiers run it. Shrunk from wasm-smith seed 75235.
(module
  (type (;0;) (func (result f64 f32 i32 i64 externref)))
  (type (;1;) (func (param i64)))
  (type (;2;) (func))
  (type (;3;) (func (param i32) (result f32 funcref)))
  (memory (;0;) 0 4)
  (global (;0;) (mut i32) i32.const 0)
  (global (;1;) f32 f32.const -0x1.22e08ep+68 (;=-335358540000000000000;))
  (global (;2;) funcref ref.null func)
  (global (;3;) (mut externref) ref.null extern)
  (global (;4;) (mut i64) i64.const 0)
  (global (;5;) (mut i32) i32.const 0)
  (global (;6;) (mut i32) i32.const 0)
  (global (;7;) (mut i64) i64.const 0)
  (export "" (func 1))
  (func (;0;) (type 1) (param i64))
  (func (;1;) (type 1) (param i64))
  (func (;2;) (type 3) (param i32) (result f32 funcref)
    (local f64 f32 f64 f64 f32 f32 f64 f32 f32 f32 f64 f64 f32 f32 f32)
    ref.null extern
    local.get 0
    i32.load16_s align=1
    i64.load8_s
    i64.extend8_s
    f32.const 0x1.fff8p-132 (;=0.00000000000000000000000000000000000000036732;)
    i64.trunc_sat_f32_u
    i64.and
    f32.convert_i64_s
    block (result f32) ;; label = @1
      call 3
      f32.const -nan:0x7ffdff (;=NaN;)
      i64.trunc_sat_f32_s
      i64.eqz
      f32.load align=1
      i32.trunc_f32_s
      f32.const 0x1.cp-147 (;=0.00000000000000000000000000000000000000000001;)
      ref.func 1
      ref.null extern
      global.set 3
      memory.size
      local.tee 0
      local.get 0
      i32.store8 offset=206669
      data.drop 1
      ref.is_null
      i32.load16_s
      i64.load align=2
      data.drop 0
      global.get 1
      block ;; label = @2
        ref.null extern
        ref.func 1
        block ;; label = @3
          block ;; label = @4
            br 1 (;@3;)
          end
          loop ;; label = @4
          end
        end
        call 3
        i64.const 3538502030275270197
        loop (result i32) ;; label = @3
          ref.func 1
          i64.const 0
          f32.convert_i64_s
          memory.size
          i64.load32_u align=2
          i64.extend16_s
          i64.const 0
          nop
          call 0
          f64.convert_i64_s
          loop (type 2) ;; label = @4
            data.drop 0
            data.drop 1
            br 1 (;@3;)
            br 1 (;@3;)
            i32.const 0
            i64.load
            local.get 0
            i64.extend_i32_u
            ref.func 1
            loop ;; label = @5
              br 3 (;@2;)
              br 3 (;@2;)
              ref.func 1
              ref.func 1
              ref.func 1
              block (type 2) ;; label = @6
                loop (type 0) (result f64 f32 i32 i64 externref) ;; label = @7
                  f64.const 0x1.fffffffffp-1038 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000679038653104;)
                  f64.const -0x1.4a0f683e61533p-452 (;=-0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000011086517133602206;)
                  memory.size
                  f32.load
                  memory.size
                  i64.load8_s
                  ref.func 1
                  ref.func 1
                  f32.const 0x1.p-132 (;=0.000000000000000000000000000000000000000183671;)
                  i32.trunc_f32_s
                  i32.const 262143
                  i64.load16_u
                  i64.store16 align=1
                  ref.null extern
                  i64.const 267577726522499976
                  br 2 (;@5;)
                  local.get 0
                  br 1 (;@6;)
                  i64.const 0
                  i64.ctz
                  f64.convert_i64_s
                  f64.store offset=3202147655 align=1
                  f64.reinterpret_i64
                  local.get 0
                  i64.load
                  block (type 2) ;; label = @8
                    i32.const 1
                    f32.const 0x1.d3b578p-62 (;=0.00000000000000000039616482;)
                    ref.null extern
                    block (result f32) ;; label = @9
                      call 3
                      ref.is_null
                      global.get 0
                      i32.xor
                      i32.load8_s
                      local.tee 0
                      i32.ctz
                      i32.load8_s
                      f64.load align=2
                      block (type 0) (result f64 f32 i32 i64 externref) ;; label = @10
                        f64.const 0x1.p-1035 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002716154612436;)
                        ref.null func
                        ref.null extern
                        i64.const 0
                        global.get 2
                        f64.const -0x1.a7f18f8021bf5p+116 (;=-137577562572301930000000000000000000;)
                        f64.sqrt
                        local.tee 3
                        f64.const nan (;=NaN;)
                        local.get 3
                        local.get 3
                        f64.eq
                        select
                        block (type 2) ;; label = @11
                          call 3
                          f32.const -0x1.ce0702p-22 (;=-0.00000043029652;)
                          br 9 (;@2;)
                          i64.trunc_sat_f32_u
                          i64.const 1
                          br 7 (;@4;)
                          ref.null extern
                          global.set 3
                          i64.eqz
                          local.tee 0
                          i64.load16_u
                          i64.div_s
                          i64.ctz
                          i64.extend16_s
                          i64.popcnt
                          f64.convert_i64_u
                          f64.floor
                          local.tee 4
                          f64.const nan (;=NaN;)
                          i32.const 0
                          select
                          i64.trunc_sat_f64_u
                          i64.ctz
                          i64.const 0
                          i32.const 777729297
                          block ;; label = @12
                            br 8 (;@4;)
                            f32.const -nan:0x7dffff (;=NaN;)
                            i32.const -955819638
                            i64.load16_u
                            ref.null extern
                            local.get 0
                            loop ;; label = @13
                              local.get 0
                              call 4
                              global.get 1
                              f32.abs
                              i32.trunc_sat_f32_u
                              i32.ctz
                              br 8 (;@5;)
                              br 1 (;@12;)
                              memory.grow
                              global.set 0
                              call 3
                              ref.func 1
                              memory.size
                              i32.load16_u align=1
                              f64.convert_i32_u
                              i32.trunc_f64_u
                              br_table 0 (;@13;) 1 (;@12;) 2 (;@11;) 5 (;@8;) 6 (;@7;) 7 (;@6;) 8 (;@5;) 9 (;@4;) 10 (;@3;) 11 (;@2;) 10 (;@3;)
                              call 3
                              f64.const -nan:0xffffffffffff8 (;=NaN;)
                              i64.trunc_f64_s
                              ref.func 1
                              memory.size
                              f32.load align=2
                              f32.abs
                              i64.const 2147483647
                              call 3
                              local.get 0
                              memory.grow
                              i64.load align=1
                              call 0
                              i64.const 7007970771380105559
                              br 2 (;@11;)
                              i32.const 0
                              f64.load offset=208164
                              ref.null func
                              br 9 (;@4;)
                              loop (result i64) ;; label = @14
                                nop
                                br 6 (;@8;)
                                i64.const 0
                                call 0
                                f64.const 0x1.9adf786f5f03cp+180 (;=2459613028510856300000000000000000000000000000000000000;)
                                br 6 (;@8;)
                                br 9 (;@5;)
                                ref.func 1
                                local.get 0
                                i32.load8_u
                                i32.load8_u offset=229764
                                br_if 10 (;@4;)
                                local.get 0
                                global.set 0
                                memory.size
                                i64.extend_i32_u
                                i32.const 0
                                i32.extend8_s
                                i32.load
                                block (type 2) ;; label = @15
                                  call 3
                                  memory.size
                                  br_if 5 (;@10;)
                                  block ;; label = @16
                                  end
                                  br 3 (;@12;)
                                  br 5 (;@10;)
                                  loop (type 0) (result f64 f32 i32 i64 externref) ;; label = @16
                                    loop (type 0) (result f64 f32 i32 i64 externref) ;; label = @17
                                      memory.size
                                      br_if 6 (;@11;)
                                      f64.const 0x1.ffffffffff8p-1033 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002172923689948;)
                                      i64.trunc_sat_f64_s
                                      global.get 0
                                      i32.extend16_s
                                      i64.load16_u align=1
                                      i64.le_s
                                      i32.const 67108863
                                      i64.const 9218868437227405312
                                      local.get 5
                                      ref.null func
                                      f32.const -0x1.ccc7b2p+17 (;=-235919.39;)
                                      i32.trunc_f32_s
                                      block (type 3) (param i32) (result f32 funcref) ;; label = @18
                                        local.get 0
                                        i32.shl
                                        loop ;; label = @19
                                          global.get 2
                                          block (result funcref) ;; label = @20
                                            f32.const 0x1.cefed8p-67 (;=0.000000000000000000012255388;)
                                            data.drop 1
                                            i64.trunc_f32_u
                                            global.get 2
                                            br 3 (;@17;)
                                            ref.null extern
                                            loop (result i64) ;; label = @21
                                              call 3
                                              block (result i64) ;; label = @22
                                                ref.null extern
                                                i64.const 1
                                                ref.null extern
                                                ref.func 1
                                                call 3
                                                block (type 2) ;; label = @23
                                                  ref.null func
                                                  loop (type 2) ;; label = @24
                                                    global.get 2
                                                    ref.is_null
                                                    f32.convert_i32_s
                                                    i64.trunc_sat_f32_s
                                                    f64.const 0x1.0004p-1056 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001295242;)
                                                    block (result f32) ;; label = @25
                                                      nop
                                                      data.drop 1
                                                      f32.const 0x1.753bc4p+43 (;=12824204000000;)
                                                      f32.const nan (;=NaN;)
                                                      local.get 6
                                                      local.get 6
                                                      f32.eq
                                                      select
                                                      i32.const 1
                                                      global.set 0
                                                      br 1 (;@24;)
                                                      i64.trunc_f32_s
                                                      i64.ctz
                                                      f64.convert_i64_u
                                                      local.get 0
                                                      br_if 19 (;@6;)
                                                      f64.abs
                                                      call 3
                                                      br 20 (;@5;)
                                                      i64.const -2106734300625522267
                                                      i32.const 1
                                                      i32.clz
                                                      br_if 21 (;@4;)
                                                      ref.null extern
                                                      call 3
                                                      global.get 3
                                                      global.get 1
                                                      f64.promote_f32
                                                      i32.trunc_sat_f64_s
                                                      f64.load align=1
                                                      loop (type 2) ;; label = @26
                                                        i32.const 0
                                                        local.get 0
                                                        i32.ge_s
                                                        data.drop 1
                                                        data.drop 0
                                                        global.get 0
                                                        i32.rem_u
                                                        i32.load8_s
                                                        br 10 (;@16;)
                                                        if (result f32) ;; label = @27
                                                          ref.null extern
                                                          i64.const 1
                                                          ref.null extern
                                                          local.get 0
                                                          i64.load
                                                          f32.convert_i64_u
                                                          block (result i64) ;; label = @28
                                                            block (type 2) ;; label = @29
                                                              call 3
                                                              f64.const -0x1.a528d6bde112ep+13 (;=-13477.104854353322;)
                                                              ref.func 1
                                                              f32.const -0x1.fffffep+0 (;=-1.9999999;)
                                                              i64.trunc_sat_f32_s
                                                              i32.const -984628781
                                                              i64.extend_i32_u
                                                              i64.sub
                                                              f32.convert_i64_u
                                                              f64.const -0x1.6fcf055e2ab9cp+626 (;=-400091467220805100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                                                              block (type 0) (result f64 f32 i32 i64 externref) ;; label = @30
                                                                memory.size
                                                                f32.load
                                                                i64.const -8019088944394100913
                                                                data.drop 1
                                                                global.get 2
                                                                block ;; label = @31
                                                                  ref.null extern
                                                                  f32.const 0x1.1efb7ap+113 (;=11641386000000000000000000000000000;)
                                                                  f32.nearest
                                                                  local.tee 8
                                                                  f32.const nan (;=NaN;)
                                                                  local.get 8
                                                                  local.get 8
                                                                  f32.eq
                                                                  select
                                                                  i64.const 2003625271321049269
                                                                  i64.const 0
                                                                  call 1
                                                                  f32.const -0x1.f5133p+28 (;=-525415170;)
                                                                  f32.trunc
                                                                  local.tee 9
                                                                  f32.const nan (;=NaN;)
                                                                  local.get 9
                                                                  local.get 9
                                                                  f32.eq
                                                                  select
                                                                  f64.const -0x1.2005bc88330f2p+731 (;=-12709051572977230000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                                                                  i64.const 0
                                                                  br 7 (;@24;)
                                                                  local.get 0
                                                                  f64.convert_i32_u
                                                                  i32.trunc_f64_u
                                                                  i32.load8_s
                                                                  if (type 2) ;; label = @32
                                                                  end
                                                                  i64.extend16_s
                                                                  f32.const -0x1.957a86p+120 (;=-2105365300000000000000000000000000000;)
                                                                  local.get 0
                                                                  i32.eqz
                                                                  if ;; label = @32
                                                                    nop
                                                                  else
                                                                    block ;; label = @33
                                                                      ref.func 1
                                                                      global.get 1
                                                                      f64.promote_f32
                                                                      nop
                                                                      i32.const 2136381145
                                                                      call 4
                                                                      call 3
                                                                      local.get 0
                                                                      if (result i32) ;; label = @34
                                                                        ref.null extern
                                                                        global.get 2
                                                                        call 3
                                                                        block (result funcref) ;; label = @35
                                                                          f32.const -0x1.08d3e2p-34 (;=-0.00000000006021484;)
                                                                          call 3
                                                                          i64.const -262145
                                                                          f32.const 0x1.p-129 (;=0.000000000000000000000000000000000000001469368;)
                                                                          i64.const -1229782938247303442
                                                                          i64.const 78337288783042506
                                                                          i64.ge_u
                                                                          br 6 (;@29;)
                                                                          i32.load16_s align=1
                                                                          i64.load align=2
                                                                          i64.const 0
                                                                          i64.eq
                                                                          local.set 0
                                                                          f32.nearest
                                                                          local.tee 10
                                                                          f32.const nan (;=NaN;)
                                                                          local.get 10
                                                                          local.get 10
                                                                          f32.eq
                                                                          select
                                                                          loop ;; label = @36
                                                                            br 25 (;@11;)
                                                                            f64.const -0x1.7264085f28bp-765 (;=-0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007455443566549224;)
                                                                            i64.const -524289
                                                                            block ;; label = @37
                                                                              br 21 (;@16;)
                                                                              i32.const 1
                                                                              br 14 (;@23;)
                                                                              loop (type 0) (result f64 f32 i32 i64 externref) ;; label = @38
                                                                                local.get 11
                                                                                i32.trunc_f64_s
                                                                                f64.load align=4
                                                                                i64.trunc_f64_s
                                                                                loop ;; label = @39
                                                                                  block (type 2) ;; label = @40
                                                                                    data.drop 1
                                                                                    i32.const -1537802946
                                                                                    local.set 0
                                                                                    br 27 (;@13;)
                                                                                    ref.func 1
                                                                                    i64.const 0
                                                                                    i32.const 268435455
                                                                                    br_if 2 (;@38;)
                                                                                    f64.reinterpret_i64
                                                                                    f64.ceil
                                                                                    local.tee 12
                                                                                    f64.const nan (;=NaN;)
                                                                                    local.get 12
                                                                                    local.get 12
                                                                                    f64.eq
                                                                                    select
                                                                                    f32.demote_f64
                                                                                    local.get 0
                                                                                    data.drop 0
                                                                                    i32.popcnt
                                                                                    loop ;; label = @41
                                                                                      i64.const 0
                                                                                      ref.null func
                                                                                      i64.const 0
                                                                                      i64.extend16_s
                                                                                      i64.extend8_s
                                                                                      global.get 2
                                                                                      local.get 0
                                                                                      i64.const 0
                                                                                      i64.store16 align=1
                                                                                      f32.const 0x1.fffff8p-128 (;=0.00000000000000000000000000000000000000587747;)
                                                                                      i32.trunc_f32_u
                                                                                      i64.load8_u
                                                                                      ref.null extern
                                                                                      i64.const 1
                                                                                      i64.const -1152921504606846976
                                                                                      f64.convert_i64_u
                                                                                      i32.trunc_sat_f64_s
                                                                                      f32.load align=1
                                                                                      i32.const 1
                                                                                      global.get 2
                                                                                      ref.func 1
                                                                                      i32.const 1
                                                                                      f32.convert_i32_u
                                                                                      loop (type 0) (result f64 f32 i32 i64 externref) ;; label = @42
                                                                                        ref.null extern
                                                                                        f32.const -0x1.de52b2p+105 (;=-75793310000000000000000000000000;)
                                                                                        f32.sqrt
                                                                                        local.tee 13
                                                                                        f32.const nan (;=NaN;)
                                                                                        local.get 13
                                                                                        local.get 13
                                                                                        f32.eq
                                                                                        select
                                                                                        local.get 0
                                                                                        br_table 0 (;@42;) 1 (;@41;) 2 (;@40;) 3 (;@39;) 4 (;@38;) 5 (;@37;) 6 (;@36;) 9 (;@33;) 10 (;@32;) 11 (;@31;) 13 (;@29;) 16 (;@26;) 18 (;@24;) 19 (;@23;) 21 (;@21;) 23 (;@19;) 25 (;@17;) 26 (;@16;) 27 (;@15;) 28 (;@14;) 29 (;@13;) 30 (;@12;) 31 (;@11;) 34 (;@8;) 35 (;@7;) 36 (;@6;) 37 (;@5;) 38 (;@4;) 39 (;@3;) 40 (;@2;) 1 (;@41;)
                                                                                        f32.floor
                                                                                        local.tee 14
                                                                                        f32.const nan (;=NaN;)
                                                                                        local.get 14
                                                                                        local.get 14
                                                                                        f32.eq
                                                                                        select
                                                                                        f64.const 0x1.p-1068 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000316;)
                                                                                        i64.reinterpret_f64
                                                                                        i32.wrap_i64
                                                                                        local.set 0
                                                                                        ref.func 1
                                                                                        i32.const -90191714
                                                                                        i32.extend16_s
                                                                                        local.set 0
                                                                                        f64.const -0x1.deb447fe23369p+20 (;=-1960772.4995453006;)
                                                                                        i32.const 262152
                                                                                        br 25 (;@17;)
                                                                                        f32.const 0x1.fffep-134 (;=0.000000000000000000000000000000000000000091834;)
                                                                                        br 13 (;@29;)
                                                                                        f32.neg
                                                                                        global.get 2
                                                                                        i64.const 3648864832467537377
                                                                                        local.get 0
                                                                                        br 34 (;@8;)
                                                                                        i32.eqz
                                                                                        i64.load16_u align=1
                                                                                        loop (type 1) (param i64) ;; label = @43
                                                                                          block (result f32) ;; label = @44
                                                                                            block ;; label = @45
                                                                                              global.get 2
                                                                                              block (type 2) ;; label = @46
                                                                                                i32.const -822302068
                                                                                                global.get 6
                                                                                                i32.xor
                                                                                                global.set 6
                                                                                              end
                                                                                              drop
                                                                                            end
                                                                                            f32.const -nan:0x700000 (;=NaN;)
                                                                                          end
                                                                                          i32.reinterpret_f32
                                                                                          global.get 6
                                                                                          i32.xor
                                                                                          global.set 6
                                                                                          global.get 4
                                                                                          i64.xor
                                                                                          global.set 4
                                                                                        end
                                                                                        global.get 4
                                                                                        i64.xor
                                                                                        global.set 4
                                                                                        drop
                                                                                        i32.reinterpret_f32
                                                                                        i32.const -1191915265
                                                                                        i32.xor
                                                                                        global.set 6
                                                                                        global.get 5
                                                                                        i32.xor
                                                                                        global.set 5
                                                                                        i64.reinterpret_f64
                                                                                        global.get 7
                                                                                        i64.xor
                                                                                        global.set 7
                                                                                        drop
                                                                                        i32.reinterpret_f32
                                                                                        global.get 6
                                                                                        i32.xor
                                                                                        global.set 6
                                                                                        drop
                                                                                        f64.const -nan:0xfffffffffe000 (;=NaN;)
                                                                                        f32.const -0x1p+1 (;=-2;)
                                                                                        i32.const 524287
                                                                                        i64.const 144115188075855872
                                                                                        ref.null extern
                                                                                      end
                                                                                      drop
                                                                                      global.get 4
                                                                                      i64.xor
                                                                                      global.set 4
                                                                                      global.get 5
                                                                                      i32.xor
                                                                                      global.set 5
                                                                                      i32.reinterpret_f32
                                                                                      global.get 6
                                                                                      i32.xor
                                                                                      global.set 6
                                                                                      i64.reinterpret_f64
                                                                                      global.get 7
                                                                                      i64.xor
                                                                                      global.set 7
                                                                                      i32.reinterpret_f32
                                                                                      global.get 6
                                                                                      i32.xor
                                                                                      global.set 6
                                                                                      drop
                                                                                      drop
                                                                                      global.get 5
                                                                                      i32.xor
                                                                                      global.set 5
                                                                                      i32.reinterpret_f32
                                                                                      global.get 6
                                                                                      i32.xor
                                                                                      global.set 6
                                                                                      global.get 4
                                                                                      i64.xor
                                                                                      global.set 4
                                                                                      drop
                                                                                      global.get 4
                                                                                      i64.xor
                                                                                      global.set 4
                                                                                      drop
                                                                                      global.get 4
                                                                                      i64.xor
                                                                                      global.set 4
                                                                                      drop
                                                                                      global.get 4
                                                                                      i64.xor
                                                                                      global.set 4
                                                                                    end
                                                                                    i32.const 1
                                                                                    i32.xor
                                                                                    global.set 5
                                                                                    i32.reinterpret_f32
                                                                                    i32.const 1
                                                                                    i32.xor
                                                                                    global.set 6
                                                                                    drop
                                                                                  end
                                                                                end
                                                                                global.get 4
                                                                                i64.xor
                                                                                global.set 4
                                                                                f64.const 0x1.8f407e7e1516ap+754 (;=147782765603348320000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                                                                                f32.const -0x1.1bbf48p+88 (;=-343029300000000000000000000;)
                                                                                i32.const -841432631
                                                                                i64.const 512
                                                                                ref.null extern
                                                                              end
                                                                              drop
                                                                              global.get 4
                                                                              i64.xor
                                                                              global.set 4
                                                                              global.get 5
                                                                              i32.xor
                                                                              global.set 5
                                                                              i32.reinterpret_f32
                                                                              global.get 6
                                                                              i32.xor
                                                                              global.set 6
                                                                              i64.reinterpret_f64
                                                                              global.get 7
                                                                              i64.xor
                                                                              global.set 7
                                                                              global.get 5
                                                                              i32.xor
                                                                              global.set 5
                                                                            end
                                                                            global.get 4
                                                                            i64.xor
                                                                            global.set 4
                                                                            i64.reinterpret_f64
                                                                            global.get 7
                                                                            i64.xor
                                                                            global.set 7
                                                                          end
                                                                          i32.reinterpret_f32
                                                                          global.get 6
                                                                          i32.xor
                                                                          global.set 6
                                                                          global.get 4
                                                                          i64.xor
                                                                          global.set 4
                                                                          drop
                                                                          global.get 4
                                                                          i64.xor
                                                                          global.set 4
                                                                          global.get 5
                                                                          i32.xor
                                                                          global.set 5
                                                                          i32.reinterpret_f32
                                                                          global.get 6
                                                                          i32.xor
                                                                          global.set 6
                                                                          i64.reinterpret_f64
                                                                          global.get 7
                                                                          i64.xor
                                                                          global.set 7
                                                                          i32.reinterpret_f32
                                                                          global.get 6
                                                                          i32.xor
                                                                          global.set 6
                                                                          ref.null func
                                                                        end
                                                                        drop
                                                                        drop
                                                                        global.get 4
                                                                        i64.xor
                                                                        global.set 4
                                                                        global.get 5
                                                                        i32.xor
                                                                        global.set 5
                                                                        i32.reinterpret_f32
                                                                        global.get 6
                                                                        i32.xor
                                                                        global.set 6
                                                                        i64.reinterpret_f64
                                                                        global.get 7
                                                                        i64.xor
                                                                        global.set 7
                                                                        drop
                                                                        drop
                                                                        i32.const 0
                                                                      else
                                                                        i32.const 1
                                                                      end
                                                                      global.get 5
                                                                      i32.xor
                                                                      global.set 5
                                                                      drop
                                                                      global.get 4
                                                                      i64.xor
                                                                      global.set 4
                                                                      global.get 5
                                                                      i32.xor
                                                                      global.set 5
                                                                      i32.reinterpret_f32
                                                                      global.get 6
                                                                      i32.xor
                                                                      global.set 6
                                                                      i64.reinterpret_f64
                                                                      global.get 7
                                                                      i64.xor
                                                                      global.set 7
                                                                      drop
                                                                      i32.reinterpret_f32
                                                                      global.get 6
                                                                      i32.xor
                                                                      global.set 6
                                                                      i64.reinterpret_f64
                                                                      global.get 7
                                                                      i64.xor
                                                                      global.set 7
                                                                      drop
                                                                    end
                                                                  end
                                                                  i32.reinterpret_f32
                                                                  global.get 6
                                                                  i32.xor
                                                                  global.set 6
                                                                  global.get 4
                                                                  i64.xor
                                                                  global.set 4
                                                                  i64.reinterpret_f64
                                                                  global.get 7
                                                                  i64.xor
                                                                  global.set 7
                                                                  i32.reinterpret_f32
                                                                  global.get 6
                                                                  i32.xor
                                                                  global.set 6
                                                                  global.get 4
                                                                  i64.xor
                                                                  global.set 4
                                                                  i32.reinterpret_f32
                                                                  global.get 6
                                                                  i32.xor
                                                                  global.set 6
                                                                  drop
                                                                end
                                                                drop
                                                                global.get 4
                                                                i64.xor
                                                                global.set 4
                                                                i32.reinterpret_f32
                                                                global.get 6
                                                                i32.xor
                                                                global.set 6
                                                                f64.const 0x1.80c6183e784e9p+455 (;=139834251669004700000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                                                                f32.const -0x1.a49744p-87 (;=-0.0000000000000000000000000106172065;)
                                                                i32.const 935382728
                                                                i64.const 2047
                                                                ref.null extern
                                                              end
                                                              drop
                                                              global.get 4
                                                              i64.xor
                                                              global.set 4
                                                              global.get 5
                                                              i32.xor
                                                              global.set 5
                                                              i32.reinterpret_f32
                                                              global.get 6
                                                              i32.xor
                                                              global.set 6
                                                              i64.reinterpret_f64
                                                              global.get 7
                                                              i64.xor
                                                              global.set 7
                                                              i64.reinterpret_f64
                                                              global.get 7
                                                              i64.xor
                                                              global.set 7
                                                              i32.reinterpret_f32
                                                              global.get 6
                                                              i32.xor
                                                              global.set 6
                                                              drop
                                                              i64.reinterpret_f64
                                                              global.get 7
                                                              i64.xor
                                                              global.set 7
                                                              drop
                                                              global.get 4
                                                              i64.xor
                                                              global.set 4
                                                              global.get 5
                                                              i32.xor
                                                              global.set 5
                                                              i32.reinterpret_f32
                                                              global.get 6
                                                              i32.xor
                                                              global.set 6
                                                              i64.reinterpret_f64
                                                              global.get 7
                                                              i64.xor
                                                              global.set 7
                                                            end
                                                            i64.const 0
                                                          end
                                                          global.get 4
                                                          i64.xor
                                                          global.set 4
                                                          i32.reinterpret_f32
                                                          global.get 6
                                                          i32.xor
                                                          global.set 6
                                                          drop
                                                          global.get 4
                                                          i64.xor
                                                          global.set 4
                                                          drop
                                                          f32.const -0x1.4d51e2p-118 (;=-0.000000000000000000000000000000000003918156;)
                                                        else
                                                          f32.const 0x1.p-134 (;=0.000000000000000000000000000000000000000045918;)
                                                        end
                                                        i32.reinterpret_f32
                                                        global.get 6
                                                        i32.xor
                                                        global.set 6
                                                      end
                                                      i64.reinterpret_f64
                                                      global.get 7
                                                      i64.xor
                                                      global.set 7
                                                      drop
                                                      drop
                                                      global.get 4
                                                      i64.xor
                                                      global.set 4
                                                      global.get 5
                                                      i32.xor
                                                      global.set 5
                                                      i32.reinterpret_f32
                                                      global.get 6
                                                      i32.xor
                                                      global.set 6
                                                      i64.reinterpret_f64
                                                      global.get 7
                                                      i64.xor
                                                      global.set 7
                                                      drop
                                                      global.get 4
                                                      i64.xor
                                                      global.set 4
                                                      drop
                                                      global.get 4
                                                      i64.xor
                                                      global.set 4
                                                      global.get 5
                                                      i32.xor
                                                      global.set 5
                                                      i32.reinterpret_f32
                                                      global.get 6
                                                      i32.xor
                                                      global.set 6
                                                      i64.reinterpret_f64
                                                      global.get 7
                                                      i64.xor
                                                      global.set 7
                                                      i64.reinterpret_f64
                                                      global.get 7
                                                      i64.xor
                                                      global.set 7
                                                      f32.const 0x1.9cddb8p+81 (;=3899410000000000000000000;)
                                                    end
                                                    i32.reinterpret_f32
                                                    global.get 6
                                                    i32.xor
                                                    global.set 6
                                                    i64.reinterpret_f64
                                                    i64.const 1
                                                    i64.xor
                                                    global.set 7
                                                    global.get 4
                                                    i64.xor
                                                    global.set 4
                                                  end
                                                  drop
                                                end
                                                drop
                                                global.get 4
                                                i64.xor
                                                global.set 4
                                                global.get 5
                                                i32.xor
                                                global.set 5
                                                drop
                                                i64.reinterpret_f64
                                                global.get 7
                                                i64.xor
                                                global.set 7
                                                drop
                                                drop
                                                global.get 4
                                                i64.xor
                                                global.set 4
                                                drop
                                                i64.const -2199023255553
                                              end
                                              global.get 4
                                              i64.xor
                                              global.set 4
                                              drop
                                              global.get 4
                                              i64.xor
                                              global.set 4
                                              global.get 5
                                              i32.xor
                                              global.set 5
                                              i32.reinterpret_f32
                                              global.get 6
                                              i32.xor
                                              global.set 6
                                              i64.reinterpret_f64
                                              global.get 7
                                              i64.xor
                                              global.set 7
                                              i64.const 0
                                            end
                                            global.get 4
                                            i64.xor
                                            global.set 4
                                            drop
                                            drop
                                            global.get 4
                                            i64.xor
                                            global.set 4
                                            ref.null func
                                          end
                                          drop
                                          drop
                                        end
                                        global.get 5
                                        i32.xor
                                        global.set 5
                                        f32.const 0x1.p-147 (;=0.000000000000000000000000000000000000000000006;)
                                        ref.null func
                                      end
                                      drop
                                      i32.reinterpret_f32
                                      global.get 6
                                      i32.xor
                                      global.set 6
                                      drop
                                      i32.reinterpret_f32
                                      global.get 6
                                      i32.xor
                                      global.set 6
                                      global.get 4
                                      i64.xor
                                      global.set 4
                                      global.get 5
                                      i32.xor
                                      global.set 5
                                      global.get 5
                                      i32.xor
                                      global.set 5
                                      f64.const 0x1.eed887f107b3ap+27 (;=259441727.53219014;)
                                      f32.const 0x1.86fb56p-45 (;=0.000000000000043407698;)
                                      i32.const 1
                                      i64.const -8131470665765028841
                                      ref.null extern
                                    end
                                  end
                                  drop
                                  i64.const 0
                                  i64.xor
                                  global.set 4
                                  global.get 5
                                  i32.xor
                                  global.set 5
                                  i32.reinterpret_f32
                                  global.get 6
                                  i32.xor
                                  global.set 6
                                  i64.reinterpret_f64
                                  global.get 7
                                  i64.xor
                                  global.set 7
                                end
                                global.get 5
                                i32.xor
                                global.set 5
                                global.get 4
                                i64.xor
                                global.set 4
                                drop
                                i64.reinterpret_f64
                                global.get 7
                                i64.xor
                                global.set 7
                                i64.const 7082619610937760922
                              end
                              global.get 4
                              i64.xor
                              global.set 4
                              drop
                              i64.reinterpret_f64
                              global.get 7
                              i64.xor
                              global.set 7
                              global.get 4
                              i64.xor
                              global.set 4
                              drop
                              global.get 4
                              i64.xor
                              global.set 4
                              global.get 5
                              i32.xor
                              global.set 5
                              i32.reinterpret_f32
                              global.get 6
                              i32.xor
                              global.set 6
                              i64.reinterpret_f64
                              global.get 7
                              i64.xor
                              global.set 7
                              global.get 4
                              i64.xor
                              global.set 4
                              i32.reinterpret_f32
                              global.get 6
                              i32.xor
                              global.set 6
                              drop
                              global.get 4
                              i64.xor
                              global.set 4
                              drop
                              global.get 4
                              i64.xor
                              global.set 4
                              global.get 5
                              i32.xor
                              global.set 5
                              i32.reinterpret_f32
                              global.get 6
                              i32.xor
                              global.set 6
                              i64.reinterpret_f64
                              global.get 7
                              i64.xor
                              global.set 7
                              drop
                              drop
                              global.get 4
                              i64.xor
                              global.set 4
                              i32.const 1
                              i32.xor
                              global.set 5
                              i32.reinterpret_f32
                              global.get 6
                              i32.xor
                              global.set 6
                              i64.reinterpret_f64
                              global.get 7
                              i64.xor
                              global.set 7
                              drop
                              i32.reinterpret_f32
                              global.get 6
                              i32.xor
                              global.set 6
                            end
                            global.get 5
                            i32.xor
                            global.set 5
                            drop
                            global.get 4
                            i64.xor
                            global.set 4
                            i32.reinterpret_f32
                            global.get 6
                            i32.xor
                            global.set 6
                          end
                          global.get 5
                          i32.xor
                          global.set 5
                          global.get 4
                          i64.xor
                          global.set 4
                          global.get 4
                          i64.xor
                          global.set 4
                          drop
                          global.get 4
                          i64.xor
                          global.set 4
                          global.get 5
                          i32.xor
                          global.set 5
                          i32.reinterpret_f32
                          global.get 6
                          i32.xor
                          global.set 6
                          i64.reinterpret_f64
                          global.get 7
                          i64.xor
                          global.set 7
                        end
                        i64.reinterpret_f64
                        global.get 7
                        i64.xor
                        global.set 7
                        drop
                        global.get 4
                        i64.xor
                        global.set 4
                        drop
                        drop
                        f32.const -0x1.dddddcp+94 (;=-36973140000000000000000000000;)
                        i32.const 0
                        i64.const -134217728
                        ref.null extern
                      end
                      drop
                      global.get 4
                      i64.xor
                      global.set 4
                      global.get 5
                      i32.xor
                      global.set 5
                      i32.reinterpret_f32
                      global.get 6
                      i32.xor
                      global.set 6
                      i64.reinterpret_f64
                      global.get 7
                      i64.xor
                      global.set 7
                      i64.reinterpret_f64
                      global.get 7
                      i64.xor
                      global.set 7
                      global.get 4
                      i64.xor
                      global.set 4
                      global.get 5
                      i32.xor
                      global.set 5
                      i32.reinterpret_f32
                      global.get 6
                      i32.xor
                      global.set 6
                      i64.reinterpret_f64
                      global.get 7
                      i64.xor
                      global.set 7
                      f32.const -0x1.b0c30ep-120 (;=-0.000000000000000000000000000000000001271773;)
                    end
                    i32.reinterpret_f32
                    global.get 6
                    i32.xor
                    global.set 6
                    drop
                    i32.reinterpret_f32
                    global.get 6
                    i32.xor
                    global.set 6
                    global.get 5
                    i32.xor
                    global.set 5
                  end
                  global.get 4
                  i64.xor
                  global.set 4
                  i64.reinterpret_f64
                  global.get 7
                  i64.xor
                  global.set 7
                  drop
                  drop
                  drop
                  global.get 4
                  i64.xor
                  global.set 4
                  i32.reinterpret_f32
                  global.get 6
                  i32.xor
                  global.set 6
                  i64.reinterpret_f64
                  global.get 7
                  i64.xor
                  global.set 7
                  f32.const -nan:0x7fffdf (;=NaN;)
                  i32.const -16843010
                  i64.const 262148
                  ref.null extern
                end
                drop
                global.get 4
                i64.xor
                global.set 4
                global.get 5
                i32.xor
                global.set 5
                i32.reinterpret_f32
                global.get 6
                i32.xor
                global.set 6
                i64.reinterpret_f64
                global.get 7
                i64.xor
                global.set 7
              end
              drop
              drop
              drop
            end
            drop
            global.get 4
            i64.xor
            global.set 4
            global.get 4
            i64.xor
            global.set 4
          end
          i64.reinterpret_f64
          global.get 7
          i64.xor
          global.set 7
          i32.reinterpret_f32
          global.get 6
          i32.xor
          global.set 6
          drop
          i32.const 0
        end
        global.get 5
        i32.xor
        global.set 5
        global.get 4
        i64.xor
        global.set 4
        drop
        global.get 4
        i64.xor
        global.set 4
        global.get 5
        i32.xor
        global.set 5
        i32.reinterpret_f32
        global.get 6
        i32.xor
        global.set 6
        i64.reinterpret_f64
        global.get 7
        i64.xor
        global.set 7
        drop
        drop
      end
      i32.reinterpret_f32
      global.get 6
      i32.xor
      global.set 6
      global.get 4
      i64.xor
      global.set 4
      i32.reinterpret_f32
      global.get 6
      i32.xor
      global.set 6
      global.get 5
      i32.xor
      global.set 5
      drop
      global.get 4
      i64.xor
      global.set 4
      global.get 5
      i32.xor
      global.set 5
      i32.reinterpret_f32
      global.get 6
      i32.xor
      global.set 6
      i64.reinterpret_f64
      global.get 7
      i64.xor
      global.set 7
      f32.const -0x1.2f2428p+126 (;=-100735950000000000000000000000000000000;)
    end
    i32.reinterpret_f32
    global.get 6
    i32.xor
    global.set 6
    i32.reinterpret_f32
    global.get 6
    i32.xor
    global.set 6
    drop
    f32.const 0x1.ffffep-130 (;=0.000000000000000000000000000000000000001469367;)
    ref.null func
  )
  (func (;3;) (type 0) (result f64 f32 i32 i64 externref)
    unreachable
  )
  (func (;4;) (type 3) (param i32) (result f32 funcref)
    unreachable
  )
  (data (;0;) "")
  (data (;1;) "")
)
