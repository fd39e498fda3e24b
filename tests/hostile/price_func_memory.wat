;; price_func exported as a memory.
(module
  (memory (export "price_func") 1))
