#!/bin/sh
# make demo: make sure the build dependencies are there (installing them with
# apt-get when we may), build pytop, and show it on demo/workload.py.
set -eu
cd "$(dirname "$0")/.."

# What the build needs, and what `make check` then needs (the README's
# second command): tmux drives the viewer tests, valgrind and clang's
# libFuzzer run in the suite, patchelf makes relocated test interpreters.
PKGS="build-essential pkg-config libelf-dev libncursesw5-dev check python3 tmux valgrind clang libclang-rt-dev patchelf"
missing=""
for cmd in cc python3 tmux valgrind clang patchelf; do
    command -v $cmd >/dev/null 2>&1 || missing="yes"
done
pkg-config --exists libelf ncursesw check 2>/dev/null || missing="yes"

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS
    else
        echo "pytop needs some build and test packages. Install them with:" >&2
        echo "    sudo apt-get install -y $PKGS" >&2
        exit 1
    fi
fi

make pytop >/dev/null

# Reading another process needs the same rights as a debugger. Our own
# child is fine unless Yama forbids even that (ptrace_scope >= 2).
out=$(mktemp)
python3 demo/workload.py >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT INT TERM
i=0
until grep -q READY "$out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "demo workload did not start" >&2; exit 1; }
    sleep 0.1
done

if [ -t 0 ] && [ -t 1 ] && [ -n "${TERM:-}" ] && [ "${TERM:-}" != dumb ]; then
    echo "Starting the viewer on the demo workload (pid $pid): press ? for keys, q to quit."
    sleep 1
    ./pytop "$pid"
else
    # no terminal (CI, a pipe): show the same thing as text
    echo "=== pytop --once $pid        (every thread's stack, once)"
    ./pytop --once "$pid"
    echo
    echo "=== pytop -b -d 1 -n 3 $pid   (where the time goes: three 1-second tables)"
    ./pytop -b -d 1 -n 3 "$pid"
fi
