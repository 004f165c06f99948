#!/usr/bin/env bash
# run-all.sh [shell|unit|fuzz|bpf|cli|import|e2e|system|crash ...] - run the test
# suites, closing with one line "N passed, N failed, N skipped". Without arguments
# every suite but crash (a hundred kill -9, five minutes: make check-crash).
#
# Every suite speaks TAP: cmocka binaries (CMOCKA_MESSAGE_OUTPUT=TAP) and bats
# files. A program that exits non-zero without reporting a failed test counts
# as one failure, so a crash can never pass. BPF and end-to-end suites need
# root; without it they fail rather than skip, since skipping would hide that
# the real thing was never tested.
set -u
O=${O:-build}
export O
cd "$(dirname "$0")/.." || exit 1
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(shell unit fuzz bpf cli import e2e system)

pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_tap NAME CMD...: run one TAP producer, echo its output, count results.
run_tap() {
	local name=$1 rc p f s
	shift
	echo "# --- $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (skip|SKIP)' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc without reporting a failure"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

# The project's shell scripts and bats files, one a line: what git tracks, or
# every such file below here outside a checkout.
shell_files() {
	{
		git ls-files -- '*.sh' '*.bash' '*.bats' .ci/run dist/netmon-daily-report.in 2>/dev/null ||
			find . -path ./build -prune -o -type f \( -name '*.sh' -o -name '*.bash' \
				-o -name '*.bats' \) -print
	} | sort -u
}

# Each of them checked by shellcheck (one run for all: the sourced libraries
# are read once), as TAP: one test a file.
shellcheck_tap() {
	local n=0 f found
	local -a files
	mapfile -t files < <(shell_files)
	found=$(shellcheck -x -f gcc "${files[@]}" 2>&1)
	echo "1..${#files[@]}"
	for f in "${files[@]}"; do
		n=$((n + 1))
		if grep -q "^$f:" <<<"$found"; then
			echo "not ok $n shellcheck $f"
			grep "^$f:" <<<"$found" | sed 's/^/# /'
		else
			echo "ok $n shellcheck $f"
		fi
	done
	# Anything said of no file (shellcheck itself failing) fails the run.
	if [ -n "$found" ] && ! grep -qE '^[^:]+:[0-9]+:[0-9]+: ' <<<"$found"; then
		printf '# %s\n' "$found"
		return 1
	fi
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok - the $1 tests need root (BPF and network namespaces)"
		fail=$((fail + 1))
		return 1
	fi
}

timings=()
for suite in "${suites[@]}"; do
	started=$SECONDS
	case $suite in
	shell)
		if ! command -v shellcheck >/dev/null; then
			echo "not ok - shellcheck is missing: run scripts/install-deps.sh"
			fail=$((fail + 1))
			continue
		fi
		run_tap shellcheck shellcheck_tap ;;
	unit)
		for t in "$O"/tests/unit/test_*; do
			[ -x "$t" ] && CMOCKA_MESSAGE_OUTPUT=TAP run_tap "$t" "$t"
		done ;;
	fuzz)
		for t in "$O"/tests/fuzz/fuzz_*; do
			[ -x "$t" ] && run_tap "$t" "$t"
		done ;;
	bpf)
		need_root bpf || continue
		for t in "$O"/tests/bpf/test_*; do
			[ -x "$t" ] && CMOCKA_MESSAGE_OUTPUT=TAP run_tap "$t" "$t"
		done ;;
	cli)
		for t in tests/cli/*.bats; do
			[ -f "$t" ] && run_tap "$t" bats --tap "$t"
		done ;;
	import)
		need_root import || continue
		for t in tests/import/*.bats; do
			[ -f "$t" ] && run_tap "$t" bats --tap "$t"
		done ;;
	e2e)
		need_root e2e || continue
		for t in tests/e2e/*.bats; do
			[ -f "$t" ] && run_tap "$t" bats --tap "$t"
		done ;;
	system)
		need_root system || continue
		for t in tests/system/*.bats; do
			[ -f "$t" ] && run_tap "$t" bats --tap "$t"
		done ;;
	crash)
		need_root crash || continue
		for t in tests/crash/*.bats; do
			[ -f "$t" ] && run_tap "$t" bats --tap "$t"
		done ;;
	*)
		echo "run-all.sh: unknown suite '$suite' (shell, unit, fuzz, bpf, cli, import, e2e, system, crash)" >&2
		exit 64 ;;
	esac
	timings+=("$suite $((SECONDS - started)) s")
done

echo
printf '# %s\n' "${timings[@]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
