"""Target for test/check_ident.c: spins in a function named by its
argument, so a test can tell two processes running this file apart from
their stacks alone. Prints READY first. Runs on 2.7 and 3.x.

usage: reuse.py before|after
"""
import sys


def before_reuse():
    n = 0
    while True:
        n += 1


def after_reuse():
    n = 0
    while True:
        n += 1


sys.stdout.write('READY\n')
sys.stdout.flush()
(after_reuse if sys.argv[1] == 'after' else before_reuse)()
