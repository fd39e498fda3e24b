;; A table of exception references exported as price_func.
(module
  (table (export "price_func") 1 exnref))
