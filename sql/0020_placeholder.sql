-- 0020_placeholder.sql: a no-op standing for the other branch's migration
-- 0020 (issue 18, rules), so that this branch's 0021 is in sequence. Dropped
-- at the merge, where that branch's 0020 takes its place.
SELECT 1;
