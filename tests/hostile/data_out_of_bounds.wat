;; A data segment past the end of its one-page memory: fails while instantiating.
(module
  (memory 1)
  (data (i32.const 70000) "price")
  (func (export "price_func") (param i32 i32 i32) (result i32) (i32.const 1)))
