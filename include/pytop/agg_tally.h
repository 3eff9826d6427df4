/*
 * agg_tally — sparse counters keyed by (thread, sample class, id).
 *
 * The aggregate's live counts (the open bucket's stacks, the since-start
 * stacks, the counts of pruned stacks) are cells of a tally: only
 * combinations that occurred take memory, never the number of ids ever
 * seen. Cells live in one dense array in the order they were created, so
 * a view sums them with a linear scan.
 *
 * A cell is a sample count and the same samples' real time (weight_us).
 * thread is the aggregate's dense thread index, cls the sample's
 * PT_SAMPLE_IDLE|PT_SAMPLE_GIL bits, id whatever the tally counts.
 */
#ifndef PYTOP_AGG_TALLY_H
#define PYTOP_AGG_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "pytop/agg_idmap.h"
#include "pytop/error.h"

#define PT_CLASS_MASK 0x3u /* PT_SAMPLE_IDLE | PT_SAMPLE_GIL: 4 sample classes */

struct pt_cell {
    uint64_t n;  /* samples */
    uint64_t us; /* their real time (weight_us) */
};

struct pt_tally {
    struct pt_idmap ids; /* (thread, id, cls) -> cell index */
    struct pt_cell *cells;
    size_t cap;
};

void pt_tally_init(struct pt_tally *t);
void pt_tally_free(struct pt_tally *t);
/* Drop every cell, keeping the memory. */
void pt_tally_clear(struct pt_tally *t);
/* Make room so the next `extra` new cells cannot fail. */
enum pt_err pt_tally_reserve(struct pt_tally *t, size_t extra);
/* The index of the cell of (thread, cls, id), created zeroed if new;
 * PT_NOID on ENOMEM. */
uint32_t pt_tally_index(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id);
/* The cell itself; NULL on ENOMEM. */
struct pt_cell *pt_tally_at(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id);
/* Add n samples of us microseconds to a cell; false on ENOMEM. */
bool pt_tally_add(struct pt_tally *t, uint32_t thread, uint32_t cls, uint32_t id, uint64_t n, uint64_t us);
/* Add every cell of from into into. All or nothing: on PT_ENOMEM into is unchanged. */
enum pt_err pt_tally_merge(struct pt_tally *into, const struct pt_tally *from);
/* Bytes the tally holds. */
size_t pt_tally_bytes(const struct pt_tally *t);

/* Cells are 0..pt_tally_n-1; these decode cell i's coordinates. */
static inline size_t pt_tally_n(const struct pt_tally *t) { return t->ids.n; }
static inline uint32_t pt_tally_thread(const struct pt_tally *t, size_t i) { return t->ids.keys[i].a; }
static inline uint32_t pt_tally_id(const struct pt_tally *t, size_t i) { return t->ids.keys[i].b; }
static inline uint32_t pt_tally_cls(const struct pt_tally *t, size_t i) { return t->ids.keys[i].c; }

#endif
