;; price_func exported as a table.
(module
  (table (export "price_func") 1 funcref))
