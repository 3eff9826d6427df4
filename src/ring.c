/* ring — lock-free SPSC queue of word records (length-prefixed). */
#include "pytop/ring.h"

#include <stdlib.h>

#define MIN_WORDS 1024u

enum pt_err pt_ring_init(struct pt_ring *r, size_t cap_words)
{
    size_t cap = MIN_WORDS;
    while (cap < cap_words && cap < ((size_t)1 << 30))
        cap <<= 1;
    r->buf = calloc(cap, sizeof *r->buf);
    if (!r->buf)
        return PT_ENOMEM;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->dropped, 0);
    atomic_init(&r->pushed, 0);
    return PT_OK;
}

void pt_ring_free(struct pt_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

bool pt_ring_push(struct pt_ring *r, const uint32_t *words, size_t n)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t cap = r->mask + 1;
    if (n >= UINT32_MAX || n + 1 > cap - (h - t)) {
        atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
        return false;
    }
    r->buf[h & r->mask] = (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        r->buf[(h + 1 + i) & r->mask] = words[i];
    /* release: the words above are visible before the new head is */
    atomic_store_explicit(&r->head, h + 1 + n, memory_order_release);
    atomic_fetch_add_explicit(&r->pushed, 1, memory_order_relaxed);
    return true;
}

size_t pt_ring_pop(struct pt_ring *r, uint32_t *out, size_t cap)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    if (t == h)
        return 0;
    size_t n = r->buf[t & r->mask];
    bool fits = n <= cap;
    for (size_t i = 0; fits && i < n; i++)
        out[i] = r->buf[(t + 1 + i) & r->mask];
    /* release: we are done reading these words before the producer may
     * overwrite them */
    atomic_store_explicit(&r->tail, t + 1 + n, memory_order_release);
    return fits ? n : SIZE_MAX;
}
