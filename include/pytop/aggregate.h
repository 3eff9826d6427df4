/*
 * aggregate — samples in, the numbers every view shows out.
 *
 * The consumer side of the ring. Each sample adds, per key, one to "own"
 * for its leaf and one to "total" for every distinct key on its stack
 * (recursion counts once per sample), plus its real-time weight in
 * seconds. Keys are functions (name + file + first line) and, kept side
 * by side so a view can switch instantly, lines (name + file + line).
 * Counts are kept per thread and per sample class (idle?, GIL?) so a
 * view can restrict to one thread, include idle samples or only the GIL
 * holder without re-sampling. Caller->callee edges and the call tree are
 * kept as well, for drill-down, collapsed stacks and flame graphs.
 *
 * Time is cut into buckets by pt_agg_close_bucket (one per refresh); a
 * view's window is the newest bucket, the last N seconds of buckets, or
 * everything since the start/reset. Cumulative seconds (OwnTime,
 * TotalTime) always run since the start/reset.
 *
 * Single-threaded: only the consumer thread calls these. Reads the intern
 * tables (lock-free) for names.
 */
#ifndef PYTOP_AGGREGATE_H
#define PYTOP_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"
#include "pytop/intern.h"
#include "pytop/sample.h"

enum pt_keymode { PT_KEY_FUNCTION, PT_KEY_LINE };

enum pt_sortcol { PT_SORT_OWN, PT_SORT_TOTAL, PT_SORT_OWNTIME, PT_SORT_TOTALTIME, PT_SORT_NAME,
                  PT_SORT_COUNT };

#define PT_WINDOW_LAST 0.0   /* the newest closed bucket (last refresh interval) */
#define PT_WINDOW_ALL (-1.0) /* since start or the last reset */

/* What one view asks for. Everything a header line or a dump must state. */
struct pt_view {
    enum pt_keymode mode;
    bool idle;            /* include samples of idle threads */
    bool gil_only;        /* only samples whose thread held the GIL */
    uint32_t tid;         /* 0: all threads */
    const char *filter;   /* NULL or "": none; case-insensitive substring of name or file */
    enum pt_sortcol sort;
    bool reverse;         /* ascending instead of the column's natural order */
    double window_s;      /* PT_WINDOW_LAST, PT_WINDOW_ALL, or seconds */
};

struct pt_row {
    uint32_t name, file;  /* string ids */
    int32_t line;         /* function mode: the function's first line; line mode: the line */
    uint64_t own, total;  /* sample counts in the window */
    double pct_own, pct_total; /* shares of the window's samples, 0..100 */
    double own_s, total_s;     /* cumulative seconds since start/reset */
};

struct pt_table {
    struct pt_row *rows;
    size_t n, cap;
    uint64_t window_samples; /* samples counted in the window (after view filters, before the text filter) */
    double window_span_s;    /* real time the window covers */
};

struct pt_agg;

enum pt_err pt_agg_new(const struct pt_intern *in, struct pt_agg **out);
void pt_agg_free(struct pt_agg *a);

/* Add one sample to the open bucket. */
enum pt_err pt_agg_add(struct pt_agg *a, const struct pt_sample *s);
/* Close the open bucket at time now_ns (CLOCK_MONOTONIC) and open the next. */
void pt_agg_close_bucket(struct pt_agg *a, uint64_t now_ns);
/* Forget everything (counts, times, edges, tree); R in the viewer. */
void pt_agg_reset(struct pt_agg *a);

/* The rows of a view, sorted (ties broken by name, then file, then line, so
 * rows never jump). t is reused between calls; pt_table_free releases it. */
enum pt_err pt_agg_table(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t);
void pt_table_free(struct pt_table *t);

/* Threads seen (for a thread picker): tid, samples in the view's window
 * (ignoring v->tid), and whether the newest sample was idle. */
struct pt_thread_share {
    uint32_t tid;
    uint64_t samples;
    bool idle;
};
enum pt_err pt_agg_threads(const struct pt_agg *a, const struct pt_view *v,
                           struct pt_thread_share **out, size_t *n);

/* Folded stacks of the view's samples ("root;...;leaf COUNT" lines, names
 * as "name (file:line)"), for --collapsed and flame graphs: calls fn once
 * per distinct stack, root first. Respects v's thread, idle, gil and
 * window; the filter keeps stacks that contain a matching frame. */
typedef enum pt_err (*pt_stack_fn)(void *arg, const uint32_t *keys, size_t depth, uint64_t count);
enum pt_err pt_agg_stacks(const struct pt_agg *a, const struct pt_view *v, pt_stack_fn fn, void *arg);

/* The display name of a key in a view's mode: "name (file:line)". */
void pt_agg_key_text(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, char *buf, size_t cap);

#endif
