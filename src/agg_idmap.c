/* agg_idmap — dense ids for two-word keys (open addressing, linear probing). */
#include "pytop/agg_idmap.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 16u

/* splitmix64's finaliser over both words: keys are small packed integers
 * (ids, tids), so the bits must be spread before masking. */
static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t h = a + 0x9e3779b97f4a7c15ull * (b + 1);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

void pt_idmap_init(struct pt_idmap *m) { *m = (struct pt_idmap){0}; }

void pt_idmap_free(struct pt_idmap *m)
{
    free(m->keys);
    free(m->slots);
    pt_idmap_init(m);
}

void pt_idmap_clear(struct pt_idmap *m)
{
    m->n = 0;
    if (m->slots)
        memset(m->slots, 0xff, m->nslots * sizeof *m->slots);
}

static uint32_t tag_of(uint64_t h) { return (uint32_t)(h >> 32); }

/* Slot holding (a, b) (hash h), or the empty slot where it would go. */
static size_t probe(const struct pt_idmap *m, uint64_t h, uint64_t a, uint64_t b)
{
    size_t mask = m->nslots - 1;
    uint32_t tag = tag_of(h);
    size_t j = h & mask;
    for (; m->slots[j].id != PT_NOID; j = (j + 1) & mask) {
        if (m->slots[j].tag != tag)
            continue;
        const struct pt_idkey *k = &m->keys[m->slots[j].id];
        if (k->a == a && k->b == b)
            break;
    }
    return j;
}

static enum pt_err rehash(struct pt_idmap *m, size_t nslots)
{
    struct pt_idslot *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return PT_ENOMEM;
    memset(slots, 0xff, nslots * sizeof *slots);
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    for (uint32_t id = 0; id < m->n; id++) {
        uint64_t h = mix(m->keys[id].a, m->keys[id].b);
        size_t j = h & (nslots - 1);
        while (slots[j].id != PT_NOID)
            j = (j + 1) & (nslots - 1);
        slots[j] = (struct pt_idslot){id, tag_of(h)};
    }
    return PT_OK;
}

static enum pt_err grow_keys(struct pt_idmap *m, size_t need)
{
    if (need <= m->keys_cap)
        return PT_OK;
    size_t cap = m->keys_cap ? m->keys_cap * 2 : MIN_SLOTS / 2;
    while (cap < need)
        cap *= 2;
    struct pt_idkey *k = realloc(m->keys, cap * sizeof *k);
    if (!k)
        return PT_ENOMEM;
    m->keys = k;
    m->keys_cap = cap;
    return PT_OK;
}

enum pt_err pt_idmap_reserve(struct pt_idmap *m, size_t extra)
{
    size_t need = (size_t)m->n + extra;
    if (need >= PT_NOID)
        return PT_ENOMEM; /* PT_NOID itself must stay free to mean "none" */
    if (grow_keys(m, need) != PT_OK)
        return PT_ENOMEM;
    if (need * 2 <= m->nslots)
        return PT_OK;
    size_t nslots = m->nslots ? m->nslots : MIN_SLOTS;
    while (nslots < need * 2)
        nslots *= 2;
    return rehash(m, nslots);
}

uint32_t pt_idmap_find(const struct pt_idmap *m, uint64_t a, uint64_t b)
{
    if (m->n == 0)
        return PT_NOID;
    return m->slots[probe(m, mix(a, b), a, b)].id;
}

uint32_t pt_idmap_intern(struct pt_idmap *m, uint64_t a, uint64_t b, bool *added)
{
    /* room first, so one probe both finds the key and places a new one */
    if (pt_idmap_reserve(m, 1) != PT_OK)
        return pt_idmap_find(m, a, b);
    uint64_t h = mix(a, b);
    size_t j = probe(m, h, a, b);
    if (m->slots[j].id != PT_NOID)
        return m->slots[j].id;
    uint32_t id = m->n++;
    m->keys[id] = (struct pt_idkey){a, b};
    m->slots[j] = (struct pt_idslot){id, tag_of(h)};
    if (added)
        *added = true;
    return id;
}

enum pt_err pt_u32_grow(uint32_t **p, size_t *cap, size_t need, uint32_t fill)
{
    if (need <= *cap)
        return PT_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    uint32_t *q = realloc(*p, ncap * sizeof *q);
    if (!q)
        return PT_ENOMEM;
    for (size_t i = *cap; i < ncap; i++)
        q[i] = fill;
    *p = q;
    *cap = ncap;
    return PT_OK;
}
