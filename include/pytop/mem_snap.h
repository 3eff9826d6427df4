/*
 * mem_snap — one vectored read per walk instead of one read per structure.
 *
 * A sampler walks nearly the same memory on every tick: the interpreter
 * list, the GIL, the thread states, the frames and the code headers. A
 * pt_snap wraps a reader and remembers which ranges a walk read. The next
 * walk starts with pt_snap_begin, which reads all of those ranges in one
 * vectored call; every read the walk then makes that falls inside that
 * copy is served from it, and anything else goes to the inner reader as
 * before. The copy is taken at the start of this walk, never kept across
 * walks, so the snapshot is never older than the walk itself.
 *
 * pt_snap_refresh re-reads the copy: callers use it after pausing a thread,
 * so the rest of the walk sees the paused state. Reads that must see the
 * target as it is now, whatever was cached, go to the inner reader.
 *
 * The kernel copies the pieces of a vectored read in order, and the copy
 * keeps the order of the walk that planned it: a piece goes where its
 * first read came in that walk. So a thread state is copied before the
 * frames it points to, as the walk read them.
 *
 * The tail reader is for checking that a walk read a stack that held
 * still: its reads are served from copies taken in the same vectored read
 * right where the last walk made them (after the frames they check), and
 * only while that copy came after every piece this walk has been served
 * from, so they are younger than every byte that walk used before (a
 * walk that reads in another order than the last gets a live read); a
 * range it has no such copy of is read live. A caller that read anything
 * live during its walk (a miss) must check against the live reader
 * instead.
 */
#ifndef PYTOP_MEM_SNAP_H
#define PYTOP_MEM_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/mem.h"

/* A read a walk made; seq: how many reads it had recorded before. */
struct pt_snap_rec {
    uint64_t addr;
    size_t len, seq;
};

struct pt_snap_range {
    uint64_t addr;
    size_t len, off; /* off: where its bytes sit in buf */
    size_t seq;      /* the first read it holds, in walk order */
    size_t seq_max;  /* and the last */
    size_t pos;      /* its place in the vectored read */
    bool ok;         /* read whole at the last begin/refresh */
};

struct pt_snap_stats {
    uint64_t hits, misses, calls; /* reads served, reads passed on, vectored reads of the copy */
    uint64_t tail_hits;           /* tail reads served from the end of the copy */
};

#define PT_SNAP_TAILS 256
/* A range (idx) and its first read in walk order (key). */
struct pt_snap_order {
    size_t key, idx;
};

struct pt_snap_tail {
    uint64_t addr;
    size_t len, off, seq, pos;
    bool ok;
};

struct pt_snap {
    struct pt_mem mem; /* hand this out: reads through the snapshot */
    const struct pt_mem *inner;
    struct pt_snap_range *ranges; /* sorted, disjoint: this walk's copy */
    size_t nranges, ranges_cap;
    uint8_t *buf;
    size_t buf_cap;
    struct pt_snap_rec *rec; /* reads recorded during this walk */
    size_t nrec, rec_cap;
    struct pt_snap_rec *prev; /* the last walk's, in the order made */
    size_t nprev, prev_cap;
    struct pt_mem_piece *pieces; /* scratch for the vectored read */
    size_t pieces_cap;
    struct pt_snap_order *by_seq; /* the ranges in walk order: made with the plan */
    size_t by_seq_cap;
    size_t *order; /* the pieces in walk order: i < nranges a range, else tail i - nranges */
    size_t order_cap;
    /* read last in the same call: this walk's tail copies, and the tail
     * reads recorded for the next walk */
    struct pt_mem tail;
    struct pt_snap_tail tails[PT_SNAP_TAILS];
    size_t ntails;
    uint8_t *tail_buf;
    size_t tail_buf_cap;
    struct pt_snap_rec tail_rec[PT_SNAP_TAILS];
    size_t ntail_rec;
    size_t served_end; /* 1 + the latest place in the copy served since begin/refresh */
    size_t hint;       /* the range served last: the next read is usually in it too */
    bool active;
    struct pt_snap_stats st;
};

void pt_snap_init(struct pt_snap *s, const struct pt_mem *inner);
void pt_snap_free(struct pt_snap *s);
/* Start a walk: read what the last walk read, in one call. */
void pt_snap_begin(struct pt_snap *s);
/* Read the copy again (the target was paused since begin). */
void pt_snap_refresh(struct pt_snap *s);
/* End a walk: what it read becomes what the next begin reads. */
void pt_snap_end(struct pt_snap *s);
/* Would a read of [addr, addr+len) now be served from the copy? */
bool pt_snap_has(const struct pt_snap *s, uint64_t addr, size_t len);

#endif
