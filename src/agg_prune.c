/* agg_prune — keep the since-start stack tree within its cap, honestly.
 *
 * When the tree reaches its cap, a close keeps: every stack a kept bucket
 * uses (windows stay exact), then the since-start stacks with the most
 * samples (ties: the older first) until a quarter of the cap is used, and
 * every ancestor of what it keeps. Each other since-start stack is pruned:
 *   - what it contributed to keys outside the kept tree (own, total and
 *     their times, per thread and class, in every mode) moves to the
 *     mode's residue, so every key's since-start numbers stay exact;
 *   - its samples move to a "(pruned)" child of its deepest kept ancestor,
 *     so every count on the kept tree (and the window's sample count)
 *     stays exact too; only the pruned stacks' shape is gone.
 * Kept nodes are renumbered in their old order, so parents still precede
 * children and first-seen order is unchanged. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"

struct prune {
    struct pt_agg *a;
    uint8_t *keep;     /* old fnode -> kept? */
    uint32_t nkept;
    uint32_t *newid;   /* old fnode -> new id (kept ones) */
    uint64_t *order;   /* pruned cum cells: tc << 32 | cell, grouped by tc */
    size_t npruned;
    struct pt_idmap tree;      /* the new tree */
    uint8_t *flags;            /* its marks */
    size_t flags_cap;
    struct pt_tally cum;       /* the new since-start stacks */
    struct pt_tally res_own[PT_KEY_COUNT], res_total[PT_KEY_COUNT];
    struct pt_expand xp;
};

static void prune_free(struct prune *p)
{
    free(p->keep);
    free(p->newid);
    free(p->order);
    pt_idmap_free(&p->tree);
    free(p->flags);
    pt_tally_free(&p->cum);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_free(&p->res_own[m]);
        pt_tally_free(&p->res_total[m]);
    }
    pt_expand_free(&p->xp);
}

/* ---- what to keep ----------------------------------------------------------- */

static void keep_path(struct prune *p, uint32_t f)
{
    for (; f != 0 && !p->keep[f]; f = pt_agg_fnode_parent(p->a, f)) {
        p->keep[f] = 1;
        p->nkept++;
    }
}

struct weight {
    uint64_t n;
    uint32_t fnode;
};

static int heaviest_first(const void *x, const void *y)
{
    const struct weight *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return (a->fnode > b->fnode) - (a->fnode < b->fnode);
}

/* Since-start samples per fnode not yet kept, heaviest first. */
static struct weight *by_weight(const struct prune *p, size_t *count)
{
    const struct pt_agg *a = p->a;
    uint64_t *w = calloc(a->fnodes.n, sizeof *w);
    struct weight *v = w ? malloc((a->fnodes.n + 1) * sizeof *v) : NULL;
    size_t k = 0;
    for (size_t i = 0; v && i < pt_tally_n(&a->cum); i++)
        w[pt_tally_id(&a->cum, i)] += a->cum.cells[i].n;
    for (uint32_t f = 1; v && f < a->fnodes.n; f++)
        if (w[f] && !p->keep[f])
            v[k++] = (struct weight){w[f], f};
    free(w);
    if (v)
        qsort(v, k, sizeof *v, heaviest_first);
    *count = k;
    return v;
}

static enum pt_err choose(struct prune *p)
{
    struct pt_agg *a = p->a;
    p->keep = calloc(a->fnodes.n, 1);
    if (!p->keep)
        return PT_ENOMEM;
    p->keep[0] = 1;
    p->nkept = 1;
    for (size_t b = 0; b < a->nbuckets; b++)
        for (size_t i = 0; i < a->buckets[b].n; i++)
            keep_path(p, a->buckets[b].cells[i].fnode);
    size_t k;
    struct weight *v = by_weight(p, &k);
    if (!v)
        return PT_ENOMEM;
    for (size_t i = 0; i < k && p->nkept < a->stack_cap / 4; i++)
        keep_path(p, v[i].fnode);
    free(v);
    return PT_OK;
}

static int by_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The since-start cells of pruned stacks, grouped by thread and class. */
static enum pt_err pruned_cells(struct prune *p)
{
    const struct pt_tally *cum = &p->a->cum;
    p->order = malloc((pt_tally_n(cum) + 1) * sizeof *p->order);
    if (!p->order)
        return PT_ENOMEM;
    for (size_t i = 0; i < pt_tally_n(cum); i++)
        if (!p->keep[pt_tally_id(cum, i)])
            p->order[p->npruned++] = (uint64_t)pt_tc(pt_tally_thread(cum, i), pt_tally_cls(cum, i)) << 32 | i;
    qsort(p->order, p->npruned, sizeof *p->order, by_u64);
    return PT_OK;
}

/* ---- the residue: what pruned stacks gave keys outside the kept tree ---------- */

/* One run over the group's cells [lo, hi): subtree sums of n (or us), credited
 * to each key at its outermost occurrence, when that lies in the pruned part. */
static enum pt_err residue_totals(struct prune *p, enum pt_keymode m, size_t lo, size_t hi, bool us)
{
    const struct pt_agg *a = p->a;
    uint32_t tc = (uint32_t)(p->order[lo] >> 32);
    if (pt_expand_begin(&p->xp, a->fnodes.n) != PT_OK)
        return PT_ENOMEM;
    for (size_t j = lo; j < hi; j++) {
        uint32_t i = (uint32_t)p->order[j];
        pt_expand_add(&p->xp, pt_tally_id(&a->cum, i), us ? a->cum.cells[i].us : a->cum.cells[i].n);
    }
    pt_expand_run(&p->xp, &a->fnodes);
    for (uint32_t f = 1; f < a->fnodes.n; f++) {
        uint64_t s = pt_expand_sum(&p->xp, f);
        if (!s || p->keep[f] || pt_agg_fnode_pruned(a, f) || !pt_agg_counts_key(a, m, f))
            continue;
        if (!pt_tally_add(&p->res_total[m], pt_tc_thread(tc), pt_tc_cls(tc), pt_agg_fnode_key(a, m, f),
                          us ? 0 : s, us ? s : 0))
            return PT_ENOMEM;
    }
    return PT_OK;
}

static enum pt_err residue_group(struct prune *p, size_t lo, size_t hi)
{
    const struct pt_agg *a = p->a;
    uint32_t tc = (uint32_t)(p->order[lo] >> 32);
    enum pt_err err = PT_OK;
    for (int m = 0; m < PT_KEY_COUNT && err == PT_OK; m++) {
        for (size_t j = lo; j < hi && err == PT_OK; j++) {
            uint32_t i = (uint32_t)p->order[j], f = pt_tally_id(&a->cum, i);
            if (!pt_agg_fnode_pruned(a, f) &&
                !pt_tally_add(&p->res_own[m], pt_tc_thread(tc), pt_tc_cls(tc), pt_agg_fnode_key(a, m, f),
                              a->cum.cells[i].n, a->cum.cells[i].us))
                err = PT_ENOMEM;
        }
        if (err == PT_OK)
            err = residue_totals(p, (enum pt_keymode)m, lo, hi, false);
        if (err == PT_OK)
            err = residue_totals(p, (enum pt_keymode)m, lo, hi, true);
    }
    return err;
}

static enum pt_err residue(struct prune *p)
{
    enum pt_err err = PT_OK;
    for (size_t lo = 0, hi; lo < p->npruned && err == PT_OK; lo = hi) {
        for (hi = lo + 1; hi < p->npruned && p->order[hi] >> 32 == p->order[lo] >> 32; hi++)
            ;
        err = residue_group(p, lo, hi);
    }
    return err;
}

/* ---- the new tree and counts -------------------------------------------------- */

static enum pt_err new_tree(struct prune *p)
{
    const struct pt_agg *a = p->a;
    p->newid = malloc(a->fnodes.n * sizeof *p->newid);
    if (!p->newid || pt_idmap_reserve(&p->tree, p->nkept) != PT_OK)
        return PT_ENOMEM;
    void *flags = NULL;
    if (pt_array_grow(&flags, &p->flags_cap, p->nkept, 1, 0) != PT_OK)
        return PT_ENOMEM;
    p->flags = flags;
    for (uint32_t f = 0; f < a->fnodes.n; f++) {
        if (!p->keep[f])
            continue;
        uint32_t parent = f ? p->newid[pt_agg_fnode_parent(a, f)] : PT_NOID;
        p->newid[f] = pt_idmap_intern(&p->tree, parent, pt_agg_fnode_frame(a, f), 0, NULL);
        p->flags[p->newid[f]] = a->fnode_flags[f];
    }
    return PT_OK;
}

/* The "(pruned)" child (new id) of the deepest kept ancestor of f. */
static uint32_t pruned_child(struct prune *p, uint32_t f)
{
    while (!p->keep[f])
        f = pt_agg_fnode_parent(p->a, f);
    uint32_t c = pt_idmap_intern(&p->tree, p->newid[f], PT_AGG_PRUNED_FRAME, 0, NULL);
    void *flags = p->flags;
    if (c == PT_NOID || pt_array_grow(&flags, &p->flags_cap, p->tree.n, 1, 0) != PT_OK)
        return PT_NOID;
    p->flags = flags;
    return c;
}

static enum pt_err new_cum(struct prune *p)
{
    const struct pt_tally *cum = &p->a->cum;
    if (pt_tally_reserve(&p->cum, pt_tally_n(cum)) != PT_OK)
        return PT_ENOMEM;
    for (size_t i = 0; i < pt_tally_n(cum); i++) {
        uint32_t f = pt_tally_id(cum, i);
        uint32_t g = p->keep[f] ? p->newid[f] : pruned_child(p, f);
        if (g == PT_NOID)
            return PT_ENOMEM;
        pt_tally_add(&p->cum, pt_tally_thread(cum, i), pt_tally_cls(cum, i), g, cum->cells[i].n, cum->cells[i].us);
    }
    return PT_OK;
}

/* Every mode needs its "(pruned)" key before a pruned node can exist. */
static enum pt_err pruned_keys(struct pt_agg *a)
{
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        struct pt_agg_mode *md = &a->mode[m];
        if (md->pruned_key != PT_NOID)
            continue;
        uint32_t k = pt_idmap_intern(&md->keys, PT_NOID, PT_NOID, PT_NOID, NULL);
        void *seen = md->key_seen;
        if (k == PT_NOID || pt_array_grow(&seen, &md->key_seen_cap, md->keys.n, 1, 0) != PT_OK)
            return PT_ENOMEM;
        md->key_seen = seen;
        md->pruned_key = k;
    }
    return PT_OK;
}

static enum pt_err residue_room(struct prune *p)
{
    for (int m = 0; m < PT_KEY_COUNT; m++)
        if (pt_tally_reserve(&p->a->mode[m].res_own, pt_tally_n(&p->res_own[m])) != PT_OK ||
            pt_tally_reserve(&p->a->mode[m].res_total, pt_tally_n(&p->res_total[m])) != PT_OK)
            return PT_ENOMEM;
    return PT_OK;
}

/* Past the point of no return: nothing below can fail. */
static void commit(struct prune *p)
{
    struct pt_agg *a = p->a;
    for (size_t b = 0; b < a->nbuckets; b++)
        for (size_t i = 0; i < a->buckets[b].n; i++)
            a->buckets[b].cells[i].fnode = p->newid[a->buckets[b].cells[i].fnode];
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_merge(&a->mode[m].res_own, &p->res_own[m]);
        pt_tally_merge(&a->mode[m].res_total, &p->res_total[m]);
    }
    a->pruned_stacks += a->fnodes.n - p->nkept;
    struct pt_idmap t = a->fnodes;
    a->fnodes = p->tree;
    p->tree = t;
    struct pt_tally c = a->cum;
    a->cum = p->cum;
    p->cum = c;
    free(a->fnode_flags);
    a->fnode_flags = p->flags;
    a->fnode_flags_cap = p->flags_cap;
    p->flags = NULL;
    a->fnodes_mapped = a->fnodes.n;
    for (uint32_t t2 = 0; t2 < a->tids.n; t2++) {
        a->threads[t2].depth = 0; /* their fnodes were renumbered */
        a->threads[t2].cell_gen = 0;
    }
    uint64_t again = 2 * (uint64_t)a->fnodes.n;
    a->prune_at = again > a->stack_cap ? (again < PT_NOID ? (uint32_t)again : PT_NOID) : a->stack_cap;
}

enum pt_err pt_agg_prune(struct pt_agg *a)
{
    if (a->fnodes.n < a->prune_at)
        return PT_OK;
    struct prune p = {.a = a};
    pt_idmap_init(&p.tree);
    pt_tally_init(&p.cum);
    for (int m = 0; m < PT_KEY_COUNT; m++) {
        pt_tally_init(&p.res_own[m]);
        pt_tally_init(&p.res_total[m]);
    }
    pt_expand_init(&p.xp);
    /* the residue must cover every mode: one prepared later could not
     * learn what pruned stacks held */
    enum pt_err err = pt_agg_set_modes(a, (1u << PT_KEY_COUNT) - 1);
    if (err == PT_OK)
        err = pruned_keys(a);
    if (err == PT_OK)
        err = choose(&p);
    if (err == PT_OK)
        err = pruned_cells(&p);
    if (err == PT_OK)
        err = residue(&p);
    if (err == PT_OK)
        err = new_tree(&p);
    if (err == PT_OK)
        err = new_cum(&p);
    if (err == PT_OK)
        err = residue_room(&p);
    if (err == PT_OK)
        commit(&p);
    prune_free(&p);
    return err;
}
