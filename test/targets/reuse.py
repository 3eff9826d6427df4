"""Target for test/check_ident.c: spins in a function named by its
argument, so a test can tell two processes running this file apart from
their stacks alone. "after" also starts a second thread (after_reuse_worker,
asleep): a thread pytop never met, whose stat file it has to open anew.
Prints READY first. Runs on 2.7 and 3.x.

usage: reuse.py before|after
"""
import sys
import threading
import time


def before_reuse():
    n = 0
    while True:
        n += 1


def after_reuse():
    n = 0
    while True:
        n += 1


def after_reuse_worker():
    while True:
        time.sleep(1)


if sys.argv[1] == 'after':
    worker = threading.Thread(target=after_reuse_worker)
    worker.daemon = True
    worker.start()
sys.stdout.write('READY\n')
sys.stdout.flush()
(after_reuse if sys.argv[1] == 'after' else before_reuse)()
