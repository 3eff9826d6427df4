/* agg_idmap — dense ids for three-word keys (open addressing, linear probing). */
#include "pytop/agg_idmap.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 16u

/* splitmix64's finaliser over the words: keys are small packed integers
 * (ids, tids), so the bits must be spread before masking. */
static uint64_t mix(uint32_t a, uint32_t b, uint32_t c)
{
    uint64_t h = ((uint64_t)a << 32 | b) + 0x9e3779b97f4a7c15ull * ((uint64_t)c + 1);
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
        memset(m->slots, 0, m->nslots * sizeof *m->slots);
}

size_t pt_idmap_bytes(const struct pt_idmap *m)
{
    return m->keys_cap * sizeof *m->keys + m->nslots * sizeof *m->slots;
}

static bool same(const struct pt_idkey *k, uint32_t a, uint32_t b, uint32_t c)
{
    return k->a == a && k->b == b && k->c == c;
}

/* Slot holding (a, b, c) (hash h), or the empty slot where it would go. */
static size_t probe(const struct pt_idmap *m, uint64_t h, uint32_t a, uint32_t b, uint32_t c)
{
    size_t mask = m->nslots - 1, j = h & mask;
    while (m->slots[j] != 0 && !same(&m->keys[m->slots[j] - 1], a, b, c))
        j = (j + 1) & mask;
    return j;
}

static enum pt_err rehash(struct pt_idmap *m, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return PT_ENOMEM;
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    for (uint32_t id = 0; id < m->n; id++) {
        const struct pt_idkey *k = &m->keys[id];
        size_t j = mix(k->a, k->b, k->c) & (nslots - 1);
        while (slots[j] != 0)
            j = (j + 1) & (nslots - 1);
        slots[j] = id + 1;
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
    if (need >= PT_NOID - 1)
        return PT_ENOMEM; /* ids and id + 1 must stay below PT_NOID */
    if (grow_keys(m, need) != PT_OK)
        return PT_ENOMEM;
    if (need * 2 <= m->nslots)
        return PT_OK;
    size_t nslots = m->nslots ? m->nslots : MIN_SLOTS;
    while (nslots < need * 2)
        nslots *= 2;
    return rehash(m, nslots);
}

uint32_t pt_idmap_find(const struct pt_idmap *m, uint32_t a, uint32_t b, uint32_t c)
{
    if (m->n == 0)
        return PT_NOID;
    uint32_t s = m->slots[probe(m, mix(a, b, c), a, b, c)];
    return s ? s - 1 : PT_NOID;
}

uint32_t pt_idmap_intern(struct pt_idmap *m, uint32_t a, uint32_t b, uint32_t c, bool *added)
{
    /* room first, so one probe both finds the key and places a new one */
    if (pt_idmap_reserve(m, 1) != PT_OK)
        return pt_idmap_find(m, a, b, c);
    size_t j = probe(m, mix(a, b, c), a, b, c);
    if (m->slots[j] != 0)
        return m->slots[j] - 1;
    uint32_t id = m->n++;
    m->keys[id] = (struct pt_idkey){a, b, c};
    m->slots[j] = id + 1;
    if (added)
        *added = true;
    return id;
}

/* Geometric growth (x2, at least 64 entries), new bytes set to fill. */
enum pt_err pt_array_grow(void **p, size_t *cap, size_t need, size_t elem, unsigned char fill)
{
    if (need <= *cap)
        return PT_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    unsigned char *q = realloc(*p, ncap * elem);
    if (!q)
        return PT_ENOMEM;
    memset(q + *cap * elem, fill, (ncap - *cap) * elem);
    *p = q;
    *cap = ncap;
    return PT_OK;
}

enum pt_err pt_u32_grow(uint32_t **p, size_t *cap, size_t need, uint32_t fill)
{
    /* every fill the aggregate uses is one byte repeated: 0 or PT_NOID */
    void *v = *p;
    enum pt_err err = pt_array_grow(&v, cap, need, sizeof **p, (unsigned char)fill);
    *p = v;
    return err;
}
