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
    memset(w, 0, sizeof *w);
    w->t = t;
    w->verify_top = false;
    pt_snap_init(&w->snap, &t->mem);
    w->ctx = t->ctx;
    w->ctx.mem = &w->snap.mem;
    pt_codecache_init(&w->codes);
}

void pt_walker_free(struct pt_walker *w)
{
    pt_codecache_free(&w->codes);
    pt_snap_free(&w->snap);
    pt_addrset_free(&w->frames_seen);
    free(w->tids);
    free(w->raw);
    free(w->codes_of);
    free(w->map);
    free(w->res);
    free(w->errs);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------------
 * Raw frames: collected first, decoded together.
 */
static enum pt_err raw_reserve(struct pt_walker *w, size_t n)
{
    if (n <= w->raw_cap)
        return PT_OK;
    size_t cap = w->raw_cap ? w->raw_cap : 256;
    while (cap < n)
        cap *= 2;
    struct pt_rawframe *r = realloc(w->raw, cap * sizeof *r);
    uint64_t *c = realloc(w->codes_of, cap * sizeof *c);
    uint32_t *m = realloc(w->map, cap * sizeof *m);
    struct pt_code **o = realloc(w->res, cap * sizeof *o);
    enum pt_err *e = realloc(w->errs, cap * sizeof *e);
    if (r)
        w->raw = r;
    if (c)
        w->codes_of = c;
    if (m)
        w->map = m;
    if (o)
        w->res = o;
    if (e)
        w->errs = e;
    if (!r || !c || !m || !o || !e)
        return PT_ENOMEM;
    w->raw_cap = cap;
    return PT_OK;
}

static enum pt_err push_raw(struct pt_walker *w, uint64_t code, int64_t addrq, int owner)
{
    enum pt_err err = w->nraw < w->raw_cap ? PT_OK : raw_reserve(w, w->nraw + 1);
    if (err == PT_OK)
        w->raw[w->nraw++] = (struct pt_rawframe){code, addrq, owner};
    return err;
}

/* Decode the collected frames (one read for every code header) and hand
 * them to the sink, leaf first. */
static enum pt_err emit_all(struct pt_walker *w, const struct pt_walk_sink *sink)
{
    const struct pt_pyfacts *F = w->ctx.facts;
    for (size_t i = 0; i < w->nraw; i++)
        w->codes_of[i] = w->raw[i].code;
    enum pt_err err = pt_code_get_many(&w->codes, &w->ctx, &w->epoch, w->codes_of, w->nraw,
                                       w->map, w->res, w->errs);
    for (size_t i = 0; err == PT_OK && i < w->nraw; i++) {
        const struct pt_rawframe *r = &w->raw[i];
        struct pt_code *c = w->res[w->map[i]];
        enum pt_err ferr = w->errs[w->map[i]];
        int line = -1;
        if (ferr == PT_OK) {
            /* pushed, prologue not run yet: CPython's tracebacks hide it too */
            if (r->owner >= 0 && r->owner != F->owner_generator &&
                r->addrq < 2 * (int64_t)c->firsttraceable)
                continue;
            line = pt_code_line(c, &w->ctx, r->addrq);
        }
        err = sink->frame(sink->arg, ferr == PT_OK ? c : NULL, r->code, line, ferr);
    }
    return err;
}

/* ------------------------------------------------------------------------
 * Frame reads. 3.11+ frames sit next to each other in the thread's data
 * stack, callers below callees: one read of the pages under a frame
 * usually holds all its callers too.
 */
#define SPAN_PAGE 4096u
#define SPAN_FAR (64u << 10)

static enum pt_err span_read(struct pt_walker *w, uint64_t fp, void *out, size_t len)
{
    /* In this walk's copy already: read just the frame, so the next copy
     * holds the frames and not the pages around them. */
    if (pt_snap_has(&w->snap, fp, len))
        return pt_mem_read(w->ctx.mem, fp, out, len);
    if (w->span_len && fp >= w->span_base && fp - w->span_base + len <= w->span_len) {
        memcpy(out, w->span + (fp - w->span_base), len);
        return PT_OK;
    }
    /* Far above the span: not a caller in this data stack but an entry
     * frame on the C stack (3.12+); its neighbours are not frames. */
    if (w->span_len && fp > w->span_base + w->span_len + SPAN_FAR)
        return pt_mem_read(w->ctx.mem, fp, out, len);
    uint64_t end = fp + len, page = fp & ~(uint64_t)(SPAN_PAGE - 1);
    /* two pages below the frame's end, else one, else just the frame */
    const uint64_t starts[] = {page >= SPAN_PAGE ? page - SPAN_PAGE : page, page, fp};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        if (end - starts[i] > sizeof w->span)
            continue;
        if (pt_mem_read(w->ctx.mem, starts[i], w->span, end - starts[i]) == PT_OK) {
            w->span_base = starts[i];
            w->span_len = end - starts[i];
            memcpy(out, w->span + (fp - starts[i]), len);
            return PT_OK;
        }
    }
    w->span_len = 0;
    return pt_mem_read(w->ctx.mem, fp, out, len);
}

/* A frame met twice in one stack: the walk crossed memory the target
 * rewrote meanwhile, or a loop. Exact, unlike a cycle check (addrset.h). */
static bool frame_repeats(struct pt_walker *w, uint64_t fp)
{
    return pt_addrset_add(&w->frames_seen, fp) != PT_OK;
}

/* <= 3.10: PyFrameObject chain through f_back. */
static enum pt_err walk_frameobjs(struct pt_walker *w, uint64_t fp)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    size_t len = (size_t)L->frame_localsplus;
    uint8_t buf[FRAME_BUF];
    if (len > sizeof buf)
        return PT_EINVAL;
    enum pt_err err = PT_OK;
    for (size_t depth = 0; fp && err == PT_OK; fp = word(buf, L->frame_back), depth++) {
        if (depth >= PT_MAX_FRAMES || frame_repeats(w, fp) || !ptr_ok(t, fp)) {
            err = PT_EINVAL;
            break;
        }
        /* the walk's snapshot holds last time's frames: usually no system call */
        if ((err = pt_mem_read(w->ctx.mem, fp, buf, len)) != PT_OK)
            break;
        int64_t lasti = int32(buf, L->frame_lasti);
        if (t->ctx.facts->instr == PT_INSTR_LASTI_UNITS && lasti >= 0)
            lasti *= 2;
        err = push_raw(w, word(buf, L->frame_code), lasti, -1);
    }
    return err;
}

/* Where a 3.11+ chain may end. Every thread's stack starts where C code
 * entered the interpreter: 3.12+ puts an entry frame there (a shim);
 * 3.11 has none, but that frame is never a generator's, whose link is
 * cleared each time it yields. A chain ending anywhere else met a frame
 * that had left the stack while it was read (typically a generator's, as
 * it yielded): the part below it is missing. */
static bool bottom_ok(const struct pt_pyfacts *F, int owner)
{
    if (F->owner_shim_min >= 0)
        return owner >= F->owner_shim_min;
    return owner != F->owner_generator;
}

/* 3.11+: _PyInterpreterFrame chain through previous. */
static enum pt_err walk_iframes(struct pt_walker *w, uint64_t fp)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    const struct pt_pyfacts *F = t->ctx.facts;
    size_t len = (size_t)L->iframe_size;
    uint8_t buf[FRAME_BUF];
    if (len > sizeof buf)
        return PT_EINVAL;
    w->span_len = 0; /* never reuse bytes read before this thread's walk */
    int owner = -1;
    for (size_t depth = 0; fp; fp = word(buf, L->iframe_previous), depth++) {
        if (depth >= PT_MAX_FRAMES || frame_repeats(w, fp) || !ptr_ok(t, fp))
            return PT_EINVAL;
        enum pt_err err = span_read(w, fp, buf, len);
        if (err != PT_OK)
            return err;
        owner = buf[L->iframe_owner];
        if (F->owner_shim_min >= 0 && owner >= F->owner_shim_min)
            continue; /* interpreter entry/shim frame: not Python code */
        uint64_t code = word(buf, L->iframe_code) & ~F->code_tag_mask;
        int64_t addrq = (int64_t)(word(buf, L->iframe_instr) - (code + (uint64_t)L->code_code_adaptive));
        if ((err = push_raw(w, code, addrq, owner)) != PT_OK)
            return err;
    }
    return owner < 0 || bottom_ok(F, owner) ? PT_OK : PT_EINVAL;
}

/* All of one thread's frames onto w->raw (read_stack empties it first). */
static enum pt_err walk_frames(struct pt_walker *w, uint64_t fp)
{
    pt_addrset_clear(&w->frames_seen);
    return w->t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ ? walk_frameobjs(w, fp) : walk_iframes(w, fp);
}

/* ------------------------------------------------------------------------
 * Threads.
 */

/* The thread state holding the GIL in this interpreter, or 0. */
/* The GIL's state block for this interpreter (fixed for its lifetime, so
 * the per-interpreter pointer is looked up once and remembered). */
static uint64_t gil_block(struct pt_walker *w, uint64_t interp)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    if (t->ctx.facts->gil == PT_GIL_RUNTIME)
        return t->runtime + (uint64_t)L->runtime_gil_last_holder - (uint64_t)L->gil_last_holder;
    if (w->gil_interp == interp && w->gil_addr)
        return w->gil_addr;
    uint64_t gil = 0;
    if (pt_mem_read_u64(w->ctx.mem, interp + (uint64_t)L->interp_ceval_gil, &gil) != PT_OK)
        return 0;
    w->gil_interp = interp;
    w->gil_addr = gil;
    return gil;
}

/* The thread state holding the GIL in this interpreter, or 0. */
static uint64_t gil_holder(struct pt_walker *w, uint64_t interp)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    uint64_t holder = 0;
    if (t->ctx.facts->gil == PT_GIL_TSTATE_CURRENT) {
        if (t->tstate_current && pt_mem_read_u64(w->ctx.mem, t->tstate_current, &holder) == PT_OK)
            return holder;
        return 0;
    }
    uint64_t gil = gil_block(w, interp);
    /* last_holder and locked sit side by side: one read for both */
    int32_t lo = L->gil_last_holder < L->gil_locked ? L->gil_last_holder : L->gil_locked;
    int32_t hi = L->gil_last_holder < L->gil_locked ? L->gil_locked : L->gil_last_holder;
    uint8_t buf[64];
    if (!gil || hi - lo + 8 > (int32_t)sizeof buf ||
        pt_mem_read(w->ctx.mem, gil + (uint64_t)lo, buf, (size_t)(hi - lo + 8)) != PT_OK)
        return 0;
    return int32(buf, L->gil_locked - lo) == 1 ? word(buf, L->gil_last_holder - lo) : 0;
}

/* The remembered kernel id of this thread, where the last walks met it
 * (new threads join the list at its head, so one place either way). */
static struct pt_tidmemo *tid_memo(struct pt_walker *w, uint64_t ts, uint64_t ident)
{
    size_t pos = w->thread_pos;
    for (size_t d = 0; d < 3; d++) {
        size_t i = d == 0 ? pos : d == 1 ? pos - 1 : pos + 1; /* pos - 1 wraps: caught below */
        if (i < w->ntids && w->tids[i].tstate == ts && w->tids[i].ident == ident)
            return &w->tids[i];
    }
    return NULL;
}

static void tid_remember(struct pt_walker *w, uint64_t ts, uint64_t ident, pid_t tid)
{
    size_t pos = w->thread_pos;
    if (pos >= w->tids_cap) {
        size_t cap = w->tids_cap ? w->tids_cap * 2 : 16;
        while (cap <= pos)
            cap *= 2;
        struct pt_tidmemo *v = realloc(w->tids, cap * sizeof *v);
        if (!v)
            return; /* read again next time */
        w->tids = v;
        w->tids_cap = cap;
    }
    for (; w->ntids <= pos; w->ntids++)
        w->tids[w->ntids] = (struct pt_tidmemo){0, 0, 0};
    w->tids[pos] = (struct pt_tidmemo){ts, ident, tid};
}

void pt_walker_forget_tid(struct pt_walker *w, uint64_t tstate)
{
    for (size_t i = 0; i < w->ntids; i++)
        if (w->tids[i].tstate == tstate)
            w->tids[i] = (struct pt_tidmemo){0, 0, 0};
}

/* The kernel tid as the target's PID namespace numbers it. */
static pid_t thread_ns_tid(struct pt_walker *w, uint64_t ts, const uint8_t *ts_buf)
{
    const struct pt_target *t = w->t;
    const struct pt_layout *L = &t->ctx.lay;
    if (t->ctx.facts->native_tid)
        return (pid_t)word(ts_buf, L->ts_native_thread_id);
    int32_t tid;
    uint64_t ident = word(ts_buf, L->ts_thread_id);
    const struct pt_tidmemo *m = tid_memo(w, ts, ident);
    if (m)
        return m->tid;
    if (!ident || pt_mem_read(w->ctx.mem, ident + GLIBC_PTHREAD_TID_OFF, &tid, sizeof tid) != PT_OK ||
        tid <= 0)
        return 0;
    tid_remember(w, ts, ident, tid);
    return tid;
}

/* <= 3.10 counts every frame it evaluates in the thread's recursion
 * depth (and a few C calls too), and pushes or pops a frame one step
 * apart from the count: a chain longer than depth + 1 at both ends of
 * the walk was pieced together from two stacks. Frames freed and reused
 * while the walk crossed them make such chains, deeper than the thread
 * ever was and without a repeated address. */
static bool depth_plausible(const struct pt_walker *w, const uint8_t *ts_before,
                            const uint8_t *ts_after)
{
    int32_t off = w->t->ctx.lay.ts_recursion_depth;
    if (off == PT_NOFIELD)
        return true;
    int32_t depth = int32(ts_before, off);
    if (ts_after && int32(ts_after, off) > depth)
        depth = int32(ts_after, off);
    return depth >= 0 && w->nraw <= (size_t)depth + 1;
}

/* The code-object count, read through mem after a thread's frames: the
 * count their code objects' cache entries must match (py_code.h). */
static void read_count(struct pt_walker *w, const struct pt_mem *mem)
{
    w->epoch.now_ok = false;
    if (!w->count_addr)
        return;
    if (w->t->ctx.facts->codecount == PT_CODECOUNT_INTERP64) {
        w->epoch.now_ok = pt_mem_read_u64(mem, w->count_addr, &w->epoch.now) == PT_OK;
    } else {
        uint32_t v;
        /* a 32-bit count that ran out stays 0 and no longer moves */
        w->epoch.now_ok = pt_mem_read(mem, w->count_addr, &v, sizeof v) == PT_OK && v != 0;
        w->epoch.now = v;
    }
}

/* The frames of the thread whose state is ts_buf (read from w->ctx.mem)
 * into w->raw; PT_EINVAL when they do not hold together. */
static enum pt_err read_stack(struct pt_walker *w, uint64_t ts, const uint8_t *ts_buf, size_t len)
{
    const struct pt_target *t = w->t;
    uint8_t after_buf[TS_BUF];
    uint64_t fp = 0, fp_after, misses = w->snap.st.misses;
    w->nraw = 0;
    enum pt_err err = pt_target_top_frame(t, w->ctx.mem, ts_buf, &fp);
    if (err == PT_OK)
        err = walk_frames(w, fp);
    /* Read the top again, younger than every byte the walk used: from the
     * end of the walk's own vectored read when all of it came from there,
     * else live. */
    const struct pt_mem *after = w->snap.st.misses == misses ? &w->snap.tail : &t->mem;
    if (err == PT_OK && w->verify_top &&
        (pt_mem_read(after, ts, after_buf, len) != PT_OK ||
         pt_target_top_frame(t, after, after_buf, &fp_after) != PT_OK || fp_after != fp))
        err = PT_EINVAL; /* the stack moved under us: not a stack it ever had */
    if (err == PT_OK && !depth_plausible(w, ts_buf, w->verify_top ? after_buf : NULL))
        err = PT_EINVAL;
    read_count(w, after);
    return err;
}

/* A thread calling and returning faster than one read moves its top
 * during about half of the non-blocking reads: read it again (one more
 * vectored read each) rather than lose the sample. The same checks judge
 * every try. */
#define TORN_RETRIES 2

/* Take the walk's copy again (after a pause, or to try a torn read once
 * more) and the thread state from it, still the thread's it was. */
static enum pt_err reread_state(struct pt_walker *w, uint64_t ts, uint8_t *ts_buf, size_t len, uint64_t ident)
{
    pt_snap_refresh(&w->snap);
    enum pt_err err = pt_mem_read(w->ctx.mem, ts, ts_buf, len);
    if (err == PT_OK && word(ts_buf, w->t->ctx.lay.ts_thread_id) != ident)
        err = PT_EINVAL; /* its state belongs to another thread now */
    return err;
}

static enum pt_err read_stack_retrying(struct pt_walker *w, uint64_t ts, uint8_t *ts_buf, size_t len,
                                       uint64_t ident)
{
    enum pt_err err = read_stack(w, ts, ts_buf, len);
    for (int i = 0; i < TORN_RETRIES && err == PT_EINVAL && w->verify_top; i++)
        if ((err = reread_state(w, ts, ts_buf, len, ident)) == PT_OK)
            err = read_stack(w, ts, ts_buf, len);
    return err;
}

/* One thread state: PT_EINVAL/read errors mean the list itself is broken. */
static enum pt_err walk_thread(struct pt_walker *w, uint64_t interp, uint64_t ts, uint64_t holder,
                               const struct pt_walk_sink *sink, uint64_t *next)
{
    const struct pt_layout *L = &w->t->ctx.lay;
    uint8_t buf[TS_BUF];
    size_t len = pt_layout_ts_span(L);
    if (len > sizeof buf)
        return PT_EINVAL;
    enum pt_err err = pt_mem_read(w->ctx.mem, ts, buf, len);
    if (err != PT_OK)
        return err;
    if (word(buf, L->ts_interp) != interp)
        return PT_EINVAL; /* not a thread state of this interpreter */
    *next = word(buf, L->ts_next);
    struct pt_threadinfo ti = {ts, word(buf, L->ts_thread_id), thread_ns_tid(w, ts, buf), holder == ts};
    w->thread_pos++;
    enum pt_walk_choice choice = sink->thread(sink->arg, &ti);
    if (choice == PT_WALK_SKIP)
        return PT_OK;
    w->nraw = 0;
    if (choice == PT_WALK_REREAD) /* paused: the rest of this walk sees it held still */
        err = reread_state(w, ts, buf, len, ti.ident);
    if (err == PT_OK)
        err = read_stack_retrying(w, ts, buf, len, ti.ident);
    if (err == PT_EINVAL && sink->torn && sink->torn(sink->arg) == PT_WALK_REREAD &&
        (err = reread_state(w, ts, buf, len, ti.ident)) == PT_OK)
        err = read_stack(w, ts, buf, len);
    /* frames read before a failure are still reported, then the failure */
    enum pt_err emitted = emit_all(w, sink);
    if (err == PT_OK)
        err = emitted;
    sink->thread_end(sink->arg, err);
    return err == PT_ENOMEM ? err : PT_OK;
}

/* An interpreter's next pointer and first thread state, read together
 * when they are close (they are, in every version but 3.13+'s 80 bytes). */
static enum pt_err interp_links(const struct pt_walker *w, uint64_t interp, uint64_t *next,
                                uint64_t *threads)
{
    const struct pt_layout *L = &w->ctx.lay;
    const struct pt_mem *mem = w->ctx.mem;
    int32_t lo = L->interp_next < L->interp_threads_head ? L->interp_next : L->interp_threads_head;
    int32_t hi = L->interp_next < L->interp_threads_head ? L->interp_threads_head : L->interp_next;
    uint8_t buf[256];
    if (hi - lo + 8 > (int32_t)sizeof buf) {
        enum pt_err err = pt_mem_read_u64(mem, interp + (uint64_t)L->interp_next, next);
        return err != PT_OK ? err
                            : pt_mem_read_u64(mem, interp + (uint64_t)L->interp_threads_head, threads);
    }
    enum pt_err err = pt_mem_read(mem, interp + (uint64_t)lo, buf, (size_t)(hi - lo + 8));
    if (err == PT_OK) {
        *next = word(buf, L->interp_next - lo);
        *threads = word(buf, L->interp_threads_head - lo);
    }
    return err;
}

static enum pt_err walk_interp(struct pt_walker *w, uint64_t interp, uint64_t ts, uint64_t holder,
                               const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    struct cycle cy;
    cycle_init(&cy);
    enum pt_err err = PT_OK;
    for (size_t n = 0; ts && err == PT_OK; n++) {
        if (n >= PT_MAX_THREADS || cycle_seen(&cy, ts) || !ptr_ok(t, ts))
            return PT_EINVAL;
        uint64_t next = 0;
        err = walk_thread(w, interp, ts, holder, sink, &next);
        ts = next;
    }
    return err;
}

/* Where this walk reads the code-object count. A per-interpreter count
 * says nothing of code objects another interpreter made or freed, so it
 * is used only while the target has a single interpreter. */
static uint64_t count_addr(const struct pt_walker *w, size_t k, uint64_t interp, uint64_t next)
{
    const struct pt_target *t = w->t;
    int32_t off = t->ctx.lay.interp_code_counter;
    switch (t->ctx.facts->codecount) {
    case PT_CODECOUNT_GLOBAL32:
        return t->code_counter;
    case PT_CODECOUNT_INTERP32:
    case PT_CODECOUNT_INTERP64:
        return k == 0 && next == 0 && off != PT_NOFIELD ? interp + (uint64_t)off : 0;
    case PT_CODECOUNT_NONE:
        break;
    }
    return 0;
}

static enum pt_err walk_all(struct pt_walker *w, const struct pt_walk_sink *sink)
{
    const struct pt_target *t = w->t;
    uint64_t interp;
    enum pt_err err = pt_target_first_interp(t, w->ctx.mem, &interp);
    /* A GIL of the whole runtime (<= 3.11) is read right after the list
     * head, beside it in memory: the two make one piece of the next copy. */
    bool per_interp = t->ctx.facts->gil == PT_GIL_PER_INTERP;
    uint64_t holder = err == PT_OK && !per_interp ? gil_holder(w, 0) : 0;
    struct cycle cy;
    cycle_init(&cy);
    for (size_t k = 0; err == PT_OK && interp; k++) {
        if (k >= MAX_INTERPS || cycle_seen(&cy, interp) || !ptr_ok(t, interp))
            return PT_EINVAL;
        uint64_t next = 0, threads = 0;
        err = interp_links(w, interp, &next, &threads);
        w->count_addr = err == PT_OK ? count_addr(w, k, interp, next) : 0;
        /* a stamp is only good against the count it was read from */
        w->epoch.stamp_ok &= w->count_addr == w->count_prev_addr;
        if (err == PT_OK)
            err = walk_interp(w, interp, threads, per_interp ? gil_holder(w, interp) : holder, sink);
        interp = next;
    }
    return err;
}

enum pt_err pt_walk(struct pt_walker *w, const struct pt_walk_sink *sink)
{
    w->thread_pos = 0;
    /* the last count the previous walk read came before every header this
     * one reads: entries checked now keep it */
    w->epoch.stamp = w->epoch.now;
    w->epoch.stamp_ok = w->epoch.now_ok;
    w->epoch.now_ok = false;
    pt_snap_begin(&w->snap);
    enum pt_err err = walk_all(w, sink);
    pt_snap_end(&w->snap);
    w->count_prev_addr = w->count_addr;
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
    struct pt_frame f = {code_addr, NULL, NULL, line, err};
    if (code && (!(f.name = strdup(code->name)) || !(f.file = strdup(code->file)))) {
        free(f.name);
        return PT_ENOMEM;
    }
    th->frames[th->nframes++] = f;
    return PT_OK;
}

static void collect_end(void *arg, enum pt_err err)
{
    struct collect *c = arg;
    c->out->threads[c->out->n - 1].err = err;
}

static void free_frames(struct pt_thread *th)
{
    for (size_t k = 0; k < th->nframes; k++) {
        free(th->frames[k].name);
        free(th->frames[k].file);
    }
    free(th->frames);
}

enum pt_err pt_stacks_read(struct pt_walker *w, struct pt_stacks *out)
{
    for (size_t i = 0; i < out->n; i++)
        free_frames(&out->threads[i]);
    out->n = 0;
    struct collect c = {out, NULL, 0, w->t->pid, PT_OK};
    pid_t *tids = NULL;
    enum pt_err err = pt_proc_tasks(w->t->pid, &tids, &c.ntids);
    if (err != PT_OK)
        return err == PT_ENOPROC ? PT_EGONE : err;
    c.tids = tids;
    struct pt_walk_sink sink = {collect_thread, collect_frame, collect_end, &c, NULL};
    err = pt_walk(w, &sink);
    free(tids);
    return c.err != PT_OK ? c.err : err;
}

void pt_stacks_free(struct pt_stacks *s)
{
    for (size_t i = 0; i < s->n; i++)
        free_frames(&s->threads[i]);
    free(s->threads);
    memset(s, 0, sizeof *s);
}
