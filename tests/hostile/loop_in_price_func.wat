;; An endless loop in the price function: fuel must stop it, not a watchdog.
(module
  (func (export "price_func") (param i32 i32 i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
