"""Target for test/check_accuracy.c: known shares of time, on 2.7 and 3.x.

The main thread runs driver(), which shares real time 60/30/10 between
burn60, burn30 and burn10. Each burns in its own frame (a loop that only
calls the clock, a C function, so no Python frame sits above it) for a
short quantum of random length (0.5-3 ms, so the calls can never stay in
step with a sampler's period). The driver times every call itself and
always calls the function furthest behind its share of the time spent so
far. So the shares hold for the time the target really spent, whatever the
machine does to it: when the thread is preempted (or paused by a
sampler) inside one function, that time is counted to that function, the
same function a sampler sees it in, and the driver makes up for it with
the others. Over any second the shares are within a few ms of 60/30/10.

After every second call the driver writes the time spent so far in
each, "S60 S30 S10" in seconds, fixed width, to COUNTERS: the test reads
it when a table starts and ends, which gives the true shares of exactly
that window (a machine loaded enough to stall the thread for a long time
in one function moves them away from 60/30/10 for a while; the driver
then makes up for it, but the window may not contain all of that).

A second thread sleeps in idle_sleeper() the whole time. READY is
printed once both run; nothing is printed after it.

usage: acc_burn.py COUNTERS
"""
import random
import sys
import threading
import time

now = getattr(time, 'monotonic', time.time)


def burn60(d):
    end = now() + d
    while now() < end:  # @burn60
        pass


def burn30(d):
    end = now() + d
    while now() < end:  # @burn30
        pass


def burn10(d):
    end = now() + d
    while now() < end:  # @burn10
        pass


def idle_sleeper(started):
    started.set()
    while True:
        time.sleep(3600)  # @idle


def driver(counters):
    rnd = random.Random(20240601)
    s60 = s30 = s10 = 0.0
    calls = 0
    while True:
        calls += 1
        if calls % 2 == 0:
            counters.seek(0)
            counters.write('%016.6f %016.6f %016.6f\n' % (s60, s30, s10))
            counters.flush()
        total = s60 + s30 + s10
        d60, d30, d10 = 0.6 * total - s60, 0.3 * total - s30, 0.1 * total - s10
        q = 0.0005 + 0.0025 * rnd.random()
        t0 = now()
        if d60 >= d30 and d60 >= d10:
            burn60(q)
            s60 += now() - t0
        elif d30 >= d10:
            burn30(q)
            s30 += now() - t0
        else:
            burn10(q)
            s10 += now() - t0


def main():
    counters = open(sys.argv[1], 'w')
    started = threading.Event()
    t = threading.Thread(target=idle_sleeper, args=(started,), name='sleeper')
    t.daemon = True
    t.start()
    started.wait()
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    driver(counters)


main()
