-- summary_gaps.sql: the gaps that meet [:since, :until): windows the kernel
-- counted that no recorder could read, so their traffic is in no other row
-- (gap_log: an upgrade that changed the BPF ABI replaced the pins that held
-- it). ts is where a gap starts (the end of the last interval recorded
-- live), seconds how long it lasts. No row when there is none.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
SELECT ts_start AS ts, seconds, reason, old_abi, new_abi, interfaces
FROM gap_log
WHERE ts_end > coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807)
ORDER BY ts_start;
