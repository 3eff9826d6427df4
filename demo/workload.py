"""A small workload for `make demo`: a few threads doing recognisable things.

Runs on Python 2.7 and 3.x. Prints READY once every thread is started.
"""
import sys
import threading
import time


def parse_record(line):
    fields = line.split(",")
    return sum(len(f) for f in fields)


def load_batch(n):
    total = 0
    for i in range(n):
        total += parse_record("id%d,name%d,value%d,%d" % (i, i, i * 7, i % 13))
    return total


def checksum(data):
    h = 0
    for ch in data:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return h


class Worker(object):
    def __init__(self, name):
        self.name = name

    def handle_request(self):
        text = "payload-" * 200
        return checksum(text) + load_batch(50)

    def serve(self):
        while True:
            self.handle_request()
            time.sleep(0.001)


def wait_for_jobs():
    while True:
        time.sleep(0.5)


def main():
    for i in range(2):
        w = Worker("worker-%d" % (i + 1))
        t = threading.Thread(target=w.serve, name=w.name)
        t.daemon = True
        t.start()
    idle = threading.Thread(target=wait_for_jobs, name="job-queue")
    idle.daemon = True
    idle.start()
    sys.stdout.write("READY %d\n" % threading.current_thread().ident)
    sys.stdout.flush()
    while True:
        load_batch(2000)


if __name__ == "__main__":
    main()
