/* agg_drill — one function's callers and callees; distinct stacks for flame graphs.
 *
 * Both come from stack counts: a drill sums the window's stacks' subtrees
 * (agg_expand.h) and reads the function's row and its edges off the nodes
 * of its key; flame graphs merge stacks that are equal in the view's mode. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"
#include "pytop/aggregate.h"

#define US_PER_S 1e6

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

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
    *k = (struct pt_drill_link){.key = other, .name = PT_NOID, .file = PT_NOID, .line = -1,
                                .pruned = pt_agg_key_is_pruned(a, m, other)};
    if (other != PT_NOID && !k->pruned) {
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

/* ---- the drilled function and its links, from one subtree summation ----- */

struct drill_ctx {
    const struct pt_agg *a;
    enum pt_keymode m;
    uint32_t key;
    struct pt_expand xp;
    struct pt_row *row;
    uint64_t samples;
    struct links callers, callees;
};

/* A window stack: a sample of the window; the function's own if its leaf. */
static enum pt_err drill_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)thread, (void)us;
    struct drill_ctx *c = arg;
    c->samples += n;
    if (fnode == 0)
        return PT_OK;
    if (!pt_agg_fnode_pruned(c->a, fnode) && pt_agg_fnode_key(c->a, c->m, fnode) == c->key)
        c->row->own += n;
    pt_expand_add(&c->xp, fnode, n);
    return PT_OK;
}

/* Nodes of the function: its total, and the edges in from its callers;
 * nodes whose parent is the function: the edges out to its callees. */
static enum pt_err drill_nodes(struct drill_ctx *c)
{
    const struct pt_agg *a = c->a;
    enum pt_err err = PT_OK;
    for (uint32_t f = 1; f < c->xp.n && err == PT_OK; f++) {
        uint64_t sum = pt_expand_sum(&c->xp, f);
        if (!sum)
            continue;
        uint32_t parent = pt_agg_fnode_parent(a, f), key = pt_agg_fnode_key(a, c->m, f);
        uint32_t caller = parent == 0 ? PT_NOID : pt_agg_fnode_key(a, c->m, parent);
        if (key == c->key && !pt_agg_fnode_pruned(a, f)) {
            if (pt_agg_counts_key(a, c->m, f))
                c->row->total += sum;
            if (pt_agg_counts_edge(a, c->m, f))
                err = add_link(a, c->m, &c->callers, caller, sum);
        }
        if (err == PT_OK && caller == c->key && parent != 0 && pt_agg_counts_edge(a, c->m, f))
            err = add_link(a, c->m, &c->callees, key, sum);
    }
    return err;
}

/* Since the start, samples of pruned stacks that held the function: their
 * own and total come from the residue, their callers and callees are
 * unknown ("(pruned)"; callees: those in which it was not the leaf). */
static enum pt_err drill_residue(struct drill_ctx *c, const struct pt_agg_sel *sel)
{
    const struct pt_agg_mode *md = &c->a->mode[c->m];
    uint64_t own = 0, total = 0;
    for (size_t i = 0; i < pt_tally_n(&md->res_own); i++)
        if (pt_tally_id(&md->res_own, i) == c->key &&
            pt_agg_sel_pass(sel, pt_tally_thread(&md->res_own, i), pt_tally_cls(&md->res_own, i)))
            own += md->res_own.cells[i].n;
    for (size_t i = 0; i < pt_tally_n(&md->res_total); i++)
        if (pt_tally_id(&md->res_total, i) == c->key &&
            pt_agg_sel_pass(sel, pt_tally_thread(&md->res_total, i), pt_tally_cls(&md->res_total, i)))
            total += md->res_total.cells[i].n;
    c->row->own += own;
    c->row->total += total;
    enum pt_err err = PT_OK;
    if (total)
        err = add_link(c->a, c->m, &c->callers, md->pruned_key, total);
    if (err == PT_OK && total > own)
        err = add_link(c->a, c->m, &c->callees, md->pruned_key, total - own);
    return err;
}

static enum pt_err drill_counts(struct drill_ctx *c, const struct pt_agg_sel *sel)
{
    enum pt_err err = pt_expand_begin(&c->xp, c->a->fnodes_mapped);
    if (err == PT_OK)
        err = pt_agg_each_cell(c->a, sel, sel->all, drill_cell, c);
    if (err != PT_OK)
        return err;
    pt_expand_run(&c->xp, &c->a->fnodes);
    err = drill_nodes(c);
    if (err == PT_OK && sel->all)
        err = drill_residue(c, sel);
    return err;
}

/* ---- the function's seconds, since the start whatever the window -------------- */

static enum pt_err time_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)thread, (void)n;
    struct drill_ctx *c = arg;
    if (fnode == 0)
        return PT_OK;
    if (!pt_agg_fnode_pruned(c->a, fnode) && pt_agg_fnode_key(c->a, c->m, fnode) == c->key)
        c->row->own_s += (double)us / US_PER_S;
    pt_expand_add(&c->xp, fnode, us);
    return PT_OK;
}

static void residue_seconds(struct drill_ctx *c, const struct pt_agg_sel *sel)
{
    const struct pt_agg_mode *md = &c->a->mode[c->m];
    const struct pt_tally *res[2] = {&md->res_own, &md->res_total};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < pt_tally_n(res[w]); i++)
            if (pt_tally_id(res[w], i) == c->key &&
                pt_agg_sel_pass(sel, pt_tally_thread(res[w], i), pt_tally_cls(res[w], i)))
                *(w ? &c->row->total_s : &c->row->own_s) += (double)res[w]->cells[i].us / US_PER_S;
}

static enum pt_err drill_seconds(struct drill_ctx *c, const struct pt_agg_sel *sel)
{
    enum pt_err err = pt_expand_begin(&c->xp, c->a->fnodes_mapped);
    if (err == PT_OK)
        err = pt_agg_each_cell(c->a, sel, true, time_cell, c);
    if (err != PT_OK)
        return err;
    pt_expand_run(&c->xp, &c->a->fnodes);
    for (uint32_t f = 1; f < c->xp.n; f++)
        if (pt_expand_sum(&c->xp, f) && !pt_agg_fnode_pruned(c->a, f) &&
            pt_agg_fnode_key(c->a, c->m, f) == c->key && pt_agg_counts_key(c->a, c->m, f))
            c->row->total_s += (double)pt_expand_sum(&c->xp, f) / US_PER_S;
    residue_seconds(c, sel);
    return PT_OK;
}

/* The filter hides linked functions, never the root or "(pruned)" (they are
 * no function). */
static void filter_links(const struct pt_agg *a, const struct pt_view *v, struct links *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].key == PT_NOID || l->v[i].pruned || pt_agg_key_matches(a, v->mode, l->v[i].key, v->filter))
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

static enum pt_err drill_links(struct drill_ctx *c, const struct pt_view *v, struct pt_drill *d)
{
    filter_links(c->a, v, &c->callers);
    filter_links(c->a, v, &c->callees);
    enum pt_err err = finish_links(&c->a->mode[v->mode], &c->callers, d->row.total, &d->callers, &d->ncallers);
    if (err == PT_OK)
        err = finish_links(&c->a->mode[v->mode], &c->callees, d->row.total, &d->callees, &d->ncallees);
    return err;
}

enum pt_err pt_agg_drill(const struct pt_agg *a, const struct pt_view *v, uint32_t key, struct pt_drill *d)
{
    pt_drill_free(d);
    if (!pt_agg_mode_on(a, v->mode) || key >= a->mode[v->mode].keys.n)
        return PT_EINVAL;
    struct pt_agg_sel sel;
    pt_agg_select(a, v, false, &sel);
    const struct pt_idmap *keys = &a->mode[v->mode].keys;
    d->row = (struct pt_row){.key = key, .name = pt_agg_key_name(keys, key), .file = pt_agg_key_file(keys, key),
                             .line = pt_agg_key_line(keys, key)};
    struct drill_ctx c = {.a = a, .m = v->mode, .key = key, .row = &d->row};
    pt_expand_init(&c.xp);
    enum pt_err err = links_init(&c.callers, keys->n);
    if (err == PT_OK)
        err = links_init(&c.callees, keys->n);
    if (err == PT_OK)
        err = drill_counts(&c, &sel);
    if (err == PT_OK && d->row.total)
        err = drill_seconds(&c, &sel);
    if (err == PT_OK) {
        d->row.pct_own = pct(d->row.own, c.samples);
        d->row.pct_total = pct(d->row.total, c.samples);
        d->self_pct = pct(d->row.own, d->row.total);
        err = drill_links(&c, v, d);
    }
    links_free(&c.callers);
    links_free(&c.callees);
    pt_expand_free(&c.xp);
    if (err != PT_OK)
        pt_drill_free(d);
    return err;
}

/* ---- distinct stacks ----------------------------------------------------- */

/* Samples per fnode in the window. */
static enum pt_err stack_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)thread, (void)us;
    ((uint64_t *)arg)[fnode] += n;
    return PT_OK;
}

/* Stacks equal in the view's mode are one: a tree of keys built over the
 * fnodes in id order, so its nodes come in first-seen order too. */
struct keytree {
    struct pt_idmap nodes;  /* (parent node, key) -> node; 0 the root */
    uint64_t *count;        /* node -> samples */
    size_t count_cap;
};

static enum pt_err keytree_build(const struct pt_agg *a, enum pt_keymode m, const uint64_t *per_fnode,
                                 struct keytree *kt)
{
    uint32_t n = a->fnodes_mapped;
    uint32_t *node = malloc((size_t)n * sizeof *node);
    void *count = NULL;
    enum pt_err err = node && pt_idmap_intern(&kt->nodes, PT_NOID, PT_NOID, 0, NULL) == 0 ? PT_OK : PT_ENOMEM;
    if (err == PT_OK)
        node[0] = 0;
    for (uint32_t f = 1; f < n && err == PT_OK; f++) {
        node[f] = pt_idmap_intern(&kt->nodes, node[pt_agg_fnode_parent(a, f)], pt_agg_fnode_key(a, m, f), 0, NULL);
        count = kt->count;
        if (node[f] == PT_NOID || pt_array_grow(&count, &kt->count_cap, kt->nodes.n, sizeof *kt->count, 0) != PT_OK)
            err = PT_ENOMEM;
        else {
            kt->count = count;
            kt->count[node[f]] += per_fnode[f];
        }
    }
    free(node);
    return err;
}

struct path {
    uint32_t *keys;
    size_t depth, cap;
};

/* The keys from the root to node n into p. */
static enum pt_err path_of(const struct pt_idmap *nodes, uint32_t n, struct path *p)
{
    p->depth = 0;
    for (uint32_t i = n; i != 0; i = nodes->keys[i].a)
        p->depth++;
    if (pt_u32_grow(&p->keys, &p->cap, p->depth, 0) != PT_OK)
        return PT_ENOMEM;
    size_t d = p->depth;
    for (uint32_t i = n; i != 0; i = nodes->keys[i].a)
        p->keys[--d] = nodes->keys[i].b;
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

static enum pt_err emit_stacks(const struct pt_agg *a, const struct pt_view *v, const struct keytree *kt,
                               uint32_t through, pt_stack_fn fn, void *arg)
{
    struct path p = {0};
    enum pt_err err = PT_OK;
    for (uint32_t n = 1; n < kt->nodes.n && err == PT_OK; n++) {
        if (!kt->count[n])
            continue;
        err = path_of(&kt->nodes, n, &p);
        if (err == PT_OK && path_wanted(a, v, &p, through))
            err = fn(arg, p.keys, p.depth, kt->count[n]);
    }
    free(p.keys);
    return err;
}

enum pt_err pt_agg_stacks_through(const struct pt_agg *a, const struct pt_view *v, uint32_t key, pt_stack_fn fn,
                                  void *arg)
{
    if (!pt_agg_mode_on(a, v->mode))
        return PT_EINVAL;
    struct pt_agg_sel sel;
    pt_agg_select(a, v, false, &sel);
    uint64_t *per_fnode = calloc(a->fnodes.n, sizeof *per_fnode);
    if (!per_fnode)
        return PT_ENOMEM;
    pt_agg_each_cell(a, &sel, sel.all, stack_cell, per_fnode);
    struct keytree kt = {0};
    pt_idmap_init(&kt.nodes);
    enum pt_err err = keytree_build(a, v->mode, per_fnode, &kt);
    free(per_fnode);
    if (err == PT_OK)
        err = emit_stacks(a, v, &kt, key, fn, arg);
    pt_idmap_free(&kt.nodes);
    free(kt.count);
    return err;
}

enum pt_err pt_agg_stacks(const struct pt_agg *a, const struct pt_view *v, pt_stack_fn fn, void *arg)
{
    return pt_agg_stacks_through(a, v, PT_NOID, fn, arg);
}
