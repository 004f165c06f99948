-- _trend_by.sql: the rows of trend_interface.sql, trend_protocol.sql and
-- trend_host.sql: every bucket of every series of _trend_series.sql.
FROM series s
CROSS JOIN buckets
LEFT JOIN per_bucket a ON a.b = buckets.b AND a.k1 IS s.k1 AND a.k2 IS s.k2
ORDER BY s.rank, bucket_start;
