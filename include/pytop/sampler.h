/*
 * sampler — the background thread that samples a target continuously.
 *
 * Every 1/rate seconds, on absolute deadlines, it walks every thread of
 * the target (py_stack), turns each stack into interned frame ids and
 * pushes one sample per thread into the ring. It never waits for the
 * consumer: a full ring drops the newest sample (counted by the ring). A
 * tick it could not make in time is skipped and counted as late, never
 * made up by sampling back-to-back.
 *
 * Consistency: in blocking mode each Python thread is paused with ptrace
 * (PTRACE_SEIZE + PTRACE_INTERRUPT around its own walk only, PTRACE_DETACH after) and
 * resumed right after; in non-blocking mode stacks are read live and a
 * stack whose top changed while it was read is counted invalid, never
 * passed off as good. Auto picks blocking for <= 3.10 and non-blocking for
 * 3.11+, where reads of the contiguous frame stack were measured mostly
 * consistent (under test/check_chaos.c about 1% come out invalid).
 *
 * Several processes can be sampled by one thread (--subprocesses): the
 * consumer attaches a descendant and hands the target over; the sampler
 * adopts it at its next tick. It stops when every process is gone:
 * exited, or its PID now names another process (proc_ident: checked
 * after a failed walk and confirmed at least every 10 ms, by the tick's
 * own stat reads of its threads where they can vouch for it (tidcache.h),
 * else by a poll of its pidfd; a process found replaced is never read
 * again).
 *
 * Statistics are atomics any thread may read at any time. Stopping (from
 * any exit path) resumes and detaches every paused thread.
 */
#ifndef PYTOP_SAMPLER_H
#define PYTOP_SAMPLER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pytop/error.h"
#include "pytop/intern.h"
#include "pytop/py_target.h"
#include "pytop/ring.h"

enum pt_consistency { PT_CONS_AUTO, PT_CONS_BLOCKING, PT_CONS_NONBLOCKING };

/* Error kinds counted per sample. */
enum pt_serr {
    PT_SERR_READ,    /* a read of the target's memory failed */
    PT_SERR_INVALID, /* what was read did not hold together (torn, changed, unreadable frame) */
    PT_SERR_GONE,    /* the target or the thread exited */
    PT_SERR_COUNT
};

/* Work histogram: 0.1-us buckets (a tick costs a few microseconds; whole
 * microseconds would hide a 20% change) up to PT_WORK_LINEAR buckets, then
 * PT_WORK_SUB buckets per doubling (within 3%: ticks of many threads or
 * ptrace pauses cost hundreds of microseconds, and a median rounded to a
 * power of two would hide how they grow). */
#define PT_WORK_BUCKET_NS 100
#define PT_WORK_LINEAR 2048
#define PT_WORK_SUB 16
#define PT_WORK_OCTAVES 24
#define PT_WORK_BUCKETS (PT_WORK_LINEAR + PT_WORK_SUB * PT_WORK_OCTAVES)

struct pt_sampler_stats {
    _Atomic uint64_t ticks;       /* ticks sampled */
    _Atomic uint64_t late;        /* ticks skipped because the deadline had passed */
    _Atomic uint64_t samples;     /* thread samples pushed (or offered: the ring counts drops) */
    _Atomic uint64_t errors[PT_SERR_COUNT];
    _Atomic uint64_t gil_ticks;   /* ticks in which some thread held the GIL */
    _Atomic uint32_t threads_total, threads_active; /* at the newest tick */
    _Atomic uint64_t start_ns, last_ns;             /* CLOCK_MONOTONIC of first/newest tick */
    _Atomic uint64_t work_min_ns, work_max_ns;      /* per tick: read + decode + idle check */
    _Atomic uint32_t work_hist[PT_WORK_BUCKETS];
    _Atomic bool gone;            /* the target exited; the sampler has stopped */
};

struct pt_sampler_opts {
    double rate_hz;
    enum pt_consistency mode;
    bool idle;     /* also sample idle threads */
    bool gil_only; /* only the GIL holder */
};

struct pt_sampler;

/* Processes one sampler can follow (the target and its descendants). */
#define PT_SAMPLER_MAX_TARGETS 256

/* Start sampling t into ring, interning into in. t, ring and in must
 * outlive the sampler. */
enum pt_err pt_sampler_start(struct pt_sampler **out, struct pt_target *t, struct pt_ring *ring,
                             struct pt_intern *in, const struct pt_sampler_opts *opts,
                             struct pt_sb *why);
/* Stop, resume and detach everything, join the thread, free. When final
 * is not NULL it receives the statistics as they stood at the end. */
void pt_sampler_stop(struct pt_sampler *s, struct pt_sampler_stats *final);

const struct pt_sampler_stats *pt_sampler_stats(const struct pt_sampler *s);
/* Zero the counters (R): the sampler keeps running. */
void pt_sampler_reset_stats(struct pt_sampler *s);
/* Sample another process too (a descendant, --subprocesses). t must stay
 * valid until pt_sampler_stop. False when the hand-over slot is busy
 * (the sampler takes one per tick: try again later) or all are in use. */
bool pt_sampler_add_target(struct pt_sampler *s, struct pt_target *t);
/* Processes still being sampled. */
size_t pt_sampler_targets(const struct pt_sampler *s);

/* Change what is sampled while running. */
void pt_sampler_set_idle(struct pt_sampler *s, bool idle);
void pt_sampler_set_gil_only(struct pt_sampler *s, bool gil_only);
/* The mode in force ("blocking"/"non-blocking") and whether auto chose it. */
bool pt_sampler_blocking(const struct pt_sampler *s);
bool pt_sampler_auto(const struct pt_sampler *s);

/* Count one tick's work (the sampler does, after every tick). */
void pt_sampler_record_work(struct pt_sampler_stats *st, uint64_t ns);
/* Work per tick from the histogram, in microseconds. */
void pt_sampler_work_us(const struct pt_sampler_stats *st, double *min, double *median, double *max);
/* Ticks per second actually achieved. */
double pt_sampler_rate(const struct pt_sampler_stats *st);

#endif
