# Benchmark target (Python 2.7 and 3.x): FUNCS distinct functions (made
# with exec, 1000 per pseudo-file gen_NNN.py), called round-robin forever
# from a few levels of distinct callers, each doing ~WORK loop iterations,
# so a sampler keeps meeting new code objects and new stacks until it has
# seen them all (for pytop's memory over time).
#
#   manyfuncs.py [--funcs 20000] [--work 2000]
#
# Prints "READY <pid>" once the functions exist.
import os
import sys

FUNCS = 20000
WORK = 2000
_args = sys.argv[1:]
while _args:
    _opt = _args.pop(0)
    if _opt == "--funcs":
        FUNCS = int(_args.pop(0))
    elif _opt == "--work":
        WORK = int(_args.pop(0))
    else:
        sys.stderr.write("manyfuncs.py: unknown option %s\n" % _opt)
        sys.exit(2)

PER_FILE = 1000
g = {}
funcs = []
for base in range(0, FUNCS, PER_FILE):
    src = []
    for i in range(base, min(base + PER_FILE, FUNCS)):
        src.append(
            "def fn_%05d(n):\n"
            "    i = 0\n"
            "    while i < n:\n"
            "        i += 1\n"
            "    return i\n" % i)
    exec(compile("".join(src), "gen_%03d.py" % (base // PER_FILE), "exec"), g)
    funcs.extend(g["fn_%05d" % i] for i in range(base, min(base + PER_FILE, FUNCS)))

# 50 distinct callers, each calling through 2 more distinct levels.
_src = []
for k in range(50):
    _src.append(
        "def caller_%02d(f, n):\n    return mid_%02d(f, n)\n"
        "def mid_%02d(f, n):\n    return f(n)\n" % (k, k, k))
exec(compile("".join(_src), "callers.py", "exec"), g)
callers = [g["caller_%02d" % k] for k in range(50)]


def main():
    n = len(funcs)
    i = 0
    while True:
        callers[i % 50](funcs[i], WORK)
        i += 1
        if i == n:
            i = 0


sys.stdout.write("READY %d\n" % os.getpid())
sys.stdout.flush()
main()
