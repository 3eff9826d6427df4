/*
 * ring — the single-producer/single-consumer queue between the sampler
 * thread and everything that consumes samples.
 *
 * Records are variable-length runs of 32-bit words. Capacity is fixed at
 * creation; push and pop never allocate, never block and never take a
 * lock (C11 acquire/release on the two indices). When the consumer falls
 * behind, push refuses the newest record and counts it as dropped: nothing
 * waits and nothing is lost silently.
 */
#ifndef PYTOP_RING_H
#define PYTOP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"

struct pt_ring {
    uint32_t *buf;
    size_t mask;                /* capacity in words - 1 (power of two) */
    _Atomic size_t head;        /* next word the producer writes (only it stores) */
    _Atomic size_t tail;        /* next word the consumer reads (only it stores) */
    _Atomic uint64_t dropped;   /* records refused because the ring was full */
    _Atomic uint64_t pushed;    /* records accepted */
};

/* cap_words is rounded up to a power of two (at least 1024). */
enum pt_err pt_ring_init(struct pt_ring *r, size_t cap_words);
void pt_ring_free(struct pt_ring *r);

/* Producer: append one record of n words. False (and counted as dropped)
 * when it does not fit now; records larger than the ring never fit. */
bool pt_ring_push(struct pt_ring *r, const uint32_t *words, size_t n);

/* Consumer: copy the oldest record into out (capacity cap words) and
 * remove it. Returns its length, 0 when empty. A record longer than cap
 * is removed and reported as SIZE_MAX, so one bad record cannot wedge the
 * queue. */
size_t pt_ring_pop(struct pt_ring *r, uint32_t *out, size_t cap);

#endif
