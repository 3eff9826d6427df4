/* agg_rank — every key's place in name order, maintained incrementally.
 *
 * Keys only appear when a bucket closes, a few at a time once a program
 * is warm, but by the hundred thousand when a big program is first seen.
 * Each close sorts just the new keys (a radix sort on 7-byte slices of
 * their names, comparing strings only among keys of one name), places
 * them in the existing order (binary search for a few, one merge for
 * many), and renumbers with integer work only. Tables then sort and break
 * ties on integers. */
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

/* Merge the sorted new keys into the old order, writing to out: a binary
 * search each when they are few, else one linear merge. */
static void merge_new(const struct key_ctx *c, const uint32_t *old, size_t nold, const uint32_t *fresh,
                      size_t nfresh, uint32_t *out)
{
    size_t i = 0, k = 0, log_old = 1;
    while (((size_t)1 << log_old) < nold)
        log_old++;
    bool search = nfresh * log_old < nold;
    for (size_t j = 0; j < nfresh; j++) {
        size_t at = i;
        if (search)
            at = place_of(c, old, i, nold, fresh[j]);
        else
            while (at < nold && key_cmp(c, old[at], fresh[j]) < 0)
                at++;
        memcpy(out + k, old + i, (at - i) * sizeof *out);
        k += at - i;
        i = at;
        out[k++] = fresh[j];
    }
    memcpy(out + k, old + i, (nold - i) * sizeof *out);
}

/* ---- sorting new keys: MSD radix on name slices ------------------------------ */

#define SLICE 7u        /* name bytes per pass; the eighth byte says "the name goes on" */
#define SMALL_RUN 24u   /* below this, comparing strings is cheaper than a radix pass */

struct slice {
    uint64_t v;   /* SLICE name bytes big-endian, zero past the end, then 1 if more follow */
    uint32_t key;
};

static uint64_t slice_of(const char *name, size_t off)
{
    const unsigned char *p = (const unsigned char *)name + off;
    uint64_t v = 0;
    size_t i = 0;
    for (; i < SLICE && p[i]; i++)
        v |= (uint64_t)p[i] << (8 * (7 - i));
    return v | (i == SLICE && p[SLICE] ? 1u : 0u);
}

/* Stable LSD radix sort of v by .v, skipping bytes equal everywhere. */
static void radix_slices(struct slice *v, struct slice *tmp, size_t n)
{
    for (unsigned d = 0; d < 8; d++) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(v[i].v >> (8 * d)) & 0xff]++;
        if (count[(v[0].v >> (8 * d)) & 0xff] == n)
            continue;
        pt_agg_radix_starts(count);
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].v >> (8 * d)) & 0xff]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
}

/* Comparison sort of a run of keys, in place (tmp as large). */
static void compare_sort(const struct key_ctx *c, struct slice *v, struct slice *tmp, size_t n)
{
    uint32_t *idx = (uint32_t *)tmp, *spare = idx + n; /* two uint32_t per slice fit in one slice */
    for (size_t i = 0; i < n; i++)
        idx[i] = v[i].key;
    const uint32_t *sorted = pt_agg_sort(idx, spare, n, key_order, c);
    for (size_t i = 0; i < n; i++)
        v[i].key = sorted[i];
}

/* Sort v[0, n) whose names agree on their first off bytes. */
static void sort_names(const struct key_ctx *c, struct slice *v, struct slice *tmp, size_t n, size_t off)
{
    if (n < SMALL_RUN) {
        compare_sort(c, v, tmp, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        v[i].v = slice_of(pt_agg_str(c->in, pt_agg_key_name(c->keys, v[i].key)), off);
    radix_slices(v, tmp, n);
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && v[hi].v == v[lo].v; hi++)
            ;
        if (v[lo].v & 1u)
            sort_names(c, v + lo, tmp, hi - lo, off + SLICE); /* the names go on */
        else if (hi - lo > 1)
            compare_sort(c, v + lo, tmp, hi - lo); /* one name: by file and line */
    }
}

/* The keys fresh[0, n) in name order, into fresh. */
static enum pt_err sort_fresh(const struct key_ctx *c, uint32_t *fresh, size_t n)
{
    struct slice *v = malloc((n + 1) * sizeof *v), *tmp = malloc((n + 1) * sizeof *tmp);
    if (!v || !tmp) {
        free(v);
        free(tmp);
        return PT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        v[i].key = fresh[i];
    sort_names(c, v, tmp, n, 0);
    for (size_t i = 0; i < n; i++)
        fresh[i] = v[i].key;
    free(v);
    free(tmp);
    return PT_OK;
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
    uint32_t *fresh = malloc(nfresh * sizeof *fresh);
    uint32_t *merged = malloc((size_t)n * sizeof *merged);
    enum pt_err err = fresh && merged ? rank_room(md, n) : PT_ENOMEM;
    struct key_ctx c = {a->in, &md->keys};
    for (uint32_t i = 0; err == PT_OK && i < nfresh; i++)
        fresh[i] = nold + i;
    if (err == PT_OK)
        err = sort_fresh(&c, fresh, nfresh);
    if (err == PT_OK) {
        merge_new(&c, md->order, nold, fresh, nfresh, merged);
        memcpy(md->order, merged, (size_t)n * sizeof *merged);
        renumber(md, n);
        md->ranked = n;
    }
    free(fresh);
    free(merged);
    return err;
}
