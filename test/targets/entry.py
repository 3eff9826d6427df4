# Minimal target for the attach tests: one thread sleeping, READY printed.
import sys
import time
sys.stdout.write("READY\n")
sys.stdout.flush()
while True:
    time.sleep(1)
