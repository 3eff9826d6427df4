/* agg_drill — one function's callers and callees; distinct stacks for flame graphs. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"
#include "pytop/aggregate.h"

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* ---- the drilled function's own row -------------------------------------- */

static void drill_row(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel, uint32_t key,
                      struct pt_row *r)
{
    const struct pt_idmap *keys = &a->mode[v->mode].keys;
    *r = (struct pt_row){.key = key, .name = pt_agg_key_name(keys, key), .file = pt_agg_key_file(keys, key),
                         .line = pt_agg_key_line(keys, key)};
    uint64_t samples = 0;
    for (size_t b = 0; b < sel->nb; b++) {
        const struct pt_tally *k = &sel->b[b].keys[v->mode], *s = &sel->b[b].samples;
        for (size_t i = 0; i < pt_tally_n(k); i++)
            if (pt_tally_id(k, i) == key && pt_agg_sel_pass(sel, k, i)) {
                r->own += k->cells[i].own;
                r->total += k->cells[i].total;
            }
        for (size_t i = 0; i < pt_tally_n(s); i++)
            if (pt_agg_sel_pass(sel, s, i))
                samples += s->cells[i].own;
    }
    const struct pt_tally *cum = &a->cum.keys[v->mode];
    for (size_t i = 0; i < pt_tally_n(cum) && r->total; i++)
        if (pt_tally_id(cum, i) == key && pt_agg_sel_pass(sel, cum, i)) {
            r->own_s += (double)cum->cells[i].own_us / 1e6;
            r->total_s += (double)cum->cells[i].total_us / 1e6;
        }
    r->pct_own = pct(r->own, samples);
    r->pct_total = pct(r->total, samples);
}

/* ---- links: callers and callees ----------------------------------------- */

struct links {
    struct pt_drill_link *v;
    size_t n, cap;
    uint32_t *slot; /* other key + 1 (0: the root) -> index in v, PT_NOID: none yet */
};

static enum pt_err links_init(struct links *l, size_t nkeys)
{
    *l = (struct links){0};
    l->slot = malloc((nkeys + 1) * sizeof *l->slot);
    if (!l->slot)
        return PT_ENOMEM;
    memset(l->slot, 0xff, (nkeys + 1) * sizeof *l->slot);
    return PT_OK;
}

static void links_free(struct links *l)
{
    free(l->v);
    free(l->slot);
    *l = (struct links){0};
}

static struct pt_drill_link *link_of(const struct pt_agg *a, enum pt_keymode m, struct links *l, uint32_t other)
{
    uint32_t *slot = &l->slot[other == PT_NOID ? 0 : (size_t)other + 1];
    if (*slot != PT_NOID)
        return &l->v[*slot];
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct pt_drill_link *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    const struct pt_idmap *keys = &a->mode[m].keys;
    struct pt_drill_link *k = &l->v[l->n];
    *k = (struct pt_drill_link){.key = other, .name = PT_NOID, .file = PT_NOID, .line = -1};
    if (other != PT_NOID) {
        k->name = pt_agg_key_name(keys, other);
        k->file = pt_agg_key_file(keys, other);
        k->line = pt_agg_key_line(keys, other);
    }
    *slot = (uint32_t)l->n++;
    return k;
}

static enum pt_err add_link(const struct pt_agg *a, enum pt_keymode m, struct links *l, uint32_t other, uint64_t n)
{
    struct pt_drill_link *k = link_of(a, m, l, other);
    if (!k)
        return PT_ENOMEM;
    k->count += n;
    return PT_OK;
}

static enum pt_err gather_links(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                                uint32_t key, struct links *callers, struct links *callees)
{
    const struct pt_idmap *edges = &a->mode[v->mode].edges;
    enum pt_err err = PT_OK;
    for (size_t b = 0; b < sel->nb && err == PT_OK; b++) {
        const struct pt_tally *t = &sel->b[b].edges[v->mode];
        for (size_t i = 0; i < pt_tally_n(t) && err == PT_OK; i++) {
            if (!pt_agg_sel_pass(sel, t, i))
                continue;
            uint32_t e = pt_tally_id(t, i);
            if (pt_agg_edge_callee(edges, e) == key)
                err = add_link(a, v->mode, callers, pt_agg_edge_caller(edges, e), t->cells[i].total);
            if (err == PT_OK && pt_agg_edge_caller(edges, e) == key)
                err = add_link(a, v->mode, callees, pt_agg_edge_callee(edges, e), t->cells[i].total);
        }
    }
    return err;
}

/* The filter hides linked functions, never the root (it is no function). */
static void filter_links(const struct pt_agg *a, const struct pt_view *v, struct links *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].key == PT_NOID || pt_agg_key_matches(a, v->mode, l->v[i].key, v->filter))
            l->v[kept++] = l->v[i];
    l->n = kept;
}

struct link_ctx {
    const struct pt_drill_link *v;
    const struct pt_agg_mode *md;
};

/* Count descending; ties by name, file, line, the root first. */
static int link_order(const void *ctx, uint32_t i, uint32_t j)
{
    const struct link_ctx *c = ctx;
    const struct pt_drill_link *x = &c->v[i], *y = &c->v[j];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->key == PT_NOID || y->key == PT_NOID)
        return (y->key == PT_NOID) - (x->key == PT_NOID);
    uint32_t rx = pt_agg_rank(c->md, x->key), ry = pt_agg_rank(c->md, y->key);
    return (rx > ry) - (rx < ry);
}

/* Sort, compute shares, and hand the array over to *out. */
static enum pt_err finish_links(const struct pt_agg_mode *md, struct links *l, uint64_t total,
                                struct pt_drill_link **out, size_t *n)
{
    uint32_t *idx = malloc((l->n + 1) * sizeof *idx), *tmp = malloc((l->n + 1) * sizeof *tmp);
    struct pt_drill_link *sorted = malloc((l->n + 1) * sizeof *sorted);
    if (!idx || !tmp || !sorted) {
        free(idx);
        free(tmp);
        free(sorted);
        return PT_ENOMEM;
    }
    for (size_t i = 0; i < l->n; i++)
        idx[i] = (uint32_t)i;
    struct link_ctx c = {l->v, md};
    const uint32_t *order = pt_agg_sort(idx, tmp, l->n, link_order, &c);
    for (size_t i = 0; i < l->n; i++) {
        sorted[i] = l->v[order[i]];
        sorted[i].pct = pct(sorted[i].count, total);
    }
    free(idx);
    free(tmp);
    *out = sorted;
    *n = l->n;
    return PT_OK;
}

void pt_drill_free(struct pt_drill *d)
{
    free(d->callers);
    free(d->callees);
    *d = (struct pt_drill){0};
}

static enum pt_err drill_links(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                               uint32_t key, struct pt_drill *d)
{
    struct links callers, callees;
    enum pt_err err = links_init(&callers, a->mode[v->mode].keys.n);
    if (err == PT_OK)
        err = links_init(&callees, a->mode[v->mode].keys.n);
    else
        callees = (struct links){0};
    if (err == PT_OK)
        err = gather_links(a, v, sel, key, &callers, &callees);
    if (err == PT_OK) {
        filter_links(a, v, &callers);
        filter_links(a, v, &callees);
        err = finish_links(&a->mode[v->mode], &callers, d->row.total, &d->callers, &d->ncallers);
    }
    if (err == PT_OK)
        err = finish_links(&a->mode[v->mode], &callees, d->row.total, &d->callees, &d->ncallees);
    links_free(&callers);
    links_free(&callees);
    return err;
}

enum pt_err pt_agg_drill(const struct pt_agg *a, const struct pt_view *v, uint32_t key, struct pt_drill *d)
{
    pt_drill_free(d);
    if ((unsigned)v->mode >= PT_KEY_COUNT || key >= a->mode[v->mode].keys.n)
        return PT_EINVAL;
    struct pt_agg_sel sel;
    pt_agg_select(a, v, false, &sel);
    drill_row(a, v, &sel, key, &d->row);
    d->self_pct = pct(d->row.own, d->row.total);
    enum pt_err err = drill_links(a, v, &sel, key, d);
    if (err != PT_OK)
        pt_drill_free(d);
    return err;
}

/* ---- distinct stacks ----------------------------------------------------- */

/* Samples per node of v's mode in the window: stacks that differ only in
 * lines meet in one function-mode node. */
static uint64_t *node_counts(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel)
{
    const struct pt_agg_mode *md = &a->mode[v->mode];
    uint64_t *counts = calloc(md->nodes.n, sizeof *counts);
    if (!counts)
        return NULL;
    for (size_t b = 0; b < sel->nb; b++) {
        const struct pt_tally *t = &sel->b[b].stacks;
        for (size_t i = 0; i < pt_tally_n(t); i++)
            if (pt_agg_sel_pass(sel, t, i))
                counts[md->fnode_node[pt_tally_id(t, i)]] += t->cells[i].own;
    }
    return counts;
}

struct path {
    uint32_t *keys;
    size_t depth, cap;
};

/* The keys from the root to node n into p. */
static enum pt_err path_of(const struct pt_idmap *nodes, uint32_t n, struct path *p)
{
    p->depth = 0;
    for (uint32_t i = n; i != 0; i = pt_agg_node_parent(nodes, i))
        p->depth++;
    if (pt_u32_grow(&p->keys, &p->cap, p->depth, 0) != PT_OK)
        return PT_ENOMEM;
    size_t d = p->depth;
    for (uint32_t i = n; i != 0; i = pt_agg_node_parent(nodes, i))
        p->keys[--d] = pt_agg_node_key(nodes, i);
    return PT_OK;
}

static bool path_wanted(const struct pt_agg *a, const struct pt_view *v, const struct path *p, uint32_t through)
{
    bool through_ok = through == PT_NOID, filter_ok = !v->filter || !*v->filter;
    for (size_t i = 0; i < p->depth && !(through_ok && filter_ok); i++) {
        through_ok = through_ok || p->keys[i] == through;
        filter_ok = filter_ok || pt_agg_key_matches(a, v->mode, p->keys[i], v->filter);
    }
    return through_ok && filter_ok;
}

static enum pt_err emit_stacks(const struct pt_agg *a, const struct pt_view *v, const uint64_t *counts,
                               uint32_t through, pt_stack_fn fn, void *arg)
{
    const struct pt_idmap *nodes = &a->mode[v->mode].nodes;
    struct path p = {0};
    enum pt_err err = PT_OK;
    for (uint32_t n = 1; n < nodes->n && err == PT_OK; n++) {
        if (!counts[n])
            continue;
        err = path_of(nodes, n, &p);
        if (err == PT_OK && path_wanted(a, v, &p, through))
            err = fn(arg, p.keys, p.depth, counts[n]);
    }
    free(p.keys);
    return err;
}

enum pt_err pt_agg_stacks_through(const struct pt_agg *a, const struct pt_view *v, uint32_t key, pt_stack_fn fn,
                                  void *arg)
{
    if ((unsigned)v->mode >= PT_KEY_COUNT)
        return PT_EINVAL;
    struct pt_agg_sel sel;
    pt_agg_select(a, v, false, &sel);
    uint64_t *counts = node_counts(a, v, &sel);
    if (!counts)
        return PT_ENOMEM;
    enum pt_err err = emit_stacks(a, v, counts, key, fn, arg);
    free(counts);
    return err;
}

enum pt_err pt_agg_stacks(const struct pt_agg *a, const struct pt_view *v, pt_stack_fn fn, void *arg)
{
    return pt_agg_stacks_through(a, v, PT_NOID, fn, arg);
}
