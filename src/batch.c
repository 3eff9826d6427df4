/* batch — the periodic text table. */
#include "pytop/batch.h"

#include <stdio.h>
#include <time.h>

#include "pytop/outputs.h"
#include "pytop/report.h"
#include "pytop/session.h"
#include "pytop/util.h"

/* Sleep until t, or less when a signal arrives. */
static void nap_until(uint64_t t)
{
    uint64_t now = pt_now_ns();
    if (t <= now)
        return;
    uint64_t d = t - now;
    struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
    nanosleep(&ts, NULL);
}

static enum pt_err print_table(struct pt_session *s, const struct pt_options *o,
                               const struct pt_view *v, struct pt_table *t)
{
    enum pt_err err = pt_agg_close_bucket(s->agg, pt_now_ns());
    if (err == PT_OK)
        err = pt_agg_table(s->agg, v, t);
    if (err != PT_OK)
        return err;
    struct pt_report_header h;
    char mode[64];
    pt_session_header(s, o, &h, mode, sizeof mode);
    struct pt_sb out, split;
    pt_sb_init(&out);
    pt_sb_init(&split);
    if (o->subprocesses) {
        pt_session_split(s, v, &split);
        h.split = split.s ? split.s : "";
    }
    pt_report_text(&h, s->agg, v, t, &out);
    pt_sb_free(&split);
    pt_sb_puts(&out, "\n");
    err = pt_sb_failed(&out) ? PT_ENOMEM : PT_OK;
    if (err == PT_OK && (fwrite(out.s, 1, out.len, stdout) != out.len || fflush(stdout) != 0))
        err = PT_EIO;
    pt_sb_free(&out);
    return err;
}

/* The main loop: drain often, print every delay, stop on any end condition. */
static enum pt_err loop(struct pt_session *s, const struct pt_options *o, const struct pt_view *v,
                        volatile sig_atomic_t *stop)
{
    uint64_t start = pt_now_ns(), delay = (uint64_t)(o->delay * 1e9);
    uint64_t end = o->duration > 0 ? start + (uint64_t)(o->duration * 1e9) : UINT64_MAX;
    uint64_t next = start + delay;
    long printed = 0;
    struct pt_table t = {0};
    enum pt_err err = PT_OK;
    while (err == PT_OK && !*stop) {
        uint64_t wake = next < end ? next : end, drain = pt_now_ns() + pt_session_drain_interval_ns(s);
        if (wake > drain)
            wake = drain;
        nap_until(wake);
        pt_session_drain(s);
        uint64_t now = pt_now_ns();
        bool last = s->exited || now >= end || *stop;
        if (now < next && !last)
            continue;
        err = print_table(s, o, v, &t);
        printed++;
        next += delay;
        if (now > next)
            next = now + delay; /* a slow terminal must not cause a burst of tables */
        if (last || (o->iterations && printed >= o->iterations))
            break;
    }
    if (s->exited && err == PT_OK)
        printf("pytop: process %d exited\n", (int)s->target.pid);
    pt_table_free(&t);
    return err;
}

enum pt_err pt_batch_run(const struct pt_options *o, volatile sig_atomic_t *stop, struct pt_sb *why)
{
    struct pt_session s;
    enum pt_err err = pt_session_open(&s, o, why);
    if (err != PT_OK)
        return err;
    struct pt_view v;
    pt_session_view(o, &v);
    /* the view never changes in batch mode: keep no bucket its window
     * cannot use, and no keys of the other mode */
    pt_agg_set_retention(s.agg, o->window > 0 ? o->window : 0);
    err = pt_agg_set_modes(s.agg, 1u << v.mode);
    if (err == PT_OK)
        err = loop(&s, o, &v, stop);
    pt_session_drain(&s);
    if (err == PT_OK)
        err = pt_agg_close_bucket(s.agg, pt_now_ns()); /* the tail since the last table */
    if (err == PT_OK)
        err = pt_outputs_write(s.agg, &v, o, why);
    pt_session_close(&s);
    return err;
}
