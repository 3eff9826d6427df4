#!/bin/sh
# seeds.sh — capture the fuzz seed corpus from real processes: for each
# interpreter the test harness knows (pyenv 2.7, 3.6-3.13, Debian 3.11,
# Debian unstable 3.13/3.14 in the pytop-pythons cache), run
# test/targets/stacks.py with a shallow recursion, wait for READY, and
# snapshot what pytop reads of it into OUTDIR/seed-LABEL.
# Interpreters not present are reported as skipped.
#   sh test/fuzz/seeds.sh CAPTURE_TOOL OUTDIR
set -u
capture=$1
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"

pyenv=${PYENV_ROOT:-$HOME/.pyenv}/versions
cache=${PYTOP_PY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pytop-pythons}

# label path, one per line; path empty when absent
interpreters() {
    for v in 2.7 3.6 3.7 3.8 3.9 3.10 3.11 3.12 3.13; do
        exe=$(ls -d "$pyenv/$v".*/bin/python$v 2>/dev/null | tail -n 1)
        echo "pyenv-$v ${exe:-}"
    done
    [ -x /usr/bin/python3.11 ] && echo "debian-3.11 /usr/bin/python3.11" || echo "debian-3.11"
    for l in debian-sid-3.13 debian-sid-3.14; do
        echo "$l $(awk -v l="$l" '$1 == l {print $2}' "$cache/interpreters.txt" 2>/dev/null)"
    done
}

# The target: stacks.py's threads and shapes, recursion 24 deep, not 1200.
script="import sys; sys.path.insert(0, '$root/test/targets'); import stacks; stacks.DEPTH = 24; stacks.main()"

interpreters | while read -r label exe; do
    if [ -z "${exe:-}" ] || [ ! -x "$exe" ]; then
        echo "skipped: $label (interpreter not installed)"
        continue
    fi
    log=$(mktemp)
    "$exe" -c "$script" >"$log" 2>&1 &
    pid=$!
    n=0
    while ! grep -q READY "$log" && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
    sleep 0.3 # let the parked threads settle into their sleeps
    "$capture" "$out/seed-$label" "$pid" || echo "failed: $label"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$log"
done
du -ch "$out"/* | tail -n 1
