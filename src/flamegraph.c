/* flamegraph — a view's stacks as a self-contained interactive SVG (see flamegraph.h). */
#include "pytop/flamegraph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/flamegraph_js.h"

/* Geometry in px. The script (flamegraph_js.c) repeats FG_WIDTH, FG_PAD
 * and the character width; change them together. */
#define FG_WIDTH 1200
#define FG_PAD 10            /* left and right margin */
#define FG_INNER (FG_WIDTH - 2 * FG_PAD)
#define FG_FRAME_H 16        /* one stack level; rects are 1px less, for a gap */
#define FG_TOP 56            /* title, subtitle and controls above the frames */
#define FG_BOTTOM 30         /* status line below the frames */
#define FG_CHAR_W100 730     /* hundredths of px per character: monospace 12px is ~7.2 */
#define FG_MIN_SHARE 1000    /* frames under 1/FG_MIN_SHARE of all samples are omitted */
#define FG_TEXT_CAP 1024     /* longest frame text kept (pt_agg_key_text truncates cleanly) */
#define FG_ROOT PT_NOID      /* key of the "all" frame */

/* One call-tree node: the stacks sharing a prefix. Node 0 is the root;
 * parents are always created (and numbered) before their children. */
struct fg_node {
    uint32_t key;          /* frame key in the view's mode; FG_ROOT for node 0 */
    uint32_t parent;
    uint32_t kidx;         /* index into fg.keys */
    uint32_t first, next;  /* children in display order; PT_NOID ends */
    uint32_t depth;        /* 0 for the root */
    uint64_t total;        /* samples whose stack passes through this node */
    uint64_t x;            /* samples laid out left of this node */
};

/* A distinct key's display text (sanitised, in fg.pool) and its rank in
 * byte order of that text, which orders siblings as flamegraph.pl does,
 * so a function keeps its place from one graph to the next. */
struct fg_key {
    uint32_t key;
    uint32_t rank;
    size_t off;
};

/* Open addressing from a 64-bit key to a 32-bit value; PT_NOID: empty. */
struct fg_map {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, n;
};

struct fg {
    const struct pt_agg *a;
    const struct pt_view *v;
    uint32_t through;        /* only stacks containing this key; PT_NOID: all */
    struct fg_node *nodes;
    size_t n, cap;
    struct fg_map children;  /* parent << 32 | key -> node */
    struct fg_key *keys;
    size_t nkeys, keys_cap;
    struct fg_map key_index; /* key -> index into keys */
    struct pt_sb pool;       /* key texts, NUL-terminated, one after another */
    uint64_t min_total;      /* narrowest frame drawn, in samples */
    uint32_t maxdepth;       /* deepest frame drawn */
    size_t omitted;          /* nodes too narrow to draw */
};

/* ---- a small hash map ---------------------------------------------- */

static size_t map_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

static size_t map_slot(const struct fg_map *m, uint64_t k)
{
    size_t i = map_hash(k) & (m->cap - 1);
    while (m->vals[i] != PT_NOID && m->keys[i] != k)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static uint32_t map_get(const struct fg_map *m, uint64_t k)
{
    return m->cap ? m->vals[map_slot(m, k)] : PT_NOID;
}

/* Double the table (or create it): rehash into fresh arrays. */
static enum pt_err map_grow(struct fg_map *m)
{
    struct fg_map g = {NULL, NULL, m->cap ? m->cap * 2 : 64, m->n};
    g.keys = malloc(g.cap * sizeof *g.keys);
    g.vals = malloc(g.cap * sizeof *g.vals);
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return PT_ENOMEM;
    }
    memset(g.vals, 0xff, g.cap * sizeof *g.vals); /* all PT_NOID */
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] != PT_NOID) {
            size_t j = map_slot(&g, m->keys[i]);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
        }
    free(m->keys);
    free(m->vals);
    *m = g;
    return PT_OK;
}

/* Insert k (not present) -> val, keeping the load at most one half. */
static enum pt_err map_put(struct fg_map *m, uint64_t k, uint32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        enum pt_err e = map_grow(m);
        if (e)
            return e;
    }
    size_t i = map_slot(m, k);
    m->keys[i] = k;
    m->vals[i] = val;
    m->n++;
    return PT_OK;
}

static void map_free(struct fg_map *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- building the call tree ---------------------------------------- */

/* arr with room for need elements (reallocated by doubling), or NULL
 * with arr untouched. Returns the pointer rather than writing through a
 * void ** so no object is accessed as the wrong pointer type. */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : 256;
    while (c < need)
        c *= 2;
    void *p = realloc(arr, c * elem);
    if (p)
        *cap = c;
    return p;
}

static enum pt_err new_node(struct fg *g, uint32_t parent, uint32_t key, uint32_t *out)
{
    if (g->n >= PT_NOID)
        return PT_ENOMEM; /* node ids are 32-bit */
    struct fg_node *nodes = grow(g->nodes, &g->cap, g->n + 1, sizeof *g->nodes);
    if (!nodes)
        return PT_ENOMEM;
    g->nodes = nodes;
    uint32_t id = (uint32_t)g->n;
    g->nodes[id] = (struct fg_node){.key = key, .parent = parent, .kidx = PT_NOID,
                                    .first = PT_NOID, .next = PT_NOID,
                                    .depth = id ? g->nodes[parent].depth + 1 : 0};
    g->n++;
    *out = id;
    return PT_OK;
}

/* The child of parent for key, created on first sight. */
static enum pt_err child_of(struct fg *g, uint32_t parent, uint32_t key, uint32_t *out)
{
    uint64_t k = (uint64_t)parent << 32 | key;
    *out = map_get(&g->children, k);
    if (*out != PT_NOID)
        return PT_OK;
    enum pt_err e = new_node(g, parent, key, out);
    if (!e && (e = map_put(&g->children, k, *out)) != PT_OK)
        g->n--; /* forget the node the map could not hold */
    return e;
}

/* pt_agg_stacks callback: merge one stack (root first) into the tree. */
static enum pt_err add_stack(void *arg, const uint32_t *keys, size_t depth, uint64_t count)
{
    struct fg *g = arg;
    uint32_t node = 0;
    g->nodes[0].total += count;
    for (size_t i = 0; i < depth; i++) {
        enum pt_err e = child_of(g, node, keys[i], &node);
        if (e)
            return e;
        g->nodes[node].total += count;
    }
    return PT_OK;
}

/* ---- text: sanitising, escaping, key texts ------------------------- */

/* Length (1-4) of the well-formed UTF-8 sequence at s and its code point
 * in *cp; 0 if s does not start one (overlong, surrogate, > U+10FFFF,
 * truncated). The NUL terminator fails the continuation test. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, c &= 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, c &= 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, c &= 0x07, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points XML 1.0 forbids even as references (controls, U+FFFE/F),
 * plus DEL and the C1 controls, which no name should show. */
static bool unprintable(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff;
}

/* Append s as well-formed UTF-8 any XML parser accepts: invalid bytes
 * become U+FFFD, unprintable characters '?'. Names come from the target
 * process and may hold any bytes. */
static void sanitize(struct pt_sb *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_seq(p, &cp);
        if (n == 0)
            pt_sb_puts(out, "\xef\xbf\xbd");
        else if (unprintable(cp))
            pt_sb_puts(out, "?");
        else
            pt_sb_add(out, (const char *)p, n);
        p += n ? n : 1;
    }
}

/* Append n bytes of sanitised text with XML's five specials escaped, so
 * it is safe in content and in attribute values alike. */
static void put_escaped(struct pt_sb *out, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *ent = NULL;
        switch (s[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&apos;"; break;
        default: continue;
        }
        pt_sb_add(out, s + run, i - run);
        pt_sb_puts(out, ent);
        run = i + 1;
    }
    pt_sb_add(out, s + run, n - run);
}

/* Raw text (sanitised here first) escaped for XML. */
static void put_text(struct pt_sb *out, const char *raw)
{
    struct pt_sb clean;
    pt_sb_init(&clean);
    sanitize(&clean, raw);
    if (clean.failed)
        out->failed = true; /* report ENOMEM through out, like every append */
    else if (clean.s)
        put_escaped(out, clean.s, clean.len);
    pt_sb_free(&clean);
}

/* Record key's sanitised display text in the pool (once per key). */
static enum pt_err key_of(struct fg *g, uint32_t key, uint32_t *out)
{
    *out = map_get(&g->key_index, key);
    if (*out != PT_NOID)
        return PT_OK;
    struct fg_key *keys = grow(g->keys, &g->keys_cap, g->nkeys + 1, sizeof *g->keys);
    if (!keys)
        return PT_ENOMEM;
    g->keys = keys;
    char buf[FG_TEXT_CAP];
    if (key == FG_ROOT)
        snprintf(buf, sizeof buf, "all");
    else
        pt_agg_key_text(g->a, g->v->mode, key, buf, sizeof buf);
    size_t off = g->pool.len;
    sanitize(&g->pool, buf);
    pt_sb_add(&g->pool, "", 1); /* keep the NUL: texts sit back to back */
    if (g->pool.failed)
        return PT_ENOMEM;
    *out = (uint32_t)g->nkeys;
    g->keys[g->nkeys++] = (struct fg_key){.key = key, .rank = 0, .off = off};
    return map_put(&g->key_index, key, *out);
}

static const char *key_text(const struct fg *g, uint32_t kidx) { return g->pool.s + g->keys[kidx].off; }

/* ---- ordering and layout ------------------------------------------- */

/* Sort records: qsort has no context argument, so each carries what its
 * comparison needs. */
struct fg_byname {
    const char *text;
    uint32_t key, kidx;
};

struct fg_sibling {
    uint32_t parent, rank, node;
};

static int cmp_byname(const void *pa, const void *pb)
{
    const struct fg_byname *a = pa, *b = pb;
    int c = strcmp(a->text, b->text);
    /* equal texts ("?" for unknown keys) still need a fixed order */
    return c ? c : (a->key > b->key) - (a->key < b->key);
}

static int cmp_sibling(const void *pa, const void *pb)
{
    const struct fg_sibling *a = pa, *b = pb;
    if (a->parent != b->parent)
        return (a->parent > b->parent) - (a->parent < b->parent);
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* Give every node its key text and every key its alphabetical rank. */
static enum pt_err rank_keys(struct fg *g)
{
    for (size_t i = 0; i < g->n; i++) {
        enum pt_err e = key_of(g, g->nodes[i].key, &g->nodes[i].kidx);
        if (e)
            return e;
    }
    struct fg_byname *s = malloc(g->nkeys * sizeof *s);
    if (!s)
        return PT_ENOMEM;
    for (size_t i = 0; i < g->nkeys; i++)
        s[i] = (struct fg_byname){key_text(g, (uint32_t)i), g->keys[i].key, (uint32_t)i};
    qsort(s, g->nkeys, sizeof *s, cmp_byname);
    for (size_t i = 0; i < g->nkeys; i++)
        g->keys[s[i].kidx].rank = (uint32_t)i;
    free(s);
    return PT_OK;
}

/* Link each node's children in rank order (first / next). */
static enum pt_err order_children(struct fg *g)
{
    if (g->n < 2)
        return PT_OK;
    struct fg_sibling *s = malloc((g->n - 1) * sizeof *s);
    if (!s)
        return PT_ENOMEM;
    for (size_t i = 1; i < g->n; i++)
        s[i - 1] = (struct fg_sibling){g->nodes[i].parent, g->keys[g->nodes[i].kidx].rank, (uint32_t)i};
    qsort(s, g->n - 1, sizeof *s, cmp_sibling);
    for (size_t i = g->n - 1; i-- > 0;) { /* backwards, so prepending keeps the order */
        struct fg_node *p = &g->nodes[s[i].parent];
        g->nodes[s[i].node].next = p->first;
        p->first = s[i].node;
    }
    free(s);
    return PT_OK;
}

/* Place children side by side from their parent's left edge. Parents
 * precede children in id order, so one pass suffices: no recursion,
 * whatever the depth. Also find the deepest frame wide enough to draw. */
static void layout(struct fg *g)
{
    g->min_total = (g->nodes[0].total + FG_MIN_SHARE - 1) / FG_MIN_SHARE;
    for (size_t i = 0; i < g->n; i++) {
        const struct fg_node *p = &g->nodes[i];
        uint64_t x = p->x;
        for (uint32_t c = p->first; c != PT_NOID; c = g->nodes[c].next) {
            g->nodes[c].x = x;
            x += g->nodes[c].total;
        }
        if (p->total >= g->min_total && p->depth > g->maxdepth)
            g->maxdepth = p->depth;
        g->omitted += p->total < g->min_total;
    }
}

/* ---- output -------------------------------------------------------- */

/* A non-negative number with two decimals, by hand: printf's %f follows
 * LC_NUMERIC, and a decimal comma would break every attribute. */
static void put_fixed2(struct pt_sb *out, double v)
{
    unsigned long long h = (unsigned long long)(v * 100.0 + 0.5);
    pt_sb_printf(out, "%llu.%02llu", h / 100, h % 100);
}

static double px_of(const struct fg *g, uint64_t samples)
{
    return (double)samples * FG_INNER / (double)g->nodes[0].total;
}

/* Warm colours (flamegraph.pl's "hot"): red 205-254, green 0-229, blue
 * 0-54, from an FNV-1a hash of the function name -- the text before its
 * " (file:line)" -- so a function has one colour in every graph and in
 * both key modes. */
static void put_colour(struct pt_sb *out, const char *text)
{
    const char *paren = NULL;
    for (const char *p = strstr(text, " ("); p; p = strstr(p + 1, " ("))
        paren = p;
    size_t n = paren ? (size_t)(paren - text) : strlen(text);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)text[i]) * 0x100000001b3ULL;
    h ^= h >> 29; /* FNV's low bits mix poorly; fold the high ones in */
    pt_sb_printf(out, "rgb(%u,%u,%u)", 205 + (unsigned)(h % 50), (unsigned)((h >> 16) % 230),
                 (unsigned)((h >> 32) % 55));
}

/* Columns a character takes in a monospace font: East Asian wide and
 * fullwidth characters take two. Coarse ranges; the script has the same. */
static unsigned columns(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                   (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                   (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                   (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)
               ? 2
               : 1;
}

/* The label that fits w px: whole characters, ".." when cut, nothing when
 * fewer than three columns fit. SVG 1.1 text does not clip, so the label
 * is cut to the estimated width instead (the script redoes it on zoom). */
static void put_label(struct pt_sb *out, const char *text, double w)
{
    long w100 = (long)(w * 100.0);
    size_t fits = w100 > 600 ? (size_t)(w100 - 600) / FG_CHAR_W100 : 0;
    if (fits < 3)
        return;
    size_t bytes = 0, cols = 0, cut = 0;
    while (text[bytes]) {
        uint32_t cp = 0xfffd;
        size_t n = utf8_seq((const unsigned char *)text + bytes, &cp);
        cols += columns(cp);
        bytes += n ? n : 1; /* text is sanitised, so n is never 0 */
        if (cols <= fits - 2)
            cut = bytes;
    }
    if (cols <= fits) {
        put_escaped(out, text, bytes);
        return;
    }
    put_escaped(out, text, cut);
    pt_sb_puts(out, "..");
}

/* "N samples (P%)", P of all samples in the graph. */
static void put_count(struct pt_sb *out, uint64_t n, uint64_t all)
{
    pt_sb_printf(out, "%llu sample%s (", (unsigned long long)n, n == 1 ? "" : "s");
    put_fixed2(out, 100.0 * (double)n / (double)all);
    pt_sb_puts(out, "%)");
}

static void put_frame(struct pt_sb *out, const struct fg *g, const struct fg_node *f)
{
    const char *text = key_text(g, f->kidx);
    double x = FG_PAD + px_of(g, f->x), w = px_of(g, f->total);
    unsigned y = FG_TOP + (g->maxdepth - f->depth) * FG_FRAME_H;
    pt_sb_puts(out, "<g class=\"f\"><title>");
    put_escaped(out, text, strlen(text));
    pt_sb_puts(out, " \xe2\x80\x94 ");
    put_count(out, f->total, g->nodes[0].total);
    pt_sb_puts(out, "</title><rect x=\"");
    put_fixed2(out, x);
    pt_sb_printf(out, "\" y=\"%u\" width=\"", y);
    put_fixed2(out, w);
    pt_sb_printf(out, "\" height=\"%u\" fill=\"", FG_FRAME_H - 1);
    put_colour(out, text);
    pt_sb_printf(out, "\" fg:x=\"%llu\" fg:w=\"%llu\"/><text x=\"", (unsigned long long)f->x,
                 (unsigned long long)f->total);
    put_fixed2(out, x + 3);
    pt_sb_printf(out, "\" y=\"%u\">", y + 11);
    put_label(out, text, w);
    pt_sb_puts(out, "</text></g>\n");
}

static const char fg_style[] =
    "<style type=\"text/css\">\n"
    "text { font-family: monospace; font-size: 12px; fill: #000; }\n"
    ".h { font-size: 17px; } .s { fill: #555; } .c { cursor: pointer; fill: #036; }\n"
    "g.f { cursor: pointer; } g.f:hover rect { stroke: #000; stroke-width: 0.6; }\n"
    "</style>\n";

static void put_head(struct pt_sb *out, unsigned height)
{
    pt_sb_printf(out,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                 "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\""
                 " xmlns:fg=\"urn:pytop:flamegraph\" width=\"%d\" height=\"%u\""
                 " viewBox=\"0 0 %d %u\">\n"
                 "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
                 "<stop offset=\"5%%\" stop-color=\"#eeeeee\"/><stop offset=\"95%%\" stop-color=\"#eeeeb0\"/>"
                 "</linearGradient></defs>\n",
                 FG_WIDTH, height, FG_WIDTH, height);
    pt_sb_puts(out, fg_style);
    pt_sb_printf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"url(#bg)\"/>\n"
                      "<text class=\"h\" x=\"%d\" y=\"22\" text-anchor=\"middle\">Flame Graph</text>\n",
                 FG_WIDTH, height, FG_WIDTH / 2);
}

/* What the graph shows: how many samples, which keys, which window,
 * thread and filter -- everything that decides the numbers. */
static void put_subtitle(struct pt_sb *out, const struct fg *g)
{
    const struct pt_view *v = g->v;
    pt_sb_printf(out, "<text class=\"s\" x=\"%d\" y=\"40\" text-anchor=\"middle\">", FG_WIDTH / 2);
    pt_sb_printf(out, "%llu samples, %s", (unsigned long long)g->nodes[0].total,
                 v->mode == PT_KEY_LINE ? "lines" : "functions");
    if (v->window_s < 0)
        pt_sb_puts(out, ", since start");
    else if (v->window_s == 0)
        pt_sb_puts(out, ", last interval");
    else
        pt_sb_printf(out, ", last %llu s", (unsigned long long)(v->window_s + 0.5));
    if (v->tid)
        pt_sb_printf(out, ", thread %u", (unsigned)v->tid);
    if (v->idle)
        pt_sb_puts(out, ", idle included");
    if (v->gil_only)
        pt_sb_puts(out, ", GIL holder only");
    if (v->filter && *v->filter) {
        pt_sb_puts(out, ", stacks matching \"");
        put_text(out, v->filter);
        pt_sb_puts(out, "\"");
    }
    if (g->through != PT_NOID) {
        char name[FG_TEXT_CAP];
        pt_agg_key_text(g->a, v->mode, g->through, name, sizeof name);
        pt_sb_puts(out, ", stacks through ");
        put_text(out, name);
    }
    if (g->omitted)
        pt_sb_printf(out, ", %zu frames under 0.1%% omitted", g->omitted);
    pt_sb_puts(out, "</text>\n");
}

static void put_controls(struct pt_sb *out, unsigned height)
{
    pt_sb_printf(out,
                 "<text id=\"unzoom\" class=\"c\" x=\"%d\" y=\"22\" opacity=\"0.3\">Reset zoom</text>\n"
                 "<text id=\"clear\" class=\"c\" x=\"%d\" y=\"22\" text-anchor=\"end\" opacity=\"0.3\">Clear</text>\n"
                 "<text id=\"search\" class=\"c\" x=\"%d\" y=\"22\" text-anchor=\"end\">Search</text>\n"
                 "<text id=\"details\" x=\"%d\" y=\"%u\">Hover a frame for details, click to zoom.</text>\n"
                 "<text id=\"matched\" x=\"%d\" y=\"%u\" text-anchor=\"end\"></text>\n",
                 FG_PAD, FG_WIDTH - FG_PAD - 70, FG_WIDTH - FG_PAD, FG_PAD, height - 10,
                 FG_WIDTH - FG_PAD, height - 10);
}

static void put_script(struct pt_sb *out)
{
    pt_sb_puts(out, "<script type=\"text/ecmascript\"><![CDATA[\n");
    pt_sb_puts(out, pt_flamegraph_js);
    pt_sb_puts(out, "]]></script>\n");
}

static void put_empty(struct pt_sb *out, const struct fg *g)
{
    unsigned height = FG_TOP + 2 * FG_FRAME_H + FG_BOTTOM;
    put_head(out, height);
    put_subtitle(out, g);
    pt_sb_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no samples</text>\n</svg>\n",
                 FG_WIDTH / 2, FG_TOP + FG_FRAME_H);
}

static void put_graph(struct pt_sb *out, const struct fg *g)
{
    unsigned height = FG_TOP + (g->maxdepth + 1) * FG_FRAME_H + FG_BOTTOM;
    put_head(out, height);
    put_subtitle(out, g);
    put_controls(out, height);
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].total >= g->min_total)
            put_frame(out, g, &g->nodes[i]);
    put_script(out);
    pt_sb_puts(out, "</svg>\n");
}

/* ---- the whole ----------------------------------------------------- */

static void fg_free(struct fg *g)
{
    free(g->nodes);
    free(g->keys);
    map_free(&g->children);
    map_free(&g->key_index);
    pt_sb_free(&g->pool);
}

static enum pt_err build(struct fg *g)
{
    uint32_t root;
    enum pt_err e = new_node(g, PT_NOID, FG_ROOT, &root);
    if (!e)
        e = pt_agg_stacks_through(g->a, g->v, g->through, add_stack, g);
    if (!e)
        e = rank_keys(g);
    if (!e)
        e = order_children(g);
    if (!e)
        layout(g);
    return e;
}

enum pt_err pt_flamegraph_render(const struct pt_agg *a, const struct pt_view *v, struct pt_sb *out)
{
    return pt_flamegraph_render_through(a, v, PT_NOID, out);
}

enum pt_err pt_flamegraph_render_through(const struct pt_agg *a, const struct pt_view *v, uint32_t key,
                                         struct pt_sb *out)
{
    if (!a || !v || !out || (unsigned)v->mode >= PT_KEY_COUNT)
        return PT_EINVAL;
    struct fg g = {.a = a, .v = v, .through = key};
    pt_sb_init(&g.pool);
    size_t start = out->len;
    enum pt_err e = build(&g);
    if (!e && g.nodes[0].total == 0)
        put_empty(out, &g);
    else if (!e)
        put_graph(out, &g);
    fg_free(&g);
    if (!e && pt_sb_failed(out))
        e = PT_ENOMEM;
    if (e && !out->failed && out->s) { /* leave out as it was */
        out->len = start;
        out->s[start] = '\0';
    }
    return e;
}
