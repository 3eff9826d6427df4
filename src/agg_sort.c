/* agg_sort — the sort columns (one table) and the sorts: tables by radix
 * on integers, anything else by a stable merge sort with a context. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"
#include "pytop/aggregate.h"

/* A row's place in a sort: ascending by hi, then lo = name rank << 32 |
 * row index. Name ranks are unique, so the order is total and no two
 * refreshes can order the same counts differently. */
struct pt_agg_sortkey {
    uint64_t hi, lo;
};

/* ---- the sort columns: one row per column ------------------------------- */

/* Each column's key ascends in the column's natural order: counts and
 * times biggest first (complemented), names alphabetically. */
typedef uint64_t (*sort_key_fn)(const struct pt_row *r, const struct pt_agg_mode *md);

/* Non-negative doubles order like their bit patterns. */
static uint64_t dbl_bits(double x)
{
    uint64_t u;
    x = x > 0 ? x : 0;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint64_t key_own(const struct pt_row *r, const struct pt_agg_mode *md)
{
    (void)md;
    return ~r->own;
}

static uint64_t key_total(const struct pt_row *r, const struct pt_agg_mode *md)
{
    (void)md;
    return ~r->total;
}

static uint64_t key_owntime(const struct pt_row *r, const struct pt_agg_mode *md)
{
    (void)md;
    return ~dbl_bits(r->own_s);
}

static uint64_t key_totaltime(const struct pt_row *r, const struct pt_agg_mode *md)
{
    (void)md;
    return ~dbl_bits(r->total_s);
}

static uint64_t key_name(const struct pt_row *r, const struct pt_agg_mode *md)
{
    return pt_agg_name_rank(md, r->key);
}

static const struct {
    const char *name, *title;
    sort_key_fn key;
} sortcols[PT_SORT_COUNT] = {
    [PT_SORT_OWN] = {"own", "%Own", key_own},
    [PT_SORT_TOTAL] = {"total", "%Total", key_total},
    [PT_SORT_OWNTIME] = {"owntime", "OwnTime", key_owntime},
    [PT_SORT_TOTALTIME] = {"totaltime", "TotalTime", key_totaltime},
    [PT_SORT_NAME] = {"name", "Function", key_name},
};

bool pt_agg_sortcol_valid(enum pt_sortcol c) { return (unsigned)c < PT_SORT_COUNT; }

const char *pt_sortcol_name(enum pt_sortcol c) { return pt_agg_sortcol_valid(c) ? sortcols[c].name : "?"; }
const char *pt_sortcol_title(enum pt_sortcol c) { return pt_agg_sortcol_valid(c) ? sortcols[c].title : "?"; }

static bool equal_ci(const char *x, const char *y)
{
    for (; *x && *y; x++, y++)
        if (pt_agg_fold((unsigned char)*x) != pt_agg_fold((unsigned char)*y))
            return false;
    return *x == *y;
}

bool pt_sortcol_parse(const char *s, enum pt_sortcol *out)
{
    for (int c = 0; c < PT_SORT_COUNT; c++)
        if (s && equal_ci(s, sortcols[c].name)) {
            *out = (enum pt_sortcol)c;
            return true;
        }
    return false;
}

int pt_agg_tie_cmp(const struct pt_intern *in, uint32_t name_a, uint32_t file_a, int32_t line_a,
                   uint32_t name_b, uint32_t file_b, int32_t line_b)
{
    int r = name_a == name_b ? 0 : strcmp(pt_agg_str(in, name_a), pt_agg_str(in, name_b));
    if (r == 0 && file_a != file_b)
        r = strcmp(pt_agg_str(in, file_a), pt_agg_str(in, file_b));
    return r ? r : (line_a > line_b) - (line_a < line_b);
}

/* ---- sorting: a stable merge sort of indices ----------------------------- */

static void merge_runs(pt_agg_order_fn order, const void *ctx, const uint32_t *src, uint32_t *dst, size_t lo,
                       size_t mid, size_t hi)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = order(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

static size_t min_sz(size_t x, size_t y) { return x < y ? x : y; }

/* Bottom-up, ping-ponging between idx and tmp; returns the sorted one. */
uint32_t *pt_agg_sort(uint32_t *idx, uint32_t *tmp, size_t n, pt_agg_order_fn order, const void *ctx)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w)
            merge_runs(order, ctx, idx, tmp, lo, min_sz(lo + w, n), min_sz(lo + 2 * w, n));
        uint32_t *swap = idx;
        idx = tmp;
        tmp = swap;
    }
    return idx;
}

/* LSD radix sort on the 12 bytes that matter (hi, and lo's rank half),
 * skipping bytes that are equal everywhere: a few linear passes instead
 * of n log n comparisons. Stable. Returns v or tmp, whichever is sorted. */
#define SORT_DIGITS 12

static unsigned digit(const struct pt_agg_sortkey *k, unsigned d)
{
    return d < 4 ? (unsigned)(k->lo >> (32 + 8 * d)) & 0xff : (unsigned)(k->hi >> (8 * (d - 4))) & 0xff;
}

void pt_agg_radix_starts(size_t count[256])
{
    size_t sum = 0;
    for (unsigned b = 0; b < 256; b++) {
        size_t c = count[b];
        count[b] = sum;
        sum += c;
    }
}

static void scatter(const struct pt_agg_sortkey *src, struct pt_agg_sortkey *dst, size_t n, unsigned d, size_t *count)
{
    pt_agg_radix_starts(count);
    for (size_t i = 0; i < n; i++)
        dst[count[digit(&src[i], d)]++] = src[i];
}

static struct pt_agg_sortkey *radix_sort(struct pt_agg_sortkey *v, struct pt_agg_sortkey *tmp, size_t n)
{
    size_t count[SORT_DIGITS][256] = {{0}};
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < SORT_DIGITS; d++)
            count[d][digit(&v[i], d)]++;
    for (unsigned d = 0; d < SORT_DIGITS && n > 0; d++) {
        if (count[d][digit(&v[0], d)] == n)
            continue; /* every key has this byte: the pass would change nothing */
        scatter(v, tmp, n, d, count[d]);
        struct pt_agg_sortkey *swap = v;
        v = tmp;
        tmp = swap;
    }
    return v;
}

static enum pt_err sort_room(struct pt_sort_scratch *s, size_t n)
{
    if (n > s->sk_cap) {
        struct pt_agg_sortkey *a = realloc(s->sk, n * sizeof *a);
        if (a)
            s->sk = a;
        struct pt_agg_sortkey *b = a ? realloc(s->sk_tmp, n * sizeof *b) : NULL;
        if (!b)
            return PT_ENOMEM;
        s->sk_tmp = b;
        s->sk_cap = n;
    }
    if (n <= s->spare_cap)
        return PT_OK;
    struct pt_row *r = realloc(s->spare, n * sizeof *r);
    if (!r)
        return PT_ENOMEM;
    s->spare = r;
    s->spare_cap = n;
    return PT_OK;
}

enum pt_err pt_agg_sort_rows(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t,
                             struct pt_sort_scratch *s)
{
    if (sort_room(s, t->n) != PT_OK)
        return PT_ENOMEM;
    const struct pt_agg_mode *md = &a->mode[v->mode];
    sort_key_fn key = sortcols[v->sort].key;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t hi = key(&t->rows[i], md), rank = pt_agg_rank(md, t->rows[i].key);
        s->sk[i] = (struct pt_agg_sortkey){v->reverse ? ~hi : hi, rank << 32 | i};
    }
    const struct pt_agg_sortkey *sorted = radix_sort(s->sk, s->sk_tmp, t->n);
    for (size_t i = 0; i < t->n; i++)
        s->spare[i] = t->rows[(uint32_t)sorted[i].lo];
    struct pt_row *rows = t->rows;
    size_t cap = t->cap;
    t->rows = s->spare;
    t->cap = s->spare_cap;
    s->spare = rows;
    s->spare_cap = cap;
    return PT_OK;
}

void pt_agg_sort_scratch_free(struct pt_sort_scratch *s)
{
    free(s->sk);
    free(s->sk_tmp);
    free(s->spare);
    *s = (struct pt_sort_scratch){0};
}
