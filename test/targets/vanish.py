"""Target for test/check_errors.c: prints READY, then exits abruptly
(os._exit: no interpreter shutdown) DELAY seconds later, with pytop
possibly in the middle of reading it. A thread parked at the bottom of a
deep recursion makes every read long, which widens that window.

usage: vanish.py DELAY        (runs unchanged on 2.7 and 3.x)
"""
import os
import sys
import threading
import time

sys.setrecursionlimit(5000)


def deep(n, parked):
    if n > 0:
        return deep(n - 1, parked)
    parked.release()
    time.sleep(3600)


def main():
    delay = float(sys.argv[1])
    parked = threading.Semaphore(0)
    t = threading.Thread(target=deep, args=(1000, parked), name='deep')
    t.daemon = True
    t.start()
    parked.acquire()
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    time.sleep(delay)
    os._exit(0)


main()
