-- 0004_apps.sql: applications by port, and the server port of each flow.
--
-- app_ports_shipped holds the names netmon ships (generated from
-- sql/apps.services by scripts/services-to-sql.sh; a later netmon replaces
-- them with a new migration). app_ports_user holds the user's own names:
-- netmon never writes it, so they survive upgrades, and they win over the
-- shipped ones. Documented in docs/schema.md.

CREATE TABLE app_ports_shipped (
	protocol INTEGER NOT NULL,       -- 6 TCP, 17 UDP
	port INTEGER NOT NULL,
	name TEXT NOT NULL,              -- IANA service name, e.g. https
	PRIMARY KEY (protocol, port)
) STRICT, WITHOUT ROWID;

CREATE TABLE app_ports_user (
	protocol INTEGER NOT NULL CHECK (protocol BETWEEN 0 AND 255),
	port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
	name TEXT NOT NULL CHECK (length(name) > 0),
	PRIMARY KEY (protocol, port)
) STRICT, WITHOUT ROWID;

-- Every named port once: the user's name where there is one, else netmon's.
CREATE VIEW app_ports AS
SELECT protocol, port, name, 'user' AS source
FROM app_ports_user
UNION ALL
SELECT s.protocol, s.port, s.name, 'netmon'
FROM app_ports_shipped s
WHERE NOT EXISTS (SELECT 1 FROM app_ports_user u
		  WHERE u.protocol = s.protocol AND u.port = s.port);

-- TCP and UDP flows with the port of their server side: the lower port
-- (clients take ephemeral ports, 32768-60999 on Linux, above the servers';
-- the rollups use the same rule, so reports agree at every level). A reply
-- (443 -> 40000) and its request (40000 -> 443) both count for 443.
-- server_port 0: no port seen (an overflow row, or a non-first fragment).
CREATE VIEW flow_app_log AS
SELECT *,
       CASE server_port WHEN src_port THEN src_app ELSE dst_app END AS app
FROM (
	SELECT *,
	       min(src_port, dst_port) AS server_port
	FROM (
		SELECT f.*,
		       coalesce((SELECT name FROM app_ports_user u
				 WHERE u.protocol = f.protocol AND u.port = f.src_port),
				(SELECT name FROM app_ports_shipped s
				 WHERE s.protocol = f.protocol AND s.port = f.src_port)) AS src_app,
		       coalesce((SELECT name FROM app_ports_user u
				 WHERE u.protocol = f.protocol AND u.port = f.dst_port),
				(SELECT name FROM app_ports_shipped s
				 WHERE s.protocol = f.protocol AND s.port = f.dst_port)) AS dst_app
		FROM flow_log f
		WHERE f.protocol IN (6, 17)
	)
);

-- The shipped names (generated; see the header).
INSERT INTO app_ports_shipped (protocol, port, name) VALUES
	(6, 7, 'echo'),
	(17, 7, 'echo'),
	(6, 9, 'discard'),
	(17, 9, 'discard'),
	(6, 13, 'daytime'),
	(6, 20, 'ftp-data'),
	(6, 21, 'ftp'),
	(6, 22, 'ssh'),
	(6, 23, 'telnet'),
	(6, 25, 'smtp'),
	(6, 37, 'time'),
	(6, 43, 'whois'),
	(6, 49, 'tacacs'),
	(6, 53, 'domain'),
	(17, 53, 'domain'),
	(17, 67, 'bootps'),
	(17, 68, 'bootpc'),
	(17, 69, 'tftp'),
	(6, 70, 'gopher'),
	(6, 79, 'finger'),
	(6, 80, 'http'),
	(6, 88, 'kerberos'),
	(17, 88, 'kerberos'),
	(6, 110, 'pop3'),
	(6, 111, 'sunrpc'),
	(17, 111, 'sunrpc'),
	(6, 113, 'auth'),
	(6, 119, 'nntp'),
	(17, 123, 'ntp'),
	(6, 135, 'epmap'),
	(17, 135, 'epmap'),
	(17, 137, 'netbios-ns'),
	(17, 138, 'netbios-dgm'),
	(6, 139, 'netbios-ssn'),
	(6, 143, 'imap'),
	(17, 161, 'snmp'),
	(17, 162, 'snmptrap'),
	(6, 179, 'bgp'),
	(6, 194, 'irc'),
	(6, 389, 'ldap'),
	(17, 389, 'ldap'),
	(6, 443, 'https'),
	(17, 443, 'https'),
	(6, 445, 'microsoft-ds'),
	(6, 464, 'kpasswd'),
	(17, 464, 'kpasswd'),
	(6, 465, 'submissions'),
	(17, 500, 'isakmp'),
	(6, 514, 'shell'),
	(17, 514, 'syslog'),
	(6, 515, 'printer'),
	(17, 546, 'dhcpv6-client'),
	(17, 547, 'dhcpv6-server'),
	(6, 554, 'rtsp'),
	(17, 554, 'rtsp'),
	(6, 563, 'nntps'),
	(6, 587, 'submission'),
	(6, 631, 'ipp'),
	(6, 636, 'ldaps'),
	(6, 749, 'kerberos-adm'),
	(6, 853, 'domain-s'),
	(17, 853, 'domain-s'),
	(6, 873, 'rsync'),
	(6, 989, 'ftps-data'),
	(6, 990, 'ftps'),
	(6, 993, 'imaps'),
	(6, 995, 'pop3s'),
	(6, 1080, 'socks'),
	(6, 1194, 'openvpn'),
	(17, 1194, 'openvpn'),
	(6, 1433, 'ms-sql-s'),
	(17, 1434, 'ms-sql-m'),
	(17, 1701, 'l2f'),
	(6, 1723, 'pptp'),
	(17, 1812, 'radius'),
	(17, 1813, 'radius-acct'),
	(6, 1883, 'mqtt'),
	(17, 1900, 'ssdp'),
	(6, 2049, 'nfs'),
	(17, 2049, 'nfs'),
	(6, 2379, 'etcd-client'),
	(6, 2380, 'etcd-server'),
	(6, 3306, 'mysql'),
	(6, 3389, 'ms-wbt-server'),
	(17, 3389, 'ms-wbt-server'),
	(6, 3478, 'stun'),
	(17, 3478, 'stun'),
	(6, 3690, 'svn'),
	(17, 4500, 'ipsec-nat-t'),
	(6, 5060, 'sip'),
	(17, 5060, 'sip'),
	(6, 5061, 'sips'),
	(6, 5222, 'xmpp-client'),
	(6, 5269, 'xmpp-server'),
	(6, 5349, 'stuns'),
	(17, 5353, 'mdns'),
	(6, 5355, 'llmnr'),
	(17, 5355, 'llmnr'),
	(6, 5432, 'postgresql'),
	(6, 5672, 'amqp'),
	(17, 5683, 'coap'),
	(6, 6000, 'x11'),
	(6, 6379, 'redis'),
	(6, 6514, 'syslog-tls'),
	(6, 8080, 'http-alt'),
	(6, 8883, 'secure-mqtt'),
	(6, 9418, 'git'),
	(6, 10050, 'zabbix-agent'),
	(6, 10051, 'zabbix-trapper'),
	(6, 11211, 'memcache'),
	(17, 11211, 'memcache'),
	(6, 27017, 'mongodb');
