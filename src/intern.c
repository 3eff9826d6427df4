/* intern — append-only, lock-free-readable tables of strings and frames. */
#include "pytop/intern.h"

#include "pytop/util.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_LEN ((size_t)1 << PT_INTERN_CHUNK_BITS)

static void chunked_init(struct pt_chunked *c, size_t elem)
{
    for (size_t i = 0; i < PT_INTERN_MAX_CHUNKS; i++)
        atomic_init(&c->chunks[i], NULL);
    c->elem = elem;
    atomic_init(&c->count, 0);
}

static void *chunked_at(const struct pt_chunked *c, uint32_t id)
{
    char *chunk = atomic_load_explicit(&c->chunks[id >> PT_INTERN_CHUNK_BITS], memory_order_acquire);
    return chunk + (id & (CHUNK_LEN - 1)) * c->elem;
}

/* Writer: room for one more; returns the new entry's id or PT_NOID. */
static uint32_t chunked_append(struct pt_chunked *c, const void *value)
{
    uint32_t id = atomic_load_explicit(&c->count, memory_order_relaxed);
    size_t k = id >> PT_INTERN_CHUNK_BITS;
    if (k >= PT_INTERN_MAX_CHUNKS)
        return PT_NOID;
    if (!atomic_load_explicit(&c->chunks[k], memory_order_relaxed)) {
        void *chunk = calloc(CHUNK_LEN, c->elem);
        if (!chunk)
            return PT_NOID;
        atomic_store_explicit(&c->chunks[k], chunk, memory_order_release);
    }
    memcpy(chunked_at(c, id), value, c->elem);
    atomic_store_explicit(&c->count, id + 1, memory_order_release);
    return id;
}

static void chunked_free(struct pt_chunked *c)
{
    for (size_t i = 0; i < PT_INTERN_MAX_CHUNKS; i++)
        free(atomic_load(&c->chunks[i]));
}

/* FNV-1a: short keys, no adversary that can choose collisions cheaply. */
static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t hash_str(const char *s) { return hash_bytes(s, strlen(s)); }
static uint64_t hash_frame(const struct pt_frameinfo *f) { return hash_bytes(f, sizeof *f); }
static uint32_t tag_of(uint64_t h) { return (uint32_t)(h >> 32); }

static enum pt_err index_init(struct pt_hashslot **slots, size_t *cap)
{
    *cap = 1024;
    *slots = malloc(*cap * sizeof **slots);
    if (!*slots)
        return PT_ENOMEM;
    for (size_t i = 0; i < *cap; i++)
        (*slots)[i] = (struct pt_hashslot){0, PT_NOID};
    return PT_OK;
}

enum pt_err pt_intern_init(struct pt_intern *in)
{
    chunked_init(&in->strings, sizeof(const char *));
    chunked_init(&in->frames, sizeof(struct pt_frameinfo));
    in->str_index = in->frame_index = NULL;
    in->blocks = NULL;
    in->nblocks = in->blocks_cap = in->block_used = in->block_size = 0;
    if (index_init(&in->str_index, &in->str_cap) != PT_OK ||
        index_init(&in->frame_index, &in->frame_cap) != PT_OK) {
        pt_intern_free(in);
        return PT_ENOMEM;
    }
    return PT_OK;
}

void pt_intern_free(struct pt_intern *in)
{
    for (size_t i = 0; i < in->nblocks; i++)
        free(in->blocks[i]);
    free(in->blocks);
    in->blocks = NULL;
    in->nblocks = in->blocks_cap = in->block_used = in->block_size = 0;
    chunked_free(&in->strings);
    chunked_free(&in->frames);
    free(in->str_index);
    free(in->frame_index);
    in->str_index = in->frame_index = NULL;
}

/* ---- string storage: one malloc per 64 KiB, not per string ---------------- */

#define BLOCK_SIZE ((size_t)64 << 10)

static enum pt_err new_block(struct pt_intern *in, size_t size)
{
    if (in->nblocks == in->blocks_cap) {
        size_t cap = in->blocks_cap ? in->blocks_cap * 2 : 16;
        char **b = realloc(in->blocks, cap * sizeof *b);
        if (!b)
            return PT_ENOMEM;
        in->blocks = b;
        in->blocks_cap = cap;
    }
    char *block = malloc(size);
    if (!block)
        return PT_ENOMEM;
    in->blocks[in->nblocks++] = block;
    in->block_used = 0;
    in->block_size = size;
    return PT_OK;
}

/* A stored copy of s (len bytes and a NUL); long strings get a block of their own. */
/* Before each string's bytes: its length, and (top bit) whether it holds
 * a control character, found once here rather than on every display. */
#define STR_HDR sizeof(uint32_t)
#define STR_CONTROL 0x80000000u

static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

static char *store(struct pt_intern *in, const char *s, size_t len)
{
    size_t need = STR_HDR + len + 1;
    if (len >= STR_CONTROL)
        return NULL;
    if (!in->nblocks || in->block_size - in->block_used < need) {
        if (new_block(in, need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE) != PT_OK)
            return NULL;
    }
    char *at = in->blocks[in->nblocks - 1] + in->block_used;
    uint32_t hdr = (uint32_t)len | (has_control(s, len) ? STR_CONTROL : 0);
    memcpy(at, &hdr, sizeof hdr);
    memcpy(at + STR_HDR, s, len + 1);
    in->block_used += need;
    if (need > BLOCK_SIZE / 4) /* a block of its own is full: the next string starts a new one */
        in->block_used = in->block_size;
    return at + STR_HDR;
}

/* ---- the indexes ------------------------------------------------------------ */

typedef uint64_t (*hash_of_fn)(const struct pt_intern *in, uint32_t id);

static uint64_t hash_of_str(const struct pt_intern *in, uint32_t id) { return hash_str(pt_intern_str(in, id)); }
static uint64_t hash_of_frame(const struct pt_intern *in, uint32_t id)
{
    return hash_frame(pt_intern_frameinfo(in, id));
}

/* Grow an index to twice its size when half full; the slots keep only a
 * tag, so each entry's hash is computed again (amortised O(1) per entry). */
static enum pt_err index_grow(const struct pt_intern *in, struct pt_hashslot **slots, size_t *cap, uint32_t used,
                              hash_of_fn hash_of)
{
    if ((size_t)used * 2 < *cap)
        return PT_OK;
    size_t ncap = *cap * 2;
    struct pt_hashslot *ns = malloc(ncap * sizeof *ns);
    if (!ns)
        return PT_ENOMEM;
    for (size_t i = 0; i < ncap; i++)
        ns[i] = (struct pt_hashslot){0, PT_NOID};
    for (size_t i = 0; i < *cap; i++) {
        if ((*slots)[i].id == PT_NOID)
            continue;
        size_t j = hash_of(in, (*slots)[i].id) & (ncap - 1);
        while (ns[j].id != PT_NOID)
            j = (j + 1) & (ncap - 1);
        ns[j] = (*slots)[i];
    }
    free(*slots);
    *slots = ns;
    *cap = ncap;
    return PT_OK;
}

uint32_t pt_intern_string(struct pt_intern *in, const char *s)
{
    uint32_t n = pt_intern_nstrings(in);
    if (index_grow(in, &in->str_index, &in->str_cap, n, hash_of_str) != PT_OK)
        return PT_NOID;
    size_t len = strlen(s);
    uint64_t h = hash_bytes(s, len);
    size_t j = h & (in->str_cap - 1);
    for (; in->str_index[j].id != PT_NOID; j = (j + 1) & (in->str_cap - 1))
        if (in->str_index[j].tag == tag_of(h) && strcmp(pt_intern_str(in, in->str_index[j].id), s) == 0)
            return in->str_index[j].id;
    char *copy = store(in, s, len);
    if (!copy)
        return PT_NOID;
    uint32_t id = chunked_append(&in->strings, &copy);
    if (id != PT_NOID)
        in->str_index[j] = (struct pt_hashslot){tag_of(h), id};
    return id; /* a copy not appended stays in its block, unused */
}

uint32_t pt_intern_frame(struct pt_intern *in, const struct pt_frameinfo *f)
{
    uint32_t n = pt_intern_nframes(in);
    if (index_grow(in, &in->frame_index, &in->frame_cap, n, hash_of_frame) != PT_OK)
        return PT_NOID;
    uint64_t h = hash_frame(f);
    size_t j = h & (in->frame_cap - 1);
    for (; in->frame_index[j].id != PT_NOID; j = (j + 1) & (in->frame_cap - 1))
        if (in->frame_index[j].tag == tag_of(h) &&
            memcmp(pt_intern_frameinfo(in, in->frame_index[j].id), f, sizeof *f) == 0)
            return in->frame_index[j].id;
    uint32_t id = chunked_append(&in->frames, f);
    if (id != PT_NOID)
        in->frame_index[j] = (struct pt_hashslot){tag_of(h), id};
    return id;
}

uint32_t pt_intern_nstrings(const struct pt_intern *in)
{
    return atomic_load_explicit(&in->strings.count, memory_order_acquire);
}

uint32_t pt_intern_nframes(const struct pt_intern *in)
{
    return atomic_load_explicit(&in->frames.count, memory_order_acquire);
}

const char *pt_intern_str(const struct pt_intern *in, uint32_t id)
{
    if (id >= pt_intern_nstrings(in))
        return "?";
    return *(const char **)chunked_at(&in->strings, id);
}

size_t pt_intern_str_len(const struct pt_intern *in, uint32_t id, bool *control)
{
    uint32_t hdr = 1; /* "?" */
    if (id < pt_intern_nstrings(in))
        memcpy(&hdr, *(const char **)chunked_at(&in->strings, id) - STR_HDR, sizeof hdr);
    *control = hdr & STR_CONTROL;
    return hdr & ~STR_CONTROL;
}

void pt_intern_str_prefetch(const struct pt_intern *in, uint32_t id, bool bytes)
{
    if (id >= pt_intern_nstrings(in))
        return;
    const char **slot = chunked_at(&in->strings, id);
    PT_PREFETCH(bytes ? (const void *)*slot : (const void *)slot);
}

const struct pt_frameinfo *pt_intern_frameinfo(const struct pt_intern *in, uint32_t id)
{
    if (id >= pt_intern_nframes(in))
        return NULL;
    return chunked_at(&in->frames, id);
}
