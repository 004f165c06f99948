-- 0008_reserved.sql: a placeholder on branch reportmeaning only. Another
-- branch of issue 19 owns migration 0008; migrations must be consecutive,
-- so this empty one lets 0009 run here. Drop this file when merging and
-- keep that branch's 0008.
SELECT 1;
