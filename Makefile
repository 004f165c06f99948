# netmon - build, test and install.
#
#   make            build build/netmon-record and build/netmon-report
#   make check      build and run every test (shellcheck, unit, fuzz, BPF, CLI, import,
#                   end-to-end, system; needs root); make test-SUITE runs one
#                   (tests/README.md)
#   make check-crash  a hundred kill -9 across the recording cycle (root, ~5 min;
#                   CI runs it after make check)
#   make run        record this machine's traffic for $(RUN_SECONDS) s, then report
#   make install    PREFIX=/usr/local DESTDIR= (binaries, man pages, the report
#                   queries to run by hand, systemd units,
#                   /etc/netmon/netmon.conf if absent, the netmon group)
#
# Everything generated goes to $(O) (default build/). V=1 shows full commands.

O ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
RUN_SECONDS ?= 30
HELP2MAN ?= help2man
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/netmon
# The composed report queries, for sqlite3 by hand (docs/queries.md).
QUERYDIR ?= $(PREFIX)/share/netmon/report
# systemd reads units from /usr/local/lib/systemd/system as well as /usr/lib/...
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# ...but sysusers.d only from /usr/lib (and /etc): make install creates the
# group itself when it installs onto this system.
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
# Not under PREFIX: netmon-record reads /etc/netmon/netmon.conf (cli.h) unless
# told --config; change SYSCONFDIR only to stage an install elsewhere.
SYSCONFDIR ?= /etc

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep generated intermediates (skeletons, BPF objects): no rebuild every time.
.SECONDARY:
.SUFFIXES:
.PHONY: all bench check check-crash test-shell test-unit test-fuzz fuzz-dns test-bpf test-cli test-import test-e2e test-system run install clean format man

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')

# Recursive (=) so that pkg-config runs only when a recipe needs it.
LIBS_BPF = $(shell $(PKG_CONFIG) --libs libbpf)
LIBS_SQLITE = $(shell $(PKG_CONFIG) --libs sqlite3)
LIBS_PCAP = $(shell $(PKG_CONFIG) --libs libpcap)
LIBS_SERVICE = $(shell $(PKG_CONFIG) --libs inih libcap-ng)
# netmon-record's endpoint (recorder/metrics/); the tests link its objects too.
LIBS_HTTP = $(shell $(PKG_CONFIG) --libs libmicrohttpd) -lpthread
CFLAGS_DEPS = $(shell $(PKG_CONFIG) --cflags libbpf sqlite3)

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wformat=2
override CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -MMD -MP $(CFLAGS_DEPS)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -I$(O) -Ibpf -Wall -MMD -MP

COMMON_SRC := $(wildcard common/*.c)
# The IPFIX export both binaries send with (the recorder after each commit,
# netmon-report export for a window of history).
EXPORT_SRC := $(wildcard export/*.c)
RECORDER_SRC := $(wildcard recorder/*.c recorder/*/*.c)
REPORT_SRC := $(wildcard reports/*.c)
SQL_FILES := $(sort $(wildcard sql/*.sql))
# The report queries as netmon-report embeds them and as they run by hand:
# each sql/report/NAME.sql with the parts it includes (sql/report/_*.sql)
# put in, as $(O)/sql/report/NAME.sql (scripts/compose-sql.sh).
REPORT_SQL_PARTS := $(sort $(wildcard sql/report/_*.sql))
REPORT_SQL := $(patsubst %,$(O)/%,$(filter-out $(REPORT_SQL_PARTS),$(sort $(wildcard sql/report/*.sql))))
MAINT_SQL := $(sort $(wildcard sql/maintain/*.sql))
ANOMALY_SQL := $(sort $(wildcard sql/anomaly/*.sql))

COMMON_OBJ := $(COMMON_SRC:%.c=$(O)/%.o) $(O)/gen/sql_embed.o $(O)/gen/maint_embed.o \
	$(O)/gen/anomaly_embed.o $(EXPORT_SRC:%.c=$(O)/%.o)
RECORDER_OBJ := $(RECORDER_SRC:%.c=$(O)/%.o)
REPORT_OBJ := $(REPORT_SRC:%.c=$(O)/%.o) $(O)/gen/report_embed.o
# The binaries' objects minus their main(), for the unit tests to link.
RECORDER_LIB := $(filter-out $(O)/recorder/main.o,$(RECORDER_OBJ))
REPORT_LIB := $(filter-out $(O)/reports/main.o,$(REPORT_OBJ))

all: $(O)/netmon-record $(O)/netmon-report

# ---- BPF ----------------------------------------------------------------
$(O)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# bpf/NAME.bpf.c, and bench/bpf/NAME.bpf.c for the benchmarks.
$(O)/%.bpf.o: %.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $@.d -MT $@ -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	$(Q)rm -f $@.tmp.o

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

SKELETONS := $(O)/flow.skel.h $(O)/proc.skel.h

# ---- embedded SQL -----------------------------------------------------------
$(O)/gen/sql_embed.c: $(SQL_FILES) scripts/embed-sql.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-sql.sh netmon_migrations $(SQL_FILES) > $@

$(O)/gen/anomaly_embed.c: $(ANOMALY_SQL) scripts/embed-sql.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-sql.sh netmon_anomaly_rules $(ANOMALY_SQL) > $@

$(O)/sql/report/%.sql: sql/report/%.sql $(REPORT_SQL_PARTS) scripts/compose-sql.sh
	$(call msg,COMPOSE,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/compose-sql.sh $< > $@

$(O)/gen/report_embed.c: $(REPORT_SQL) scripts/embed-sql.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-sql.sh netmon_report_queries $(REPORT_SQL) > $@

$(O)/gen/maint_embed.c: $(MAINT_SQL) scripts/embed-sql.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/embed-sql.sh netmon_maintenance $(MAINT_SQL) > $@

# ---- C ------------------------------------------------------------------------
# Include paths per part: each sees the headers of what it may call and no
# more, so that a call against the layers (common/ into recorder/, a report
# into the recorder) does not compile. bpf/ holds the kernel/user contract
# (netmon.h, through common/netmon_user.h); $(O) the skeletons.
INC_COMMON := -Icommon -Ibpf
INC_EXPORT := -Iexport $(INC_COMMON)
INC_RECORDER := -Irecorder $(INC_EXPORT) -I$(O)
INC_REPORT := -Ireports -Iexport -Icommon
$(O)/common/%.o: private INC := $(INC_COMMON)
$(O)/export/%.o: private INC := $(INC_EXPORT)
$(O)/gen/%.o: private INC := -Icommon
$(O)/recorder/%.o: private INC := $(INC_RECORDER)
$(O)/reports/%.o: private INC := $(INC_REPORT)
$(O)/tests/support/%.o: private INC := -Itests/support $(INC_RECORDER)
$(O)/tests/unit/%.o: private INC := -Itests/support $(INC_RECORDER) $(INC_REPORT)
$(O)/tests/bpf/%.o: private INC := $(INC_RECORDER)
$(O)/tests/tools/%.o: private INC :=
$(O)/bench/%.o: private INC := -Itests/support $(INC_RECORDER) -I$(O)/bench

$(O)/%.o: %.c | $(SKELETONS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(INC) -c $< -o $@

$(O)/gen/%.o: $(O)/gen/%.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INC) -c $< -o $@

$(O)/netmon-record: $(RECORDER_OBJ) $(COMMON_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_BPF) $(LIBS_SQLITE) $(LIBS_PCAP) $(LIBS_SERVICE) $(LIBS_HTTP) -o $@

$(O)/netmon-report: $(REPORT_OBJ) $(COMMON_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_SQLITE) -pthread -o $@

# ---- tests ----------------------------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
BPF_TEST_SRC := $(wildcard tests/bpf/test_*.c)
BPF_TEST_BIN := $(BPF_TEST_SRC:tests/bpf/%.c=$(O)/tests/bpf/%)
TOOLS_SRC := $(wildcard tests/tools/*.c)
# Helpers shared by unit tests and benchmarks (synthetic histories).
SUPPORT_OBJ := $(patsubst %.c,$(O)/%.o,$(wildcard tests/support/*.c))
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(O)/tests/tools/%)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(SUPPORT_OBJ) $(RECORDER_LIB) $(REPORT_LIB) $(COMMON_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lcmocka $(LIBS_BPF) $(LIBS_SQLITE) $(LIBS_PCAP) $(LIBS_SERVICE) $(LIBS_HTTP) -o $@

$(O)/tests/bpf/%: $(O)/tests/bpf/%.o $(RECORDER_LIB) $(COMMON_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lcmocka $(LIBS_BPF) $(LIBS_SQLITE) $(LIBS_PCAP) $(LIBS_SERVICE) $(LIBS_HTTP) -o $@

# Libraries of one tool: nm-uring drives io_uring through liburing.
$(O)/tests/tools/nm-uring: TOOL_LIBS := -luring
$(O)/tests/tools/nm-tcx: TOOL_LIBS := -lbpf

$(O)/tests/tools/%: $(O)/tests/tools/%.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(TOOL_LIBS) -o $@

# The fuzz tests: the parsers of hostile input with AddressSanitizer and
# UndefinedBehaviorSanitizer (and LeakSanitizer at exit), each built from
# its parser's source alone (tests/fuzz/NAME.c names what it fuzzes).
FUZZ_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_BIN := $(O)/tests/fuzz/fuzz_dns $(O)/tests/fuzz/fuzz_tls $(O)/tests/fuzz/fuzz_anomaly_agg

$(O)/tests/fuzz/fuzz_dns: recorder/names/dns_parse.c recorder/names/dns_parse.h
$(O)/tests/fuzz/fuzz_tls: recorder/names/tls_hello.c recorder/names/tls_hello.h
# The anomaly aggregates across random orders of interval sizes (their
# arrays grow, swap and are given back between writes), on an in-memory
# SQLite database with sql/*.sql applied.
$(O)/tests/fuzz/fuzz_anomaly_agg: recorder/store/anomaly_agg.c recorder/store/anomaly_agg.h \
	recorder/store/agg_map.c recorder/store/agg_map.h \
	recorder/store/agg_sort.c recorder/store/agg_sort.h \
	recorder/store/contact_gaps.c recorder/store/contact_gaps.h \
	recorder/store/probe_seen.c recorder/store/probe_seen.h \
	recorder/store/series_set.c recorder/store/series_set.h $(SQL_FILES)
$(O)/tests/fuzz/fuzz_anomaly_agg: FUZZ_LIBS = $(LIBS_SQLITE)
$(FUZZ_BIN): $(O)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_rng.h
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 $(WARNINGS) -D_GNU_SOURCE $(FUZZ_CFLAGS) -Irecorder $(filter %.c,$^) $(FUZZ_LIBS) -o $@

check: all $(UNIT_BIN) $(FUZZ_BIN) $(BPF_TEST_BIN) $(TOOLS_BIN)
	$(Q)O=$(O) tests/run-all.sh

test-shell:
	$(Q)O=$(O) tests/run-all.sh shell
test-unit: $(UNIT_BIN)
	$(Q)O=$(O) tests/run-all.sh unit
test-fuzz fuzz-dns: $(FUZZ_BIN)
	$(Q)O=$(O) tests/run-all.sh fuzz
test-bpf: all $(BPF_TEST_BIN)
	$(Q)O=$(O) tests/run-all.sh bpf
test-cli: all
	$(Q)O=$(O) tests/run-all.sh cli
test-import: all $(TOOLS_BIN)
	$(Q)O=$(O) tests/run-all.sh import
test-e2e: all $(TOOLS_BIN)
	$(Q)O=$(O) tests/run-all.sh e2e
test-system: all $(TOOLS_BIN)
	$(Q)O=$(O) tests/run-all.sh system
check-crash: all $(TOOLS_BIN)
	$(Q)O=$(O) tests/run-all.sh crash

# ---- benchmarks (they print figures; see bench/RESULTS.md) -------------------------
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(O)/bench/%)
# Programs that do nothing, only for the benchmarks to measure the floor of
# a hook (bench/bpf/): built with them, never with the product.
BENCH_SKELETONS := $(patsubst bench/bpf/%.bpf.c,$(O)/bench/%.skel.h,$(wildcard bench/bpf/*.bpf.c))

$(O)/bench/%.skel.h: $(O)/bench/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BENCH_SRC:%.c=$(O)/%.o): | $(BENCH_SKELETONS)

$(O)/bench/%: $(O)/bench/%.o $(SUPPORT_OBJ) $(RECORDER_LIB) $(COMMON_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS_BPF) $(LIBS_SQLITE) $(LIBS_PCAP) $(LIBS_SERVICE) $(LIBS_HTTP) -o $@

bench: all $(BENCH_BIN) $(TOOLS_BIN)
	$(Q)O=$(O) bench/run-all.sh

# ---- man pages: from --help and --version, so they never drift from them -----------
MANPAGES := $(O)/man/netmon-record.8 $(O)/man/netmon-report.1

man: $(MANPAGES)

# help2man SECTION NAME: the page of the first prerequisite (the binary), from its
# --help and --version plus the second (man/PROG.h2m: sections --help lacks).
help2man = $(HELP2MAN) --no-info --no-discard-stderr --section=$(1) --name="$(2)" \
	--version-string="$$($(abspath $<) --version | cut -d" " -f2)" \
	--include=$(word 2,$^) --output=$@ $(abspath $<)

$(O)/man/netmon-record.8: $(O)/netmon-record man/netmon-record.h2m
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call help2man,8,record network traffic per flow with eBPF into SQLite)

$(O)/man/netmon-report.1: $(O)/netmon-report man/netmon-report.h2m
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call help2man,1,report on the traffic netmon-record stored)

# ---- running and installing ---------------------------------------------------------
# make run's database: the recorder's default unless RUN_DB names another
# (tests/e2e/run.bats runs it in a namespace of its own).
RUN_DB ?=
RUN_DB_ARG = $(if $(RUN_DB),--db $(RUN_DB))

# The recorder's closing line says what it watched, for how long, what
# crossed each interface (or that no IP packet did) and the host's socket
# bytes, loopback included, which the summary shows by process.
run: all
	$(O)/netmon-record --duration $(RUN_SECONDS) $(RUN_DB_ARG)
	$(O)/netmon-report $(RUN_DB_ARG) summary
	$(O)/netmon-report $(RUN_DB_ARG) top hosts --limit 10

# The installed paths, written into the units and the daily report script.
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g'

install: all man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/netmon \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/netmon $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(QUERYDIR)
	install -m 0755 $(O)/netmon-record $(DESTDIR)$(SBINDIR)/netmon-record
	install -m 0755 $(O)/netmon-report $(DESTDIR)$(BINDIR)/netmon-report
	install -m 0644 $(O)/man/netmon-record.8 $(DESTDIR)$(MANDIR)/man8/netmon-record.8
	install -m 0644 $(O)/man/netmon-report.1 $(DESTDIR)$(MANDIR)/man1/netmon-report.1
	install -m 0644 $(REPORT_SQL) $(DESTDIR)$(QUERYDIR)/
	$(SUBST) dist/netmon-daily-report.in >$(DESTDIR)$(LIBEXECDIR)/netmon/netmon-daily-report
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/netmon/netmon-daily-report
	for u in netmon-record.service netmon-report-daily.service; do \
		$(SUBST) dist/$$u.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -m 0644 dist/netmon-report-daily.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 dist/netmon.sysusers $(DESTDIR)$(SYSUSERSDIR)/netmon.conf
	@# The readers' group, which the units name (Group=netmon): a package
	@# makes it from the sysusers.d file; installed onto this system (no
	@# DESTDIR, the system's /etc), make makes it now.
	if [ -z "$(DESTDIR)" ] && [ "$(SYSCONFDIR)" = /etc ] && ! getent group netmon >/dev/null; then \
		if command -v systemd-sysusers >/dev/null; then \
			systemd-sysusers $(SYSUSERSDIR)/netmon.conf; \
		else \
			groupadd --system netmon; \
		fi; \
	fi
	install -m 0644 dist/netmon.conf $(DESTDIR)$(DOCDIR)/netmon.conf.example
	@# Every key in it is commented out: installing it changes nothing, and an
	@# existing configuration is never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/netmon/netmon.conf || \
		install -m 0644 dist/netmon.conf $(DESTDIR)$(SYSCONFDIR)/netmon/netmon.conf

format:
	clang-format -i bpf/*.c bpf/*.h bench/bpf/*.c common/*.[ch] export/*.[ch] recorder/*.[ch] recorder/*/*.[ch] \
		reports/*.[ch] tests/*/*.c

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
