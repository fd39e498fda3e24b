;; A memory one page over the firmware's 32-page cap, with a data segment in that last
;; page: valid WebAssembly, refused at instantiation by the memory limit alone.
(module
  (memory 33)
  (data (i32.const 2097152) "price")
  (func (export "price_func") (param i32 i32 i32) (result i32) (i32.const 1)))
