"""Chaos target for test/check_chaos.c: everything that makes a Python
process hard to read from outside, at once, for SECONDS seconds.

  - threads started and ended at a high rate, some of them deep in
    recursion the moment they end (a thread that exits while being read);
  - recursion swinging between 0 and DEPTH_MAX frames, ending in one of:
    an exception unwinding the whole stack (caught and re-raised halfway),
    nested generators, chained coroutines (3.5+), gc.collect() running
    finalizers, or a plain return;
  - a gc.collect() storm thread with a low collection threshold, so
    finalizers also run at whatever depth other threads are;
  - os.fork() children that exit within 20 ms;
  - at the end the process exits (status 0) with daemon threads running.

Every deepest point of every path calls probe(), which measures the
current stack (including probe's own frame); the largest value plus one
(a finalizer can run on top of any frame) is an upper bound of any stack
the process really had. It is written to
INFOFILE ("max_depth N") just before the exit (printed as MAXDEPTH N when
there is no INFOFILE).
READY is printed once the first swing of every kind has run.

usage: chaos.py SECONDS [INFOFILE [SEED]]   (runs unchanged on 2.7 and 3.x)
"""
import gc
import os
import random
import sys
import threading
import time
import warnings

DEPTH_MAX = 2000
sys.setrecursionlimit(DEPTH_MAX + 400)
# 3.12+ warns about fork() in a process with threads; that is the point here
warnings.simplefilter('ignore')
now = getattr(time, 'monotonic', time.time)

STATE = {'max_depth': 0, 'stop': False, 'finalized': 0}
# every new maximum, from any thread: list.append is atomic, so a maximum
# another thread overwrote in STATE is still here
MAXIMA = [0]


def probe():
    """Depth of the calling thread's Python stack, probe's frame included.
    sys._getframe(k) exists for k < depth: a search over k walks the
    frames in C, much cheaper than a Python loop over 2000 frames."""
    get = sys._getframe
    lo, hi = 0, 64  # get(lo) exists; get(hi) is not known to
    while True:
        try:
            get(hi)
        except ValueError:
            break
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            get(mid)
            lo = mid
        except ValueError:
            hi = mid
    n = lo + 1
    if n > STATE['max_depth']:
        MAXIMA.append(n)
        STATE['max_depth'] = n
    return n


class Chaos(Exception):
    pass


class Finalized(object):
    """Its finalizer runs wherever the collector happens to run: one frame
    on top of any frame, probe's own included. It calls nothing (a probe
    here fed collections back into finalizers and starved the process)."""

    def __del__(self):
        STATE['finalized'] += 1


def garbage(n):
    # cycles without finalizers of their own (2.7 would keep those), one in
    # four holding an object that has one
    for i in range(n):
        a, b = [], []
        a.append(b)
        b.append(a)
        if i % 4 == 0:
            a.append(Finalized())


def gen_leaf(k):
    for i in range(k):
        probe()
        yield i


def gen_mid(k):
    for v in gen_leaf(k):
        yield v * 2


def act_gen():
    return sum(gen_mid(3))


def act_raise():
    probe()
    raise Chaos('bottom')


def act_gc():
    garbage(20)
    gc.collect()
    probe()


def act_plain():
    return probe()


ACTIONS = [act_gen, act_raise, act_gc, act_plain]

if sys.version_info >= (3, 5):
    exec('''
class Step(object):
    def __await__(self):
        probe()
        yield 'step'
        probe()


async def coro_leaf():
    await Step()
    await Step()
    return probe()


async def coro_chain(n):
    if n > 0:
        return await coro_chain(n - 1)
    return await coro_leaf()


def act_coro():
    c = coro_chain(4)
    try:
        while True:
            c.send(None)
    except StopIteration as e:
        return e.value
''')
    ACTIONS.append(act_coro)  # noqa: F821 (defined by exec)


def dive(n, action):
    if n > 0:
        if n % 500 == 0:
            try:
                return dive(n - 1, action)
            except Chaos:
                raise  # caught and re-raised halfway up: more unwinding
        return dive(n - 1, action)
    return action()


def swing(rng, depth=None, action=None):
    if depth is None:
        depth = rng.randint(0, DEPTH_MAX)
    try:
        dive(depth, action or rng.choice(ACTIONS))
    except Chaos:
        pass


def swinger(seed):
    rng = random.Random(seed)
    while not STATE['stop']:
        swing(rng)


def short_life(seed, deep):
    rng = random.Random(seed)
    # a deep thread ends the moment it reaches the bottom: likely while read
    swing(rng, rng.randint(DEPTH_MAX // 2, DEPTH_MAX) if deep else rng.randint(0, 60), act_plain)


def spawner(seed):
    rng = random.Random(seed)
    alive = []
    n = 0
    while not STATE['stop']:
        alive = [t for t in alive if t.is_alive()]
        if len(alive) < 8:
            n += 1
            t = threading.Thread(target=short_life, args=(rng.random(), n % 4 == 0),
                                 name='short-%d' % n)
            t.daemon = True
            t.start()
            alive.append(t)
        else:
            time.sleep(0.0005)


def gc_storm(seed):
    rng = random.Random(seed)
    while not STATE['stop']:
        garbage(rng.randint(10, 300))
        gc.collect()


def forker(seed):
    rng = random.Random(seed)
    while not STATE['stop']:
        pid = os.fork()
        if pid == 0:
            # long enough, now and then, for pytop -s to adopt it
            time.sleep(rng.uniform(0, 0.02))
            os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(rng.uniform(0.005, 0.03))


def start(fn, seed, name):
    t = threading.Thread(target=fn, args=(seed,), name=name)
    t.daemon = True
    t.start()
    return t


def main():
    seconds = float(sys.argv[1])
    info = sys.argv[2] if len(sys.argv) > 2 else None
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else int(now() * 1000) % 100000
    rng = random.Random(seed)
    gc.set_threshold(50, 5, 5)
    # the deepest stack of every kind once, in the main thread and in a thread
    for action in ACTIONS:
        swing(rng, DEPTH_MAX, action)
    t = threading.Thread(target=lambda: [swing(rng, DEPTH_MAX, a) for a in ACTIONS])
    t.start()
    t.join()
    workers = [start(swinger, rng.random(), 'swinger-%d' % i) for i in range(2)]
    workers.append(start(spawner, rng.random(), 'spawner'))
    workers.append(start(gc_storm, rng.random(), 'gc-storm'))
    workers.append(start(forker, rng.random(), 'forker'))
    sys.stdout.write('READY seed %d\n' % seed)
    sys.stdout.flush()
    end = now() + seconds
    while now() < end:
        swing(rng)
    STATE['stop'] = True
    for w in workers:
        w.join(0.2)
    # + 1: a finalizer's frame can sit on top of any frame, probe's included
    line = 'max_depth %d\n' % (max(MAXIMA) + 1)
    if info:  # stdout may be closed by now (the test reads READY only)
        with open(info + '.tmp', 'w') as f:
            f.write(line)
        os.rename(info + '.tmp', info)
    else:
        sys.stdout.write('MAXDEPTH %d\n' % (max(MAXIMA) + 1))
        sys.stdout.flush()


main()
