#!/usr/bin/env bats
# layout.bats - the source tree keeps its layers (docs/design.md, "Report
# layers"): no include circle between modules anywhere (a module is NAME.c
# with NAME.h: X includes Y when X.c or X.h includes "Y.h"), the renderers
# and the query layer of reports/ include nothing above them, and the
# recorder includes no header of reports/ (nor reports/ one of recorder/),
# and export/, which both send with, includes neither. Reads the sources only.

setup_file() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export REPO
}

# includes FILE: the headers FILE includes with quotes, their names only.
includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$REPO/$1" |
		sed 's|.*/||'
}

# module_edges DIR...: "X Y" for each module X of the C files under the
# directories that includes module Y (Y != X).
module_edges() {
	(cd "$REPO" && find "$@" -name '*.[ch]' -exec awk '
		FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.[ch]$/, "", m) }
		/^[ \t]*#[ \t]*include[ \t]*"/ {
			h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
			sub(/.*\//, "", h); sub(/\.h$/, "", h)
			if (h != m) print m, h
		}' {} +)
}

# offenders GLOB PATTERN: the files of GLOB (under $REPO) including a header
# whose name matches the extended regular expression PATTERN.
offenders() {
	local f
	# shellcheck disable=SC2086 # $1: globs, expanded here
	(cd "$REPO" && for f in $1; do
		[ -f "$f" ] || continue
		if includes "$f" | grep -Eq "^($2)$"; then echo "$f"; fi
	done)
}

@test "layout: no include circle between modules anywhere" {
	local edges
	edges=$(module_edges bpf common export recorder reports bench tests/unit tests/support tests/bpf tests/tools)
	# The tree has includes at all: an empty list would pass for nothing.
	[ "$(wc -l <<<"$edges")" -gt 100 ]
	run tsort <<<"$edges"
	if [ "$status" -ne 0 ]; then
		echo "$output" | grep -v '^[a-z_0-9.]*$' >&2
		grep -i loop <<<"$output" >&2
	fi
	[ "$status" -eq 0 ]
}

@test "layout: the report renderers include nothing above them" {
	run offenders "reports/render*.[ch]" \
		'report_(query|sections|run|anomalies|cli)\.h|sqlite3\.h'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "layout: the report query layer includes no section, renderer or run" {
	run offenders "reports/report_query.[ch] reports/report_anomalies.[ch] reports/report_rows.[ch]" \
		'report_(sections|run)\.h|render_[a-z]+\.h'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "layout: only the run layer calls the report renderers" {
	# render.h holds types only: the sections layer fills its struct.
	run offenders "reports/report_*.[ch] reports/main.c" 'render_[a-z]+\.h|report_run\.h'
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(printf '%s\n' reports/main.c reports/report_run.c)" ]
}

@test "layout: the recorder includes no header of reports/" {
	local headers f
	headers=$(cd "$REPO/reports" && printf '%s\n' *.h | sed 's/\./\\./g' | paste -sd'|')
	[ -n "$headers" ]
	run offenders "$(cd "$REPO" && find recorder -name '*.[ch]' | sort | tr '\n' ' ')" "$headers"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# headers_of DIR: the names of DIR's headers as one extended regular expression.
headers_of() {
	(cd "$REPO/$1" && find . -name '*.h' -printf '%f\n' | sort | sed 's/\./\\./g' | paste -sd'|')
}

@test "layout: reports/ includes no header of recorder/, export/ none of either" {
	local rec rep
	rec=$(headers_of recorder)
	rep=$(headers_of reports)
	[ -n "$rec" ]
	[ -n "$rep" ]
	# export/ is what both binaries share: it is there and they use it.
	[ -n "$(offenders "reports/*.[ch]" 'ipfix_send\.h')" ]
	[ -n "$(offenders "$(cd "$REPO" && find recorder -name '*.[ch]' | sort | tr '\n' ' ')" 'ipfix_send\.h')" ]
	run offenders "reports/*.[ch]" "$rec"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run offenders "export/*.[ch]" "$rec|$rep"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
