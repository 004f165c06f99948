-- 0002_processes.sql: per-process socket traffic (bpf/proc.bpf.c).
--
-- One row per process, protocol, local port and peer per interval: the bytes
-- the application passed through its sockets (what send/recv-family calls
-- returned), not wire bytes. Documented in docs/schema.md.

-- Process names (comm, at most 15 bytes, as the kernel keeps them).
CREATE TABLE process_names (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE processes (
	interval_id INTEGER NOT NULL REFERENCES intervals (id),
	pid INTEGER NOT NULL,            -- the thread group id
	comm_id INTEGER REFERENCES process_names (id),
	parent_comm_id INTEGER REFERENCES process_names (id),
	ppid INTEGER,
	family INTEGER NOT NULL,         -- 4 or 6
	protocol INTEGER NOT NULL,       -- the socket's IP protocol
	remote_id INTEGER REFERENCES addresses (id), -- NULL: not connected
	remote_port INTEGER NOT NULL,    -- 0: not connected
	local_port INTEGER NOT NULL,     -- 0: not bound
	bytes_sent INTEGER NOT NULL,
	bytes_recv INTEGER NOT NULL,
	sends INTEGER NOT NULL,          -- calls that sent bytes
	recvs INTEGER NOT NULL           -- calls that received bytes
) STRICT;
CREATE INDEX processes_by_interval ON processes (interval_id);

CREATE VIEW process_log AS
SELECT i.ts_start, i.ts_end, p.pid, n.name AS comm, p.protocol, p.family,
       a.text AS remote, p.remote_port, p.local_port, p.bytes_sent, p.bytes_recv,
       pn.name AS parent_comm, p.ppid, p.sends, p.recvs
FROM processes p
JOIN intervals i ON i.id = p.interval_id
LEFT JOIN process_names n ON n.id = p.comm_id
LEFT JOIN process_names pn ON pn.id = p.parent_comm_id
LEFT JOIN addresses a ON a.id = p.remote_id;
