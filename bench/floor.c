/*
 * floor — the unavoidable work of one sample, and nothing else.
 *
 * Every 1/rate seconds, on absolute deadlines (clock_nanosleep
 * TIMER_ABSTIME), it does what any out-of-process sampler must do at the
 * very least for one thread: one process_vm_readv of BYTES bytes (the span
 * a thread's frames occupy) from the target, and one pread of that
 * thread's /proc/PID/task/TID/stat through a descriptor kept open. With
 * -A it preads the stat file of every task of the target (an idle check
 * per thread), still with one readv. Missed deadlines are skipped and
 * counted as late, as pytop's sampler does.
 *
 * It prints one line of key=value pairs:
 *   floor rate=HZ secs=S samples=N late=L bytes=B tasks=T
 *         work_us=MIN/MEDIAN/MAX readv_us=MEDIAN pread_us=MEDIAN cpu_us_per_sample=C
 * work is the read + pread(s) part, timed with CLOCK_MONOTONIC; cpu is
 * the whole process's user+system time (getrusage) over the sampling
 * loop divided by the samples taken.
 *
 *   usage: floor [-r HZ] [-t SECS] [-n BYTES] [-a HEXADDR] [-A] [-s SLACK_NS] PID
 *
 * -s sets the thread's timer slack (prctl PR_SET_TIMERSLACK; the kernel's
 * default is 50 us, which delays every wake-up by up to that much and so
 * caps the rate that can be sustained without late ticks).
 *
 * Without -a the bytes are read at the start of the target's [heap] (or
 * its first private writable mapping): memory that is always resident.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000ull
#define MAX_TASKS 4096

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * NS_PER_S +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double median_us(uint32_t *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_u32);
    return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + (double)v[n / 2]) / 2) / 1000.0;
}

/* A resident address in the target: [heap], else the first rw-p mapping. */
static uint64_t pick_addr(pid_t pid, size_t bytes)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    uint64_t first = 0, heap = 0;
    while (fgets(line, sizeof line, f)) {
        uint64_t lo, hi;
        char perms[8];
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &lo, &hi, perms) != 3)
            continue;
        if (perms[0] != 'r' || perms[1] != 'w' || hi - lo < bytes)
            continue;
        if (strstr(line, "[heap]"))
            heap = lo;
        else if (!first && !strchr(line, '/') && !strstr(line, "["))
            first = lo;
    }
    fclose(f);
    return heap ? heap : first;
}

static int open_stats(pid_t pid, int all, int *fds)
{
    char path[320];
    int n = 0;
    if (!all) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)pid);
        fds[0] = open(path, O_RDONLY | O_CLOEXEC);
        return fds[0] < 0 ? 0 : 1;
    }
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_TASKS) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            fds[n++] = fd;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    double rate = 100, secs = 2;
    size_t bytes = 3072;
    uint64_t addr = 0;
    int all = 0, c;
    long slack = -1;
    while ((c = getopt(argc, argv, "r:t:n:a:As:")) != -1) {
        switch (c) {
        case 'r': rate = atof(optarg); break;
        case 't': secs = atof(optarg); break;
        case 'n': bytes = (size_t)strtoul(optarg, NULL, 0); break;
        case 'a': addr = strtoull(optarg, NULL, 16); break;
        case 'A': all = 1; break;
        case 's': slack = atol(optarg); break;
        default:
            fprintf(stderr, "usage: floor [-r HZ] [-t SECS] [-n BYTES] [-a HEXADDR] [-A] [-s SLACK_NS] PID\n");
            return 2;
        }
    }
    if (optind != argc - 1 || rate <= 0 || secs <= 0 || bytes == 0) {
        fprintf(stderr, "usage: floor [-r HZ] [-t SECS] [-n BYTES] [-a HEXADDR] [-A] [-s SLACK_NS] PID\n");
        return 2;
    }
    if (slack > 0 && prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0) != 0)
        perror("floor: PR_SET_TIMERSLACK");
    pid_t pid = (pid_t)atoi(argv[optind]);
    if (!addr)
        addr = pick_addr(pid, bytes);
    static int fds[MAX_TASKS];
    int nfds = open_stats(pid, all, fds);
    if (!addr || !nfds) {
        fprintf(stderr, "floor: cannot read process %d\n", (int)pid);
        return 3;
    }
    char *buf = malloc(bytes), statbuf[1024];
    size_t cap = (size_t)(rate * secs) + 16;
    uint32_t *work = malloc(cap * sizeof *work), *rv = malloc(cap * sizeof *rv),
             *pr = malloc(cap * sizeof *pr);
    if (!buf || !work || !rv || !pr)
        return 1;
    memset(buf, 0, bytes);
    uint64_t period = (uint64_t)(NS_PER_S / rate);
    if (!period)
        period = 1;
    uint64_t start = now_ns(), end = start + (uint64_t)(secs * NS_PER_S), next = start;
    uint64_t cpu0 = cpu_ns(), late = 0, errors = 0;
    size_t n = 0;
    while (n < cap) {
        if (next >= end)
            break;
        struct timespec ts = {(time_t)(next / NS_PER_S), (long)(next % NS_PER_S)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        uint64_t t0 = now_ns();
        struct iovec local = {buf, bytes}, remote = {(void *)(uintptr_t)addr, bytes};
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)bytes)
            errors++;
        uint64_t t1 = now_ns();
        for (int i = 0; i < nfds; i++)
            if (pread(fds[i], statbuf, sizeof statbuf, 0) <= 0)
                errors++;
        uint64_t t2 = now_ns();
        work[n] = (uint32_t)(t2 - t0);
        rv[n] = (uint32_t)(t1 - t0);
        pr[n] = (uint32_t)((t2 - t1) / (uint64_t)nfds);
        n++;
        next += period;
        /* the same rule as pytop's sampler: a deadline already passed when
         * a sample ends is skipped and counted, never sampled back to back */
        uint64_t now = now_ns();
        if (now >= next) {
            uint64_t missed = (now - next) / period + 1;
            late += missed;
            next += missed * period;
        }
    }
    uint64_t cpu = cpu_ns() - cpu0;
    double wall = (double)(now_ns() - start) / 1e9;
    uint32_t wmin = UINT32_MAX, wmax = 0;
    for (size_t i = 0; i < n; i++) {
        if (work[i] < wmin)
            wmin = work[i];
        if (work[i] > wmax)
            wmax = work[i];
    }
    double wmed = median_us(work, n), rmed = median_us(rv, n), pmed = median_us(pr, n);
    printf("floor rate=%g secs=%.3f samples=%zu late=%" PRIu64 " errors=%" PRIu64
           " slack_ns=%d bytes=%zu tasks=%d addr=0x%" PRIx64 " work_us=%.2f/%.2f/%.2f readv_us=%.2f"
           " pread_us=%.2f cpu_us_per_sample=%.2f\n",
           rate, wall, n, late, errors, prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), bytes, nfds, addr, n ? wmin / 1000.0 : 0, wmed,
           wmax / 1000.0, rmed, pmed, n ? (double)cpu / 1000.0 / (double)n : 0);
    return errors ? 4 : 0;
}
