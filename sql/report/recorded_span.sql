-- recorded_span.sql: what the recorder covered in [:since, :until): how many
-- intervals, from the first one's start to the last one's end. The report
-- uses it to say "no traffic" precisely; by hand it answers "was netmon
-- running?". Parameters as in top_hosts.sql.
SELECT count(*) AS intervals,
       min(ts_start) AS first_start,
       max(ts_end) AS last_end
FROM intervals
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807);
