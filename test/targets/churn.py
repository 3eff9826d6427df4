"""Target for test/check_torn.c: a main thread that calls and returns
faster than a live read of its stack takes (a few short calls per
microsecond), so non-blocking reads of it keep seeing the top move.
Prints READY, then churns until killed."""
import sys


def leaf(i):
    return i + 1


def middle(i):
    return sum(leaf(j) for j in range(i % 4))


def churn():
    i = 0
    while True:
        i = middle(i) + leaf(i)


sys.stdout.write("READY\n")
sys.stdout.flush()
churn()
