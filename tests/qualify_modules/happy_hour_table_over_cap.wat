;; Deliberately bad: the v3 happy-hour rule with a 1025-element table, one element over
;; the firmware's cap: refused at instantiation.
(module
  (table 1025 funcref)
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32) (result i32)
    (local $price i32)
    (local.set $price (i32.mul (local.get $count) (local.get $unit)))
    ;; full price when 11 < hour < 14 or 16 < hour < 24, else (price as f32 * 0.5) as i32
    (if (result i32)
      (i32.or
        (i32.and (i32.gt_s (local.get $hour) (i32.const 11))
                 (i32.lt_s (local.get $hour) (i32.const 14)))
        (i32.and (i32.gt_s (local.get $hour) (i32.const 16))
                 (i32.lt_s (local.get $hour) (i32.const 24))))
      (then (local.get $price))
      (else (i32.trunc_sat_f32_s
              (f32.mul (f32.convert_i32_s (local.get $price)) (f32.const 0.5)))))))
