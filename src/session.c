/* session — set up, feed and tear down one profiling run. */
#include "pytop/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/launch.h"
#include "pytop/proc_info.h"
#include "pytop/py_stack.h"
#include "pytop/sample.h"
#include "pytop/util.h"

#define RECORD_MAX (PT_SAMPLE_HDR_WORDS + PT_MAX_FRAMES)
/* The ring holds about a second of samples at the asked rate, so a slow
 * refresh does not drop any; a tick is taken as 256 words (8 threads of
 * 22-frame stacks). A fixed 16 MiB ring would be slowly touched page by
 * page as it wraps, a resident size that grows for minutes at low rates. */
#define RING_TICK_WORDS 256.0
#define RING_MIN_WORDS (1u << 16) /* 256 KiB */
#define RING_MAX_WORDS (1u << 22) /* 16 MiB */

static size_t ring_words(double rate)
{
    double w = rate * RING_TICK_WORDS;
    return w < RING_MIN_WORDS ? RING_MIN_WORDS : w > RING_MAX_WORDS ? RING_MAX_WORDS : (size_t)w;
}

#define DRAIN_MIN_NS 10000000ull  /* 10 ms */
#define DRAIN_MAX_NS 250000000ull /* 250 ms: the viewer's exit notice and --duration wait no longer */
#define DRAIN_START_NS 50000000ull

static enum pt_err start_sampling(struct pt_session *s, const struct pt_options *o,
                                  struct pt_sb *why)
{
    enum pt_err err = pt_ring_init(&s->ring, ring_words(o->rate));
    if (err != PT_OK)
        return err;
    s->intern = malloc(sizeof *s->intern);
    if (!s->intern || pt_intern_init(s->intern) != PT_OK)
        return PT_ENOMEM;
    if (pt_agg_new(s->intern, &s->agg) != PT_OK)
        return PT_ENOMEM;
    s->words = malloc(RECORD_MAX * sizeof *s->words);
    if (!s->words)
        return PT_ENOMEM;
    struct pt_sampler_opts so = {o->rate, o->consistency, o->idle, o->gil_only};
    return pt_sampler_start(&s->sampler, &s->target, &s->ring, s->intern, &so, why);
}

enum pt_err pt_session_open(struct pt_session *s, const struct pt_options *o, struct pt_sb *why)
{
    memset(s, 0, sizeof *s);
    s->drain_ns = DRAIN_START_NS;
    pt_sb_init(&s->cmdline);
    enum pt_err err;
    if (o->command)
        err = pt_launch(o->command, o->child_output, &s->child, &s->target, why);
    else
        err = pt_target_attach(o->pid, &s->target, why);
    if (err != PT_OK) {
        pt_session_close(s);
        return err;
    }
    s->attached = true;
    s->follow = o->subprocesses;
    pt_subprocs_init(&s->subprocs, s->target.pid);
    if (pt_proc_cmdline(s->target.pid, &s->cmdline) != PT_OK)
        pt_sb_puts(&s->cmdline, "?");
    snprintf(s->python, sizeof s->python, "%s (%s)", s->target.ver.text, s->target.elf_path);
    err = start_sampling(s, o, why);
    if (err != PT_OK)
        pt_session_close(s);
    return err;
}

static void stop_sampler(struct pt_session *s)
{
    if (!s->sampler)
        return;
    pt_sampler_stop(s->sampler, &s->final);
    s->sampler = NULL;
}

/* Remember which process a thread id belongs to (for the split). */
static void note_owner(struct pt_session *s, uint32_t tid, uint32_t pid)
{
    for (size_t i = s->nowner; i-- > 0;)
        if (s->owner[i].tid == tid) {
            s->owner[i].pid = pid;
            return;
        }
    if (s->nowner == s->owner_cap) {
        size_t cap = s->owner_cap ? s->owner_cap * 2 : 32;
        struct pt_tidpid *v = realloc(s->owner, cap * sizeof *v);
        if (!v)
            return;
        s->owner = v;
        s->owner_cap = cap;
    }
    s->owner[s->nowner++] = (struct pt_tidpid){tid, pid};
}

static uint32_t owner_of(const struct pt_session *s, uint32_t tid)
{
    for (size_t i = 0; i < s->nowner; i++)
        if (s->owner[i].tid == tid)
            return s->owner[i].pid;
    return 0;
}

struct share {
    uint32_t pid;
    uint64_t samples;
};

static int by_samples(const void *a, const void *b)
{
    const struct share *x = a, *y = b;
    if (x->samples != y->samples)
        return x->samples < y->samples ? 1 : -1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void pt_session_split(const struct pt_session *s, const struct pt_view *v, struct pt_sb *out)
{
    struct pt_thread_share *th = NULL;
    size_t n = 0;
    if (pt_agg_threads(s->agg, v, &th, &n) != PT_OK)
        return;
    struct share *sh = calloc(n ? n : 1, sizeof *sh);
    size_t k = 0;
    uint64_t total = 0;
    for (size_t i = 0; sh && i < n; i++) {
        uint32_t pid = owner_of(s, th[i].tid);
        size_t j = 0;
        while (j < k && sh[j].pid != pid)
            j++;
        if (j == k)
            sh[k++] = (struct share){pid, 0};
        sh[j].samples += th[i].samples;
        total += th[i].samples;
    }
    if (sh)
        qsort(sh, k, sizeof *sh, by_samples);
    for (size_t j = 0; sh && j < k; j++)
        pt_sb_printf(out, "%s%u %.1f%%", j ? ", " : "", sh[j].pid,
                     total ? 100.0 * (double)sh[j].samples / (double)total : 0.0);
    free(sh);
    free(th);
}

/* What piled up since the last drain sets the next interval: over an
 * eighth of the ring, twice as often; under a thirty-second, half as often. */
static void adapt_interval(struct pt_session *s)
{
    size_t cap = s->ring.mask + 1;
    size_t used = atomic_load(&s->ring.head) - atomic_load(&s->ring.tail);
    if (used > cap / 8 && s->drain_ns > DRAIN_MIN_NS)
        s->drain_ns /= 2;
    else if (used < cap / 32 && s->drain_ns < DRAIN_MAX_NS)
        s->drain_ns *= 2;
    if (s->drain_ns < DRAIN_MIN_NS)
        s->drain_ns = DRAIN_MIN_NS;
    if (s->drain_ns > DRAIN_MAX_NS)
        s->drain_ns = DRAIN_MAX_NS;
}

uint64_t pt_session_drain_interval_ns(const struct pt_session *s) { return s->drain_ns; }

void pt_session_drain(struct pt_session *s)
{
    if (s->follow)
        pt_subprocs_poll(&s->subprocs, s->sampler, pt_now_ns());
    bool gone = s->sampler && atomic_load(&pt_sampler_stats(s->sampler)->gone);
    if (gone)
        stop_sampler(s); /* joins: everything it pushed is now in the ring */
    if (s->ring.buf)
        adapt_interval(s);
    size_t n;
    while ((n = pt_ring_pop(&s->ring, s->words, RECORD_MAX)) != 0) {
        struct pt_sample smp;
        if (n != SIZE_MAX && pt_sample_decode(s->words, n, &smp)) {
            pt_agg_add(s->agg, &smp);
            if (s->follow)
                note_owner(s, smp.tid, smp.pid);
        }
    }
    if (gone)
        s->exited = true;
}

void pt_session_header(const struct pt_session *s, const struct pt_options *o,
                       struct pt_report_header *h, char *mode_buf, size_t cap)
{
    const struct pt_sampler_stats *st = s->sampler ? pt_sampler_stats(s->sampler) : &s->final;
    bool blocking = s->sampler ? pt_sampler_blocking(s->sampler)
                               : o->consistency == PT_CONS_BLOCKING ||
                                     (o->consistency == PT_CONS_AUTO &&
                                      s->target.ctx.facts->chain == PT_CHAIN_FRAMEOBJ);
    snprintf(mode_buf, cap, "%s%s", blocking ? "blocking" : "non-blocking",
             o->consistency == PT_CONS_AUTO ? " (auto)" : "");
    memset(h, 0, sizeof *h);
    h->pid = (int)s->target.pid;
    h->cmdline = s->cmdline.s ? s->cmdline.s : "?";
    h->python = s->python;
    h->mode = mode_buf;
    h->rate_asked = o->rate;
    h->rate_achieved = pt_sampler_rate(st);
    h->samples = atomic_load(&st->samples);
    h->late = atomic_load(&st->late);
    h->dropped = atomic_load(&s->ring.dropped);
    h->errors_read = atomic_load(&st->errors[PT_SERR_READ]);
    h->errors_invalid = atomic_load(&st->errors[PT_SERR_INVALID]);
    h->errors_gone = atomic_load(&st->errors[PT_SERR_GONE]);
    h->errors = h->errors_read + h->errors_invalid + h->errors_gone;
    pt_sampler_work_us(st, &h->work_us_min, &h->work_us_median, &h->work_us_max);
    h->threads_active = atomic_load(&st->threads_active);
    h->threads_total = atomic_load(&st->threads_total);
    uint64_t ticks = atomic_load(&st->ticks);
    h->gil_pct = ticks ? 100.0 * (double)atomic_load(&st->gil_ticks) / (double)ticks : 0;
    h->exited = s->exited;
    h->processes = s->follow ? 1 + (unsigned)pt_subprocs_count(&s->subprocs) : 0;
}

void pt_session_view(const struct pt_options *o, struct pt_view *v)
{
    memset(v, 0, sizeof *v);
    v->mode = o->lines ? PT_KEY_LINE : PT_KEY_FUNCTION;
    v->idle = o->idle;
    v->gil_only = o->gil_only;
    v->tid = (uint32_t)o->thread;
    v->filter = o->filter;
    v->sort = o->sort;
    v->window_s = o->window;
}

void pt_session_close(struct pt_session *s)
{
    stop_sampler(s);
    pt_subprocs_free(&s->subprocs); /* the sampler no longer uses them */
    if (s->child)
        pt_launch_end(s->child);
    s->child = 0;
    if (s->agg)
        pt_agg_free(s->agg);
    s->agg = NULL;
    if (s->intern) {
        pt_intern_free(s->intern);
        free(s->intern);
    }
    s->intern = NULL;
    if (s->ring.buf)
        pt_ring_free(&s->ring);
    if (s->attached)
        pt_target_detach(&s->target);
    s->attached = false;
    free(s->words);
    s->words = NULL;
    free(s->owner);
    s->owner = NULL;
    s->nowner = s->owner_cap = 0;
    pt_sb_free(&s->cmdline);
}
