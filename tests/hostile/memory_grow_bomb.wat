;; Grows memory a page at a time; aborts (as Rust's allocator does) when refused.
(module
  (memory 1)
  (func (export "price_func") (param i32 i32 i32) (result i32)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
