-- _interfaces.sql: the rows per interface of summary_interfaces.sql and
-- top_interfaces.sql (which rank and cut them to :limit) from window_traffic
-- (_traffic.sql): in, out and total. Each query adds its ORDER BY.
SELECT interface,
       coalesce(sum(packets) FILTER (WHERE direction = 'in'), 0) AS in_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'in'), 0) AS in_bytes,
       coalesce(sum(packets) FILTER (WHERE direction = 'out'), 0) AS out_packets,
       coalesce(sum(bytes) FILTER (WHERE direction = 'out'), 0) AS out_bytes,
       sum(packets) AS total_packets,
       sum(bytes) AS total_bytes
FROM window_traffic
GROUP BY interface
