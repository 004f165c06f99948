-- _trend_values.sql: the values of a trend row, the bucket's packets and
-- bytes (NULL in a gap: no interval recorded and no traffic) and
-- recorded_pct, from per_bucket and covered (as c) of
-- _trend_series.sql.
       iif(c.secs > 0 OR c.seen, coalesce(in_packets, 0), NULL) AS in_packets,
       iif(c.secs > 0 OR c.seen, coalesce(in_bytes, 0), NULL) AS in_bytes,
       iif(c.secs > 0 OR c.seen, coalesce(out_packets, 0), NULL) AS out_packets,
       iif(c.secs > 0 OR c.seen, coalesce(out_bytes, 0), NULL) AS out_bytes,
       CASE WHEN c.secs > 0 THEN round(min(100.0, 100.0 * c.secs / c.len), 1)
	    WHEN c.seen THEN NULL ELSE 0.0 END AS recorded_pct
