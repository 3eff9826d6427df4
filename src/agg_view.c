/* agg_view — what a view sees: its window, rows, sort order, threads, names.
 *
 * Every count is derived here from stack counts: a row's own is the
 * samples of the stacks whose leaf is its key, its total the subtree sums
 * (agg_expand.h) at the key's outermost occurrences. */
#include <stdlib.h>
#include <string.h>

#include "pytop/agg_state.h"
#include "pytop/aggregate.h"
#include "pytop/util.h"

#define NS_PER_S 1e9
#define US_PER_S 1e6

struct pt_table_scratch {
    uint32_t *slot; /* key -> row index while gathering; PT_NOID: no row */
    size_t slot_cap;
    struct pt_sort_scratch sort;
    struct pt_expand xp;
};

/* ---- what a view selects ------------------------------------------------ */

static bool class_ok(const struct pt_view *v, uint32_t cls)
{
    return (v->idle || !(cls & PT_SAMPLE_IDLE)) && (!v->gil_only || (cls & PT_SAMPLE_GIL));
}

static double bucket_span_s(const struct pt_bucket *b) { return (double)(b->end_ns - b->start_ns) / NS_PER_S; }

/* The buckets that ended within window_s of the newest close (at least the
 * newest; NaN counts as PT_WINDOW_LAST). */
static void select_window(const struct pt_agg *a, double window_s, struct pt_agg_sel *s)
{
    s->span_s = 0;
    s->b = a->buckets;
    s->nb = 0;
    s->all = window_s < 0;
    if (s->all) {
        s->span_s = (double)a->cum_span_ns / NS_PER_S;
        return;
    }
    if (a->nbuckets == 0)
        return;
    uint64_t newest = a->buckets[a->nbuckets - 1].end_ns;
    uint64_t w_ns = pt_agg_ns(window_s);
    size_t first = a->nbuckets - 1;
    while (first > 0 && pt_agg_ns_before(a->buckets[first - 1].end_ns, newest) < w_ns)
        first--;
    s->b = a->buckets + first;
    s->nb = a->nbuckets - first;
    for (size_t i = 0; i < s->nb; i++)
        s->span_s += bucket_span_s(&s->b[i]);
}

void pt_agg_select(const struct pt_agg *a, const struct pt_view *v, bool any_thread, struct pt_agg_sel *s)
{
    s->thread = PT_NOID;
    s->nothing = false;
    if (v->tid && !any_thread) {
        s->thread = pt_idmap_find(&a->tids, v->tid, 0, 0);
        s->nothing = s->thread == PT_NOID;
    }
    for (uint32_t c = 0; c <= PT_CLASS_MASK; c++)
        s->cls_ok[c] = class_ok(v, c);
    select_window(a, v->window_s, s);
}

enum pt_err pt_agg_each_cell(const struct pt_agg *a, const struct pt_agg_sel *s, bool want_cum, pt_agg_cell_fn fn,
                             void *arg)
{
    enum pt_err err = PT_OK;
    if (want_cum) {
        const struct pt_tally *t = &a->cum;
        for (size_t i = 0; i < pt_tally_n(t) && err == PT_OK; i++)
            if (pt_agg_sel_pass(s, pt_tally_thread(t, i), pt_tally_cls(t, i)))
                err = fn(arg, pt_tally_thread(t, i), pt_tally_id(t, i), t->cells[i].n, t->cells[i].us);
        return err;
    }
    for (size_t b = 0; b < s->nb && err == PT_OK; b++)
        for (size_t i = 0; i < s->b[b].n && err == PT_OK; i++) {
            const struct pt_stackcell *c = &s->b[b].cells[i];
            if (pt_agg_sel_pass(s, pt_tc_thread(c->tc), pt_tc_cls(c->tc)))
                err = fn(arg, pt_tc_thread(c->tc), c->fnode, c->n, 0);
        }
    return err;
}

/* ---- the text filter ---------------------------------------------------- */

/* ASCII case folding only: names are UTF-8 and their other bytes must
 * match exactly (a locale's tolower could mangle them). */
static bool contains_ci(const char *hay, const char *needle)
{
    if (!*needle)
        return true;
    for (; *hay; hay++) {
        size_t k = 0;
        while (needle[k] && pt_agg_fold((unsigned char)hay[k]) == pt_agg_fold((unsigned char)needle[k]))
            k++;
        if (!needle[k])
            return true;
    }
    return false;
}

bool pt_agg_key_matches(const struct pt_agg *a, enum pt_keymode m, uint32_t k, const char *filter)
{
    if (!filter || !*filter)
        return true;
    if (pt_agg_key_is_pruned(a, m, k))
        return contains_ci(PT_AGG_PRUNED_TEXT, filter);
    const struct pt_idmap *keys = &a->mode[m].keys;
    return contains_ci(pt_agg_str(a->in, pt_agg_key_name(keys, k)), filter) ||
           contains_ci(pt_agg_str(a->in, pt_agg_key_file(keys, k)), filter);
}

/* ---- building a table --------------------------------------------------- */

static bool view_valid(const struct pt_agg *a, const struct pt_view *v)
{
    return pt_agg_mode_on(a, v->mode) && pt_agg_sortcol_valid(v->sort);
}

static enum pt_err rows_room(struct pt_table *t, size_t need)
{
    if (need <= t->cap)
        return PT_OK;
    size_t cap = t->cap ? t->cap * 2 : 64;
    while (cap < need)
        cap *= 2;
    struct pt_row *r = realloc(t->rows, cap * sizeof *r);
    if (!r)
        return PT_ENOMEM;
    t->rows = r;
    t->cap = cap;
    return PT_OK;
}

static enum pt_err scratch_ready(struct pt_table *t, size_t nkeys)
{
    if (!t->scratch && !(t->scratch = calloc(1, sizeof *t->scratch)))
        return PT_ENOMEM;
    struct pt_table_scratch *s = t->scratch;
    if (pt_u32_grow(&s->slot, &s->slot_cap, nkeys, PT_NOID) != PT_OK)
        return PT_ENOMEM;
    if (nkeys)
        memset(s->slot, 0xff, nkeys * sizeof *s->slot);
    return PT_OK;
}

static struct pt_row *row_of(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t, uint32_t key)
{
    uint32_t *slot = &t->scratch->slot[key];
    if (*slot != PT_NOID)
        return &t->rows[*slot];
    if (rows_room(t, t->n + 1) != PT_OK)
        return NULL;
    const struct pt_idmap *keys = &a->mode[v->mode].keys;
    *slot = (uint32_t)t->n;
    struct pt_row *r = &t->rows[t->n++];
    *r = (struct pt_row){.key = key,
                         .name = pt_agg_key_name(keys, key),
                         .file = pt_agg_key_file(keys, key),
                         .line = pt_agg_key_line(keys, key)};
    return r;
}

/* The row of a key, when the window has one (times never add rows). */
static struct pt_row *row_if(struct pt_table *t, uint32_t key)
{
    uint32_t r = t->scratch->slot[key];
    return r == PT_NOID ? NULL : &t->rows[r];
}

struct gather {
    const struct pt_agg *a;
    const struct pt_view *v;
    struct pt_table *t;
};

/* A stack's samples: in the window, at its node, and its leaf's own. */
static enum pt_err count_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)thread, (void)us;
    struct gather *g = arg;
    g->t->window_samples += n;
    if (fnode == 0)
        return PT_OK; /* no Python frame: a sample, but no key's */
    pt_expand_add(&g->t->scratch->xp, fnode, n);
    if (pt_agg_fnode_pruned(g->a, fnode))
        return PT_OK;
    struct pt_row *r = row_of(g->a, g->v, g->t, pt_agg_fnode_key(g->a, g->v->mode, fnode));
    if (!r)
        return PT_ENOMEM;
    r->own += n;
    return PT_OK;
}

/* Each key's total: its outermost occurrences' subtree sums. */
static enum pt_err count_totals(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t)
{
    const struct pt_expand *xp = &t->scratch->xp;
    for (uint32_t f = 1; f < xp->n; f++) {
        uint64_t sum = pt_expand_sum(xp, f);
        if (!sum || pt_agg_fnode_pruned(a, f) || !pt_agg_counts_key(a, v->mode, f))
            continue;
        struct pt_row *r = row_of(a, v, t, pt_agg_fnode_key(a, v->mode, f));
        if (!r)
            return PT_ENOMEM;
        r->total += sum;
    }
    return PT_OK;
}

/* Since the start, pruned stacks' samples count for keys from the residue. */
static enum pt_err count_residue(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                                 struct pt_table *t)
{
    const struct pt_tally *res[2] = {&a->mode[v->mode].res_own, &a->mode[v->mode].res_total};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < pt_tally_n(res[w]); i++) {
            if (!res[w]->cells[i].n || !pt_agg_sel_pass(sel, pt_tally_thread(res[w], i), pt_tally_cls(res[w], i)))
                continue;
            struct pt_row *r = row_of(a, v, t, pt_tally_id(res[w], i));
            if (!r)
                return PT_ENOMEM;
            *(w ? &r->total : &r->own) += res[w]->cells[i].n;
        }
    return PT_OK;
}

static enum pt_err gather_counts(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                                 struct pt_table *t)
{
    struct gather g = {a, v, t};
    enum pt_err err = pt_expand_begin(&t->scratch->xp, a->fnodes_mapped);
    if (err == PT_OK)
        err = pt_agg_each_cell(a, sel, sel->all, count_cell, &g);
    if (err != PT_OK)
        return err;
    pt_expand_run(&t->scratch->xp, &a->fnodes);
    err = count_totals(a, v, t);
    if (err == PT_OK && sel->all)
        err = count_residue(a, v, sel, t);
    return err;
}

/* A since-start stack's time, at its node and its leaf's row. */
static enum pt_err time_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)thread, (void)n;
    struct gather *g = arg;
    if (fnode == 0)
        return PT_OK;
    pt_expand_add(&g->t->scratch->xp, fnode, us);
    struct pt_row *r = pt_agg_fnode_pruned(g->a, fnode) ? NULL
                                                        : row_if(g->t, pt_agg_fnode_key(g->a, g->v->mode, fnode));
    if (r)
        r->own_s += (double)us / US_PER_S;
    return PT_OK;
}

static void time_totals(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                        struct pt_table *t)
{
    const struct pt_expand *xp = &t->scratch->xp;
    for (uint32_t f = 1; f < xp->n; f++) {
        uint64_t sum = pt_expand_sum(xp, f);
        if (!sum || pt_agg_fnode_pruned(a, f) || !pt_agg_counts_key(a, v->mode, f))
            continue;
        struct pt_row *r = row_if(t, pt_agg_fnode_key(a, v->mode, f));
        if (r)
            r->total_s += (double)sum / US_PER_S;
    }
    const struct pt_tally *res[2] = {&a->mode[v->mode].res_own, &a->mode[v->mode].res_total};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < pt_tally_n(res[w]); i++) {
            struct pt_row *r = row_if(t, pt_tally_id(res[w], i));
            if (r && pt_agg_sel_pass(sel, pt_tally_thread(res[w], i), pt_tally_cls(res[w], i)))
                *(w ? &r->total_s : &r->own_s) += (double)res[w]->cells[i].us / US_PER_S;
        }
}

/* Seconds always come from the since-start stacks, whatever the window. */
static enum pt_err gather_times(const struct pt_agg *a, const struct pt_view *v, const struct pt_agg_sel *sel,
                                struct pt_table *t)
{
    struct gather g = {a, v, t};
    enum pt_err err = pt_expand_begin(&t->scratch->xp, a->fnodes_mapped);
    if (err == PT_OK)
        err = pt_agg_each_cell(a, sel, true, time_cell, &g);
    if (err != PT_OK)
        return err;
    pt_expand_run(&t->scratch->xp, &a->fnodes);
    time_totals(a, v, sel, t);
    return PT_OK;
}

static void apply_filter(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t)
{
    if (!v->filter || !*v->filter)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++)
        if (pt_agg_key_matches(a, v->mode, t->rows[i].key, v->filter))
            t->rows[kept++] = t->rows[i];
    t->n = kept;
}

static double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

static void fill_pcts(struct pt_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        t->rows[i].pct_own = pct(t->rows[i].own, t->window_samples);
        t->rows[i].pct_total = pct(t->rows[i].total, t->window_samples);
    }
}

enum pt_err pt_agg_table(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t)
{
    t->n = 0;
    t->window_samples = 0;
    t->window_span_s = 0;
    if (!view_valid(a, v))
        return PT_EINVAL;
    struct pt_agg_sel sel;
    pt_agg_select(a, v, false, &sel);
    t->window_span_s = sel.span_s;
    enum pt_err err = scratch_ready(t, a->mode[v->mode].keys.n);
    if (err == PT_OK)
        err = gather_counts(a, v, &sel, t);
    if (err == PT_OK)
        err = gather_times(a, v, &sel, t);
    if (err == PT_OK) {
        apply_filter(a, v, t);
        fill_pcts(t);
        err = pt_agg_sort_rows(a, v, t, &t->scratch->sort);
    }
    if (err != PT_OK)
        t->n = 0;
    return err;
}

void pt_table_free(struct pt_table *t)
{
    if (t->scratch) {
        free(t->scratch->slot);
        pt_agg_sort_scratch_free(&t->scratch->sort);
        pt_expand_free(&t->scratch->xp);
        free(t->scratch);
    }
    free(t->rows);
    *t = (struct pt_table){0};
}

/* ---- threads ------------------------------------------------------------ */

static int by_tid(const void *x, const void *y)
{
    const struct pt_thread_share *p = x, *q = y;
    return (p->tid > q->tid) - (p->tid < q->tid);
}

static enum pt_err thread_cell(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us)
{
    (void)fnode, (void)us;
    ((uint64_t *)arg)[thread] += n;
    return PT_OK;
}

enum pt_err pt_agg_threads(const struct pt_agg *a, const struct pt_view *v, struct pt_thread_share **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (a->tids.n == 0)
        return PT_OK;
    uint64_t *per_thread = calloc(a->tids.n, sizeof *per_thread);
    struct pt_thread_share *ts = malloc(a->tids.n * sizeof *ts);
    if (!per_thread || !ts) {
        free(per_thread);
        free(ts);
        return PT_ENOMEM;
    }
    struct pt_agg_sel sel;
    pt_agg_select(a, v, true, &sel);
    pt_agg_each_cell(a, &sel, sel.all, thread_cell, per_thread);
    size_t k = 0;
    for (uint32_t t = 0; t < a->tids.n; t++)
        if (a->threads[t].seen)
            ts[k++] = (struct pt_thread_share){a->threads[t].tid, per_thread[t],
                                               (a->threads[t].last_flags & PT_SAMPLE_IDLE) != 0};
    free(per_thread);
    qsort(ts, k, sizeof *ts, by_tid);
    if (k == 0) {
        free(ts);
        ts = NULL;
    }
    *out = ts;
    *n = k;
    return PT_OK;
}

/* ---- names -------------------------------------------------------------- */

/* A bounded text being assembled; remembers whether anything was cut. */
struct text {
    char *buf;
    size_t len, cap; /* cap >= 1: room for the NUL */
    bool cut;
    bool control; /* a part may hold a control character: scan at the end */
};

static void text_add(struct text *t, const char *s, size_t n)
{
    size_t room = t->cap - 1 - t->len;
    if (n > room) {
        n = room;
        t->cut = true;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static void text_puts(struct text *t, const char *s) { text_add(t, s, strlen(s)); }

/* An interned string: its length and whether it may need cleaning were
 * noted when it was stored. */
static void text_str(struct text *t, const struct pt_intern *in, uint32_t id)
{
    bool control;
    size_t n = pt_intern_str_len(in, id, &control);
    t->control |= control;
    text_add(t, pt_agg_str(in, id), n);
}

static void text_int(struct text *t, int32_t v)
{
    char digits[16];
    size_t i = sizeof digits;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do
        digits[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        digits[--i] = '-';
    text_add(t, digits + i, sizeof digits - i);
}

/* Cut len so the text does not end inside a UTF-8 sequence. */
static size_t utf8_whole(const char *s, size_t len)
{
    size_t j = len;
    while (j > 0 && len - j < 3 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
        j--;
    if (j == 0 || ((unsigned char)s[j - 1] & 0xC0) != 0xC0)
        return len; /* ASCII or stray continuation bytes: nothing to repair */
    unsigned lead = (unsigned char)s[j - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return len - (j - 1) < need ? j - 1 : len;
}

/* Whether none of 8 bytes can be below 0x20 or 0x7f. A "maybe" (a borrow
 * can raise one) only sends those bytes to the exact check. */
static bool word_printable(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t del = x ^ (ones * 0x7f);
    return ((((x - ones * 0x20) & ~x) | ((del - ones) & ~del)) & highs) == 0;
}

/* Names almost never hold control characters: look 8 bytes at a time. */
static void text_finish(struct text *t)
{
    if (t->cut)
        t->len = utf8_whole(t->buf, t->len);
    for (size_t i = 0; t->control && i < t->len;) {
        uint64_t w;
        if (t->len - i >= sizeof w) {
            memcpy(&w, t->buf + i, sizeof w);
            if (word_printable(w)) {
                i += sizeof w;
                continue;
            }
        }
        size_t end = t->len - i >= sizeof w ? i + sizeof w : t->len;
        for (; i < end; i++)
            if ((unsigned char)t->buf[i] < 0x20 || t->buf[i] == 0x7f)
                t->buf[i] = '?';
    }
    t->buf[t->len] = '\0';
}

static void key_text(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, struct text *t)
{
    if (key == PT_NOID) {
        text_puts(t, "(root)");
        return;
    }
    if ((unsigned)mode >= PT_KEY_COUNT || key >= a->mode[mode].keys.n) {
        text_puts(t, "?");
        return;
    }
    if (pt_agg_key_is_pruned(a, mode, key)) {
        text_puts(t, PT_AGG_PRUNED_TEXT);
        return;
    }
    const struct pt_idmap *keys = &a->mode[mode].keys;
    int32_t line = pt_agg_key_line(keys, key);
    text_str(t, a->in, pt_agg_key_name(keys, key));
    text_add(t, " (", 2);
    text_str(t, a->in, pt_agg_key_file(keys, key));
    if (line >= 0) {
        text_add(t, ":", 1);
        text_int(t, line);
    }
    text_add(t, ")", 1);
}

void pt_agg_key_prefetch(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, int stage)
{
    if ((unsigned)mode >= PT_KEY_COUNT || key >= a->mode[mode].keys.n)
        return;
    const struct pt_idmap *keys = &a->mode[mode].keys;
    if (stage == 0)
        PT_PREFETCH(&keys->keys[key]);
    else
        pt_intern_str_prefetch(a->in, pt_agg_key_name(keys, key), stage > 1);
}

/* By hand rather than snprintf: a full dump formats every key. */
size_t pt_agg_key_text(const struct pt_agg *a, enum pt_keymode mode, uint32_t key, char *buf, size_t cap)
{
    if (cap == 0)
        return 0;
    struct text t = {buf, 0, cap, false, false};
    key_text(a, mode, key, &t);
    text_finish(&t);
    return t.len;
}
