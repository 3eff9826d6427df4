/*
 * subprocs — `-s/--subprocesses`: find the target's descendant processes
 * and hand the Python ones to the sampler.
 *
 * Called from the consumer side every half second: scans /proc for the
 * processes whose parent chain leads to the root, attaches to each new one
 * (off the sampler's thread, so sampling never waits for ELF parsing) and
 * offers it to the sampler. A descendant that is not Python is tried a few
 * times (it may exec Python shortly) and then ignored quietly. Processes
 * are known by (pid, start time), so a reused PID is a new process.
 */
#ifndef PYTOP_SUBPROCS_H
#define PYTOP_SUBPROCS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/py_target.h"
#include "pytop/sampler.h"

#define PT_SUBPROCS_SCAN_NS 500000000ull

struct pt_subproc {
    pid_t pid;
    uint64_t start;        /* start time (clock ticks since boot) */
    int tries;             /* failed attach attempts */
    struct pt_target *t;   /* attached, owned here; NULL when ignored */
    bool handed;           /* given to the sampler */
};

struct pt_subprocs {
    pid_t root;
    struct pt_subproc *v;
    size_t n, cap;
    uint64_t next_scan_ns;
};

void pt_subprocs_init(struct pt_subprocs *sp, pid_t root);
/* Scan if due (now_ns), attach and hand over new Python descendants. */
void pt_subprocs_poll(struct pt_subprocs *sp, struct pt_sampler *s, uint64_t now_ns);
/* Processes attached so far (besides the root). */
size_t pt_subprocs_count(const struct pt_subprocs *sp);
/* Free the targets: only after the sampler has stopped. */
void pt_subprocs_free(struct pt_subprocs *sp);

/* Parse pid, ppid and start time from a /proc/PID/stat line. */
bool pt_subprocs_parse_stat(const char *stat, pid_t *pid, pid_t *ppid, uint64_t *start);

#endif
