#!/bin/sh
# valgrind-check — pytop under valgrind's memcheck: `--once` and a short
# batch run (writing --collapsed and --flamegraph files) against live
# targets, on a 3.11+ interpreter (non-blocking sampling) and on 2.7
# (blocking: ptrace pauses), plus the error paths (no such process, a bad
# option, --help). Any memory error or definitely lost block fails the run;
# so does an exit status other than the one expected. A missing
# interpreter is reported as skipped, by name.
#
#   PYTOP_BIN=./pytop PYTOP_ROOT=. sh test/valgrind-check.sh
set -u
PYTOP=${PYTOP_BIN:-./pytop}
ROOT=${PYTOP_ROOT:-.}
PYENV=${PYENV_ROOT:-$HOME/.pyenv}
VGERR=99
TMP=$(mktemp -d /tmp/pytop-valgrind-XXXXXX) || exit 1
TARGETS=""
FAILED=0

cleanup() {
    for p in $TARGETS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

command -v valgrind >/dev/null || { echo "valgrind-check: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }

# vg WANT_STATUS LABEL ARGS...: run pytop under memcheck, expect WANT_STATUS.
vg() {
    want=$1 label=$2
    shift 2
    valgrind -q --error-exitcode=$VGERR --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite --log-file="$TMP/vg.log" "$PYTOP" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then
        echo "valgrind-check: ok: $label (exit $rc)"
        return
    fi
    FAILED=1
    if [ "$rc" -eq $VGERR ]; then
        echo "valgrind-check: FAILED: $label: memcheck errors:" >&2
    else
        echo "valgrind-check: FAILED: $label: exit $rc, expected $want; stderr:" >&2
        cat "$TMP/err" >&2
    fi
    cat "$TMP/vg.log" >&2
}

# start PYTHON: spin.py in the background (killed with this script when
# setpriv can arrange it); waits for READY; sets PID.
DEATHSIG=""
command -v setpriv >/dev/null && DEATHSIG="setpriv --pdeathsig KILL"
start() {
    $DEATHSIG "$1" -B -s "$ROOT/test/targets/spin.py" >"$TMP/ready" 2>/dev/null &
    PID=$!
    TARGETS="$TARGETS $PID"
    i=0
    while ! grep -q READY "$TMP/ready" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 200 ] && { echo "valgrind-check: FAILED: $1 did not start" >&2; FAILED=1; return 1; }
        sleep 0.1
    done
}

# The first of the given interpreter paths that exists.
first() {
    for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done
}

PY3=$(first "$PYENV"/versions/3.12.*/bin/python3.12 "$PYENV"/versions/3.11.*/bin/python3.11 /usr/bin/python3.11)
PY2=$(first "$PYENV"/versions/2.7.*/bin/python2.7)

for py in "$PY3" "$PY2"; do
    [ -n "$py" ] || continue
    start "$py" || continue
    vg 0 "--once, $py" --once "$PID"
    vg 0 "-b -t 2 with output files, $py" -b -t 2 -d 1 \
        --collapsed "$TMP/stacks.folded" --flamegraph "$TMP/graph.svg" "$PID"
    [ -s "$TMP/stacks.folded" ] && [ -s "$TMP/graph.svg" ] ||
        { echo "valgrind-check: FAILED: no output files for $py" >&2; FAILED=1; }
    rm -f "$TMP/stacks.folded" "$TMP/graph.svg"
    kill -9 "$PID" 2>/dev/null
done
[ -n "$PY3" ] || echo "valgrind-check: skipped: pyenv 3.12/3.11 and /usr/bin/python3.11 (not installed)"
[ -n "$PY2" ] || echo "valgrind-check: skipped: pyenv 2.7 (not installed)"

# Error paths: each must clean up after itself as well.
pid_max=$(cat /proc/sys/kernel/pid_max)
free=$((pid_max - 1))
while kill -0 "$free" 2>/dev/null; do free=$((free - 1)); done
vg 3 "--once on no process" --once "$free"
vg 2 "an unknown option" -b --bogus 1
vg 2 "an unwritable --flamegraph" -b --flamegraph /nonexistent-pytop/graph.svg 1
vg 0 "--help" --help

[ $FAILED -eq 0 ] && echo "valgrind-check: no memcheck errors, no definite leaks"
exit $FAILED
