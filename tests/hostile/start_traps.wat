;; The start function traps, so the module can never be instantiated.
(module
  (func $start unreachable)
  (start $start)
  (func (export "price_func") (param i32 i32 i32) (result i32) (i32.const 1)))
