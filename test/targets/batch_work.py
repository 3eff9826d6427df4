"""Target for test/check_batch.c (runs on 2.7 and 3.x).

Three threads:
  main     driver() calls alpha_burn() (4 ms) then two_lines(), which
           burns 3 ms on each of two lines; after each round it writes the
           round number to HEARTBEAT (so a test can see it make progress).
  worker   beta_burn() burns CPU forever.
  sleeper  gamma_nap() sleeps forever (an idle thread).
Writes "main TID" and "worker TID" lines to TIDFILE, then prints READY.
Nothing is printed after READY.

usage: batch_work.py TIDFILE HEARTBEAT
"""
import os
import sys
import threading
import time

now = getattr(time, 'monotonic', time.time)


def native_tid():
    get = getattr(threading, 'get_native_id', None)
    if get:
        return get()
    import ctypes
    return ctypes.CDLL(None).syscall(186)  # SYS_gettid on x86-64


def alpha_burn():
    end = now() + 0.004
    while now() < end:  # @alpha
        pass


def two_lines():  # @two-lines-def
    end = now() + 0.003
    while now() < end:  # @line-first
        pass
    end = now() + 0.003
    while now() < end:  # @line-second
        pass


def beta_burn(tids, ready):
    tids.append(native_tid())
    ready.set()
    n = 0
    while True:  # @beta
        n += 1


def gamma_nap(ready):
    ready.set()
    while True:
        time.sleep(3600)  # @gamma


def driver(beat_path):
    beat = open(beat_path, 'w')
    rounds = 0
    while True:
        alpha_burn()
        two_lines()
        rounds += 1
        beat.seek(0)
        beat.write('%d\n' % rounds)
        beat.flush()


def main():
    tidfile, beat_path = sys.argv[1], sys.argv[2]
    tids = []
    w_ready, s_ready = threading.Event(), threading.Event()
    w = threading.Thread(target=beta_burn, args=(tids, w_ready), name='worker')
    s = threading.Thread(target=gamma_nap, args=(s_ready,), name='sleeper')
    w.daemon = s.daemon = True
    w.start()
    s.start()
    w_ready.wait()
    s_ready.wait()
    f = open(tidfile + '.tmp', 'w')
    f.write('main %d\nworker %d\n' % (os.getpid(), tids[0]))
    f.close()
    os.rename(tidfile + '.tmp', tidfile)
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    driver(beat_path)


main()
