;; A table one element over the firmware's 1024-element cap: refused at instantiation.
(module
  (table 1025 funcref)
  (func (export "price_func") (param i32 i32 i32) (result i32) (i32.const 1)))
