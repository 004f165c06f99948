-- summary_collector.sql: what the collector could not record, over the
-- intervals that start in [:since, :until): IP packets left out of the flows
-- because the flow table was full (they are in the totals), malformed and
-- non-IP frames (in no total), packet samples (--sample) dropped because
-- the kernel's ring buffer was full (not in the pcapng file), and socket
-- calls and their bytes attributed to no process because the per-process
-- table was full (not in process_log). One row when any of them is non-zero,
-- no row when everything was recorded.
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
SELECT *
FROM (
	SELECT count(*) AS intervals,
	       count(*) FILTER (WHERE table_full + malformed + non_ip + sample_drops
				      + process_table_full_calls > 0) AS affected_intervals,
	       coalesce(sum(table_full), 0) AS table_full_packets,
	       coalesce(sum(malformed), 0) AS malformed_packets,
	       coalesce(sum(non_ip), 0) AS non_ip_packets,
	       coalesce(sum(sample_drops), 0) AS sample_drops,
	       coalesce(sum(process_table_full_calls), 0) AS process_table_full_calls,
	       coalesce(sum(process_table_full_bytes), 0) AS process_table_full_bytes
	FROM collector_log
	WHERE ts_start >= coalesce(:since, -9223372036854775808)
	  AND ts_start < coalesce(:until, 9223372036854775807)
)
WHERE table_full_packets + malformed_packets + non_ip_packets + sample_drops
      + process_table_full_calls > 0;
