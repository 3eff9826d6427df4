# -*- coding: utf-8 -*-
"""Target for test/check_threadnames.c: threads with known threading names.

Runs unchanged on CPython 2.7 and 3.6+. Each thread parks in its own
function park_<what>(); the test finds each thread's header by the leaf
frame below it and expects the name listed in check_threadnames.c. The
instances differ in where CPython keeps their attributes: a plain Thread,
a subclass with its own attributes, one with many attributes (its __dict__
leaves the shared-keys layout), one whose __dict__ has been materialised,
one with a deleted attribute, a renamed one, a _DummyThread, and a thread threading does not know.
"""
import os
import sys
import threading
import time

try:
    import _thread as thread_mod
except ImportError:  # 2.7
    import thread as thread_mod

PY3 = sys.version_info[0] >= 3
ARRIVED = threading.Semaphore(0)


def sleep():
    ARRIVED.release()
    time.sleep(3600)


def park_plain():
    sleep()


def park_unicode():
    sleep()


def park_subclass():
    sleep()


def park_many():
    sleep()


def park_dict():
    sleep()


def park_deleted():
    sleep()


def park_renamed():
    sleep()


def park_unnamed():
    sleep()


def park_dummy():
    threading.current_thread()  # registers a _DummyThread
    sleep()


def park_raw():
    sleep()


def park_main():
    parent = os.getppid()
    while os.getppid() == parent:  # the test is gone: do not linger
        time.sleep(0.5)


class Sub(threading.Thread):
    def __init__(self, **kw):
        self.extra_first = 1  # before Thread.__init__: another key order
        threading.Thread.__init__(self, **kw)
        self.extra_last = 2


class Many(threading.Thread):
    def __init__(self, **kw):
        threading.Thread.__init__(self, **kw)
        for i in range(40):  # more than a shared-keys table holds
            setattr(self, 'attr_%d' % i, i)


def start(t):
    t.daemon = True
    t.start()
    return t


def main():
    # 2.7: a UTF-8 byte string, printed as is
    wide = 'wörker-名' if PY3 else 'wörker-名'
    start(threading.Thread(target=park_plain, name='plain'))
    start(threading.Thread(target=park_unicode, name=wide))
    start(Sub(target=park_subclass, name='subclass'))
    start(Many(target=park_many, name='many-attrs'))
    d = start(threading.Thread(target=park_dict, name='dict'))
    d.__dict__['touched'] = True
    x = threading.Thread(target=park_deleted, name='deleted')
    x.scratch = 1
    del x.scratch  # <= 3.10: a deletion turns a split __dict__ combined
    start(x)
    r = start(threading.Thread(target=park_renamed, name='before'))
    r.name = 'after'
    start(threading.Thread(target=park_unnamed))
    thread_mod.start_new_thread(park_dummy, ())
    thread_mod.start_new_thread(park_raw, ())
    for _ in range(10):
        ARRIVED.acquire()
    sys.stdout.write('READY\n')
    sys.stdout.flush()
    park_main()


if __name__ == '__main__':
    main()
