# Benchmark target (Python 2.7 and 3.x): one thread whose stack is DEPTH
# Python frames deep (<module> included), spinning at the leaf, plus
# THREADS-1 threads parked in time.sleep a few frames down (mostly idle).
#
#   deep.py [--depth 22] [--threads 1] [--report SECS]
#
# Prints "READY <pid>" once every thread runs. With --report the leaf
# counts its loop iterations and prints "RATE <time.time()> <count> <cpu>"
# every SECS seconds, cpu being the process's CPU seconds (a throughput
# probe for target slowdown: per wall second and per CPU second).
import sys
import threading
import time

DEPTH = 22
THREADS = 1
REPORT = 0.0
_args = sys.argv[1:]
while _args:
    _opt = _args.pop(0)
    if _opt == "--depth":
        DEPTH = int(_args.pop(0))
    elif _opt == "--threads":
        THREADS = int(_args.pop(0))
    elif _opt == "--report":
        REPORT = float(_args.pop(0))
    else:
        sys.stderr.write("deep.py: unknown option %s\n" % _opt)
        sys.exit(2)


def spin():
    x = 0
    while True:
        x += 1


def spin_report():
    out = sys.stdout
    clock = time.time
    cpu = getattr(time, "process_time", None) or time.clock  # 2.7: time.clock is CPU time
    count = 0
    due = clock() + REPORT
    while True:
        i = 0
        while i < 20000:
            i += 1
        count += 20000
        now = clock()
        if now >= due:
            out.write("RATE %.6f %d %.6f\n" % (now, count, cpu()))
            out.flush()
            due = now + REPORT


# Frames: <module>, main, lvl_1 .. lvl_{DEPTH-3}, then the leaf: DEPTH in all.
# Distinct functions (distinct code objects), as a real program has.
_src = []
for _i in range(1, DEPTH - 2):
    _callee = "lvl_%d" % (_i + 1) if _i < DEPTH - 3 else "leaf"
    _src.append("def lvl_%d():\n    return %s()\n" % (_i, _callee))
exec(compile("".join(_src), __file__, "exec"))
leaf = spin_report if REPORT > 0 else spin


def main():
    if DEPTH >= 4:
        return lvl_1()  # noqa: F821 (defined by exec above)
    return leaf()


def park3(ev):
    ev.set()
    while True:
        time.sleep(3600)


def park2(ev):
    park3(ev)


def park1(ev):
    park2(ev)


_ready = []
for _n in range(THREADS - 1):
    _ev = threading.Event()
    _t = threading.Thread(target=park1, args=(_ev,))
    _t.daemon = True
    _t.start()
    _ready.append(_ev)
for _ev in _ready:
    _ev.wait(60)
sys.stdout.write("READY %d\n" % __import__("os").getpid())
sys.stdout.flush()
main()
