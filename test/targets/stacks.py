# -*- coding: utf-8 -*-
"""Target for test/check_live.c: threads parked in known, stable places.

Runs unchanged on CPython 2.7 and 3.6+. Every line the test expects in a
stack carries a trailing "# @marker" comment: the test finds line numbers
by marker at run time, so this file can be edited freely. Each thread calls
arrive() just before it parks; the main thread prints READY once all have
arrived, then spins on one line forever, holding the GIL.
3.x-only syntax (async def, non-ASCII identifiers) lives in modules that
are imported only on 3.x, so that 2.7 can still parse this file.
"""
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, 'ünï'))
PY3 = sys.version_info[0] >= 3
DEPTH = 1200  # check_live.c expects this many recursive frames
sys.setrecursionlimit(5000)

ARRIVED = threading.Semaphore(0)


def arrive():
    ARRIVED.release()


class Spinner(object):
    def spin(self):
        n = 0
        while True: n += 1  # @spin


def spin_mid():
    Spinner().spin()  # @spin-mid


def sleeper_leaf():
    arrive()
    time.sleep(3600)  # @sleeper-leaf


def sleeper_mid():
    sleeper_leaf()  # @sleeper-mid


def deep(n):
    if n > 0:
        return deep(n - 1)  # @deep-call
    arrive()
    time.sleep(3600)  # @deep-leaf


def deep_entry():
    deep(DEPTH)  # @deep-entry


def gen_body():
    yield 1
    arrive()
    time.sleep(3600)  # @gen-sleep
    yield 2


def gen_consumer():
    for _ in gen_body():  # @gen-consume
        pass


def c_callback(x):
    arrive()
    time.sleep(3600)  # @c-callback
    return x


def c_caller():
    # sorted() is C: the key function is called back from C, not Python.
    return sorted([3, 1, 2], key=c_callback)  # @c-caller


def unicode_entry():
    if PY3:
        # "import 名前" would not parse on 2.7.
        mod = __import__(u'名前')
    else:
        import py2 as mod
    mod.entry(arrive)  # @unicode-entry


def coroutine_entry():
    import stacks3
    stacks3.driver(arrive)  # @coroutine-entry


def start(name, target):
    t = threading.Thread(target=target, name=name)
    t.daemon = True
    t.start()


def main():
    threads = [('sleeper', sleeper_mid), ('deep', deep_entry),
               ('generator', gen_consumer), ('c-callback', c_caller),
               ('unicode', unicode_entry)]
    if PY3:
        threads.append(('coroutine', coroutine_entry))
    for name, target in threads:
        start(name, target)
    for _ in threads:
        ARRIVED.acquire()
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    spin_mid()  # @main-spin


if __name__ == '__main__':
    main()  # @module
