"""Target for test/check_batch.c's launch tests, started by pytop itself
(pytop -- PYTHON batch_launch.py PIDFILE WORD). Writes its pid to PIDFILE,
prints "launched WORD" on stdout, burns CPU in launch_start() for the
first second, then in launch_steady() forever (until pytop ends it).
Runs on 2.7 and 3.x.
"""
import os
import sys
import time

now = getattr(time, 'monotonic', time.time)


def launch_start():
    end = now() + 1.0
    while now() < end:  # @launch-start
        pass


def launch_steady():
    while True:  # @launch-steady
        pass


f = open(sys.argv[1] + '.tmp', 'w')
f.write('%d\n' % os.getpid())
f.close()
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
sys.stdout.write('launched %s\n' % sys.argv[2])
sys.stdout.flush()
launch_start()
launch_steady()
