/* aggregate — ingest: samples into the open bucket, buckets into counts. */
#include "pytop/aggregate.h"

#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"

static void bucket_init(struct pt_bucket *b)
{
    b->start_ns = b->end_ns = 0;
    pt_tally_init(&b->samples);
    pt_tally_init(&b->stacks);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_init(&b->keys[m]);
        pt_tally_init(&b->edges[m]);
    }
}

static void bucket_free(struct pt_bucket *b)
{
    pt_tally_free(&b->samples);
    pt_tally_free(&b->stacks);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_free(&b->keys[m]);
        pt_tally_free(&b->edges[m]);
    }
}

static void mode_free(struct pt_agg_mode *md)
{
    pt_idmap_free(&md->keys);
    pt_idmap_free(&md->nodes);
    pt_idmap_free(&md->edges);
    free(md->frame_key);
    free(md->fnode_node);
    free(md->node_edge);
    free(md->key_stamp);
    free(md->edge_stamp);
    free(md->order);
    free(md->rank);
    free(md->name_rank);
}

/* Node 0 of a tree is the root: the empty stack. */
static enum pt_err tree_root(struct pt_idmap *tree)
{
    return pt_idmap_intern(tree, PT_NOID, PT_NOID, NULL) == 0 ? PT_OK : PT_ENOMEM;
}

static enum pt_err mode_init(struct pt_agg_mode *md)
{
    memset(md, 0, sizeof *md);
    pt_idmap_init(&md->keys);
    pt_idmap_init(&md->nodes);
    pt_idmap_init(&md->edges);
    if (tree_root(&md->nodes) != PT_OK)
        return PT_ENOMEM;
    /* fnode 0 (root) maps to node 0 (root); the root has no incoming edge */
    if (pt_u32_grow(&md->fnode_node, &md->fnode_node_cap, 1, 0) != PT_OK ||
        pt_u32_grow(&md->node_edge, &md->node_edge_cap, 1, PT_NOID) != PT_OK)
        return PT_ENOMEM;
    return PT_OK;
}

enum pt_err pt_agg_new(const struct pt_intern *in, struct pt_agg **out)
{
    struct pt_agg *a = calloc(1, sizeof *a);
    if (!a)
        return PT_ENOMEM;
    a->in = in;
    a->retention_ns = pt_agg_ns(PT_RETENTION_DEFAULT_S);
    pt_idmap_init(&a->tids);
    pt_idmap_init(&a->fnodes);
    pt_tally_init(&a->open);
    bucket_init(&a->cum);
    enum pt_err err = tree_root(&a->fnodes);
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++)
        err = mode_init(&a->mode[m]);
    if (err != PT_OK) {
        pt_agg_free(a);
        return err;
    }
    a->fnodes_mapped = 1;
    *out = a;
    return PT_OK;
}

static void drop_buckets(struct pt_agg *a)
{
    for (size_t i = 0; i < a->nbuckets; i++)
        bucket_free(&a->buckets[i]);
    a->nbuckets = 0;
}

void pt_agg_free(struct pt_agg *a)
{
    if (!a)
        return;
    drop_buckets(a);
    free(a->buckets);
    bucket_free(&a->cum);
    pt_tally_free(&a->open);
    for (int m = 0; m < PT_KEY_COUNT; m++)
        mode_free(&a->mode[m]);
    pt_idmap_free(&a->fnodes);
    pt_idmap_free(&a->tids);
    free(a->threads);
    free(a);
}

void pt_agg_set_retention(struct pt_agg *a, double seconds)
{
    a->retention_ns = pt_agg_ns(seconds);
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
    *out = pt_idmap_find(&a->tids, tid, 0);
    if (*out != PT_NOID)
        return PT_OK;
    if (a->tids.n >= a->threads_cap) {
        size_t cap = a->threads_cap ? a->threads_cap * 2 : 16;
        struct pt_agg_thread *th = realloc(a->threads, cap * sizeof *th);
        if (!th)
            return PT_ENOMEM;
        a->threads = th;
        a->threads_cap = cap;
    }
    *out = pt_idmap_intern(&a->tids, tid, 0, NULL);
    if (*out == PT_NOID)
        return PT_ENOMEM;
    a->threads[*out] = (struct pt_agg_thread){.tid = tid};
    return PT_OK;
}

/* The call-tree node of the sample's stack, walking root (frames[depth-1])
 * to leaf (frames[0]). */
static enum pt_err fnode_of(struct pt_agg *a, const struct pt_sample *s, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t i = s->depth; i-- > 0;) {
        n = pt_idmap_intern(&a->fnodes, n, s->frames[i], NULL);
        if (n == PT_NOID)
            return PT_ENOMEM;
    }
    *out = n;
    return PT_OK;
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
    uint32_t thread, fnode;
    enum pt_err err = thread_of(a, s->tid, &thread);
    if (err == PT_OK)
        err = fnode_of(a, s, &fnode);
    if (err != PT_OK)
        return err;
    struct pt_cell *c = pt_tally_at(&a->open, thread, s->flags & PT_CLASS_MASK, fnode);
    if (!c)
        return PT_ENOMEM;
    c->own++;
    c->own_us += s->weight_us;
    a->threads[thread].last_flags = s->flags;
    a->threads[thread].seen = true;
    note_start(a, s);
    return PT_OK;
}

/* ---- closing a bucket: map new stacks into every mode ------------------- */

static uint32_t frame_key(struct pt_agg *a, enum pt_keymode m, uint32_t frame)
{
    struct pt_agg_mode *md = &a->mode[m];
    if (pt_u32_grow(&md->frame_key, &md->frame_key_cap, (size_t)frame + 1, PT_NOID) != PT_OK)
        return PT_NOID;
    if (md->frame_key[frame] != PT_NOID)
        return md->frame_key[frame];
    const struct pt_frameinfo *f = pt_intern_frameinfo(a->in, frame);
    int32_t line = m == PT_KEY_FUNCTION ? f->firstline : f->line;
    uint32_t k = pt_idmap_intern(&md->keys, (uint64_t)f->name << 32 | f->file, (uint32_t)line, NULL);
    md->frame_key[frame] = k;
    return k;
}

/* The node of (parent node, key), with the edge into it remembered. */
static uint32_t child_node(struct pt_agg_mode *md, uint32_t parent, uint32_t key)
{
    uint32_t n = pt_idmap_intern(&md->nodes, parent, key, NULL);
    if (n == PT_NOID || pt_u32_grow(&md->node_edge, &md->node_edge_cap, (size_t)n + 1, PT_NOID) != PT_OK)
        return PT_NOID;
    if (md->node_edge[n] == PT_NOID) {
        uint32_t caller = parent == 0 ? PT_NOID : pt_agg_node_key(&md->nodes, parent);
        md->node_edge[n] = pt_idmap_intern(&md->edges, caller, key, NULL);
        if (md->node_edge[n] == PT_NOID)
            return PT_NOID;
    }
    return n;
}

static enum pt_err map_fnode(struct pt_agg *a, enum pt_keymode m, uint32_t f)
{
    struct pt_agg_mode *md = &a->mode[m];
    uint32_t key = frame_key(a, m, pt_agg_node_key(&a->fnodes, f));
    if (key == PT_NOID)
        return PT_ENOMEM;
    uint32_t n = child_node(md, md->fnode_node[pt_agg_node_parent(&a->fnodes, f)], key);
    if (n == PT_NOID)
        return PT_ENOMEM;
    md->fnode_node[f] = n;
    return PT_OK;
}

/* Parents precede children, so mapping in id order always finds the
 * parent mapped: each fnode is mapped once, ever. */
static enum pt_err map_new_fnodes(struct pt_agg *a)
{
    for (int m = 0; m < PT_KEY_COUNT; m++)
        if (pt_u32_grow(&a->mode[m].fnode_node, &a->mode[m].fnode_node_cap, a->fnodes.n, PT_NOID) != PT_OK)
            return PT_ENOMEM;
    for (; a->fnodes_mapped < a->fnodes.n; a->fnodes_mapped++)
        for (int m = 0; m < PT_KEY_COUNT; m++)
            if (map_fnode(a, (enum pt_keymode)m, a->fnodes_mapped) != PT_OK)
                return PT_ENOMEM;
    return PT_OK;
}

/* ---- closing a bucket: expand stacks into key, edge and sample counts ---- */

static enum pt_err size_stamps(struct pt_agg *a)
{
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        struct pt_agg_mode *md = &a->mode[m];
        if (pt_u32_grow(&md->key_stamp, &md->key_stamp_cap, md->keys.n, 0) != PT_OK ||
            pt_u32_grow(&md->edge_stamp, &md->edge_stamp_cap, md->edges.n, 0) != PT_OK)
            return PT_ENOMEM;
    }
    return PT_OK;
}

/* A fresh mark for one stack's de-duplication; on wrap-around the old
 * marks are wiped so none can collide with a new one. */
static uint32_t next_stamp(struct pt_agg *a)
{
    if (++a->stamp != 0)
        return a->stamp;
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        memset(a->mode[m].key_stamp, 0, a->mode[m].key_stamp_cap * sizeof(uint32_t));
        memset(a->mode[m].edge_stamp, 0, a->mode[m].edge_stamp_cap * sizeof(uint32_t));
    }
    return a->stamp = 1;
}

/* One key on the stack: own if it is the leaf, total once per stack. */
static enum pt_err count_key(struct pt_tally *t, uint32_t *stamp_of, uint32_t stamp, uint32_t thread,
                             uint32_t cls, uint32_t key, bool leaf, const struct pt_cell *c)
{
    if (stamp_of[key] == stamp)
        return PT_OK; /* recursion: already counted in this stack */
    stamp_of[key] = stamp;
    struct pt_cell *k = pt_tally_at(t, thread, cls, key);
    if (!k)
        return PT_ENOMEM;
    k->total += c->own;
    k->total_us += c->own_us;
    if (leaf) {
        k->own += c->own;
        k->own_us += c->own_us;
    }
    return PT_OK;
}

static enum pt_err count_edge(struct pt_tally *t, uint32_t *stamp_of, uint32_t stamp, uint32_t thread,
                              uint32_t cls, uint32_t edge, const struct pt_cell *c)
{
    if (stamp_of[edge] == stamp)
        return PT_OK;
    stamp_of[edge] = stamp;
    struct pt_cell *e = pt_tally_at(t, thread, cls, edge);
    if (!e)
        return PT_ENOMEM;
    e->total += c->own;
    e->total_us += c->own_us;
    return PT_OK;
}

/* Walk one stack (leaf to root) of stack cell i in mode m. */
static enum pt_err expand_stack(struct pt_agg *a, enum pt_keymode m, struct pt_bucket *b, size_t i)
{
    struct pt_agg_mode *md = &a->mode[m];
    const struct pt_cell *c = &b->stacks.cells[i];
    uint32_t thread = pt_tally_thread(&b->stacks, i), cls = pt_tally_cls(&b->stacks, i);
    uint32_t stamp = next_stamp(a);
    enum pt_err err = PT_OK;
    bool leaf = true;
    for (uint32_t n = md->fnode_node[pt_tally_id(&b->stacks, i)]; n != 0 && err == PT_OK;
         n = pt_agg_node_parent(&md->nodes, n)) {
        err = count_key(&b->keys[m], md->key_stamp, stamp, thread, cls, pt_agg_node_key(&md->nodes, n), leaf, c);
        if (err == PT_OK)
            err = count_edge(&b->edges[m], md->edge_stamp, stamp, thread, cls, md->node_edge[n], c);
        leaf = false;
    }
    return err;
}

static enum pt_err count_samples(struct pt_bucket *b, size_t i)
{
    const struct pt_cell *c = &b->stacks.cells[i];
    struct pt_cell *s = pt_tally_at(&b->samples, pt_tally_thread(&b->stacks, i), pt_tally_cls(&b->stacks, i), 0);
    if (!s)
        return PT_ENOMEM;
    s->own += c->own;
    s->own_us += c->own_us;
    return PT_OK;
}

static enum pt_err expand_bucket(struct pt_agg *a, struct pt_bucket *b)
{
    enum pt_err err = map_new_fnodes(a);
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++)
        err = pt_agg_rank_keys(a, (enum pt_keymode)m);
    if (err == PT_OK)
        err = size_stamps(a);
    for (size_t i = 0; i < pt_tally_n(&b->stacks) && err == PT_OK; i++) {
        err = count_samples(b, i);
        for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++)
            err = expand_stack(a, (enum pt_keymode)m, b, i);
    }
    return err;
}

/* ---- closing a bucket: keep it, fold it into the totals, drop old ones ---- */

static enum pt_err merge_bucket(struct pt_bucket *into, const struct pt_bucket *b)
{
    /* reserve everything first so the totals never hold half a bucket */
    enum pt_err err = pt_tally_reserve(&into->samples, pt_tally_n(&b->samples));
    if (err == PT_OK)
        err = pt_tally_reserve(&into->stacks, pt_tally_n(&b->stacks));
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++) {
        err = pt_tally_reserve(&into->keys[m], pt_tally_n(&b->keys[m]));
        if (err == PT_OK)
            err = pt_tally_reserve(&into->edges[m], pt_tally_n(&b->edges[m]));
    }
    if (err != PT_OK)
        return err;
    pt_tally_merge(&into->samples, &b->samples);
    pt_tally_merge(&into->stacks, &b->stacks);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_merge(&into->keys[m], &b->keys[m]);
        pt_tally_merge(&into->edges[m], &b->edges[m]);
    }
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
        bucket_free(&a->buckets[drop++]);
    memmove(a->buckets, a->buckets + drop, (a->nbuckets - drop) * sizeof *a->buckets);
    a->nbuckets -= drop;
}

/* The next bucket starts empty, at the close time. */
static void reopen(struct pt_agg *a, uint64_t now_ns)
{
    pt_tally_init(&a->open);
    a->open_start_ns = now_ns;
    a->open_started = true;
}

enum pt_err pt_agg_close_bucket(struct pt_agg *a, uint64_t now_ns)
{
    struct pt_bucket b;
    bucket_init(&b);
    b.start_ns = a->open_started && a->open_start_ns <= now_ns ? a->open_start_ns : now_ns;
    b.end_ns = now_ns;
    b.stacks = a->open; /* the open bucket's stacks become the bucket's */
    enum pt_err err = expand_bucket(a, &b);
    if (err == PT_OK)
        err = room_for_bucket(a);
    if (err == PT_OK)
        err = merge_bucket(&a->cum, &b);
    if (err != PT_OK) {
        bucket_free(&b);
        reopen(a, now_ns);
        return err;
    }
    a->cum_span_ns += b.end_ns - b.start_ns;
    a->buckets[a->nbuckets++] = b;
    expire_buckets(a);
    reopen(a, now_ns);
    return PT_OK;
}

static void clear_bucket(struct pt_bucket *b)
{
    pt_tally_clear(&b->samples);
    pt_tally_clear(&b->stacks);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_clear(&b->keys[m]);
        pt_tally_clear(&b->edges[m]);
    }
}

void pt_agg_reset(struct pt_agg *a)
{
    drop_buckets(a);
    clear_bucket(&a->cum);
    a->cum_span_ns = 0;
    pt_tally_clear(&a->open);
    a->open_started = false;
    for (uint32_t t = 0; t < a->tids.n; t++)
        a->threads[t].seen = false;
}
