;; Unbounded recursion: the wasm stack cap must stop it before the host stack.
(module
  (func $price (export "price_func") (param i32 i32 i32) (result i32)
    (i32.add
      (call $price (local.get 0) (local.get 1) (local.get 2))
      (i32.const 1))))
