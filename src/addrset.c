/* addrset — open addressing, linear probing, stamps instead of clearing. */
#include "pytop/addrset.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 64
#define HASH_MUL 0x9E3779B97F4A7C15ull /* 2^64 / golden ratio: spreads aligned addresses */

void pt_addrset_init(struct pt_addrset *s) { memset(s, 0, sizeof *s); }

void pt_addrset_free(struct pt_addrset *s)
{
    free(s->keys);
    free(s->stamp);
    memset(s, 0, sizeof *s);
}

void pt_addrset_clear(struct pt_addrset *s)
{
    s->n = 0;
    if (++s->now == 0 && s->stamp) {
        /* the stamp wrapped: old slots could pass for current ones */
        memset(s->stamp, 0, s->cap * sizeof *s->stamp);
        s->now = 1;
    }
}

static size_t slot_of(uint64_t addr, size_t cap)
{
    return (size_t)((addr * HASH_MUL) >> 32) & (cap - 1);
}

/* Where addr is, or the empty slot where it would go. */
static size_t find(const struct pt_addrset *s, uint64_t addr)
{
    size_t i = slot_of(addr, s->cap);
    while (s->stamp[i] == s->now && s->keys[i] != addr)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static enum pt_err grow(struct pt_addrset *s)
{
    size_t cap = s->cap ? s->cap * 2 : MIN_CAP;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *stamp = calloc(cap, sizeof *stamp);
    if (!keys || !stamp) {
        free(keys);
        free(stamp);
        return PT_ENOMEM;
    }
    struct pt_addrset old = *s;
    s->keys = keys;
    s->stamp = stamp;
    s->cap = cap;
    s->now = 1;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.stamp[i] != old.now)
            continue;
        size_t j = find(s, old.keys[i]);
        s->keys[j] = old.keys[i];
        s->stamp[j] = s->now;
    }
    free(old.keys);
    free(old.stamp);
    return PT_OK;
}

enum pt_err pt_addrset_add(struct pt_addrset *s, uint64_t addr)
{
    if (s->now == 0)
        s->now = 1; /* a zero-filled set: stamp 0 marks empty slots */
    if ((s->n + 1) * 2 > s->cap && grow(s) != PT_OK)
        return PT_ENOMEM;
    size_t i = find(s, addr);
    if (s->stamp[i] == s->now)
        return PT_EINVAL;
    s->keys[i] = addr;
    s->stamp[i] = s->now;
    s->n++;
    return PT_OK;
}
