-- 0012_reserved.sql: a placeholder on the branch that wrote 0013_gaps.sql.
--
-- Migration 0012 belongs to another change being made at the same time;
-- migrations apply in sequence, so this branch holds its number with a
-- statement that changes nothing. Merging replaces this file with the real
-- 0012 (a database this branch migrated is only a test's).
SELECT 1;
