"""Target for test/check_batch.c: prints READY, burns CPU in
exit_soon_burn() for DELAY seconds (default 1), then returns and the
interpreter exits normally (status 0). Runs on 2.7 and 3.x.

usage: batch_exit.py [DELAY]
"""
import sys
import time

now = getattr(time, 'monotonic', time.time)


def exit_soon_burn(delay):
    end = now() + delay
    while now() < end:  # @exit-burn
        pass


sys.stdout.write('READY\n')
sys.stdout.flush()
exit_soon_burn(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
