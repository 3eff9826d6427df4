/*
 * agg_idmap — dense ids for small fixed-size keys, and growable id arrays.
 *
 * The aggregate names everything it counts (threads, keys, call-tree
 * nodes, edges, count cells) by a dense 32-bit id so that counts can live
 * in plain arrays indexed by id. pt_idmap hands out those ids: the first
 * key interned gets 0, the next 1, and so on; an id never changes until
 * pt_idmap_clear. A key is three 32-bit words (callers say what each
 * means); lookup is one hash probe sequence (open addressing, at most half
 * full), so interning never costs more than O(1) expected, whatever the
 * count. Memory is what counts here (the aggregate holds one entry per
 * distinct stack): 12 bytes per key and a 4-byte slot per hash position.
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
    uint32_t a, b, c;
};

struct pt_idmap {
    struct pt_idkey *keys; /* by id, n of them */
    uint32_t *slots;       /* id + 1 of the key hashed there; 0: empty */
    uint32_t n;
    size_t keys_cap, nslots; /* nslots: 0 or a power of two */
};

void pt_idmap_init(struct pt_idmap *m);
void pt_idmap_free(struct pt_idmap *m);
/* Forget every id but keep the memory (ids restart at 0). */
void pt_idmap_clear(struct pt_idmap *m);
/* Make room so the next `extra` new keys cannot fail. */
enum pt_err pt_idmap_reserve(struct pt_idmap *m, size_t extra);
/* The id of (a, b, c), added if new (then *added is set, if added is not
 * NULL); PT_NOID when out of memory. */
uint32_t pt_idmap_intern(struct pt_idmap *m, uint32_t a, uint32_t b, uint32_t c, bool *added);
/* The id of (a, b, c), or PT_NOID if it was never interned. */
uint32_t pt_idmap_find(const struct pt_idmap *m, uint32_t a, uint32_t b, uint32_t c);
/* Bytes the map holds (for tests and memory accounting). */
size_t pt_idmap_bytes(const struct pt_idmap *m);

/* Grow *p (capacity *cap entries of elem bytes) to hold at least need
 * entries; new bytes are set to fill. Geometric, so appending one at a
 * time is amortised O(1). */
enum pt_err pt_array_grow(void **p, size_t *cap, size_t need, size_t elem, unsigned char fill);
/* The same for uint32_t arrays; fill must be one byte repeated (0, PT_NOID). */
enum pt_err pt_u32_grow(uint32_t **p, size_t *cap, size_t need, uint32_t fill);

#endif
