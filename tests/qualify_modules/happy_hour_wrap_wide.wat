;; Deliberately bad: the v3 happy-hour rule on a 21.11 fixed-point product,
;; ((count * unit) << 11) >> 11, which wraps around i32 once count x unit price reaches
;; 2**20 and lands some refused sales back inside 0..100 (e.g. 2112 x 993 = 2097216
;; becomes 64). Its manifest declares counts up to 9999, and every such sale has a
;; count above 2000: no golden case or grid pair comes near, only the exhaustive tier.
(module
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32) (result i32)
    (local $price i32)
    (local.set $price
      (i32.shr_s (i32.shl (i32.mul (local.get $count) (local.get $unit)) (i32.const 11))
                 (i32.const 11)))
    (if (result i32)
      (i32.or
        (i32.and (i32.gt_s (local.get $hour) (i32.const 11))
                 (i32.lt_s (local.get $hour) (i32.const 14)))
        (i32.and (i32.gt_s (local.get $hour) (i32.const 16))
                 (i32.lt_s (local.get $hour) (i32.const 24))))
      (then (local.get $price))
      (else (i32.trunc_sat_f32_s
              (f32.mul (f32.convert_i32_s (local.get $price)) (f32.const 0.5)))))))
