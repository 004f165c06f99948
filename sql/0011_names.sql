-- 0011_names.sql: names for addresses (DNS answers, TLS server names) and
-- for processes (cgroup, service, user).
--
-- Host names: the recorder reads the DNS responses the host receives (and,
-- if enabled, the server name of TLS ClientHellos it sends) and keeps every
-- (address, name) pair it was told, with when it was first and last told so.
-- A name outlives its TTL on purpose: connections outlive it too. An address
-- with several names keeps them all; reports say how they choose
-- (docs/schema.md, host_names).
--
-- Processes: the socket programs record each call's cgroup v2 id and uid.
-- The recorder resolves the id to the cgroup's path at first sight and stores
-- it with the service name people use for it (a systemd unit, a container, a
-- login session), so names outlive the cgroup. Documented in docs/schema.md.

-- Names, interned: DNS names and TLS server names alike.
CREATE TABLE dns_names (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE        -- lower case, no trailing dot
) STRICT;

-- Every (address, name, source) the host was told.
CREATE TABLE address_names (
	address_id INTEGER NOT NULL REFERENCES addresses (id),
	name_id INTEGER NOT NULL REFERENCES dns_names (id),
	source INTEGER NOT NULL,         -- 1 DNS answer, 2 TLS server name (SNI)
	first_seen INTEGER NOT NULL,     -- unix seconds, UTC
	last_seen INTEGER NOT NULL,      -- unix seconds, UTC (>= first_seen)
	PRIMARY KEY (address_id, name_id, source)
) STRICT, WITHOUT ROWID;
CREATE INDEX address_names_by_name ON address_names (name_id);

CREATE VIEW host_names AS
SELECT a.text AS address, n.name, an.first_seen, an.last_seen,
       CASE an.source WHEN 1 THEN 'dns' WHEN 2 THEN 'sni' ELSE 'other' END AS source
FROM address_names an
JOIN addresses a ON a.id = an.address_id
JOIN dns_names n ON n.id = an.name_id;

-- Services, interned: "nginx.service", "docker:0123456789ab",
-- "user:alice", or the cgroup path when no pattern fits.
CREATE TABLE services (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

-- cgroup v2 directories, stored at first sight. kernel_id is the id
-- bpf_get_current_cgroup_id() returns (the directory's inode number); the
-- path is relative to the v2 hierarchy's root, "/" for the root itself.
CREATE TABLE cgroups (
	id INTEGER PRIMARY KEY,
	kernel_id INTEGER NOT NULL,
	path TEXT NOT NULL,
	service_id INTEGER NOT NULL REFERENCES services (id),
	first_seen INTEGER NOT NULL,     -- unix seconds, UTC
	UNIQUE (kernel_id, path)
) STRICT;

-- User names at first sight of each uid (a user deleted later keeps it).
CREATE TABLE user_names (
	uid INTEGER PRIMARY KEY,
	name TEXT NOT NULL               -- the passwd name, or the uid as text
) STRICT;

ALTER TABLE processes ADD COLUMN cgroup_ref INTEGER REFERENCES cgroups (id);
ALTER TABLE processes ADD COLUMN uid INTEGER;

-- Per service and user, for top services and top users over long windows
-- (the same levels and buckets as the other rollups, migration 0003).
CREATE TABLE rollup_services (
	level INTEGER NOT NULL,
	bucket INTEGER NOT NULL,
	service_id INTEGER NOT NULL,     -- 0: no cgroup known
	uid INTEGER NOT NULL,            -- -1: no uid known
	protocol INTEGER NOT NULL,
	family INTEGER NOT NULL,
	bytes_sent INTEGER NOT NULL,
	bytes_recv INTEGER NOT NULL,
	sends INTEGER NOT NULL,
	recvs INTEGER NOT NULL,
	first_ts INTEGER NOT NULL,
	last_ts INTEGER NOT NULL,
	PRIMARY KEY (level, bucket, service_id, uid, protocol, family)
) STRICT, WITHOUT ROWID;

-- DNS messages the kernel passed up, and those lost because the ring
-- buffer was full, per interval (collector_log).
ALTER TABLE intervals ADD COLUMN dns_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intervals ADD COLUMN dns_dropped INTEGER NOT NULL DEFAULT 0;

DROP VIEW process_log;
CREATE VIEW process_log AS
SELECT i.ts_start, i.ts_end, p.pid, n.name AS comm, p.protocol, p.family,
       a.text AS remote, p.remote_port, p.local_port, p.bytes_sent, p.bytes_recv,
       pn.name AS parent_comm, p.ppid, p.sends, p.recvs,
       c.path AS cgroup, s.name AS service,
       coalesce(u.name, CAST(p.uid AS TEXT)) AS user
FROM processes p
JOIN intervals i ON i.id = p.interval_id
LEFT JOIN process_names n ON n.id = p.comm_id
LEFT JOIN process_names pn ON pn.id = p.parent_comm_id
LEFT JOIN addresses a ON a.id = p.remote_id
LEFT JOIN cgroups c ON c.id = p.cgroup_ref
LEFT JOIN services s ON s.id = c.service_id
LEFT JOIN user_names u ON u.uid = p.uid;

DROP VIEW collector_log;
CREATE VIEW collector_log AS
SELECT i.ts_start, i.ts_end, i.flows AS active_flows,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 3), 0) AS table_full,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 1), 0) AS malformed,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 2), 0) AS non_ip,
       i.snapshot_us / 1000.0 AS snapshot_ms,
       i.write_us / 1000.0 AS write_ms,
       i.sample_rate,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 4), 0) AS samples,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 5), 0) AS sample_drops,
       i.process_table_full_calls,
       i.process_table_full_bytes,
       coalesce(sum(t.packets) FILTER (WHERE t.kind = 6), 0) AS not_counted,
       coalesce(sum(t.bytes) FILTER (WHERE t.kind = 6), 0) AS not_counted_bytes,
       i.ipfix_records,
       i.ipfix_send_errors,
       i.dns_messages,
       i.dns_dropped
FROM intervals i
LEFT JOIN traffic t ON t.interval_id = i.id AND t.kind <> 0
GROUP BY i.id;
