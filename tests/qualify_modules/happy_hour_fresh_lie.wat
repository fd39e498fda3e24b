;; Deliberately bad: the v3 happy-hour rule, except that a fresh instance (which is what
;; a terminal prices every sale on) answers 0 for count 5, unit price 5, on no grid and
;; in no golden case. An instance called before answers right, so a sweep that reuses
;; one instance would see nothing wrong.
(module
  (global $used (mut i32) (i32.const 0))
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32) (result i32)
    (local $price i32)
    (if (i32.and
          (i32.eqz (global.get $used))
          (i32.and (i32.eq (local.get $count) (i32.const 5))
                   (i32.eq (local.get $unit) (i32.const 5))))
      (then (return (i32.const 0))))
    (global.set $used (i32.const 1))
    (local.set $price (i32.mul (local.get $count) (local.get $unit)))
    (if (result i32)
      (i32.or
        (i32.and (i32.gt_s (local.get $hour) (i32.const 11))
                 (i32.lt_s (local.get $hour) (i32.const 14)))
        (i32.and (i32.gt_s (local.get $hour) (i32.const 16))
                 (i32.lt_s (local.get $hour) (i32.const 24))))
      (then (local.get $price))
      (else (i32.trunc_sat_f32_s
              (f32.mul (f32.convert_i32_s (local.get $price)) (f32.const 0.5)))))))
