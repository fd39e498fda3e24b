;; Wants the host's clock and a host-provided memory instead of its inputs.
(module
  (import "env" "now" (func $now (result i64)))
  (import "env" "memory" (memory 1))
  (func (export "price_func") (param i32 i32 i32) (result i32)
    (i32.wrap_i64 (call $now))))
