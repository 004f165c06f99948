-- _trend_values.sql: the values of a trend row, the bucket's packets and
-- bytes (NULL in a gap: no interval recorded and no traffic) and
-- recorded_pct (the union of the intervals, never past 100), from
-- per_bucket and buckets of _trend_series.sql.
       iif(buckets.secs > 0 OR buckets.seen, coalesce(in_packets, 0), NULL) AS in_packets,
       iif(buckets.secs > 0 OR buckets.seen, coalesce(in_bytes, 0), NULL) AS in_bytes,
       iif(buckets.secs > 0 OR buckets.seen, coalesce(out_packets, 0), NULL) AS out_packets,
       iif(buckets.secs > 0 OR buckets.seen, coalesce(out_bytes, 0), NULL) AS out_bytes,
       CASE WHEN buckets.secs > 0 THEN round(100.0 * buckets.secs / buckets.len, 1)
	    WHEN buckets.seen THEN NULL ELSE 0.0 END AS recorded_pct
