# Sampler target: the main thread burns CPU in hot(), a second thread
# sleeps in cold(). Runs on 2.7 and 3.x. Prints READY when both run.
import sys
import threading
import time


def cold():
    while True:
        time.sleep(3600)


def hot():
    n = 0
    while True:
        n += 1


t = threading.Thread(target=cold)
t.daemon = True
t.start()
sys.stdout.write("READY\n")
sys.stdout.flush()
hot()
