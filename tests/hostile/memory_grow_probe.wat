;; Grows memory until refused, then reports how many 64 KiB pages it got.
(module
  (memory 1)
  (func (export "price_func") (param i32 i32 i32) (result i32)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    (memory.size)))
