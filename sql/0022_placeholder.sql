-- 0022_placeholder.sql: holds number 0022 for the udp_scan branch's migration
-- (issue 18), so that 0023 applies in sequence on this branch. No schema
-- change; dropped when the two branches are merged.
SELECT 1;
