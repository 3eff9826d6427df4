/*
 * fuzz_decode — the fuzz entry point over pytop's whole decode path.
 *
 * Each input (format: fuzz_image.h) is a synthetic process image for one
 * supported CPython version, read through a struct pt_mem exactly as a
 * live process is read. It is decoded as pytop decodes a live target:
 * the _Py_DebugOffsets overlay (3.13+) and attach's structural proof of
 * the interpreter (over a memory map made of the image's spans), the
 * interpreter list, each interpreter's thread list, every frame chain,
 * code objects, strings and line tables (pt_stacks_read, as --once and
 * the viewer do), thread names from threading._active; then a walk with
 * the sampler's streaming walker and a last collected walk, reusing the
 * first walk's caches over memory that changed meanwhile. Memory may also
 * change in the middle of the first walk.
 *
 * Beyond "no crash, no sanitizer report, no leak, no hang", the contract
 * checked is: a frame has a name and a file exactly when it decoded;
 * every function, file and thread name is bounded, valid UTF-8 without
 * control characters; no stack is deeper than PT_MAX_FRAMES. A broken
 * contract aborts, which libFuzzer reports as a crash.
 *
 * Built with clang -fsanitize=fuzzer to fuzz, or with replay.c (any
 * compiler) to run the committed corpus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_decode.h"
#include "fuzz_image.h"
#include "pytop/py_debugoffsets.h"
#include "pytop/py_stack.h"
#include "pytop/py_string.h"
#include "pytop/py_threadnames.h"


/* The target's memory: the first state until switch_after reads, then
 * the second. */
struct fz_mem {
    struct pt_mem first, second;
    struct pt_mem_image ifirst, isecond;
    uint64_t reads, switch_after;
    int switched;
};

static enum pt_err fz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct fz_mem *m = ctx;
    if (!m->switched && m->switch_after && ++m->reads > m->switch_after)
        m->switched = 1;
    const struct pt_mem *cur = m->switched ? &m->second : &m->first;
    return cur->read(cur->ctx, addr, buf, len);
}

static void fz_mem_init(struct fz_mem *m, const struct fz_image *img)
{
    memset(m, 0, sizeof *m);
    m->ifirst = (struct pt_mem_image){img->first, img->nfirst};
    m->isecond = (struct pt_mem_image){img->second, img->nsecond};
    pt_mem_image_init(&m->first, &m->ifirst);
    pt_mem_image_init(&m->second, &m->isecond);
    m->switch_after = img->switch_after;
}

/* The memory map: the first state's spans, merged, readable. */
static int by_start(const void *a, const void *b)
{
    uint64_t x = ((const struct pt_mem_span *)a)->addr, y = ((const struct pt_mem_span *)b)->addr;
    return (x > y) - (x < y);
}

static void fz_maps(struct pt_target *t, const struct fz_image *img)
{
    struct pt_mem_span *v = malloc((img->nfirst + 1) * sizeof *v);
    struct pt_sb text;
    pt_sb_init(&text);
    if (!v)
        return;
    memcpy(v, img->first, img->nfirst * sizeof *v);
    qsort(v, img->nfirst, sizeof *v, by_start);
    for (size_t i = 0; i < img->nfirst;) {
        uint64_t start = v[i].addr, end = start + v[i].len;
        for (i++; i < img->nfirst && v[i].addr <= end; i++)
            if (v[i].addr + v[i].len > end)
                end = v[i].addr + v[i].len;
        if (end > start)
            pt_sb_printf(&text, "%llx-%llx r--p 00000000 00:00 0\n", (unsigned long long)start,
                         (unsigned long long)end);
    }
    if (text.s)
        (void)pt_maps_parse(text.s, &t->maps);
    pt_sb_free(&text);
    free(v);
}

/* What pt_target_attach would have set up for a process with this image,
 * minus the ELF file: the entry address and type addresses come from the
 * input. False when attach would have refused (bad debug offsets). */
static bool fz_target(struct pt_target *t, const struct fz_image *img, struct fz_mem *m)
{
    memset(t, 0, sizeof *t);
    /* pt_stacks_read lists this process's threads: the image's ids match
     * none of them, so thread ids are looked up the slow way, as for a
     * target in another PID namespace. */
    t->pid = getpid();
    t->ver.major = img->major;
    t->ver.minor = img->minor;
    t->ver.micro = -1;
    snprintf(t->ver.text, sizeof t->ver.text, "%d.%d", img->major, img->minor);
    t->ctx.facts = pt_facts_find(img->major, img->minor);
    const struct pt_layout *lay = pt_layout_find(img->major, img->minor);
    if (!t->ctx.facts || !lay)
        return false;
    t->ctx.lay = *lay;
    t->mem = (struct pt_mem){fz_read, NULL, m};
    t->ctx.mem = &t->mem;
    t->ctx.str_type = img->str_type;
    t->ctx.code_type = img->code_type;
    fz_maps(t, img);
    if (t->ctx.facts->entry == PT_ENTRY_INTERP_HEAD) {
        t->interp_head = img->entry;
        t->tstate_current = img->tstate_current;
        return true;
    }
    t->runtime = img->entry;
    int decl = t->ctx.facts->debug_offsets;
    if (decl && (img->flags & FZ_DEBUG_OFFSETS)) {
        uint8_t block[PT_DEBUG_OFFSETS_MAX];
        size_t len = pt_debugoffsets_size(decl);
        if (pt_mem_read(&t->mem, t->runtime, block, len) != PT_OK ||
            pt_debugoffsets_apply(block, len, decl, &t->ctx.lay, &t->debug_offsets_differ) != PT_OK)
            return false;
    }
    t->interp_head = t->runtime + (uint64_t)t->ctx.lay.runtime_interpreters_head;
    return true;
}

/* ------------------------------------------------------------------------
 * The contract.
 */
static void fz_fail(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_decode: contract broken: %s: %s\n", what, why);
    abort();
}

/* Bounded, valid UTF-8, no control characters: sanitising changes nothing. */
static void check_text(const char *what, const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n > max)
        fz_fail(what, "longer than its bound");
    char *copy = malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, s, n + 1);
    pt_str_sanitize_utf8(copy, n);
    if (memcmp(copy, s, n) != 0)
        fz_fail(what, "not clean UTF-8");
    free(copy);
}

#define NAME_MAX_BYTES (PT_STR_MAX_CHARS * 4)

static void check_code(const struct pt_code *c, enum pt_err err)
{
    if ((err == PT_OK) != (c != NULL))
        fz_fail("frame", "a code object exactly when it decoded");
    if (!c)
        return;
    if (!c->name || !c->file)
        fz_fail("code", "decoded without a name or file");
    check_text("code name", c->name, NAME_MAX_BYTES);
    check_text("code file", c->file, NAME_MAX_BYTES);
}

static void check_stacks(const struct pt_stacks *s, struct fz_result *res)
{
    res->threads += s->n;
    for (size_t i = 0; i < s->n; i++) {
        const struct pt_thread *th = &s->threads[i];
        res->frames += th->nframes;
        res->named_threads += th->name[0] != '\0';
        if (th->nframes > PT_MAX_FRAMES)
            fz_fail("thread", "deeper than PT_MAX_FRAMES");
        check_text("thread name", th->name, PT_THREAD_NAME_MAX - 1);
        for (size_t k = 0; k < th->nframes; k++) {
            const struct pt_frame *f = &th->frames[k];
            if ((f->err == PT_OK) != (f->name && f->file))
                fz_fail("frame", "a name and file exactly when it decoded");
            if (f->name) {
                res->decoded++;
                check_text("frame name", f->name, NAME_MAX_BYTES);
                check_text("frame file", f->file, NAME_MAX_BYTES);
            }
        }
    }
}

/* ------------------------------------------------------------------------
 * The sampler's way: a streaming sink, steered by the input's flags.
 */
struct fz_sink {
    unsigned flags;
    size_t threads, depth;
};

static enum pt_walk_choice fz_thread(void *arg, const struct pt_threadinfo *ti)
{
    struct fz_sink *s = arg;
    (void)ti;
    s->depth = 0;
    if ((s->flags & FZ_SKIP_ODD) && (s->threads++ & 1))
        return PT_WALK_SKIP;
    return (s->flags & FZ_REREAD) ? PT_WALK_REREAD : PT_WALK;
}

static enum pt_err fz_frame(void *arg, struct pt_code *code, uint64_t code_addr, int line,
                            enum pt_err err)
{
    struct fz_sink *s = arg;
    (void)code_addr;
    (void)line;
    check_code(code, err);
    if (++s->depth > PT_MAX_FRAMES)
        fz_fail("stream", "deeper than PT_MAX_FRAMES");
    return PT_OK;
}

static void fz_thread_end(void *arg, enum pt_err err)
{
    (void)arg;
    (void)err;
}

/* ------------------------------------------------------------------------
 * One input.
 */
static void fz_decode(struct pt_target *t, struct fz_mem *m, unsigned flags,
                      struct fz_result *res)
{
    /* attach's proof: run it, but walk whatever it says, as memory can
     * change after attach */
    (void)pt_target_head_valid(t, t->interp_head, false);
    res->proven = pt_target_head_valid(t, t->interp_head, true);
    struct pt_walker *w = malloc(sizeof *w);
    if (!w)
        return;
    pt_walker_init(w, t);
    w->verify_top = (flags & FZ_VERIFY_TOP) != 0;

    struct pt_stacks st = {0};
    if (pt_stacks_read(w, &st) == PT_OK) {
        struct pt_threadnames tn;
        pt_threadnames_init(&tn);
        pt_threadnames_fill(&tn, t, &st);
        pt_threadnames_free(&tn);
    }
    check_stacks(&st, res); /* after the walk: names must still be alive */

    m->switched = 1; /* later walks see the changed memory throughout */
    struct fz_sink sink = {flags, 0, 0};
    struct pt_walk_sink ws = {fz_thread, fz_frame, fz_thread_end, &sink, NULL};
    (void)pt_walk(w, &ws);
    struct fz_result again = {0, 0, 0, 0, 0};
    (void)pt_stacks_read(w, &st); /* over the first walk's stacks */
    check_stacks(&st, &again);
    pt_stacks_free(&st);
    pt_walker_free(w);
    free(w);
}

void fz_run(const uint8_t *data, size_t size, struct fz_result *res)
{
    struct fz_image img;
    *res = (struct fz_result){0, 0, 0, 0, 0};
    if (!fz_image_parse(data, size, &img))
        return;
    struct fz_mem m;
    fz_mem_init(&m, &img);
    struct pt_target *t = malloc(sizeof *t);
    if (t && fz_target(t, &img, &m))
        fz_decode(t, &m, img.flags, res);
    if (t)
        pt_target_detach(t);
    free(t);
    fz_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz_result res;
    fz_run(data, size, &res);
    return 0;
}
