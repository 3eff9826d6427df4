"""Target for test/check_codecache.c: code objects replaced at their own
address, over and over. driver() compiles a function, calls it from one of
two lines, drops it and compiles the other; the two are named even and
odd, and the new code object usually lands where the old one was freed.
A reader that kept naming a cached code object after its address was
reused would show odd under the even line, or even under the odd one.
Prints READY first. Runs on 2.7 and 3.x.
"""
import sys

SRC = ["def even(n):\n    x = 0\n    for i in range(n):\n        x += i\n    return x\n",
       "def odd(n):\n    x = 0\n    for i in range(n):\n        x += i\n    return x\n"]


def make(k):
    ns = {}
    exec(compile(SRC[k], "<churn%d>" % k, "exec"), ns)
    return ns["odd" if k else "even"]


def driver():
    k = 0
    while True:
        f = make(k)
        if k == 0:
            f(2000)  # EVEN
        else:
            f(2000)  # ODD
        del f
        k ^= 1


sys.stdout.write("READY\n")
sys.stdout.flush()
driver()
