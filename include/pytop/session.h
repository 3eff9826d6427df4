/*
 * session — one profiling run: the target (attached, or launched and then
 * attached), the ring, the intern tables, the sampler thread and the
 * aggregate, set up and torn down together. Batch mode and the viewer
 * both drive a session; neither knows how sampling works inside.
 *
 * Closing the session (on every exit path) stops the sampler, which
 * resumes and detaches any paused thread, and ends a launched child.
 */
#ifndef PYTOP_SESSION_H
#define PYTOP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pytop/aggregate.h"
#include "pytop/cli.h"
#include "pytop/intern.h"
#include "pytop/py_target.h"
#include "pytop/report.h"
#include "pytop/ring.h"
#include "pytop/sampler.h"
#include "pytop/subprocs.h"
#include "pytop/util.h"

struct pt_session {
    struct pt_target target;
    bool attached;
    struct pt_ring ring;
    struct pt_intern *intern;
    struct pt_sampler *sampler;
    struct pt_agg *agg;
    pid_t child;            /* launched with -- COMMAND, else 0 */
    bool follow;            /* --subprocesses */
    struct pt_subprocs subprocs;
    struct pt_sb cmdline;
    char python[4200];      /* "3.12.1 (/path/libpython3.12.so.1.0)" */
    bool exited;            /* the target has gone */
    struct pt_sampler_stats final; /* the sampler's counters once it stopped */
    uint32_t *words;        /* scratch for one ring record */
    struct pt_tidpid *owner; /* which process each sampled thread belongs to */
    size_t nowner, owner_cap;
    uint64_t drain_ns;      /* how long the ring can wait for the next drain */
};

struct pt_tidpid {
    uint32_t tid, pid;
};

/* Attach to o->pid, or launch o->command and attach to it once its
 * interpreter is up; then start sampling. */
enum pt_err pt_session_open(struct pt_session *s, const struct pt_options *o, struct pt_sb *why);

/* Move everything the sampler has produced into the aggregate; with
 * --subprocesses, look for new descendants. Notices the end (every
 * sampled process gone: the sampler is stopped and s->exited is set). */
void pt_session_drain(struct pt_session *s);
/* How long the caller may sleep before the next drain: each wake-up costs
 * about as much CPU as a sample, so the interval adapts to the traffic,
 * between 10 and 250 ms, keeping what piles up between drains under an
 * eighth of the ring (the rest absorbs a slow refresh). */
uint64_t pt_session_drain_interval_ns(const struct pt_session *s);

/* Fill the header facts for a report. mode_buf holds the mode text. */
void pt_session_header(const struct pt_session *s, const struct pt_options *o,
                       struct pt_report_header *h, char *mode_buf, size_t cap);

/* Per-process shares of the view's window ("4242 61.0%, 4250 39.0%",
 * largest first), for --subprocesses. */
void pt_session_split(const struct pt_session *s, const struct pt_view *v, struct pt_sb *out);

/* The view the command-line options ask for. */
void pt_session_view(const struct pt_options *o, struct pt_view *v);

void pt_session_close(struct pt_session *s);

#endif
