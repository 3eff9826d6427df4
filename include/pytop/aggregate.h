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
 * holder without re-sampling. Caller->callee edges (once per sample per
 * distinct edge) and the call tree (distinct stacks with counts) serve
 * drill-down, collapsed stacks and flame graphs.
 *
 * Time is cut into buckets by pt_agg_close_bucket (one per refresh):
 * pt_agg_add only records the sample's stack in the open bucket (O(the
 * frames that changed since the thread's previous sample), never O(keys));
 * closing keeps the bucket's distinct stacks and folds them into the
 * since-start stacks. Every other count (keys, edges, threads) is derived
 * from stack counts when a view asks. So a sample becomes visible to views
 * when its bucket is closed, and every number a view shows comes from
 * closed buckets.
 *
 * A view's window is the newest closed bucket (PT_WINDOW_LAST), the
 * buckets that ended within the last N seconds before the newest close,
 * or everything since the start/reset (PT_WINDOW_ALL, kept cumulatively,
 * not as buckets). Buckets older than the retention (default 60 s) are
 * dropped; a longer window is clamped to what is kept and says so through
 * window_span_s. Cumulative seconds (OwnTime, TotalTime) always run since
 * the start/reset, whatever the window, filtered by thread and class.
 *
 * Memory is bounded by distinct stacks, not by samples or time. The
 * since-start stacks are capped (pt_agg_set_stack_cap, default 131072
 * distinct stacks): past the cap, a close prunes the since-start stacks
 * with the fewest samples that no kept bucket uses, down to a quarter of
 * the cap. Every number of a table and of a drill's function row stays
 * exact (what pruned stacks contributed to each key is kept per key); only
 * their shape is lost: their samples appear as a "(pruned)" frame below
 * the deepest caller kept (stacks, flame graphs), and as "(pruned)" links
 * of a drill whose window is everything since the start.
 *
 * Percentages are shares of window_samples: the samples in the window of
 * the view's thread(s) and classes, including samples with no Python
 * frame. So %Own sums to at most 100 however many threads run. The text
 * filter hides rows (or drill links); it never changes a number.
 *
 * Single-threaded: only the consumer thread calls these. Reads the intern
 * tables (lock-free) for names. Errors are values; after any error the
 * aggregate is still consistent (the sample or bucket concerned is lost).
 */
#ifndef PYTOP_AGGREGATE_H
#define PYTOP_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"
#include "pytop/intern.h"
#include "pytop/sample.h"

enum pt_keymode { PT_KEY_FUNCTION, PT_KEY_LINE, PT_KEY_COUNT };

enum pt_sortcol { PT_SORT_OWN, PT_SORT_TOTAL, PT_SORT_OWNTIME, PT_SORT_TOTALTIME, PT_SORT_NAME,
                  PT_SORT_COUNT };

#define PT_WINDOW_LAST 0.0   /* the newest closed bucket (last refresh interval) */
#define PT_WINDOW_ALL (-1.0) /* since start or the last reset (any negative value) */
#define PT_RETENTION_DEFAULT_S 60.0
#define PT_AGG_PRUNED_TEXT "(pruned)" /* the frame and drill link of pruned stacks */

/* What one view asks for. Everything a header line or a dump must state. */
struct pt_view {
    enum pt_keymode mode;
    bool idle;            /* include samples of idle threads */
    bool gil_only;        /* only samples whose thread held the GIL */
    uint32_t tid;         /* 0: all threads */
    const char *filter;   /* NULL or "": none; ASCII-case-insensitive substring of name or file */
    enum pt_sortcol sort;
    bool reverse;         /* the column's opposite order; ties stay name, file, line ascending */
    double window_s;      /* PT_WINDOW_LAST, PT_WINDOW_ALL, or seconds */
};

struct pt_row {
    uint32_t key;         /* key id in the view's mode (for drill, stacks, key_text) */
    uint32_t name, file;  /* string ids */
    int32_t line;         /* function mode: the function's first line; line mode: the line */
    uint64_t own, total;  /* sample counts in the window */
    double pct_own, pct_total; /* shares of the window's samples, 0..100 */
    double own_s, total_s;     /* cumulative seconds since start/reset */
};

struct pt_table_scratch; /* private buffers reused between calls */

/* Start zeroed ({0}); pt_agg_table fills it, pt_table_free releases it. */
struct pt_table {
    struct pt_row *rows;
    size_t n, cap;
    uint64_t window_samples; /* samples counted in the window (after view filters, before the text filter) */
    double window_span_s;    /* real time the window covers */
    struct pt_table_scratch *scratch;
};

struct pt_agg;

enum pt_err pt_agg_new(const struct pt_intern *in, struct pt_agg **out);
void pt_agg_free(struct pt_agg *a);

/* Add one sample to the open bucket. PT_EINVAL if a frame id is not in
 * the intern table; PT_ENOMEM. Either way the sample is not counted. */
enum pt_err pt_agg_add(struct pt_agg *a, const struct pt_sample *s);
/* Close the open bucket at time now_ns (CLOCK_MONOTONIC) and open the
 * next. The first bucket starts at its first sample's interval (t_ns -
 * weight_us), later ones at the previous close. Drops buckets that ended
 * a retention or more before now_ns (the newest is always kept). On
 * PT_ENOMEM the open bucket's samples are lost, nothing else changes. */
enum pt_err pt_agg_close_bucket(struct pt_agg *a, uint64_t now_ns);
/* Forget everything counted (counts, times, edges, tree, threads seen,
 * the open bucket); R in the viewer. Key ids stay valid. */
void pt_agg_reset(struct pt_agg *a);
/* Keep buckets for this many seconds (the longest window any view uses). */
void pt_agg_set_retention(struct pt_agg *a, double seconds);
/* Prune the since-start stacks when more than this many distinct stacks
 * are known (at least 16). */
void pt_agg_set_stack_cap(struct pt_agg *a, uint32_t stacks);
/* Distinct stacks pruned so far (0: every since-start stack is exact). */
uint64_t pt_agg_pruned_stacks(const struct pt_agg *a);
/* The key modes views may use, a bit per enum pt_keymode (default: all).
 * Each mode's keys cost memory per distinct function or line, so batch
 * mode prepares only the one it prints. Before the first close this
 * chooses freely; afterwards it can only add modes, each prepared at once
 * (every stack seen so far gets its keys; PT_ENOMEM leaves it off).
 * Pruning prepares every mode. Views in a mode not prepared: PT_EINVAL. */
enum pt_err pt_agg_set_modes(struct pt_agg *a, unsigned modes);

/* The rows of a view: keys with samples in the window that pass the text
 * filter, sorted (ties broken by name, then file, then line, so rows never
 * jump). t is reused between calls; pt_table_free releases it.
 * PT_EINVAL for a mode not prepared or a sort column out of range. */
enum pt_err pt_agg_table(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t);
void pt_table_free(struct pt_table *t);

/* Threads seen since start/reset (for a thread picker), by tid: samples in
 * the view's window and classes (ignoring v->tid), and whether the
 * thread's newest sample was idle. *out is malloc'd (free() it); NULL when
 * *n is 0. */
struct pt_thread_share {
    uint32_t tid;
    uint64_t samples;
    bool idle;
};
enum pt_err pt_agg_threads(const struct pt_agg *a, const struct pt_view *v,
                           struct pt_thread_share **out, size_t *n);

/* Folded stacks of the view's samples ("root;...;leaf COUNT" lines, names
 * as "name (file:line)"), for --collapsed and flame graphs: calls fn once
 * per distinct stack of keys in v's mode (two lines of one function are
 * one stack in function mode), root first, in first-seen order. Respects
 * v's thread, idle, gil and window; the filter keeps stacks that contain
 * a matching frame. Samples with no Python frame are not passed. An
 * error from fn stops the walk and is returned. */
typedef enum pt_err (*pt_stack_fn)(void *arg, const uint32_t *keys, size_t depth, uint64_t count);
enum pt_err pt_agg_stacks(const struct pt_agg *a, const struct pt_view *v, pt_stack_fn fn, void *arg);
/* The same, only the stacks that contain key (a drilled function's flame
 * graph). key PT_NOID: all stacks. */
enum pt_err pt_agg_stacks_through(const struct pt_agg *a, const struct pt_view *v, uint32_t key,
                                  pt_stack_fn fn, void *arg);

/* Drill-down into one key of v's mode. A caller or callee link counts the
 * samples in which that edge appears (once per sample); pct is its share
 * of the function's total: how much of the function's time came through
 * that caller, or was spent in that callee. The caller with key PT_NOID
 * is "(root)": samples in which the function was the outermost frame.
 * Without recursion callers sum to the total, and callees plus self sum
 * to the total; recursion makes them sum to more. Respects v's thread,
 * idle, gil and window; the filter hides links (never the root), sort is
 * by count, then name, file, line. With the window since the start and
 * some stacks pruned, a "(pruned)" caller counts the samples of pruned
 * stacks that held the function, and a "(pruned)" callee those of them in
 * which it was not the leaf, so the sums above still hold. */
struct pt_drill_link {
    uint32_t key;         /* PT_NOID: (root) */
    uint32_t name, file;  /* string ids; PT_NOID for (root) and (pruned) */
    int32_t line;
    uint64_t count;
    double pct;           /* count / function total * 100 */
    bool pruned;          /* "(pruned)": samples of since-start stacks that were pruned,
                             whose callers (or callees) are not known */
};
/* Start zeroed ({0}); pt_agg_drill fills it, pt_drill_free releases it. */
struct pt_drill {
    struct pt_row row;    /* the function itself in the view; row.own is "self" */
    double self_pct;      /* row.own / row.total * 100: time spent in the function's own code */
    struct pt_drill_link *callers, *callees;
    size_t ncallers, ncallees;
};
enum pt_err pt_agg_drill(const struct pt_agg *a, const struct pt_view *v, uint32_t key, struct pt_drill *d);
void pt_drill_free(struct pt_drill *d);

/* The display name of a key in a mode: "name (file:line)", "name (file)"
 * when there is no line, "(root)" for PT_NOID, "(pruned)" for the key of
 * pruned stacks, "?" for an unknown key.
 * Control characters become '?' so a name can never break a line; a
 * truncated name never ends inside a UTF-8 sequence. Returns the length
 * (cap 0: nothing written, 0). */
size_t pt_agg_key_text(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, char *buf, size_t cap);
/* A hint for text of many keys in a row: a key's text sits behind three
 * dependent loads (its record, its name's slot, the name's bytes), each
 * likely a cache miss when keys come in table order. Call with stage 0,
 * 1, 2 for keys some rows ahead, in that order, so each load is cached
 * by the time the next stage or pt_agg_key_text needs it. */
void pt_agg_key_prefetch(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, int stage);

/* The sort columns, from one table: the name the command line, --help and
 * the report header use ("own", "total", "owntime", "totaltime", "name"),
 * the column title ("%Own", ..., "Function"), and parsing of a name
 * (ASCII case-insensitive). */
const char *pt_sortcol_name(enum pt_sortcol c);
const char *pt_sortcol_title(enum pt_sortcol c);
bool pt_sortcol_parse(const char *s, enum pt_sortcol *out);

#endif
