/*
 * agg_idmap — dense ids for small fixed-size keys, and growable id arrays.
 *
 * The aggregate names everything it counts (threads, keys, call-tree
 * nodes, edges, count cells) by a dense 32-bit id so that counts can live
 * in plain arrays indexed by id. pt_idmap hands out those ids: the first
 * key interned gets 0, the next 1, and so on; an id never changes until
 * pt_idmap_clear. A key is two 64-bit words (callers pack what they need);
 * lookup is one hash probe sequence (open addressing, at most half full),
 * so interning never costs more than O(1) expected, whatever the count.
 *
 * Not thread-safe; no allocation until the first key. Errors are values:
 * PT_NOID / PT_ENOMEM, and a failed call leaves the map as it was.
 */
#ifndef PYTOP_AGG_IDMAP_H
#define PYTOP_AGG_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"
#include "pytop/intern.h"

struct pt_idkey {
    uint64_t a, b;
};

/* A hash slot: the id, and the key's hash bits above the mask's so a probe
 * rarely has to look at a key that is not the one sought. */
struct pt_idslot {
    uint32_t id; /* PT_NOID: empty */
    uint32_t tag;
};

struct pt_idmap {
    struct pt_idkey *keys; /* by id, n of them */
    struct pt_idslot *slots;
    uint32_t n;
    size_t keys_cap, nslots; /* nslots: 0 or a power of two */
};

void pt_idmap_init(struct pt_idmap *m);
void pt_idmap_free(struct pt_idmap *m);
/* Forget every id but keep the memory (ids restart at 0). */
void pt_idmap_clear(struct pt_idmap *m);
/* Make room so the next `extra` new keys cannot fail. */
enum pt_err pt_idmap_reserve(struct pt_idmap *m, size_t extra);
/* The id of (a, b), added if new (then *added is set, if added is not
 * NULL); PT_NOID when out of memory. */
uint32_t pt_idmap_intern(struct pt_idmap *m, uint64_t a, uint64_t b, bool *added);
/* The id of (a, b), or PT_NOID if it was never interned. */
uint32_t pt_idmap_find(const struct pt_idmap *m, uint64_t a, uint64_t b);

/* Grow *p (capacity *cap) to hold at least need entries; new entries are
 * set to fill. Geometric, so appending one at a time is amortised O(1). */
enum pt_err pt_u32_grow(uint32_t **p, size_t *cap, size_t need, uint32_t fill);

#endif
