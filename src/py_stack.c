/* py_stack — walk interpreters, thread states and frames. */
#include "pytop/py_stack.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/proc_info.h"

#define MAX_INTERPS 64
#define TS_BUF 2048
#define FRAME_BUF 512
/* glibc x86-64: struct pthread keeps the kernel tid at this offset.
 * Needed where the thread state has no native id (<= 3.10); validated
 * against /proc/PID/task before use. */
#define GLIBC_PTHREAD_TID_OFF 0x2d0

/* Brent's cycle detection over a chain of addresses. */
struct cycle {
    uint64_t saved;
    size_t power, steps;
};

static void cycle_init(struct cycle *c) { *c = (struct cycle){0, 1, 0}; }

static bool cycle_seen(struct cycle *c, uint64_t addr)
{
    if (addr == c->saved)
        return true;
    if (++c->steps == c->power) {
        c->saved = addr;
        c->power *= 2;
        c->steps = 0;
    }
    return false;
}

static uint64_t word(const uint8_t *buf, int32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

static int32_t int32(const uint8_t *buf, int32_t off)
{
    int32_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

static bool ptr_ok(const struct pt_target *t, uint64_t p)
{
    return pt_target_ptr_plausible(t, p);
}

void pt_walker_init(struct pt_walker *w, const struct pt_target *t)
{
    w->t = t;
    w->verify_top = false;
    pt_codecache_init(&w->codes);
}

void pt_walker_free(struct pt_walker *w) { pt_codecache_free(&w->codes); }

/* ------------------------------------------------------------------------
 * Frames.
 */
static enum pt_err emit(struct pt_walker *w, const struct pt_walk_sink *sink, uint64_t code,
                        int64_t addrq, bool *incomplete, int owner)
{
    struct pt_code *c = NULL;
    enum pt_err err = pt_code_get(&w->codes, &w->t->ctx, code, &c);
    int line = -1;
    if (err == PT_OK) {
        const struct pt_pyfacts *F = w->t->ctx.facts;
        /* pushed, prologue not run yet: CPython's tracebacks hide it too */
        if (incomplete && owner != F->owner_generator && addrq < 2 * (int64_t)c->firsttraceable) {
            *incomplete = true;
            return PT_OK;
        }
        line = pt_code_line(c, &w->t->ctx, addrq);
    }
    return sink->frame(sink->arg, err == PT_OK ? c : NULL, code, line, err);
}

/* <= 3.10: PyFrameObject chain through f_back. */
static enum pt_err walk_frameobjs(struct pt_walker *w, uint64_t fp, const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    size_t len = (size_t)L->frame_localsplus;
    uint8_t buf[FRAME_BUF];
    struct cycle cy;
    cycle_init(&cy);
    if (len > sizeof buf)
        return PT_EINVAL;
    for (size_t depth = 0; fp; fp = word(buf, L->frame_back), depth++) {
        if (depth >= PT_MAX_FRAMES || cycle_seen(&cy, fp) || !ptr_ok(t, fp))
            return PT_EINVAL;
        enum pt_err err = pt_mem_read(&t->mem, fp, buf, len);
        if (err != PT_OK)
            return err;
        int64_t lasti = int32(buf, L->frame_lasti);
        if (t->ctx.facts->instr == PT_INSTR_LASTI_UNITS && lasti >= 0)
            lasti *= 2;
        if ((err = emit(w, sink, word(buf, L->frame_code), lasti, NULL, 0)) != PT_OK)
            return err;
    }
    return PT_OK;
}

/* 3.11+: _PyInterpreterFrame chain through previous. */
static enum pt_err walk_iframes(struct pt_walker *w, uint64_t fp, const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    const struct pt_pyfacts *F = t->ctx.facts;
    size_t len = (size_t)L->iframe_size;
    uint8_t buf[FRAME_BUF];
    struct cycle cy;
    cycle_init(&cy);
    if (len > sizeof buf)
        return PT_EINVAL;
    for (size_t depth = 0; fp; fp = word(buf, L->iframe_previous), depth++) {
        if (depth >= PT_MAX_FRAMES || cycle_seen(&cy, fp) || !ptr_ok(t, fp))
            return PT_EINVAL;
        enum pt_err err = pt_mem_read(&t->mem, fp, buf, len);
        if (err != PT_OK)
            return err;
        int owner = buf[L->iframe_owner];
        if (F->owner_shim_min >= 0 && owner >= F->owner_shim_min)
            continue; /* interpreter entry/shim frame: not Python code */
        uint64_t code = word(buf, L->iframe_code) & ~F->code_tag_mask;
        int64_t addrq = (int64_t)(word(buf, L->iframe_instr) - (code + (uint64_t)L->code_code_adaptive));
        bool incomplete = false;
        if ((err = emit(w, sink, code, addrq, &incomplete, owner)) != PT_OK)
            return err;
    }
    return PT_OK;
}

/* ------------------------------------------------------------------------
 * Threads.
 */

/* The thread state holding the GIL in this interpreter, or 0. */
static uint64_t gil_holder(const struct pt_target *t, uint64_t interp)
{
    const struct pt_layout *L = &t->ctx.lay;
    uint64_t gil = 0, holder = 0;
    int32_t locked = 0;
    switch (t->ctx.facts->gil) {
    case PT_GIL_TSTATE_CURRENT:
        if (t->tstate_current && pt_mem_read_u64(&t->mem, t->tstate_current, &holder) == PT_OK)
            return holder;
        return 0;
    case PT_GIL_RUNTIME:
        gil = t->runtime + (uint64_t)L->runtime_gil_last_holder - (uint64_t)L->gil_last_holder;
        break;
    case PT_GIL_PER_INTERP:
        if (pt_mem_read_u64(&t->mem, interp + (uint64_t)L->interp_ceval_gil, &gil) != PT_OK)
            return 0;
        break;
    }
    if (!gil || pt_mem_read(&t->mem, gil + (uint64_t)L->gil_locked, &locked, sizeof locked) != PT_OK ||
        locked != 1 || pt_mem_read_u64(&t->mem, gil + (uint64_t)L->gil_last_holder, &holder) != PT_OK)
        return 0;
    return holder;
}

/* The kernel tid as the target's PID namespace numbers it. */
static pid_t thread_ns_tid(const struct pt_target *t, const uint8_t *ts)
{
    const struct pt_layout *L = &t->ctx.lay;
    if (t->ctx.facts->native_tid)
        return (pid_t)word(ts, L->ts_native_thread_id);
    int32_t tid;
    uint64_t ident = word(ts, L->ts_thread_id);
    if (!ident || pt_mem_read(&t->mem, ident + GLIBC_PTHREAD_TID_OFF, &tid, sizeof tid) != PT_OK)
        return 0;
    return tid > 0 ? tid : 0;
}

/* Bytes of the thread state we need: up to the last field we use. Some
 * versions' PyThreadState is kilobytes long (3.6: 2272 bytes). */
static size_t ts_span(const struct pt_layout *L)
{
    const int32_t used[] = {L->ts_next,    L->ts_interp,        L->ts_frame,
                            L->ts_cframe,  L->ts_current_frame, L->ts_thread_id,
                            L->ts_native_thread_id};
    int32_t max = 0;
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        if (used[i] > max)
            max = used[i];
    return (size_t)max + 8;
}

/* One thread state: PT_EINVAL/read errors mean the list itself is broken. */
static enum pt_err walk_thread(struct pt_walker *w, uint64_t interp, uint64_t ts, uint64_t holder,
                               const struct pt_walk_sink *sink, uint64_t *next)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    uint8_t buf[TS_BUF];
    size_t len = ts_span(L);
    if (len > sizeof buf)
        return PT_EINVAL;
    enum pt_err err = pt_mem_read(&t->mem, ts, buf, len);
    if (err != PT_OK)
        return err;
    if (word(buf, L->ts_interp) != interp)
        return PT_EINVAL; /* not a thread state of this interpreter */
    *next = word(buf, L->ts_next);
    struct pt_threadinfo ti = {ts, word(buf, L->ts_thread_id), thread_ns_tid(t, buf), holder == ts};
    enum pt_walk_choice choice = sink->thread(sink->arg, &ti);
    if (choice == PT_WALK_SKIP)
        return PT_OK;
    if (choice == PT_WALK_REREAD)
        err = pt_mem_read(&t->mem, ts, buf, len);
    uint64_t fp = 0, fp_after;
    if (err == PT_OK)
        err = pt_target_top_frame(t, buf, &fp);
    if (err == PT_OK)
        err = t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ ? walk_frameobjs(w, fp, sink)
                                                        : walk_iframes(w, fp, sink);
    if (err == PT_OK && w->verify_top &&
        (pt_mem_read(&t->mem, ts, buf, len) != PT_OK ||
         pt_target_top_frame(t, buf, &fp_after) != PT_OK || fp_after != fp))
        err = PT_EINVAL; /* the stack moved under us: not a stack it ever had */
    sink->thread_end(sink->arg, err);
    return err == PT_ENOMEM ? err : PT_OK;
}

static enum pt_err walk_interp(struct pt_walker *w, uint64_t interp, const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    uint64_t ts;
    enum pt_err err = pt_mem_read_u64(&t->mem, interp + (uint64_t)t->ctx.lay.interp_threads_head, &ts);
    if (err != PT_OK)
        return err;
    uint64_t holder = gil_holder(t, interp);
    struct cycle cy;
    cycle_init(&cy);
    for (size_t n = 0; ts && err == PT_OK; n++) {
        if (n >= PT_MAX_THREADS || cycle_seen(&cy, ts) || !ptr_ok(t, ts))
            return PT_EINVAL;
        uint64_t next = 0;
        err = walk_thread(w, interp, ts, holder, sink, &next);
        ts = next;
    }
    return err;
}

enum pt_err pt_walk(struct pt_walker *w, const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    uint64_t interp;
    enum pt_err err = pt_target_first_interp(t, &interp);
    struct cycle cy;
    cycle_init(&cy);
    for (size_t k = 0; err == PT_OK && interp; k++) {
        if (k >= MAX_INTERPS || cycle_seen(&cy, interp) || !ptr_ok(t, interp))
            return PT_EINVAL;
        err = walk_interp(w, interp, sink);
        if (err == PT_OK)
            err = pt_mem_read_u64(&t->mem, interp + (uint64_t)t->ctx.lay.interp_next, &interp);
    }
    return err;
}

/* ------------------------------------------------------------------------
 * The collected form: every thread with its frames, in memory.
 */
struct collect {
    struct pt_stacks *out;
    const pid_t *tids;
    size_t ntids;
    pid_t pid;
    enum pt_err err;
};

static bool tid_listed(const pid_t *tids, size_t n, pid_t tid)
{
    for (size_t i = 0; i < n; i++)
        if (tids[i] == tid)
            return true;
    return false;
}

static enum pt_walk_choice collect_thread(void *arg, const struct pt_threadinfo *ti)
{
    struct collect *c = arg;
    struct pt_stacks *s = c->out;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct pt_thread *v = realloc(s->threads, cap * sizeof *v);
        if (!v) {
            c->err = PT_ENOMEM;
            return PT_WALK_SKIP;
        }
        s->threads = v;
        s->cap = cap;
    }
    struct pt_thread *th = &s->threads[s->n++];
    memset(th, 0, sizeof *th);
    th->tstate = ti->tstate;
    th->ident = ti->ident;
    th->gil = ti->gil;
    th->tid = tid_listed(c->tids, c->ntids, ti->ns_tid) ? ti->ns_tid
              : ti->ns_tid > 0                           ? pt_proc_host_tid(c->pid, ti->ns_tid)
                                                         : 0;
    if (th->tid)
        th->running_known = pt_proc_task_running(c->pid, th->tid, &th->running) == PT_OK;
    return PT_WALK;
}

static enum pt_err collect_frame(void *arg, struct pt_code *code, uint64_t code_addr, int line,
                                 enum pt_err err)
{
    struct collect *c = arg;
    struct pt_thread *th = &c->out->threads[c->out->n - 1];
    if (th->nframes == th->cap) {
        size_t cap = th->cap ? th->cap * 2 : 64;
        struct pt_frame *v = realloc(th->frames, cap * sizeof *v);
        if (!v)
            return PT_ENOMEM;
        th->frames = v;
        th->cap = cap;
    }
    th->frames[th->nframes++] = (struct pt_frame){code_addr, code ? code->name : NULL,
                                                  code ? code->file : NULL, line, err};
    return PT_OK;
}

static void collect_end(void *arg, enum pt_err err)
{
    struct collect *c = arg;
    c->out->threads[c->out->n - 1].err = err;
}

enum pt_err pt_stacks_read(struct pt_walker *w, struct pt_stacks *out)
{
    for (size_t i = 0; i < out->n; i++)
        free(out->threads[i].frames);
    out->n = 0;
    struct collect c = {out, NULL, 0, w->t->pid, PT_OK};
    pid_t *tids = NULL;
    enum pt_err err = pt_proc_tasks(w->t->pid, &tids, &c.ntids);
    if (err != PT_OK)
        return err == PT_ENOPROC ? PT_EGONE : err;
    c.tids = tids;
    struct pt_walk_sink sink = {collect_thread, collect_frame, collect_end, &c};
    err = pt_walk(w, &sink);
    free(tids);
    return c.err != PT_OK ? c.err : err;
}

void pt_stacks_free(struct pt_stacks *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->threads[i].frames);
    free(s->threads);
    memset(s, 0, sizeof *s);
}
