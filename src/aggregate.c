/* aggregate — ingest: samples into the open bucket, buckets into counts. */
#include "pytop/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"

static void mode_free(struct pt_agg_mode *md)
{
    pt_idmap_free(&md->keys);
    free(md->frame_key);
    free(md->key_seen);
    pt_tally_free(&md->res_own);
    pt_tally_free(&md->res_total);
    free(md->order);
    free(md->rank);
    free(md->name_rank);
}

static void mode_init(struct pt_agg_mode *md)
{
    memset(md, 0, sizeof *md);
    pt_idmap_init(&md->keys);
    pt_tally_init(&md->res_own);
    pt_tally_init(&md->res_total);
    md->pruned_key = PT_NOID;
}

enum pt_err pt_agg_new(const struct pt_intern *in, struct pt_agg **out)
{
    struct pt_agg *a = calloc(1, sizeof *a);
    if (!a)
        return PT_ENOMEM;
    a->in = in;
    a->retention_ns = pt_agg_ns(PT_RETENTION_DEFAULT_S);
    a->stack_cap = a->prune_at = PT_AGG_STACK_CAP_DEFAULT;
    a->last_thread = PT_NOID;
    a->open_gen = 1; /* a thread's zeroed cell_gen never matches */
    a->modes = (1u << PT_KEY_COUNT) - 1;
    pt_idmap_init(&a->tids);
    pt_idmap_init(&a->fnodes);
    pt_tally_init(&a->open);
    pt_tally_init(&a->cum);
    for (int m = 0; m < PT_KEY_COUNT; m++)
        mode_init(&a->mode[m]);
    /* fnode 0 is the root: the empty stack, with no key and no marks */
    if (pt_idmap_intern(&a->fnodes, PT_NOID, PT_NOID, 0, NULL) != 0 || pt_agg_flags_room(a, 1) != PT_OK) {
        pt_agg_free(a);
        return PT_ENOMEM;
    }
    a->fnodes_mapped = 1;
    *out = a;
    return PT_OK;
}

static void drop_buckets(struct pt_agg *a)
{
    for (size_t i = 0; i < a->nbuckets; i++)
        free(a->buckets[i].cells);
    a->nbuckets = 0;
}

void pt_agg_free(struct pt_agg *a)
{
    if (!a)
        return;
    drop_buckets(a);
    free(a->buckets);
    pt_tally_free(&a->cum);
    pt_tally_free(&a->open);
    for (int m = 0; m < PT_KEY_COUNT; m++)
        mode_free(&a->mode[m]);
    pt_idmap_free(&a->fnodes);
    free(a->fnode_flags);
    for (uint32_t t = 0; t < a->tids.n; t++) {
        free(a->threads[t].frames);
        free(a->threads[t].path);
    }
    pt_idmap_free(&a->tids);
    free(a->threads);
    free(a);
}

void pt_agg_set_retention(struct pt_agg *a, double seconds)
{
    a->retention_ns = pt_agg_ns(seconds);
}

void pt_agg_set_stack_cap(struct pt_agg *a, uint32_t stacks)
{
    a->stack_cap = a->prune_at = stacks < 16 ? 16 : stacks;
}

uint64_t pt_agg_pruned_stacks(const struct pt_agg *a) { return a->pruned_stacks; }

enum pt_err pt_agg_set_modes(struct pt_agg *a, unsigned modes)
{
    modes &= (1u << PT_KEY_COUNT) - 1;
    if (a->fnodes_mapped == 1 && !a->pruned_stacks) {
        a->modes = modes; /* nothing mapped yet: any choice is free */
        return PT_OK;
    }
    enum pt_err err = PT_OK;
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++)
        if (modes >> m & 1u)
            err = pt_agg_prepare_mode(a, (enum pt_keymode)m);
    return err;
}

/* ---- adding a sample ---------------------------------------------------- */

/* Every frame id must name a published frame: a corrupt record must not
 * index past the intern table later. */
static bool frames_valid(const struct pt_agg *a, const struct pt_sample *s)
{
    uint32_t nframes = pt_intern_nframes(a->in);
    for (uint32_t i = 0; i < s->depth; i++)
        if (s->frames[i] >= nframes)
            return false;
    return true;
}

static enum pt_err thread_of(struct pt_agg *a, uint32_t tid, uint32_t *out)
{
    if (a->last_thread != PT_NOID && a->threads[a->last_thread].tid == tid) {
        *out = a->last_thread;
        return PT_OK;
    }
    *out = pt_idmap_find(&a->tids, tid, 0, 0);
    if (*out == PT_NOID) {
        if (a->tids.n >= a->threads_cap) {
            size_t cap = a->threads_cap ? a->threads_cap * 2 : 16;
            struct pt_agg_thread *th = realloc(a->threads, cap * sizeof *th);
            if (!th)
                return PT_ENOMEM;
            a->threads = th;
            a->threads_cap = cap;
        }
        *out = pt_idmap_intern(&a->tids, tid, 0, 0, NULL);
        if (*out == PT_NOID)
            return PT_ENOMEM;
        a->threads[*out] = (struct pt_agg_thread){.tid = tid};
    }
    a->last_thread = *out;
    return PT_OK;
}

static enum pt_err cache_room(struct pt_agg_thread *th, uint32_t depth)
{
    if (depth <= th->cap)
        return PT_OK;
    size_t cap = th->cap, cap2 = th->cap;
    void *f = th->frames, *p = th->path;
    enum pt_err err = pt_array_grow(&f, &cap, depth, sizeof *th->frames, 0);
    th->frames = f;
    if (err == PT_OK)
        err = pt_array_grow(&p, &cap2, depth, sizeof *th->path, 0);
    th->path = p;
    if (err != PT_OK)
        return err;
    th->cap = (uint32_t)(cap < cap2 ? cap : cap2);
    return PT_OK;
}

/* The fnode of the sample's stack (frames[depth-1] is the root). The part
 * shared with the thread's previous sample, root first, is known already;
 * only the rest is looked up. */
static enum pt_err stack_node(struct pt_agg *a, struct pt_agg_thread *th, const struct pt_sample *s,
                              uint32_t *out)
{
    uint32_t d = s->depth, same = 0, lim = d < th->depth ? d : th->depth;
    if (cache_room(th, d) != PT_OK)
        return PT_ENOMEM;
    while (same < lim && th->frames[same] == s->frames[d - 1 - same])
        same++;
    uint32_t n = same ? th->path[same - 1] : 0;
    for (uint32_t i = same; i < d; i++) {
        n = pt_idmap_intern(&a->fnodes, n, s->frames[d - 1 - i], 0, NULL);
        if (n == PT_NOID) {
            th->depth = i;
            return PT_ENOMEM;
        }
        th->frames[i] = s->frames[d - 1 - i];
        th->path[i] = n;
    }
    th->depth = d;
    *out = n;
    return PT_OK;
}

/* The open bucket's cell of (thread, cls, fnode): usually the one the
 * thread's previous sample used. */
static struct pt_cell *open_cell(struct pt_agg *a, uint32_t thread, uint32_t cls, uint32_t fnode)
{
    struct pt_agg_thread *th = &a->threads[thread];
    if (th->cell_gen == a->open_gen && th->cell_cls == cls && pt_tally_id(&a->open, th->cell) == fnode)
        return &a->open.cells[th->cell];
    uint32_t i = pt_tally_index(&a->open, thread, cls, fnode);
    if (i == PT_NOID)
        return NULL;
    th->cell = i;
    th->cell_cls = cls;
    th->cell_gen = a->open_gen;
    return &a->open.cells[i];
}

static void note_start(struct pt_agg *a, const struct pt_sample *s)
{
    if (a->open_started)
        return;
    uint64_t w_ns = (uint64_t)s->weight_us * 1000u;
    a->open_start_ns = s->t_ns > w_ns ? s->t_ns - w_ns : 0;
    a->open_started = true;
}

enum pt_err pt_agg_add(struct pt_agg *a, const struct pt_sample *s)
{
    if (!frames_valid(a, s))
        return PT_EINVAL;
    uint32_t thread, fnode = 0;
    enum pt_err err = thread_of(a, s->tid, &thread);
    if (err == PT_OK)
        err = stack_node(a, &a->threads[thread], s, &fnode);
    if (err != PT_OK)
        return err;
    struct pt_cell *c = open_cell(a, thread, s->flags & PT_CLASS_MASK, fnode);
    if (!c)
        return PT_ENOMEM;
    c->n++;
    c->us += s->weight_us;
    a->threads[thread].last_flags = s->flags;
    a->threads[thread].seen = true;
    note_start(a, s);
    return PT_OK;
}

/* ---- closing a bucket ----------------------------------------------------- */

/* The open bucket as a closed one keeps only what windows need: each
 * stack's sample count (times are read from the since-start totals). */
static enum pt_err freeze(const struct pt_tally *open, struct pt_bucket *b)
{
    b->n = pt_tally_n(open);
    b->cells = b->n ? malloc(b->n * sizeof *b->cells) : NULL;
    if (b->n && !b->cells)
        return PT_ENOMEM;
    for (size_t i = 0; i < b->n; i++)
        b->cells[i] = (struct pt_stackcell){pt_tally_id(open, i),
                                            pt_tc(pt_tally_thread(open, i), pt_tally_cls(open, i)),
                                            open->cells[i].n};
    return PT_OK;
}

static enum pt_err room_for_bucket(struct pt_agg *a)
{
    if (a->nbuckets < a->buckets_cap)
        return PT_OK;
    size_t cap = a->buckets_cap ? a->buckets_cap * 2 : 16;
    struct pt_bucket *b = realloc(a->buckets, cap * sizeof *b);
    if (!b)
        return PT_ENOMEM;
    a->buckets = b;
    a->buckets_cap = cap;
    return PT_OK;
}

/* Buckets that ended a retention or more before the newest one are
 * beyond every window; the newest stays whatever the retention. */
static void expire_buckets(struct pt_agg *a)
{
    uint64_t newest = a->buckets[a->nbuckets - 1].end_ns;
    size_t drop = 0;
    while (drop + 1 < a->nbuckets && pt_agg_ns_before(a->buckets[drop].end_ns, newest) >= a->retention_ns)
        free(a->buckets[drop++].cells);
    memmove(a->buckets, a->buckets + drop, (a->nbuckets - drop) * sizeof *a->buckets);
    a->nbuckets -= drop;
}

/* The next bucket starts empty, at the close time. */
static void reopen(struct pt_agg *a, uint64_t now_ns)
{
    pt_tally_clear(&a->open);
    a->open_gen++;
    a->open_start_ns = now_ns;
    a->open_started = true;
}

/* New stacks get their keys (and new keys their name order). */
static enum pt_err name_new_stacks(struct pt_agg *a)
{
    enum pt_err err = pt_agg_map_fnodes(a);
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++)
        if (pt_agg_mode_on(a, (enum pt_keymode)m))
            err = pt_agg_rank_keys(a, (enum pt_keymode)m);
    return err;
}

enum pt_err pt_agg_close_bucket(struct pt_agg *a, uint64_t now_ns)
{
    struct pt_bucket b = {.start_ns = a->open_started && a->open_start_ns <= now_ns ? a->open_start_ns : now_ns,
                          .end_ns = now_ns};
    enum pt_err err = name_new_stacks(a);
    if (err == PT_OK)
        err = freeze(&a->open, &b);
    if (err == PT_OK)
        err = room_for_bucket(a);
    if (err == PT_OK)
        err = pt_tally_merge(&a->cum, &a->open); /* all or nothing */
    if (err != PT_OK) {
        free(b.cells);
        reopen(a, now_ns);
        return err;
    }
    a->cum_span_ns += b.end_ns - b.start_ns;
    a->buckets[a->nbuckets++] = b;
    expire_buckets(a);
    reopen(a, now_ns);
    /* failing to prune loses nothing: the next close tries again */
    (void)pt_agg_prune(a);
    return PT_OK;
}

void pt_agg_reset(struct pt_agg *a)
{
    drop_buckets(a);
    pt_tally_clear(&a->cum);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_clear(&a->mode[m].res_own);
        pt_tally_clear(&a->mode[m].res_total);
    }
    a->cum_span_ns = 0;
    pt_tally_clear(&a->open);
    a->open_gen++;
    a->open_started = false;
    for (uint32_t t = 0; t < a->tids.n; t++)
        a->threads[t].seen = false;
}
