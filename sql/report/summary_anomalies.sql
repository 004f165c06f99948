-- summary_anomalies.sql: the anomalies the recorder found after each
-- interval (anomaly_log) in the intervals that start in [:since, :until).
-- The summary reads only these stored hits, so that it stays quick over a
-- busy day; `netmon-report anomalies` also evaluates every rule over its
-- window (docs/anomalies.md).
--
-- Parameters: :since, :until (unix seconds). Unset, they mean all of history
-- (see docs/queries.md).
SELECT ts, kind, subject, value, threshold, detail
FROM anomaly_log
WHERE ts >= coalesce(:since, -9223372036854775808)
  AND ts < coalesce(:until, 9223372036854775807)
ORDER BY ts, kind, subject;
