/* agg_rank — every key's place in name order, maintained incrementally.
 *
 * Keys only appear when a bucket closes, a few at a time once a program
 * is warm. Each close sorts just the new keys (comparing strings), finds
 * each one's place in the existing order by binary search, and renumbers
 * with integer work only. Tables then sort and break ties on integers. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"

struct key_ctx {
    const struct pt_intern *in;
    const struct pt_idmap *keys;
};

static int key_cmp(const struct key_ctx *c, uint32_t x, uint32_t y)
{
    return pt_agg_tie_cmp(c->in, pt_agg_key_name(c->keys, x), pt_agg_key_file(c->keys, x),
                          pt_agg_key_line(c->keys, x), pt_agg_key_name(c->keys, y), pt_agg_key_file(c->keys, y),
                          pt_agg_key_line(c->keys, y));
}

static int key_order(const void *ctx, uint32_t x, uint32_t y) { return key_cmp(ctx, x, y); }

/* First position in order[lo, hi) whose key comes after k (keys are unique). */
static size_t place_of(const struct key_ctx *c, const uint32_t *order, size_t lo, size_t hi, uint32_t k)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(c, order[mid], k) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merge the sorted new keys into the old order, writing to out. */
static void merge_new(const struct key_ctx *c, const uint32_t *old, size_t nold, const uint32_t *fresh,
                      size_t nfresh, uint32_t *out)
{
    size_t i = 0, k = 0;
    for (size_t j = 0; j < nfresh; j++) {
        size_t at = place_of(c, old, i, nold, fresh[j]);
        memcpy(out + k, old + i, (at - i) * sizeof *out);
        k += at - i;
        i = at;
        out[k++] = fresh[j];
    }
    memcpy(out + k, old + i, (nold - i) * sizeof *out);
}

/* Equal names are one interned string, so a change of id is a change of name. */
static void renumber(struct pt_agg_mode *md, uint32_t n)
{
    uint32_t name_rank = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = md->order[i];
        if (i > 0 && pt_agg_key_name(&md->keys, k) != pt_agg_key_name(&md->keys, md->order[i - 1]))
            name_rank++;
        md->rank[k] = i;
        md->name_rank[k] = name_rank;
    }
}

static enum pt_err rank_room(struct pt_agg_mode *md, uint32_t n)
{
    if (pt_u32_grow(&md->order, &md->order_cap, n, 0) != PT_OK ||
        pt_u32_grow(&md->rank, &md->rank_cap, n, 0) != PT_OK ||
        pt_u32_grow(&md->name_rank, &md->name_rank_cap, n, 0) != PT_OK)
        return PT_ENOMEM;
    return PT_OK;
}

enum pt_err pt_agg_rank_keys(struct pt_agg *a, enum pt_keymode m)
{
    struct pt_agg_mode *md = &a->mode[m];
    uint32_t nold = md->ranked, n = md->keys.n, nfresh = n - nold;
    if (nfresh == 0)
        return PT_OK;
    uint32_t *fresh = malloc(nfresh * sizeof *fresh), *tmp = malloc(nfresh * sizeof *tmp);
    uint32_t *merged = malloc((size_t)n * sizeof *merged);
    enum pt_err err = fresh && tmp && merged ? rank_room(md, n) : PT_ENOMEM;
    if (err == PT_OK) {
        struct key_ctx c = {a->in, &md->keys};
        for (uint32_t i = 0; i < nfresh; i++)
            fresh[i] = nold + i;
        const uint32_t *sorted = pt_agg_sort(fresh, tmp, nfresh, key_order, &c);
        merge_new(&c, md->order, nold, sorted, nfresh, merged);
        memcpy(md->order, merged, (size_t)n * sizeof *merged);
        renumber(md, n);
        md->ranked = n;
    }
    free(fresh);
    free(tmp);
    free(merged);
    return err;
}
