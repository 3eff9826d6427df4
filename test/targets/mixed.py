"""--subprocesses target across versions: runs test/targets/churn.py under
the interpreter named in argv[1] for argv[2] seconds, and only waits.
Runs on 2.7 and 3.x."""
import os
import subprocess
import sys
import time

churn = os.path.join(os.path.dirname(os.path.abspath(__file__)), "churn.py")
child = subprocess.Popen([sys.argv[1], churn], stdout=subprocess.PIPE)
child.stdout.readline()  # READY
time.sleep(float(sys.argv[2]))
child.kill()
child.wait()
