/*
 * capture — snapshot what pytop reads of a live Python process, as a fuzz
 * seed (format: fuzz_image.h).
 *
 *   fuzz_capture OUT PID
 *
 * Attaches read-only as pytop does, then wraps the live memory reader so
 * every successful read is recorded: the _Py_DebugOffsets block (3.13+),
 * attach's structural proof of the interpreter, one full walk (threads, frames, code objects, strings, line tables) and
 * the thread-name lookup make the first state; a second walk makes the
 * second state, of which only what differs is kept (the running threads'
 * frames). Overlapping and adjacent reads are merged into spans, so a
 * seed holds exactly the memory the decoder touched. Prints a one-line
 * summary; exits non-zero when attach or the walk fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_image.h"
#include "pytop/py_debugoffsets.h"
#include "pytop/py_stack.h"
#include "pytop/py_threadnames.h"

struct rec_read {
    uint64_t addr;
    size_t len, order;
    uint8_t *data;
};

struct recorder {
    struct pt_mem live;
    struct rec_read *v[2];
    size_t n[2], cap[2];
    int phase;
    bool failed;
};

static void record(struct recorder *r, uint64_t addr, const void *buf, size_t len)
{
    int p = r->phase;
    if (r->n[p] == r->cap[p]) {
        size_t cap = r->cap[p] ? 2 * r->cap[p] : 1024;
        struct rec_read *v = realloc(r->v[p], cap * sizeof *v);
        if (!v) {
            r->failed = true;
            return;
        }
        r->v[p] = v;
        r->cap[p] = cap;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        r->failed = true;
        return;
    }
    memcpy(copy, buf, len);
    r->v[p][r->n[p]] = (struct rec_read){addr, len, r->n[p], copy};
    r->n[p]++;
}

static enum pt_err rec_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct recorder *r = ctx;
    enum pt_err err = r->live.read(r->live.ctx, addr, buf, len);
    if (err == PT_OK)
        record(r, addr, buf, len);
    return err;
}

static size_t rec_readv(void *ctx, const struct pt_mem_piece *p, size_t n)
{
    struct recorder *r = ctx;
    size_t got = pt_mem_readv(&r->live, p, n);
    for (size_t i = 0; i < got; i++)
        record(r, p[i].addr, p[i].buf, p[i].len);
    return got;
}

/* ------------------------------------------------------------------------
 * Reads to spans.
 */
struct span {
    uint64_t addr;
    size_t len;
    uint8_t *data;
};

static void free_spans(struct span *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].data);
    free(s);
}

static int by_addr(const void *a, const void *b)
{
    const struct rec_read *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int latest_first(const void *a, const void *b)
{
    const struct rec_read *x = a, *y = b;
    return (x->order < y->order) - (x->order > y->order);
}

/* Merge overlapping and adjacent reads; where reads of moving memory
 * disagree, the earliest read wins. Returns the span count, or 0. */
static size_t merge(struct rec_read *v, size_t n, struct span **out)
{
    qsort(v, n, sizeof *v, by_addr);
    struct span *s = calloc(n ? n : 1, sizeof *s);
    size_t k = 0;
    if (!s)
        return 0;
    for (size_t i = 0; i < n;) {
        uint64_t start = v[i].addr, end = v[i].addr + v[i].len;
        size_t j = i + 1;
        for (; j < n && v[j].addr <= end; j++)
            if (v[j].addr + v[j].len > end)
                end = v[j].addr + v[j].len;
        struct span *sp = &s[k++];
        *sp = (struct span){start, (size_t)(end - start), calloc(end - start, 1)};
        if (!sp->data) {
            free_spans(s, k);
            return 0;
        }
        /* latest first, so the earliest read is written last */
        qsort(v + i, j - i, sizeof *v, latest_first);
        for (size_t q = i; q < j; q++)
            memcpy(sp->data + (v[q].addr - start), v[q].data, v[q].len);
        i = j;
    }
    *out = s;
    return k;
}

/* Is [addr, addr+len) in one first-state span with these very bytes? */
static bool unchanged(const struct span *s, size_t n, const struct span *x)
{
    for (size_t i = 0; i < n; i++)
        if (x->addr >= s[i].addr && x->addr + x->len <= s[i].addr + s[i].len)
            return memcmp(s[i].data + (x->addr - s[i].addr), x->data, x->len) == 0;
    return false;
}

/* ------------------------------------------------------------------------
 * The capture.
 */
static size_t named_frames(const struct pt_stacks *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->threads[i].nframes; k++)
            n += s->threads[i].frames[k].name != NULL;
    return n;
}

/* The first state: debug offsets, a walk, the thread names; the second:
 * another walk. */
static enum pt_err walk_twice(struct pt_target *t, struct recorder *r, struct pt_stacks *st)
{
    int decl = t->ctx.facts->debug_offsets;
    uint8_t block[PT_DEBUG_OFFSETS_MAX];
    if (decl && pt_mem_read(&t->mem, t->runtime, block, pt_debugoffsets_size(decl)) != PT_OK)
        return PT_EREAD;
    /* the proof also asks the memory map whether the interpreter's first
     * word is mapped: the seed's map is made of what was read */
    uint64_t interp, word;
    if (pt_target_first_interp(t, &t->mem, &interp) != PT_OK ||
        pt_mem_read_u64(&t->mem, interp, &word) != PT_OK ||
        !pt_target_head_valid(t, t->interp_head, true))
        return PT_ENOINTERP;
    struct pt_walker w;
    pt_walker_init(&w, t);
    enum pt_err err = pt_stacks_read(&w, st);
    if (err == PT_OK) {
        struct pt_threadnames tn;
        pt_threadnames_init(&tn);
        pt_threadnames_fill(&tn, t, st);
        pt_threadnames_free(&tn);
        r->phase = 1;
        struct pt_stacks again = {0};
        pt_stacks_read(&w, &again);
        pt_stacks_free(&again);
    }
    pt_walker_free(&w);
    return err;
}

static bool write_seed(const char *path, const struct pt_target *t, struct recorder *r,
                       size_t *bytes, size_t *nspans)
{
    struct span *s1 = NULL, *s2 = NULL;
    size_t n1 = merge(r->v[0], r->n[0], &s1), n2 = merge(r->v[1], r->n[1], &s2);
    FILE *f = fopen(path, "wb");
    if (!f || !n1) {
        if (f)
            fclose(f);
        free_spans(s1, n1);
        free_spans(s2, n2);
        return false;
    }
    struct fz_image img = {.major = t->ver.major, .minor = t->ver.minor,
                           .flags = t->ctx.facts->debug_offsets ? FZ_DEBUG_OFFSETS : 0,
                           .entry = t->runtime ? t->runtime : t->interp_head,
                           .tstate_current = t->tstate_current,
                           .str_type = t->ctx.str_type, .code_type = t->ctx.code_type};
    fz_write_header(f, &img);
    *nspans = 0;
    for (int phase = 0; phase < 2; phase++)
        for (size_t i = 0; i < (phase ? n2 : n1); i++) {
            const struct span *x = phase ? &s2[i] : &s1[i];
            if (phase && unchanged(s1, n1, x))
                continue;
            fz_write_span(f, phase, x->addr, x->data, (uint32_t)x->len);
            ++*nspans;
        }
    *bytes = (size_t)ftell(f);
    free_spans(s1, n1);
    free_spans(s2, n2);
    return fclose(f) == 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OUT PID\n", argv[0]);
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[2]);
    struct pt_target t;
    struct pt_sb why;
    pt_sb_init(&why);
    enum pt_err err = pt_target_attach(pid, &t, &why);
    if (err != PT_OK) {
        fprintf(stderr, "capture: attach %d: %s %s\n", (int)pid, pt_err_name(err), why.s ? why.s : "");
        return 1;
    }
    struct recorder r = {.live = t.mem};
    t.mem = (struct pt_mem){rec_read, rec_readv, &r};
    struct pt_stacks st = {0};
    err = walk_twice(&t, &r, &st);
    size_t bytes = 0, nspans = 0;
    bool ok = err == PT_OK && !r.failed && write_seed(argv[1], &t, &r, &bytes, &nspans);
    if (ok)
        printf("%s: CPython %s, %zu threads, %zu named frames, %zu reads -> %zu spans, %zu bytes\n",
               argv[1], t.ver.text, st.n, named_frames(&st), r.n[0] + r.n[1], nspans, bytes);
    else
        fprintf(stderr, "capture: %d: %s\n", (int)pid, err != PT_OK ? pt_err_name(err) : "could not write");
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < r.n[p]; i++)
            free(r.v[p][i].data);
        free(r.v[p]);
    }
    pt_stacks_free(&st);
    pt_target_detach(&t);
    pt_sb_free(&why);
    return ok ? 0 : 1;
}
