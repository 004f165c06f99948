-- 0014_reserved.sql: nothing. Number 0014 belongs to another branch's
-- migration; this file only lets 0015 follow in sequence until that one is
-- merged, and is dropped then (its number is taken by that migration).
SELECT 1;
