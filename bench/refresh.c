/*
 * refresh — the cost of one table refresh with many distinct functions.
 *
 * Links pytop's own objects (build/, all but main.o): the intern tables, the aggregate
 * and the text report, exactly as batch mode uses them (pt_agg_close_bucket,
 * then pt_agg_table, then pt_report_text). Frames are interned up front
 * (the sampler does that, not the refresh); samples are added with
 * pt_agg_add before the timer starts (the consumer drains them during the
 * interval). What is timed is one refresh:
 *
 *   first   a bucket of NFUNCS samples, each ending in a different one of
 *           NFUNCS functions under a DEPTH-frame stack: the refresh that
 *           first meets them all (window "last": NFUNCS rows).
 *   steady  afterwards, a bucket of PER_TICK samples (one second at 1 kHz)
 *           over random functions, with the window "all" (NFUNCS rows
 *           sorted and rendered every time). Repeated; median shown.
 *   last    the same bucket, window "last" (only that second's rows).
 *
 *   usage: refresh [-f NFUNCS] [-d DEPTH] [-s PER_TICK] [-n REPEATS]
 *
 * Prints one line of key=value pairs, times in milliseconds:
 *   refresh funcs=N depth=D first_ms=... steady_ms=MED/MIN/MAX last_ms=MED/MIN/MAX
 *           close_ms=... table_ms=... render_ms=... rows=... bytes=...
 * (close/table/render: the parts of the median steady refresh.) Every
 * figure is wall time; the *_cpu_ms ones are the same refreshes' CPU time
 * (CLOCK_THREAD_CPUTIME_ID), which a busy shared machine does not inflate.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pytop/aggregate.h"
#include "pytop/intern.h"
#include "pytop/report.h"
#include "pytop/sample.h"
#include "pytop/util.h"

#define NS 1000000000ull
#define MAXDEPTH 128

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread: the machine is shared, wall time alone misleads. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

struct ctx {
    struct pt_intern *in;
    struct pt_agg *a;
    uint32_t *fid; /* frame id of function i */
    size_t nfuncs, depth;
    uint64_t t_ns;
};

/* A sample whose leaf is function leaf; its callers form one of 1000
 * chains, so stacks are distinct per leaf but share their roots. */
static int add_sample(struct ctx *c, size_t leaf)
{
    uint32_t frames[MAXDEPTH];
    size_t chain = leaf % 1000;
    frames[0] = c->fid[leaf];
    for (size_t k = 1; k < c->depth; k++)
        frames[k] = c->fid[(chain * (c->depth - 1) + k) % c->nfuncs];
    struct pt_sample s = {.tid = 1, .pid = 1, .flags = PT_SAMPLE_GIL, .t_ns = c->t_ns,
                          .weight_us = 1000, .depth = (uint32_t)c->depth, .frames = frames};
    c->t_ns += 1000000;
    return pt_agg_add(c->a, &s) == PT_OK ? 0 : -1;
}

struct parts {
    uint64_t close, table, render, total, cpu;
    size_t rows, bytes;
};

static int refresh(struct ctx *c, double window, struct pt_table *t, struct parts *p)
{
    struct pt_view v = {.mode = PT_KEY_FUNCTION, .sort = PT_SORT_OWN, .window_s = window};
    struct pt_report_header h = {.pid = 4242, .cmdline = "python3 app.py", .python = "3.12.1 (bench)",
                                 .mode = "non-blocking (auto)", .rate_asked = 1000, .rate_achieved = 1000,
                                 .threads_active = 1, .threads_total = 1};
    struct pt_sb out;
    pt_sb_init(&out);
    uint64_t c0 = cpu_ns(), t0 = now_ns();
    if (pt_agg_close_bucket(c->a, c->t_ns) != PT_OK)
        return -1;
    uint64_t t1 = now_ns();
    if (pt_agg_table(c->a, &v, t) != PT_OK)
        return -1;
    uint64_t t2 = now_ns();
    pt_report_text(&h, c->a, &v, t, &out);
    uint64_t t3 = now_ns();
    p->cpu = cpu_ns() - c0;
    p->close = t1 - t0;
    p->table = t2 - t1;
    p->render = t3 - t2;
    p->total = t3 - t0;
    p->rows = t->n;
    p->bytes = out.len;
    int bad = pt_sb_failed(&out);
    pt_sb_free(&out);
    return bad ? -1 : 0;
}

static int cmp_parts(const void *a, const void *b)
{
    return cmp_u64(&((const struct parts *)a)->total, &((const struct parts *)b)->total);
}

static int cmp_parts_cpu(const void *a, const void *b)
{
    return cmp_u64(&((const struct parts *)a)->cpu, &((const struct parts *)b)->cpu);
}

int main(int argc, char **argv)
{
    struct ctx c = {0};
    c.nfuncs = 100000;
    c.depth = 22;
    size_t per_tick = 1000, repeats = 9;
    int opt;
    while ((opt = getopt(argc, argv, "f:d:s:n:")) != -1) {
        switch (opt) {
        case 'f': c.nfuncs = (size_t)strtoul(optarg, NULL, 10); break;
        case 'd': c.depth = (size_t)strtoul(optarg, NULL, 10); break;
        case 's': per_tick = (size_t)strtoul(optarg, NULL, 10); break;
        case 'n': repeats = (size_t)strtoul(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: refresh [-f NFUNCS] [-d DEPTH] [-s PER_TICK] [-n REPEATS]\n");
            return 2;
        }
    }
    if (c.nfuncs < 1000 || c.depth < 1 || c.depth > MAXDEPTH || !repeats) {
        fprintf(stderr, "refresh: need NFUNCS >= 1000, 1 <= DEPTH <= %d\n", MAXDEPTH);
        return 2;
    }
    c.in = calloc(1, sizeof *c.in);
    c.fid = malloc(c.nfuncs * sizeof *c.fid);
    if (!c.in || !c.fid || pt_intern_init(c.in) != PT_OK || pt_agg_new(c.in, &c.a) != PT_OK)
        return 1;
    /* as batch mode: only the key mode the table shows is prepared */
    if (pt_agg_set_modes(c.a, 1u << PT_KEY_FUNCTION) != PT_OK)
        return 1;
    char name[64], file[64];
    for (size_t i = 0; i < c.nfuncs; i++) {
        snprintf(name, sizeof name, "Handler%zu.fn_%06zu", i % 97, i);
        snprintf(file, sizeof file, "/srv/app/pkg%02zu/gen_%03zu.py", i / 10000, i / 1000);
        int first = 1 + (int)(i % 1000) * 5;
        struct pt_frameinfo fi = {pt_intern_string(c.in, name), pt_intern_string(c.in, file),
                                  first + 2, first};
        c.fid[i] = pt_intern_frame(c.in, &fi);
        if (c.fid[i] == PT_NOID)
            return 1;
    }
    c.t_ns = NS;
    struct pt_table t = {0};
    struct parts first, *steady = calloc(repeats, sizeof *steady), *last = calloc(repeats, sizeof *last);
    if (!steady || !last)
        return 1;
    for (size_t i = 0; i < c.nfuncs; i++)
        if (add_sample(&c, i))
            return 1;
    if (refresh(&c, PT_WINDOW_LAST, &t, &first))
        return 1;
    for (size_t r = 0; r < repeats; r++) {
        for (size_t i = 0; i < per_tick; i++)
            if (add_sample(&c, next_rand() % c.nfuncs))
                return 1;
        if (refresh(&c, PT_WINDOW_ALL, &t, &steady[r]))
            return 1;
        for (size_t i = 0; i < per_tick; i++)
            if (add_sample(&c, next_rand() % c.nfuncs))
                return 1;
        if (refresh(&c, PT_WINDOW_LAST, &t, &last[r]))
            return 1;
    }
    qsort(steady, repeats, sizeof *steady, cmp_parts_cpu);
    qsort(last, repeats, sizeof *last, cmp_parts_cpu);
    double steady_cpu[3] = {steady[repeats / 2].cpu / 1e6, steady[0].cpu / 1e6, steady[repeats - 1].cpu / 1e6};
    double last_cpu[3] = {last[repeats / 2].cpu / 1e6, last[0].cpu / 1e6, last[repeats - 1].cpu / 1e6};
    qsort(steady, repeats, sizeof *steady, cmp_parts);
    qsort(last, repeats, sizeof *last, cmp_parts);
    const struct parts *m = &steady[repeats / 2];
    printf("refresh funcs=%zu depth=%zu per_tick=%zu repeats=%zu first_ms=%.2f first_rows=%zu"
           " first_close_ms=%.2f first_table_ms=%.2f first_render_ms=%.2f"
           " steady_ms=%.2f/%.2f/%.2f last_ms=%.2f/%.2f/%.2f close_ms=%.2f table_ms=%.2f"
           " render_ms=%.2f rows=%zu bytes=%zu first_cpu_ms=%.2f steady_cpu_ms=%.2f/%.2f/%.2f"
           " last_cpu_ms=%.2f/%.2f/%.2f\n",
           c.nfuncs, c.depth, per_tick, repeats, first.total / 1e6, first.rows, first.close / 1e6,
           first.table / 1e6, first.render / 1e6, m->total / 1e6, steady[0].total / 1e6,
           steady[repeats - 1].total / 1e6, last[repeats / 2].total / 1e6, last[0].total / 1e6,
           last[repeats - 1].total / 1e6, m->close / 1e6, m->table / 1e6, m->render / 1e6, m->rows,
           m->bytes, first.cpu / 1e6, steady_cpu[0], steady_cpu[1], steady_cpu[2], last_cpu[0],
           last_cpu[1], last_cpu[2]);
    pt_table_free(&t);
    pt_agg_free(c.a);
    pt_intern_free(c.in);
    free(c.in);
    free(c.fid);
    free(steady);
    free(last);
    return 0;
}
