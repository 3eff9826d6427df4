/*
 * agg_state — the aggregate's insides, shared by its source files:
 * aggregate.c (ingest: add, close, reset), agg_rank.c (name order),
 * agg_view.c (windows, tables, threads, names, the text filter),
 * agg_sort.c (sort columns and sorting) and agg_drill.c (drill-down and
 * stacks). Nothing else includes this header.
 *
 * Naming tables (append-only until pt_agg_free; reset keeps them, they
 * hold no counts):
 *   threads   tid -> dense thread index
 *   fnodes    the call tree of frame ids: (parent fnode, frame id); fnode
 *             0 is the root (the empty stack). Parents always have smaller
 *             ids than their children.
 *   per mode  keys  (name << 32 | file, line) -> key id
 *             nodes the call tree of keys: (parent node, key); node 0 the root
 *             edges (caller key or PT_NOID for the root, callee key)
 *             and memos: frame -> key, fnode -> node, node -> edge into it
 *
 * Counts (tallies, see agg_tally.h), per bucket and since start/reset:
 *   samples   (thread, cls, 0)      own = samples, own_us = their weight
 *   stacks    (thread, cls, fnode)  own = samples whose stack is exactly it
 *   keys[m]   (thread, cls, key)    own/total counts and weights
 *   edges[m]  (thread, cls, edge)   total = samples containing the edge
 * The open bucket has only stacks; pt_agg_close_bucket derives the rest.
 *
 * Name order (agg_rank.c): every key's place in the order name, file,
 * line (bytewise), kept up to date at each close, so that sorting a table
 * or breaking its ties never compares strings.
 */
#ifndef PYTOP_AGG_STATE_H
#define PYTOP_AGG_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/agg_idmap.h"
#include "pytop/agg_tally.h"
#include "pytop/aggregate.h"

struct pt_bucket {
    uint64_t start_ns, end_ns;
    struct pt_tally samples, stacks;
    struct pt_tally keys[PT_KEY_COUNT], edges[PT_KEY_COUNT];
};

struct pt_agg_mode {
    struct pt_idmap keys, nodes, edges;
    uint32_t *frame_key;  /* frame id -> key, PT_NOID until first needed */
    uint32_t *fnode_node; /* fnode -> node, for every fnode below a->fnodes_mapped */
    uint32_t *node_edge;  /* node -> the edge from its parent into it */
    uint32_t *key_stamp, *edge_stamp; /* de-duplication marks while expanding one stack */
    size_t frame_key_cap, fnode_node_cap, node_edge_cap, key_stamp_cap, edge_stamp_cap;
    uint32_t *order;     /* key ids in name order, the first `ranked` of them */
    uint32_t *rank;      /* key -> its position in order */
    uint32_t *name_rank; /* key -> position of its name among the distinct names */
    uint32_t ranked;
    size_t order_cap, rank_cap, name_rank_cap;
};

struct pt_agg_thread {
    uint32_t tid;
    uint32_t last_flags; /* flags of the newest sample */
    bool seen;           /* sampled since start/reset */
};

struct pt_agg {
    const struct pt_intern *in;
    struct pt_idmap tids;
    struct pt_agg_thread *threads;
    size_t threads_cap;
    struct pt_idmap fnodes;
    uint32_t fnodes_mapped;
    struct pt_agg_mode mode[PT_KEY_COUNT];
    uint32_t stamp; /* the newest de-duplication mark */

    struct pt_tally open; /* stacks of the open bucket */
    bool open_started;
    uint64_t open_start_ns;

    struct pt_bucket *buckets; /* closed, oldest first */
    size_t nbuckets, buckets_cap;
    struct pt_bucket cum; /* everything since start/reset */
    uint64_t cum_span_ns;
    uint64_t retention_ns;
};

/* ---- small helpers ---- */

/* A string of the intern table, or "?" for an id that names none (a frame
 * whose name could not be interned): names never crash a view. */
static inline const char *pt_agg_str(const struct pt_intern *in, uint32_t id)
{
    return id < pt_intern_nstrings(in) ? pt_intern_str(in, id) : "?";
}

/* ASCII case folding: the filter and sort-name parsing fold A-Z only, so
 * the other bytes of UTF-8 names compare exactly (no locale). */
static inline int pt_agg_fold(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Seconds as nanoseconds, clamped to [0, ~31 years] (NaN: 0), so no
 * window or retention a user can type overflows. */
static inline uint64_t pt_agg_ns(double seconds)
{
    return seconds > 0 ? (uint64_t)(seconds < 1e9 ? seconds * 1e9 : 1e18) : 0;
}

/* How long before `newest` something at t happened (0 if after it). */
static inline uint64_t pt_agg_ns_before(uint64_t t, uint64_t newest) { return t < newest ? newest - t : 0; }

/* A tree node's parent and key (an fnode's parent and frame). */
static inline uint32_t pt_agg_node_parent(const struct pt_idmap *tree, uint32_t n)
{
    return (uint32_t)tree->keys[n].a;
}
static inline uint32_t pt_agg_node_key(const struct pt_idmap *tree, uint32_t n) { return (uint32_t)tree->keys[n].b; }

/* An edge's caller and callee keys. */
static inline uint32_t pt_agg_edge_caller(const struct pt_idmap *edges, uint32_t e)
{
    return (uint32_t)edges->keys[e].a;
}
static inline uint32_t pt_agg_edge_callee(const struct pt_idmap *edges, uint32_t e)
{
    return (uint32_t)edges->keys[e].b;
}

/* A key's name, file and line. */
static inline uint32_t pt_agg_key_name(const struct pt_idmap *keys, uint32_t k)
{
    return (uint32_t)(keys->keys[k].a >> 32);
}
static inline uint32_t pt_agg_key_file(const struct pt_idmap *keys, uint32_t k) { return (uint32_t)keys->keys[k].a; }
static inline int32_t pt_agg_key_line(const struct pt_idmap *keys, uint32_t k)
{
    return (int32_t)(uint32_t)keys->keys[k].b;
}

/* ---- views (agg_view.c) ---- */

/* What a view selects, resolved once: shared by agg_view.c and agg_drill.c. */
struct pt_agg_sel {
    uint32_t thread;   /* thread index, or PT_NOID for all */
    bool nothing;      /* v->tid names a thread never seen */
    bool cls_ok[PT_CLASS_MASK + 1];
    const struct pt_bucket *b; /* the window: nb buckets from b (or the cumulative one) */
    size_t nb;
    double span_s;
};

/* Resolve v; any_thread ignores v->tid (the thread picker). */
void pt_agg_select(const struct pt_agg *a, const struct pt_view *v, bool any_thread, struct pt_agg_sel *s);

/* Does cell i of t belong to the selection's thread(s) and classes? */
static inline bool pt_agg_sel_pass(const struct pt_agg_sel *s, const struct pt_tally *t, size_t i)
{
    return !s->nothing && s->cls_ok[pt_tally_cls(t, i)] &&
           (s->thread == PT_NOID || pt_tally_thread(t, i) == s->thread);
}

/* Does key k of mode m match filter (ASCII-case-insensitive substring of
 * its name or file)? A NULL or empty filter matches everything. */
bool pt_agg_key_matches(const struct pt_agg *a, enum pt_keymode m, uint32_t k, const char *filter);

/* ---- name order (agg_rank.c) ---- */

/* Bring mode m's name order up to date with its keys. On PT_ENOMEM the
 * old order stands and new keys stay unranked. */
enum pt_err pt_agg_rank_keys(struct pt_agg *a, enum pt_keymode m);

/* A key's place in name order (unique), and its name's place among the
 * distinct names (shared by keys of one name); PT_NOID (last) if unranked. */
static inline uint32_t pt_agg_rank(const struct pt_agg_mode *md, uint32_t k)
{
    return k < md->ranked ? md->rank[k] : PT_NOID;
}
static inline uint32_t pt_agg_name_rank(const struct pt_agg_mode *md, uint32_t k)
{
    return k < md->ranked ? md->name_rank[k] : PT_NOID;
}

/* ---- sorting (agg_sort.c) ---- */

struct pt_agg_sortkey;

/* Buffers a table sort reuses between calls. */
struct pt_sort_scratch {
    struct pt_agg_sortkey *sk, *sk_tmp;
    struct pt_row *spare; /* rows in sorted order, then swapped with the table's */
    size_t sk_cap, spare_cap;
};

bool pt_agg_sortcol_valid(enum pt_sortcol c);

/* Sort t's rows by v's column (reversed if asked), ties in name order. */
enum pt_err pt_agg_sort_rows(const struct pt_agg *a, const struct pt_view *v, struct pt_table *t,
                             struct pt_sort_scratch *s);
void pt_agg_sort_scratch_free(struct pt_sort_scratch *s);

/* Stable sort of n indices (idx holds them, tmp is as large) by order:
 * returns idx or tmp, whichever ends up sorted. O(n log n) compares. */
typedef int (*pt_agg_order_fn)(const void *ctx, uint32_t i, uint32_t j);
uint32_t *pt_agg_sort(uint32_t *idx, uint32_t *tmp, size_t n, pt_agg_order_fn order, const void *ctx);

/* Natural tie order of keys: name, then file, then line (bytewise). */
int pt_agg_tie_cmp(const struct pt_intern *in, uint32_t name_a, uint32_t file_a, int32_t line_a,
                   uint32_t name_b, uint32_t file_b, int32_t line_b);

#endif
