/*
 * intern — strings and frames, each stored once and named by a small id.
 *
 * One writer (the sampler thread) appends; any number of readers (the
 * consumer side) look ids up without locks. Entries live in fixed-size
 * chunks that never move, and the writer publishes the count with a
 * release store after the entry is complete, so a reader that has seen an
 * id (in a sample taken from the ring, or below pt_intern_frames()) always
 * sees the finished entry. String bytes are packed into 64 KiB blocks that
 * never move either, and the writer's lookup indexes keep 8 bytes a slot:
 * with tens of thousands of functions, memory is what these tables cost. Ids are never reused; nothing is freed until
 * pt_intern_free. Only pt_intern_string/pt_intern_frame write, and only
 * from one thread.
 */
#ifndef PYTOP_INTERN_H
#define PYTOP_INTERN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/error.h"

#define PT_INTERN_CHUNK_BITS 12
#define PT_INTERN_MAX_CHUNKS 4096 /* 16M entries of each kind */
#define PT_NOID UINT32_MAX

struct pt_frameinfo {
    uint32_t name;      /* string id: qualified name */
    uint32_t file;      /* string id: file name */
    int32_t line;       /* line executing (-1: none) */
    int32_t firstline;  /* the function's first line */
};

struct pt_chunked {
    void *_Atomic chunks[PT_INTERN_MAX_CHUNKS];
    size_t elem;
    _Atomic uint32_t count;
};

/* An index slot: the entry's id, and its hash's upper half so a probe
 * rarely has to compare an entry that is not the one sought. */
struct pt_hashslot {
    uint32_t tag;
    uint32_t id; /* PT_NOID: empty */
};

struct pt_intern {
    struct pt_chunked strings; /* const char *, pointing into the arena */
    struct pt_chunked frames;  /* struct pt_frameinfo */
    /* writer-only lookup tables (open addressing) */
    struct pt_hashslot *str_index, *frame_index;
    size_t str_cap, frame_cap;
    /* writer-only string storage: blocks that are never moved or freed
     * before pt_intern_free, filled one after another */
    char **blocks;
    size_t nblocks, blocks_cap, block_used, block_size;
};

enum pt_err pt_intern_init(struct pt_intern *in);
void pt_intern_free(struct pt_intern *in);

/* Writer: the id of s (copied on first sight). PT_NOID on ENOMEM/full. */
uint32_t pt_intern_string(struct pt_intern *in, const char *s);
/* Writer: the id of this frame. PT_NOID on ENOMEM/full. */
uint32_t pt_intern_frame(struct pt_intern *in, const struct pt_frameinfo *f);

/* Readers: published counts, and lookups of ids below them. */
uint32_t pt_intern_nstrings(const struct pt_intern *in);
uint32_t pt_intern_nframes(const struct pt_intern *in);
const char *pt_intern_str(const struct pt_intern *in, uint32_t id);
/* Its length, and whether it holds a control character (a byte below
 * 0x20, or 0x7f): noted once when stored, so a display need not scan. */
size_t pt_intern_str_len(const struct pt_intern *in, uint32_t id, bool *control);
/* A hint, no effect on results: bring string id's slot (bytes false) or
 * its bytes (true, the slot read first) into the cache ahead of a lookup. */
void pt_intern_str_prefetch(const struct pt_intern *in, uint32_t id, bool bytes);
const struct pt_frameinfo *pt_intern_frameinfo(const struct pt_intern *in, uint32_t id);

#endif
