"""Target for the viewer's end-to-end tests (test/check_viewer.c).

A known call graph: <module> -> main -> handle -> query takes most of the
CPU, and handle -> 計算 -> query the rest (a wide-character name, and a
second caller of query). A thread named "sleeper" sleeps (an idle thread).
Prints READY once running. With an argument, exits when that file
appears; it also exits if its parent goes away, so a failed test never
leaves it behind.
"""
import os
import sys
import threading
import time


def query(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def 計算(n):
    return query(n)


def handle():
    query(30000)
    計算(10000)


def sleeper(parent):
    while True:
        time.sleep(0.2)
        if os.getppid() != parent:
            os._exit(0)


def main(stop):
    while True:
        for _ in range(10):
            handle()
        if stop and os.path.exists(stop):
            return


threading.Thread(target=sleeper, args=(os.getppid(),), name="sleeper", daemon=True).start()
print("READY", flush=True)
main(sys.argv[1] if len(sys.argv) > 1 else None)
