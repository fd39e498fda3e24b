;; Deliberately bad: the v3 happy-hour rule, except that unit prices 200..998 take a
;; 16.16 fixed-point path, (count * (unit << 16)) >> 16, whose i32 product wraps for
;; count x unit price >= 32768 and lands some refused sales back inside 0..100 (e.g.
;; 328 x 200 = 65600 becomes 64). No golden case and no grid pair uses those unit
;; prices, so only the exhaustive tier over the declared domain can see it.
(module
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32) (result i32)
    (local $price i32)
    (local.set $price
      (if (result i32)
        (i32.and (i32.ge_s (local.get $unit) (i32.const 200))
                 (i32.lt_s (local.get $unit) (i32.const 999)))
        (then (i32.shr_s
                (i32.mul (local.get $count) (i32.shl (local.get $unit) (i32.const 16)))
                (i32.const 16)))
        (else (i32.mul (local.get $count) (local.get $unit)))))
    (if (result i32)
      (i32.or
        (i32.and (i32.gt_s (local.get $hour) (i32.const 11))
                 (i32.lt_s (local.get $hour) (i32.const 14)))
        (i32.and (i32.gt_s (local.get $hour) (i32.const 16))
                 (i32.lt_s (local.get $hour) (i32.const 24))))
      (then (local.get $price))
      (else (i32.trunc_sat_f32_s
              (f32.mul (f32.convert_i32_s (local.get $price)) (f32.const 0.5)))))))
