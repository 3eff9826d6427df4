/*
 * py_code — decoded code objects, cached by address.
 *
 * A code object is decoded once (names, file, first line, a copy of its
 * line table) and reused while its identity holds: each lookup re-reads the
 * object's fixed header and compares the name, file and line-table
 * pointers and the first line, so a code object freed and replaced at the
 * same address is decoded afresh rather than trusted.
 */
#ifndef PYTOP_PY_CODE_H
#define PYTOP_PY_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/py_ctx.h"

struct pt_code {
    uint64_t addr;
    uint64_t name_ptr, file_ptr, lines_ptr; /* identity check */
    int32_t firstlineno;
    int32_t firsttraceable; /* code units before the first traceable one (3.11+) */
    char *name;             /* co_qualname where the version has it, else co_name */
    char *file;             /* co_filename */
    uint8_t *lines;         /* copy of the line table */
    size_t lines_len;
    /* Free for the caller (the sampler keeps interned ids here); zeroed
     * whenever the object is decoded afresh. */
    uint32_t user[4];
    bool user_set;
    /* The last line looked up: a loop runs the same instructions again,
     * and a line table is decoded from its start. */
    int64_t memo_addrq;
    int memo_line;
    bool memo_set;
};

struct pt_codecache {
    /* Entries live in a dense array (they are a hundred bytes each); the
     * hash index holds entry number + 1, 0 for an empty slot. */
    struct pt_code *codes;
    size_t used, codes_cap;
    uint32_t *index;
    size_t cap; /* index slots, a power of two */
    uint8_t *scratch;  /* batch buffers, kept between calls */
    size_t scratch_n;  /* entries the scratch holds */
};

void pt_codecache_init(struct pt_codecache *cc);
void pt_codecache_free(struct pt_codecache *cc);

/* The decoded code objects of a whole stack: the headers of all distinct code
 * objects in addrs are read with one vectored read. map[i] gives, for
 * addrs[i], the index j of its result: out[j] (NULL on failure) and
 * errs[j]. out, errs need room for n entries. Pointers stay valid until
 * the next call (no entry moves during this one). */
enum pt_err pt_code_get_many(struct pt_codecache *cc, const struct pt_pyctx *ctx,
                             const uint64_t *addrs, size_t n, uint32_t *map, struct pt_code **out,
                             enum pt_err *errs);

/* Line executing at byte offset addrq (see py_linetable). */
int pt_code_line(struct pt_code *code, const struct pt_pyctx *ctx, int64_t addrq);

#endif
