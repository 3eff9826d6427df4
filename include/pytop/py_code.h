/*
 * py_code — decoded code objects, cached by address.
 *
 * A code object is decoded once (names, file, first line, a copy of its
 * line table) and reused while its identity holds: a lookup re-reads the
 * object's fixed header and compares the name, file and line-table
 * pointers and the first line, so a code object freed and replaced at the
 * same address is decoded afresh rather than trusted.
 *
 * Where the target counts what could replace a code object (3.12+: code
 * objects created, or deallocated; py_facts.h), the header is not read
 * again while that count stands where it stood before the entry was last
 * checked: nothing can have taken the object's place meanwhile. The
 * caller reads the count twice per use: once before any header of its
 * walk (the stamp an entry checked now keeps) and once after the frames
 * that name the code objects (the count those entries must match).
 */
#ifndef PYTOP_PY_CODE_H
#define PYTOP_PY_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pytop/py_ctx.h"

/* Two cache lines: what every use of an entry touches comes first, in
 * one line of its own (entries are 64-byte aligned), so a sample of a
 * steady stack costs one cache miss per frame, not three. */
struct pt_code {
    /* -- hot -- */
    _Alignas(64) uint64_t addr;
    /* The target's count when this entry was last checked (epoch_set). */
    uint64_t epoch;
    /* The last two lines looked up, newest first: a loop runs the same
     * instructions again (often two lines in turn), and a line table is
     * decoded from its start. memo_n: how many are set. */
    int32_t memo_addrq[2];
    int32_t memo_line[2];
    /* Free for the caller (the sampler keeps interned ids here); zeroed
     * whenever the object is decoded afresh. */
    uint32_t user[6];
    int32_t firsttraceable; /* code units before the first traceable one (3.11+) */
    bool decoded;           /* name, file and lines hold a good decode */
    bool epoch_set, user_set;
    uint8_t memo_n;
    /* -- cold: the identity check and the decoded text -- */
    uint64_t name_ptr, file_ptr, lines_ptr;
    char *name;             /* co_qualname where the version has it, else co_name */
    char *file;             /* co_filename */
    uint8_t *lines;         /* copy of the line table */
    size_t lines_len;
    int32_t firstlineno;
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

/* The target's code-object count around one stack (see the top). */
struct pt_code_epoch {
    uint64_t now;   /* read after the stack's frames */
    uint64_t stamp; /* read before any code header of this walk */
    bool now_ok, stamp_ok;
};

void pt_codecache_init(struct pt_codecache *cc);
void pt_codecache_free(struct pt_codecache *cc);

/* The decoded code objects of a whole stack: the headers of all distinct code
 * objects in addrs are read with one vectored read. map[i] gives, for
 * addrs[i], the index j of its result: out[j] (NULL on failure) and
 * errs[j]. out, errs need room for n entries. Pointers stay valid until
 * the next call (no entry moves during this one). ep (NULL: none) spares
 * the reads of entries whose count still holds. */
enum pt_err pt_code_get_many(struct pt_codecache *cc, const struct pt_pyctx *ctx,
                             const struct pt_code_epoch *ep, const uint64_t *addrs, size_t n,
                             uint32_t *map, struct pt_code **out, enum pt_err *errs);

/* Line executing at byte offset addrq (see py_linetable). */
int pt_code_line(struct pt_code *code, const struct pt_pyctx *ctx, int64_t addrq);

#endif
