/*
 * agg_state — the aggregate's insides, shared by its source files:
 * aggregate.c (ingest: add, close, reset), agg_tree.c (the stack tree's
 * keys and recursion marks), agg_expand.c (subtree sums), agg_prune.c
 * (bounding the stack tree), agg_rank.c (name order), agg_view.c
 * (windows, tables, threads, names, the text filter), agg_sort.c (sort
 * columns and sorting) and agg_drill.c (drill-down and stacks). Nothing
 * else includes this header.
 *
 * The only counts kept are per distinct stack: a stack is a node of the
 * stack tree (fnodes), and every other number (per function, per line,
 * per caller->callee edge, per thread) is derived from stack counts when a
 * view asks, by summing each node's subtree (agg_expand.h). That keeps
 * memory at one cell per (thread, class, stack) whatever the number of
 * views or key modes, and makes closing a bucket O(its distinct stacks).
 *
 * Naming tables (reset keeps them, they hold no counts):
 *   threads   tid -> dense thread index
 *   fnodes    the stack tree: (parent fnode, frame id) -> fnode; fnode 0 is
 *             the root (the empty stack). Parents always have smaller ids
 *             than their children. Append-only between prunes.
 *   per mode  keys (name, file, line) -> key id, frame -> key, and the name
 *             order of keys (agg_rank.c); only for prepared modes
 *   fnode_flags  per fnode and mode: is the fnode's key already on the path
 *             above it (recursion: a sample counts a key once), is its
 *             caller->callee edge (a sample counts an edge once)?
 *
 * Counts:
 *   open      tally (thread, cls, fnode): the open bucket
 *   buckets   closed buckets, oldest first: frozen arrays of stack cells
 *   cum       tally (thread, cls, fnode): everything since start/reset
 *   residue   per mode, tallies (thread, cls, key) of what pruned stacks
 *             contributed to keys outside the kept tree (agg_prune.c);
 *             empty until the first prune
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

#include "pytop/agg_expand.h"
#include "pytop/agg_idmap.h"
#include "pytop/agg_tally.h"
#include "pytop/aggregate.h"

/* The frame of a "(pruned)" node: samples whose stacks were pruned, below
 * the deepest caller that was kept. Never an intern id (those stay far
 * below: PT_INTERN_MAX_CHUNKS << PT_INTERN_CHUNK_BITS). */
#define PT_AGG_PRUNED_FRAME (PT_NOID - 1)

/* Distinct stacks kept since the start before the rarest are pruned. */
#define PT_AGG_STACK_CAP_DEFAULT (1u << 17)

/* One stack of a closed bucket: n samples of thread tc >> 2, class tc & 3. */
struct pt_stackcell {
    uint32_t fnode;
    uint32_t tc;
    uint64_t n;
};

static inline uint32_t pt_tc(uint32_t thread, uint32_t cls) { return thread << 2 | cls; }
static inline uint32_t pt_tc_thread(uint32_t tc) { return tc >> 2; }
static inline uint32_t pt_tc_cls(uint32_t tc) { return tc & PT_CLASS_MASK; }

struct pt_bucket {
    uint64_t start_ns, end_ns;
    struct pt_stackcell *cells;
    size_t n;
};

struct pt_agg_mode {
    struct pt_idmap keys;       /* (name, file, line) -> key */
    uint32_t *frame_key;        /* frame id -> key, PT_NOID until mapped */
    uint8_t *key_seen;          /* key -> some fnode has it (else no recursion check is needed) */
    size_t frame_key_cap, key_seen_cap;
    uint32_t pruned_key;        /* the "(pruned)" key, PT_NOID before the first prune */
    struct pt_tally res_own, res_total; /* residue of pruned stacks (thread, cls, key) */
    uint32_t *order;     /* key ids in name order, the first `ranked` of them */
    uint32_t *rank;      /* key -> its position in order */
    uint32_t *name_rank; /* key -> position of its name among the distinct names */
    uint32_t ranked;
    size_t order_cap, rank_cap, name_rank_cap;
};

/* A thread, and its previous sample's stack: consecutive samples share
 * most of their stack, so only the frames that changed are looked up. */
struct pt_agg_thread {
    uint32_t tid;
    uint32_t last_flags; /* flags of the newest sample */
    bool seen;           /* sampled since start/reset */
    uint32_t *frames, *path; /* previous stack root first, and the fnode of each prefix */
    uint32_t depth, cap;
    uint32_t cell;       /* its cell in the open bucket (valid while cell_gen == open_gen) */
    uint32_t cell_cls;
    uint64_t cell_gen;
};

struct pt_agg {
    const struct pt_intern *in;
    struct pt_idmap tids;
    struct pt_agg_thread *threads;
    size_t threads_cap;
    uint32_t last_thread; /* index of the newest sample's thread (PT_NOID: none) */

    struct pt_idmap fnodes;
    uint8_t *fnode_flags;
    size_t fnode_flags_cap;
    uint32_t fnodes_mapped; /* fnodes below this have keys and flags */
    unsigned modes;         /* prepared modes: a bit per enum pt_keymode */
    struct pt_agg_mode mode[PT_KEY_COUNT];

    struct pt_tally open; /* stacks of the open bucket */
    uint64_t open_gen;    /* changes whenever open is cleared */
    bool open_started;
    uint64_t open_start_ns;

    struct pt_bucket *buckets; /* closed, oldest first */
    size_t nbuckets, buckets_cap;
    struct pt_tally cum; /* stacks since start/reset */
    uint64_t cum_span_ns;
    uint64_t retention_ns;

    uint32_t stack_cap;  /* prune when fnodes reach this... */
    uint32_t prune_at;   /* ...or this, if more stacks had to be kept */
    uint64_t pruned_stacks; /* distinct stacks pruned so far */
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

/* Is mode m prepared (its keys exist for every mapped fnode)? */
static inline bool pt_agg_mode_on(const struct pt_agg *a, enum pt_keymode m)
{
    return (unsigned)m < PT_KEY_COUNT && (a->modes >> m & 1u);
}

/* An fnode's parent and frame. */
static inline uint32_t pt_agg_fnode_parent(const struct pt_agg *a, uint32_t f) { return a->fnodes.keys[f].a; }
static inline uint32_t pt_agg_fnode_frame(const struct pt_agg *a, uint32_t f) { return a->fnodes.keys[f].b; }

/* The key of a mapped fnode (f > 0, f < fnodes_mapped) in mode m. */
static inline uint32_t pt_agg_fnode_key(const struct pt_agg *a, enum pt_keymode m, uint32_t f)
{
    uint32_t frame = pt_agg_fnode_frame(a, f);
    return frame == PT_AGG_PRUNED_FRAME ? a->mode[m].pruned_key : a->mode[m].frame_key[frame];
}

static inline bool pt_agg_fnode_pruned(const struct pt_agg *a, uint32_t f)
{
    return pt_agg_fnode_frame(a, f) == PT_AGG_PRUNED_FRAME;
}

/* fnode_flags bits, per mode m. */
static inline uint8_t pt_agg_keydup_bit(enum pt_keymode m) { return (uint8_t)(1u << (2 * m)); }
static inline uint8_t pt_agg_edgedup_bit(enum pt_keymode m) { return (uint8_t)(2u << (2 * m)); }

/* Does a sample through fnode f count f's key (f is its key's outermost
 * occurrence on the stack)? Its caller->callee edge? */
static inline bool pt_agg_counts_key(const struct pt_agg *a, enum pt_keymode m, uint32_t f)
{
    return !(a->fnode_flags[f] & pt_agg_keydup_bit(m));
}
static inline bool pt_agg_counts_edge(const struct pt_agg *a, enum pt_keymode m, uint32_t f)
{
    return !(a->fnode_flags[f] & pt_agg_edgedup_bit(m));
}

/* A key's name, file and line. */
static inline uint32_t pt_agg_key_name(const struct pt_idmap *keys, uint32_t k) { return keys->keys[k].a; }
static inline uint32_t pt_agg_key_file(const struct pt_idmap *keys, uint32_t k) { return keys->keys[k].b; }
static inline int32_t pt_agg_key_line(const struct pt_idmap *keys, uint32_t k) { return (int32_t)keys->keys[k].c; }

/* ---- the stack tree (agg_tree.c) ---- */

/* Give every fnode from fnodes_mapped on its key in each prepared mode and
 * its recursion marks. On PT_ENOMEM the fnodes mapped so far stay mapped. */
enum pt_err pt_agg_map_fnodes(struct pt_agg *a);
/* Prepare mode m: every fnode mapped so far gets its key and marks in m,
 * and m's keys their name order. */
enum pt_err pt_agg_prepare_mode(struct pt_agg *a, enum pt_keymode m);
/* The fnode_flags array covering n fnodes (new entries zero). */
enum pt_err pt_agg_flags_room(struct pt_agg *a, size_t n);

/* ---- bounding the stack tree (agg_prune.c) ---- */

/* If the tree has grown past its cap, prune the rarest since-start stacks
 * that no kept bucket uses (see aggregate.h). On PT_ENOMEM nothing changes. */
enum pt_err pt_agg_prune(struct pt_agg *a);

/* ---- views (agg_view.c) ---- */

/* What a view selects, resolved once: shared by agg_view.c and agg_drill.c. */
struct pt_agg_sel {
    uint32_t thread;   /* thread index, or PT_NOID for all */
    bool nothing;      /* v->tid names a thread never seen */
    bool cls_ok[PT_CLASS_MASK + 1];
    bool all;          /* the window is since start/reset: a->cum (and the residue) */
    const struct pt_bucket *b; /* otherwise nb buckets from b */
    size_t nb;
    double span_s;
};

/* Resolve v; any_thread ignores v->tid (the thread picker). */
void pt_agg_select(const struct pt_agg *a, const struct pt_view *v, bool any_thread, struct pt_agg_sel *s);

/* Does (thread, cls) belong to the selection? */
static inline bool pt_agg_sel_pass(const struct pt_agg_sel *s, uint32_t thread, uint32_t cls)
{
    return !s->nothing && s->cls_ok[cls] && (s->thread == PT_NOID || thread == s->thread);
}

/* Call fn for every stack cell of the selection's window (or of the
 * since-start stacks, if want_cum) that passes it: fnode, samples, their
 * microseconds (0 for bucket cells, which keep no time). */
typedef enum pt_err (*pt_agg_cell_fn)(void *arg, uint32_t thread, uint32_t fnode, uint64_t n, uint64_t us);
enum pt_err pt_agg_each_cell(const struct pt_agg *a, const struct pt_agg_sel *s, bool want_cum, pt_agg_cell_fn fn,
                             void *arg);

/* Does key k of mode m match filter (ASCII-case-insensitive substring of
 * its name or file)? A NULL or empty filter matches everything. */
bool pt_agg_key_matches(const struct pt_agg *a, enum pt_keymode m, uint32_t k, const char *filter);
/* Is k mode m's "(pruned)" key? */
static inline bool pt_agg_key_is_pruned(const struct pt_agg *a, enum pt_keymode m, uint32_t k)
{
    return k != PT_NOID && k == a->mode[m].pruned_key;
}

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

/* A byte radix pass: counts per byte value become each value's first slot. */
void pt_agg_radix_starts(size_t count[256]);

/* Natural tie order of keys: name, then file, then line (bytewise). */
int pt_agg_tie_cmp(const struct pt_intern *in, uint32_t name_a, uint32_t file_a, int32_t line_a,
                   uint32_t name_b, uint32_t file_b, int32_t line_b);

#endif
