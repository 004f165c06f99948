-- window.sql: the window a report covers, as the report states it: :since
-- and :until as given or, where one is open (unset by hand, all of history
-- in netmon-report), the start of the first interval recorded in the window
-- and the end of the last one (NULL when none was); and how many intervals
-- were recorded in it. netmon-report's summary shows it first (a line in a
-- table, a "window" row or object in CSV and JSON), its HTML under the title.
--
-- Parameters: :since, :until (unix seconds), as in top_hosts.sql.
SELECT CASE WHEN coalesce(:since, -9223372036854775808) = -9223372036854775808
            THEN min(ts_start) ELSE :since END AS since,
       CASE WHEN coalesce(:until, 9223372036854775807) = 9223372036854775807
            THEN max(ts_end) ELSE :until END AS until,
       count(*) AS intervals
FROM intervals
WHERE ts_start >= coalesce(:since, -9223372036854775808)
  AND ts_start < coalesce(:until, 9223372036854775807);
