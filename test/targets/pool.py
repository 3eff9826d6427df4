# --subprocesses target: a multiprocessing.Pool whose workers burn CPU in
# pool_worker_burn(); the parent only waits. Runs on 2.7 and 3.x.
import multiprocessing
import sys
import time


def pool_worker_burn(seconds):
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1
    return n


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    pool = multiprocessing.Pool(2)
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    pool.map(pool_worker_burn, [seconds, seconds])
    pool.close()
    pool.join()
